"""An editor's checklist, read off the bundled site and off stories built here (EDITORIAL.md).

Each test is a line an editor would check: the story is about AI and told
once, "first" is the earliest post, "pushed back" introduces the other side,
counts add up, teasers state a tension (not a word list) and do not open
alike, and no text glitch reaches a page.
"""

from __future__ import annotations

import collections
import datetime as dt
import re

import frontmatter
import pytest

from generator import render
from generator.analyse import analyse
from generator.models import Story
from generator.writers.extractive import clean_title, write_briefing

from factories import BEATS, item


@pytest.fixture(scope="module")
def briefings(built_site):
    entries, problems = render.scan(built_site.docs)
    assert entries and not problems
    return [(e, frontmatter.load(built_site.docs / e.path)) for e in entries]


def _body(post) -> str:
    return post.content.split("## Sources")[0]


def _also(post) -> list[str]:
    if "## Also in the conversation" not in post.content:
        return []
    return [line for line in post.content.split("## Also in the conversation", 1)[1].splitlines() if line.startswith("- ")]


def test_counts_add_up_every_post_the_page_counts_can_be_reached(briefings):
    for entry, post in briefings:
        footnotes = re.findall(r"^\[\^\d+\]:", post.content, re.M)
        assert len(footnotes) + len(_also(post)) == post["posts"], entry.path
        assert sum(post["platforms"].values()) == post["posts"], entry.path
        numbers = [int(n) for n in re.findall(r"\b(\d+) new posts?\b", _body(post))]
        assert all(n <= post["posts"] for n in numbers), entry.path


def test_first_is_the_earliest_post(briefings):
    for entry, post in briefings:
        first = post["analysis"]["first_post"]
        body = _body(post)
        opening = body.strip().split("\n\n")[0]
        # the opening paragraph cites the earliest post, and no other post is called first
        marker = re.search(r"\[\^(\d+)\]", opening)
        assert marker, entry.path
        cited = post["sources"][int(marker.group(1)) - 1]
        assert cited["url"] == first["url"], entry.path
        dates = [s["published"] for s in post["sources"]]
        assert min(dates) >= first["at"] or cited["published"] == first["at"], entry.path


def test_pushed_back_only_introduces_the_dissent(briefings):
    dissents = 0
    for entry, post in briefings:
        body = _body(post)
        dissent = post["analysis"]["sharpest_dissent"]
        majority = post["analysis"]["majority"]
        if "pushed back" in body or "The pushback came" in body:
            assert dissent is not None and majority in ("critical", "supportive"), entry.path
            assert dissent["stance"] != majority
            assert render.md_escape(dissent["sentence"]) in body, entry.path
            dissents += 1
        elif dissent is not None and majority != "none":
            # a story with a dissent names it: in the body, or as the teaser's sharpest objection
            assert render.md_escape(dissent["sentence"]) in body or dissent["sentence"] in post["description"], entry.path
    assert dissents >= 1


def test_teasers_state_a_tension_and_do_not_open_alike(briefings):
    by_edition = collections.defaultdict(list)
    for entry, post in briefings:
        teaser = post["description"]
        by_edition[entry.date].append(" ".join(teaser.split()[:4]).lower())
        assert not re.search(r"talking about \w+(?:, \w+)* and \w+", teaser), teaser  # the old keyword list
        assert len(teaser.split()) >= 8 and teaser.rstrip().endswith((".", "”", "?")), teaser
        assert len(re.findall(r"(?<=[.!?”])\s+(?=[A-Z“])", teaser)) <= 2, teaser  # one or two sentences (and a quotation)
        assert not re.search(r"\b\d+ posts\b", teaser), teaser  # never a count of posts
    for day, openings in by_edition.items():
        assert len(openings) == len(set(openings)), (day, openings)


def test_headlines_read_as_headlines(briefings):
    for entry, post in briefings:
        title = post["title"]
        assert not re.search(r"!{2,}|\bnew study!", title, re.I), title
        assert not title.startswith(("[", "Show HN", "Ask HN")), title
        assert len(title) <= 150, title


def test_no_text_glitch_on_any_built_page(built_site):
    """No LaTeX, doubled or dangling quotation marks, escaped entities or re-cased handles on a page."""
    bad = [
        re.compile(r"\\['`^\"~=]\w|\\[a-zA-Z]+\{|\$[^$\s][^$]*\$"),  # LaTeX
        re.compile(r"\w--\w"),  # a LaTeX en dash left as two hyphens
        re.compile(r"“[\"“]|[\"”]”|\"[.!?,]”"),  # doubled quotation marks, also across a full stop
        re.compile(r"[.!?]”\."),  # "late.”."
        re.compile(r"&amp;(?:gt|lt|amp|quot);"),  # an entity escaped twice, shown as text
        re.compile(r"\bU/[a-z]"),  # a Reddit handle re-cased
    ]
    from test_site import content, dom

    checked = 0
    for page in (built_site.site / "briefings").rglob("index.html"):
        main = content(dom(page))
        text = " ".join(main.clean_text().split())
        raw = page.read_text(encoding="utf-8")
        for pattern in bad:
            assert not pattern.search(text), (page, pattern.pattern, pattern.search(text).group(0))
        assert not re.search(r"&amp;(?:gt|lt|quot);", raw), page
        checked += 1
    assert checked >= 20


# --- stories built here ---------------------------------------------------------------


