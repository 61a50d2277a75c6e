"""Writing under docs/: atomic, only when bytes change, index pages before removals."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from ..atomic import write_atomic
from ..errors import BriefingsError
from ..models import Beat, Briefing, Config
from .briefing import briefing_body, compose, front_matter, with_related
from .entries import Entry, scan
from .pages import RelatedIndex, about_page, archive_index, beat_page, beats_index, home_page, json_feed, month_page, related_entries, rss_feed


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


def write_briefing(docs_dir: Path, rel: str, briefing: Briefing, beat: Beat, config: Config, rank: int, writes: Writes) -> None:
    meta = front_matter(briefing, beat, config, rank)
    body = briefing_body(briefing)
    write_if_changed(docs_dir / rel, compose(meta, body), writes, docs_dir)


def restamp(docs_dir: Path, entry: Entry, rank: int, significance: int, writes: Writes) -> None:
    """Update an unchanged briefing's place in its edition without rewriting its text."""
    if (entry.rank, entry.significance) == (rank, significance):
        return
    path = docs_dir / entry.path
    text = path.read_text(encoding="utf-8")
    end = text.find("\n---\n", 4)
    head, body = text[: end + 5], text[end + 5 :]
    head = re.sub(r"(?m)^rank: \d+$", f"rank: {rank}", head, count=1)
    head = re.sub(r"(?m)^significance: \d+$", f"significance: {significance}", head, count=1)
    write_if_changed(path, head + body, writes, docs_dir)


def write_indexes(docs_dir: Path, config: Config, writes: Writes, leaving: set[str] = frozenset()) -> list[str]:
    """Refresh each briefing's related briefings and every index page from the briefings on disk.

    ``leaving`` names briefings about to be removed: nothing links to them any more.
    Briefings edited by hand are never rewritten.
    """
    entries, problems = scan(docs_dir)
    entries = [e for e in entries if e.path not in leaving]
    beats = {b.id: b for b in config.beats}
    related = RelatedIndex(entries)
    for entry in entries:
        if entry.hand_edited:
            continue
        chosen = tuple(other.path for other in related_entries(entry, entries, index=related))
        if entry.related == chosen:
            continue  # (entry.related is None for a file of a layout without the key: it is migrated)
        path = docs_dir / entry.path
        text = path.read_text(encoding="utf-8")
        write_if_changed(path, with_related(text, chosen), writes, docs_dir)
    write_if_changed(docs_dir / "index.md", home_page(entries, config, beats), writes, docs_dir)
    write_if_changed(docs_dir / "beats" / "index.md", beats_index(config, entries), writes, docs_dir)
    for beat in config.beats:
        write_if_changed(docs_dir / "beats" / f"{beat.id}.md", beat_page(beat, entries, beats), writes, docs_dir)
    months: dict[tuple[int, int], list[Entry]] = defaultdict(list)
    for entry in entries:
        months[(entry.date.year, entry.date.month)].append(entry)
    for (year, month), chosen in months.items():
        write_if_changed(docs_dir / "archive" / f"{year:04d}-{month:02d}.md", month_page(year, month, chosen, beats), writes, docs_dir)
    write_if_changed(docs_dir / "archive" / "index.md", archive_index(months), writes, docs_dir)
    write_if_changed(docs_dir / "about.md", about_page(config), writes, docs_dir)
    write_if_changed(docs_dir / "feed.xml", rss_feed(entries, config), writes, docs_dir)
    write_if_changed(docs_dir / "feed.json", json_feed(entries, config), writes, docs_dir)
    # Pages of beats or months that no longer exist would be orphans: remove generated ones.
    wanted = {f"{b.id}.md" for b in config.beats} | {"index.md"}
    for path in sorted((docs_dir / "beats").glob("*.md")):
        if path.name not in wanted:
            remove(path, writes, docs_dir)
    wanted = {f"{y:04d}-{m:02d}.md" for (y, m) in months} | {"index.md"}
    for path in sorted((docs_dir / "archive").glob("*.md")):
        if path.name not in wanted:
            remove(path, writes, docs_dir)
    return problems
