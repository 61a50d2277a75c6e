"""Bring briefings written by older layouts to the current one, once (``python -m generator migrate``).

A build rewrites the briefings of the editions it builds; briefings whose
snapshots are gone (pruned) are never built again, so their files keep the
layout they were written in. This moves them to the current layout without
touching their text:

- layouts before 4 kept "More briefings" as a block in the Markdown: removed
  (the template draws it from ``related:``);
- layouts before 5 kept the disclaimer in the Markdown: removed (the template
  draws it from the front matter);
- layouts before 6 graded significance from 1 to 5 and had no lead, thread or
  story links: the grade becomes high (5), medium (3–4) or low, the best-ranked
  briefing of each edition becomes its lead, each briefing starts a thread of
  its own, and ``render`` is set to the current version;
- layouts before 8 had no ``timeline:`` (when each post came, for the chart of
  how a conversation grew): it needs the posts, which a migration has not, so
  a migrated briefing shows no such chart.

Briefings edited by hand are left as they are. Links between briefings are
then worked out for the whole archive, as a build does.
"""

from __future__ import annotations

import re
from pathlib import Path

from . import render
from .models import Config

_RELATED_BLOCK = re.compile(r"\n*<!-- more-briefings:start -->.*?<!-- more-briefings:end -->\n*", re.S)
_DISCLAIMER_BLOCK = re.compile(r'\n*<div class="brief-disclaimer" markdown>.*?</div>\n*', re.S)


def _level(value) -> str:
    if isinstance(value, str) and value in render.LEVELS:
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return "high" if value >= 5 else "medium" if value >= 3 else "low"
    return "low"


def migrate(docs_dir: Path, config: Config) -> list[str]:
    """Rewrite every older-layout briefing under docs/ in the current layout; returns the paths changed."""
    archive = render.Archive(docs_dir)
    old = [e for e in archive.entries.values() if not e.hand_edited and e.render_version != render.RENDER_VERSION]
    leads: dict = {}
    for entry in sorted(old, key=lambda e: (e.date, e.rank, e.path)):
        leads.setdefault(entry.date, entry.path)
    for entry in old:
        text = (docs_dir / entry.path).read_text(encoding="utf-8")
        body = text.split("\n---\n", 1)[1] if text.startswith("---\n") and "\n---\n" in text[4:] else text
        body = _DISCLAIMER_BLOCK.sub("\n\n", _RELATED_BLOCK.sub("\n", body)).strip("\n") + "\n"
        meta = dict(entry.meta or {})
        meta["significance"] = _level(meta.get("significance"))
        meta.setdefault("lead", leads.get(entry.date) == entry.path)
        meta.setdefault("thread", meta.get("story") or entry.path)
        meta["generator"] = {**(meta.get("generator") or {}), "render": render.RENDER_VERSION}
        archive.put(entry.path, render.ordered(meta), body)
    writes = render.Writes()
    archive.commit(config, writes)
    return [path for path in writes.written if path.startswith(render.BRIEFINGS_DIR + "/")]
