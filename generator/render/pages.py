"""The pages around the briefings: related briefings, home, beats, archive and about (the feeds: feeds.py)."""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import posixpath
from collections import Counter, defaultdict
from typing import Sequence

import yaml

from ..models import Beat, Config, platform_label
from .briefing import HOME_EDITIONS, md_escape, md_link_target, platform_mix_html, significance_label
from .charts import beats_chart, edition_chart, growth_chart
from .entries import Entry


# --- relations between briefings ------------------------------------------------


@functools.lru_cache(maxsize=8192)  # index pages link to the same pages thousands of times
def _rel(from_path: str, to_path: str) -> str:
    return posixpath.relpath(to_path, posixpath.dirname(from_path))


class RelatedIndex:
    """Where related_entries looks for candidates, so that it does not scan the whole archive
    for every briefing (quadratic: 9 million comparisons at 3,000 briefings).

    A related briefing shares a source or the beat. Those sharing a source are found by
    URL; of the others on the same beat, only the ``limit`` newest not after the briefing
    can make the cut, since among them the score only falls with age. The result is the
    same as scanning every entry.
    """

    def __init__(self, entries: Sequence[Entry]):
        self.by_url: dict[str, list[Entry]] = defaultdict(list)
        by_beat: dict[str, list[Entry]] = defaultdict(list)
        for entry in entries:
            for url in set(entry.source_urls):
                self.by_url[url].append(entry)
            by_beat[entry.beat].append(entry)
        self.by_beat = {beat: sorted(group, key=lambda e: (-e.date.toordinal(), e.path)) for beat, group in by_beat.items()}
        self.keys = {beat: [(-e.date.toordinal(), e.path) for e in group] for beat, group in self.by_beat.items()}

    def candidates(self, entry: Entry, limit: int) -> list[Entry]:
        found = {other.path: other for url in set(entry.source_urls) for other in self.by_url.get(url, ())}
        sharing = set(found)
        group = self.by_beat.get(entry.beat, [])
        start = bisect.bisect_left(self.keys.get(entry.beat, []), (-entry.date.toordinal(), ""))
        taken = 0
        for other in group[start:]:
            if taken >= limit:
                break
            if other.path == entry.path or other.path in sharing:
                continue
            found[other.path] = other
            taken += 1
        return list(found.values())


def related_entries(entry: Entry, entries: Sequence[Entry], limit: int = 3, index: RelatedIndex | None = None,
                    exclude: set[str] = frozenset()) -> list[Entry]:
    """Earlier (or same-day) briefings on the same beat or sharing sources, most related first
    (``exclude``: paths left out, such as the other briefings of the same story)."""
    mine = set(entry.source_urls)
    scored = []
    for other in index.candidates(entry, limit + len(exclude)) if index is not None else entries:
        if other.path == entry.path or other.date > entry.date or other.path in exclude:
            continue
        shared = len(mine & set(other.source_urls))
        same_beat = other.beat == entry.beat
        if not shared and not same_beat:
            continue
        age = (entry.date - other.date).days
        scored.append((-(3 * shared + 2 * same_beat - min(age, 30) / 30), other.date.toordinal() * -1, other.path, other))
    scored.sort(key=lambda t: t[:3])
    return [t[3] for t in scored[:limit]]