def _story(posts) -> Story:
    items = tuple(posts)
    return Story(id="s-" + items[0].id, edition=items[0].published.date(), beat=BEATS[0].id, items=items,
                 score=1.0, keywords=("tessera", "weights"), metrics={"posts": len(items), "usual_posts": 3.0})


def _at(hour: int) -> dt.datetime:
    return dt.datetime(2026, 11, 21, hour, 0, tzinfo=dt.timezone.utc)


def test_the_opening_cites_the_earliest_post_whatever_the_order_of_the_story():
    late = item(1, "Tessera weights are great", "Honestly the Tessera weights are great and I love this release.", when=_at(18), author="u/late")
    early = item(2, "Tessera-70B weights released", "Lattice Labs released the Tessera-70B weights this morning.", feed="news", when=_at(6), author="")
    middle = item(3, "Tessera tooling missing", "The Tessera release ships no inference server, which is a real problem for me.", feed="hn", when=_at(12), author="kd")
    b = write_briefing(_story([late, middle, early]), BEATS[0], "h")
    first_cited = next(s.source for s in b.paragraphs[0] if s.source is not None)
    assert b.sources[first_cited] is early


def test_a_dissent_is_named_and_agreeing_voices_are_never_said_to_push_back():
    critics = [item(10 + n, f"Tessera weights without tooling {n}",
                    f"Honestly this is a terrible release, worse than useless without the inference server {n}. I am disappointed.",
                    when=_at(8 + n), author=f"u/critic{n}") for n in range(3)]
    fan = item(20, "Tessera weights are the best release this year",
               "Honestly I love this release, it is impressive and a huge win for local inference. Great work!", feed="hn", when=_at(14), author="fan")
    story = _story(critics + [fan])
    a = analyse(story)
    assert a.majority == "critical" and a.sharpest_dissent is not None and story.items[a.sharpest_dissent.index] is fan
    text = " ".join(s.text for p in write_briefing(story, BEATS[0], "h", a).paragraphs for s in p)
    assert "pushed back" in text or "The pushback came" in text
    # with no one on the other side, nobody pushes back
    agreeing = _story(critics)
    text = " ".join(s.text for p in write_briefing(agreeing, BEATS[0], "h").paragraphs for s in p)
    assert "pushed back" not in text and "pushback" not in text


def test_words_are_credited_to_whoever_wrote_them():
    article = item(30, "Frame selection is the whole game", "A vision model can afford about 150 frames per video. Which ones you pick decides what it sees.",
                   feed="hn", author="submitter", when=_at(9))
    article = article.__class__(**{**article.__dict__, "text_by": "leoaido.com"})
    other = item(31, "Frame selection for video models", "Picking frames for a video model decides what it sees, says a new write-up.", when=_at(10), author="u/reader")
    b = write_briefing(_story([article, other]), BEATS[0], "h")
    words = " ".join(s.text for p in b.paragraphs for s in p)
    assert "an article on leoaido.com" in words
    assert "submitter wrote" not in words and "submitter:" not in words


def test_titles_lose_their_flair_and_shouting():
    assert clean_title("[D] Tessera-70B survived the motion to dismiss!!") == "Tessera-70B survived the motion to dismiss"
    assert clean_title("Do people think chatbots have feelings? New Study!") == "Do people think chatbots have feelings?"
    assert clean_title("Show HN: Tessellate, an inference server") == "Tessellate, an inference server"
    assert clean_title("Opinion | To Regulate AI, Follow the Cfius Model") == "To Regulate AI, Follow the Cfius Model"


def test_a_general_front_page_gives_only_its_posts_about_ai(built_site, briefings):
    """gnews-top (match: ai) carries sports, markets, recipes and "real estate agents": none reaches a page."""
    assert built_site.report.off_topic >= 10 and built_site.report.kept > 300
    everything = "\n".join((built_site.docs / e.path).read_text(encoding="utf-8") for e, _ in briefings)
    for off_topic in ("Lakers", "Chiefs rally", "Treasury yields", "Gold hits", "Pasta ai funghi", "Real estate agents",
                      "bike lanes", "Winter storm", "Travel agents", "Model and designer"):
        assert off_topic not in everything, off_topic
    # its posts about AI are used, merged with the same post from another feed where there is one
    assert "Users Are Canceling Subscriptions After Northlight AI Rewrote Its Military Rules" in everything


def _urls(post) -> set[str]:
    found = {s["url"] for s in post["sources"]}
    found |= set(re.findall(r"\]\(<(https?://[^>]+)>\)", "\n".join(_also(post))))
    return found


def test_no_post_is_told_in_two_briefings_of_an_edition(briefings):
    by_edition = collections.defaultdict(list)
    for entry, post in briefings:
        by_edition[entry.date].append(_urls(post))
    for day, groups in by_edition.items():
        seen: set[str] = set()
        for urls in groups:
            assert not urls & seen, (day, urls & seen)
            seen |= urls


def test_one_story_one_briefing_the_drone_swarm_day(briefings):
    """On 22 November the Army's drone-swarm test and the argument over "meaningful human control"
    are one conversation: one briefing carries both, none tells it again."""
    day = [(e, p) for e, p in briefings if e.date == dt.date(2026, 11, 22)]
    carrying = [e.path for e, p in day if any("drone" in s["title"].lower() or "swarm" in s["title"].lower() for s in p["sources"])]
    assert len(carrying) == 1, carrying
