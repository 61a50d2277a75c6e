"""Turn a Messages API answer into briefing data: headline, teaser, spans.

The answer is a list of text blocks; the blocks that draw on a search result
carry citations. Block boundaries follow the citations, not the layout, so
the blocks are joined first and the headline, teaser and paragraph breaks
are found in the joined text; each character remembers the block it came
from, and so its citations.

Footnotes are data here: a cited run becomes ``Span(text, source=i)``, where
``i`` is the citation's ``search_result_index`` -- the item's index in the
story, and so in ``Briefing.sources``. A quotation becomes
``Span(text, source=i, quote=True)`` with its quotation marks removed (the
renderer adds them back). A quotation is footnoted to the source that holds
it verbatim; when the model cited another post, or none, the span is
re-pointed and the slip is counted against ``verbatim_quotes``.

Model output is untrusted plain text: nothing here interprets it as markup.
Markdown emphasis the model may add is dropped; escaping is the renderer's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence

from ...fidelity import fidelity as shared_fidelity, holds_verbatim, normalize  # noqa: F401 (re-exported)
from ...models import Item, Span
from .prompt import content_blocks

#: Each opening quotation mark and the marks that close it. German „…“ and ‚…‘,
#: French «…» and ‹…›, and the reversed »…« all count; the straight " and ' close themselves.
_PAIRS = {"“": "”", "„": "“”", "«": "»", "»": "«", "‹": "›", "‘": "’", "‚": "‘’", '"': '"', "'": "'"}
_MARKS = frozenset(_PAIRS) | frozenset("”›’")
#: Marks that also serve as apostrophes (’90s, ’em): one left open is read as an apostrophe.
_SINGLE = frozenset("‘‚'")
#: Double marks, read flat when they do not nest as written.
_FLAT = frozenset("“”„«»\"")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t\r\f\v]*\n\s*")
_LABEL = re.compile(r"^\s*(?:headline|title|teaser|standfirst|dek|body)\s*:\s*", re.IGNORECASE)
_MD_HEADING = re.compile(r"^\s*#{1,6}\s+")
_MD_EMPHASIS = re.compile(r"\*\*|__|(?<!\w)[*_](?=\S)|(?<=\S)[*_](?!\w)|`")
_LEADING_PUNCT = re.compile(r"^[.,;:!?)]+")
@dataclass(frozen=True)
class Cite:
    """One search-result citation, checked against the request."""

    #: Index of the cited item in the story (the citation's search_result_index).
    source: int
    #: The source sentences the citation points at (metadata excluded); may be "".
    cited_text: str


@dataclass(frozen=True)
class Quote:
    """A quotation found in the body, and how faithful it is."""

    text: str
    #: The source the published span points at (None when no source holds it).
    source: int | None
    #: True when the source the model itself cited holds the words verbatim.
    verbatim_in_cited: bool
    #: True when some source holds the words verbatim.
    found: bool


@dataclass(frozen=True)
class Draft:
    """What a response says, parsed; the guard decides whether it may be published."""

    headline: str
    teaser: str
    paragraphs: tuple[tuple[Span, ...], ...]
    #: Cited source sentences per source index, for the renderer's footnotes.
    cited_text: dict[int, list[str]]
    quotes: tuple[Quote, ...]
    #: Citations (valid ones) behind the body's spans.
    citations: int
    #: The writer's own words, one line each for the headline, the teaser and every
    #: paragraph of the body, quotations left out.
    own_text: str
    #: Shape problems the parser noticed (unbalanced quotation marks).
    problems: tuple[str, ...] = ()
    #: Quotations in the headline and teaser (checked, but not footnoted there).
    heading_quotes: tuple[Quote, ...] = ()
    fidelity: dict[str, float] = field(default_factory=dict)

    @property
    def body_words(self) -> int:
        return sum(len(span.text.split()) for paragraph in self.paragraphs for span in paragraph)


def parse(content: Sequence[Mapping[str, Any]], items: Sequence[Item]) -> Draft:
    """Parse the ``content`` of a Message (as JSON data) written about ``items``."""
    return _Parser(content, items).draft()


def quote_pairs(text: str, a: int = 0, b: int | None = None) -> list[tuple[int, int]] | None:
    """(open, close) positions of the outermost quotations in text[a:b], or None when marks do not pair.

    Quotations may nest (a quoted post that itself quotes someone); each
    opening mark is closed by its own closing mark(s). ’ and ' between two
    letters are apostrophes; after a letter, or with nothing open, they
    close nothing. A single mark left open (‘ before ’90s) is an apostrophe;
    any other mark left open, or a closing mark with nothing open, means
    the marks do not pair.
    """
    b = len(text) if b is None else b
    ignored: set[int] = set()
    while True:
        out: list[tuple[int, int]] = []
        stack: list[tuple[int, str]] = []
        for pos in range(a, b):
            ch = text[pos]
            if ch not in _MARKS or pos in ignored:
                continue
            before = text[pos - 1] if pos > a else " "
            after = text[pos + 1] if pos + 1 < b else " "
            if ch in "’'" and before.isalnum() and after.isalnum():
                continue
            closes = None
            for depth in range(len(stack) - 1, -1, -1):
                if ch in _PAIRS[stack[depth][1]]:
                    closes = depth
                    break
                if stack[depth][1] not in _SINGLE:
                    break
            if closes is not None and not (ch in "’'" and after.isalnum()):
                opened = stack[closes][0]
                del stack[closes:]
                if not stack:
                    out.append((opened, pos))
            elif ch in _PAIRS and not (ch in _SINGLE and before.isalnum()):
                stack.append((pos, ch))
            elif ch in "”»›":
                return None
        left_open = {pos for pos, ch in stack if ch in _SINGLE}
        if not stack:
            return out
        if len(left_open) < len(stack):
            return None
        ignored |= left_open


def _unquoted(text: str) -> str:
    """A headline or teaser without its quotations: the guard reads the writer's own words only."""
    pairs = quote_pairs(text) or []
    out, at = [], 0
    for opened, closed in pairs:
        out.append(text[at:opened])
        at = closed + 1
    return " ".join(("".join(out) + text[at:]).split())


