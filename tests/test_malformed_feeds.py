"""Feeds that are broken or hostile: each problem is reported with its feed id, the rest is used.

The corpus under tests/data/hostile/ was written for these tests (its README
lists what is wrong with each feed); the 10 MB feed is generated at run time.
One bad feed never stops a build, and nothing from any of them is live on the
built site.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from generator.config import load_config
from generator.ingest import MAX_SNAPSHOT_BYTES, MAX_TEXT, Snapshot, ingest, parse_snapshot
from generator.models import Briefing, Span, Story
from generator.render import read_front_matter
from generator.textutil import one_line
from sitebuild import REPO, build_site_from_docs, live_markup, parse_page, render_briefings

CORPUS = Path(__file__).parent / "data" / "hostile"
CONFIG = load_config(CORPUS / "feeds.yaml")
TAKEN = dt.datetime(2026, 11, 21, 12, 0, tzinfo=dt.timezone.utc)
STAMP = "20261121T120000Z"

#: feed id → (items kept from its snapshot, what must be reported about it: regexes, in any order).
EXPECTED: dict[str, tuple[int, list[str]]] = {
    "inject-script": (1, [r"1 entry without a usable http\(s\) link skipped"]),
    "inject-atom": (2, []),
    "cdata-tricks": (2, [r"not well-formed XML .*; using the 2 entries that parsed"]),
    "entity-markup": (2, []),
    "markdown-title": (3, []),
    "jinja-title": (2, []),
    "control-chars": (2, [r"not well-formed XML .*; using the 2 entries that parsed"]),
    "rtl-override": (1, []),
    "bom-utf8": (1, []),
    "bom-utf16": (1, []),
    "wrong-encoding": (1, [r"wrong or missing encoding declaration .*declared as utf-8.*; using the 1 entries"]),
    "missing-encoding": (1, [r"wrong or missing encoding declaration"]),
    "html-page": (0, [r"an HTML page, not a feed"]),
    "empty": (0, [r"empty file"]),
    "blank": (0, [r"empty file"]),
    "truncated": (2, [r"not well-formed XML .*no element found.*; using the 2 entries that parsed"]),
    "not-wellformed": (1, [r"not well-formed XML", r"1 entry without a usable http\(s\) link skipped"]),
    "future-dates": (2, [r"2 entries dated in the future; dated by the snapshot time"]),
    "bad-dates": (3, [r"3 entries without a readable date"]),
    "duplicate-ids": (3, [r"2 entries with the same id as an earlier entry; merged"]),
    "no-link": (1, [r"2 entries without a usable http\(s\) link skipped"]),
    "no-title": (3, [r"3 entries without a title"]),
    "no-date": (1, [r"1 entry without a readable date"]),
    "javascript-links": (2, [r"5 entries without a usable http\(s\) link skipped"]),
    "xxe": (1, [r"not well-formed XML"]),
    "billion-laughs": (1, [r"not well-formed XML"]),
    "json-not-feed": (0, [r"not well-formed XML .*no entries could be read"]),
    "binary-garbage": (0, [r"no entries could be read"]),
    "clean": (2, []),
}
#: Markup (not text about markup) that no item may carry.
TAG = re.compile(r"<\s*/?\s*(?:script|iframe|img|svg|object|embed|form|input|meta|style|a|div|p|b|i|math|base|link)\b[^>]*>", re.I)
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f\ufeff]")


def snapshot(feed_id: str, root: Path = CORPUS / "snapshots") -> Snapshot:
    return Snapshot(CONFIG.feed(feed_id), root / feed_id / f"{STAMP}.xml", TAKEN)


def parse(feed_id: str):
    snap = snapshot(feed_id)
    return parse_snapshot(snap, snap.path.read_bytes())


def test_the_corpus_and_the_expectations_cover_the_same_feeds():
    stored = {p.name for p in (CORPUS / "snapshots").iterdir()}
    assert stored == set(EXPECTED)
    assert {f.id for f in CONFIG.feeds} == set(EXPECTED) | {"huge"}


@pytest.mark.parametrize("feed_id", sorted(EXPECTED))
def test_each_hostile_feed_is_reported_and_used_as_far_as_is_safe(feed_id):
    count, reasons = EXPECTED[feed_id]
    items, problems = parse(feed_id)
    messages = [p.message for p in problems]
    assert all(p.feed_id == feed_id for p in problems)
    for reason in reasons:
        assert any(re.search(reason, m) for m in messages), (reason, messages)
    if not reasons:
        assert messages == []
    assert len(items) == count, [i.title for i in items]
    for item in items:
        for value in (item.title, item.text, item.author):
            assert not TAG.search(value) or feed_id in {"entity-markup", "inject-atom", "cdata-tricks"}, value
            assert not _CONTROLS.search(value), value
        assert item.title and item.text
        assert item.url.startswith(("https://", "http://"))
        assert item.published.tzinfo is dt.timezone.utc and item.published <= TAKEN + dt.timedelta(hours=1)


def texts(feed_id: str) -> str:
    items, _ = parse(feed_id)
    return "\n".join(f"{i.title}\n{i.author}\n{i.text}" for i in items)


def test_script_iframe_handlers_and_styles_are_gone_but_the_prose_stays():
    text = texts("inject-script")
    for gone in ("alert('script')", "alert('iframe')", "alert('onerror')", "alert('svg')", "alert('object')", "alert('click')",
                 "evil.example", "background", "url(", "alert('link')", "alert('mxss')", "alert('noscript')"):
        assert gone not in text, gone
    assert "The Tessera open weights shipped without tooling, and people are angry about it." in text
    assert "Open weights without tooling are a teaser, not a product." in text
    assert "a javascript link" in text  # the words of the link stay, the link does not


def test_markup_encoded_once_is_dropped_and_encoded_twice_is_text():
    text = texts("entity-markup")
    assert "alert('entity')" not in text and "alert('entity img')" not in text and "alert('entity title')" not in text
    # Encoded twice, it was text all along: it must stay (and is shown literally on the page).
    assert "<script>alert('double')</script>" in text
    assert "Double-encoded: <img src=x onerror=alert(1)> and Tessera open weights" in text


def test_plain_text_atom_values_keep_what_looks_like_tags():
    items, _ = parse("inject-atom")
    by_url = {i.url.rsplit("/", 1)[-1]: i for i in items}
    assert by_url["2"].title == "Use <script> tags? Tessera open weights docs are thin"
    assert by_url["2"].text.startswith("Plain text that mentions <iframe src=x> as words")
    assert "alert('xhtml')" not in by_url["1"].text and "alert('title')" not in by_url["1"].title
    assert by_url["1"].author == "Mallory"


def test_markdown_and_jinja_syntax_survive_ingest_as_text():
    assert "[x](javascript:alert(1)) Tessera open weights" in texts("markdown-title")
    jinja = texts("jinja-title")
    assert "{{ config }} Tessera open weights {% raw %} thread" in jinja
    assert "{{ ''.__class__.__mro__ }}" in jinja


def test_encodings_are_decoded_correctly():
    assert "café crème brûlée" in texts("wrong-encoding")
    assert "“Tessera open weights” – smart quotes" in texts("missing-encoding")
    assert "café, naïve, Ωmega" in texts("bom-utf8")
    assert "Tessera open weights in UTF-16: café" in texts("bom-utf16")


def test_control_and_bidi_characters_are_removed():
    for feed_id in ("control-chars", "rtl-override"):
        assert not _CONTROLS.search(texts(feed_id))
    assert "Tessera open weights gnikool si eno on review" in texts("rtl-override")


def test_dangerous_links_are_skipped_and_relative_ones_resolved_against_the_feed():
    items, _ = parse("javascript-links")
    assert sorted(i.url for i in items) == ["https://evil.example/x", "https://hostile.example/posts/relative-41"]


def test_future_and_unreadable_dates_fall_back_to_the_snapshot_time():
    for feed_id in ("future-dates", "bad-dates", "no-date"):
        items, _ = parse(feed_id)
        assert items and all(i.published == TAKEN and i.date_estimated for i in items)


def test_duplicate_ids_become_one_item():
    cfg = CONFIG
    result = ingest(type(cfg)(site=cfg.site, beats=cfg.beats, feeds=(cfg.feed("duplicate-ids"),)), CORPUS / "snapshots")
    assert len(result.items) == 1
    assert result.items[0].feeds == ("duplicate-ids",)


def test_external_entities_are_never_read_and_entities_never_expand():
    start = time.monotonic()
    text = texts("xxe") + texts("billion-laughs")
    assert time.monotonic() - start < 5
    passwd = Path("/etc/passwd")
    if passwd.is_file():
        first = passwd.read_text(errors="replace").split("\n", 1)[0]
        assert first and first not in text
    assert "lollollol" not in text


def write_huge_feed(path: Path, size: int = MAX_SNAPSHOT_BYTES + 512 * 1024) -> int:
    """A well-formed-looking feed of ``size`` bytes: many ordinary entries, one enormous one, cut at the end."""
    path.parent.mkdir(parents=True, exist_ok=True)
    head = ('<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel><title>Huge</title>'
            "<link>https://hostile.example/huge/</link>\n")
    sentence = "Tessera open weights without tooling are only half a release, a huge feed says. "
    giant = (f"<item><title>Tessera open weights: one enormous entry</title><link>https://hostile.example/huge/giant</link>"
             f"<pubDate>Sat, 21 Nov 2026 10:00:00 GMT</pubDate><description><![CDATA[<p>{sentence * 40000}</p>]]></description></item>\n")
    parts, n, total = [head, giant], 0, len(head) + len(giant)
    while total < size:
        entry = (f"<item><title>Tessera open weights, post {n}</title><link>https://hostile.example/huge/{n}</link>"
                 f"<guid>huge-{n}</guid><pubDate>Sat, 21 Nov 2026 09:{n % 60:02d}:00 GMT</pubDate>"
                 f"<description><![CDATA[<p>{sentence * 25}</p><script>alert({n})</script>]]></description></item>\n")
        parts.append(entry)
        total += len(entry)
        n += 1
    parts.append("</channel></rss>\n")
    path.write_bytes("".join(parts).encode("utf-8"))
    return n + 1


def test_a_10_mb_feed_is_cut_at_the_limit_reported_and_used(tmp_path):
    path = tmp_path / "huge" / f"{STAMP}.xml"
    entries = write_huge_feed(path)
    assert path.stat().st_size > 10 * 10**6
    snap = Snapshot(replace(CONFIG.feed("huge"), max_items=None), path, TAKEN)  # every item, not the newest 3
    from generator.ingest import _parse_cached  # reads at most MAX_SNAPSHOT_BYTES + 1 bytes

    start = time.monotonic()
    items, problems, _ = _parse_cached(snap, None)
    elapsed = time.monotonic() - start
    assert any(re.search(r"larger than 10 MiB; only the first 10 MiB were read", p.message) for p in problems), problems
    assert any("not well-formed XML" in p.message for p in problems)  # the cut left the XML unfinished
    assert 0.9 * entries < len(items) <= entries
    assert all(len(i.text) <= MAX_TEXT + 1 and "alert" not in i.text for i in items)
    assert elapsed < 60, f"ingesting a 10 MB feed took {elapsed:.1f}s"


# --- the whole corpus through the command line, then MkDocs -----------------------------------


@pytest.fixture(scope="module")
def corpus_build(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hostile-build")
    snapshots = tmp / "snapshots"
    shutil.copytree(CORPUS / "snapshots", snapshots)
    write_huge_feed(snapshots / "huge" / f"{STAMP}.xml")
    docs = tmp / "docs"
    run = subprocess.run(
        [sys.executable, "-m", "generator", "build", "--config", str(CORPUS / "feeds.yaml"), "--snapshots", str(snapshots),
         "--docs", str(docs), "--cache-dir", str(tmp / "cache"), "--writer", "extractive"],
        cwd=REPO, capture_output=True, text=True, timeout=300,
    )
    site = None
    if run.returncode in (0, 1):
        site = build_site_from_docs(docs, CORPUS / "feeds.yaml", tmp)
    return run, docs, site


def test_corpus_build_never_crashes_and_reports_every_problem_by_feed_id(corpus_build):
    run, docs, _ = corpus_build
    assert run.returncode in (0, 1), run.stderr[-3000:]
    assert "Traceback" not in run.stderr
    warnings = [line for line in run.stderr.splitlines() if line.startswith("warning: ")]
    for feed_id, (_, reasons) in EXPECTED.items():
        mine = [w for w in warnings if w.startswith(f"warning: {feed_id}: ")]
        for reason in reasons:
            assert any(re.search(reason, w) for w in mine), (feed_id, reason, mine)
    assert any(w.startswith("warning: huge: ") and "larger than 10 MiB" in w for w in warnings)
    assert list((docs / "briefings").rglob("*.md")), "the usable feeds still made briefings"


def _visible(path: Path) -> str:
    return " ".join("".join(parse_page(path.read_text(encoding="utf-8"), str(path)).text).split())


def _flat(text: str) -> str:
    return " ".join(one_line(text).split())


def test_corpus_site_has_no_live_markup_and_shows_its_sources_literally(corpus_build):
    run, docs, site = corpus_build
    assert site is not None, run.stderr[-3000:]
    problems = live_markup(site)
    assert not problems, "\n".join(problems[:20])
    pages = sorted((docs / "briefings").rglob("*.md"))
    assert pages
    for md in pages:
        meta = read_front_matter(md)
        page = site / md.relative_to(docs).with_suffix("") / "index.html"
        text = _visible(page)
        assert _flat(meta["title"]) in text
        for source in meta["sources"]:
            assert _flat(source["title"]) in text, (source["title"], page)
            assert source["url"].startswith(("https://", "http://"))


def test_every_corpus_item_renders_as_literal_text(tmp_path):
    """All items the corpus yields, as the sources of one briefing per feed (whatever the clustering
    would pick), through render and a real MkDocs build: no live markup, every title, author and
    quotation shown as the characters the feed sent."""
    result = ingest(CONFIG, CORPUS / "snapshots")
    by_feed: dict[str, list] = {}
    for item in result.items:
        by_feed.setdefault(item.feed_id, []).append(item)
    assert set(by_feed) == {f for f, (n, _) in EXPECTED.items() if n}
    briefings = []
    for n, (feed_id, items) in enumerate(sorted(by_feed.items())):
        story = Story(id=f"corpus-{feed_id}", edition=TAKEN.date(), beat="open-models", items=tuple(items), score=1.0, significance="medium")
        paragraphs = tuple((Span(f"{item.author or item.feed_title} on {item.title}: "), Span(item.text[:300], source=k, quote=True))
                           for k, item in enumerate(items))
        briefings.append(Briefing(story=story, headline=items[0].title, teaser=items[-1].text[:200], paragraphs=paragraphs,
                                  sources=tuple(items), writer="extractive", inputs_hash=f"h{n}"))
    docs = tmp_path / "docs"
    paths = render_briefings(docs, briefings, CONFIG)
    site = build_site_from_docs(docs, CORPUS / "feeds.yaml", tmp_path)
    problems = live_markup(site)
    assert not problems, "\n".join(problems[:20])
    literal = set()
    for rel, briefing in paths.items():
        text = _visible(site / rel[: -len(".md")] / "index.html")
        for value in [briefing.headline, briefing.teaser] + [s.text for p in briefing.paragraphs for s in p]:
            assert _flat(value) in text, (value, rel)
            literal.add(_flat(value))
    everything = " ".join(literal)
    for hostile in ("<script>alert('double')</script>", "<img src=x onerror=alert(1)>", "[x](javascript:alert(1))",
                    "{{ config }}", "{% raw %}", "{{ ''.__class__.__mro__ }}", "**strong**", "Use <script> tags?",
                    "# Tessera open weights *bold* _em_ `code` | table | [^1]", "- Tessera open weights"):
        assert hostile in everything, hostile
