"""A search index that stays small however many briefings there are.

Material's search plugin indexes every page's full text, section by section,
which for an archive of briefings soon makes an index too large for a
browser to load (figures in the README's benchmarks). Briefings and the generated lists of teasers (home, beats, archive) are kept
out of its full-text index (``search: {exclude: true}``, set when the page is
read) and get one compact entry each instead, added to
``search/search_index.json`` after the search plugin wrote it. A briefing is
found by its headline (title) and teaser, and by the names it gives: its
beat, its sources (feeds, outlets, authors and handles), the labs, models,
products and people its posts name (``analysis.entities``) and its story's
key words (``keywords``, in the form the posts write them). A name whose
every word the entry already holds is left out, which keeps the index small
without losing a match. The body and footnotes are not indexed. Other pages
(About, hand-written ones) are indexed in full as usual.

The words are cut where mkdocs.yml's ``search.separator`` cuts them (spaces,
hyphens, slashes, "@", punctuation and quotation marks; Reddit's "u/" and "r/"
are dropped), so "u/pat_h" is found by "pat_h" as well as by "u/pat_h", and
"@ann@mas.to" by "ann"; :data:`WORD_SEPARATOR` is the same rule.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

from generator.atomic import write_atomic

#: Pages (by path under docs/) that get one compact search entry instead of full text.
BRIEFINGS_PREFIX = "briefings/"
LIST_PREFIXES = ("beats/", "archive/")
HOME = "index.md"


def is_compact(uri: str) -> bool:
    """A page that gets one compact entry instead of its full text."""
    return uri == HOME or uri.startswith(LIST_PREFIXES) or uri.startswith(BRIEFINGS_PREFIX)


#: Where the search cuts text into words: mkdocs.yml's ``plugins.search.separator`` (a JavaScript
#: regular expression that Python reads the same way); tests/test_search_index.py keeps them equal.
WORD_SEPARATOR = r"""[\s\-/@,;:!?()\[\]"'“”‘’«»…·|]+|\.(?!\d)|&(?:#?\w+);|\b[ur]/"""
_SPLIT = re.compile(WORD_SEPARATOR)
#: Most names (entities) taken from a briefing's analysis.
MAX_ENTITIES = 12


def _plain(value, *, escaped: bool = True) -> str:
    """A front-matter value as one line of plain text. Top-level strings arrive HTML-escaped
    (generator.site.escape); those of nested mappings (sources, analysis) do not (``escaped=False``)."""
    if value is None:
        return ""
    text = html.unescape(value) if isinstance(value, str) and escaped else str(value)
    return " ".join(text.split())


def _html(text: str) -> str:
    """Plain text as index text: <, > and & escaped (quotes need not be, outside attributes)."""
    return html.escape(text, quote=False)


def words(text: str) -> set[str]:
    """The words search makes of some plain text, in lower case."""
    return {w for w in _SPLIT.split(text.lower()) if w}


def _strings(value, *, escaped: bool = True) -> list[str]:
    """A front-matter value that should be a list of strings (or one string), as plain strings."""
    values = value if isinstance(value, list) else [value]
    return [_plain(v, escaped=escaped) for v in values if isinstance(v, (str, int, float)) and not isinstance(v, bool)]


def _key_words(meta: dict, texts: list[str]) -> list[str]:
    """The story's key words as its posts write them: keywords are stems ("universitie"), and search
    matches the start of a word, so the first word of ``texts`` that starts with one stands for it."""
    found = []
    for keyword in _strings(meta.get("keywords")):
        if not keyword:
            continue
        pattern = re.compile(rf"(?<!\w){re.escape(keyword)}\w*", re.I)
        for text in texts:
            match = pattern.search(text)
            if match:
                found.append(match.group(0))
                break
    return found


def briefing_names(meta: dict) -> list[str]:
    """The names a briefing gives, as plain text, in order: beat, sources (feed or outlet, author or
    handle), the names its posts use, its story's key words."""
    names = _strings(meta.get("categories"))
    sources = meta.get("sources")
    source_titles = []
    for source in sources if isinstance(sources, list) else ():
        if isinstance(source, dict):  # sources are mappings: escape_meta left them as they are
            names += [_plain(source.get(key), escaped=False) for key in ("feed", "author") if isinstance(source.get(key), str)]
            source_titles.append(_plain(source.get("title"), escaped=False) if isinstance(source.get("title"), str) else "")
    analysis = meta.get("analysis") if isinstance(meta.get("analysis"), dict) else {}
    entities = _strings(analysis.get("entities"), escaped=False)[:MAX_ENTITIES]
    names += entities + _strings(analysis.get("actor"), escaped=False)
    names += _key_words(meta, [_plain(meta.get("title")), _plain(meta.get("description")), *entities, *source_titles])
    return [n for n in names if n]


def search_doc(url: str, meta: dict, *, briefing: bool) -> dict:
    """One search entry from (escaped) front matter: title, then teaser and, for a briefing, the names it gives.

    A name adds nothing when the entry already holds each of its words: it is left out.
    """
    title = _plain(meta.get("title"))
    teaser = _plain(meta.get("description"))
    paragraphs = [_html(teaser)]
    if briefing:
        seen = words(f"{title} {teaser}")
        names = []
        for name in briefing_names(meta):
            new = words(name) - seen
            if new:
                names.append(_html(name))
                seen |= new
        paragraphs.append(" · ".join(names))
    doc = {
        "location": url,
        "title": _html(title),
        "text": "".join(f"<p>{p}</p>" for p in paragraphs if p),
    }
    search = meta.get("search")
    if isinstance(search, dict) and isinstance(search.get("boost"), (int, float)):
        doc["boost"] = search["boost"]
    return doc


class CompactSearch:
    """The compact entries of one build (or, under ``mkdocs serve --dirty``, of every build so far)."""

    def __init__(self) -> None:
        #: Entries by page URL. A dirty rebuild renders only changed pages, so it keeps the others'.
        self._docs: dict[str, dict] = {}

    def start(self, *, dirty: bool) -> None:
        if not dirty:
            self._docs.clear()

    def read(self, page) -> None:
        """Keep a compact page out of the full-text index and note its entry (front matter escaped)."""
        uri = page.file.src_uri
        if not is_compact(uri):
            return
        search = page.meta.get("search") if isinstance(page.meta.get("search"), dict) else {}
        self._docs.pop(page.url, None)
        if not search.get("exclude"):
            self._docs[page.url] = search_doc(page.url, page.meta, briefing=uri.startswith(BRIEFINGS_PREFIX))
        page.meta["search"] = {**search, "exclude": True}

    def write(self, site_dir: str | Path) -> None:
        """Put the entries into the search plugin's index, in place of any it has for those pages."""
        path = Path(site_dir) / "search" / "search_index.json"
        if not self._docs or not path.is_file():
            return
        index = json.loads(path.read_text(encoding="utf-8"))
        index["docs"] = [d for d in index.get("docs", []) if d.get("location") not in self._docs] + list(self._docs.values())
        write_atomic(path, json.dumps(index, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))