def strip_markdown(text: str) -> str:
    """Plain text from a line the model may have dressed in Markdown or labels."""
    text = _MD_HEADING.sub("", text.strip())
    text = _LABEL.sub("", text)
    text = _MD_EMPHASIS.sub("", text)
    text = " ".join(text.split())
    if len(text) > 1 and text[0] in "\"“" and text[-1] in "\"”" and text.count('"') + text.count("“") <= 2:
        text = text[1:-1].strip()
    return text


def fidelity(paragraphs: Sequence[Sequence[Span]], quotes: Sequence[Quote]) -> dict[str, float]:
    """The two figures (generator/fidelity.py), with quotations judged against the post the model cited."""
    return shared_fidelity(paragraphs, verbatim=[q.verbatim_in_cited for q in quotes])


@dataclass
class _Unit:
    """A run of one paragraph: a quotation, or plain text from one response block."""

    start: int
    end: int
    block: int | None
    quote: bool
    sources: list[int] = field(default_factory=list)
    text: str = ""


class _Parser:
    def __init__(self, content: Sequence[Mapping[str, Any]], items: Sequence[Item]):
        self.items = items
        self.blocks_of = [content_blocks(item) for item in items]
        self.haystacks = [f"{item.title}\n{item.text}" for item in items]
        self.text = ""
        self.owner: list[int] = []  # response block index of every character
        self.cites: list[list[Cite]] = []
        for block in content:
            if block.get("type") != "text":
                continue
            index = len(self.cites)
            self.cites.append(self._cites(block.get("citations") or ()))
            piece = block.get("text", "")
            self.text += piece
            self.owner.extend([index] * len(piece))
        self.problems: list[str] = []
        self.quotes: list[Quote] = []
        self.cited_text: dict[int, list[str]] = {}
        self.citations_used = 0

    def _cites(self, raw: Iterable[Mapping[str, Any]]) -> list[Cite]:
        """Citations that point into this request's search results; others are dropped."""
        out: list[Cite] = []
        for cite in raw:
            if cite.get("type") != "search_result_location":
                continue
            index = cite.get("search_result_index")
            if not isinstance(index, int) or not 0 <= index < len(self.items):
                continue
            blocks = self.blocks_of[index]
            start, end = cite.get("start_block_index"), cite.get("end_block_index")
            if isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(blocks):
                cited = " ".join(blocks[max(start, 1) : end])
            else:
                claimed = str(cite.get("cited_text") or "")
                cited = claimed if claimed and holds_verbatim(self.haystacks[index], claimed) else ""
            out.append(Cite(index, cited))
        return out

    # -- layout ------------------------------------------------------------

    def _paragraph_ranges(self) -> list[tuple[int, int]]:
        ranges: list[tuple[int, int]] = []
        start = 0
        for match in _PARAGRAPH_BREAK.finditer(self.text):
            ranges.append((start, match.start()))
            start = match.end()
        ranges.append((start, len(self.text)))
        out = []
        for a, b in ranges:
            while a < b and self.text[a].isspace():
                a += 1
            while b > a and self.text[b - 1].isspace():
                b -= 1
            if a < b:
                out.append((a, b))
        return out

    def draft(self) -> Draft:
        ranges = self._paragraph_ranges()
        headline = teaser = ""
        body = ranges
        if ranges:
            a, b = ranges[0]
            lines = [line for line in self.text[a:b].split("\n") if line.strip()]
            headline = strip_markdown(lines[0])
            if len(lines) > 1:
                teaser = strip_markdown(" ".join(lines[1:]))
                body = ranges[1:]
            else:
                if len(ranges) > 1:
                    c, d = ranges[1]
                    teaser = strip_markdown(self.text[c:d].replace("\n", " "))
                body = ranges[2:]
        if body and re.fullmatch(r"\s*(?:\*\*)?body:?(?:\*\*)?\s*", self.text[body[0][0] : body[0][1]], re.IGNORECASE):
            body = body[1:]
        paragraphs = tuple(p for p in (self._paragraph(n, a, b) for n, (a, b) in enumerate(body, 1)) if p)
        own_body = "\n".join("".join(span.text for span in p if not span.quote) for p in paragraphs)
        draft = Draft(
            headline=headline,
            teaser=teaser,
            paragraphs=paragraphs,
            cited_text=self.cited_text,
            quotes=tuple(self.quotes),
            citations=self.citations_used,
            own_text="\n".join([_unquoted(headline), _unquoted(teaser), own_body]),
            problems=tuple(self.problems),
            heading_quotes=tuple(self._heading_quotes(headline + "\n" + teaser)),
            fidelity=fidelity(paragraphs, self.quotes),
        )
        return draft

    def _heading_quotes(self, text: str) -> list[Quote]:
        out = []
        for line in text.split("\n"):
            for opened, closed in quote_pairs(line) or ():
                words = line[opened + 1 : closed].strip()
                if not any(ch.isalnum() for ch in words):
                    continue
                found = any(holds_verbatim(hay, words) for hay in self.haystacks)
                out.append(Quote(words, None, found, found))
        return out

    # -- one paragraph -----------------------------------------------------

    def _quote_ranges(self, a: int, b: int, number: int) -> list[tuple[int, int]]:
        """(open, close) positions of the outermost quotation marks in text[a:b] (see ``quote_pairs``).

        When marks do not pair as written (a model that opens with a curly
        double mark and closes with a straight one), the double marks are
        read flat: each closes the quotation open before it.
        """
        nested = quote_pairs(self.text, a, b)
        if nested is not None:
            return nested
        flat = self._flat_pairs(a, b)
        if flat is not None:
            return flat
        self.problems.append(f"paragraph {number} has quotation marks that do not pair up")
        return []

    def _flat_pairs(self, a: int, b: int) -> list[tuple[int, int]] | None:
        out: list[tuple[int, int]] = []
        opened: int | None = None
        for pos in range(a, b):
            ch = self.text[pos]
            if ch not in _FLAT:
                continue
            if opened is None and ch in "“„«\"":
                opened = pos
            elif opened is not None:
                out.append((opened, pos))
                opened = None
            else:
                return None
        return out if opened is None else None

    def _units(self, a: int, b: int, number: int) -> list[_Unit]:
        units: list[_Unit] = []
        pos = a
        for open_at, close_at in self._quote_ranges(a, b, number):
            units.extend(self._text_units(pos, open_at))
            units.append(_Unit(open_at + 1, close_at, None, True))
            pos = close_at + 1
        units.extend(self._text_units(pos, b))
        return units

    def _text_units(self, a: int, b: int) -> list[_Unit]:
        units: list[_Unit] = []
        start = a
        for pos in range(a + 1, b + 1):
            if pos == b or self.owner[pos] != self.owner[start]:
                if start < pos:
                    units.append(_Unit(start, pos, self.owner[start], False))
                start = pos
        return units

    def _blocks_of_quote(self, a: int, b: int) -> tuple[list[int], list[int]]:
        """Response blocks of the quoted words text[a:b], and those that only hold its marks."""
        inner: list[int] = []
        for pos in range(a, b):
            if self.owner[pos] not in inner:
                inner.append(self.owner[pos])
        edges = [self.owner[p] for p in (a - 1, b) if 0 <= p < len(self.text) and self.owner[p] not in inner]
        return inner, list(dict.fromkeys(edges))

    def _record(self, source: int, cited: str) -> None:
        texts = self.cited_text.setdefault(source, [])
        if cited and cited not in texts:
            texts.append(cited)

    def _paragraph(self, number: int, a: int, b: int) -> tuple[Span, ...]:
        units = self._units(a, b, number)
        consumed: dict[int, set[int]] = {}
        for unit in units:
            if unit.quote:
                self._place_quote(unit, consumed)
        # The last text unit of each block carries that block's citations
        # (those its quotations have not already carried).
        last_of_block: dict[int, _Unit] = {}
        for unit in units:
            if not unit.quote and unit.block is not None and self.text[unit.start : unit.end].strip(" \n\t.,;:!?"):
                last_of_block[unit.block] = unit
        for block, unit in last_of_block.items():
            for cite in self.cites[block]:
                if cite.source in consumed.get(block, set()):
                    continue
                if cite.source not in unit.sources:
                    unit.sources.append(cite.source)
                self._record(cite.source, cite.cited_text)
                self.citations_used += 1
        return self._spans(units)

    def _place_quote(self, unit: _Unit, consumed: dict[int, set[int]]) -> None:
        words = strip_markdown(self.text[unit.start : unit.end])
        unit.text = words
        if not any(ch.isalnum() for ch in words):
            unit.text = ""  # marks around nothing worth quoting: dropped
            return
        inner, edges = self._blocks_of_quote(unit.start, unit.end)
        # The model's citation for a quotation is on the quoted words, or else on a mark.
        cites = [cite for block in inner + edges for cite in self.cites[block]]
        holders = [i for i, hay in enumerate(self.haystacks) if holds_verbatim(hay, words)]
        cited = cites[0].source if cites else None
        chosen = next((c.source for c in cites if c.source in holders), holders[0] if holders else cited)
        self.quotes.append(Quote(words, chosen, cited is not None and cited in holders, bool(holders)))
        # The quotation's footnote stands for the citations of the quoted words;
        # a block that only holds a mark keeps its other citations for its own words.
        for block in inner:
            consumed.setdefault(block, set()).update(c.source for c in self.cites[block])
        if chosen is None:
            return
        for block in edges:
            consumed.setdefault(block, set()).add(chosen)
        unit.sources.append(chosen)
        self.citations_used += 1
        matching = next((c for c in cites if c.source == chosen and c.cited_text), None)
        if matching is not None and holds_verbatim(matching.cited_text, words):
            self._record(chosen, matching.cited_text)
        else:
            block = next((blk for blk in self.blocks_of[chosen][1:] if holds_verbatim(blk, words)), "")
            self._record(chosen, block or (matching.cited_text if matching else ""))

    def _spans(self, units: list[_Unit]) -> tuple[Span, ...]:
        spans: list[Span] = []
        for unit in units:
            text = unit.text if unit.quote else _MD_EMPHASIS.sub("", re.sub(r"\s+", " ", self.text[unit.start : unit.end]))
            if unit.quote and not text:
                continue
            first = unit.sources[0] if unit.sources else None
            if not unit.quote and first is None:
                text = _pull_punctuation(spans, text)
            if not unit.quote and first is None and spans and spans[-1].source is None and not spans[-1].quote:
                spans[-1] = Span(spans[-1].text + text, None, False)
            elif text or first is not None:
                spans.append(Span(text, first, unit.quote))
            for extra in unit.sources[1:]:
                spans.append(Span("", extra, False))
        return _trim(spans)


def _pull_punctuation(spans: list[Span], text: str) -> str:
    """Move punctuation that closes a cited run in front of its footnote(s); return what is left of ``text``.

    "benchmarks[^1]." becomes "benchmarks.[^1]"; a quotation keeps the
    punctuation after its closing mark.
    """
    lead = _LEADING_PUNCT.match(text)
    at = len(spans) - 1
    while at >= 0 and spans[at].source is not None and not spans[at].text and not spans[at].quote:
        at -= 1  # skip extra footnote markers
    if not lead or at < 0 or spans[at].source is None or spans[at].quote:
        return text
    if spans[at].text.rstrip().endswith(tuple(".,;:!?)")):
        return text
    spans[at] = Span(spans[at].text + lead.group(), spans[at].source, False)
    return text[lead.end() :]


def _trim(spans: list[Span]) -> tuple[Span, ...]:
    """Drop the paragraph's outer whitespace and empty plain runs."""
    if spans and not spans[0].quote:
        spans[0] = Span(spans[0].text.lstrip(), spans[0].source, False)
    if spans and not spans[-1].quote:
        spans[-1] = Span(spans[-1].text.rstrip(), spans[-1].source, False)
    return tuple(s for s in spans if s.text or s.source is not None)
