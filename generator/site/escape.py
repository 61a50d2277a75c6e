"""Front-matter strings HTML-escaped before any template sees them.

Material prints ``page.meta.title`` and ``page.meta.description`` into the
page unescaped, and those come from feeds and models. Strings and lists of
strings are escaped; nested mappings (``generator:``, ``fidelity:``,
``sources:``) are left as they are, and the templates escape what they take
from them.
"""

from __future__ import annotations

import html


def escape_value(value):
    """A string HTML-escaped (quotes too), a list with its strings escaped, anything else as it is."""
    if isinstance(value, str):
        return html.escape(value, quote=True)
    if isinstance(value, list):
        return [escape_value(v) for v in value]
    return value


def escape_meta(meta: dict) -> dict:
    """``meta`` with every top-level string and list escaped in place; returned for convenience."""
    for key, value in list(meta.items()):
        if isinstance(value, (str, list)):
            meta[key] = escape_value(value)
    return meta
