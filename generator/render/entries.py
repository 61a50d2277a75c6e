"""The briefings already under docs/, read back from their front matter."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import yaml

from .briefing import BRIEFINGS_DIR, HAND_EDITED_KEY, RELATED_KEY


# --- data read back from docs/ -------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """A briefing file on disk, as the index pages need it."""

    #: Path relative to docs/, with forward slashes.
    path: str
    title: str
    description: str
    date: dt.date
    beat: str
    rank: int
    reading_time: int
    significance: int
    writer: str
    inputs_hash: str
    hand_edited: bool
    source_urls: tuple[str, ...] = ()
    source_names: tuple[str, ...] = ()
    platforms: tuple[tuple[str, int], ...] = ()
    published: str = ""
    render_version: str = ""
    #: Paths under docs/ of the related briefings its front matter lists; None without the key
    #: (layouts before version 4 kept them in the Markdown).
    related: tuple[str, ...] | None = None

    @property
    def url(self) -> str:
        """Site URL of the page, relative to the site root (directory URLs)."""
        return self.path[: -len(".md")] + "/"


def read_front_matter(path: Path) -> dict | None:
    """The YAML front matter of a Markdown file, or None when it has none or it is broken."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    head = _front_matter_text(text)
    return _parse_front_matter(head) if head is not None else None


def _front_matter_text(text: str) -> str | None:
    if not text.startswith("---\n"):
        return None
    end = text.find("\n---\n", 4)
    return text[4:end] if end >= 0 else None


def _parse_front_matter(head: str) -> dict | None:
    try:
        meta = yaml.load(head, Loader=yaml.CSafeLoader)
    except yaml.YAMLError:
        return None
    return meta if isinstance(meta, dict) else None


#: The entries of the last scan, by (path under docs/, front matter text). pipeline.build
#: scans docs/ and write_indexes scans it again: files whose front matter did not change
#: are not parsed twice (YAML is most of a scan's time).
_last_scan: dict[tuple[str, str | None], Entry | None] = {}


def scan(docs_dir: Path) -> tuple[list[Entry], list[str]]:
    """Every briefing under docs/briefings/, oldest first, plus problems with unreadable ones."""
    root = docs_dir / BRIEFINGS_DIR
    entries: list[Entry] = []
    problems: list[str] = []
    if not root.is_dir():
        return entries, problems
    seen: dict[tuple[str, str | None], Entry | None] = {}
    for path in sorted(root.rglob("*.md")):
        rel = path.relative_to(docs_dir).as_posix()
        try:
            head = _front_matter_text(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError):
            head = None
        key = (rel, head)
        if key in _last_scan:
            entry = _last_scan[key]
        else:
            meta = _parse_front_matter(head) if head is not None else None
            entry = _entry_from_meta(rel, meta) if meta else None
        seen[key] = entry
        if entry is None:
            problems.append(f"{rel}: no readable front matter with title, date and categories; left out of the index pages")
            continue
        entries.append(entry)
    _last_scan.clear()
    _last_scan.update(seen)
    entries.sort(key=lambda e: (e.date, e.rank, e.path))
    return entries, problems


def _entry_from_meta(rel: str, meta: dict) -> Entry | None:
    try:
        date = meta["date"]
        if isinstance(date, dt.datetime):
            date = date.date()
        elif isinstance(date, str):
            date = dt.date.fromisoformat(date[:10])
        if not isinstance(date, dt.date):
            return None
        generator = meta.get("generator") or {}
        sources = meta.get("sources") or []
        platforms = meta.get("platforms") or {}
        related = meta.get(RELATED_KEY)
        return Entry(
            path=rel,
            title=str(meta["title"]),
            description=str(meta.get("description", "")),
            date=date,
            beat=str(meta.get("beat") or ""),
            rank=int(meta.get("rank", 99)),
            reading_time=int(meta.get("reading_time", 1)),
            significance=int(meta.get("significance", 1)),
            writer=str(generator.get("writer", "")),
            inputs_hash=str(generator.get("inputs_hash", "")),
            render_version=str(generator.get("render", "")),
            hand_edited=bool(meta.get(HAND_EDITED_KEY, False)),
            source_urls=tuple(str(s.get("url", "")) for s in sources if isinstance(s, dict)),
            source_names=tuple(sorted({str(s.get("feed") or s.get("author") or "") for s in sources if isinstance(s, dict)} - {""})),
            platforms=tuple((str(k), int(v)) for k, v in platforms.items()) if isinstance(platforms, dict) else (),
            published=str(meta.get("published", "")),
            related=tuple(str(p) for p in related) if isinstance(related, list) else None,
        )
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
