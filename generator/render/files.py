"""Writing under docs/: atomic, only when bytes change, index pages before removals."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from ..atomic import write_atomic
from ..errors import BriefingsError
from ..models import Config
from .briefing import FOLLOWS_KEY, RELATED_KEY, UPDATES_KEY, briefing_body, compose, front_matter, ordered
from .entries import Entry, entry_from_meta, scan
from .feeds import FeedBodies, Feeds
from .pages import RelatedIndex, about_page, archive_index, beat_page, beats_index, home_page, month_page, related_entries


# --- writing --------------------------------------------------------------------


class WriteError(BriefingsError):
    """docs/ cannot be written (read-only, full disk): the build stops; files already there stay whole."""

    def __init__(self, path: Path, exc: OSError):
        self.path = path
        super().__init__(f"cannot write {path}: {exc.strerror or exc}")


@dataclass
class Writes:
    """What a render pass changed under docs/."""

    written: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


def write_if_changed(path: Path, data: str | bytes, writes: Writes, docs_dir: Path) -> None:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    try:
        if path.read_bytes() == raw:
            return
    except OSError:
        pass
    try:
        write_atomic(path, raw)
    except OSError as exc:
        raise WriteError(path, exc) from exc
    writes.written.append(path.relative_to(docs_dir).as_posix())


def remove(path: Path, writes: Writes, docs_dir: Path) -> None:
    try:
        path.unlink(missing_ok=True)
    except OSError as exc:
        raise WriteError(path, exc) from exc
    writes.removed.append(path.relative_to(docs_dir).as_posix())
    parent = path.parent
    while parent != docs_dir and parent.is_dir() and not any(parent.iterdir()):
        try:
            parent.rmdir()
        except OSError:
            break  # an empty folder left behind is harmless
        parent = parent.parent


def _body_of(text: str) -> str:
    """A briefing file's Markdown after its front matter."""
    if text.startswith("---\n"):
        end = text.find("\n---\n", 4)
        if end >= 0:
            return text[end + 5 :].lstrip("\n")
    return text


class Archive:
    """The briefings under docs/, loaded once, changed in memory, written in one step.

    A build puts new briefings in, restamps kept ones (their rank and level in
    an edition) and drops stale ones; :meth:`commit` then works out every
    briefing's links (related briefings, and the earlier and later briefings of
    the same story) from the whole archive, writes the briefings whose front
    matter or text changed, then the index pages and feeds, and removes what
    was dropped last, so that no page links to a removed one. A briefing edited
    by hand is never rewritten.
    """

    def __init__(self, docs_dir: Path):
        self.docs_dir = docs_dir
        entries, self.problems = scan(docs_dir)
        self.entries: dict[str, Entry] = {e.path: e for e in entries}
        self._loaded = {e.path: e.meta for e in entries}
        self._bodies: dict[str, str] = {}
        self._dropped: set[str] = set()

    def by_date(self) -> dict[dt.date, list[Entry]]:
        out: dict[dt.date, list[Entry]] = defaultdict(list)
        for entry in self.entries.values():
            out[entry.date].append(entry)
        return out

    def put(self, rel: str, meta: dict, body: str | None = None) -> None:
        """Set a briefing's front matter (and text, for a new one) at ``rel``."""
        entry = entry_from_meta(rel, meta)
        if entry is None:
            raise ValueError(f"{rel}: front matter without title, date or categories")
        self.entries[rel] = entry
        self._dropped.discard(rel)
        if body is not None:
            self._bodies[rel] = body

    def body(self, rel: str) -> str | None:
        """A briefing's Markdown as it now stands (after its front matter), or None if it cannot be read."""
        if rel in self._bodies:
            return self._bodies[rel]
        try:
            return _body_of((self.docs_dir / rel).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError):
            return None

    def drop(self, rel: str) -> None:
        self.entries.pop(rel, None)
        self._bodies.pop(rel, None)
        if rel in self._loaded:
            self._dropped.add(rel)

    def commit(self, config: Config, writes: Writes) -> list[str]:
        """Write every change under docs/ (see the class); returns problems found on the way."""
        entries = sorted(self.entries.values(), key=lambda e: (e.date, e.rank, e.path))
        links = _links(entries)
        leads = _leads(entries)
        for entry in entries:
            meta = entry.meta or {}
            if not entry.hand_edited:
                meta = ordered({**meta, **links[entry.path], "lead": entry.path in leads})
                meta = {k: v for k, v in meta.items() if v is not None}
            body = self._bodies.get(entry.path)
            if body is None and meta == self._loaded.get(entry.path):
                continue  # nothing about this briefing changed
            if entry.hand_edited and body is None:
                continue
            path = self.docs_dir / entry.path
            if body is None:
                try:
                    body = _body_of(path.read_text(encoding="utf-8"))
                except (OSError, UnicodeDecodeError) as exc:
                    self.problems.append(f"{entry.path}: cannot be read again to update its links ({exc})")
                    continue
            write_if_changed(path, compose(meta, body), writes, self.docs_dir)
            final = entry_from_meta(entry.path, meta)
            if final is not None:
                self.entries[entry.path] = final
        _write_pages(self.docs_dir, config, sorted(self.entries.values(), key=lambda e: (e.date, e.rank, e.path)), writes,
                     FeedBodies(self.body))
        for rel in sorted(self._dropped):
            remove(self.docs_dir / rel, writes, self.docs_dir)
        return list(self.problems)


