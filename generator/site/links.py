"""Links between pages named in front matter: ``related:``, ``follows:`` and ``updates:``.

A briefing's front matter names other pages by their path under docs/
(``related:`` its "More briefings", ``follows:`` the earlier briefing of the
same story, ``updates:`` the later ones), as one path or a list of them.
Each is resolved to a page of the site when the page is read; a path that is
no page of the site is a warning, so a strict build fails instead of
publishing a broken link. The page's template then gets ``page_links``: for
each key, a list (in the order written) of ``{url, title, meta, beat_url}``,
with the target's front matter escaped as on its own page.
"""

from __future__ import annotations

import html

from mkdocs.plugins import get_plugin_logger
from mkdocs.utils import meta as mkdocs_meta

from .escape import escape_meta

#: Front-matter keys that name other pages of the site by their path under docs/.
LINK_KEYS = ("related", "follows", "updates")

log = get_plugin_logger("briefings")


def link_paths(uri: str, key: str, value) -> list[str]:
    """The paths a front-matter link key holds (one path or a list of them); anything else is a warning."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(p, str) for p in value):
        return value
    log.warning(f"{uri}: front-matter key '{key}' must be a path under docs/ or a list of them, not {type(value).__name__}")
    return []


def resolve_links(uri: str, key: str, value, files) -> list:
    """The Files a page's front-matter key names, in order; a path that is no page of the site is a warning."""
    found = []
    for path in link_paths(uri, key, value):
        file = files.get_file_from_path(path)
        if file is None or not file.is_documentation_page() or file.inclusion.is_excluded():
            log.warning(f"{uri}: '{path}' (front matter '{key}') is not a page of this site")
            continue
        found.append(file)
    return found


class PageLinks:
    """The links of the pages of one build: resolved when a page is read, handed to its template."""

    def __init__(self) -> None:
        #: src_uri → (the site's Files, {key: [File]}), for pages this process renders.
        self._links: dict[str, tuple] = {}
        #: Front matter of target pages this process did not read (a --dirty build, or pages
        #: another process of a parallel build reads), by src_uri.
        self._unread_meta: dict[str, dict] = {}

    def reset(self) -> None:
        self._links.clear()
        self._unread_meta.clear()

    def read(self, page, files) -> None:
        """Resolve the page's link keys (its front matter as written, before escaping)."""
        uri = page.file.src_uri
        self._links.pop(uri, None)
        keys = {key: resolve_links(uri, key, page.meta[key], files) for key in LINK_KEYS if key in page.meta}
        if keys:
            self._links[uri] = (files, keys)

    def context(self, page) -> dict[str, list[dict]]:
        """``page_links`` for the page's template: each key's targets as {url, title, meta, beat_url}."""
        found = self._links.get(page.file.src_uri)
        if not found:
            return {}
        files, keys = found
        return {key: [self._target(file, files) for file in targets] for key, targets in keys.items()}

    def _target(self, file, files) -> dict:
        meta = self._meta_of(file)
        beat = meta.get("beat")
        beat_file = files.get_file_from_path(f"beats/{html.unescape(beat)}.md") if isinstance(beat, str) and beat else None
        title = meta.get("title")
        if not isinstance(title, str) or not title:  # a page without a title in its front matter
            title = html.escape(file.page.title or "") if file.page is not None else ""
        return {"url": file.url, "title": title, "meta": meta, "beat_url": beat_file.url if beat_file else None}

    def _meta_of(self, file) -> dict:
        """A page's front matter, strings escaped: from its page, or read here if this process did not read it."""
        if file.page is not None and file.page.markdown is not None:
            return file.page.meta
        if file.src_uri not in self._unread_meta:
            _, meta = mkdocs_meta.get_data(file.content_string)
            self._unread_meta[file.src_uri] = escape_meta(meta)
        return self._unread_meta[file.src_uri]
