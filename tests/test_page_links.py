"""Pages named in a briefing's front matter (``related:``, ``follows:``, ``updates:``) reach its template.

A hand-made pair of briefings of one story, a day apart: the later one
``follows:`` the earlier, which lists it under ``updates:``. A real strict
MkDocs build with the site plugin; a small test hook writes down the
``page_links`` each page's template was given (a partial shows them as
"Follows: <headline>" / "Update: <headline>"). A path that is no page of the
site fails the strict build, naming the briefing and the key.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import json
import subprocess
import sys
from pathlib import Path

import frontmatter
import pytest

from generator.writers.extractive import write_briefing

from conftest import REPO
from factories import BEATS, config as make_config, item, story
from sitebuild import copy_assets, render_briefings, write_mkdocs_yml

pytestmark = pytest.mark.slow

#: A hook (beside the site plugin) that writes each page's page_links to links.json in the site folder.
RECORD_HOOK = """
import json, os
SEEN = {}
def on_page_context(context, page, config, **kwargs):
    SEEN[page.file.src_uri] = {key: [{"url": t["url"], "title": t["title"], "beat_url": t["beat_url"]} for t in targets]
                               for key, targets in (context.get("page_links") or {}).items()}
    return context
def on_post_build(config, **kwargs):
    with open(os.path.join(config.site_dir, "links.json"), "w") as handle:
        json.dump(SEEN, handle, sort_keys=True)
"""


def _pair():
    """The same story on two days: the later briefing is an update of the earlier one."""
    def briefing(day: int, headline: str):
        when = dt.datetime(2026, 11, day, 9, 0, tzinfo=dt.timezone.utc)
        posts = [item(10 * day + n, f"Tessera post {n}", f"Tessera weights, voice {n}.", when=when, author=f"a{n}") for n in range(3)]
        made = write_briefing(story(posts), BEATS[0], f"h{day}")
        return dataclasses.replace(made, headline=headline)

    return briefing(20, "Tessera ships weights & <tools>"), briefing(21, "Tessera, a day later: the tooling arrives")


def _set_front_matter(path: Path, **values) -> None:
    post = frontmatter.load(path)
    post.metadata.update(values)
    path.write_text(frontmatter.dumps(post, sort_keys=False) + "\n", encoding="utf-8")


def _build(docs: Path, root: Path):
    """A strict build in a process of its own (as `python -m generator site`); (exit status, stderr, site)."""
    copy_assets(docs)
    hook = root / "record_links.py"
    root.mkdir(parents=True, exist_ok=True)
    hook.write_text(RECORD_HOOK, encoding="utf-8")
    yml = write_mkdocs_yml(docs, root / "feeds.yaml", root, change=lambda data: data.setdefault("hooks", []).append(str(hook)))
    site = root / "site"
    run = subprocess.run([sys.executable, "-m", "generator", "site", "--mkdocs", str(yml), "--site-dir", str(site)],
                         cwd=REPO, capture_output=True, text=True, timeout=300)
    return run.returncode, run.stderr, site


@pytest.fixture
def pair(tmp_path):
    """docs/ with the two briefings (and the index pages), and their paths under docs/: (earlier, later)."""
    from sitebuild import config_to_yaml

    docs = tmp_path / "docs"
    config = make_config()
    (tmp_path / "feeds.yaml").write_text(config_to_yaml(config), encoding="utf-8")
    paths = list(render_briefings(docs, _pair(), config))
    return docs, paths


def test_follows_and_updates_reach_the_template_as_url_and_headline(pair, tmp_path):
    docs, (earlier, later) = pair
    _set_front_matter(docs / later, follows=earlier)   # one path
    _set_front_matter(docs / earlier, updates=[later])  # a list of paths
    status, stderr, site = _build(docs, tmp_path)
    assert status == 0, stderr
    links = json.loads((site / "links.json").read_text(encoding="utf-8"))
    url = {rel: rel[: -len(".md")] + "/" for rel in (earlier, later)}
    beat_url = f"beats/{BEATS[0].id}/"
    assert links[later]["follows"] == [{"url": url[earlier], "title": html.escape("Tessera ships weights & <tools>"), "beat_url": beat_url}]
    assert links[earlier]["updates"] == [{"url": url[later], "title": "Tessera, a day later: the tooling arrives", "beat_url": beat_url}]
    assert "follows" not in links[earlier] and "updates" not in links[later]
    # "More briefings" (related:) is resolved the same way: each lists the other
    assert [t["url"] for t in links[later]["related"]] == [url[earlier]]
    assert (site / later[: -len(".md")] / "index.html").is_file()


@pytest.mark.parametrize("key, value", [("follows", "briefings/2026/11/19/no-such-story.md"),
                                        ("updates", ["briefings/2026/11/22/no-such-update.md"])])
def test_a_link_to_no_page_fails_the_strict_build_naming_the_briefing_and_key(pair, tmp_path, key, value):
    docs, (earlier, later) = pair
    _set_front_matter(docs / later, **{key: value})
    status, stderr, site = _build(docs, tmp_path)
    missing = value if isinstance(value, str) else value[0]
    assert status == 1, stderr
    assert f"{later}: '{missing}' (front matter '{key}') is not a page of this site" in stderr
    assert not site.exists()


def test_a_link_key_that_is_no_path_fails_the_strict_build(pair, tmp_path):
    docs, (earlier, later) = pair
    _set_front_matter(docs / later, follows={"path": earlier})
    status, stderr, _ = _build(docs, tmp_path)
    assert status == 1
    assert f"{later}: front-matter key 'follows' must be a path under docs/ or a list of them, not dict" in stderr
