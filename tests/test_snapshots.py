"""Snapshot files are named, found and written in one way (generator/snapshots.py) for fetch, ingest and prune."""

from __future__ import annotations

import datetime as dt
import json

from generator import snapshots
from generator.config import parse_config
from generator.ingest import find_snapshots

from conftest import utc

CONFIG = """\
site: {title: T, description: D}
beats: [{id: b, name: B, description: D}]
feeds: [{id: one, title: One, url: "https://example.org/one.xml", platform: blog, beats: [b]}]
"""


def test_a_stamp_names_a_utc_second_and_back():
    when = dt.datetime(2026, 11, 21, 7, 5, 9, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert snapshots.format_stamp(when) == "20261121T050509Z"
    assert snapshots.parse_stamp("20261121T050509Z") == utc(2026, 11, 21, 5, 5, 9)
    for name in ("20261121T050509", "20261321T050509Z", "latest", "20261121T050509Z.xml", " 20261121T050509Z"):
        assert snapshots.parse_stamp(name) is None, name


def test_written_snapshots_are_found_by_fetch_and_ingest_alike(tmp_path):
    feed_dir = tmp_path / "one"
    now = utc(2026, 11, 21, 6, 0)
    first = snapshots.write_snapshot(feed_dir, now, b"<rss/>", {"feed_id": "one", "content_type": "application/rss+xml"})
    second = snapshots.write_snapshot(feed_dir, now, b"<rss>2</rss>", {"feed_id": "one"})  # same second: moves on by one
    (feed_dir / "notes.xml").write_text("not a snapshot", encoding="utf-8")
    assert [p.name for p in (first, second)] == ["20261121T060000Z.xml", "20261121T060001Z.xml"]
    assert json.loads(snapshots.meta_path(first).read_text(encoding="utf-8"))["content_type"] == "application/rss+xml"
    assert snapshots.read_meta(first)["feed_id"] == "one"
    assert snapshots.read_meta(feed_dir / "notes.xml") == {}
    assert snapshots.feed_snapshots(feed_dir) == [(first, now), (second, now + dt.timedelta(seconds=1))]
    assert snapshots.latest_snapshot(feed_dir) == second
    found, problems = find_snapshots(parse_config(CONFIG), tmp_path)
    assert [(s.path, s.taken) for s in found] == snapshots.feed_snapshots(feed_dir)
    assert [p.path for p in problems] == [str(feed_dir / "notes.xml")]


def test_an_html_page_is_one_that_opens_as_html_before_any_feed_root():
    assert snapshots.looks_like_html(b"\xef\xbb\xbf  <!DOCTYPE HTML><html><body>x</body></html>")
    assert snapshots.looks_like_html(b"<!-- proxy --><html><body>x</body></html>")
    assert not snapshots.looks_like_html(b'<?xml version="1.0"?><rss><channel><description>&lt;html&gt;</description></channel></rss>')
    assert not snapshots.looks_like_html(b'<?xml version="1.0"?><feed><content type="html"><![CDATA[<html>]]></content></feed>')
    assert not snapshots.looks_like_html(b'<rdf:RDF><item><title>x</title></item></rdf:RDF>')
    assert not snapshots.looks_like_html(b"plain text")
