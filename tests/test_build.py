"""End to end: bundled snapshots → docs/ → site/, checked as a reader and a contributor see it."""

from __future__ import annotations

import hashlib
import html.parser
import re
import shutil
import subprocess
import sys
from pathlib import Path

import frontmatter
import pytest
import yaml

from generator.config import load_config
from generator.ingest import ingest
from generator.pipeline import build
from generator.site import build_site
from generator.writers.extractive import ExtractiveWriter

from conftest import REPO, utc
from sitebuild import write_mkdocs_yml

NOW = utc(2026, 11, 23, 23, 59)


def tree_digest(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(root.rglob("*")) if p.is_file()}


def mkdocs_yml_for(docs: Path, where: Path) -> Path:
    """The project's mkdocs.yml, building ``docs`` instead of docs/."""
    return write_mkdocs_yml(docs, REPO / "feeds.yaml", where)


class CountingWriter(ExtractiveWriter):
    def __init__(self):
        self.calls = 0

    def write_all(self, jobs):
        for outcome in super().write_all(jobs):
            self.calls += 1
            yield outcome


@pytest.fixture
def built(built_site):
    """The site built once per session from the bundled snapshots (conftest.py): never changed here."""
    return built_site.docs.parent, built_site.docs, built_site.site, built_site.report, built_site.config


@pytest.fixture
def now(built_site):
    """The edition time of the session's build (its newest snapshot): rebuilds of its docs/ use it."""
    return built_site.report.now


def test_build_writes_dated_editions(built):
    _, docs, _, report, _ = built
    assert report.failures == []
    days = sorted(p.name for p in (docs / "briefings" / "2026" / "11").iterdir())
    assert len(days) >= 3
    briefings = list((docs / "briefings").rglob("*.md"))
    assert len(briefings) >= 12


def test_every_footnote_links_to_a_snapshot_url(built):
    _, docs, _, _, config = built
    urls = {i.url for i in ingest(config, REPO / "snapshots").items}
    for path in (docs / "briefings").rglob("*.md"):
        post = frontmatter.load(path)
        footnotes = re.findall(r"^\[\^\d+\]: \[.*?\]\(<([^>]+)>\)", post.content, re.MULTILINE)
        assert footnotes, path
        assert len(footnotes) == len(post["sources"])
        for url in footnotes:
            assert url in urls, (path, url)
        assert [s["url"] for s in post["sources"]] == footnotes


