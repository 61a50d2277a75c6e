"""MkDocs hooks (registered in mkdocs.yml under ``hooks:``).

- Site name, description and URL come from feeds.yaml, so there is one place
  to edit them.
- Front-matter strings are HTML-escaped before any template sees them:
  Material prints ``page.meta.title`` and ``page.meta.description`` into the
  page unescaped, and those come from feeds and models.
"""

from __future__ import annotations

import html
from pathlib import Path

from mkdocs.exceptions import PluginError

from generator.config import load_config
from generator.errors import ConfigErrors


def on_config(config, **kwargs):
    name = config.extra.get("briefings_config", "feeds.yaml")
    path = Path(config.config_file_path).parent / name
    try:
        settings = load_config(path)
    except ConfigErrors as exc:
        raise PluginError(f"{path} is not valid:\n{exc}") from exc
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
    return markdown
