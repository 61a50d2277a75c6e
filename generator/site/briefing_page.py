"""What a briefing page gets beyond its own Markdown (the chart of how its conversation grew, and a
reading column without sidebars), and the latest briefings the 404 page offers.

A briefing is a page whose front matter has a ``beat`` and a ``generator`` (as in
overrides/main.html). Its chart is drawn from ``timeline:`` (generator/render/charts.py) and
put after the story's text, before its sources; a briefing of fewer than four posts, or whose
front matter has no readable timeline (one from before layout 8, or edited by hand), has none.
Its table of contents would list only "Sources" and "Also in the conversation", and it is not in
the navigation: both sidebars are hidden (``hide:``), and the text keeps a reading width
(docs/assets/briefings.css).
"""

from __future__ import annotations

import datetime as dt

from generator.models import PLATFORMS
from generator.render import significance_label
from generator.render.charts import growth_chart

#: Where the sources start in a briefing's HTML (render writes "## Sources { .brief-sources }").
SOURCES_HEADING = '<h2 class="brief-sources"'
HIDDEN = ("navigation", "toc")


def is_briefing(meta: dict) -> bool:
    return bool(meta.get("beat")) and isinstance(meta.get("generator"), dict)


def hide_sidebars(meta: dict) -> None:
    """Add the sidebars to the page's ``hide:`` (keeping what the front matter already hides)."""
    hidden = meta.get("hide") if isinstance(meta.get("hide"), list) else []
    meta["hide"] = hidden + [h for h in HIDDEN if h not in hidden]


def with_chart(content: str, meta: dict) -> str:
    """The page's HTML with its growth chart after the story's text (before the sources)."""
    chart = growth_chart(meta.get("timeline"), dict(PLATFORMS))
    if not chart:
        return content
    at = content.find(SOURCES_HEADING)
    if at < 0:
        return content + "\n" + chart
    return content[:at] + chart + "\n" + content[at:]


#: Briefings of the latest edition the 404 page lists.
LATEST_SHOWN = 6


class LatestBriefings:
    """The briefings of one build, noted as pages are read, for the 404 page: the latest edition's."""

    def __init__(self) -> None:
        self._seen: dict[str, dict] = {}

    def reset(self) -> None:
        self._seen.clear()

    def read(self, page) -> None:
        """Note a briefing page (its front matter already escaped)."""
        meta = page.meta
        date = meta.get("date")
        if not is_briefing(meta) or not isinstance(date, dt.date):
            return
        categories = meta.get("categories")
        level = meta.get("significance") if meta.get("significance") in ("high", "medium", "low") else "low"
        rank = meta.get("rank")
        self._seen[page.url] = {
            "url": page.url,
            "title": meta.get("title") if isinstance(meta.get("title"), str) else "",
            "description": meta.get("description") if isinstance(meta.get("description"), str) else "",
            "beat": categories[0] if isinstance(categories, list) and categories and isinstance(categories[0], str) else "",
            "date": date,
            "rank": rank if isinstance(rank, int) and not isinstance(rank, bool) else 99,
            "reading_time": meta.get("reading_time") if isinstance(meta.get("reading_time"), int) else 1,
            "level": level,
            "level_label": significance_label(level),
            "lead": meta.get("lead") is True,
        }

    def latest(self) -> list[dict]:
        """The latest edition's briefings, its lead first, then by rank."""
        if not self._seen:
            return []
        day = max(b["date"] for b in self._seen.values())
        found = [b for b in self._seen.values() if b["date"] == day]
        return sorted(found, key=lambda b: (not b["lead"], b["rank"], b["url"]))[:LATEST_SHOWN]
