"""What a story's conversation looks like, read from its posts: the analysis both writers use.

For each story this computes, from the posts alone and deterministically:

- its **timeline**: the earliest and the latest post, and how it spread
  across platforms (when each platform first carried it, how many posts);
- its **voices**: for every post with words to quote, the sentence that best
  speaks for it, whose words they are (the commenter, the outlet, the
  authors of a paper, the article an aggregator carried), and its stance:
  ``reporting``, ``supportive``, ``critical`` or ``question``. Stance is the
  tone of the post's own words (VADER, with the story's topic words masked
  so that "weapons" does not make every post critical), and a post that
  pushes back ("changes nothing", "overblown", "but…") leans critical;
- the **majority** among the opinions and the voices that **dissent** from it;
- the **representative sentence** (the one closest to the centre of all the
  story's sentences, TF-IDF) and the **sharpest dissent**;
- the **named entities** (labs, models, products, people as the posts name
  them) and the one the story is about (its actor);
- its **volume** against its beat's usual (from generator/cluster.py).

Writers turn this into prose, so every connective they use ("first",
"pushed back", a count) is true by construction.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from typing import Sequence
from urllib.parse import urlsplit

from .models import Item, Story, platform_label
from .textutil import sentences

#: Bump when the analysis changes: briefings are written again.
ANALYSE_VERSION = "5"

STANCES = ("reporting", "supportive", "critical", "question")
#: Tone (VADER compound, -1..1) beyond which a post's own words take a side.
TONE = 0.3
#: Quotable sentences, in characters.
MIN_QUOTE, MAX_QUOTE = 30, 260

# Words and phrases of AI discourse that VADER's general lexicon misses or misreads.
_LEXICON = {
    "useless": -2.0, "overhyped": -2.0, "overblown": -1.6, "hype": -1.0, "grift": -2.2, "grifters": -2.2,
    "slop": -1.8, "enshittification": -2.5, "dystopian": -2.2, "scam": -2.4, "snake": -1.0, "cope": -1.2,
    "boycott": -1.6, "cancelling": -1.2, "canceling": -1.2, "cancelled": -1.0, "unsubscribed": -1.2,
    "theater": -1.2, "theatre": -1.2, "pointless": -1.8, "broken": -1.6, "worse": -1.8, "regression": -1.4,
    "finally": 1.2, "impressive": 2.2, "game-changer": 2.2, "gamechanger": 2.2, "welcome": 1.6, "excited": 2.0,
    "permissive": 0.6, "faster": 1.0, "cheaper": 1.0, "solid": 1.4, "underrated": 1.2, "legit": 1.4,
}
# Openings and phrases that push back against what came before (they lean a post critical).
_PUSHBACK = re.compile(
    r"^(?:but|no[,.!]|nope|nah|counterpoint|not really|not sure|i doubt|i disagree|disagree|actually,|honestly,? (?:no|this is not))"
    r"|changes nothing|won't (?:matter|change|stop)|doesn't (?:matter|change)|makes no difference|nothing will change"
    r"|is overblown|is overhyped|is just hype|missing the point|misses the point|not the (?:point|problem)",
    re.IGNORECASE,
)
# Scepticism and approval as online discussion of technology voices them, beyond a general
# sentiment lexicon: each occurrence moves a post's tone by CUE_WEIGHT.
_SCEPTIC = re.compile(
    r"\b(?:not (?:a|an|the|really|open|how|what|enough|worth|a finding)|isn't|is still not|still not|nothing|nobody|no one|no way"
    r"|marketing|spin|oversells?|overstat\w*|misleading|cherry.?pick\w*|smells?|suspicious|contaminat\w*|gam(?:ed|ing) the"
    r"|goodhart|negligent|reckless|irresponsible|worr(?:y|ies|ying|ied)|concern(?:s|ed|ing)?|dangerous|scary|creepy|theat(?:er|re)"
    r"|open.?washing|better branding|press.release|excuse|absurd|ridiculous|a joke|lol|of course|so much for|yet another"
    r"|best case|the easy part|price negotiation|invoice|muddies|category error|unsolved|oddly|careless|bubble|losing billions"
    r"|should (?:block|stop|ban|not)|won't|can't easily|embrace, extend)\b",
    re.IGNORECASE,
)
_APPROVE = re.compile(
    r"\b(?:good(?: news| paper| move| call)?|great|finally|glad|i'll take it|matters|impressive|cooking|breath of fresh air"
    r"|cheap insurance|the new default|love (?:it|this|that)|excited|big deal|a win|huge|solid|well done|kudos|bravo"
    r"|way rather|better than|beats|indistinguishable|worth it|useful|works (?:great|well)|recommend)\b",
    re.IGNORECASE,
)
CUE_WEIGHT = 0.3
# Signs that a text voices its writer's view at all (first person, judgement, address, emphasis):
# without one, a post's tone is the tone of its subject, and it counts as reporting.
_OPINION = re.compile(
    r"\b(?:i|i'm|i've|i'd|me|my|we|we're|our|imo|imho|honestly|frankly|should|shouldn't|must|need to|you|your)\b|!|\?$",
    re.IGNORECASE,
)
_QUESTION_LEAD = re.compile(r"^(?:ask hn|ask|question|\[q\]|q:)\b", re.IGNORECASE)


@lru_cache(maxsize=1)
def _analyzer():
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    analyzer = SentimentIntensityAnalyzer()
    analyzer.lexicon.update(_LEXICON)
    return analyzer


def tone(text: str, masked: frozenset[str] = frozenset()) -> float:
    """VADER's compound score of ``text`` with the topic words in ``masked`` left out."""
    if masked:
        from .cluster import tokens

        text = " ".join(w for w in text.split() if not (set(tokens(w)) & masked))
    score = _analyzer().polarity_scores(text)["compound"]
    score += CUE_WEIGHT * (min(len(_APPROVE.findall(text)), 3) - min(len(_SCEPTIC.findall(text)), 3))
    if _PUSHBACK.search(text.strip()):
        score = min(score, 0.0) - 0.35
    return max(-1.0, min(1.0, score))


