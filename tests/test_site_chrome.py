"""Material's chrome (tabs, navigation, footer, config script) reused between pages.

generator/site_hooks.py renders it once for the pages outside the navigation
that sit at the same place. Real strict MkDocs builds of the site made from
the bundled snapshots: reusing it must change nothing a reader gets.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from mkdocs.utils import get_relative_url

from conftest import REPO
from sitebuild import changed_mkdocs_yml, copy_assets, folder_files, write_mkdocs_yml


def _build(docs: Path, root: Path, theme: dict | None = None, **extra) -> Path:
    from generator.site import build_site

    def change(data):
        data.setdefault("extra", {}).update(extra)
        data["theme"].update(theme or {})

    source = changed_mkdocs_yml(root, change)
    yml = write_mkdocs_yml(docs, REPO / "feeds.yaml", root, mkdocs_yml=source)
    build_site(yml, root / "site", jobs=1)
    return root / "site"


@pytest.fixture
def docs(built_site, tmp_path) -> Path:
    copy = tmp_path / "docs"
    shutil.copytree(built_site.docs, copy)
    copy_assets(copy)
    return copy


def _tab_links(page: bytes) -> dict[str, str]:
    """Tab label → href, from the tabs bar of a built page."""
    tabs = re.search(rb'<nav class="md-tabs".*?</nav>', page, re.S).group(0).decode()
    return {label.strip(): href for href, label in re.findall(r'<a href="([^"]*)"[^>]*>\s*([^<]+?)\s*</a>', tabs)}


def test_reused_chrome_is_byte_identical_to_chrome_rendered_for_every_page(docs, tmp_path):
    reused = folder_files(_build(docs, tmp_path / "reused"))
    rendered = folder_files(_build(docs, tmp_path / "rendered", briefings_reuse_chrome=False))
    assert sorted(reused) == sorted(rendered)
    assert [name for name in reused if reused[name] != rendered[name]] == []
    # Pages at the same depth in different folders link the same tab differently: each has its own.
    beat = next(name for name in reused if name.startswith("beats/") and name.count("/") == 2)
    month = next(name for name in reused if name.startswith("archive/") and name.count("/") == 2)
    assert _tab_links(reused[beat])["Beats"] == "../"
    assert _tab_links(reused[month])["Beats"] == "../../beats/"
    briefing = next(name for name in reused if name.startswith("briefings/") and name.endswith("index.html"))
    depth = briefing.count("/")
    assert _tab_links(reused[briefing])["Archive"] == "../" * depth + "archive/"
    assert b'data-md-component="navigation"' in reused[briefing] or b'md-nav--primary' in reused[briefing]


def test_bad_reuse_setting_is_a_clear_error(docs, tmp_path, caplog):
    with pytest.raises(Exception):
        _build(docs, tmp_path / "bad", briefings_reuse_chrome="sometimes")
    assert "extra.briefings_reuse_chrome in mkdocs.yml must be true or false, not 'sometimes'" in caplog.text


def test_home_link_and_logo_set_in_mkdocs_yml_are_right_on_every_page(docs, tmp_path):
    """Links the chrome makes to what is not in the navigation: a logo, and a home link to one
    briefing. Briefings of that day and of another sit at the same depth, with the same links to
    every navigation page, yet link home differently: each must get its own."""
    (docs / "img").mkdir()
    (docs / "img" / "logo.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>', encoding="utf-8")
    briefings = sorted(p.relative_to(docs).with_suffix("").as_posix() for p in (docs / "briefings").rglob("*.md"))
    home = briefings[-1]  # briefings/YYYY/MM/DD/slug
    day = home.rsplit("/", 1)[0]
    same_day = next(b for b in briefings if b.startswith(day + "/") and b != home)
    other_day = next(b for b in briefings if not b.startswith(day + "/") and b.count("/") == home.count("/"))
    settings = {"theme": {"logo": "img/logo.svg"}, "homepage": home + "/"}
    reused = folder_files(_build(docs, tmp_path / "reused", **settings))
    rendered = folder_files(_build(docs, tmp_path / "rendered", briefings_reuse_chrome=False, **settings))
    assert [name for name in reused if reused[name] != rendered.get(name)] == []
    slug = home.rsplit("/", 1)[1]
    assert f'href="../{slug}/" title='.encode() in reused[same_day + "/index.html"]
    assert b'src="../../../../../img/logo.svg"' in reused[same_day + "/index.html"]
    expected = get_relative_url(home + "/", other_day + "/")
    assert expected != f"../{slug}/"
    assert f'href="{expected}" title='.encode() in reused[other_day + "/index.html"]
