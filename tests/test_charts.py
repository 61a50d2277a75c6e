"""Pictures drawn at build time: how a story's conversation grew, a beat's editions, the week by beat.

Read from the site of the bundled snapshots (``built_site``) in its HTML: each
chart is inline SVG with a text alternative (``role="img"``, ``aria-label``,
a hidden table) whose figures are the briefings' own, and it loads nothing.
The functions of generator/render/charts.py are also fed hostile input.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections import defaultdict

import pytest

from generator import render
from generator.render import charts

from sitebuild import check_page


@pytest.fixture(scope="module")
def pub(built_site):
    entries, problems = render.scan(built_site.docs)
    assert entries and not problems
    built_site.entries = entries
    return built_site


def figures(page_html: str, kind: str) -> list[str]:
    return re.findall(rf'<figure class="chart chart--{kind}">.*?</figure>', page_html, re.S)


def table_rows(figure: str) -> list[list[str]]:
    body = re.search(r"<tbody>(.*?)</tbody>", figure, re.S).group(1)
    return [[html.unescape(c) for c in re.findall(r"<td>(.*?)</td>", row)] for row in re.findall(r"<tr>(.*?)</tr>", body)]


def assert_inert_svg(figure: str) -> None:
    problems, _ = check_page(figure)
    assert problems == []
    assert not re.search(r"\b(?:href|src|xlink:href)=|<image|<script|<foreignObject|<style|url\(", figure, re.I)
    svg = re.search(r"<svg[^>]*>", figure).group(0)
    assert 'role="img"' in svg and re.search(r'aria-label="[^"]{20,}"', svg)
    assert '<section class="visually-hidden"><table>' in figure


def test_a_briefing_of_four_posts_or_more_shows_how_its_conversation_grew(pub):
    drawn = 0
    for entry in pub.entries:
        page = (pub.site / entry.url / "index.html").read_text(encoding="utf-8")
        found = figures(page, "growth")
        timeline = (entry.meta or {}).get("timeline") or {}
        new_posts = sum(len(h.split()) for h in (timeline.get("hours") or {}).values())
        if new_posts < charts.MIN_POSTS:
            assert found == [], entry.path
            continue
        assert len(found) == 1, entry.path
        (figure,) = found
        drawn += 1
        assert_inert_svg(figure)
        # after the story's text, before its sources
        assert page.index(figure) < page.index('<h2 class="brief-sources"')
        assert page.index("<p>", page.index('class="brief-teaser"')) < page.index(figure)
        # the same figures as the page's front matter: one line per platform, every new post counted
        rows = table_rows(figure)
        assert {r[0] for r in rows} == {render.platform_label(p) for p in timeline["hours"]}
        assert sum(int(r[3]) for r in rows) == new_posts
        assert figure.count('class="chart__line ') == len(timeline["hours"])
        label = html.unescape(re.search(r'aria-label="([^"]*)"', figure).group(1))
        assert f"{new_posts} posts" in label
    assert drawn >= 10, "most bundled briefings have four posts or more"


def test_each_beat_page_shows_its_posts_per_edition(pub):
    editions = sorted({e.date for e in pub.entries})
    for beat in pub.config.beats:
        page = (pub.site / "beats" / beat.id / "index.html").read_text(encoding="utf-8")
        (figure,) = figures(page, "editions")
        assert_inert_svg(figure)
        expected = defaultdict(lambda: [0, 0])
        for e in pub.entries:
            if e.beat == beat.id:
                expected[e.date][0] += 1
                expected[e.date][1] += e.posts
        rows = table_rows(figure)
        assert [r[0] for r in rows] == [f"{d:%-d %b %Y}" for d in reversed(editions)]
        for day, (briefings, posts) in zip(reversed(editions), ([int(r[1]), int(r[2])] for r in rows)):
            assert [briefings, posts] == expected[day], (beat.id, day)
        # it comes before the list of briefings
        assert page.index(figure) < page.index('<article class="teaser"')


def test_the_home_page_shows_the_week_by_beat(pub):
    page = (pub.site / "index.html").read_text(encoding="utf-8")
    (figure,) = figures(page, "beats")
    assert_inert_svg(figure)
    days = sorted({e.date for e in pub.entries}, reverse=True)[: render.HOME_EDITIONS]
    posts = defaultdict(int)
    for e in pub.entries:
        if e.date in days:
            posts[pub.config.beat(e.beat).name] += e.posts
    rows = table_rows(figure)
    assert {r[0]: int(r[2]) for r in rows} == dict(posts)
    assert [int(r[2]) for r in rows] == sorted((int(r[2]) for r in rows), reverse=True), "loudest beat first"
    # the lead story shows its own growth too, inside its teaser, which closes before the next one opens
    lead = re.search(r'<article class="teaser teaser--lead">.*?</article>', page, re.S).group(0)
    assert len(figures(lead, "growth")) == 1 and lead.rstrip().endswith("</figure>\n</article>")
    assert re.search(r'</figure>\n</article>\n<article class="teaser">', page)


# --- the drawing functions, fed what a hand-edited file might hold -------------------------


HOSTILE = '"><script>alert(1)</script><svg onload=alert(2)>'


def test_growth_chart_escapes_names_and_ignores_unreadable_timelines():
    timeline = {"from": "2026-11-21T08:00:00+00:00", "hours": {HOSTILE: "0 1 2", "reddit": "3 4.5"}}
    out = charts.growth_chart(timeline, {HOSTILE: HOSTILE})
    assert out and "<script" not in out and "<svg onload" not in out  # escaped, never markup
    assert_inert_svg(out)
    assert html.escape(HOSTILE, quote=True) in out
    for junk in (None, "x", {"hours": {"news": "0 1 2 3"}}, {"from": "yesterday", "hours": {"news": "0 1 2 3"}},
                 {"from": "2026-11-21T08:00:00+00:00", "hours": {"news": "0 one 2 3"}},
                 {"from": "2026-11-21T08:00:00+00:00", "hours": {"news": "0 1 nan inf"}},
                 {"from": "2026-11-21T08:00:00+00:00", "hours": "news"}):
        assert charts.growth_chart(junk) == "", junk
    # fewer than four posts: no picture
    assert charts.growth_chart({"from": "2026-11-21T08:00:00+00:00", "hours": {"news": "0 1 2"}}) == ""


def test_bar_charts_escape_names_and_draw_nothing_without_posts():
    day = dt.date(2026, 11, 21)
    assert charts.edition_chart(HOSTILE, [(day, 0, 0)]) == ""
    assert charts.beats_chart([], day, day) == ""
    for out in (charts.edition_chart(HOSTILE, [(day, 1, 3), (day + dt.timedelta(days=1), 2, 7)]),
                charts.beats_chart([(HOSTILE, HOSTILE, 2, 9), ("b", "Beat", 1, 0)], day, day)):
        assert_inert_svg(out)
        assert "<script" not in out and html.escape(HOSTILE, quote=True) in out


def test_timeline_front_matter_is_the_new_posts_hours_by_platform():
    from factories import item, story

    start = dt.datetime(2026, 11, 21, 8, 0, tzinfo=dt.timezone.utc)
    items = [item(1, "a", "x", feed="news", when=start), item(2, "b", "x", feed="reddit", when=start + dt.timedelta(hours=3.25)),
             item(3, "c", "x", feed="news", when=start + dt.timedelta(hours=5)),
             item(4, "d", "x", feed="hn", when=start - dt.timedelta(days=40))]
    items[3] = items[3].__class__(**{**items[3].__dict__, "backlog": True})  # back catalogue: not part of the growth
    assert render.briefing.timeline(story(items).items) == {
        "from": start.isoformat(), "hours": {"news": "0 5", "reddit": "3.2"}}