class Links(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.links += [v for k, v in attrs if k == "href" and v]

    def handle_data(self, data):
        self.text.append(data)


def parse(path: Path) -> Links:
    links = Links()
    links.feed(path.read_text(encoding="utf-8"))
    return links


def test_home_page_lists_teasers_newest_first(built):
    _, docs, site, _, _ = built
    home = (site / "index.html").read_text(encoding="utf-8")
    entries = [frontmatter.load(p) for p in (docs / "briefings").rglob("*.md")]
    newest = max(str(e["date"]) for e in entries)
    shown = [e for e in entries if str(e["date"]) == newest]
    for e in shown:
        assert str(yaml.safe_load(yaml.safe_dump(e["title"]))) .split()[0] in home
    # editions appear newest first
    dates = re.findall(r'class="edition-date"[^>]*>([^<]+)<', home)
    assert dates and dates == sorted(dates, key=lambda d: __import__("datetime").datetime.strptime(d.strip(), "%A, %d %B %Y"), reverse=True)


def test_internal_links_resolve_and_nothing_external_is_loaded(built):
    _, _, site, _, _ = built
    for page in site.rglob("*.html"):
        if page.name == "404.html":  # served from any depth, so its links are absolute
            continue
        parsed = parse(page)
        for href in parsed.links:
            if href.startswith(("http://", "https://", "mailto:", "#")):
                continue
            target = (page.parent / href.split("#")[0]).resolve()
            if href.split("#")[0] == "":
                continue
            assert target.exists() or (target / "index.html").exists(), (page, href)
        source = page.read_text(encoding="utf-8")
        for match in re.finditer(r'<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)="(https?://[^"]+)"', source):
            tag = match.group(0)
            assert "rel=\"canonical\"" in tag or "rel=\"alternate\"" in tag, (page, tag)


def test_site_has_beats_archive_about_and_feeds(built):
    _, _, site, _, config = built
    for beat in config.beats:
        assert (site / "beats" / beat.id / "index.html").is_file()
    assert (site / "archive" / "index.html").is_file()
    about = (site / "about" / "index.html").read_text(encoding="utf-8")
    for feed in config.feeds:
        assert feed.url.replace("&", "&amp;") in about
    import feedparser

    rss = feedparser.parse((site / "feed.xml").read_bytes())
    assert not rss.bozo and len(rss.entries) >= 12
    assert (site / "search" / "search_index.json").is_file()


def test_same_inputs_give_identical_docs_and_a_rebuild_writes_nothing(built, now, tmp_path):
    _, docs, _, _, config = built
    other = tmp_path / "docs"
    shutil.copytree(REPO / "docs" / "assets", other / "assets")
    build(config, REPO / "snapshots", other, ExtractiveWriter(), now=now, cache_dir=tmp_path / "cache")
    assert tree_digest(other) == tree_digest(docs)
    writer = CountingWriter()
    before = {p: p.stat().st_mtime_ns for p in other.rglob("*") if p.is_file()}
    report = build(config, REPO / "snapshots", other, writer, now=now, cache_dir=tmp_path / "cache")
    assert report.written == [] and report.removed == []
    assert writer.calls == 0
    assert {p: p.stat().st_mtime_ns for p in other.rglob("*") if p.is_file()} == before


def test_hand_edited_briefing_is_never_overwritten(built, now, tmp_path):
    _, docs, _, _, config = built
    other = tmp_path / "docs"
    shutil.copytree(docs, other)
    victim = sorted((other / "briefings").rglob("*.md"))[0]
    text = victim.read_text(encoding="utf-8").replace("edited_by_hand: false", "edited_by_hand: true")
    text = text.replace("\n# ", "\n# Corrected: ", 1)
    victim.write_text(text, encoding="utf-8")
    # A different writer fingerprint would regenerate everything else.
    class Other(ExtractiveWriter):
        def fingerprint(self):
            return "other"

    report = build(config, REPO / "snapshots", other, Other(), now=now, cache_dir=tmp_path / "cache")
    assert victim.read_text(encoding="utf-8") == text
    assert report.hand_edited == 1
    assert victim.relative_to(other).as_posix() not in report.written


#: Runs ``python -m generator ARGS`` with the clock at TIME: python -c CLOCK_DRIVER TIME ARGS...
CLOCK_DRIVER = """
import datetime, sys, time_machine
from generator.__main__ import main
with time_machine.travel(sys.argv[1]):
    print("clock:", datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M"), file=sys.stderr)
    sys.exit(main(sys.argv[2:]))
"""


def test_cli_build_ignores_the_clock(tmp_path):
    """Without --now the edition time comes from the snapshots: builds under different clocks (one in the
    middle of the snapshots' days, one years later) write the same docs/."""
    outs = []
    for n, clock in enumerate(("2026-11-22T06:00:00+00:00", "2031-05-17T21:45:00+00:00")):
        docs = tmp_path / f"docs{n}"
        result = subprocess.run(
            [sys.executable, "-c", CLOCK_DRIVER, clock,
             "build", "--docs", str(docs), "--cache-dir", str(tmp_path / f"c{n}"), "--writer", "extractive"],
            cwd=REPO, capture_output=True, text=True, timeout=300,
        )
        assert result.returncode == 0, result.stderr
        assert f"clock: {clock[:16]}" in result.stderr  # the build really ran under that clock
        assert "files written" in result.stdout
        outs.append(tree_digest(docs))
    assert len(outs[0]) > 20
    assert outs[0] == outs[1]


def test_the_build_does_not_depend_on_the_order_python_iterates_sets_in(tmp_path):
    """Two processes with different string hashing give the same docs/ byte for byte."""
    import os

    outs = []
    for seed in ("1", "2"):
        docs = tmp_path / f"docs{seed}"
        result = subprocess.run(
            [sys.executable, "-m", "generator", "build", "--docs", str(docs), "--cache-dir", str(tmp_path / f"c{seed}"),
             "--writer", "extractive"],
            cwd=REPO, capture_output=True, text=True, timeout=300, env={**os.environ, "PYTHONHASHSEED": seed},
        )
        assert result.returncode == 0, result.stderr
        outs.append(tree_digest(docs))
    assert outs[0] == outs[1]


def test_a_later_run_rewrites_only_editions_with_new_posts(tmp_path):
    config = load_config(REPO / "feeds.yaml")
    docs = tmp_path / "docs"
    first = build(config, REPO / "snapshots", docs, ExtractiveWriter(), now=utc(2026, 11, 22, 12, 0), cache_dir=tmp_path / "c")
    assert first.failures == []
    def told(path):
        """A briefing as its writer made it: everything but the links to other briefings."""
        post = frontmatter.load(path)
        return post.content, {k: v for k, v in post.metadata.items() if k not in ("related", "updates")}

    day20 = {p: told(p) for p in (docs / "briefings" / "2026" / "11" / "20").glob("*.md")}
    assert day20
    writer = CountingWriter()
    second = build(config, REPO / "snapshots", docs, writer, now=NOW, cache_dir=tmp_path / "c")
    # the earlier editions' briefings are not written again; only their links to the new ones change
    assert {p: told(p) for p in (docs / "briefings" / "2026" / "11" / "20").glob("*.md")} == day20
    assert 0 < writer.calls <= second.stories - len(day20)
    # The finished run equals a fresh build of the same inputs.
    fresh = tmp_path / "fresh"
    build(config, REPO / "snapshots", fresh, ExtractiveWriter(), now=NOW, cache_dir=tmp_path / "c2")
    assert tree_digest(fresh) == tree_digest(docs)


def test_a_new_layout_version_rewrites_the_briefings_of_the_editions_built(built, now, tmp_path, monkeypatch):
    from generator import render

    _, docs, _, _, config = built
    other = tmp_path / "docs"
    shutil.copytree(docs, other)
    monkeypatch.setattr(render.briefing, "RENDER_VERSION", "test-next")
    writer = CountingWriter()
    report = build(config, REPO / "snapshots", other, writer, now=now, cache_dir=tmp_path / "cache")
    assert writer.calls == report.stories > 0
    for path in (other / "briefings").rglob("*.md"):
        assert frontmatter.load(path)["generator"]["render"] == "test-next"


# --- "More briefings": front matter in docs/, a section on the page ----------------------


def test_a_related_path_that_is_no_page_fails_the_strict_build_naming_the_page(built, tmp_path):
    _, docs, _, _, _ = built
    other = tmp_path / "docs"
    shutil.copytree(docs, other)
    victim = next(p for p in sorted((other / "briefings").rglob("*.md")) if frontmatter.load(p)["related"])
    rel = victim.relative_to(other).as_posix()
    text = victim.read_text(encoding="utf-8")
    victim.write_text(text.replace("\nrelated:\n", "\nrelated:\n- briefings/2026/11/19/no-such-briefing.md\n", 1), encoding="utf-8")
    site = tmp_path / "site"
    run = subprocess.run([sys.executable, "-m", "generator", "site", "--mkdocs", str(mkdocs_yml_for(other, tmp_path)), "--site-dir", str(site)],
                         cwd=REPO, capture_output=True, text=True, timeout=300)
    assert run.returncode == 1, run.stderr
    assert f"{rel}: 'briefings/2026/11/19/no-such-briefing.md' (front matter 'related') is not a page of this site" in run.stderr
    assert "Traceback" not in run.stderr
    assert not site.exists()  # nothing published


# --- the disclaimer: drawn from front matter; a hand-edited file may carry its own ----------


def test_a_hand_edited_briefing_of_the_old_layout_keeps_its_one_disclaimer(built, tmp_path):
    """Never rewritten, it keeps the block in its Markdown; the template adds no second one."""
    from generator import render
    from sitebuild import to_old_disclaimer_layout
    from test_site import content, dom

    _, docs, site, _, _ = built
    other = tmp_path / "docs"
    shutil.copytree(docs, other)
    entries, _ = render.scan(other)
    hand = entries[0]
    text = to_old_disclaimer_layout((other / hand.path).read_text(encoding="utf-8")).replace("edited_by_hand: false", "edited_by_hand: true")
    (other / hand.path).write_text(text, encoding="utf-8")
    (other / entries[1].path).write_text(  # a contributor's own block, written differently, counts too
        (other / entries[1].path).read_text(encoding="utf-8").replace("edited_by_hand: false", "edited_by_hand: true").rstrip("\n")
        + '\n\n<div class="brief-disclaimer" markdown>\n\nChecked and corrected by the editors.\n\n</div>\n', encoding="utf-8")
    out = tmp_path / "site"
    build_site(mkdocs_yml_for(other, tmp_path), out)
    for e in entries:
        shown = content(dom(out / e.url / "index.html")).find_all(cls="brief-disclaimer")
        assert len(shown) == 1, e.path
    assert (out / hand.url / "index.html").read_bytes() == (site / hand.url / "index.html").read_bytes()
    mine = content(dom(out / entries[1].url / "index.html")).find("div", "brief-disclaimer")
    assert mine.clean_text() == "Checked and corrected by the editors."


def test_an_updated_build_equals_a_fresh_one_when_a_snapshot_changes_only_what_a_page_prints(tmp_path):
    """A later snapshot that only renames a post's outlet: the briefing shows the new name, as a fresh build would."""
    snaps = tmp_path / "snapshots"
    shutil.copytree(REPO / "snapshots", snaps)
    config = load_config(REPO / "feeds.yaml")
    docs = tmp_path / "docs"
    build(config, snaps, docs, ExtractiveWriter(), cache_dir=tmp_path / "cache")
    before = [p for p in (docs / "briefings").rglob("*.md") if "The Verge" in p.read_text(encoding="utf-8")]
    assert before
    feed = snaps / "gnews-military-ai"
    latest = sorted(feed.glob("*.xml"))[-1]
    (feed / "20261123T235500Z.xml").write_bytes(latest.read_bytes().replace(b">The Verge</source>", b">The Verge (Vox Media)</source>"))
    build(config, snaps, docs, ExtractiveWriter(), cache_dir=tmp_path / "cache")
    fresh = tmp_path / "fresh"
    build(config, snaps, fresh, ExtractiveWriter(), cache_dir=tmp_path / "cache-fresh")
    assert tree_digest(docs) == tree_digest(fresh)
    assert any("The Verge (Vox Media)" in p.read_text(encoding="utf-8") for p in (docs / "briefings").rglob("*.md"))


OLD_RELATED_BLOCK = """
<!-- more-briefings:start -->

<div class="brief-related" markdown>

## More briefings { data-search-exclude }

</div>

<!-- more-briefings:end -->
"""


def test_migrate_brings_older_layouts_to_the_current_one_once(built, tmp_path):
    """Briefings of editions no build will rebuild (their snapshots pruned) are migrated by a script."""
    from generator import render
    from sitebuild import to_old_disclaimer_layout

    _, docs, _, _, config = built
    other = tmp_path / "docs"
    shutil.copytree(docs, other)
    entries, _ = render.scan(other)
    current = {e.path: (other / e.path).read_text(encoding="utf-8") for e in entries}
    for e in entries:  # as layout 3 wrote them: a 1-5 grade, no lead or thread, both blocks in the Markdown
        text = to_old_disclaimer_layout(current[e.path]).replace("render: '4'", "render: '3'") + OLD_RELATED_BLOCK
        text = re.sub(r"(?m)^lead: \w+\n|^thread: \w+\n", "", text)
        text = re.sub(r"(?m)^significance: (\w+)$", lambda m: f"significance: {dict(high=5, medium=3, low=1)[m.group(1)]}", text)
        (other / e.path).write_text(text, encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "generator", "migrate", "--docs", str(other)], cwd=REPO,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert f"{len(entries)} briefings brought to the current layout" in run.stdout
    for e in entries:
        text = (other / e.path).read_text(encoding="utf-8")
        assert "more-briefings" not in text and "brief-disclaimer" not in text, e.path
        meta = frontmatter.loads(text).metadata
        assert meta["generator"]["render"] == render.RENDER_VERSION and meta["significance"] in render.LEVELS
        assert frontmatter.loads(text).content.strip() == frontmatter.loads(current[e.path]).content.strip()
    leads = [e for e in render.scan(other)[0] if e.lead]
    assert len({e.date for e in leads}) == len(leads) == len({e.date for e in entries})  # one lead per edition
    again = subprocess.run([sys.executable, "-m", "generator", "migrate", "--docs", str(other)], cwd=REPO,
                           capture_output=True, text=True, timeout=120)
    assert "0 briefings brought" in again.stdout  # once is enough


def test_the_committed_briefings_are_what_the_bundled_snapshots_build(built):
    """Every briefing a fresh build of snapshots/ writes is in docs/ as it would write it (a change to a
    writer or the analysis without a new version fails here). Links between briefings are left out: a
    deployment's docs/ may also hold older briefings whose snapshots were pruned."""
    _, docs, _, _, _ = built

    def told(path: Path):
        post = frontmatter.load(path)
        return post.content, {k: v for k, v in post.metadata.items() if k not in ("related", "follows", "updates")}

    fresh = sorted(p.relative_to(docs) for p in (docs / "briefings").rglob("*.md"))
    assert fresh
    stale = [str(rel) for rel in fresh if not (REPO / "docs" / rel).is_file() or told(REPO / "docs" / rel) != told(docs / rel)]
    assert stale == [], "docs/ is out of date: run make build and commit docs/"


class RenamingWriter(ExtractiveWriter):
    """The extractive writer with other headlines for some stories (as a new writer version might give)."""

    def fingerprint(self):
        return super().fingerprint() + ":renamed"

    def write_all(self, jobs):
        import dataclasses

        for outcome in super().write_all(jobs):
            if outcome.briefing is not None and outcome.job.story.id < "8":
                outcome = dataclasses.replace(outcome, briefing=dataclasses.replace(outcome.briefing, headline="Renamed: " + outcome.briefing.headline))
            yield outcome


def test_a_build_on_top_of_docs_equals_a_fresh_one_when_headlines_change(built, tmp_path):
    """Addresses come from headlines in rank order: a rewritten briefing with a new headline moves,
    and the files are those a build from nothing writes."""
    _, docs, _, _, config = built
    other = tmp_path / "docs"
    shutil.copytree(docs, other)
    build(config, REPO / "snapshots", other, RenamingWriter(), cache_dir=tmp_path / "cache")
    fresh = tmp_path / "fresh"
    build(config, REPO / "snapshots", fresh, RenamingWriter(), cache_dir=tmp_path / "cache-fresh")
    shutil.copytree(docs / "assets", fresh / "assets")
    assert any(p.name.startswith("renamed-") for p in (other / "briefings").rglob("*.md"))
    assert tree_digest(other) == tree_digest(fresh)
