"""The feeds carry the whole briefing: RSS ``content:encoded`` and JSON Feed ``content_html``.

Read as a feed reader reads them (feedparser, and the JSON Feed 1.1 spec checked
field by field), from the site of the bundled snapshots (``built_site``), and
from briefings whose every string is hostile.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from pathlib import Path
from urllib.parse import urlsplit

import feedparser
import pytest
import yaml

from generator import render
from generator.models import Briefing, Item, Span, Story
from generator.textutil import digest

from factories import BEATS, FEEDS, config as make_config
from sitebuild import check_page, disclaimer_text

REPO = Path(__file__).resolve().parents[1]
UTC = dt.timezone.utc


@pytest.fixture(scope="module")
def pub(built_site):
    entries, problems = render.scan(built_site.docs)
    assert entries and not problems
    built_site.entries = entries
    built_site.beats = {b.id: b for b in built_site.config.beats}
    return built_site


def newest(entries, beat: str | None = None, limit: int = render.FEED_ITEMS):
    chosen = [e for e in entries if beat is None or e.beat == beat]
    return sorted(chosen, key=lambda e: (-e.date.toordinal(), e.rank, e.path))[:limit]


def visible_text(fragment: str) -> str:
    return " ".join(check_page(fragment)[1].split())


def assert_inert(fragment: str, where: str) -> None:
    problems, _ = check_page(fragment, where)
    assert problems == [], problems
    lowered = fragment.lower()
    assert "<script" not in lowered and "<svg" not in lowered and "<img" not in lowered and "<iframe" not in lowered, where
    for tag in re.findall(r"<[a-z][^>]*>", lowered):  # markup only: the text may well say "onerror="
        assert not re.search(r"\son\w+\s*=", tag), (where, tag)
    for href in re.findall(r'href="([^"]*)"', fragment):
        assert urlsplit(html.unescape(href)).scheme in ("http", "https"), (where, href)


# --- JSON Feed 1.1, as the spec (jsonfeed.org/version/1.1) says ---------------------------

_TOP = {"version", "title", "home_page_url", "feed_url", "description", "user_comment", "next_url", "icon", "favicon",
        "authors", "language", "expired", "hubs", "items"}
_ITEM = {"id", "url", "external_url", "title", "content_html", "content_text", "summary", "image", "banner_image",
         "date_published", "date_modified", "authors", "tags", "language", "attachments"}
_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$")


def json_feed_problems(feed: dict) -> list[str]:
    """Every way ``feed`` breaks the JSON Feed 1.1 spec (empty when valid)."""
    problems = []
    if feed.get("version") != "https://jsonfeed.org/version/1.1":
        problems.append("version is not https://jsonfeed.org/version/1.1")
    if not isinstance(feed.get("title"), str) or not feed["title"]:
        problems.append("title is required")
    if not isinstance(feed.get("items"), list):
        problems.append("items is required and must be an array")
    for key in set(feed) - _TOP:
        if not key.startswith("_"):
            problems.append(f"unknown top-level key {key!r} (extensions start with '_')")
    for key in ("home_page_url", "feed_url"):
        if key in feed and urlsplit(feed[key]).scheme not in ("http", "https"):
            problems.append(f"{key} is not a URL")
    for n, item in enumerate(feed.get("items") or []):
        if not isinstance(item.get("id"), str) or not item["id"]:
            problems.append(f"items[{n}].id is required and must be a string")
        if not any(isinstance(item.get(k), str) for k in ("content_html", "content_text")):
            problems.append(f"items[{n}] needs content_html or content_text")
        for key in set(item) - _ITEM:
            if not key.startswith("_"):
                problems.append(f"items[{n}]: unknown key {key!r}")
        for key in ("date_published", "date_modified"):
            if key in item and not _RFC3339.match(item[key]):
                problems.append(f"items[{n}].{key} is not RFC 3339")
        if "tags" in item and not (isinstance(item["tags"], list) and all(isinstance(t, str) for t in item["tags"])):
            problems.append(f"items[{n}].tags must be an array of strings")
        for key in ("url", "title", "summary", "content_html", "content_text"):
            if key in item and not isinstance(item[key], str):
                problems.append(f"items[{n}].{key} must be a string")
    return problems


# --- the bundled site ----------------------------------------------------------------------


def all_feeds(pub):
    """(beat or None, RSS bytes, JSON Feed dict) for the site's feeds and each beat's."""
    out = [(None, (pub.site / "feed.xml").read_bytes(), json.loads((pub.site / "feed.json").read_text(encoding="utf-8")))]
    for beat in pub.config.beats:
        folder = pub.site / "beats" / beat.id
        out.append((beat, (folder / "feed.xml").read_bytes(), json.loads((folder / "feed.json").read_text(encoding="utf-8"))))
    return out


def test_every_feed_is_valid_rss_and_json_feed(pub):
    for beat, rss, feed in all_feeds(pub):
        parsed = feedparser.parse(rss)
        assert not parsed.bozo, (beat, parsed.get("bozo_exception"))
        assert parsed.version == "rss20"
        assert json_feed_problems(feed) == [], beat
        chosen = newest(pub.entries, beat.id if beat else None, render.BEAT_FEED_ITEMS if beat else render.FEED_ITEMS)
        assert chosen, beat
        assert [e.title for e in parsed.entries] == [i["title"] for i in feed["items"]] == [e.title for e in chosen]
        if beat:
            assert parsed.feed.title.endswith(beat.name) and feed["home_page_url"].endswith(f"/beats/{beat.id}/")
            assert feed["feed_url"] == pub.config.site.url + f"beats/{beat.id}/feed.json"


def test_feed_items_carry_the_whole_briefing_with_footnotes_linking_to_sources(pub):
    parsed = feedparser.parse((pub.site / "feed.xml").read_bytes())
    feed = json.loads((pub.site / "feed.json").read_text(encoding="utf-8"))
    for got, item, entry in zip(parsed.entries, feed["items"], newest(pub.entries)):
        rss_html = got.content[0].value
        assert rss_html == item["content_html"]
        text = visible_text(rss_html)
        # the briefing's text as its page gives it: every paragraph of the body (footnote marks aside)
        page_html = (pub.site / entry.url / "index.html").read_text(encoding="utf-8")
        page = visible_text(re.sub(r"<sup[^>]*>.*?</sup>", "", page_html))
        body = render.files._body_of((pub.docs / entry.path).read_text(encoding="utf-8"))
        told = body.split("\n## ")[0].strip().split("\n\n")
        paragraphs = re.findall(r"<p>(.*?)</p>", rss_html.split("<h2>")[0], re.S)[1:]  # after the facts line
        paragraphs = [p for p in paragraphs if not p.startswith("<strong>")]  # "Follows:" and "Update:"
        assert len(paragraphs) == len(told), entry.path
        for paragraph in paragraphs:
            assert visible_text(re.sub(r"<sup>.*?</sup>", "", paragraph)) in page
        # its footnotes: each mark links to the post it cites, in order, and the sources are listed
        marks = re.findall(r'<sup>\[<a href="([^"]+)"[^>]*>(\d+)</a>\]</sup>', rss_html)
        sources = (entry.meta or {}).get("sources") or []
        assert marks and len({n for _, n in marks}) == len(sources)
        for href, number in marks:
            assert html.unescape(href) == render.md_link_target(sources[int(number) - 1]["url"])[1:-1]
        assert "Sources" in text
        if "## Also in the conversation" in body:  # the rest of the conversation: one link to its list on the page
            others = body.split("## Also in the conversation")[1].count("\n- ")
            assert f"Also in the conversation: {others} more post" in text
            assert f'href="{pub.config.site.url}{entry.url}#also"' in rss_html
        # the facts a page's head gives, and the disclaimer the page ends with
        assert f"{render.significance_label(entry.significance)} significance" in text
        assert pub.beats[entry.beat].name in text
        assert disclaimer_text(entry.meta) in text and render.disclaimer_text(entry.meta) == disclaimer_text(entry.meta)
        assert_inert(rss_html, entry.path)


def test_follow_ups_are_linked_in_the_feed(pub):
    followed = [e for e in newest(pub.entries) if (e.meta or {}).get("follows")]
    assert followed, "the bundled site has a follow-up among its newest briefings"
    feed = {i["id"]: i for i in json.loads((pub.site / "feed.json").read_text(encoding="utf-8"))["items"]}
    for entry in followed:
        earlier = entry.meta["follows"]
        content = feed[pub.config.site.url + entry.url]["content_html"]
        assert f'href="{pub.config.site.url}{earlier[:-3]}/"' in content
        assert "Follows:" in visible_text(content)


def test_markdown_extensions_are_those_of_the_site():
    """Feed HTML is made with the extensions the site's pages are made with."""
    data = yaml.load((REPO / "mkdocs.yml").read_text(encoding="utf-8"), Loader=yaml.BaseLoader)
    names, configs = [], {}
    for entry in data["markdown_extensions"]:
        name = entry if isinstance(entry, str) else next(iter(entry))
        names.append(name)
        if isinstance(entry, dict) and entry[name]:
            configs[name] = entry[name]
    assert [n for n in names if n != "toc"] == list(render.feeds.MARKDOWN_EXTENSIONS)
    assert configs["footnotes"] == render.feeds.MARKDOWN_CONFIG["footnotes"]


