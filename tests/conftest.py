"""Shared test fixtures. Helpers append fixtures below; keep each one small."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


@pytest.fixture
def repo() -> Path:
    return REPO


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.timezone.utc)


# --- the published site, built once per session (tests/test_site.py, tests/test_browser.py) ---

@pytest.fixture(scope="session")
def built_site(tmp_path_factory):
    """docs/ and site/ built from the bundled snapshots (extractive writer, no network), once.

    Returns a SimpleNamespace with docs, site (paths), report (BuildReport) and config.
    """
    from types import SimpleNamespace

    from generator.config import load_config
    from sitebuild import build_docs_and_site

    tmp = tmp_path_factory.mktemp("published")
    docs, site, report = build_docs_and_site(REPO / "feeds.yaml", REPO / "snapshots", tmp)
    return SimpleNamespace(docs=docs, site=site, report=report, config=load_config(REPO / "feeds.yaml"))


# --- sites built from other feeds (tests/test_browser.py, tests/test_other_feeds.py) ---------

@pytest.fixture(scope="session")
def synthetic_site(tmp_path_factory):
    """A site built through the whole pipeline from feeds other than the bundled ones: forty synthetic
    feeds in each platform's markup (bench/synth.py), three days, other beats, served at the root."""
    import sys
    from types import SimpleNamespace

    if str(REPO) not in sys.path:  # bench/ is beside generator/, not installed
        sys.path.insert(0, str(REPO))
    from bench import synth
    from generator.config import load_config
    from sitebuild import build_docs_and_site

    tmp = tmp_path_factory.mktemp("synthetic")
    snapshots = synth.write_snapshots(tmp / "snapshots", items=480, days=3, snapshots_per_feed=3, overlap=4)
    docs, site, report = build_docs_and_site(tmp / "feeds.yaml", tmp / "snapshots", tmp / "out", now=snapshots.now)
    return SimpleNamespace(docs=docs, site=site, report=report, config=load_config(tmp / "feeds.yaml"), name="synthetic")


REALDAYS = SHARED / "realdays"


def realdays_feeds_yaml(dest: Path) -> Path:
    """feeds.yaml for the real feeds of ../shared/realdays/ (SOURCES.tsv): the bundled site's settings
    and beats, each feed on every beat, the general ones (front pages, all of arXiv) with `match: ai`."""
    import csv

    import yaml

    data = yaml.safe_load((REPO / "feeds.yaml").read_text(encoding="utf-8"))
    general = {"hackernews", "arxiv", "news", "lemmy"}
    feeds = {}
    with open(REALDAYS / "SOURCES.tsv", encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            feeds.setdefault(row["source_id"], {
                "id": row["source_id"], "title": row["title"], "url": row["feed_url"].split(" | ")[0],
                "platform": row["platform"], "beats": [b["id"] for b in data["beats"]],
                **({"match": "ai"} if row["platform"] in general else {}),
            })
    data["feeds"] = list(feeds.values())
    dest.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return dest


@pytest.fixture(scope="session")
def realdays_site(tmp_path_factory):
    """The site of the three real days in ../shared/realdays/ (skipped when that folder is absent;
    its files are read where they are, never copied into the repository)."""
    from types import SimpleNamespace

    from generator.config import load_config
    from sitebuild import build_docs_and_site

    if not (REALDAYS / "SOURCES.tsv").is_file():
        pytest.skip(f"{REALDAYS} is absent")
    tmp = tmp_path_factory.mktemp("realdays")
    feeds_yaml = realdays_feeds_yaml(tmp / "feeds.yaml")
    docs, site, report = build_docs_and_site(feeds_yaml, REALDAYS, tmp / "out")
    return SimpleNamespace(docs=docs, site=site, report=report, config=load_config(feeds_yaml), name="realdays")
