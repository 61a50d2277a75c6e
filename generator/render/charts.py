"""Charts as inline SVG, drawn at build time: no script, nothing fetched from anywhere.

Each chart is a ``<figure>``: the SVG (``role="img"`` with an ``aria-label``
that says what it shows), a visible caption, and a visually hidden table of
the same figures for screen readers. Shapes take their colours from CSS
classes (``docs/assets/briefings.css``: the platform colours, the accent)
and text is drawn in ``currentColor``, so the charts follow light and dark
mode. Every string that goes in is escaped here; numbers are formatted here.

- :func:`growth_chart`: how a story's conversation grew, posts per platform
  over the hours after its first post (a briefing, from ``timeline:``);
- :func:`edition_chart`: a beat's posts per edition;
- :func:`beats_chart`: the week's posts by beat (the home page).
"""

from __future__ import annotations

import datetime as dt
import html
import math
from typing import Sequence

from slugify import slugify

from ..models import platform_label

#: A briefing gets a growth chart from this many posts on.
MIN_POSTS = 4
#: Editions a beat's chart shows (the newest).
EDITIONS_SHOWN = 30


def _e(text: str) -> str:
    return html.escape(" ".join(str(text).split()), quote=True)


def _n(value: float) -> str:
    """A coordinate: one decimal, no trailing zero."""
    return f"{value:.1f}".removesuffix(".0")


def _nice_step(top: float, ticks: int = 4) -> int:
    """A round whole step (1, 2, 5 × 10^k) that cuts 0..top into about ``ticks`` parts."""
    raw = max(top, 1) / ticks
    if raw <= 1:
        return 1
    power = 10 ** math.floor(math.log10(raw))
    return int(next(m * power for m in (1, 2, 5, 10) if m * power >= raw))


