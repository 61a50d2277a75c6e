"""The published site in a real browser: headless Chromium driven by Playwright.

The site is built once per session from the bundled snapshots (``built_site``
in conftest.py) and served by a stdlib ``http.server`` on 127.0.0.1. Every
request the browser makes is routed: requests to the local server go
through, anything else is answered by a local stub and recorded, so a test
can assert that a page loads nothing from other hosts and that a footnote
leads to exactly its source URL, without touching the network.

Chromium is Debian's (/usr/bin/chromium; ``playwright install`` is not
used; BRIEFINGS_CHROMIUM names another build). Without it these tests are
skipped, except in CI (the ``CI`` environment variable is set), where a
missing browser is a failure.

Screenshots for review are written to test-artifacts/screenshots/.
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from generator import render

try:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
except ImportError:  # the browser tests skip (see the chromium fixture)
    PlaywrightTimeout = TimeoutError

REPO = Path(__file__).resolve().parents[1]
#: Debian's chromium; BRIEFINGS_CHROMIUM names another Chromium build (e.g. a CI runner's).
CHROMIUM = Path(os.environ.get("BRIEFINGS_CHROMIUM") or "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
SCREENSHOTS = REPO / "test-artifacts" / "screenshots"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
STUB = "<!doctype html><html lang=en><title>Stub</title><p>Stub page standing in for an external source.</p></html>"

pytestmark = pytest.mark.browser


# --- browser, server, site --------------------------------------------------------------


@pytest.fixture(scope="session")
def chromium():
    reason = None
    if not CHROMIUM.is_file():
        reason = f"{CHROMIUM} is missing (install Debian's chromium: apt-get install -y chromium)"
    else:
        try:
            from playwright.sync_api import sync_playwright
        except ImportError:
            reason = "the playwright package is missing (pip install -e '.[test]')"
    if reason:
        if os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no"):
            pytest.fail(f"browser tests cannot run in CI: {reason}", pytrace=False)
        pytest.skip(f"browser tests skipped: {reason}")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the stdlib's signature
        pass


@pytest.fixture(scope="session")
def server(built_site):
    """The built site served on 127.0.0.1 (a free port), as its base URL."""
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(built_site.site)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()


class _PagesHandler(_QuietHandler):
    """Serves a site under its own path (``prefix``, the path of its site_url) as GitHub Pages does:
    any address it does not have, however deep, gets 404.html with the status 404."""

    prefix = "/"

    def do_GET(self):  # noqa: N802 - the stdlib's name
        path = urlsplit(self.path).path
        if not path.startswith(self.prefix):
            return self.send_error(404)
        local = Path(self.directory) / unquote(path[len(self.prefix):])
        if local.is_dir() and not path.endswith("/"):
            self.send_response(301)
            self.send_header("Location", path + "/")
            self.end_headers()
            return None
        self.path = "/" + path[len(self.prefix):]
        return super().do_GET()

    def do_HEAD(self):  # noqa: N802
        return self.do_GET()

    def send_error(self, code, message=None, explain=None):
        page = Path(self.directory) / "404.html"
        if code != 404 or not page.is_file():
            return super().send_error(code, message, explain)
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


@pytest.fixture(scope="session")
def pages_servers():
    """Start (once per site) a Pages-like server for a built site; returns its base URL (with the path)."""
    running = {}

    def start(site) -> str:
        if site.name not in running:
            prefix = urlsplit(site.config.site.url).path or "/"
            handler = type("Handler", (_PagesHandler,), {"prefix": prefix})
            httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(site.site)))
            threading.Thread(target=httpd.serve_forever, daemon=True).start()
            running[site.name] = (httpd, f"http://127.0.0.1:{httpd.server_address[1]}{prefix}")
        return running[site.name][1]

    yield start
    for httpd, _ in running.values():
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(scope="session")
def entries(built_site):
    found, problems = render.scan(built_site.docs)
    assert found and not problems
    return found


def lead_of(entries):
    latest = max(e.date for e in entries)
    return min((e for e in entries if e.date == latest), key=lambda e: (not e.lead, e.rank, e.path))


# --- a reader: one browser context, its requests and console recorded --------------------


@dataclass
class Reader:
    context: object
    page: object
    base: str
    external: list[str] = field(default_factory=list)
    requested: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    #: (URL, status) of every response of 400 or more.
    failed: list[tuple[str, int]] = field(default_factory=list)

    def goto(self, path: str = "") -> None:
        self.page.goto(self.base + path)
        self.page.wait_for_load_state("load")
        self.check_images()

    def check_images(self) -> None:
        missing = self.page.eval_on_selector_all("img", "imgs => imgs.filter(i => !(i.getAttribute('alt') || '').trim()).map(i => i.src)")
        assert missing == [], f"images without alt text: {missing}"

    def assert_clean(self, allowed_external: set[str] = frozenset(), missing: set[str] = frozenset()) -> None:
        """No console errors, and nothing requested from another host except ``allowed_external`` URLs;
        ``missing``: addresses opened on purpose that must answer 404 (Chromium logs each one)."""
        assert {url for url, _ in self.failed} == set(missing), f"failed responses: {self.failed}"
        assert all(status == 404 for _, status in self.failed), self.failed
        errors = [e for e in self.errors if not (missing and e.startswith("Failed to load resource") and "404" in e)]
        assert errors == [], f"console errors: {self.errors}"
        local = urlsplit(self.base).netloc
        hosts = {urlsplit(u).netloc for u in self.requested if urlsplit(u).scheme in ("http", "https")}
        allowed_hosts = {urlsplit(u).netloc for u in allowed_external}
        assert hosts <= {local} | allowed_hosts, f"requests to other hosts: {sorted(hosts - {local})}"
        unexpected = [u for u in self.external if u not in allowed_external and urlsplit(u).path != "/favicon.ico"]
        assert unexpected == [], f"external requests: {unexpected}"


@pytest.fixture
def open_reader(chromium, server):
    contexts = []

    def open_(viewport=DESKTOP, scheme="light", base: str | None = None) -> Reader:
        server_base = base or server
        context = chromium.new_context(viewport=viewport, color_scheme=scheme, service_workers="block")
        contexts.append(context)
        page = context.new_page()
        reader = Reader(context, page, server_base)
        local = urlsplit(server_base).netloc

        def route(route):
            url = route.request.url
            if urlsplit(url).netloc == local:
                route.continue_()
            else:
                reader.external.append(url)
                route.fulfill(status=200, content_type="text/html; charset=utf-8", body=STUB)

        context.route("**/*", route)
        context.on("request", lambda request: reader.requested.append(request.url))
        page.on("console", lambda message: reader.errors.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: reader.errors.append(str(error)))
        page.on("response", lambda response: reader.failed.append((response.url, response.status)) if response.status >= 400 else None)
        page.set_default_timeout(10_000)
        return reader

    yield open_
    for context in contexts:
        context.close()


def font_size(locator) -> float:
    return float(locator.evaluate("e => parseFloat(getComputedStyle(e).fontSize)"))


# --- tests ------------------------------------------------------------------------------


def test_teaser_footnote_source_and_back(open_reader, entries):
    reader = open_reader()
    page = reader.page
    reader.goto()
    lead = page.locator("article.teaser--lead")
    assert lead.count() == 1
    others = page.locator("article.teaser:not(.teaser--lead)")
    # the lead is first and larger
    assert lead.bounding_box()["y"] <= others.first.bounding_box()["y"]
    assert font_size(lead.locator("h3")) > 1.4 * font_size(others.first.locator("h3"))
    assert lead.bounding_box()["width"] > 1.5 * others.first.bounding_box()["width"]

    # open a teaser
    link = others.first.locator("h3 a")
    title = link.inner_text()
    link.click()
    entry = next(e for e in entries if " ".join(e.title.split()) == " ".join(title.split()))
    page.wait_for_url(reader.base + entry.url)
    assert page.locator("h1").inner_text() == title
    briefing_url = page.url

    # hovering a footnote shows what it quotes
    ref = page.locator("a.footnote-ref").first
    assert ref.get_attribute("href") == "#fn:1"
    footnote = page.locator("li[id='fn:1']")
    footnote_text = " ".join(footnote.inner_text().replace("↩", "").split())
    ref.hover()
    tooltip = page.locator(".md-tooltip2--active")
    tooltip.wait_for(state="visible")
    shown = " ".join(tooltip.inner_text().replace("↩", "").split())
    assert shown and shown in footnote_text and "“" in shown

    # following it leads to the footnote, then to the original post (answered by a local stub)
    ref.click()
    page.wait_for_url(briefing_url + "#fn:1")
    source = footnote.locator("a").first
    href = source.get_attribute("href")
    assert href == render.md_link_target(entry.source_urls[0])[1:-1]
    resolved = source.evaluate("a => a.href")
    with page.expect_request(lambda r: urlsplit(r.url).netloc != urlsplit(reader.base).netloc) as request:
        source.click()
    assert request.value.url == resolved
    assert request.value.url in (href, entry.source_urls[0])
    page.wait_for_url(request.value.url)
    assert "Stub page" in page.content()

    # and back to the briefing, and from the footnote back to where it was cited
    page.go_back()
    page.wait_for_url(briefing_url + "#fn:1")
    footnote.locator("a.footnote-backref").click()
    page.wait_for_url(briefing_url + "#fnref:1")
    assert page.locator("h1").inner_text() == title
    reader.assert_clean(allowed_external={request.value.url})


def test_search_finds_a_briefing_by_a_word_of_its_headline(open_reader, entries):
    def words(e):
        return {w.lower() for w in re.findall(r"[A-Za-z]{6,}", f"{e.title} {e.description}")}

    # a word from a headline that as few other briefings as possible share
    candidates = []
    for entry in entries:
        for word in {w.lower() for w in re.findall(r"[A-Za-z]{6,}", entry.title)}:
            candidates.append((sum(word in words(e) for e in entries), word, entry.path, entry))
    _, word, _, entry = min(candidates, key=lambda c: c[:3])

    reader = open_reader()
    page = reader.page
    reader.goto()
    page.locator(".md-search__input").click()
    page.keyboard.type(word)  # typed, as a reader does: Material searches on key events
    hit = page.locator(f".md-search-result__item a[href*='{entry.url}']").first
    hit.wait_for(state="visible")
    hit.click()
    page.wait_for_url(re.compile(re.escape(reader.base + entry.url)))
    assert " ".join(page.locator("h1").inner_text().split()) == " ".join(entry.title.split())
    # search.highlight marks the word on the page (once the page's own search has loaded)
    page.locator("article mark").first.wait_for()
    marks = page.locator("mark").all_inner_texts()
    assert any(word in m.lower() for m in marks), marks
    reader.assert_clean()


def _only_named_in_one(entries, names_of):
    """(name, entry) pairs: a name that ``names_of`` gives for exactly one briefing and that no headline or
    teaser holds, so that only the names the index adds can find it."""
    from generator.site.search import words

    shown = set().union(*(words(f"{e.title} {e.description}") for e in entries))
    owners: dict[str, list] = {}
    for entry in entries:
        for name in names_of(entry):
            owners.setdefault(name, []).append(entry)
    return sorted((name, found[0]) for name, found in owners.items()
                  if len(found) == 1 and words(name) and not words(name) & shown and len(name) >= 5)


def _search(reader, query):
    """Type a query into the search box as a reader does; the hrefs of the results shown."""
    page = reader.page
    box = page.locator(".md-search__input")
    box.click()
    box.fill("")
    page.keyboard.type(query)
    # the results of this query, not of the one before: Material adds the query to each result's link (?h=…)
    last = re.split(r"[^\w.]+", query.lower())[-1]
    try:
        page.wait_for_function(
            "last => [...document.querySelectorAll('.md-search-result__item > a')].some(a => a.href.toLowerCase().includes(last))",
            arg=last, timeout=8_000)
    except PlaywrightTimeout:
        return []  # nothing found for this query (the index loads in well under that)
    return page.locator(".md-search-result__item > a").evaluate_all("links => links.map(a => a.getAttribute('href'))")


def search_finds_briefings_by_names_only_their_posts_use(reader, entries, bundled: bool):
    """A lab, model or person the posts name, and a handle quoted in the body: typed, each finds its briefing."""
    page = reader.page
    reader.goto()
    entities = _only_named_in_one(entries, lambda e: ((e.meta or {}).get("analysis") or {}).get("entities") or [])
    handles = _only_named_in_one(entries, lambda e: [s.get("author") or "" for s in (e.meta or {}).get("sources") or []
                                                    if (s.get("author") or "").startswith(("u/", "@"))
                                                    or "_" in (s.get("author") or "")])
    assert entities and handles
    picked = [entities[0], handles[0]]
    if bundled:
        # the issue's own example, a lab's assistant named in the posts of one briefing (its teaser
        # now quotes the sentence that names it; entities[0] above is named in a body only)
        picked.append(("Juniper", next(e for e in entries if "Juniper" in (((e.meta or {}).get("analysis") or {}).get("entities") or []))))
    for name, entry in picked:
        query = re.sub(r"^\W+|\W+$", "", name.removeprefix("u/").lstrip("@").split("@")[0])  # typed as a reader would
        hits = _search(reader, query)
        assert any(entry.url in h for h in hits[:3]), (query, entry.url, hits)
    # and the result opens the briefing
    name, entry = picked[-1]
    page.locator(f".md-search-result__item > a[href*='{entry.url}']").first.click()
    page.wait_for_url(re.compile(re.escape(reader.base + entry.url)))
    assert " ".join(page.locator("h1").inner_text().split()) == " ".join(entry.title.split())
    reader.assert_clean()


def test_search_finds_a_briefing_by_a_name_only_its_body_gives(open_reader, entries):
    search_finds_briefings_by_names_only_their_posts_use(open_reader(), entries, bundled=True)


def test_beat_page_and_briefing_link_both_ways(open_reader, entries, built_site):
    entry = lead_of(entries)
    beat = next(b for b in built_site.config.beats if b.id == entry.beat)
    reader = open_reader()
    page = reader.page
    reader.goto(entry.url)
    page.locator(".brief-meta a.brief-beat").click()
    page.wait_for_url(reader.base + f"beats/{beat.id}/")
    reader.check_images()
    assert page.locator("h1").inner_text() == beat.name
    assert " ".join(page.locator(".beat-description").inner_text().split()) == " ".join(beat.description.split())
    titles = page.locator("article.teaser h3 a").all_inner_texts()
    assert len(titles) == sum(e.beat == beat.id for e in entries)
    page.locator("article.teaser h3 a", has_text=entry.title).first.click()
    page.wait_for_url(reader.base + entry.url)
    reader.assert_clean()


def test_keyboard_reaches_a_teaser_with_visible_focus_and_enter_opens_it(open_reader):
    reader = open_reader()
    page = reader.page
    reader.goto()
    focused = None
    for _ in range(80):
        page.keyboard.press("Tab")
        if page.evaluate("() => !!document.activeElement.closest('.teaser h2, .teaser h3')"):
            focused = page.evaluate("() => document.activeElement.getAttribute('href')")
            break
    assert focused, "Tab never reached a teaser link"
    style = page.evaluate(
        "() => { const e = document.activeElement, s = getComputedStyle(e);"
        " return {visible: e.matches(':focus-visible'), style: s.outlineStyle, width: parseFloat(s.outlineWidth), text: e.innerText}; }"
    )
    assert style["visible"] and style["style"] != "none" and style["width"] >= 1, style
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: url.startswith(reader.base + "briefings/"))
    assert " ".join(page.locator("h1").inner_text().split()) == " ".join(style["text"].split())
    reader.assert_clean()


def test_palette_toggle_switches_between_light_and_dark(open_reader):
    reader = open_reader(scheme="light")
    page = reader.page
    reader.goto()
    scheme = lambda: page.evaluate("() => document.body.getAttribute('data-md-color-scheme')")  # noqa: E731
    background = lambda: page.evaluate("() => getComputedStyle(document.body).backgroundColor")  # noqa: E731
    assert scheme() == "default"
    light = background()
    page.locator("label.md-header__button[for^='__palette']:visible").first.click()
    page.wait_for_function("() => document.body.getAttribute('data-md-color-scheme') === 'slate'")
    assert background() != light
    reader.assert_clean()


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_front_page_and_briefing_read_well_in_both_schemes_and_widths(open_reader, entries, scheme, width, capsys):
    viewport = DESKTOP if width == "desktop" else PHONE
    reader = open_reader(viewport=viewport, scheme=scheme)
    page = reader.page
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    lead = lead_of(entries)
    for name, path in (("home", ""), ("briefing", lead.url), ("beat", f"beats/{lead.beat}/")):
        reader.goto(path)
        assert page.evaluate("() => document.body.getAttribute('data-md-color-scheme')") == ("slate" if scheme == "dark" else "default")
        luminance = page.evaluate(
            "() => { const [r, g, b] = getComputedStyle(document.body).backgroundColor.match(/\\d+/g).map(Number);"
            " return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255; }"
        )
        assert (luminance < 0.3) if scheme == "dark" else (luminance > 0.8), luminance
        overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{name} scrolls sideways by {overflow}px at {viewport}"
        if name == "home":
            lead_headline = page.locator("article.teaser--lead h3")
            assert font_size(lead_headline) > 1.3 * font_size(page.locator("article.teaser:not(.teaser--lead) h3").first)
        if name == "briefing":
            # the disclaimer (drawn by the template): once, under the footnotes, above "More
            # briefings", in smaller type than the body
            disclaimer = page.locator(".brief-disclaimer")
            assert disclaimer.count() == 1 and disclaimer.is_visible()
            assert disclaimer.inner_text().startswith("This briefing was ") and "Fidelity: " in disclaimer.inner_text()
            top = disclaimer.bounding_box()["y"]
            assert top > page.locator("div.footnote").bounding_box()["y"]
            related = page.locator("section.brief-related")
            assert related.count() == 0 or related.bounding_box()["y"] > top
            body = page.locator("article.md-content__inner > p:not([class])").first
            assert font_size(disclaimer.locator("p")) < font_size(body)
        shot = SCREENSHOTS / f"{name}-{scheme}-{width}-{viewport['width']}x{viewport['height']}.png"
        page.screenshot(path=str(shot), full_page=True)
        with capsys.disabled():  # shown even without -s: the screenshots are there for review
            print(f"\nscreenshot: {shot.relative_to(REPO)}", end="")
    reader.assert_clean()


# --- every point of the second pass, on the bundled site and on sites from other feeds ------------
#
# "synthetic": forty feeds of bench/synth.py through the whole pipeline (always there);
# "realdays": the real feeds of ../shared/realdays/ (skipped when absent). Each site is served as
# GitHub Pages serves it: under the path of its site_url, 404.html for any address it lacks.

SITES = ("bundled", "synthetic", "realdays")
_SCANNED: dict[str, list] = {}


@pytest.fixture(params=SITES)
def site(request, built_site):
    if request.param == "bundled":
        built_site.name = "bundled"
        return built_site
    return request.getfixturevalue(f"{request.param}_site")


def entries_of(site) -> list:
    if site.name not in _SCANNED:
        found, problems = render.scan(site.docs)
        assert found and not problems
        _SCANNED[site.name] = found
    return _SCANNED[site.name]


@pytest.fixture
def visit(open_reader, pages_servers, site):
    """A reader of ``site`` as published (under its own path); open several with different views."""
    def open_(viewport=DESKTOP, scheme="light") -> Reader:
        return open_reader(viewport=viewport, scheme=scheme, base=pages_servers(site))
    return open_


def body_text(locator) -> str:
    """Visible text without footnote marks."""
    return " ".join(locator.evaluate("e => { const c = e.cloneNode(true); c.querySelectorAll('sup').forEach(s => s.remove());"
                                     " return c.textContent; }").split())


def with_chart(entries):
    return [e for e in entries if sum(len(h.split()) for h in ((e.meta or {}).get("timeline") or {}).get("hours", {}).values()) >= 4]


def test_search_by_a_name_only_the_posts_give_on_every_site(visit, site):
    search_finds_briefings_by_names_only_their_posts_use(visit(), entries_of(site), bundled=site.name == "bundled")


def test_feeds_carry_what_the_briefing_page_says(visit, site):
    entries = entries_of(site)
    reader = visit()
    page = reader.page
    entry = lead_of(entries)
    reader.goto(entry.url)
    paragraphs = page.locator("article.md-content__inner > p:not([class])")
    shown = [body_text(paragraphs.nth(k)) for k in range(paragraphs.count())]
    assert shown
    for name in ("feed.json", f"beats/{entry.beat}/feed.json"):
        response = page.request.get(reader.base + name)
        assert response.status == 200
        item = next(i for i in response.json()["items"] if i["url"].endswith("/" + entry.url))
        # the item's HTML, shown by the browser as a feed reader would show it: the page's paragraphs,
        # footnotes as links to the sources, the disclaimer; and nothing in it runs
        dialogs = []
        viewer = reader.context.new_page()
        viewer.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        viewer.set_content(f"<!doctype html><meta charset=utf-8><div id=item>{item['content_html']}</div>")
        text = " ".join(viewer.locator("#item").inner_text().split())
        for paragraph in shown:
            assert paragraph in body_text(viewer.locator("#item")), paragraph
        hrefs = viewer.locator("#item a").evaluate_all("links => links.map(a => a.href)")
        assert hrefs and all(h.startswith(("http://", "https://")) for h in hrefs)
        sources = [s["url"] for s in entry.meta["sources"]]
        marks = viewer.locator("#item sup a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
        assert [render.md_link_target(u)[1:-1] for u in sources] == list(dict.fromkeys(marks))
        assert text.endswith(render.disclaimer_text(entry.meta))
        assert viewer.locator("#item script, #item iframe, #item img, #item svg").count() == 0 and dialogs == []
        viewer.close()
    reader.assert_clean()


def test_one_lead_story_per_edition_on_every_list(visit, site):
    entries = entries_of(site)
    reader = visit()
    page = reader.page
    reader.goto()
    lead = page.locator("article.teaser--lead")
    assert lead.count() == 1
    assert lead.locator("h3 a").get_attribute("href").rstrip("/").endswith(lead_of(entries).url.rstrip("/"))
    months = sorted({f"{e.date:%Y-%m}" for e in entries})
    for month in months:
        reader.goto(f"archive/{month}/")
        days = page.locator("h2.list-date")
        for k in range(days.count()):
            # the teasers between this edition's heading and the next
            marks = page.evaluate(
                "k => { const hs = [...document.querySelectorAll('h2.list-date')], h = hs[k], next = hs[k + 1];"
                " return [...document.querySelectorAll('article.teaser')].filter(t => (h.compareDocumentPosition(t) & 4)"
                " && (!next || (next.compareDocumentPosition(t) & 2)))"
                ".map(t => [t.querySelector('.sig--lead') ? 1 : 0, t.querySelector('.sig').innerText]); }", k)
            assert sum(m for m, _ in marks) == 1, (month, k, marks)
            assert all(re.fullmatch(r"(High|Medium|Low) significance", level, re.I) for _, level in marks)
    leads = [e for e in entries if e.lead]
    reader.goto(leads[0].url)
    assert page.locator(".brief-meta .brief-lead").inner_text().lower() == "lead story"
    other = next(e for e in entries if not e.lead)
    reader.goto(other.url)
    assert page.locator(".brief-meta .brief-lead").count() == 0
    assert page.locator(".brief-meta .brief-significance").inner_text().lower() == f"{other.significance} significance"
    reader.assert_clean()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_charts_are_drawn_with_a_text_alternative_in_both_schemes(visit, site, scheme):
    entries = entries_of(site)
    reader = visit(scheme=scheme)
    page = reader.page
    charted = with_chart(entries)
    assert charted, "a story of four posts or more"
    entry = lead_of(charted) if lead_of(entries) not in charted else lead_of(entries)
    pictures = (
        (entry.url, "How the conversation grew"),
        (f"beats/{entry.beat}/", "posts per edition"),
        ("", "The week's conversation by beat"),
    )
    body_color = None
    for path, name in pictures:
        reader.goto(path)
        chart = page.get_by_role("img", name=re.compile(re.escape(name)))
        assert chart.count() >= 1, (path, name)
        chart = chart.first
        chart.scroll_into_view_if_needed()
        box = chart.bounding_box()
        assert box["width"] > 250 and box["height"] > 80, box
        label = chart.get_attribute("aria-label")
        assert re.search(r"\d+ posts", label), label
        # the same figures as a table a screen reader reads and the eye does not see
        hidden = chart.locator("xpath=ancestor::figure").locator(".visually-hidden")
        assert hidden.count() == 1 and hidden.locator("table tbody tr").count() >= 1
        assert hidden.bounding_box()["width"] <= 1 and hidden.bounding_box()["height"] <= 1
        assert page.get_by_role("table", name=re.compile("[Pp]osts")).count() >= 1  # in the accessibility tree
        # text drawn in the page's own colour, so it reads in dark mode as in light
        body_color = page.evaluate("() => getComputedStyle(document.querySelector('article')).color")
        tick = chart.locator("text").first.evaluate("t => getComputedStyle(t).fill")
        assert tick == body_color, (tick, body_color)
    luminance = sum(int(v) for v in re.findall(r"\d+", body_color)[:3]) / 3
    assert (luminance > 150) if scheme == "dark" else (luminance < 100)
    reader.assert_clean()


def test_the_story_so_far_and_the_whole_conversation_are_part_of_the_page(visit, site):
    entries = entries_of(site)
    reader = visit()
    page = reader.page
    followed = [e for e in entries if (e.meta or {}).get("follows")]
    if followed:
        later = followed[0]
        earlier = next(e for e in entries if e.path == later.meta["follows"])
        reader.goto(later.url)
        thread = page.locator("nav.brief-thread")
        assert thread.is_visible() and "This briefing:" in thread.inner_text()
        assert thread.bounding_box()["y"] < page.locator("article.md-content__inner > p:not([class])").first.bounding_box()["y"]
        thread.locator(".brief-thread__follows a").click()
        page.wait_for_url(reader.base + earlier.url)
        assert page.locator(".brief-thread__update a", has_text=later.title.split()[0]).count() >= 1
    elif site.name == "bundled":
        pytest.fail("the bundled snapshots tell stories over several editions")
    with_others = [e for e in entries if e.posts > len((e.meta or {}).get("sources") or [])]
    assert with_others
    entry = with_others[0]
    reader.goto(entry.url)
    also, sources = page.locator("h2.brief-also"), page.locator("h2.brief-sources")
    style = "e => { const s = getComputedStyle(e); return [s.fontSize, s.textTransform, s.fontWeight]; }"
    assert also.evaluate(style) == sources.evaluate(style), "set like the sources"
    items = page.locator("h2.brief-also + ul > li")
    assert items.count() == entry.posts - len(entry.meta["sources"])
    assert all(h.startswith("http") for h in items.locator("a").evaluate_all("links => links.map(a => a.href)"))
    reader.assert_clean()


def test_rough_edges(visit, site):
    entries = entries_of(site)
    reader = visit()
    page = reader.page
    # no hole under the front page's lead
    reader.goto()
    lead = page.locator("article.teaser--lead")
    gap = lead.evaluate("a => { const r = a.getBoundingClientRect(), end = Math.max(...[...a.children].map(c => c.getBoundingClientRect().bottom));"
                        " return r.bottom - parseFloat(getComputedStyle(a).paddingBottom) - end; }")
    assert gap < 40, f"{gap}px empty under the lead"
    after = page.locator("article.teaser--lead + article.teaser").bounding_box()["y"] - (lead.bounding_box()["y"] + lead.bounding_box()["height"])
    assert after < 60, after
    # one Tab press after another: every stop is something a reader can see
    reader.goto()
    for _ in range(10):
        page.keyboard.press("Tab")
        seen = page.evaluate(
            "() => { let e = document.activeElement; if (e.matches('.md-option')) e = e.nextElementSibling;"
            " const r = e.getBoundingClientRect(), s = getComputedStyle(e);"
            " return [e.className, r.width > 2 && r.height > 2 && s.visibility === 'visible']; }")
        assert seen[1] and "md-search__scrollwrap" not in seen[0], seen
    # a briefing: one reading column, no table of contents that lists only "Sources"
    entry = lead_of(entries)
    reader.goto(entry.url)
    assert not page.locator(".md-sidebar--secondary").is_visible()
    assert page.locator("article.md-content__inner").bounding_box()["width"] <= 800
    # news footnotes name the outlet next to the link, never the aggregator's address
    news = [(e, s) for e in entries for s in (e.meta or {}).get("sources") or []
            if s.get("platform") == "News" and s.get("feed") and "news.google.com" in s.get("url", "")]
    if news:
        entry, source = news[0]
        reader.goto(entry.url)
        note = page.locator(f"li[id^='fn:'] a[href='{render.md_link_target(source['url'])[1:-1]}']").first
        text = " ".join(note.locator("xpath=..").inner_text().split())
        assert f"— {source['feed']} (news)," in text and "news.google.com" not in text
    # the About page speaks plainly
    reader.goto("about/")
    headings = page.locator("article h3").all_inner_texts()
    assert {"Stories and editions", "Significance", "Follow-ups"} <= set(headings)
    about = page.locator("article").inner_text()
    for jargon in ("Citations API", "extractive", "TF-IDF", "snapshot", "cluster", "ingest"):
        assert jargon.lower() not in about.lower(), jargon
    reader.assert_clean()


def test_a_missing_page_deep_under_the_site_offers_a_way_on(visit, site):
    entries = entries_of(site)
    reader = visit()
    page = reader.page
    missing = reader.base + "briefings/2099/01/01/no-such-briefing/and/deeper/still/"
    response = page.goto(missing)
    assert response.status == 404
    page.wait_for_load_state("load")
    assert page.locator("h1").inner_text() == "This page is not here"
    # styled: the site's own header and stylesheet, loaded from the site's path however deep the address
    assert page.locator(".md-header").is_visible()
    assert "Georgia" in page.locator("h1").evaluate("e => getComputedStyle(e).fontFamily")
    # the latest edition's briefings, each leading to its page
    latest = max(e.date for e in entries)
    links = page.locator(".notfound article.teaser h3 a")
    titles = [" ".join(t.split()) for t in links.all_inner_texts()]
    assert titles and set(titles) <= {" ".join(e.title.split()) for e in entries if e.date == latest}
    links.first.click()
    page.wait_for_load_state("load")
    assert " ".join(page.locator("h1").inner_text().split()) == titles[0]
    # search, from the 404 page: the front page opens with the search box ready
    page.goto(missing)
    page.locator(".notfound a", has_text="Search the briefings").click()
    page.wait_for_url(reader.base + "?q=")
    page.wait_for_function("() => { const toggle = document.getElementById('__search');"
                           " return !!toggle && toggle.checked && document.activeElement.matches('.md-search__input'); }")
    word = max(re.findall(r"[A-Za-z]{6,}", titles[0]), key=len)
    page.keyboard.type(word)
    page.locator(".md-search-result__item").first.wait_for()
    # and home
    page.goto(missing)
    page.locator(".notfound a", has_text="Front page").click()
    page.wait_for_url(reader.base)
    assert page.locator("article.teaser--lead").count() == 1
    reader.assert_clean(missing={missing})


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_screenshots_of_the_new_views(open_reader, pages_servers, built_site, entries, scheme, width, capsys):
    """For review: the 404 page, a briefing's chart, a beat page's chart, the week by beat."""
    built_site.name = "bundled"
    viewport = DESKTOP if width == "desktop" else PHONE
    reader = open_reader(viewport=viewport, scheme=scheme, base=pages_servers(built_site))
    page = reader.page
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    lead = lead_of(entries)
    missing = reader.base + "no/such/page/"
    shots = []
    page.goto(missing)
    page.wait_for_load_state("load")
    shots.append(("notfound", None))
    page.screenshot(path=str(SCREENSHOTS / f"notfound-{scheme}-{width}.png"), full_page=True)
    for name, path, selector in (("chart-briefing", lead.url, "figure.chart--growth"),
                                 ("chart-beat", f"beats/{lead.beat}/", "figure.chart--editions"),
                                 ("chart-week", "", "figure.chart--beats")):
        reader.goto(path)
        figure = page.locator(selector).first
        figure.scroll_into_view_if_needed()
        figure.screenshot(path=str(SCREENSHOTS / f"{name}-{scheme}-{width}.png"))
        shots.append((name, path))
    with capsys.disabled():
        for name, _ in shots:
            print(f"\nscreenshot: {(SCREENSHOTS / f'{name}-{scheme}-{width}.png').relative_to(REPO)}", end="")
    reader.assert_clean(missing={missing})