def test_a_beat_page_links_its_feeds(pub):
    for beat in pub.config.beats:
        page = (pub.site / "beats" / beat.id / "index.html").read_text(encoding="utf-8")
        assert 'href="feed.xml">Follow this beat (RSS)</a>' in page and 'href="feed.json">JSON Feed</a>' in page


# --- hostile briefings ----------------------------------------------------------------------

HOSTILE = (
    '<script>alert("t")</script>', '<img src=x onerror=alert(1)>', "]]><evil/>", "javascript:alert(2)",
    '"><svg onload=alert(3)>', "\x00\x07\x1b[31m", "{{ config }} {% raw %}", "&lt;script&gt;alert(4)&lt;/script&gt;",
    "[click](javascript:alert(5))", "<a href='data:text/html,x'>d</a>",
)


def hostile_items() -> list[Item]:
    out = []
    for n, text in enumerate(HOSTILE):
        out.append(Item(
            id=digest("hostile", str(n)), feed_id=FEEDS[n % 3].id, platform=FEEDS[n % 3].platform,
            title=f"Title {n} {text}", url=["https://example.org/ok?a=1&b=<2>", "javascript:alert(9)", f"https://example.org/{n}"][n % 3],
            author=f"u/{text}", published=dt.datetime(2026, 11, 21, 8, n, tzinfo=UTC), text=f"Text {n} {text}",
            feeds=(FEEDS[n % 3].id,), feed_title=f"Feed {text}", outlet=text if n % 3 == 2 else "",
        ))
    return out


