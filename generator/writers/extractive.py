"""The offline writer: assembles a briefing from the story's own sentences.

No model and no network. It picks the most telling sentence of each of the
story's most representative posts (favouring different platforms and
authors), quotes each verbatim with its source, and frames the quotes with
plain connecting sentences built from the story's facts (how many posts,
from where). Every quotation is a verbatim substring of its source item.
"""

from __future__ import annotations

import re
from typing import Iterable, Iterator, Sequence

from ..cluster import tokens
from ..errors import WriterError
from ..models import Beat, Briefing, Item, Span, Story, platform_label
from ..textutil import digest, sentences
from . import Job, Outcome

VERSION = "extractive-2"
#: Quotes per briefing (one paragraph each), besides the closing paragraph.
MAX_QUOTES = 5
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
    picks = _pick_quotes(story)
    if not picks:
        raise WriterError(story.id, "no quotable sentence in any of the story's posts")
    sources = tuple(item for item, _ in picks)
    platforms = _platform_counts(story.items)
    paragraphs: list[tuple[Span, ...]] = []
    for index, (item, quote) in enumerate(picks):
        paragraphs.append(_quote_paragraph(index, item, quote, story))
    paragraphs.append((Span(_closing(story, platforms)),))
    lead = story.items[0]
    return Briefing(
        story=story,
        headline=_headline(lead),
        teaser=_teaser(story, platforms, beat),
        paragraphs=tuple(paragraphs),
        sources=sources,
        writer="extractive",
        inputs_hash=inputs_hash,
        extra={"fidelity": {"cited_sentences": _cited_share(paragraphs), "verbatim_quotes": 1.0}},
    )


def _score_sentence(sentence: str, keywords: set[str]) -> float:
    words = tokens(sentence)
    if not words:
        return 0.0
    hits = sum(1 for w in words if w in keywords)
    length = len(sentence)
    shape = 1.0 if MIN_QUOTE <= length <= MAX_QUOTE else 0.3
    pointed = 1.2 if sentence.endswith(("!", "?")) or any(w in sentence.lower() for w in (" i ", "i'm", " we ", "my ")) else 1.0
    return (1 + hits) * shape * pointed + min(length, 200) / 400


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


def _pick_quotes(story: Story) -> list[tuple[Item, str]]:
    """Up to MAX_QUOTES (item, sentence) pairs, most representative first, varied in platform and author."""
    keywords = set(story.keywords)
    picks: list[tuple[Item, str]] = []
    seen_authors: set[str] = set()
    seen_platforms: dict[str, int] = {}
    pool = list(story.items)
    # Two rounds: first prefer unseen platforms, then fill with the rest.
    for strict in (True, False):
        for item in pool:
            if len(picks) >= MAX_QUOTES:
                break
            if any(item is p for p, _ in picks):
                continue
            if strict and (seen_platforms.get(item.platform, 0) >= 1 or (item.author and item.author in seen_authors)):
                continue
            quote = _best_sentence(item, keywords)
            if not quote or any(quote == q for _, q in picks):
                continue
            picks.append((item, quote))
            seen_authors.add(item.author)
            seen_platforms[item.platform] = seen_platforms.get(item.platform, 0) + 1
    order = {item.id: n for n, item in enumerate(story.items)}
    return sorted(picks, key=lambda p: order[p[0].id])


def _who(item: Item) -> str:
    where = item.outlet or item.feed_title or platform_label(item.platform)
    if item.author and item.author != item.feed_title:
        return f"{item.author} ({where})"
    return where


_OPENERS = (
    "The sharpest version of the argument came from {who}:",
    "{who} pushed back:",
    "{who} saw it differently:",
    "From {who}:",
    "{who} added:",
    "And {who}:",
)


def _quote_paragraph(index: int, item: Item, quote: str, story: Story) -> tuple[Span, ...]:
    opener = _OPENERS[0] if index == 0 else _OPENERS[1 + (int(digest(story.id, item.id, length=4), 16) + index) % (len(_OPENERS) - 1)]
    intro = opener.format(who=_who(item))
    spans = [Span(intro + " "), Span(quote, source=index, quote=True)]
    context = item.title if item.title and item.title not in quote and quote not in item.title else ""
    if context and index == 0:
        spans.append(Span(f" (in a post titled “{context}”)"))
    return tuple(spans)


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


def _headline(lead: Item) -> str:
    title = lead.title.strip().rstrip(".")
    return title[:1].upper() + title[1:] if title else "Untitled story"


def _voice(item: Item) -> str:
    """How a teaser names a source: the outlet for news, the community or channel otherwise."""
    return item.outlet or item.feed_title or platform_label(item.platform)


def surface(word: str, items: Sequence[Item]) -> str:
    """A keyword as the posts spell it ("tessera" → "Tessera", "scholar" → "scholars")."""
    pattern = re.compile(rf"(?<!\w){re.escape(word)}[\w'’-]*", re.IGNORECASE)
    forms: dict[str, int] = {}
    for item in items:
        for match in pattern.finditer(item.title + " " + item.text[:1500]):
            forms[match.group(0)] = forms.get(match.group(0), 0) + 1
    if not forms:
        return word
    return max(sorted(forms), key=lambda f: (forms[f] + (f.lower() == word), -len(f)))


def _teaser(story: Story, platforms: dict[str, int], beat: Beat) -> str:
    voices: list[str] = []
    for item in story.items:
        voice = _voice(item)
        if voice not in voices:
            voices.append(voice)
    named = voices[:3] + ([f"{len(voices) - 3} more"] if len(voices) > 3 else [])
    topic = _list([surface(w, story.items) for w in story.keywords[:3]])
    where = _list([platform_label(p) for p in platforms])
    n = len(story.items)
    verb = "is" if len(named) == 1 else "are"
    first = f"{_list(named)} {verb} all talking about {topic}." if topic else f"{_list(named)} weigh in."
    return f"{first} {n} posts on {where}, quoted in their own words."


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
