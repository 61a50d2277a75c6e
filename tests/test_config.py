"""feeds.yaml validation: every mistake names the file, line and key; `check` exits 2."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from generator.config import load_config, parse_config
from generator.errors import ConfigErrors

from conftest import REPO

GOOD = """\
site:
  title: Test briefings
  description: A test site.
beats:
  - id: open-models
    name: Open Models
    description: Open weights.
  - id: policy
    name: Policy
    description: Laws.
feeds:
  - id: one
    title: Feed one
    url: https://example.org/one.xml
    platform: reddit
    beats: [open-models]
  - id: two
    title: Feed two
    url: http://example.org/two.xml
    platform: blog
    beats: [policy, open-models]
    tags: [a, b]
    max_items: 10
    enabled: false
"""


def errors_of(text: str) -> list[str]:
    with pytest.raises(ConfigErrors) as info:
        parse_config(text, "feeds.yaml")
    return [str(e) for e in info.value.errors]


def test_bundled_feeds_yaml_is_valid_and_rich_enough():
    config = load_config(REPO / "feeds.yaml")
    assert len(config.feeds) >= 12
    assert len(config.beats) >= 5
    platforms = {f.platform for f in config.feeds}
    assert {"reddit", "hackernews", "arxiv", "news", "youtube", "blog"} <= platforms
    assert platforms & {"mastodon", "bluesky"}


def test_good_config_parses_with_defaults():
    config = parse_config(GOOD)
    assert config.site.title == "Test briefings"
    assert config.site.edition_window_hours == 24
    two = config.feed("two")
    assert two.beats == ("policy", "open-models")
    assert two.tags == ("a", "b") and two.max_items == 10 and two.enabled is False
    assert config.feed("one").enabled is True


@pytest.mark.parametrize(
    "old, new, expected",
    [
        ("    platform: reddit\n", "    platform: reddit\n    colour: red\n", "feeds.yaml:16: feeds[0] (one).colour: unknown key"),
        ("    max_items: 10", "    max_items: ten", "feeds.yaml:23: feeds[1] (two).max_items: must be a positive integer, not a string ('ten')"),
        ("    enabled: false", "    enabled: nope", "feeds.yaml:24: feeds[1] (two).enabled: must be true or false"),
        ("  - id: two", "  - id: one", "feeds.yaml:17: feeds[1] (one).id: duplicate feed id 'one'"),
        ("beats: [open-models]\n", "beats: [open-model]\n", "feeds.yaml:16: feeds[0] (one).beats: unknown beat 'open-model'"),
        ("https://example.org/one.xml", "ftp://example.org/one.xml", "feeds.yaml:14: feeds[0] (one).url: 'ftp://example.org/one.xml' is not an http(s) URL"),
        ("https://example.org/one.xml", "javascript:alert(1)", "feeds.yaml:14: feeds[0] (one).url: 'javascript:alert(1)' is not an http(s) URL"),
        ("    platform: reddit", "    platform: myspace", "feeds.yaml:15: feeds[0] (one).platform: unknown platform 'myspace'"),
        ("  - id: policy", "  - id: open-models", "feeds.yaml:8: beats[1].id: duplicate beat id 'open-models'"),
        ("  title: Test briefings", "  title: [a, b]", "feeds.yaml:2: site.title: must be a string, not a list"),
        ("  description: A test site.\n", "  description: A test site.\n  edition_window_hours: -3\n", "feeds.yaml:4: site.edition_window_hours: must be a positive integer, not -3"),
        ("    title: Feed one\n", "", "feeds.yaml:12: feeds[0] (one).title: is required"),
    ],
)
def test_each_mistake_names_file_line_and_key(old, new, expected):
    assert old in GOOD
    messages = errors_of(GOOD.replace(old, new, 1))
    assert any(m.startswith(expected) for m in messages), messages


def test_all_mistakes_are_reported_together():
    text = GOOD.replace("platform: reddit", "platform: myspace").replace("max_items: 10", "max_items: 0")
    messages = errors_of(text)
    assert len(messages) == 2


def test_yaml_syntax_error_has_a_line():
    messages = errors_of(GOOD.replace("beats: [open-models]\n", "beats: [open-models\n", 1))
    assert messages[0].startswith("feeds.yaml:") and "(syntax)" in messages[0]


def test_duplicate_key_in_a_mapping_is_an_error():
    messages = errors_of(GOOD.replace("    title: Feed one\n", "    title: Feed one\n    title: Again\n", 1))
    assert any("feeds[0] (one).title: appears twice" in m for m in messages)


def run_cli(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "generator", *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def test_check_command_ok_on_bundled_config():
    result = run_cli("check")
    assert result.returncode == 0, result.stderr
    assert "OK" in result.stdout


def test_check_exits_2_and_build_runs_nothing_on_a_bad_config(tmp_path):
    bad = tmp_path / "feeds.yaml"
    bad.write_text(GOOD.replace("platform: reddit", "platform: myspace"), encoding="utf-8")
    result = run_cli("check", "--config", str(bad))
    assert result.returncode == 2
    assert f"{bad}:15: feeds[0] (one).platform: unknown platform 'myspace'" in result.stderr
    docs = tmp_path / "docs"
    result = run_cli("build", "--config", str(bad), "--docs", str(docs), "--snapshots", str(REPO / "snapshots"))
    assert result.returncode == 2
    assert "nothing was run" in result.stderr
    assert not docs.exists()


def test_missing_config_file_is_a_clear_error(tmp_path):
    result = run_cli("check", "--config", str(tmp_path / "nope.yaml"))
    assert result.returncode == 2
    assert "cannot be read" in result.stderr


def test_match_and_keywords_are_checked_with_file_line_and_key():
    text = """site: {title: T, description: D}
beats:
  - id: b
    name: B
    description: d
    keywords: [weights, "open*source"]
feeds:
  - id: paper
    title: Paper
    url: https://example.org/rss
    platform: news
    beats: [b]
    match: everything
  - id: other
    title: Other
    url: https://example.org/other
    platform: lemmy
    beats: [b]
    match: []
"""
    with pytest.raises(ConfigErrors) as caught:
        parse_config(text, "feeds.yaml")
    messages = [str(e) for e in caught.value.errors]
    assert "feeds.yaml:6: beats[0].keywords[1]: 'open*source': '*' may only end a term" in messages
    assert any(m.startswith("feeds.yaml:13: feeds[0] (paper).match: must be 'ai'") for m in messages), messages
    assert "feeds.yaml:19: feeds[1] (other).match: must list at least one term" in messages
    config = parse_config(text.replace('"open*source"', "open source*").replace("match: everything", "match: ai")
                          .replace("match: []", "match: [robot*, AI]"), "feeds.yaml")
    assert config.feeds[0].match == ("ai",) and config.feeds[1].match == ("robot*", "AI")
    assert config.beats[0].keywords == ("weights", "open source*")
