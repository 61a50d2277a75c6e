"""Real-world feeds from ../shared/realfeeds/ (never copied into this repository).

Every file is ingested with a Feed whose platform is guessed from its name,
must yield items (SOURCES.tsv says how many entries it has), and must give
plain text only: no markup survives, links are http(s), dates are UTC. A
briefing is made from each file's items with the extractive writer, rendered,
and built into one real MkDocs site that must hold no live markup.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import re
from pathlib import Path

import pytest

from generator.ingest import Snapshot, parse_snapshot
from generator.models import Beat, Briefing, Config, Feed, Site, Span, Story
from generator.textutil import digest
from sitebuild import build_site_from_docs, live_markup, render_briefings

REALFEEDS = Path(__file__).resolve().parents[2] / "shared" / "realfeeds"
if not (REALFEEDS / "SOURCES.tsv").is_file():
    pytest.skip(f"no real-world feeds at {REALFEEDS} (they are kept outside the repository)", allow_module_level=True)

SOURCES = {row["file"]: row for row in csv.DictReader((REALFEEDS / "SOURCES.tsv").open(encoding="utf-8"), delimiter="\t")}
FILES = sorted(p.name for p in REALFEEDS.glob("*.xml"))
#: A snapshot time later than every real entry, so no date counts as "in the future".
TAKEN = dt.datetime(2030, 1, 1, tzinfo=dt.timezone.utc)

_NEWS = ("nyt", "golem", "heise", "orf", "bbcurdu", "techcrunch", "theverge", "tnw", "engadget", "slashdot", "geekpark", "google-alerts")
#: Feeds whose entries link relatively ("/blog/2012/07/16/…"): links resolve against the address the
#: feed is served from, so these get their real address instead of the placeholder.
FEED_URLS = {
    "intertwingly__1.xml": "http://intertwingly.net/blog/index.atom",  # its rel="self" link
    "lineageos__1.xml": "https://lineageos.org/feed.xml",  # rel="self" is "/feed.xml"; lineageos.org is the site
}
#: Files with entries of which some have no usable link, and why that is right.
MISSING_LINKS = {
    "cerclepsy__1.xml": (1, "one <item> has an empty <link></link> and no guid: there is nothing to link to"),
}
#: Everything that looks like markup; none of it may survive ingest ...
TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9:-]*(?:\s+[^<>]*)?/?>|<!--|<!\[CDATA\[")
ENTITY = re.compile(r"&(?:[a-zA-Z][a-zA-Z0-9]*|#\d+|#x[0-9a-fA-F]+);")
#: ... except in posts *about* markup, which the feed escaped once more so that it reads as text
#: (checked in each file: the markup below is "&amp;lt;…" inside HTML, or "&lt;…" in XHTML/<pre>).
TALKS_ABOUT_MARKUP: dict[str, str] = {
    "blogger-feedburner__1.xml": "an Ads API post quoting an <errors xmlns:xsi=…> XML response in a <pre>",
    "dustri__1.xml": "a Vim post: the key name <Leader> in <code>",
    "dustri__2.xml": "the same Vim post: <Leader>",
    "github-releases__1.xml": 'Hugo release notes quoting a template: <img src="{{ $resized.RelPermalink }}">',
    "googlecloud-blog__1.xml": "a Twilio post naming the TwiML <stream> verb",
    "ibash__1.xml": "IRC quotes: nicknames are written <L29Ah> (and an accent is written '&amp;#769;' in its HTML)",
    "intertwingly__1.xml": "an Apache config quoted in a <pre>: <IfModule mod_rewrite.c>",
    "kagi-feedback__1.xml": "a bug report titled 'Asking !chat to modify a <script>...</script> tag causes …'",
}


def platform_for(name: str) -> str:
    stem = name.split("__", 1)[0]
    for prefix in ("reddit", "hackernews", "arxiv", "youtube", "mastodon"):
        if stem.startswith(prefix):
            return prefix
    if stem.startswith(_NEWS):
        return "news"
    return "blog"


def feed_for(name: str) -> Feed:
    stem = name.removesuffix(".xml")
    feed_id = re.sub(r"[^a-z0-9-]+", "-", stem.lower()).strip("-")
    url = FEED_URLS.get(name, f"https://{feed_id}.realfeeds.invalid/feed.xml")
    return Feed(id=feed_id, title=SOURCES.get(name, {}).get("what", stem)[:60] or stem, url=url, platform=platform_for(name), beats=("real",))


def parse(name: str):
    snap = Snapshot(feed_for(name), REALFEEDS / name, TAKEN)
    return parse_snapshot(snap, snap.path.read_bytes())


def test_every_file_is_listed_in_sources_tsv():
    assert FILES and set(FILES) == set(SOURCES)


@pytest.mark.parametrize("name", FILES)
def test_real_feed_yields_plain_text_items(name):
    entries = int(SOURCES[name]["entries"])
    items, problems = parse(name)
    messages = [p.message for p in problems]
    skipped = sum(int(m.split()[0]) for m in messages if "without a usable http(s) link skipped" in m)
    expected_skips = MISSING_LINKS.get(name, (0, ""))[0]
    assert skipped == expected_skips, messages
    if entries:
        assert items, f"{name}: {entries} entries but no items: {messages}"
    assert len(items) + skipped == entries, (len(items), skipped, entries, messages)
    for item in items:
        for field in ("title", "text", "author", "outlet"):
            value = getattr(item, field)
            if name not in TALKS_ABOUT_MARKUP:
                assert "<script" not in value.lower(), (field, value[:300])
                found = TAG.search(value)
                assert not found, (field, found.group(0), value[:300])
            # An entity left undecoded would mean a value decoded once less than the feed encoded it.
            if name not in TALKS_ABOUT_MARKUP:
                for entity in ENTITY.findall(value):
                    assert html.unescape(entity) == entity, (field, entity, value[:300])
        assert item.title and item.text
        assert item.url.startswith(("https://", "http://")) and not any(c.isspace() for c in item.url)
        assert item.published.tzinfo is dt.timezone.utc and item.published.utcoffset() == dt.timedelta(0)
        assert item.published <= TAKEN
        assert item.feed_id == feed_for(name).id and item.platform == platform_for(name)


def test_relative_links_resolve_against_the_feed_address():
    items, _ = parse("intertwingly__1.xml")
    assert all(i.url.startswith("http://intertwingly.net/blog/") for i in items)
    items, _ = parse("lineageos__1.xml")
    assert all(i.url.startswith("https://lineageos.org/") for i in items)


# --- one briefing per file, one real site ---------------------------------------------------

BEAT = Beat("real", "Real feeds", "Briefings made from real-world feeds.")


def briefing_for(name: str) -> Briefing | None:
    from generator.errors import WriterError
    from generator.writers.extractive import write_briefing

    items, _ = parse(name)
    if not items:
        return None
    chosen = sorted(items, key=lambda i: (i.published, i.id), reverse=True)[:12]
    story = Story(id=digest(name), edition=chosen[0].published.date(), beat="real", items=tuple(chosen), score=1.0,
                  keywords=(), significance="medium")
    try:
        return write_briefing(story, BEAT, digest("real", name))
    except WriterError:  # no quotable sentence: a plain briefing that still cites every item
        spans = tuple((Span(item.title, source=k),) for k, item in enumerate(chosen))
        return Briefing(story=story, headline=chosen[0].title, teaser=chosen[-1].title, paragraphs=spans,
                        sources=tuple(chosen), writer="extractive", inputs_hash=digest("real", name))


def test_briefings_from_every_real_feed_build_a_site_without_live_markup(tmp_path):
    feeds = tuple(feed_for(name) for name in FILES)
    config = Config(site=Site(title="Real feeds", description="Briefings from real-world feeds."), beats=(BEAT,), feeds=feeds)
    briefings = [b for b in (briefing_for(name) for name in FILES) if b is not None]
    assert len(briefings) == len([n for n in FILES if int(SOURCES[n]["entries"])])
    docs = tmp_path / "docs"
    paths = render_briefings(docs, briefings, config)
    assert len(paths) == len(briefings)
    site = build_site_from_docs(docs, config, tmp_path)
    problems = live_markup(site)
    assert not problems, "\n".join(problems[:20])
    assert len(list((site / "briefings").rglob("index.html"))) == len(briefings)