def _hidden_table(caption: str, head: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    head_html = "".join(f'<th scope="col">{_e(h)}</th>' for h in head)
    body = "".join("<tr>" + "".join(f"<td>{_e(c)}</td>" for c in row) + "</tr>" for row in rows)
    # Hidden by a wrapper (a table keeps its width whatever width it is given), a <section>: inside a
    # Markdown <div> (md_in_html), a <div> within raw HTML gets its closing tags moved.
    return (f'<section class="visually-hidden"><table><caption>{_e(caption)}</caption>'
            f"<thead><tr>{head_html}</tr></thead><tbody>{body}</tbody></table></section>")


def _figure(kind: str, label: str, caption: str, svg_body: str, width: int, height: int, table: str) -> str:
    return (
        f'<figure class="chart chart--{kind}">'
        f'<svg class="chart__svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-label="{_e(label)}" xmlns="http://www.w3.org/2000/svg" focusable="false">{svg_body}</svg>'
        f'<figcaption class="chart__caption">{_e(caption)}</figcaption>{table}</figure>'
    )


# --- a story's growth, by platform -------------------------------------------------------------


def parse_timeline(timeline) -> tuple[dt.datetime, list[tuple[str, list[float]]]] | None:
    """``timeline:`` front matter ({from, hours: {platform: "0 3.2 5"}}) as (start, [(platform, hours)]);
    None when it is missing or unreadable (a hand-edited file may hold anything)."""
    if not isinstance(timeline, dict) or not isinstance(timeline.get("hours"), dict):
        return None
    try:
        start = dt.datetime.fromisoformat(str(timeline.get("from")))
    except ValueError:
        return None
    series = []
    for platform, line in timeline["hours"].items():
        try:
            hours = sorted(float(h) for h in str(line).split())
        except ValueError:
            return None
        if hours and all(math.isfinite(h) and 0 <= h < 24 * 366 for h in hours):
            series.append((str(platform), hours))
    return (start, series) if series else None


def growth_chart(timeline, platform_names: dict[str, str] | None = None, *, width: int = 560, height: int = 250) -> str:
    """How the conversation grew: posts so far on each platform, hour by hour after the first post,
    drawn ``width`` × ``height`` (CSS pixels at its natural size). "" when the timeline holds fewer
    than MIN_POSTS posts."""
    parsed = parse_timeline(timeline)
    if parsed is None:
        return ""
    start, series = parsed
    total = sum(len(h) for _, h in series)
    if total < MIN_POSTS:
        return ""
    names = platform_names or {}

    def name(platform: str) -> str:
        return names.get(platform) or platform_label(platform)

    left, right, top, bottom = 34, 140, 14, 36
    span = max(1.0, max(h[-1] for _, h in series))
    span = _nice_step(span, 6) * math.ceil(span / _nice_step(span, 6))
    most = max(len(h) for _, h in series)
    y_step = _nice_step(most, 4)
    y_top = y_step * math.ceil(most / y_step)
    plot_w, plot_h = width - left - right, height - top - bottom

    def x(hours: float) -> float:
        return left + plot_w * hours / span

    def y(count: float) -> float:
        return top + plot_h * (1 - count / y_top)

    parts = []
    # gridlines and the axes' numbers
    count = 0.0
    while count <= y_top + 1e-9:
        parts.append(f'<line class="chart__grid" x1="{left}" x2="{left + plot_w}" y1="{_n(y(count))}" y2="{_n(y(count))}"/>')
        parts.append(f'<text class="chart__tick" x="{left - 6}" y="{_n(y(count) + 4)}" text-anchor="end">{int(count)}</text>')
        count += y_step
    x_step = _nice_step(span, 6)
    hours = 0.0
    while hours <= span + 1e-9:
        parts.append(f'<text class="chart__tick" x="{_n(x(hours))}" y="{height - bottom + 18}" text-anchor="middle">{_n(hours)} h</text>')
        hours += x_step
    parts.append(f'<line class="chart__axis" x1="{left}" x2="{left + plot_w}" y1="{_n(y(0))}" y2="{_n(y(0))}"/>')
    # one stepped line per platform: its posts so far
    ends = []
    for platform, times in series:
        cls = _e(slugify(platform))
        points = [f"M{_n(x(times[0]))} {_n(y(0))}"]
        for k, t in enumerate(times, start=1):
            points.append(f"H{_n(x(t))}V{_n(y(k))}")
        points.append(f"H{_n(x(span))}")
        parts.append(f'<path class="chart__line chart--{cls}" d="{"".join(points)}"/>')
        for k, t in enumerate(times, start=1):
            parts.append(f'<circle class="chart__dot chart--{cls}" cx="{_n(x(t))}" cy="{_n(y(k))}" r="3"/>')
        ends.append([y(len(times)), platform, len(times)])
    # labels at the lines' ends, pushed apart so they never overlap
    ends.sort(key=lambda e: (e[0], e[1]))
    for k in range(1, len(ends)):
        ends[k][0] = max(ends[k][0], ends[k - 1][0] + 17)
    overflow = ends[-1][0] - (top + plot_h) if ends else 0
    if overflow > 0:
        for end in ends:
            end[0] -= overflow
    for label_y, platform, n in ends:
        cls = _e(slugify(platform))
        parts.append(f'<rect class="chart__key chart--{cls}" x="{left + plot_w + 8}" y="{_n(label_y - 5)}" width="10" height="10" rx="2"/>')
        parts.append(f'<text class="chart__label" x="{left + plot_w + 22}" y="{_n(label_y + 4)}">{_e(name(platform))} {n}</text>')
    order = sorted(series, key=lambda s: (s[1][0], s[0]))
    said = ", ".join(
        f"{name(p)} {len(h)} from {'the start' if h[0] == 0 else _n(h[0]) + ' h'}" for p, h in order)
    label = (f"How the conversation grew: {total} posts over {_n(series_span(series))} hours after the first post "
             f"({start:%-d %b, %H:%M} UTC). Posts per platform and when each platform joined: {said}.")
    rows = [(name(p), f"{_n(h[0])} h", f"{_n(h[-1])} h", str(len(h))) for p, h in order]
    table = _hidden_table("Posts per platform, in hours after the first post",
                          ("Platform", "First post", "Latest post", "Posts"), rows)
    caption = f"How the conversation grew: posts so far on each platform, in hours after the first post ({start:%-d %b, %H:%M} UTC)."
    return _figure("growth", label, caption, "".join(parts), width, height, table)


def series_span(series) -> float:
    return max(h[-1] for _, h in series)


# --- bars: a beat's editions, the week's beats --------------------------------------------------


def edition_chart(beat_name: str, editions: Sequence[tuple[dt.date, int, int]]) -> str:
    """A beat's posts per edition: (date, briefings, posts) for each edition of the site, oldest first;
    the newest EDITIONS_SHOWN are drawn. "" when the beat has no posts in them."""
    shown = list(editions)[-EDITIONS_SHOWN:]
    if not shown or not any(posts for _, _, posts in shown):
        return ""
    width, height = 560, 210
    left, right, top, bottom = 34, 8, 18, 36
    plot_w, plot_h = width - left - right, height - top - bottom
    most = max(posts for _, _, posts in shown)
    step = _nice_step(most, 4)
    y_top = step * math.ceil(most / step)
    slot = plot_w / len(shown)
    bar = max(2.0, min(36.0, slot * 0.7))
    parts = []
    count = 0.0
    while count <= y_top + 1e-9:
        y = top + plot_h * (1 - count / y_top)
        parts.append(f'<line class="chart__grid" x1="{left}" x2="{left + plot_w}" y1="{_n(y)}" y2="{_n(y)}"/>')
        parts.append(f'<text class="chart__tick" x="{left - 6}" y="{_n(y + 4)}" text-anchor="end">{int(count)}</text>')
        count += step
    every = max(1, math.ceil(len(shown) / 5))
    for k, (day, briefings, posts) in enumerate(shown):
        cx = left + slot * (k + 0.5)
        h = plot_h * posts / y_top
        if posts:
            parts.append(f'<rect class="chart__bar" x="{_n(cx - bar / 2)}" y="{_n(top + plot_h - h)}" width="{_n(bar)}" '
                         f'height="{_n(h)}" rx="1.5"/>')
            if len(shown) <= 14:
                parts.append(f'<text class="chart__value" x="{_n(cx)}" y="{_n(top + plot_h - h - 4)}" text-anchor="middle">{posts}</text>')
        if k % every == 0 or k == len(shown) - 1:
            parts.append(f'<text class="chart__tick" x="{_n(cx)}" y="{height - bottom + 18}" text-anchor="middle">{day:%-d %b}</text>')
    parts.append(f'<line class="chart__axis" x1="{left}" x2="{left + plot_w}" y1="{top + plot_h}" y2="{top + plot_h}"/>')
    total = sum(posts for _, _, posts in shown)
    first, last = shown[0][0], shown[-1][0]
    busiest = max(shown, key=lambda e: (e[2], e[0]))
    label = (f"{beat_name}: posts per edition, {first:%-d %b %Y} to {last:%-d %b %Y}: {total} posts in "
             f"{sum(b for _, b, _ in shown)} briefings over {len(shown)} editions; the busiest, {busiest[0]:%-d %b}, "
             f"had {busiest[2]}.")
    rows = [(f"{day:%-d %b %Y}", str(b), str(p)) for day, b, p in reversed(shown)]
    table = _hidden_table(f"{beat_name}: posts per edition", ("Edition", "Briefings", "Posts"), rows)
    caption = f"Posts behind this beat's briefings, edition by edition ({len(shown)} editions)."
    return _figure("editions", label, caption, "".join(parts), width, height, table)


def beats_chart(rows: Sequence[tuple[str, str, int, int]], first: dt.date, last: dt.date) -> str:
    """The week's posts by beat: (beat id, beat name, briefings, posts) each, drawn as the rows come.
    "" when there are no posts."""
    rows = list(rows)
    if not rows or not any(posts for *_, posts in rows):
        return ""
    width = 560
    row_h, top, label_w, right = 28, 6, 200, 44
    height = top * 2 + row_h * len(rows)
    most = max(posts for *_, posts in rows)
    plot_w = width - label_w - right
    parts = []
    for k, (beat_id, name, briefings, posts) in enumerate(rows):
        y = top + row_h * k
        w = plot_w * posts / most if most else 0
        parts.append(f'<text class="chart__label" x="{label_w - 10}" y="{_n(y + row_h / 2 + 4)}" text-anchor="end">{_e(name)}</text>')
        parts.append(f'<rect class="chart__track" x="{label_w}" y="{_n(y + 5)}" width="{plot_w}" height="{row_h - 10}" rx="2"/>')
        if posts:
            parts.append(f'<rect class="chart__bar chart__bar--{_e(slugify(beat_id))}" x="{label_w}" y="{_n(y + 5)}" width="{_n(max(w, 2))}" '
                         f'height="{row_h - 10}" rx="2"/>')
        parts.append(f'<text class="chart__value" x="{_n(label_w + max(w, 2) + 6)}" y="{_n(y + row_h / 2 + 4)}">{posts}</text>')
    period = f"{first:%-d %b}" + (f" to {last:%-d %b %Y}" if last != first else f" {first:%Y}")
    said = "; ".join(f"{name} {posts} posts in {briefings} briefing{'s' if briefings != 1 else ''}" for _, name, briefings, posts in rows)
    label = f"The week's conversation by beat, {period}: {said}."
    table = _hidden_table(f"Posts by beat, {period}", ("Beat", "Briefings", "Posts"),
                          [(name, str(b), str(p)) for _, name, b, p in rows])
    caption = f"The week by beat: posts behind the briefings of {period}."
    return _figure("beats", label, caption, "".join(parts), width, height, table)
