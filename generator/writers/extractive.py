"""The offline writer: assembles a briefing from the story's own sentences.

No model and no network. Posts with a body of their own are *voices*: the
writer picks the most telling sentence of each of the most representative
ones (favouring different platforms and authors) and quotes it verbatim.
Posts that are only a headline (most news aggregator items) are gathered in
one paragraph of headlines. Plain connecting sentences built from the
story's facts frame the quotes. Every quotation is a verbatim substring of
its source item; the page says it was assembled without a language model.
"""

from __future__ import annotations

import re
from typing import Iterable, Iterator, Sequence

from ..cluster import tokens
from ..errors import WriterError
from ..models import Beat, Briefing, Item, Span, Story, platform_label
from ..textutil import digest, sentences
from . import Job, Outcome

VERSION = "extractive-3"
#: Voices quoted in their own paragraphs.
MAX_VOICES = 4
#: Headlines gathered in the headlines paragraph.
MAX_HEADLINES = 3
MIN_QUOTE, MAX_QUOTE = 40, 280


class ExtractiveWriter:
    name = "extractive"

    def fingerprint(self) -> str:
        return VERSION

    def write_all(self, jobs: Iterable[Job]) -> Iterator[Outcome]:
        for job in jobs:
            try:
                yield Outcome(job, briefing=write_briefing(job.story, job.beat, job.inputs_hash))
            except WriterError as exc:
                yield Outcome(job, error=exc)

    def summary(self) -> str:
        return "extractive writer: no model calls"


def write_briefing(story: Story, beat: Beat, inputs_hash: str) -> Briefing:
    voices = _pick_voices(story)
    headlines = [i for i in story.items if _is_headline_only(i) and all(i is not v for v, _ in voices)][:MAX_HEADLINES]
    if not voices and not headlines:
        raise WriterError(story.id, "no quotable sentence in any of the story's posts")
    sources: list[Item] = []
    paragraphs: list[tuple[Span, ...]] = []
    for n, (item, quote) in enumerate(voices):
        sources.append(item)
        paragraphs.append(_voice_paragraph(n, item, quote, story, len(sources) - 1))
    if headlines:
        spans: list[Span] = [Span("The headlines tracked it too: " if voices else "The story ran as headlines first: ")]
        for n, item in enumerate(headlines):
            sources.append(item)
            sep = "; " if n < len(headlines) - 2 else ("; and " if n == len(headlines) - 2 else ".")
            spans += [Span(f"{_voice(item)}, "), Span(item.title, source=len(sources) - 1, quote=True), Span(sep)]
        paragraphs.append(tuple(spans))
    platforms = _platform_counts(story.items)
    paragraphs.append((Span(_closing(story, platforms)),))
    return Briefing(
        story=story,
        headline=_headline(story),
        teaser=_teaser(story, platforms),
        paragraphs=tuple(paragraphs),
        sources=tuple(sources),
        writer="extractive",
        inputs_hash=inputs_hash,
        extra={"fidelity": {"cited_sentences": _cited_share(paragraphs), "verbatim_quotes": 1.0}},
    )


def _is_headline_only(item: Item) -> bool:
    return item.text.strip() == item.title.strip() or len(item.text) < len(item.title) + 25


def _score_sentence(sentence: str, keywords: set[str]) -> float:
    words = tokens(sentence)
    if not words:
        return 0.0
    hits = sum(1 for w in words if w in keywords)
    shape = 1.0 if MIN_QUOTE <= len(sentence) <= MAX_QUOTE else 0.3
    lowered = f" {sentence.lower()} "
    pointed = 1.25 if sentence.endswith(("!", "?")) or any(w in lowered for w in (" i ", " i'm ", " we ", " my ", " our ")) else 1.0
    return (1 + hits) * shape * pointed + min(len(sentence), 200) / 400


def _best_sentence(item: Item, keywords: set[str]) -> str | None:
    candidates = [s for s in sentences(item.text) if len(s) >= 25 and "http" not in s and not s.startswith(("[", "("))]
    if not candidates:
        return None
    best = max(candidates, key=lambda s: (_score_sentence(s, keywords), -candidates.index(s)))
    if len(best) > MAX_QUOTE:
        # Too long to quote whole: keep a verbatim leading clause.
        cut = best[:MAX_QUOTE]
        at = max(cut.rfind(", "), cut.rfind("; "), cut.rfind(" — "))
        best = cut[:at] if at > MIN_QUOTE else cut[: cut.rfind(" ")]
    return best.strip()


def _pick_voices(story: Story) -> list[tuple[Item, str]]:
    """Up to MAX_VOICES (item, sentence) pairs, most representative first, varied in platform and author."""
    keywords = set(story.keywords)
    picks: list[tuple[Item, str]] = []
    authors: set[str] = set()
    platforms: set[str] = set()
    pool = [i for i in story.items if not _is_headline_only(i)]
    for strict in (True, False):  # first prefer new platforms and authors, then fill up
        for item in pool:
            if len(picks) >= MAX_VOICES:
                break
            if any(item is p for p, _ in picks):
                continue
            if strict and (item.platform in platforms or (item.author and item.author in authors)):
                continue
            quote = _best_sentence(item, keywords)
            if not quote or any(quote == q for _, q in picks):
                continue
            picks.append((item, quote))
            authors.add(item.author)
            platforms.add(item.platform)
    order = {item.id: n for n, item in enumerate(story.items)}
    return sorted(picks, key=lambda p: order[p[0].id])