def teaser_markdown(
    entry: Entry,
    from_path: str,
    beats: dict[str, Beat],
    level: int = 3,
    lead: bool = False,
    *,
    show_beat: bool = True,
    show_date: bool = True,
) -> str:
    """A teaser: kicker (beat · date · reading time), linked headline, one or two sentences.

    ``show_beat``/``show_date`` drop what the page around it already says (a
    beat page, a list grouped by day); the reading time is always shown. The
    lead teaser also shows the platform mix of the posts behind it.
    """
    beat = beats.get(entry.beat)
    beat_name = beat.name if beat else entry.beat
    cls = "teaser teaser--lead" if lead else "teaser"
    link = _rel(from_path, entry.path)
    beat_link = _rel(from_path, f"beats/{entry.beat}.md") if beat else ""
    facts = []
    if show_beat:
        facts.append(f"[{md_escape(beat_name)}]({beat_link}){{ .teaser__beat }}" if beat_link else md_escape(beat_name))
    if show_date:
        facts.append(f"{entry.date:%-d %b %Y}")
    facts.append(f"{entry.reading_time} min read")
    # One scale everywhere (High, Medium, Low), as the briefing page and the feeds say it.
    facts.append(f'<span class="sig sig--{entry.significance}">{significance_label(entry.significance)} significance</span>')
    if entry.lead and not lead:
        facts.append('<span class="sig sig--lead">Lead story</span>')
    mix = f"\n{platform_mix_html(entry.platforms)}\n" if lead and entry.platforms else ""
    if lead:
        # The lead also shows how its conversation grew (a story of four posts or more).
        chart = growth_chart((entry.meta or {}).get("timeline"), width=460, height=230)
        mix += f"\n{chart}\n" if chart else ""
    # Teasers repeat their briefing's headline and teaser: they stay out of the search
    # index (data-search-exclude), so a search leads to the briefing itself.
    return (
        f'<article class="{cls}" markdown>\n\n'
        f"{' · '.join(facts)}\n"
        "{ .teaser__meta data-search-exclude }\n\n"
        f"{'#' * level} [{md_escape(entry.title)}]({link}) {{ data-search-exclude }}\n\n"
        f"{md_escape(entry.description)}\n"
        "{ .teaser__text }\n"
        f"{mix}\n"
        "</article>\n"
    )


# --- index pages ----------------------------------------------------------------


def _by_date_desc(entries: Sequence[Entry]) -> list[Entry]:
    return sorted(entries, key=lambda e: (-e.date.toordinal(), e.rank, e.path))


def home_page(entries: Sequence[Entry], config: Config, beats: dict[str, Beat]) -> str:
    site = config.site
    lines = [
        "---",
        yaml.safe_dump({"title": site.title, "description": site.description, "hide": ["navigation", "toc"]}, sort_keys=False, allow_unicode=True).strip(),
        "---",
        "",
        f"# {md_escape(site.title)} {{ .masthead }}",
        "",
        md_escape(site.description),
        "{ .home-intro }",
        "",
    ]
    if beats:
        sections = " ".join(f"[{md_escape(b.name)}](beats/{b.id}.md)" for b in beats.values())
        lines += ['<nav class="home-sections" aria-label="Beats" markdown>', "", sections, "", "</nav>", ""]
    if not entries:
        lines.append("No briefings yet: run `make build` once there are snapshots.")
        return "\n".join(lines) + "\n"
    by_day: dict[dt.date, list[Entry]] = defaultdict(list)
    for entry in entries:
        by_day[entry.date].append(entry)
    days = sorted(by_day, reverse=True)[:HOME_EDITIONS]
    latest = sorted(by_day[days[0]], key=lambda e: (e.rank, e.path))
    lead = min(latest, key=lambda e: (not e.lead, e.rank, e.path))
    # The latest edition opens with its lead, larger; every edition lists its other teasers.
    for day in days:
        todays = [e for e in sorted(by_day[day], key=lambda e: (e.rank, e.path)) if e is not lead]
        front = day == days[0]
        if not todays and not front:
            continue
        lines += [f"## {day:%A, %-d %B %Y} {{ .edition-date data-search-exclude }}", "", f'<div class="teasers{" teasers--front" if front else ""}" markdown>', ""]
        if front:
            lines.append(teaser_markdown(lead, "index.md", beats, lead=True, show_date=False))
        lines += [teaser_markdown(e, "index.md", beats, show_date=False) for e in todays]
        lines += ["</div>", ""]
        if front:
            chart = _week_chart(days, by_day, beats)
            if chart:
                lines += ["## The week by beat { .home-week data-search-exclude }", "", chart, ""]
    lines.append("[All briefings by month](archive/index.md){ .md-button } [Subscribe (RSS)](feed.xml){ .md-button }\n{ .home-more }")
    return "\n".join(lines) + "\n"


