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
from urllib.parse import urlsplit

import pytest

from generator import render

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

    def goto(self, path: str = "") -> None:
        self.page.goto(self.base + path)
        self.page.wait_for_load_state("load")
        self.check_images()

    def check_images(self) -> None:
        missing = self.page.eval_on_selector_all("img", "imgs => imgs.filter(i => !(i.getAttribute('alt') || '').trim()).map(i => i.src)")
        assert missing == [], f"images without alt text: {missing}"

    def assert_clean(self, allowed_external: set[str] = frozenset()) -> None:
        """No console errors, and nothing requested from another host except ``allowed_external`` URLs."""
        assert self.errors == [], f"console errors: {self.errors}"
        local = urlsplit(self.base).netloc
        hosts = {urlsplit(u).netloc for u in self.requested if urlsplit(u).scheme in ("http", "https")}
        allowed_hosts = {urlsplit(u).netloc for u in allowed_external}
        assert hosts <= {local} | allowed_hosts, f"requests to other hosts: {sorted(hosts - {local})}"
        unexpected = [u for u in self.external if u not in allowed_external and urlsplit(u).path != "/favicon.ico"]
        assert unexpected == [], f"external requests: {unexpected}"


@pytest.fixture
def open_reader(chromium, server):
    contexts = []

    def open_(viewport=DESKTOP, scheme="light") -> Reader:
        context = chromium.new_context(viewport=viewport, color_scheme=scheme, service_workers="block")
        contexts.append(context)
        page = context.new_page()
        reader = Reader(context, page, server)
        local = urlsplit(server).netloc

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
    page.wait_for_function(
        "last => /No matching/.test(document.querySelector('.md-search-result__meta').innerText)"
        " || [...document.querySelectorAll('.md-search-result__item > a')].some(a => a.href.toLowerCase().includes(last))",
        arg=last)
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
        # the issue's own example: a name no headline, teaser or source of the site holds
        picked.append(next(pair for pair in entities if pair[0] == "Juniper"))
    for name, entry in picked:
        query = name.removeprefix("u/").lstrip("@").split("@")[0]  # typed as a reader remembers it
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
