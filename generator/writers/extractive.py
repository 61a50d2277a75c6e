"""The offline writer: a briefing told from the story's analysis, with no model.

It cannot write like a columnist, so it is exact about the conversation
instead (generator/analyse.py reads it from the posts): where and when it
started, how it spread, who took which side, what the sharpest dissent and
the open question were, and what the latest post said. Every quotation is a
whole sentence copied verbatim from its post (or a headline, quoted as one);
every connective is chosen from the data, so "first" names the earliest
post, "pushed back" only ever introduces a voice of the other side, and every
number was counted. Sentence patterns vary with the story (a stable hash of
its id picks among equivalent phrasings), so briefings do not read alike.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Iterable, Iterator, Sequence

from ..analyse import Analysis, Voice, analyse, is_headline_only, is_paper, short_speaker, venue
from ..errors import WriterError
from ..fidelity import fidelity
from ..models import Beat, Briefing, Item, Span, Story, platform_label
from ..textutil import digest, nested
from . import Job, Outcome

VERSION = "extractive-8"
#: This writer's code and the analysis it writes from: a change to either rewrites its briefings,
#: so a forgotten VERSION bump cannot leave docs/ stale.
_SOURCE_DIGEST = digest(*(Path(__file__).resolve().parent.parent.joinpath(name).read_text(encoding="utf-8")
                          for name in ("writers/extractive.py", "analyse.py")), length=12)
#: Longest teaser quotation, in characters.
TEASER_QUOTE = 130


class ExtractiveWriter:
    name = "extractive"

    def fingerprint(self) -> str:
        return f"{VERSION}:{_SOURCE_DIGEST}"

    def write_all(self, jobs: Iterable[Job]) -> Iterator[Outcome]:
        for job in jobs:
            try:
                yield Outcome(job, briefing=write_briefing(job.story, job.beat, job.inputs_hash, job.analysis, job.follows))
            except WriterError as exc:
                yield Outcome(job, error=exc)

    def summary(self) -> str:
        return "extractive writer: no model calls"


# --- small words ------------------------------------------------------------------


def _pick(story: Story, role: str, options: Sequence[str]) -> str:
    """One of several equivalent phrasings, the same for a story every time."""
    return options[int(digest(story.id, role, length=6), 16) % len(options)]


def _list(words: Sequence[str]) -> str:
    words = [w for w in words if w]
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def _where(platform: str) -> str:
    return {"news": "the news", "blog": "blogs", "arxiv": "arXiv"}.get(platform, platform_label(platform))


def _duration(hours: float) -> str:
    if hours < 1:
        minutes = max(1, round(hours * 60))
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    if hours < 36:
        n = round(hours)
        return f"{n} hour{'s' if n != 1 else ''}"
    days = round(hours / 24)
    return f"{days} days"


def _when(moment: dt.datetime, edition: dt.date) -> str:
    """A time as a reader of that edition says it: "at 11:30 UTC", "on Sunday at 22:15 UTC"."""
    clock = f"{moment:%H:%M} UTC"
    if moment.date() == edition:
        return f"at {clock}"
    if (edition - moment.date()).days < 7:
        return f"on {moment:%A} at {clock}"
    return f"on {moment:%-d %B} at {clock}"


def _a(noun: str) -> str:
    return ("an " if noun[:1].lower() in "aeiou" else "a ") + noun


def _of(n: int, total: int) -> str:
    """ "all 3 posts", "2 of the 5 posts", "the one post" """
    if n == total:
        return {1: "the one post", 2: "both posts"}.get(n, f"all {n} posts")
    return f"{n} of the {total} posts"


def _that(speaker: str) -> str:
    """ "That post by u/x on r/y", "That article on example.com" """
    for lead in ("an article", "a post", "the arXiv paper", "an arXiv paper"):
        if speaker.startswith(lead):
            return "That " + speaker.split(" ", 1)[1]
    if speaker.startswith("Hacker News commenter"):
        return f"That comment by {speaker.removeprefix('Hacker News commenter ')} on Hacker News"
    return f"That post by {speaker}" if " on " in speaker else f"That report by {speaker}"


def _ends(text: str) -> bool:
    return bool(re.search(r"[.!?…][\"'”’)\]]*$", text.strip()))


def _teaser_quote(text: str, limit: int = TEASER_QUOTE) -> bool:
    return len(text) <= limit and _ends(text)


# --- choosing what to quote -------------------------------------------------------


class _Page:
    """The briefing as it is assembled: paragraphs of spans, and the posts they cite."""

    def __init__(self, story: Story):
        self.story = story
        self.sources: list[Item] = []
        self.paragraphs: list[tuple[Span, ...]] = []
        self.quoted: set[int] = set()
        self.texts: set[str] = set()

    def fresh(self, voice: Voice | None) -> bool:
        """True for a voice with a sentence not yet quoted (two posts can carry the same words)."""
        return voice is not None and bool(voice.sentence) and voice.index not in self.quoted and voice.sentence not in self.texts

    def cite(self, index: int) -> int:
        item = self.story.items[index]
        for n, source in enumerate(self.sources):
            if source is item:
                return n
        self.sources.append(item)
        return len(self.sources) - 1

    def quote(self, index: int, text: str) -> list[Span]:
        """A verbatim quotation of post ``index`` with its footnote (and the full stop it may lack)."""
        self.quoted.add(index)
        self.texts.add(text)
        spans = [Span(text, source=self.cite(index), quote=True)]
        if not _ends(text):
            spans.append(Span("."))
        return spans

    def add(self, *parts: Span | str | list) -> None:
        spans: list[Span] = []
        for part in parts:
            if isinstance(part, list):
                spans.extend(part)
            elif isinstance(part, Span):
                spans.append(part)
            elif part:
                spans.append(Span(part))
        if spans:
            self.paragraphs.append(tuple(spans))


def _quote_of(item: Item, voice: Voice | None) -> tuple[str, bool]:
    """What to quote of a post, and whether it is a headline: its sentence, or its title."""
    if voice and voice.sentence:
        return voice.sentence, False
    if item.platform in ("mastodon", "bluesky") or item.title.startswith("Comment on ") or item.title.endswith("…"):
        return "", False
    return item.title, True


# --- the parts of a briefing ------------------------------------------------------


def _opening(page: _Page, a: Analysis, follows: dt.date | None) -> None:
    story = page.story
    item = story.items[a.first]
    voice = a.voice(a.first)
    text, headline = _quote_of(item, voice)
    when = _when(item.published, story.edition)
    lead = ""
    if follows is not None:
        lead = _pick(story, "follow", (
            f"Since the briefing of {follows:%A, %-d %B}, the conversation has moved on. ",
            f"This follows up {follows:%A}'s briefing, with what is new since. ",
            f"The story continues from {follows:%-d %B}. ",
        ))
    if not text:
        page.add(lead + f"The first post came {when} on {venue(item)}.", Span("", source=page.cite(a.first)))
        return
    if item.text_by:
        who = f"when {item.author} shared" if item.author else "with"
        page.add(lead + f"It reached Hacker News {when}, {who} an article on {item.text_by}"
                 + ("; the article opens: " if not headline else ": "), page.quote(a.first, text))
        return
    speaker = voice.speaker if voice else venue(item)
    if is_paper(item):
        by = f" by {speaker.replace('the arXiv paper by ', '')}" if speaker.startswith("the arXiv paper by ") else ""
        page.add(lead + _pick(story, "open-paper", (
            f"It began with a paper on arXiv, posted {when}{by}: ",
            f"The first post was a paper{by}, on arXiv {when}: ",
        )), page.quote(a.first, text))
        return
    if headline and item.platform == "news":
        opener = _pick(story, "open-news", (
            f"The first headline came from {speaker}, {when}: ",
            f"It broke {when}, when {speaker} reported: ",
            f"First to report it, {when}, was {speaker}: ",
        ))
    elif voice and voice.stance == "question":
        opener = _pick(story, "open-question", (
            f"It began with a question, asked {when} by {speaker}: ",
            f"A question started it, from {speaker} {when}: ",
        ))
    else:
        opener = _pick(story, "open-post", (
            f"It started {when}, when {speaker} wrote: ",
            f"The earliest post came {when} from {speaker}: ",
            f"First, {when}, came a post from {speaker}: ",
        ))
    page.add(lead + opener, page.quote(a.first, text))


def _spread(page: _Page, a: Analysis, beat: Beat) -> None:
    story = page.story
    n = a.posts
    parts: list[str] = []
    if len(a.spread) > 1:
        start = a.spread[0][1]
        later = [f"{_where(p)} {_duration((t - start).total_seconds() / 3600)} later" for p, t, _ in a.spread[1:4]]
        parts.append(_pick(story, "spread", (
            f"From {_where(a.spread[0][0])} it spread: {_list(later)}.",
            f"It did not stay on {_where(a.spread[0][0])}: {_list(later)}.",
        )))
        counts = _list([f"{k} on {platform_label(p)}" for p, _, k in a.spread])
        parts.append(f"In all, {n} new post{'s' if n != 1 else ''} over {_duration(a.hours)}: {counts}.")
    else:
        platform = platform_label(a.spread[0][0])
        if n == 2:
            parts.append(f"Both new posts came from {_where(a.spread[0][0])}, {_duration(a.hours)} apart.")
        else:
            parts.append(f"All {n} new posts came from {_where(a.spread[0][0])}, over {_duration(a.hours)}." if n > 1 else f"One new post, on {platform}.")
    if a.earlier_posts:
        parts.append(f"{a.earlier_posts} older post{'s' if a.earlier_posts != 1 else ''}, first read the same day, belong{'s' if a.earlier_posts == 1 else ''} to it too.")
    if a.usual:
        ratio = a.posts / a.usual
        if ratio >= 1.5:
            parts.append(f"That is {ratio:.1f} times what {_a(beat.name)} story usually draws.")
        elif ratio < 0.75:
            parts.append(f"That is fewer posts than {_a(beat.name)} story usually draws.")
    page.add(" ".join(parts))


_VERB = {"critical": ("objected", "was critical", "warned"), "supportive": ("welcomed it", "was enthusiastic", "approved")}


def _strongest(a: Analysis, stance: str, page: _Page) -> Voice | None:
    pool = [v for v in a.voices if v.stance == stance and page.fresh(v)]
    if not pool:
        return None
    sign = 1 if stance == "supportive" else -1
    return max(pool, key=lambda v: (round(sign * v.tone, 6), -v.index))


def _split(page: _Page, a: Analysis) -> None:
    story = page.story
    counts = a.counts()
    taking_sides = counts["supportive"] + counts["critical"]
    if a.majority and a.sharpest_dissent is not None:
        side = _strongest(a, a.majority, page)
        against = a.sharpest_dissent
        word = "critical" if a.majority == "critical" else "in favour"
        head = _pick(story, "split-major", (
            f"Most of the posts that took a side ({counts[a.majority]} of {taking_sides}) were {word}.",
            f"The weight of opinion was {word}: {counts[a.majority]} of the {taking_sides} posts that took a side.",
        ))
        if side is not None:
            page.add(head + " " + _pick(story, "among", (f"Among them, {side.speaker}: ", f"Typical of them was {side.speaker}: ")),
                     page.quote(side.index, side.sentence))
        else:
            page.add(head)
        if page.fresh(against):
            page.add(_pick(story, "pushback", (f"Not everyone agreed, and {against.speaker} pushed back: ",
                                               f"The pushback came from {against.speaker}: ")),
                     page.quote(against.index, against.sentence))
        return
    if not a.majority and counts["supportive"] and counts["critical"]:
        pro = _strongest(a, "supportive", page)
        con = _strongest(a, "critical", page)
        head = _pick(story, "split-even", (
            f"Opinion divided: {counts['supportive']} post{'s' if counts['supportive'] != 1 else ''} in favour, {counts['critical']} critical.",
            f"The posts that took a side split {counts['supportive']} in favour to {counts['critical']} against.",
        ))
        parts: list = [head + " "]
        if pro is not None:
            parts += [f"On one side, {pro.speaker}: ", page.quote(pro.index, pro.sentence)]
        if con is not None:
            parts += [f" On the other, {con.speaker}: ", page.quote(con.index, con.sentence)]
        page.add(*parts)
        return
    if a.majority:
        side = _strongest(a, a.majority, page)
        word = "critical" if a.majority == "critical" else "in favour"
        head = _pick(story, "split-one", (
            f"The posts that took a clear side were {word}; none argued plainly the other way.",
            f"Every post here that took a clear side was {word}.",
        ))
        if side is not None:
            page.add(head + f" Among them, {side.speaker}: ", page.quote(side.index, side.sentence))
        else:
            page.add(head)
        return
    reports = counts["reporting"]
    rep = a.representative
    head = _pick(story, "split-none", (
        f"So far it is reported more than argued: {_of(reports, len(a.voices))} {'states' if reports == 1 else 'state'} what happened without taking a side.",
        f"Nobody here has argued for or against it yet; {_of(reports, len(a.voices))} simply {'reports' if reports == 1 else 'report'} it.",
    ))
    if page.fresh(rep):
        page.add(head + " " + _pick(story, "rep", ("The line the posts share most, from {s}: ", "As {s} put it: ")).format(s=rep.speaker),
                 page.quote(rep.index, rep.sentence))
    else:
        page.add(head)


def _more(page: _Page, a: Analysis) -> None:
    """The open question, or one more voice from a platform not yet heard."""
    story = page.story
    q = a.question
    if page.fresh(q):
        page.add(_pick(story, "question", (f"The question left open came from {q.speaker}: ", f"Left open was a question from {q.speaker}: ")),
                 page.quote(q.index, q.sentence))
        return
    heard = {story.items[i].platform for i in page.quoted}
    for v in a.voices:
        item = story.items[v.index]
        if page.fresh(v) and item.platform not in heard and v.index != a.latest:
            page.add(_pick(story, "more", (f"Another voice, from {v.speaker}: ", f"Also in the conversation, {v.speaker} wrote: ")),
                     page.quote(v.index, v.sentence))
            return


def _latest(page: _Page, a: Analysis) -> None:
    story = page.story
    item = story.items[a.latest]
    when = _when(item.published, story.edition)
    voice = a.voice(a.latest)
    speaker = voice.speaker if voice else venue(item)
    if a.latest in page.quoted:
        if a.latest != a.first:
            page.add(f"{_that(speaker)}, {when}, is also the latest.")
        return
    text, headline = _quote_of(item, voice)
    if not text or text in page.texts:
        page.add(f"The latest post came {when} from {speaker}.", Span("", source=page.cite(a.latest)))
        return
    opener = _pick(story, "latest", (
        f"The latest word, {when}, came from {speaker}: ",
        f"Most recently, {when}, came {speaker}: ",
        f"Where it stands now: the newest post, from {speaker} {when}, " + ("ran under the headline " if headline else "says "),
    ))
    page.add(opener, page.quote(a.latest, text))


# --- headline and teaser ----------------------------------------------------------

_HN_PREFIX = re.compile(r"^(?:Show|Ask|Tell|Launch) HN:\s*", re.IGNORECASE)
_FLAIR = re.compile(r"^(?:\[[^\]]{1,20}\]\s*)+")
_SECTION = re.compile(r"^(?:opinion|analysis|exclusive|breaking|watch|live|explainer|review)\s*[|:]\s*", re.IGNORECASE)
_SECOND_PERSON = re.compile(r"\b(?:you|your|you're|yourself)\b", re.IGNORECASE)
_FIRST_PERSON = re.compile(r"\b(?:I|I'm|I've|(?i:my|me|we|we're|our))\b")
_VAGUE = re.compile(r"\b(?:a (?:major|big|top|leading|large) (?:AI )?(?:lab|company|firm|startup)|this (?:company|lab))\b", re.IGNORECASE)
_HYPE = re.compile(r"\s*(?:[-–—:]\s*)?\b(?:new study|must read|breaking|wow|huge)\b[!.]*\s*$", re.IGNORECASE)
_EMOJI = re.compile("[\U0001F000-\U0001FAFF\u2600-\u27BF\uFE0F]")


def clean_title(title: str, outlet: str = "") -> str:
    """A post title as a headline: no flair, no "Show HN:", no outlet suffix, no "!!", no emoji."""
    t = re.sub(r"\*{1,3}|_{2,}|`", "", _EMOJI.sub("", title))
    t = _SECTION.sub("", _FLAIR.sub("", _HN_PREFIX.sub("", t.strip())).strip())
    if outlet and t.endswith(f" - {outlet}"):
        t = t[: -len(outlet) - 3]
    t = _HYPE.sub("", t).strip()
    t = re.sub(r"[!]+$", "", t).strip()
    t = re.sub(r"\s*[!]{2,}\s*", " ", t)
    t = re.sub(r"[.;:,]+$", "", t).strip()
    letters = [c for c in t if c.isalpha()]
    if letters and sum(c.isupper() for c in letters) > 0.7 * len(letters) and len(letters) > 12:
        t = t.lower()
        t = t[:1].upper() + t[1:]
    return t


def headline(story: Story, a: Analysis) -> str:
    """The best of the story's titles, cleaned: it names the actor, reads as a headline, asks no question
    and addresses no one, unless the story is the question."""
    counts = a.counts()
    question_story = counts["question"] > max(counts["supportive"], counts["critical"], 1)
    best, best_score = "", None
    for index, item in enumerate(story.items):
        if item.platform in ("mastodon", "bluesky") or item.title.startswith("Comment on ") or item.title.endswith("…"):
            continue
        if is_headline_only(item) and item.title == item.text and item.platform not in ("news", "blog", "arxiv", "hackernews"):
            pass
        t = clean_title(item.title, item.outlet)
        if len(t) < 12:
            continue
        score = 0.0
        if a.actor and a.actor.lower() in t.lower():
            score += 3
        if item.platform in ("news", "blog"):
            score += 2
        elif item.platform in ("hackernews", "arxiv"):
            score += 1
        if 35 <= len(t) <= 110:
            score += 1
        elif len(t) > 140:
            score -= 2
        if t.endswith("?") and not question_story:
            score -= 4
        if _SECOND_PERSON.search(t):
            score -= 3
        if _FIRST_PERSON.search(t):
            score -= 2
        if a.actor and _VAGUE.search(t):
            score -= 3
        if item.backlog:
            score -= 2
        score -= index * 0.05  # ties go to the more representative post
        if best_score is None or score > best_score:
            best, best_score = t, score
    if not best:
        first = story.items[a.first]
        best = clean_title(first.title, first.outlet) or "Untitled story"
    if len(best) > 100:
        # A long title (a paper's, a forum post's) keeps its first clause when that can stand alone.
        head = re.split(r"(?<=[?!.])\s|:\s|\s[—–-]\s", best, maxsplit=1)[0]
        if 25 <= len(head) < len(best):
            best = head.rstrip(" .")
    if len(best) > 150:
        cut = best[:150]
        best = cut[: cut.rfind(" ")].rstrip(",;:-–— ") + "…"
    return best[:1].upper() + best[1:] if best[:1].islower() and not re.match(r"^[a-z]+[A-Z0-9/_@]", best) else best


def _shape(story: Story, a: Analysis, subject: str, where: str) -> str:
    """Where the conversation leans, in one plain sentence about ``subject``."""
    counts = a.counts()
    if a.majority and a.sharpest_dissent is not None:
        if a.majority == "critical":
            return _pick(story, "t-crit", (f"{subject} draws mostly criticism on {where}, though not from everyone.",
                                           f"{subject} meets mostly criticism on {where}, and one dissent."))
        return _pick(story, "t-supp", (f"{subject} wins most of {where} over, though not everyone.",
                                       f"{subject} is mostly welcomed on {where}, with one dissent."))
    if not a.majority and counts["supportive"] and counts["critical"]:
        return _pick(story, "t-even", (f"{subject} splits {where} between approval and criticism.",
                                       f"{subject} divides {where}: some approve, others object."))
    if a.majority == "critical":
        return f"{subject} draws criticism on {where}."
    if a.majority == "supportive":
        return f"{subject} is welcomed on {where}."
    if counts["question"] and counts["question"] >= counts["reporting"] / 2:
        return f"{subject} leaves {where} with more questions than answers."
    return _pick(story, "t-report", (f"{subject} is reported on {where}; the argument has yet to start.",
                                     f"{subject} is being reported on {where}, but nobody is arguing over it yet."))


_GERUND = re.compile(r"^[A-Z][a-z]+ing\b")


def subject(story: Story, a: Analysis, title: str) -> str:
    """Who or what the story is about, to open the teaser, or "" when no name plainly is: a name
    the headline opens with (in its first three words) that a third of the posts use, or a
    distinctive one (digits, inner capitals) that half of them use."""
    fresh = [i for i in story.items if not i.backlog] or list(story.items)
    third = max(2, -(-len(fresh) // 3)) if len(fresh) > 2 else len(fresh)
    half = max(2, -(-len(fresh) // 2)) if len(fresh) > 2 else len(fresh)
    opening = " ".join(title.split()[:3])
    for name, count in a.entities:
        name = re.sub(r"['’]s$", "", name)
        if _GERUND.match(name) or any(w.lower() in _WEEKDAYS for w in name.split()):
            continue
        if name.split()[0] in opening.split() and name in title and count >= third:
            return name
    for name, count in a.entities:
        name = re.sub(r"['’]s$", "", name)
        if re.search(r"\d|[a-z][A-Z]", name) and count >= half:
            return name
    return ""


_WEEKDAYS = frozenset("monday tuesday wednesday thursday friday saturday sunday today tonight".split())


#: Longest quotation a teaser states the stakes with, in characters.
STAKE_QUOTE = 170


def _lead_in(who: str) -> str:
    """A speaker at the start of a sentence: a phrase of ours is capitalised, a name never is."""
    return who[:1].upper() + who[1:] if who.startswith(("the ", "an ", "a ")) else who


_ENGLISH = frozenset("the a an of to and in is are for on that with as by from this it was".split())
_OTHER_LANGUAGES = frozenset("der die das und ist für mit von zum den dem le la les et est pour avec des el los las y por con".split())


def _english(sentence: str) -> bool:
    """A rough check that a sentence is in English, the site's language (feeds may be in others)."""
    words = [w.strip(".,;:!?\"'“”‘’()").lower() for w in sentence.split()]
    return sum(w in _ENGLISH for w in words) > sum(w in _OTHER_LANGUAGES for w in words)


