"""What a briefing page gets beyond its own Markdown: the chart of how its conversation grew, and a
reading column without sidebars.

A briefing is a page whose front matter has a ``beat`` and a ``generator`` (as in
overrides/main.html). Its chart is drawn from ``timeline:`` (generator/render/charts.py) and
put after the story's text, before its sources; a briefing of fewer than four posts, or whose
front matter has no readable timeline (one from before layout 7, or edited by hand), has none.
Its table of contents would list only "Sources" and "Also in the conversation", and it is not in
the navigation: both sidebars are hidden (``hide:``), and the text keeps a reading width
(docs/assets/briefings.css).
"""

from __future__ import annotations

from generator.models import PLATFORMS
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