def test_hostile_text_reaches_a_feed_reader_as_text(tmp_path):
    items = hostile_items()
    spans = tuple((Span(f"Said {text} here: "), Span(f"Quoted {text}", source=n, quote=True)) for n, text in enumerate(HOSTILE))
    story = Story(id="hostilestory", edition=dt.date(2026, 11, 21), beat=BEATS[0].id, items=tuple(items), score=1.0,
                  keywords=("hostile",), significance="high", lead=True)
    briefing = Briefing(story=story, headline=f"Headline {HOSTILE[0]}", teaser=f"Teaser {HOSTILE[1]}", paragraphs=spans,
                        sources=tuple(items), writer="claude", inputs_hash="h", model=HOSTILE[4],
                        extra={"fidelity": {"cited_sentences": 1.0, "verbatim_quotes": 1.0}})
    config = make_config()
    docs = tmp_path / "docs"
    writes = render.Writes()
    assert render.write_briefings(docs, config, [("briefings/2026/11/21/hostile.md", briefing, BEATS[0], 1)], writes) == []
    # a file edited by hand is trusted, but its raw HTML still never reaches a feed as markup
    path = docs / "briefings/2026/11/21/hostile.md"
    text = path.read_text(encoding="utf-8").replace("edited_by_hand: false", "edited_by_hand: true")
    path.write_text(text + '\n<script>alert("hand")</script>\n\n<p onclick="alert(6)">Hand <a href="javascript:alert(7)">x</a>'
                    ' <a href="../20/other.md">rel</a></p>\n', encoding="utf-8")
    assert render.Archive(docs).commit(config, writes) == []
    for feed_path in ("feed.xml", f"beats/{BEATS[0].id}/feed.xml"):
        raw = (docs / feed_path).read_bytes()
        parsed = feedparser.parse(raw)
        assert not parsed.bozo, parsed.get("bozo_exception")
        (entry,) = parsed.entries
        content = entry.content[0].value
        assert_inert(content, feed_path)
        shown = visible_text(content)
        for n, hostile in enumerate(HOSTILE):
            literal = " ".join(hostile.replace("\x00", "").replace("\x07", "").replace("\x1b", "").split())
            assert render.nested(f"Quoted {literal}") in shown, (n, literal)  # a quotation's own quotes turn single
        assert 'alert("hand")' not in content and "Hand" in shown
        # a relative link in a hand-edited body points at the site
        assert f'href="{config.site.url}briefings/2026/11/20/other/"' in content
    item = json.loads((docs / "feed.json").read_text(encoding="utf-8"))["items"][0]
    assert_inert(item["content_html"], "feed.json")
    assert json_feed_problems(json.loads((docs / "feed.json").read_text(encoding="utf-8"))) == []