def _voice(item: Item) -> str:
    """How a post's venue is named: the outlet for news, the community or channel otherwise."""
    if item.outlet:
        return item.outlet
    if item.platform in ("hackernews", "mastodon", "arxiv"):
        return platform_label(item.platform)
    return re.sub(r"\s*\((?:YouTube|curated)\)$", "", item.feed_title) or platform_label(item.platform)


def _who(item: Item) -> str:
    venue = _voice(item)
    if item.platform == "arxiv":
        authors = [a.strip() for a in item.author.split(",") if a.strip()]
        if authors:
            lead = authors[0] + (" and colleagues" if len(authors) > 1 else "")
            return f"{lead}, in a paper on arXiv,"
        return "A paper on arXiv"
    if item.author and item.author not in (item.feed_title, venue):
        return f"{item.author} on {venue}"
    return venue


_FIRST = (
    "{who} set the tone:",
    "{who} put it plainly:",
    "The conversation opened with {who}:",
)
_OPENERS = (
    "{who} saw it differently:",
    "{who} pushed back:",
    "{who} added:",
    "From {who}:",
    "{who} had a sharper take:",
    "Meanwhile {who} wrote:",
)


def _voice_paragraph(n: int, item: Item, quote: str, story: Story, source: int) -> tuple[Span, ...]:
    who = _who(item)
    if n == 0:
        opener = _FIRST[int(digest(story.id, length=4), 16) % len(_FIRST)].format(who=who)
        spans = [Span(opener[:1].upper() + opener[1:] + " "), Span(quote, source=source, quote=True)]
        if item.title and item.title not in quote and quote not in item.title and not item.title.startswith("Comment on"):
            spans.append(Span(f" The post was titled “{item.title}”."))
        return tuple(spans)
    opener = _OPENERS[(int(digest(story.id, item.id, length=4), 16) + n) % len(_OPENERS)]
    text = opener.format(who=who)
    return (Span(text[:1].upper() + text[1:] + " "), Span(quote, source=source, quote=True))


def _platform_counts(items: Sequence[Item]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for item in items:
        counts[item.platform] = counts.get(item.platform, 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def _list(words: Sequence[str]) -> str:
    words = list(words)
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


_HN_PREFIX = re.compile(r"^(?:Show|Ask|Tell|Launch) HN:\s*", re.IGNORECASE)
_REDDIT_FLAIR = re.compile(r"^\[[A-Za-z]{1,4}\]\s*")


def _headline(story: Story) -> str:
    """The title of the most representative post that has a real title of its own."""
    def usable(item: Item) -> bool:
        return item.platform not in ("mastodon", "bluesky") and not item.title.startswith("Comment on")

    lead = next((i for i in story.items if usable(i)), story.items[0])
    title = _REDDIT_FLAIR.sub("", _HN_PREFIX.sub("", lead.title.strip())).rstrip(".")
    letters = [c for c in title if c.isalpha()]
    if letters and sum(c.isupper() for c in letters) > 0.7 * len(letters):
        title = title.lower()
    return title[:1].upper() + title[1:] if title else "Untitled story"


def surface(word: str, items: Sequence[Item]) -> str:
    """A keyword as the posts spell it ("tessera" → "Tessera", "scholar" → "scholars")."""
    pattern = re.compile(rf"(?<!\w){re.escape(word)}[\w'’-]*", re.IGNORECASE)
    forms: dict[str, int] = {}
    for item in items:
        for match in pattern.finditer(item.title + " " + item.text[:1500]):
            forms[match.group(0)] = forms.get(match.group(0), 0) + 1
    if not forms:
        return word
    lower = {f: n for f, n in forms.items() if f == f.lower()}
    best_lower = max(sorted(lower), key=lambda f: lower[f]) if lower else None
    best = max(sorted(forms), key=lambda f: forms[f])
    if best_lower and forms[best] < 3 * lower[best_lower]:
        return best_lower
    return best


def _teaser(story: Story, platforms: dict[str, int]) -> str:
    voices: list[str] = []
    for item in story.items:
        voice = _voice(item)
        if voice not in voices:
            voices.append(voice)
    named = voices[:3] + ([f"{len(voices) - 3} more"] if len(voices) > 3 else [])
    topic = _list([surface(w, story.items) for w in story.keywords[:3]])
    where = _list([platform_label(p) for p in platforms])
    verb = "is" if len(named) == 1 else "are"
    first = f"{_list(named)} {verb} all talking about {topic}." if topic else f"{_list(named)} weigh in."
    return f"{first} {len(story.items)} posts from {where}, quoted in their own words."


def _closing(story: Story, platforms: dict[str, int]) -> str:
    breakdown = _list([f"{count} from {platform_label(p)}" for p, count in platforms.items()])
    words = _list([f"“{surface(w, story.items)}”" for w in story.keywords[:5]])
    return (
        f"In all, {len(story.items)} posts fed this story ({breakdown}); the words they share most are {words}. "
        "The sources are listed below; follow them for the full conversation."
    )


def _cited_share(paragraphs: Sequence[tuple[Span, ...]]) -> float:
    total = len(paragraphs)
    cited = sum(1 for p in paragraphs if any(s.source is not None for s in p))
    return round(cited / total, 3) if total else 0.0
