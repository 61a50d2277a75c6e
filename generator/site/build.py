"""Build the MkDocs site so that a failed build never damages the published one.

The site is built with ``--strict`` into a fresh temporary folder beside the
target; only when that succeeds is it swapped in for the old ``site/``.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from pathlib import Path


def build_site(mkdocs_yml: Path, site_dir: Path, *, jobs: int | None = None) -> None:
    """Run a strict MkDocs build into ``site_dir``, replacing it only on success.

    ``jobs``: processes that build the briefing pages (the plugin's ``jobs``
    option); None leaves it to mkdocs.yml, the environment or the CPU count.
    """
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    from .plugin import NAME

    site_dir = site_dir.resolve()
    site_dir.parent.mkdir(parents=True, exist_ok=True)
    # Folders left by a build that was killed half-way.
    for leftover in site_dir.parent.glob(f".{site_dir.name}.*-*"):
        if leftover.is_dir():
            shutil.rmtree(leftover, ignore_errors=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{site_dir.name}.new-", dir=site_dir.parent))
    handler = logging.StreamHandler()
    handler.setLevel(logging.WARNING)
    handler.setFormatter(logging.Formatter("%(levelname)s - %(message)s"))
    logger = logging.getLogger("mkdocs")
    logger.addHandler(handler)
    try:
        config = load_config(config_file=str(mkdocs_yml), strict=True, site_dir=str(tmp))
        if jobs is not None and NAME in config.plugins:
            config.plugins[NAME].config.jobs = jobs
        # as `mkdocs build` runs a build: between the startup and shutdown events
        config.plugins.on_startup(command="build", dirty=False)
        try:
            build(config)
        finally:
            config.plugins.on_shutdown()
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        logger.removeHandler(handler)
    old = None
    if site_dir.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{site_dir.name}.old-", dir=site_dir.parent))
        old.rmdir()
        site_dir.rename(old)
    tmp.rename(site_dir)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
