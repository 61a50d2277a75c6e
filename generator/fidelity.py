"""How faithful a briefing is to its sources, measured on the text as published.

Both writers report the same two figures, computed here the same way:

- ``cited_sentences``: the share of the body's sentences (as a reader sees
  them, quotation marks included, split by :func:`generator.textutil.sentences`)
  that carry a footnote: a footnoted span overlaps the sentence, or a
  footnote marker sits inside it or right at its end;
- ``verbatim_quotes``: the share of quotations whose words are found, on word
  boundaries and after :func:`normalize`, in the post their footnote points at
  (for Claude: the post the model itself cited).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Sequence

from .models import Item, Span
from .textutil import sentences

#: For "verbatim" comparisons: every quotation mark and apostrophe is one character
#: (a quotation may turn a post's inner double quotes into single ones); invisible
#: characters go.
_TYPOGRAPHY = str.maketrans(
    {**dict.fromkeys("“”„‟\"‘’‚‛«»‹›′″", "'"), **dict.fromkeys("\u00ad\u200b\u200c\u200d\u2060\ufeff")}
)
#: A dash in any of its spellings ("--", "–", "—", a hyphen between spaces) is one spaced dash.
_DASH = re.compile(r"\s*(?:-{2,}|[‒–—―−]|(?<=\s)-(?=\s))\s*")


def normalize(text: str) -> str:
    """Text as compared for "verbatim", the one normalisation both sides go through.

    Compatibility forms folded (NFKC: full-width letters, the ellipsis
    character as "..."), every quotation mark and apostrophe one character,
    every dash one spaced dash, invisible characters dropped, spacing
    collapsed, case folded.
    """
    text = unicodedata.normalize("NFKC", text).translate(_TYPOGRAPHY)
    return " ".join(_DASH.sub(" — ", text).split()).casefold()


def holds_verbatim(haystack: str, quote: str) -> bool:
    """True when ``quote`` appears in ``haystack`` word for word, on word boundaries.

    Allowed, as in print: an ellipsis or a [bracketed insertion] between
    verbatim pieces (which must appear in order), and punctuation at either
    end of the quotation. Case is ignored (a quotation may start a sentence).
    "ference is fin" is not in "inference is finally".
    """
    pieces = [p.strip(" .,;:!?'—") for p in re.split(r"\.\.\.|\[[^\]]*\]", normalize(quote))]
    pieces = [p for p in pieces if p]
    if not pieces:
        return False
    text = normalize(haystack)
    at = 0
    for piece in pieces:
        found = re.compile(r"(?<!\w)" + re.escape(piece) + r"(?!\w)").search(text, at)
        if found is None:
            return False
        at = found.end()
    return True


def _published(paragraph: Sequence[Span]) -> tuple[str, list[tuple[int, int]]]:
    """A paragraph as a reader sees it, and where its footnoted spans sit in that text."""
    text = ""
    cited: list[tuple[int, int]] = []
    for span in paragraph:
        start = len(text)
        text += f"“{span.text.strip()}”" if span.quote else span.text
        if span.source is not None:
            cited.append((start, len(text)))
    return text, cited


def cited_share(paragraphs: Sequence[Sequence[Span]]) -> float:
    total = carrying = 0
    for paragraph in paragraphs:
        text, cited = _published(paragraph)
        cursor = 0
        for sentence in sentences(text):
            start = text.find(sentence, cursor)
            start = cursor if start < 0 else start
            end = start + len(sentence)
            cursor = end
            total += 1
            if any((a < end and b > start) if a < b else start <= a <= end for a, b in cited):
                carrying += 1
    return round(carrying / total, 3) if total else 0.0


def fidelity(paragraphs: Sequence[Sequence[Span]], sources: Sequence[Item] = (),
             verbatim: Sequence[bool] | None = None) -> dict[str, float]:
    """Both figures; ``verbatim`` (one flag per quotation) when the writer judged its quotations
    itself, else each quoted span is looked for in the source it points at."""
    if verbatim is None:
        verbatim = []
        for paragraph in paragraphs:
            for span in paragraph:
                if span.quote:
                    item = sources[span.source] if span.source is not None and 0 <= span.source < len(sources) else None
                    verbatim.append(item is not None and holds_verbatim(f"{item.title}\n{item.text}", span.text))
    return {
        "cited_sentences": cited_share(paragraphs),
        "verbatim_quotes": round(sum(verbatim) / len(verbatim), 3) if verbatim else 1.0,
    }
