"""A search index that stays small however many briefings there are.

Material's search plugin indexes every page's full text, section by section,
which for an archive of briefings soon makes an index too large for a
browser to load (figures in the README's benchmarks). Briefings and the generated lists of teasers (home, beats, archive) are kept
out of its full-text index (``search: {exclude: true}``, set when the page is
read) and get one compact entry each instead, added to
``search/search_index.json`` after the search plugin wrote it: a briefing is
found by its headline (title), teaser, beat and the names of its sources
(feeds, outlets, authors); its body and footnotes are not indexed. Other
pages (About, hand-written ones) are indexed in full as usual.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

from generator.atomic import write_atomic

#: Pages (by path under docs/) that get one compact search entry instead of full text.
BRIEFINGS_PREFIX = "briefings/"
LIST_PREFIXES = ("beats/", "archive/")
HOME = "index.md"


def is_compact(uri: str) -> bool:
    """A page that gets one compact entry instead of its full text."""
    return uri == HOME or uri.startswith(LIST_PREFIXES) or uri.startswith(BRIEFINGS_PREFIX)


def _escaped(value) -> str:
    """Any value as one line of HTML-escaped text ("" for None)."""
    return html.escape(" ".join(str(value).split()), quote=True) if value is not None else ""


def _index_text(value) -> str:
    """A front-matter value as index text: strings arrive escaped (generator.site.escape), the rest is escaped here."""
    return value if isinstance(value, str) else _escaped(value)


def search_doc(url: str, meta: dict, *, briefing: bool) -> dict:
    """One search entry from (escaped) front matter: title, then teaser, beat and source names."""
    paragraphs = [_index_text(meta.get("description"))]
    if briefing:
        categories = meta.get("categories")
        names = [_index_text(c) for c in (categories if isinstance(categories, list) else [categories]) if c]
        sources = meta.get("sources")
        for source in sources if isinstance(sources, list) else ():
            if not isinstance(source, dict):
                continue
            for key in ("feed", "author"):  # sources are mappings: escape_meta left them as they are
                name = _escaped(source.get(key) or "")
                if name and name not in names:
                    names.append(name)
        paragraphs.append(" · ".join(names))
    doc = {
        "location": url,
        "title": _index_text(meta.get("title")),
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
