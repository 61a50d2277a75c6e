"""`make prune`: snapshots past the retention go once their editions are published; their briefings stay."""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
import subprocess
import sys
from pathlib import Path

import frontmatter
import pytest

from generator import snapshots
from generator.config import load_config, parse_config
from generator.errors import ConfigErrors
from generator.pipeline import build
from generator.prune import prune
from generator.writers.extractive import ExtractiveWriter

from conftest import REPO, utc
from test_config import GOOD, errors_of

RETENTION = 2  # days


def _config(retention: int | None = RETENTION):
    config = parse_config(GOOD)
    return dataclasses.replace(config, site=dataclasses.replace(config.site, snapshot_retention_days=retention))


def _snapshot(root: Path, feed_id: str, when: dt.datetime) -> Path:
    return snapshots.write_snapshot(root / feed_id, when, b"<rss/>", {"feed_id": feed_id})


def _briefing(docs: Path, day: dt.date) -> Path:
    path = docs / "briefings" / f"{day:%Y/%m/%d}" / "a-briefing.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("---\ntitle: A briefing\n---\n\nText.\n", encoding="utf-8")
    return path


@pytest.fixture
def archive(tmp_path):
    """Feed "one": two snapshots a day from 1 to 6 March; feed "two" (disabled): two on 1 March and no more.
    docs/ has briefings of 1 to 4 March."""
    root = tmp_path / "snapshots"
    for day in range(1, 7):
        for hour in (6, 18):
            _snapshot(root, "one", utc(2026, 3, day, hour))
    _snapshot(root, "two", utc(2026, 3, 1, 6))
    _snapshot(root, "two", utc(2026, 3, 1, 18))
    docs = tmp_path / "docs"
    for day in range(1, 5):
        _briefing(docs, dt.date(2026, 3, day))
    return root, docs


def _left(root: Path) -> dict[str, list[str]]:
    return {d.name: sorted(p.name for p in d.iterdir()) for d in sorted(root.iterdir()) if d.is_dir()}


def _days(names: list[str]) -> list[int]:
    return sorted({int(n[6:8]) for n in names if n.endswith(".xml")})


def test_snapshots_past_the_retention_of_published_editions_go_with_their_metadata(archive):
    root, docs = archive
    # Retention counts back from the newest snapshot (6 March 18:00): 4 March 18:00. A snapshot's posts
    # stay in the next day's edition (24-hour window), so a day's snapshots go once the next day's
    # edition is past the retention and published: 1 and 2 March.
    report = prune(_config(), root, docs)
    left = _left(root)
    assert _days(left["one"]) == [3, 4, 5, 6]
    assert left["two"] == ["20260301T180000Z.meta.json", "20260301T180000Z.xml"]  # its newest stays
    assert all(n.replace(".meta.json", ".xml") in left[f] for f in left for n in left[f])  # no metadata without its snapshot
    assert [p.name for p in report.removed] == ["20260301T060000Z.xml", "20260301T180000Z.xml", "20260302T060000Z.xml",
                                                "20260302T180000Z.xml", "20260301T060000Z.xml"]
    assert report.kept == 9 and report.published_through == dt.date(2026, 3, 4)
    assert "5 snapshots pruned" in report.summary() and "9 kept" in report.summary()
    assert list((docs / "briefings").rglob("*.md")) and len(list((docs / "briefings").rglob("*.md"))) == 4  # briefings stay
    # Nothing more goes until time (that is, newer snapshots) moves on.
    assert prune(_config(), root, docs).removed == []


def test_snapshots_of_editions_not_yet_published_stay_however_old(archive):
    root, docs = archive
    shutil.rmtree(docs / "briefings" / "2026" / "03" / "02")
    shutil.rmtree(docs / "briefings" / "2026" / "03" / "03")
    shutil.rmtree(docs / "briefings" / "2026" / "03" / "04")
    prune(_config(), root, docs, now=utc(2026, 9, 1))
    assert _days(_left(root)["one"]) == [1, 2, 3, 4, 5, 6]  # 1 March's posts also feed 2 March's edition, unpublished
    shutil.rmtree(docs / "briefings")
    prune(_config(), root, docs, now=utc(2026, 9, 1))
    assert _days(_left(root)["one"]) == [1, 2, 3, 4, 5, 6]


