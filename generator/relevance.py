"""Which posts are about AI, and which beat a post's own words point to.

A feed may carry ``match:`` (terms a post must contain to be used at all, for
general feeds such as a newspaper's front page); a beat may carry
``keywords:`` (terms that place a post on it). A term is matched in a post's
title and the opening of its text, on word boundaries:

- ``language model`` matches "Language models", "language-model": case is
  ignored, a space or hyphen matches either, and a plural or possessive
  ending is allowed;
- ``AI``, ``LLM`` (written in capitals) match only in capitals, so the
  Italian "ai" or the name "Al" never count as AI;
- ``fine-tun*`` (ending in ``*``) matches any word that starts so.

``match: ai`` (a single word instead of a list) stands for :data:`AI_TERMS`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Sequence

from .models import Config, Item

#: What ``match: ai`` stands for: words that make a post about AI wherever it appears.
AI_TERMS: tuple[str, ...] = (
    "AI", "A.I.", "AGI", "ASI", "GenAI", "LLM", "LLMs", "GPT*", "ChatGPT", "OpenAI", "Anthropic", "Claude",
    "DeepMind", "Gemini", "Copilot", "Midjourney", "Stable Diffusion", "Hugging Face", "HuggingFace", "Mistral AI",
    "Llama", "DeepSeek", "Qwen", "Grok", "xAI", "Perplexity AI", "Nvidia H100", "Nvidia H200", "Blackwell GPU*",
    "artificial intelligence", "machine learning", "deep learning", "neural net*", "language model*",
    "foundation model*", "frontier model*", "reasoning model*", "diffusion model*", "open-weight*", "open weight*",
    "model weights", "chatbot*", "generative", "deepfake*", "transformer model*", "fine-tun*", "finetun*",
    "inference server*", "AI agent*", "agentic", "coding agent*", "superintelligence", "alignment research*",
    "AI safety", "prompt injection*", "RLHF", "vibe cod*", "computer vision", "robotaxi*", "humanoid robot*",
)

#: How much of a post's text is searched for terms, after its title: the opening, where a
#: post says what it is about (a long article that mentions AI once in passing is not).
OPENING = 600

_ACRONYM = re.compile(r"^[A-Z0-9.\-]*[A-Z][A-Z0-9.\-]*$")


class TermError(ValueError):
    """A term that cannot be matched (empty, or a ``*`` that is not at its end)."""


def _pattern(term: str) -> str:
    term = term.strip()
    if not term or term == "*":
        raise TermError("a term must not be empty")
    prefix = term.endswith("*")
    core = term[:-1] if prefix else term
    if "*" in core:
        raise TermError(f"{term!r}: '*' may only end a term")
    words = re.split(r"[\s\-]+", core)
    body = r"[\s\-]?".join(re.escape(w) for w in words if w)
    if not body:
        raise TermError(f"{term!r} has no letters or digits")
    tail = r"[\w\-]*" if prefix else r"(?:s|es|'s|’s)?"
    # Word boundaries that also hold when the term starts or ends with a non-word character ("A.I.").
    return rf"(?<![\w]){body}{tail}(?![\w])"


def check_term(term: str) -> None:
    """Raise TermError when ``term`` cannot be used."""
    re.compile(_pattern(term))


@dataclass(frozen=True)
class Terms:
    """A compiled list of terms: does a text contain any of them, and which."""

    terms: tuple[str, ...]

    def __post_init__(self) -> None:
        exact = [_pattern(t) for t in self.terms if _ACRONYM.match(t.rstrip("*"))]
        folded = [_pattern(t) for t in self.terms if not _ACRONYM.match(t.rstrip("*"))]
        object.__setattr__(self, "_exact", re.compile("|".join(exact)) if exact else None)
        object.__setattr__(self, "_folded", re.compile("|".join(folded), re.IGNORECASE) if folded else None)

    def __bool__(self) -> bool:
        return bool(self.terms)

    def search(self, text: str) -> bool:
        return bool((self._exact and self._exact.search(text)) or (self._folded and self._folded.search(text)))

    def count(self, text: str) -> int:
        """How many times terms occur in ``text``."""
        n = 0
        for pattern in (self._exact, self._folded):
            if pattern is not None:
                n += sum(1 for _ in pattern.finditer(text))
        return n


def expand(terms: Sequence[str]) -> tuple[str, ...]:
    """A feed's ``match:`` terms with the shorthand ``ai`` (alone) replaced by :data:`AI_TERMS`."""
    if tuple(t.lower() for t in terms) == ("ai",):
        return AI_TERMS
    return tuple(terms)


def searchable(item: Item) -> str:
    """The part of a post that terms are looked for in: its title and the opening of its text."""
    title = item.title
    # A comment's title names the story it comments on; the comment's own words count too.
    return f"{title}\n{item.text[:OPENING]}"


class Relevance:
    """The feeds' ``match:`` terms and the beats' ``keywords:``, compiled once per build."""

    def __init__(self, config: Config):
        self._match = {feed.id: Terms(expand(feed.match)) for feed in config.feeds if feed.match}
        self.beat_terms = {beat.id: Terms(beat.keywords) for beat in config.beats if beat.keywords}

    def is_relevant(self, item: Item) -> bool:
        """True when at least one feed that carried the post takes it: a feed without
        ``match:`` takes every post; one with it takes posts that contain a term."""
        feeds = item.feeds or (item.feed_id,)
        text = None
        for feed_id in feeds:
            terms = self._match.get(feed_id)
            if terms is None:
                return True
            if text is None:
                text = searchable(item)
            if terms.search(text):
                return True
        return False

    def beat_hits(self, item: Item) -> dict[str, int]:
        """How often each beat's keywords occur in the post (beats without keywords left out)."""
        if not self.beat_terms:
            return {}
        text = searchable(item)
        hits = {}
        for beat_id, terms in self.beat_terms.items():
            n = terms.count(text)
            if n:
                hits[beat_id] = n
        return hits


def split_relevant(items: Iterable[Item], config: Config) -> tuple[list[Item], list[Item]]:
    """(posts about AI, posts off topic), each in the order given."""
    relevance = Relevance(config)
    kept: list[Item] = []
    dropped: list[Item] = []
    for item in items:
        (kept if relevance.is_relevant(item) else dropped).append(item)
    return kept, dropped