_METHOD = re.compile(r"^(?:we|in this (?:paper|work|study)|this (?:paper|work|study))\b", re.IGNORECASE)


def _stake(story: Story, a: Analysis, title: str) -> Voice | None:
    """The sentence that says what happened, from a voice that reports it: news, blogs and
    videos first, then papers' findings, the most representative first among them; never a
    sentence that only restates the headline."""
    headline_words = set(title.lower().split())
    reporting = [v for v in ([a.representative] if a.representative else []) + list(a.voices) if v.stance == "reporting"]
    published = [v for v in reporting if story.items[v.index].platform in ("news", "blog", "youtube")]
    papers = [v for v in reporting if is_paper(story.items[v.index])]
    for voice in published + papers + reporting:
        if not voice.sentence or len(voice.sentence) > STAKE_QUOTE or not _ends(voice.sentence) or not _english(voice.sentence):
            continue
        if _METHOD.match(voice.sentence):
            continue  # what a paper sets out to do is not what happened
        words = set(voice.sentence.lower().split())
        shared = len(headline_words & words)
        if headline_words and (shared >= 0.8 * len(headline_words) or shared >= 0.8 * len(words)):
            continue
        return voice
    return None


def _tension(story: Story, a: Analysis, exclude: Voice | None, limit: int = TEASER_QUOTE) -> str:
    """Where the conversation stands, as one sentence, quoting its sharpest voice where it has one
    (a quotation of at most ``limit`` characters)."""
    def quote(v: Voice | None) -> bool:
        return v is not None and v is not exclude and _teaser_quote(v.sentence, limit)

    counts = a.counts()
    d = a.sharpest_dissent
    if a.majority and quote(d):
        who = short_speaker(story.items[d.index])
        if d.stance == "critical":
            return _pick(story, "t2-dissent", (f"Most posts welcome it; the objection, from {who}: “{nested(d.sentence)}”",
                                               f"Not everyone is convinced. {_lead_in(who)} objects: “{nested(d.sentence)}”"))
        return _pick(story, "t2-dissent", (f"Most posts are critical; against the grain, {who}: “{nested(d.sentence)}”",
                                           f"Not everyone objects. {_lead_in(who)} counters: “{nested(d.sentence)}”"))
    if not a.majority and counts["supportive"] and counts["critical"]:
        con = d if quote(d) and d.stance == "critical" else _strongest_quotable(a, "critical", exclude, limit)
        if con is not None:
            return f"Opinion splits; the sharpest objection, from {short_speaker(story.items[con.index])}: “{nested(con.sentence)}”"
        return "Opinion splits between approval and criticism."
    if a.majority:
        v = _strongest_quotable(a, a.majority, exclude, limit)
        word = "criticism" if a.majority == "critical" else "welcome"
        if v is not None:
            return f"The {word}, in the words of {short_speaker(story.items[v.index])}: “{nested(v.sentence)}”"
        return "The posts that take a clear side are critical." if a.majority == "critical" else "The posts that take a clear side welcome it."
    if quote(a.question):
        return _pick(story, "t2-question", (f"Still open, from {short_speaker(story.items[a.question.index])}: “{nested(a.question.sentence)}”",
                                            f"The question it leaves, from {short_speaker(story.items[a.question.index])}: “{nested(a.question.sentence)}”"))
    return _pick(story, "t2-none", ("No one in the conversation has taken a side yet.", "Nobody has argued it either way yet."))