def test_without_a_retention_nothing_is_pruned(archive):
    root, docs = archive
    report = prune(_config(None), root, docs, now=utc(2030, 1, 1))
    assert report.removed == [] and _days(_left(root)["one"]) == [1, 2, 3, 4, 5, 6]
    assert "snapshot_retention_days is not set" in report.summary()


def test_dry_run_lists_and_removes_nothing(archive):
    root, docs = archive
    report = prune(_config(), root, docs, dry_run=True)
    assert len(report.removed) == 5
    assert _days(_left(root)["one"]) == [1, 2, 3, 4, 5, 6]


def test_retention_setting_is_checked_like_every_key():
    text = GOOD.replace("  description: A test site.\n", "  description: A test site.\n  snapshot_retention_days: 0\n")
    assert errors_of(text) == ["feeds.yaml:4: site.snapshot_retention_days: must be a positive integer, not 0"]
    text = GOOD.replace("  description: A test site.\n", "  description: A test site.\n  snapshot_retention_days: a month\n")
    assert errors_of(text) == ["feeds.yaml:4: site.snapshot_retention_days: must be a positive integer, not a string ('a month')"]
    good = GOOD.replace("  description: A test site.\n", "  description: A test site.\n  snapshot_retention_days: 30\n")
    assert parse_config(good).site.snapshot_retention_days == 30
    assert parse_config(GOOD).site.snapshot_retention_days is None
    with pytest.raises(ConfigErrors):
        parse_config(GOOD.replace("  description: A test site.\n", "  description: A test site.\n  snapshot_retention_days: -3\n"))


def test_make_prune_on_the_bundled_snapshots_keeps_every_published_briefing(tmp_path):
    """The whole round: build, prune (retention one day), build again. The editions whose snapshots
    went keep their briefings byte for byte; the site still builds and links them."""
    from sitebuild import build_site_from_docs

    snaps = tmp_path / "snapshots"
    shutil.copytree(REPO / "snapshots", snaps)
    feeds = tmp_path / "feeds.yaml"
    feeds.write_text((REPO / "feeds.yaml").read_text(encoding="utf-8").replace("snapshot_retention_days: 30", "snapshot_retention_days: 1"),
                     encoding="utf-8")
    config = load_config(feeds)
    assert config.site.snapshot_retention_days == 1
    docs = tmp_path / "docs"
    build(config, snaps, docs, ExtractiveWriter(), cache_dir=tmp_path / "cache")
    before = {p.relative_to(docs).as_posix(): p.read_bytes() for p in (docs / "briefings").rglob("*.md")}
    run = subprocess.run([sys.executable, "-m", "generator", "prune", "--config", str(feeds), "--snapshots", str(snaps), "--docs", str(docs)],
                         cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    removed = [line.split(" ", 1)[1] for line in run.stdout.splitlines() if line.startswith("removed ")]
    assert removed and all(Path(p).name.startswith("20261120T") for p in removed)
    assert not any(Path(p).exists() for p in removed)
    # 20 and 21 November are past the retention (counted back from the newest snapshot, 23 November 23:30)
    # and published: their editions are frozen, whatever is left of their snapshots.
    report = build(config, snaps, docs, ExtractiveWriter(), cache_dir=tmp_path / "cache")
    assert report.failures == []
    after = {p.relative_to(docs).as_posix(): p.read_bytes() for p in (docs / "briefings").rglob("*.md")}
    frozen = [rel for rel in before if rel.startswith(("briefings/2026/11/20/", "briefings/2026/11/21/"))]

    def told(data: bytes) -> tuple:
        """A briefing as its writer made it: all but its links to other briefings, which follow the archive."""
        post = frontmatter.loads(data.decode("utf-8"))
        return post.content, {k: v for k, v in post.metadata.items() if k not in ("related", "follows", "updates")}

    assert frozen and all(rel in after and told(after[rel]) == told(before[rel]) for rel in frozen)
    assert not any(w.startswith(("briefings/2026/11/20/", "briefings/2026/11/21/")) for w in report.removed)
    site = build_site_from_docs(docs, feeds, tmp_path)
    archive = (site / "archive" / "2026-11" / "index.html").read_text(encoding="utf-8")
    for rel in frozen:
        assert rel[len("briefings/2026/11/"):-len(".md")] in archive
