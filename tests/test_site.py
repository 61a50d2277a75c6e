"""The published site as a reader gets it, checked in the built HTML (no browser).

The site is built once per session from the bundled snapshots (fixture
``built_site`` in conftest.py). These tests read the HTML MkDocs wrote: the
front page, briefing pages, beat and archive pages, <head> metadata and the
RSS and JSON feeds.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import feedparser
import markdown
import pytest
import yaml

from generator import render
from generator.models import Briefing, Span
from generator.writers.extractive import write_briefing

from factories import BEATS, config as make_config, item, story
from sitebuild import build_site_from_docs, disclaimer_text, render_briefings

# --- a very small DOM over html.parser ------------------------------------------------

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Node:
    def __init__(self, tag: str, attrs: dict, parent: "Node | None", index: int):
        self.tag, self.attrs, self.parent, self.index = tag, attrs, parent, index
        self.children: list = []  # Node or str

    @property
    def classes(self) -> list[str]:
        return (self.attrs.get("class") or "").split()

    def iter(self):
        yield self
        for child in self.children:
            if isinstance(child, Node):
                yield from child.iter()

    def find_all(self, tag: str | None = None, cls: str | None = None, **attrs) -> list["Node"]:
        return [
            n for n in self.iter()
            if n is not self and (tag is None or n.tag == tag) and (cls is None or cls in n.classes)
            and all(n.attrs.get(k.replace("_", "-")) == v for k, v in attrs.items())
        ]

    def find(self, tag: str | None = None, cls: str | None = None, **attrs) -> "Node | None":
        found = self.find_all(tag, cls, **attrs)
        return found[0] if found else None

    def text(self) -> str:
        parts = []
        for child in self.children:
            parts.append(child if isinstance(child, str) else child.text())
        return "".join(parts)

    def clean_text(self) -> str:
        return " ".join(self.text().split())

    def ancestors(self):
        node = self.parent
        while node is not None:
            yield node
            node = node.parent


class _Builder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {}, None, 0)
        self.stack = [self.root]
        self.count = 0

    def handle_starttag(self, tag, attrs):
        self.count += 1
        node = Node(tag, {k: (v if v is not None else "") for k, v in attrs}, self.stack[-1], self.count)
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag, attrs):
        self.count += 1
        self.stack[-1].children.append(Node(tag, {k: (v or "") for k, v in attrs}, self.stack[-1], self.count))

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data):
        if self.stack[-1].tag not in ("script", "style"):
            self.stack[-1].children.append(data)


def dom(path: Path) -> Node:
    builder = _Builder()
    builder.feed(path.read_text(encoding="utf-8"))
    builder.close()
    return builder.root


def content(page: Node) -> Node:
    """The page's own content (Material's <article class="md-content__inner">)."""
    node = page.find("article", "md-content__inner")
    assert node is not None
    return node


def resolve(site: Path, page_file: Path, href: str) -> Path:
    """The file a relative link from a built page leads to."""
    target = href.split("#")[0].split("?")[0]
    path = (page_file.parent / target).resolve() if target else page_file
    if path.is_dir():
        path = path / "index.html"
    return path


def page_file(site: Path, entry: render.Entry) -> Path:
    return site / entry.url / "index.html"


# --- fixtures --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pub(built_site):
    entries, problems = render.scan(built_site.docs)
    assert entries and not problems
    built_site.entries = entries
    built_site.by_file = {page_file(built_site.site, e).resolve(): e for e in entries}
    built_site.beats = {b.id: b for b in built_site.config.beats}
    return built_site


def headline_link(teaser: Node) -> Node:
    return [n for n in teaser.find_all() if n.tag in ("h2", "h3")][0].find("a")


def lead_of(entries):
    latest = max(e.date for e in entries)
    return min((e for e in entries if e.date == latest), key=lambda e: (not e.lead, e.rank, e.path))


# --- front page -----------------------------------------------------------------------


def test_front_page_opens_with_the_lead_then_teasers_grouped_by_edition(pub):
    home_file = pub.site / "index.html"
    main = content(dom(home_file))
    teasers = main.find_all("article", "teaser")
    assert len(teasers) >= 12
    lead = teasers[0]
    assert "teaser--lead" in lead.classes
    assert [t for t in teasers if "teaser--lead" in t.classes] == [lead]
    expected = lead_of(pub.entries)
    link = lead.find("h3").find("a")
    assert pub.by_file[resolve(pub.site, home_file, link.attrs["href"])] == expected
    assert lead.find("div", "pmix") is not None, "the lead shows the platforms behind it"

    # editions newest first; every teaser sits under its own edition's date
    headings = [h for h in main.find_all("h2") if "edition-date" in h.classes]
    days = [dt.datetime.strptime(h.clean_text(), "%A, %d %B %Y").date() for h in headings]
    assert days == sorted(days, reverse=True) and days[0] == expected.date
    shown = []
    for teaser in teasers:
        heading = max((h for h in headings if h.index < teaser.index), key=lambda h: h.index)
        entry = pub.by_file[resolve(pub.site, home_file, headline_link(teaser).attrs["href"])]
        assert dt.datetime.strptime(heading.clean_text(), "%A, %d %B %Y").date() == entry.date
        shown.append(entry)
    assert len(shown) == len(set(shown))
    assert set(shown) == {e for e in pub.entries if e.date in days}


def test_each_teaser_shows_headline_teaser_beat_and_reading_time(pub):
    for rel in ("index.html", "archive/index.html", *(f"beats/{b}/index.html" for b in pub.beats)):
        path = pub.site / rel
        if not path.is_file():
            continue
        for teaser in content(dom(path)).find_all("article", "teaser"):
            head = [n for n in teaser.find_all() if n.tag in ("h2", "h3")][0]
            entry = pub.by_file[resolve(pub.site, path, head.find("a").attrs["href"])]
            assert head.clean_text() == " ".join(entry.title.split())
            assert teaser.find("p", "teaser__text").clean_text() == " ".join(entry.description.split())
            meta = teaser.find("p", "teaser__meta")
            assert f"{entry.reading_time} min read" in meta.clean_text()
            beat_link = meta.find("a")
            if rel.startswith("beats/"):
                assert beat_link is None  # the page is the beat
            else:
                assert resolve(pub.site, path, beat_link.attrs["href"]) == (pub.site / "beats" / entry.beat / "index.html").resolve()
                assert beat_link.clean_text() == pub.beats[entry.beat].name


def test_one_significance_scale_and_one_lead_story_per_edition(pub):
    """High, Medium or Low, as the briefing says it, on every teaser of every list; one lead an edition."""
    days = {e.date for e in pub.entries}
    leads = [e for e in pub.entries if e.lead]
    assert sorted(e.date for e in leads) == sorted(days), "exactly one lead story per edition"
    assert {e.significance for e in pub.entries} <= set(render.LEVELS)
    pages = ["index.html", *(f"beats/{b}/index.html" for b in pub.beats),
             *(p.relative_to(pub.site).as_posix() for p in sorted((pub.site / "archive").glob("*-*/index.html")))]
    seen = 0
    for rel in pages:
        path = pub.site / rel
        for teaser in content(dom(path)).find_all("article", "teaser"):
            entry = pub.by_file[resolve(pub.site, path, headline_link(teaser).attrs["href"])]
            meta = teaser.find("p", "teaser__meta")
            level = meta.find("span", "sig")
            assert level.clean_text() == f"{render.significance_label(entry.significance)} significance"
            assert f"sig--{entry.significance}" in level.classes
            lead_mark = "Lead story" in meta.clean_text() or "teaser--lead" in teaser.classes
            assert lead_mark == entry.lead or (rel == "index.html" and not entry.lead and not lead_mark), (rel, entry.path)
            seen += 1
    assert seen >= 3 * len(pub.entries)
    # the home page opens on the latest edition's lead
    home = content(dom(pub.site / "index.html")).find("article", "teaser--lead")
    latest = max(days)
    assert pub.by_file[resolve(pub.site, pub.site / "index.html", headline_link(home).attrs["href"])] == next(
        e for e in leads if e.date == latest)


def test_front_page_links_every_beat(pub):
    nav = content(dom(pub.site / "index.html")).find("nav", "home-sections")
    hrefs = [a.attrs["href"] for a in nav.find_all("a")]
    assert [resolve(pub.site, pub.site / "index.html", h) for h in hrefs] == [
        (pub.site / "beats" / b / "index.html").resolve() for b in pub.beats
    ]


# --- briefing page --------------------------------------------------------------------


def test_briefing_page_has_its_parts_in_reading_order(pub):
    for entry in pub.entries:
        path = page_file(pub.site, entry)
        main = content(dom(path))
        h1 = main.find("h1")
        assert h1.clean_text() == " ".join(entry.title.split())
        meta = main.find("div", "brief-meta")
        beat = meta.find("a", "brief-beat")
        assert beat.clean_text() == pub.beats[entry.beat].name
        assert resolve(pub.site, path, beat.attrs["href"]) == (pub.site / "beats" / entry.beat / "index.html").resolve()
        date = meta.find("a", "brief-date")
        assert date.find("time").attrs["datetime"] == entry.date.isoformat()
        assert resolve(pub.site, path, date.attrs["href"]) == (pub.site / "archive" / f"{entry.date:%Y-%m}" / "index.html").resolve()
        assert meta.find("span", "brief-readtime").clean_text() == f"{entry.reading_time} min read"
        significance = meta.find("span", "brief-significance")
        assert significance.clean_text() == f"{render.significance_label(entry.significance)} significance"
        assert (meta.find("span", "brief-lead") is not None) == entry.lead
        teaser = main.find("p", "brief-teaser")
        assert teaser.clean_text() == " ".join(entry.description.split())
        mix = main.find("div", "pmix")
        # the platform mix reads as text: in its label and in its legend
        for platform, n in entry.platforms:
            label = render.platform_label(platform)
            assert f"{n} from {label}" in mix.attrs["aria-label"]
            assert f"{label} {n}" in mix.find("span", "pmix__legend").clean_text()
        sources = main.find("h2", id="sources")
        footnotes = main.find("div", "footnote")
        disclaimer = main.find("div", "brief-disclaimer")
        assert main.find_all(cls="brief-disclaimer") == [disclaimer]
        assert "may contain inaccuracies" in disclaimer.clean_text()
        body = [p for p in main.find_all("p") if not p.classes and p.index < sources.index]
        assert body, entry.path
        order = [h1, meta, teaser, mix, body[0], sources, footnotes, disclaimer]
        related = main.find("section", "brief-related")
        if related is not None:
            order.append(related)
        assert [n.index for n in order] == sorted(n.index for n in order), entry.path
        assert main.find_all(cls="brief-related") == ([related] if related is not None else [])


def test_footnotes_quote_the_post_and_link_to_it(pub):
    quoted = 0
    for entry in pub.entries:
        path = page_file(pub.site, entry)
        main = content(dom(path))
        items = main.find("div", "footnote").find_all("li")
        assert len(items) == len(entry.source_urls) > 0
        refs = main.find_all("a", "footnote-ref")
        assert {r.attrs["href"] for r in refs} == {f"#fn:{n}" for n in range(1, len(items) + 1)}
        body_text = " ".join(p.clean_text() for p in main.find_all("p") if not p.classes)
        for n, (li, url) in enumerate(zip(items, entry.source_urls), start=1):
            assert li.attrs["id"] == f"fn:{n}"
            source = li.find("a")
            assert source.attrs["href"] == render.md_link_target(url)[1:-1]
            assert urlsplit(source.attrs["href"]).scheme in ("http", "https")
            assert li.find("a", "footnote-backref").attrs["href"] == f"#fnref:{n}"
            for quote in re.findall(r"“([^”]{12,})”", li.clean_text()):
                assert quote[:40] in body_text
                quoted += 1
    assert quoted >= len(pub.entries)


def test_disclaimer_says_how_the_briefing_was_written_and_how_faithful_it_is(pub):
    """Once per page, under the footnotes: drawn from the front matter (writer, posts, fidelity)."""
    for entry in pub.entries:
        meta = render.read_front_matter(pub.docs / entry.path)
        main = content(dom(page_file(pub.site, entry)))
        (disclaimer,) = main.find_all(cls="brief-disclaimer")
        assert disclaimer.tag == "div" and disclaimer.parent is main
        (text,) = disclaimer.find_all()
        assert text.tag == "p" and text.classes == ["brief-disclaimer-text"]
        assert text.clean_text() == disclaimer_text(meta), entry.path
        assert text.clean_text().startswith(f"This briefing was assembled extractively from {meta['posts']} public posts, without a language model:")
        assert " Fidelity: " in text.clean_text() and "% of quotations were found verbatim" in text.clean_text()
        assert disclaimer.index > main.find("div", "footnote").index
        assert "brief-disclaimer" not in (pub.docs / entry.path).read_text(encoding="utf-8")  # not in the Markdown


def test_disclaimer_wording_of_each_writer_on_the_built_page(tmp_path):
    """Both writers' wording, the model, the fidelity figures as whole percentages rounded as Python
    rounds (half to even), and no figures when the front matter has none."""
    texts = [item(n, f"Tessera post {n}", f"Tessera weights, voice {n}.", author=f"a{n}") for n in range(1, 4)]
    base = write_briefing(story(texts), BEATS[0], "h0")

    def variant(n, writer, model, fidelity):
        extra = {"fidelity": fidelity} if fidelity is not None else {}
        return Briefing(story=story(texts[: 1 + n % 3]), headline=f"Headline number {n}", teaser=f"Teaser {n}.",
                        paragraphs=base.paragraphs, sources=base.sources, writer=writer, inputs_hash=f"h{n}",
                        model=model, extra=extra)

    briefings = [
        variant(1, "extractive", None, {"cited_sentences": 0.833, "verbatim_quotes": 1.0}),
        variant(2, "claude", "claude-sonnet-4-6", {"cited_sentences": 0.125, "verbatim_quotes": 0.875}),
        variant(3, "claude", None, {"cited_sentences": 0.835, "verbatim_quotes": 0.0}),
        variant(4, "claude", "claude-haiku-4-5", None),
        variant(5, "extractive", None, {}),
    ]
    paths = render_briefings(tmp_path / "docs", briefings, make_config())
    site = build_site_from_docs(tmp_path / "docs", make_config(), tmp_path)
    tail = " It may contain inaccuracies: check the sources before relying on it."
    extractive = ("This briefing was assembled extractively from {n} public posts, without a language model: the quotations"
                  " are copied verbatim from the posts in the footnotes, and the connecting sentences are templates.")
    claude = ("This briefing was written by Claude{model}, a language model, from {n} public posts; every quotation is"
              " a span the model cited from the posts in the footnotes.")
    expected = {
        1: extractive.format(n=2) + " Fidelity: 83% of sentences carry a citation; 100% of quotations were found verbatim in their source." + tail,
        2: claude.format(model=" (claude-sonnet-4-6)", n=3) + " Fidelity: 12% of sentences carry a citation; 88% of quotations were found verbatim in their source." + tail,
        3: claude.format(model="", n=1) + " Fidelity: 84% of sentences carry a citation; 0% of quotations were found verbatim in their source." + tail,
        4: claude.format(model=" (claude-haiku-4-5)", n=2) + tail,
        5: extractive.format(n=3) + tail,
    }
    for rel, briefing in paths.items():
        n = int(briefing.inputs_hash[1:])
        page = site / rel[: -len(".md")] / "index.html"
        shown = content(dom(page)).find_all(cls="brief-disclaimer")
        assert len(shown) == 1 and shown[0].clean_text() == expected[n], (n, shown[0].clean_text())
        assert expected[n] == disclaimer_text(render.read_front_matter(tmp_path / "docs" / rel))  # the old wording


def test_more_briefings_are_related_by_beat_or_sources(pub):
    """Under each briefing, the briefings its front matter lists under related:, as teasers that link to them."""
    seen = 0
    for entry in pub.entries:
        path = page_file(pub.site, entry)
        listed = render.read_front_matter(pub.docs / entry.path)["related"]
        assert list(entry.related) == listed
        page = dom(path)
        related = content(page).find("section", "brief-related")
        if not listed:
            assert related is None, entry.path
            continue
        heading = related.find("h2")
        assert heading.clean_text() == "More briefings"
        assert related.attrs["aria-labelledby"] == heading.attrs["id"]
        teasers = related.find_all("article", "teaser")
        shown = [pub.by_file[resolve(pub.site, path, t.find("h3").find("a").attrs["href"])] for t in teasers]
        assert [e.path for e in shown] == listed, entry.path
        for teaser, other in zip(teasers, shown):
            assert other != entry
            assert other.beat == entry.beat or set(other.source_urls) & set(entry.source_urls)
            assert teaser.find("h3").clean_text() == " ".join(other.title.split())
            assert teaser.find("p", "teaser__text").clean_text() == " ".join(other.description.split())
            meta = teaser.find("p", "teaser__meta")
            beat = meta.find("a", "teaser__beat")
            assert beat.clean_text() == pub.beats[other.beat].name
            assert resolve(pub.site, path, beat.attrs["href"]) == (pub.site / "beats" / other.beat / "index.html").resolve()
            assert meta.find("time").attrs["datetime"] == other.date.isoformat()
            assert meta.clean_text() == f"{pub.beats[other.beat].name} · {other.date:%-d %b %Y} · {other.reading_time} min read"
            for href in (a.attrs["href"] for a in teaser.find_all("a")):
                assert not urlsplit(href).scheme and not href.startswith("/"), href  # relative links
            seen += 1
        # the page's table of contents lists its own sections, not other briefings
        toc = page.find("nav", "md-nav--secondary")
        assert toc is None or "More briefings" not in toc.clean_text()
    assert seen >= len(pub.entries)


def test_a_story_told_over_editions_links_back_and_forward(pub):
    """A follow-up shows "Follows: <the earlier headline>"; the earlier page shows "Update: …" back."""
    threads: dict[str, list] = {}
    for entry in pub.entries:
        threads.setdefault(entry.thread, []).append(entry)
    told_again = [sorted(group, key=lambda e: (e.date, e.rank)) for group in threads.values() if len(group) > 1]
    assert told_again, "the bundled snapshots carry stories that go on over several days"
    for group in told_again:
        for earlier, later in zip(group, group[1:]):
            assert earlier.date < later.date
            back = content(dom(page_file(pub.site, later))).find("nav", "brief-thread")
            follows = back.find("p", "brief-thread__follows")
            assert follows.find("span").clean_text() == "Follows:"
            link = follows.find("a")
            assert link.clean_text() == " ".join(earlier.title.split())
            assert pub.by_file[resolve(pub.site, page_file(pub.site, later), link.attrs["href"])] == earlier
            forward = content(dom(page_file(pub.site, earlier))).find("nav", "brief-thread")
            updates = [pub.by_file[resolve(pub.site, page_file(pub.site, earlier), p.find("a").attrs["href"])]
                       for p in forward.find_all("p", "brief-thread__update")]
            assert later in updates
            # written as a follow-up: it opens on what is new since the earlier briefing
            assert render.read_front_matter(pub.docs / later.path)["follows"] == earlier.path
    for entry in pub.entries:
        if len(threads[entry.thread]) == 1:
            assert content(dom(page_file(pub.site, entry))).find("nav", "brief-thread") is None


# --- beats and archive ----------------------------------------------------------------


def test_beat_pages_describe_the_beat_and_list_its_briefings_newest_first(pub):
    index_file = pub.site / "beats" / "index.html"
    linked = {resolve(pub.site, index_file, a.attrs["href"]) for a in content(dom(index_file)).find_all("a")}
    for beat in pub.config.beats:
        path = pub.site / "beats" / beat.id / "index.html"
        assert path.resolve() in linked
        main = content(dom(path))
        assert main.find("h1").clean_text() == beat.name
        assert main.find("p", "beat-description").clean_text() == " ".join(beat.description.split())
        listed = [pub.by_file[resolve(pub.site, path, t.find("h3").find("a").attrs["href"])] for t in main.find_all("article", "teaser")]
        mine = [e for e in pub.entries if e.beat == beat.id]
        assert sorted(listed, key=lambda e: e.path) == sorted(mine, key=lambda e: e.path)
        assert [e.date for e in listed] == sorted((e.date for e in listed), reverse=True)
        # and back: each of them links to this beat page
        for entry in listed:
            back = content(dom(page_file(pub.site, entry))).find("a", "brief-beat")
            assert resolve(pub.site, page_file(pub.site, entry), back.attrs["href"]) == path.resolve()


def test_archive_lists_every_briefing_by_month_newest_first(pub):
    index_file = pub.site / "archive" / "index.html"
    months = sorted({(e.date.year, e.date.month) for e in pub.entries}, reverse=True)
    links = [a for a in content(dom(index_file)).find_all("a") if re.search(r"\d{4}-\d{2}/?$", a.attrs.get("href", ""))]
    assert [resolve(pub.site, index_file, a.attrs["href"]) for a in links] == [
        (pub.site / "archive" / f"{y:04d}-{m:02d}" / "index.html").resolve() for y, m in months
    ]
    for y, m in months:
        path = pub.site / "archive" / f"{y:04d}-{m:02d}" / "index.html"
        main = content(dom(path))
        listed = [pub.by_file[resolve(pub.site, path, t.find("h3").find("a").attrs["href"])] for t in main.find_all("article", "teaser")]
        assert set(listed) == {e for e in pub.entries if (e.date.year, e.date.month) == (y, m)}
        assert len(listed) == len(set(listed))
        assert [e.date for e in listed] == sorted((e.date for e in listed), reverse=True)


# --- <head> metadata for link previews --------------------------------------------------


def head_meta(page: Node) -> dict[str, str]:
    head = page.find("head")
    found = {"title": head.find("title").clean_text()}
    for node in head.find_all("meta"):
        key = node.attrs.get("property") or node.attrs.get("name")
        if key:
            found[key] = node.attrs.get("content", "")
    for node in head.find_all("link"):
        found[f"link:{node.attrs.get('rel')}:{node.attrs.get('type', '')}"] = node.attrs.get("href", "")
    return found


def test_head_has_title_description_and_canonical_url(pub):
    base = pub.config.site.url
    entry = lead_of(pub.entries)
    beat = pub.beats[entry.beat]
    pages = {
        "": (pub.config.site.title, pub.config.site.description),
        entry.url: (entry.title, entry.description),
        f"beats/{beat.id}/": (beat.name, beat.description),
        f"archive/{entry.date:%Y-%m}/": (f"Briefings of {entry.date:%B %Y}", f"Every briefing published in {entry.date:%B %Y}, newest first."),
        "about/": ("About", None),
    }
    for url, (title, description) in pages.items():
        path = pub.site / url / "index.html"
        meta = head_meta(dom(path))
        assert title in meta["title"], url
        assert meta["og:title"] == title and meta["twitter:title"] == title
        if description is not None:
            want = " ".join(description.split())
            assert " ".join(meta["description"].split()) == want, url
            assert " ".join(meta["og:description"].split()) == want
        assert meta["og:description"] == meta["description"]
        assert meta["link:canonical:"] == base + url
        assert meta["og:url"] == base + url
        assert meta["og:type"] == ("article" if url == entry.url else "website")
        for kind in ("application/rss+xml", "application/feed+json"):
            assert resolve(pub.site, path, meta[f"link:alternate:{kind}"]).is_file()
    article = head_meta(dom(page_file(pub.site, entry)))
    assert dt.datetime.fromisoformat(article["article:published_time"]).date() == entry.date
    assert article["article:section"] == beat.name


def test_images_have_alt_text(pub):
    for path in pub.site.rglob("*.html"):
        for img in dom(path).find_all("img"):
            assert img.attrs.get("alt", "").strip(), (path, img.attrs)


# --- feeds out ------------------------------------------------------------------------


def site_path(pub, url: str) -> Path:
    base = pub.config.site.url
    assert url.startswith(base), url
    return pub.site / url[len(base):] / "index.html"


def test_rss_feed_parses_without_bozo_newest_first_with_full_titles(pub):
    parsed = feedparser.parse((pub.site / "feed.xml").read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "rss20"
    assert parsed.feed.title == pub.config.site.title
    newest = sorted(pub.entries, key=lambda e: (-e.date.toordinal(), e.rank, e.path))[: render.FEED_ITEMS]
    assert len(parsed.entries) == len(newest)
    for got, entry in zip(parsed.entries, newest):
        assert got.title == entry.title
        assert got.summary == entry.description
        assert got.link == pub.config.site.url + entry.url
        assert site_path(pub, got.link).is_file()
        assert dt.date(*got.published_parsed[:3]) == entry.date
        assert [t.term for t in got.tags] == [pub.beats[entry.beat].name, f"{render.significance_label(entry.significance)} significance"]


def test_json_feed_is_valid_json_feed_1_1(pub):
    feed = json.loads((pub.site / "feed.json").read_text(encoding="utf-8"))
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert feed["title"] == pub.config.site.title
    assert feed["feed_url"] == pub.config.site.url + "feed.json"
    newest = sorted(pub.entries, key=lambda e: (-e.date.toordinal(), e.rank, e.path))[: render.FEED_ITEMS]
    assert [i["title"] for i in feed["items"]] == [e.title for e in newest]
    for got, entry in zip(feed["items"], newest):
        assert got["id"] == got["url"] == pub.config.site.url + entry.url
        assert site_path(pub, got["url"]).is_file()
        assert got["summary"] == entry.description
        assert dt.datetime.fromisoformat(got["date_published"]).tzinfo is not None
        assert got["tags"] == [pub.beats[entry.beat].name, f"{render.significance_label(entry.significance)} significance"]


# --- search ---------------------------------------------------------------------------


def test_search_finds_briefings_not_their_teasers(pub):
    index = json.loads((pub.site / "search" / "search_index.json").read_text(encoding="utf-8"))
    titles: dict[str, list[str]] = {}
    for doc in index["docs"]:
        titles.setdefault(html.unescape(doc["title"]), []).append(doc["location"])
    for entry in pub.entries:
        # the briefing's own page is indexed under its headline; teasers of it elsewhere are not
        assert titles.get(entry.title) == [entry.url], entry.title


# --- footnote placement -----------------------------------------------------------------


def test_footnote_marker_is_configured_and_feed_text_cannot_move_the_footnotes(pub):
    mkdocs = yaml.load((Path(__file__).resolve().parents[1] / "mkdocs.yml").read_text(encoding="utf-8"), Loader=yaml.BaseLoader)
    footnotes = [e for e in mkdocs["markdown_extensions"] if isinstance(e, dict) and "footnotes" in e]
    assert footnotes and footnotes[0]["footnotes"]["PLACE_MARKER"] == render.FOOTNOTES_MARKER
    for path in pub.site.rglob("*.html"):
        assert render.FOOTNOTES_MARKER not in path.read_text(encoding="utf-8"), path

    texts = [
        item(1, "Tessera weights ^^footnotes^^", "Weights ^^footnotes^^ are not a product.", author="a"),
        item(2, "Scaffolding ///Footnotes Go Here///", "///Footnotes Go Here/// Few ship the scaffolding.", feed="hn", author="b"),
    ]
    b = write_briefing(story(texts), BEATS[0], "h")
    b = Briefing(story=b.story, headline=b.headline, teaser=b.teaser,
                 paragraphs=((Span("Lead ^^footnotes^^ and ///Footnotes Go Here/// here"),),) + b.paragraphs
                 + ((Span("Body ^^footnotes^^ ///Footnotes Go Here/// end", source=0, quote=True),),),
                 sources=b.sources, writer=b.writer, inputs_hash=b.inputs_hash)
    body = render.briefing_body(b)
    out = markdown.markdown(body, extensions=["footnotes", "attr_list", "md_in_html", "pymdownx.escapeall"],
                            extension_configs={"footnotes": {"PLACE_MARKER": render.FOOTNOTES_MARKER}})
    assert out.count("Lead ^^footnotes^^ and ///Footnotes Go Here/// here") == 1
    assert "Body ^^footnotes^^ ///Footnotes Go Here/// end" in out
    assert out.index("brief-sources") < out.index('class="footnote"')
    assert "brief-disclaimer" not in out  # the page template adds it, under the footnotes
