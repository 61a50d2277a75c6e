"""Snapshot files: how they are named, found, written and read, and what counts as an HTML page.

fetch writes them, ingest reads them and prune removes them; this module is
the one place that knows their layout (keys of JSON files are sorted)::

    snapshots/<feed-id>/<stamp>.xml
        The body as served, after undoing its Content-Encoding but not
        decoded from its charset (feedparser needs the bytes together with
        the XML declaration). <stamp> is the fetch time in UTC,
        ``%Y%m%dT%H%M%SZ`` (``STAMP_FORMAT``).

    snapshots/<feed-id>/<stamp>.meta.json
        Written just before the .xml it describes:
        {"content_type": "application/rss+xml; charset=utf-8",  (or null)
         "feed_id": "<feed-id>",
         "fetched_at": "2025-01-31T06:00:00Z",
         "url": "<final URL, after redirects>"}

    snapshots/.fetch-state.json
        {"<feed-id>": {"etag": ... or null, "last_modified": ... or null,
                       "url": "<the feed's URL in feeds.yaml>"}}
        Validators for conditional GET, sent only while the URL is unchanged
        and the feed has a snapshot on disk.

Every file is written to a temporary file and renamed (generator/atomic.py),
so an interrupted run never leaves half a file behind.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from pathlib import Path
from typing import Any

from .atomic import write_atomic

#: A snapshot's name without its extension: the fetch time in UTC.
STAMP_FORMAT = "%Y%m%dT%H%M%SZ"
#: The conditional-GET state file, inside the snapshots folder.
STATE_FILE = ".fetch-state.json"
SNAPSHOT_SUFFIX = ".xml"
META_SUFFIX = ".meta.json"

_STAMP = re.compile(r"^\d{8}T\d{6}Z$")
_log = logging.getLogger(__name__)


# --- names ------------------------------------------------------------------------------


def format_stamp(when: dt.datetime) -> str:
    """The stamp for a timezone-aware time, e.g. 20261121T060000Z."""
    return when.astimezone(dt.timezone.utc).strftime(STAMP_FORMAT)


def parse_stamp(name: str) -> dt.datetime | None:
    """The UTC time a stamp names, or None if ``name`` is not a stamp."""
    if not _STAMP.match(name):
        return None
    try:
        return dt.datetime.strptime(name, STAMP_FORMAT).replace(tzinfo=dt.timezone.utc)
    except ValueError:
        return None


def meta_path(snapshot: Path) -> Path:
    """The ``<stamp>.meta.json`` beside a ``<stamp>.xml``."""
    return snapshot.with_name(snapshot.stem + META_SUFFIX)


def feed_snapshots(feed_dir: Path) -> list[tuple[Path, dt.datetime]]:
    """A feed's snapshots with their times, oldest first (files not named by a stamp are left out)."""
    found = []
    for path in feed_dir.glob(f"*{SNAPSHOT_SUFFIX}"):
        taken = parse_stamp(path.stem)
        if taken is not None:
            found.append((path, taken))
    return sorted(found, key=lambda pair: pair[1])


def latest_snapshot(feed_dir: Path) -> Path | None:
    found = feed_snapshots(feed_dir)
    return found[-1][0] if found else None


def free_stamp(feed_dir: Path, now: dt.datetime) -> str:
    """The stamp for ``now``, moved on a second at a time past existing snapshots."""
    while (feed_dir / f"{format_stamp(now)}{SNAPSHOT_SUFFIX}").exists():
        now += dt.timedelta(seconds=1)
    return format_stamp(now)


# --- contents ---------------------------------------------------------------------------


def looks_like_html(data: bytes) -> bool:
    """An HTML page rather than a feed: fetch refuses to save it, ingest reports it.

    Its first 8 KiB open an HTML document (``<!doctype html`` or ``<html``)
    before any feed root (``<rss``, ``<feed``, ``<rdf``), if they have one.
    """
    head = data[:8192].lower()
    html_at = min((i for i in (head.find(b"<!doctype html"), head.find(b"<html")) if i >= 0), default=-1)
    if html_at < 0:
        return False
    feed_at = min((i for i in (head.find(b"<rss"), head.find(b"<feed"), head.find(b"<rdf")) if i >= 0), default=-1)
    return feed_at < 0 or html_at < feed_at


def read_meta(snapshot: Path) -> dict:
    """The snapshot's ``.meta.json`` ({} when there is none or it cannot be read)."""
    try:
        meta = json.loads(meta_path(snapshot).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return meta if isinstance(meta, dict) else {}


def json_bytes(value: Any) -> bytes:
    return (json.dumps(value, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def write_snapshot(feed_dir: Path, now: dt.datetime, body: bytes, meta: dict) -> Path:
    """Save a body and its metadata under a free stamp for ``now``; the snapshot's path.

    Both are on disk (fsync) before they get their names, the metadata first:
    snapshots are the source of truth.
    """
    feed_dir.mkdir(parents=True, exist_ok=True)
    stamp = free_stamp(feed_dir, now)
    path = feed_dir / f"{stamp}{SNAPSHOT_SUFFIX}"
    write_atomic(meta_path(path), json_bytes(meta), fsync=True)
    write_atomic(path, body, fsync=True)
    return path


# --- conditional GET state --------------------------------------------------------------


def load_state(path: Path) -> dict[str, dict[str, Any]]:
    """Each feed's validators ({} when the file is missing or unreadable: the next GETs are unconditional)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        _log.warning("ignoring unreadable fetch state %s: %s", path, exc)
        return {}
    if not isinstance(data, dict):
        _log.warning("ignoring fetch state %s: not a JSON object", path)
        return {}
    return {key: value for key, value in data.items() if isinstance(value, dict)}


def save_state(path: Path, state: dict[str, dict[str, Any]]) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, json_bytes(state), fsync=True)
    except OSError as exc:  # the snapshots are saved; only the next conditional GET is lost
        _log.warning("cannot save fetch state %s: %s", path, exc)


def validators(url: str, etag: str | None, last_modified: str | None) -> dict[str, Any] | None:
    """A feed's entry in the state file (None: nothing to send next time)."""
    if etag is None and last_modified is None:
        return None
    return {"etag": etag, "last_modified": last_modified, "url": url}
