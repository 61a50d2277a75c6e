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