def _week_chart(days: Sequence[dt.date], by_day: dict[dt.date, list[Entry]], beats: dict[str, Beat]) -> str:
    """The home page's picture of the week: posts by beat over the editions it shows, loudest first."""
    order = {beat_id: n for n, beat_id in enumerate(beats)}
    briefings: Counter = Counter()
    posts: Counter = Counter()
    for day in days:
        for entry in by_day[day]:
            briefings[entry.beat] += 1
            posts[entry.beat] += entry.posts
    rows = [(b, beats[b].name if b in beats else b, briefings[b], posts[b]) for b in briefings]
    rows.sort(key=lambda r: (-r[3], order.get(r[0], len(order)), r[0]))
    return beats_chart(rows, min(days), max(days))


def beat_page(beat: Beat, entries: Sequence[Entry], beats: dict[str, Beat]) -> str:
    path = f"beats/{beat.id}.md"
    mine = _by_date_desc([e for e in entries if e.beat == beat.id])
    lines = [
        "---",
        yaml.safe_dump({"title": beat.name, "description": beat.description}, sort_keys=False, allow_unicode=True).strip(),
        "---",
        "",
        f"# {md_escape(beat.name)}",
        "",
        md_escape(beat.description),
        "{ .beat-description }",
        "",
        # The beat's feeds are linked here only, not from the page's <head>: Material fetches a
        # sitemap.xml beside every <link rel="alternate">, and there is none under beats/<id>/.
        f"{len(mine)} briefing{'s' if len(mine) != 1 else ''}, newest first · "
        f"[Follow this beat (RSS)]({beat.id}/feed.xml){{ .beat-feed }} · [JSON Feed]({beat.id}/feed.json)",
        "{ .beat-count }",
        "",
    ]
    editions = sorted({e.date for e in entries})
    mine_by_day: dict[dt.date, list[Entry]] = defaultdict(list)
    for entry in mine:
        mine_by_day[entry.date].append(entry)
    chart = edition_chart(beat.name, [(d, len(mine_by_day[d]), sum(e.posts for e in mine_by_day[d])) for d in editions])
    if chart:
        lines += [chart, ""]
    month = None
    for entry in mine:
        if (entry.date.year, entry.date.month) != month:
            month = (entry.date.year, entry.date.month)
            lines += [f"## {entry.date:%B %Y} {{ .list-date data-search-exclude }}", ""]
        lines.append(teaser_markdown(entry, path, beats, show_beat=False))
    return "\n".join(lines) + "\n"


def beats_index(config: Config, entries: Sequence[Entry]) -> str:
    counts = Counter(e.beat for e in entries)
    lines = ["---", "title: Beats", "description: The topics the briefings are filed under.", "---", "", "# Beats", ""]
    for beat in config.beats:
        lines += [f"## [{md_escape(beat.name)}]({beat.id}.md)", "", md_escape(beat.description), "", f"{counts.get(beat.id, 0)} briefings.", ""]
    return "\n".join(lines) + "\n"


def month_page(year: int, month: int, entries: Sequence[Entry], beats: dict[str, Beat]) -> str:
    path = f"archive/{year:04d}-{month:02d}.md"
    first = dt.date(year, month, 1)
    lines = [
        "---",
        f"title: Briefings of {first:%B %Y}",
        f"description: Every briefing published in {first:%B %Y}, newest first.",
        "---",
        "",
        f"# {first:%B %Y}",
        "",
        f"[All months](index.md) · {len(entries)} briefing{'s' if len(entries) != 1 else ''}, newest first.",
        "{ .archive-intro }",
        "",
    ]
    day = None
    for entry in _by_date_desc(entries):
        if entry.date != day:
            day = entry.date
            lines += [f"## {day:%A, %-d %B} {{ .list-date data-search-exclude }}", ""]
        lines.append(teaser_markdown(entry, path, beats, show_date=False))
    return "\n".join(lines) + "\n"