def write_briefings(docs_dir: Path, config: Config, placed, writes: Writes) -> list[str]:
    """Put briefings at the given paths and commit the archive (for callers outside the
    pipeline: tests, benchmarks). ``placed``: (path under docs/, Briefing, Beat, rank) each."""
    archive = Archive(docs_dir)
    for rel, briefing, beat, rank in placed:
        archive.put(rel, front_matter(briefing, beat, config, rank), briefing_body(briefing))
    return archive.commit(config, writes)


def _leads(entries: Sequence[Entry]) -> set[str]:
    """The one lead story of each edition: of the briefings marked ``lead``, one edited by hand (it
    cannot be changed), else the best ranked. A briefing kept from an earlier build of its edition
    may still say ``lead: true`` beside the new lead: it says false from now on."""
    chosen: dict[dt.date, Entry] = {}
    for entry in entries:
        if entry.lead:
            best = chosen.get(entry.date)
            if best is None or (not entry.hand_edited, entry.rank, entry.path) < (not best.hand_edited, best.rank, best.path):
                chosen[entry.date] = entry
    return {entry.path for entry in chosen.values()}


def _links(entries: Sequence[Entry]) -> dict[str, dict]:
    """For each briefing, the keys that link it to others: related, follows and updates."""
    threads: dict[str, list[Entry]] = defaultdict(list)
    for entry in entries:
        threads[entry.thread or entry.path].append(entry)
    out: dict[str, dict] = {}
    related = RelatedIndex(entries)
    for members in threads.values():
        members.sort(key=lambda e: (e.date, e.rank, e.path))
        for k, entry in enumerate(members):
            out[entry.path] = {
                FOLLOWS_KEY: members[k - 1].path if k else None,
                UPDATES_KEY: [e.path for e in members[k + 1 :]] or None,
            }
    for entry in entries:
        same = {e.path for e in threads[entry.thread or entry.path]}
        chosen = [other.path for other in related_entries(entry, entries, index=related, exclude=same)]
        out[entry.path][RELATED_KEY] = chosen
    return out


def _write_pages(docs_dir: Path, config: Config, entries: list[Entry], writes: Writes, bodies: FeedBodies) -> None:
    """The home, beat, archive and about pages and the feeds, from the final list of briefings."""
    beats = {b.id: b for b in config.beats}
    write_if_changed(docs_dir / "index.md", home_page(entries, config, beats), writes, docs_dir)
    write_if_changed(docs_dir / "beats" / "index.md", beats_index(config, entries), writes, docs_dir)
    feeds = Feeds(entries, config, bodies)
    for beat in config.beats:
        write_if_changed(docs_dir / "beats" / f"{beat.id}.md", beat_page(beat, entries, beats), writes, docs_dir)
        write_if_changed(docs_dir / "beats" / beat.id / "feed.xml", feeds.rss(beat), writes, docs_dir)
        write_if_changed(docs_dir / "beats" / beat.id / "feed.json", feeds.json(beat), writes, docs_dir)
    months: dict[tuple[int, int], list[Entry]] = defaultdict(list)
    for entry in entries:
        months[(entry.date.year, entry.date.month)].append(entry)
    for (year, month), chosen in months.items():
        write_if_changed(docs_dir / "archive" / f"{year:04d}-{month:02d}.md", month_page(year, month, chosen, beats), writes, docs_dir)
    write_if_changed(docs_dir / "archive" / "index.md", archive_index(months), writes, docs_dir)
    write_if_changed(docs_dir / "about.md", about_page(config), writes, docs_dir)
    write_if_changed(docs_dir / "feed.xml", feeds.rss(), writes, docs_dir)
    write_if_changed(docs_dir / "feed.json", feeds.json(), writes, docs_dir)
    # Pages and feeds of beats or months that no longer exist would be orphans: remove generated ones.
    wanted = {f"{b.id}.md" for b in config.beats} | {"index.md"}
    for path in sorted((docs_dir / "beats").glob("*.md")):
        if path.name not in wanted:
            remove(path, writes, docs_dir)
    for path in sorted((docs_dir / "beats").glob("*/feed.*")):
        if path.parent.name not in beats and path.name in ("feed.xml", "feed.json"):
            remove(path, writes, docs_dir)
    wanted = {f"{y:04d}-{m:02d}.md" for (y, m) in months} | {"index.md"}
    for path in sorted((docs_dir / "archive").glob("*.md")):
        if path.name not in wanted:
            remove(path, writes, docs_dir)
