"""The briefings already under docs/, read back from their front matter."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .briefing import BRIEFINGS_DIR, HAND_EDITED_KEY, LEVELS, RELATED_KEY


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
    #: "high", "medium" or "low".
    significance: str
    writer: str
    inputs_hash: str
    hand_edited: bool
    source_urls: tuple[str, ...] = ()
    source_names: tuple[str, ...] = ()
    platforms: tuple[tuple[str, int], ...] = ()
    published: str = ""
    render_version: str = ""
    #: Paths under docs/ of the related briefings its front matter lists.
    related: tuple[str, ...] = ()
    #: True for the lead story of its edition.
    lead: bool = False
    #: The story it tells and the conversation (thread) that story belongs to.
    story: str = ""
    thread: str = ""
    #: Number of posts behind it.
    posts: int = 0
    #: The whole front matter, as read.
    meta: dict | None = field(default=None, compare=False, hash=False, repr=False)

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


def scan(docs_dir: Path) -> tuple[list[Entry], list[str]]:
    """Every briefing under docs/briefings/, oldest first, plus problems with unreadable ones."""
    root = docs_dir / BRIEFINGS_DIR
    entries: list[Entry] = []
    problems: list[str] = []
    if not root.is_dir():
        return entries, problems
    for path in sorted(root.rglob("*.md")):
        rel = path.relative_to(docs_dir).as_posix()
        meta = read_front_matter(path)
        entry = _entry_from_meta(rel, meta) if meta else None
        if entry is None:
            problems.append(f"{rel}: no readable front matter with title, date and categories; left out of the index pages")
            continue
        entries.append(entry)
    entries.sort(key=lambda e: (e.date, e.rank, e.path))
    return entries, problems


def entry_from_meta(rel: str, meta: dict) -> Entry | None:
    """An Entry for a briefing at ``rel`` (path under docs/) with this front matter, or None."""
    return _entry_from_meta(rel, meta)


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
            significance=_level(meta.get("significance")),
            lead=bool(meta.get("lead", False)),
            story=str(meta.get("story") or ""),
            thread=str(meta.get("thread") or meta.get("story") or ""),
            posts=int(meta.get("posts") or 0),
            meta=meta,
            writer=str(generator.get("writer", "")),
            inputs_hash=str(generator.get("inputs_hash", "")),
            render_version=str(generator.get("render", "")),
            hand_edited=bool(meta.get(HAND_EDITED_KEY, False)),
            source_urls=tuple(str(s.get("url", "")) for s in sources if isinstance(s, dict)),
            source_names=tuple(sorted({str(s.get("feed") or s.get("author") or "") for s in sources if isinstance(s, dict)} - {""})),
            platforms=tuple((str(k), int(v)) for k, v in platforms.items()) if isinstance(platforms, dict) else (),
            published=str(meta.get("published", "")),
            related=tuple(str(p) for p in related) if isinstance(related, list) else (),
        )
    except (KeyError, TypeError, ValueError, AttributeError):
        return None


def _level(value) -> str:
    """A significance level; a number (layouts before version 6: 1 to 5) becomes the nearest level."""
    if isinstance(value, str) and value in LEVELS:
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return "high" if value >= 5 else "medium" if value >= 3 else "low"
    return "low"
