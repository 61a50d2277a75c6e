"""How faithful a briefing is to its sources, measured on the text as published.

Both writers report the same two figures, computed here the same way:

- ``cited_sentences``: the share of the body's sentences (as a reader sees
  them, quotation marks included, split by :func:`generator.textutil.sentences`)
  that carry at least one footnote;
- ``verbatim_quotes``: the share of quotations whose words are found, on word
  boundaries, in the post their footnote points at (after :func:`normalize`).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Sequence

from .models import Item, Span
from .textutil import one_line, sentences

_DASHES = re.compile(r"\s*(?:--|[—–])\s*")
_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "«": '"', "»": '"', "‘": "'", "’": "'", "‚": "'", "′": "'"})


def normalize(text: str) -> str:
    """The one normalisation quotations and sources are compared under: Unicode NFKC, straight
    quotation marks, every dash (and "--") alike, runs of white space as one space, case kept."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES).replace("…", "...")
    return one_line(_DASHES.sub(" - ", text))


def found_in(quote: str, source: str) -> bool:
    """True when ``quote`` occurs in ``source`` on word boundaries ("ference is fin" does not
    occur in "inference is finally")."""
    q, s = normalize(quote).strip(), normalize(source)
    if not q:
        return False
    start = 0
    while True:
        at = s.find(q, start)
        if at < 0:
            return False
        before = s[at - 1] if at > 0 else " "
        after = s[at + len(q)] if at + len(q) < len(s) else " "
        if not (before.isalnum() and q[0].isalnum()) and not (after.isalnum() and q[-1].isalnum()):
            return True
        start = at + 1


def _published(paragraph: Sequence[Span]) -> tuple[str, list[tuple[int, int]]]:
    """A paragraph as a reader sees it, and where its footnoted spans sit in that text."""
    text = ""
    cited: list[tuple[int, int]] = []
    for span in paragraph:
        piece = f"“{span.text.strip()}”" if span.quote else span.text
        start = len(text)
        text += piece
        if span.source is not None:
            cited.append((start, len(text)))
    return text, cited


def fidelity(paragraphs: Sequence[Sequence[Span]], sources: Sequence[Item]) -> dict[str, float]:
    total = carrying = 0
    for paragraph in paragraphs:
        text, cited = _published(paragraph)
        cursor = 0
        for sentence in sentences(text):
            start = text.find(sentence, cursor)
            if start < 0:
                start = cursor
            end = start + len(sentence)
            cursor = end
            total += 1
            if any(a <= end and b >= start for a, b in cited):
                carrying += 1
    quotes = [(s.text, s.source) for p in paragraphs for s in p if s.quote]
    good = 0
    for text, source in quotes:
        if source is not None and 0 <= source < len(sources):
            item = sources[source]
            if found_in(text, item.text) or found_in(text, item.title):
                good += 1
    return {
        "cited_sentences": round(carrying / total, 3) if total else 0.0,
        "verbatim_quotes": round(good / len(quotes), 3) if quotes else 1.0,
    }
