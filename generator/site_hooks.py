"""MkDocs hooks (registered in mkdocs.yml under ``hooks:``).

- Site name, description and URL come from feeds.yaml, so there is one place
  to edit them.
- Front-matter strings are HTML-escaped before any template sees them:
  Material prints ``page.meta.title`` and ``page.meta.description`` into the
  page unescaped, and those come from feeds and models.
- The search index stays small however many briefings there are. Material's
  search plugin indexes every page's full text, section by section: at 3,000
  briefings that is over 10 MB of JSON, which freezes a browser. Briefings
  and the generated lists of teasers (home, beats, archive) are therefore
  kept out of the plugin's full-text index (``search: {exclude: true}``, set
  here) and get one compact entry each instead, added to
  ``search/search_index.json`` after the plugin wrote it: a briefing is found
  by its headline (title), teaser, beat and the names of its sources (feeds,
  outlets, authors); its body and footnotes are not indexed. Other pages
  (About, hand-written ones) are indexed in full as usual.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority

from generator.atomic import write_atomic
from generator.config import load_config
from generator.errors import ConfigErrors
from generator.models import PLATFORMS
from generator.render import SIGNIFICANCE_LABELS


#: Pages (by path under docs/) that get one compact search entry instead of full text.
BRIEFINGS_PREFIX = "briefings/"
LIST_PREFIXES = ("beats/", "archive/")
HOME = "index.md"

#: Compact search entries, by page URL (filled per page, written after the build). A dirty
#: rebuild (``mkdocs serve --dirty``) renders only changed pages, so it keeps the others'.
_search_docs: dict[str, dict] = {}
_dirty = False


def on_startup(command, dirty, **kwargs):
    global _dirty
    _dirty = dirty


def on_config(config, **kwargs):
    if not _dirty:
        _search_docs.clear()
    name = config.extra.get("briefings_config", "feeds.yaml")
    path = Path(config.config_file_path).parent / name
    try:
        settings = load_config(path)
    except ConfigErrors as exc:
        raise PluginError(f"{path} is not valid:\n{exc}") from exc
    config.extra["platform_labels"] = dict(PLATFORMS)
    config.extra["significance_labels"] = dict(SIGNIFICANCE_LABELS)
    config.site_name = settings.site.title
    config.site_description = settings.site.description
    config.site_url = settings.site.url
    return config


def _escape(value):
    if isinstance(value, str):
        return html.escape(value, quote=True)
    if isinstance(value, list):
        return [_escape(v) for v in value]
    return value


def on_page_markdown(markdown, page, config, files, **kwargs):
    for key, value in list(page.meta.items()):
        if isinstance(value, (str, list)):
            page.meta[key] = _escape(value)
    uri = page.file.src_uri
    if uri == HOME or uri.startswith(LIST_PREFIXES) or uri.startswith(BRIEFINGS_PREFIX):
        search = page.meta.get("search") if isinstance(page.meta.get("search"), dict) else {}
        _search_docs.pop(page.url, None)
        if not search.get("exclude"):
            _search_docs[page.url] = search_doc(page.url, page.meta, briefing=uri.startswith(BRIEFINGS_PREFIX))
        page.meta["search"] = {**search, "exclude": True}
    return markdown


def _escaped(value) -> str:
    """Any value as one line of HTML-escaped text ("" for None)."""
    return html.escape(" ".join(str(value).split()), quote=True) if value is not None else ""


def _index_text(value) -> str:
    """A front-matter value as index text: strings arrive escaped (on_page_markdown), the rest is escaped here."""
    return value if isinstance(value, str) else _escaped(value)


def search_doc(url: str, meta: dict, *, briefing: bool) -> dict:
    """One search entry from front matter: title, then teaser, beat and source names."""
    paragraphs = [_index_text(meta.get("description"))]
    if briefing:
        categories = meta.get("categories")
        names = [_index_text(c) for c in (categories if isinstance(categories, list) else [categories]) if c]
        sources = meta.get("sources")
        for source in sources if isinstance(sources, list) else ():
            if not isinstance(source, dict):
                continue
            for key in ("feed", "author"):  # sources are dicts: on_page_markdown left them as they are
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


@event_priority(-100)  # after the search plugin has written its index (hooks also run after plugins)
def on_post_build(config, **kwargs):
    path = Path(config.site_dir) / "search" / "search_index.json"
    if not _search_docs or not path.is_file():
        return
    index = json.loads(path.read_text(encoding="utf-8"))
    index["docs"] = [d for d in index.get("docs", []) if d.get("location") not in _search_docs] + list(_search_docs.values())
    write_atomic(path, json.dumps(index, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))