# --- who said it ---------------------------------------------------------------


def _host(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower()
    return host[4:] if host.startswith("www.") else host


def venue(item: Item) -> str:
    """Where a post appeared, as a reader knows the place ("r/LocalLLaMA", "Hacker News", "Reuters")."""
    if item.outlet and item.platform == "news":
        return item.outlet
    if item.platform in ("hackernews", "mastodon", "arxiv", "lemmy"):
        if item.platform == "lemmy" and item.outlet:
            return f"{item.outlet} on Lemmy"
        return platform_label(item.platform)
    title = re.sub(r"\s*\((?:YouTube|curated)\)$", "", item.feed_title).strip()
    return title or platform_label(item.platform)


def is_paper(item: Item) -> bool:
    return item.platform == "arxiv" and "arxiv.org" in _host(item.url)


def speaker(item: Item) -> str:
    """Whose words a post's text holds, as a sentence names them mid-sentence: the handle or
    name as the post gives it (never re-cased), then where it was said."""
    if item.text_by:
        return f"an article on {item.text_by}"
    place = venue(item)
    if item.platform == "arxiv":
        if not is_paper(item):
            host = _host(item.url)
            return f"{item.author} on {host}" if item.author else f"a post on {host}"
        authors = [a.strip() for a in item.author.split(",") if a.strip()]
        if not authors:
            return "an arXiv paper"
        lead = authors[0] + (" and colleagues" if len(authors) > 2 else f" and {authors[1]}" if len(authors) == 2 else "")
        return f"the arXiv paper by {lead}"
    if item.platform == "news":
        return f"{item.author} of {place}" if item.author and item.author != place else place
    if item.platform == "hackernews" and item.title.startswith("Comment on "):
        return f"Hacker News commenter {item.author}" if item.author else "a Hacker News commenter"
    if item.author and item.author not in (item.feed_title, place):
        return f"{item.author} on {place}"
    return place


def short_speaker(item: Item) -> str:
    """Who is speaking, in a few words, for a line that names them before a quotation."""
    if item.text_by:
        return item.text_by
    if item.platform == "hackernews" and item.author:
        return f"{item.author} on Hacker News"
    return speaker(item)


def is_headline_only(item: Item) -> bool:
    return not item.text.strip() or item.text.strip() == item.title.strip() or len(item.text) < len(item.title) + 25


def own_words(item: Item) -> bool:
    """True when the post's text is its author's own (not an article an aggregator carried)."""
    return not item.text_by and not is_headline_only(item)


# --- clean, quotable sentences ---------------------------------------------------

_OPENING_QUOTES = "\"'“‘«"
_CLOSING_QUOTES = "\"'”’»"
_END = re.compile(r"[.!?…][\"'”’)\]]*$")
_CONTINUES = re.compile(r"^(?:but|and|or|so|however|also|plus|then|which|because|though|although|still|yet|instead|otherwise|meanwhile|moreover|thus|hence)\b", re.IGNORECASE)


def _balanced(text: str) -> bool:
    if text.count('"') % 2 or text.count("“") != text.count("”") or text.count("(") != text.count(")"):
        return False
    return text.count("«") == text.count("»")


def quotable(sentence: str) -> bool:
    """A whole sentence that can stand in quotation marks: starts like a sentence, ends with
    its own full stop, carries no link, markup residue or unbalanced quotation mark."""
    s = sentence.strip()
    if not MIN_QUOTE <= len(s) <= MAX_QUOTE:
        return False
    if s[0] in _OPENING_QUOTES or s[-1] in _OPENING_QUOTES or s[0] in "([{-–—•*#>|:;,." or s[0].islower() and not re.match(r"^[a-z]+[/_@]|^@|^u/", s):
        return False
    if not _END.search(s) or "…" in s or "..." in s or "http" in s or "www." in s:
        return False
    if _CONTINUES.match(s):
        return False  # a sentence that leans on the one before it reads as cut mid-thought
    if "\\" in s or "$" in s and re.search(r"\$[^$]+\$", s) or "&#" in s or "&amp;" in s:
        return False
    if s.count("|") >= 2 or len(re.findall(r"\b[A-Z]{4,}\b", s)) > 3:
        return False
    return _balanced(s)


def candidate_sentences(item: Item) -> list[str]:
    """The post's quotable sentences, in order (its title too when the text offers none)."""
    found = [s.strip() for s in sentences(item.text[:3000]) if quotable(s)]
    if not found and item.title and item.title == item.text.strip() and _END.search(item.title) and quotable(item.title):
        found = [item.title]
    return found


# --- the analysis ----------------------------------------------------------------


@dataclass(frozen=True)
class Voice:
    """One post as a voice in the conversation."""

    #: Index of the post in ``Story.items``.
    index: int
    stance: str
    #: Its quotable sentence (verbatim from the post), or "" when it offers none.
    sentence: str
    #: The tone of its own words, -1..1 (0 for reports and questions).
    tone: float
    #: Whose words these are, as a sentence names them (see :func:`speaker`).
    speaker: str
    #: True when the words are the poster's own (not an article carried by an aggregator).
    own: bool


@dataclass(frozen=True)
class Analysis:
    #: Index of the earliest and of the latest post.
    first: int
    latest: int
    #: (platform, first post's time, posts) per platform, in the order they joined.
    spread: tuple[tuple[str, dt.datetime, int], ...]
    #: Hours from the earliest to the latest post.
    hours: float
    voices: tuple[Voice, ...]
    #: "supportive", "critical", or "" when the opinions are evenly split or absent.
    majority: str
    #: Voices (their item indexes) that take the other side from the majority.
    dissent: tuple[int, ...]
    representative: Voice | None
    sharpest_dissent: Voice | None
    #: The most pointed question, if the conversation asks one.
    question: Voice | None
    #: (name, posts that name it), most named first.
    entities: tuple[tuple[str, int], ...]
    #: The entity the story is about ("" when none stands out).
    actor: str
    #: New posts, and the median new posts of its beat's stories (cluster's measure).
    posts: int
    usual: float
    #: Posts first read as back catalogue that joined the story.
    earlier_posts: int
    #: Posts per platform in each of the story's hours, for charts: ((hour offset, platform, posts), ...).
    hourly: tuple[tuple[int, str, int], ...]

    def voice(self, index: int) -> Voice | None:
        return next((v for v in self.voices if v.index == index), None)

    def by_stance(self, stance: str) -> list[Voice]:
        return [v for v in self.voices if v.stance == stance]

    def counts(self) -> dict[str, int]:
        c = Counter(v.stance for v in self.voices)
        return {s: c.get(s, 0) for s in STANCES}

    def front_matter(self, story: Story) -> dict:
        """Plain data for the briefing's front matter (kept so a reader and a later build can audit it)."""
        def ref(v: Voice | None) -> dict | None:
            if v is None:
                return None
            return {"post": story.items[v.index].url, "speaker": v.speaker, "stance": v.stance, "sentence": v.sentence}

        first, latest = story.items[self.first], story.items[self.latest]
        return {
            "first_post": {"url": first.url, "platform": first.platform, "at": first.published.isoformat()},
            "latest_post": {"url": latest.url, "platform": latest.platform, "at": latest.published.isoformat()},
            "spread": [{"platform": p, "from": t.isoformat(), "posts": n} for p, t, n in self.spread],
            "hours": round(self.hours, 1),
            "stances": self.counts(),
            "majority": self.majority or "none",
            "dissenting_posts": len(self.dissent),
            "representative": ref(self.representative),
            "sharpest_dissent": ref(self.sharpest_dissent),
            "question": ref(self.question),
            "entities": [name for name, _ in self.entities[:12]],
            "actor": self.actor,
            "volume": {"posts": self.posts, "beat_usual": self.usual, "earlier_posts": self.earlier_posts},
        }


#: How strong a voice's tone must be, with a cue of its side, to be called a dissent.
DISSENT_TONE = 0.45


def _clear(voice: Voice, item: Item) -> bool:
    """A voice whose side is plain: a strong tone and words that say so (used for dissent)."""
    text = f"{item.title} {item.text[:800]}"
    if voice.stance == "critical":
        return voice.tone <= -DISSENT_TONE and bool(_SCEPTIC.search(text) or _PUSHBACK.search(text))
    if voice.stance == "supportive":
        return voice.tone >= DISSENT_TONE and bool(_APPROVE.search(text))
    return False


def _stance(item: Item, own: list[str], masked: frozenset[str]) -> tuple[str, float]:
    title = item.title.strip()
    asks = title.endswith("?") or bool(_QUESTION_LEAD.match(title))
    if not own_words(item) or item.platform in ("news", "arxiv"):
        return ("question" if asks and item.platform not in ("news", "arxiv") else "reporting"), 0.0
    text_sentences = sentences(item.text[:2000])
    questions = sum(1 for s in text_sentences if s.rstrip("\"'”’)").endswith("?"))
    if (asks and questions >= 1) or (text_sentences and questions / len(text_sentences) >= 0.5):
        return "question", 0.0
    sample = " ".join(text_sentences[:4])
    if not item.title.startswith("Comment on "):
        sample = f"{title}. {sample}"
    score = tone(sample, masked)
    if not (_OPINION.search(sample) or _SCEPTIC.search(sample) or _APPROVE.search(sample) or _PUSHBACK.search(sample)):
        return "reporting", round(score, 3)
    if item.platform == "blog" and item.author == item.feed_title:
        return "reporting", round(score, 3)  # an organisation announcing its own news
    if score >= TONE:
        return "supportive", round(score, 3)
    if score <= -TONE:
        return "critical", round(score, 3)
    return "reporting", round(score, 3)


def _best_sentence(candidates: list[str], stance: str, masked: frozenset[str], centre) -> str:
    if not candidates:
        return ""
    if stance in ("supportive", "critical"):
        sign = 1 if stance == "supportive" else -1
        return max(candidates, key=lambda s: (round(sign * tone(s, masked), 6), -candidates.index(s)))
    if stance == "question":
        asked = [s for s in candidates if s.rstrip("\"'”’)").endswith("?")]
        if asked:
            return asked[0]
    return centre(candidates)


_ENTITY = re.compile(
    r"(?<![\w@/#])(?:[A-Z][\w'’.\-]*[A-Za-z0-9]|[A-Z])(?:[ \-](?:[A-Z][\w.\-]*[A-Za-z0-9]|\d[\w.\-]*|AI|of|de|von))*"
)
#: Dates and times are not names ("November 21", "PM GMT").
_TIME_WORDS = frozenset("""january february march april may june july august september october november december
    jan feb mar apr jun jul aug sep sept oct nov dec monday tuesday wednesday thursday friday saturday sunday
    am pm gmt utc est pst cet bst""".split())
#: Ordinary words that title-case and sentence starts capitalise; alone they name nothing.
_COMMON_WORDS = frozenset("""open less more labs lab free data model models code tools tool update news report
    study research policy rules rule law open-source local cloud chat agents agent users user people company
    companies government world global national state city market markets price prices""".split())
#: Words that may start a capitalised phrase without being part of the name ("The", "Our").
_LEADING = frozenset("the a an this that these those it its our my your their his her we i you he she they if when".split())
_NOT_ENTITY = frozenset(
    """the a an this that these those it its i i'm we you he she they my our your their his her there here
    if in on at to of for by from with and or but not no yes so as is are was be been what why how when where who
    which new just also more most all any some one two three after before today yesterday tomorrow now then
    monday tuesday wednesday thursday friday saturday sunday january february march april may june july august
    september october november december mon tue wed thu fri sat sun jan feb mar apr jun jul aug sep sept oct nov dec
    edit update tl;dr tldr imo imho eli5 op lol omg ok okay thanks please hey hi well still even maybe
    ai llm llms ml api gpu gpus cpu ceo cto us uk eu un usa op-ed paper abstract phd seo faq diy ama psa we're i've i'd it's don't can't
    show ask tell hn reddit comment comments post posts thread video news breaking exclusive opinion analysis
    here's that's what's there's hours minutes days weeks months years""".split()
)


def entities(items: Sequence[Item]) -> list[tuple[str, int]]:
    """Names the posts use (capitalised phrases, CamelCase, names with digits), by how many posts use each."""
    per_post: list[set[str]] = []
    for item in items:
        found: set[str] = set()
        # In a Title Case Headline capitals say nothing: only names with digits or inner capitals count.
        words = [w for w in item.title.split() if len(w) > 3 and w[0].isalpha()]
        title_case = len(words) >= 3 and sum(w[0].isupper() for w in words) >= 0.7 * len(words)
        parts = (item.title,) if is_headline_only(item) else (item.title, item.text[:1500])
        for k, part in enumerate(parts):
            strict = title_case and k == 0
            for chunk in re.split(r"(?<=[.!?:;])\s+|\n", part):
                for position, match in enumerate(_ENTITY.finditer(chunk)):
                    name = match.group(0).strip(" -.'’")
                    words = name.split()
                    while words and words[0].lower() in _LEADING:
                        words = words[1:]
                    while words and words[-1].lower() in _LEADING | {"of", "de", "von"}:
                        words = words[:-1]
                    name = " ".join(words)
                    if len(name) < 2 or name.lower() in _NOT_ENTITY or any(w.lower() in _TIME_WORDS for w in words):
                        continue
                    if len(words) == 1 and name.lower() in _COMMON_WORDS:
                        continue
                    at_start = match.start() == 0 and len(words) == 1
                    distinctive = any(c.isdigit() for c in name) or any(
                        re.search(r"[a-z][A-Z]|^[A-Z]{2,}$", w) and w.lower() not in _NOT_ENTITY for w in name.split())
                    if strict and not distinctive:
                        continue
                    if at_start and not (distinctive or len(words) > 1):
                        continue  # a capital at the start of a sentence says nothing
                    found.add(name)
        per_post.append(found)
    counts = Counter(name for found in per_post for name in sorted(found))
    # A shorter name inside a longer one that is used as often is the same name (decided on the
    # counts as found, in a fixed order, so that the result never depends on iteration order).
    found_counts = dict(counts)
    for name in sorted(found_counts):
        if any(other != name and f" {name} " in f" {other} " and found_counts[other] >= found_counts[name]
               for other in sorted(found_counts)):
            counts[name] = 0
    need = 2 if len(items) >= 3 else 1
    ranked = sorted(((n, c) for n, c in counts.items() if c >= need), key=lambda nc: (-nc[1], -len(nc[0]), nc[0]))
    return ranked


def _actor(found: list[tuple[str, int]], items: Sequence[Item]) -> str:
    """The name most of the posts use, when one stands out (named in a title, by a third of the posts)."""
    titles = " ".join(i.title for i in items)
    need = max(2, -(-len(items) // 3)) if len(items) > 2 else 1
    for name, count in found:
        if count >= need and name in titles:
            return name
    return ""


def analyse(story: Story) -> Analysis:
    items = story.items
    masked = frozenset(story.keywords[:4])
    # The conversation is told from the new posts; back-catalogue posts that joined are listed, not told.
    fresh = [i for i in range(len(items)) if not items[i].backlog] or list(range(len(items)))
    order = sorted(fresh, key=lambda i: (items[i].published, items[i].id))
    first, latest = order[0], order[-1]
    spread: dict[str, list] = {}
    for i in order:
        entry = spread.setdefault(items[i].platform, [items[i].published, 0])
        entry[1] += 1
    hours = (items[latest].published - items[first].published).total_seconds() / 3600
    start = items[first].published
    hourly = Counter((int((items[i].published - start).total_seconds() // 3600), items[i].platform) for i in fresh)

    all_sentences = [s for i in fresh for s in candidate_sentences(items[i])]
    centre = _centre_picker(all_sentences)
    voices = []
    for index in fresh:
        item = items[index]
        candidates = candidate_sentences(item)
        stance, score = _stance(item, candidates, masked)
        sentence = _best_sentence(candidates, stance, masked, centre)
        if not sentence and item.title and not item.title.startswith("Comment on ") and not item.text_by and item.platform not in ("mastodon", "bluesky"):
            sentence = ""  # headline-only posts are quoted by their title, by the writer
        voices.append(Voice(index, stance, sentence, score, speaker(item), own_words(item)))

    opinions = [v for v in voices if v.stance in ("supportive", "critical")]
    tally = Counter(v.stance for v in opinions)
    majority = ""
    if opinions:
        top, n = max(tally.items(), key=lambda kv: (kv[1], kv[0]))
        if n / len(opinions) >= 0.6 and n >= 2 or len(opinions) == 1:
            majority = top
    other = {"supportive": "critical", "critical": "supportive"}.get(majority, "")
    dissent = tuple(v.index for v in voices if v.stance == other and _clear(v, items[v.index]))
    with_words = [v for v in voices if v.sentence]
    representative = None
    if with_words:
        pool = [v for v in with_words if v.stance != "question"] or with_words
        best = centre([v.sentence for v in pool])
        representative = next(v for v in pool if v.sentence == best)
    sharpest = None
    dissenting = [v for v in with_words if v.index in dissent]
    if dissenting:
        sign = 1 if other == "supportive" else -1
        sharpest = max(dissenting, key=lambda v: (round(sign * v.tone, 6), -v.index))
    elif not majority and opinions:
        # An even split: the sharpest voice of the side the representative sentence is not on.
        rep_side = representative.stance if representative else ""
        against = [v for v in with_words if v.stance in ("supportive", "critical") and v.stance != rep_side]
        if against:
            sharpest = max(against, key=lambda v: (round(abs(v.tone), 6), -v.index))
    questions = [v for v in with_words if v.stance == "question" or v.sentence.rstrip("\"'”’)").endswith("?")]
    question = max(questions, key=lambda v: (len(v.sentence) <= 160, -v.index)) if questions else None
    found = entities(items)
    metrics = story.metrics or {}
    return Analysis(
        first=first,
        latest=latest,
        spread=tuple((p, t, n) for p, (t, n) in spread.items()),
        hours=hours,
        voices=tuple(voices),
        majority=majority,
        dissent=dissent,
        representative=representative,
        sharpest_dissent=sharpest,
        question=question,
        entities=tuple(found),
        actor=_actor(found, items),
        posts=int(metrics.get("posts", len(items))),
        usual=float(metrics.get("usual_posts", 0.0)),
        earlier_posts=int(metrics.get("earlier_posts", 0)),
        hourly=tuple(sorted((h, p, n) for (h, p), n in hourly.items())),
    )


def _centre_picker(pool: Sequence[str]):
    """A function choosing, among some sentences, the one closest to the centre of ``pool`` (TF-IDF)."""
    if len(pool) < 2:
        return lambda options: options[0]
    from sklearn.feature_extraction.text import TfidfVectorizer

    from .cluster import tokens

    vectorizer = TfidfVectorizer(tokenizer=tokens, lowercase=False, token_pattern=None, sublinear_tf=True)
    try:
        matrix = vectorizer.fit_transform(pool)
    except ValueError:  # no usable words at all
        return lambda options: options[0]
    import numpy as np

    centre = np.asarray(matrix.sum(axis=0)).ravel()
    norm = float(np.linalg.norm(centre)) or 1.0
    centre = centre / norm

    def pick(options: Sequence[str]) -> str:
        scores = vectorizer.transform(list(options)) @ centre
        # Mid-length sentences read best as quotations; ties go to the earlier one.
        def key(k: int) -> tuple:
            shape = 1.0 if 60 <= len(options[k]) <= 220 else 0.8
            return (round(float(scores[k]) * shape, 9), -k)

        return options[max(range(len(options)), key=key)]

    return pick