def archive_index(months: dict[tuple[int, int], list[Entry]]) -> str:
    lines = ["---", "title: Archive", "description: Every briefing, by month.", "---", "", "# Archive", ""]
    year = None
    for (y, m) in sorted(months, reverse=True):
        if y != year:
            year = y
            lines += [f"## {y}", ""]
        n = len(months[(y, m)])
        days = len({e.date for e in months[(y, m)]})
        lines.append(f"- [{dt.date(y, m, 1):%B %Y}]({y:04d}-{m:02d}.md) — {n} briefings in {days} editions")
    if not months:
        lines.append("No briefings yet.")
    return "\n".join(lines) + "\n"


def about_page(config: Config) -> str:
    lines = [
        "---",
        "title: About",
        "description: How these briefings are made, and every source they are made from.",
        "---",
        "",
        "# About these briefings",
        "",
        md_escape(config.site.description),
        "",
        "## What you are reading",
        "",
        "### Stories and editions",
        "",
        "A **briefing** tells one **story**: what people said, over one day, about one event or argument in AI. "
        "It quotes them in their own words, and every quotation has a numbered footnote that leads to the post it came from. "
        "Under the footnotes, *Also in the conversation* lists the story's other posts, so that every post a briefing counts is one you can open.",
        "",
        "An **edition** is one day's briefings (days run midnight to midnight, UTC). Each post belongs to one edition only: "
        "the day it first appeared in the feeds below.",
        "",
        "### Significance",
        "",
        "Each briefing is marked **High**, **Medium** or **Low** significance: how much more talked about its story was than "
        "what its beat usually sees, counting posts, the different sources and platforms they came from, and how quickly they came. "
        "High means well above the usual, on at least two platforms; Low, a usual day or a quiet one. "
        "Each edition has one **lead story**: its most talked-about story, which opens the front page.",
        "",
        "### Follow-ups",
        "",
        "A story that goes on for several days gets a briefing each day that tells what is new. "
        "Each links back to the one it follows (*Follows:*) and on to the later ones (*Update:*).",
        "",
        "### Charts",
        "",
        "A briefing of four posts or more shows how its conversation grew: the posts on each platform, hour by hour after the first. "
        "Each beat's page shows how many posts its briefings drew, edition by edition, and the front page the week's posts by beat.",
        "",
        "## How a briefing is made",
        "",
        "1. **Collected.** The public feeds listed below are read several times a day, and a copy of each is kept.",
        "2. **Sorted.** Posts about AI are grouped into stories by the words they share, and each story is filed under a beat.",
        "3. **Written.** Claude, a language model made by Anthropic, writes a briefing from the story's posts, and may only quote words "
        "it points to in a post: an answer that quotes anything no post says is turned down. "
        "Without Claude, a briefing is put together from sentences copied word for word from the posts, joined by set phrases. "
        "Each briefing says which of the two made it.",
        "4. **Checked.** Under each briefing, a note gives the share of its sentences that carry a footnote "
        "and the share of its quotations found word for word in their post.",
        "",
        "Text from the feeds is shown as plain text: nothing in a post can run on this site. "
        "Briefings may contain mistakes. The footnotes are the record: follow them.",
        "",
        "## Beats",
        "",
    ]
    for beat in config.beats:
        lines += [f"- [{md_escape(beat.name)}](beats/{beat.id}.md): {md_escape(beat.description)}"]
    lines += ["", "## Sources", "", "| Feed | Platform | Beats | Address |", "| --- | --- | --- | --- |"]
    beats = {b.id: b for b in config.beats}
    for feed in config.feeds:
        target = md_link_target(feed.url)
        name = md_escape(feed.title) + ("" if feed.enabled else " (paused)")
        beat_names = ", ".join(md_escape(beats[b].name) for b in feed.beats if b in beats)
        lines.append(f"| {name} | {md_escape(platform_label(feed.platform))} | {beat_names} | [{md_escape(feed.url)}]({target}) |")
    lines += ["", "## Subscribe", "", "Every briefing, whole, in your feed reader:", "",
              "- [RSS feed of the briefings](feed.xml)", "- [JSON Feed of the briefings](feed.json)"]
    lines += [f"- {md_escape(beat.name)}: [RSS](beats/{beat.id}/feed.xml), [JSON Feed](beats/{beat.id}/feed.json)"
              for beat in config.beats]
    lines.append("")
    return "\n".join(lines) + "\n"
