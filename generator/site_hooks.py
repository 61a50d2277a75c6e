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
- "More briefings" comes from the template, not the Markdown: a briefing's
  front matter lists its related briefings under ``related:`` (paths under
  docs/, written by generator/render), and the hooks hand the template
  (overrides/partials/briefing-related.html) each one's URL, front matter
  and beat page. A path that is not a page of the site is a warning, so a
  strict build fails instead of publishing a broken link.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority, get_plugin_logger
from mkdocs.utils import meta as mkdocs_meta

from generator.atomic import write_atomic
from generator.config import load_config
from generator.errors import ConfigErrors
from generator.models import PLATFORMS
from generator.render import RELATED_KEY, SIGNIFICANCE_LABELS
from generator.site_parallel import SKIP_TEMPLATE

log = get_plugin_logger("briefings")


#: Pages (by path under docs/) that get one compact search entry instead of full text.
BRIEFINGS_PREFIX = "briefings/"
LIST_PREFIXES = ("beats/", "archive/")
HOME = "index.md"

#: Compact search entries, by page URL (filled per page, written after the build). A dirty
#: rebuild (``mkdocs serve --dirty``) renders only changed pages, so it keeps the others'.
_search_docs: dict[str, dict] = {}
_dirty = False
#: The related briefings of each page (by src_uri): (the site's Files, the related Files),
#: resolved when the page is read, shown when it is rendered.
_related: dict[str, tuple] = {}
#: Front matter of pages this process did not read (a --dirty build, or one process of a
#: parallel build), read for their teasers, by src_uri.
_unread_meta: dict[str, dict] = {}


def on_startup(command, dirty, **kwargs):
    global _dirty
    _dirty = dirty


def on_config(config, **kwargs):
    if not _dirty:
        _search_docs.clear()
    _related.clear()
    _unread_meta.clear()
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


def _escape_meta(meta: dict) -> dict:
    for key, value in list(meta.items()):
        if isinstance(value, (str, list)):
            meta[key] = _escape(value)
    return meta


def on_page_markdown(markdown, page, config, files, **kwargs):
    uri = page.file.src_uri
    _related.pop(uri, None)
    # A page another process builds (generator/site_parallel.py) is not rendered here: that
    # process resolves (and warns about) its related briefings.
    if RELATED_KEY in page.meta and page.meta.get("template") != SKIP_TEMPLATE:
        _related[uri] = (files, related_files(uri, page.meta[RELATED_KEY], files))
    _escape_meta(page.meta)
    if uri == HOME or uri.startswith(LIST_PREFIXES) or uri.startswith(BRIEFINGS_PREFIX):
        search = page.meta.get("search") if isinstance(page.meta.get("search"), dict) else {}
        _search_docs.pop(page.url, None)
        if not search.get("exclude"):
            _search_docs[page.url] = search_doc(page.url, page.meta, briefing=uri.startswith(BRIEFINGS_PREFIX))
        page.meta["search"] = {**search, "exclude": True}
    return markdown


def related_files(uri: str, paths, files) -> list:
    """The Files a page's ``related:`` names, in order; a path that is no page of the site is a warning."""
    if not isinstance(paths, list) or not all(isinstance(p, str) for p in paths):
        log.warning(f"{uri}: front-matter key '{RELATED_KEY}' must be a list of paths under docs/, not {type(paths).__name__}")
        return []
    found = []
    for path in paths:
        file = files.get_file_from_path(path)
        if file is None or not file.is_documentation_page() or file.inclusion.is_excluded():
            log.warning(f"{uri}: related briefing '{path}' (front matter '{RELATED_KEY}') is not a page of this site")
            continue
        found.append(file)
    return found


def _meta_of(file) -> dict:
    """A page's front matter, its strings HTML-escaped (on_page_markdown, or read here if this process did not)."""
    if file.page is not None and file.page.markdown is not None:
        return file.page.meta
    if file.src_uri not in _unread_meta:
        _, meta = mkdocs_meta.get_data(file.content_string)
        _unread_meta[file.src_uri] = _escape_meta(meta)
    return _unread_meta[file.src_uri]


def on_page_context(context, page, config, nav, **kwargs):
    """Hand a briefing's template its related briefings: URL, front matter and beat page of each."""
    found = _related.get(page.file.src_uri)
    if found:
        files, targets = found
        related = []
        for file in targets:
            meta = _meta_of(file)
            beat = meta.get("beat")
            beat_file = files.get_file_from_path(f"beats/{html.unescape(beat)}.md") if isinstance(beat, str) and beat else None
            related.append({"url": file.url, "meta": meta, "beat_url": beat_file.url if beat_file else None})
        context["related_briefings"] = related
    return context


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