def _strongest_quotable(a: Analysis, stance: str, exclude: Voice | None, limit: int = TEASER_QUOTE) -> Voice | None:
    pool = [v for v in a.voices if v.stance == stance and v is not exclude and _teaser_quote(v.sentence, limit)]
    sign = 1 if stance == "supportive" else -1
    return max(pool, key=lambda v: (round(sign * v.tone, 6), -v.index)) if pool else None


def teaser(story: Story, a: Analysis, title: str = "") -> str:
    """One or two sentences that state the stakes and the tension in plain words (never a list of
    keywords, platforms or counts): what happened, in the words of a voice that reports it, then
    where the conversation stands, quoting its sharpest voice. Each teaser opens on what is
    particular to its story (who reports it, or its subject), so those of an edition do not open alike."""
    stake = _stake(story, a, title)
    if stake is not None:
        # The stake opens the teaser, so teasers open on what is particular to their story.
        item = story.items[stake.index]
        verb = "finds" if is_paper(item) else "reports" if item.platform in ("news", "blog") or item.text_by else "writes"
        said = nested(stake.sentence.rstrip())
        if said.endswith("."):
            said = f"“{said[:-1]},” {short_speaker(item)} {verb}."
        else:
            said = f"“{said}” {short_speaker(item)} {'asks' if said.endswith('?') else verb}."
        return f"{said} {_tension(story, a, stake)}"
    # No sentence states what happened: the tension alone, with room for a longer quotation.
    tension = _tension(story, a, None, STAKE_QUOTE)
    if "“" in tension:
        return tension[:1].upper() + tension[1:]
    places: list[str] = []
    for p, _, _ in a.spread:
        if _where(p) not in places:
            places.append(_where(p))
    return _shape(story, a, subject(story, a, title) or "The story", _list(places[:3]))


# --- the briefing -----------------------------------------------------------------


def write_briefing(story: Story, beat: Beat, inputs_hash: str, analysis: Analysis | None = None,
                   follows: dt.date | None = None) -> Briefing:
    a = analysis or analyse(story)
    if not any(v.sentence for v in a.voices) and not any(_quote_of(i, None)[0] for i in story.items):
        raise WriterError(story.id, "no quotable sentence or headline in any of the story's posts")
    page = _Page(story)
    _opening(page, a, follows)
    _spread(page, a, beat)
    _split(page, a)
    _more(page, a)
    _latest(page, a)
    paragraphs = tuple(page.paragraphs)
    sources = tuple(page.sources)
    head = headline(story, a)
    return Briefing(
        story=story,
        headline=head,
        teaser=teaser(story, a, head),
        paragraphs=paragraphs,
        sources=sources,
        writer="extractive",
        inputs_hash=inputs_hash,
        extra={"fidelity": fidelity(paragraphs, sources)},
    )
