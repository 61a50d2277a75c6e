"""The site: what this project adds to MkDocs, as one plugin, and the build that publishes it.

- ``plugin``: the MkDocs plugin ``briefings`` (entry point in pyproject.toml,
  listed under ``plugins:`` in mkdocs.yml), holding each build's state; it
  hands each event to the job that needs it:
- ``escape``: front-matter strings HTML-escaped before templates see them;
- ``links``: pages named in front matter (``related``, ``follows``, ``updates``);
- ``search``: one compact search entry per briefing and list page;
- ``parallel``: the briefing pages built on every CPU core;
- ``build``: ``build_site``, a strict build into a temporary folder, swapped in on success.
"""

from .build import build_site

__all__ = ["build_site"]
