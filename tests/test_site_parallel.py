"""The briefing pages built in several processes (generator/site/parallel.py).

Real strict MkDocs builds of the site made from the bundled snapshots: split
between processes, the site must be the same byte for byte as a one-process
build, and a problem on a page another process built must fail the build with
the same message, keeping the previous site.

Each build runs in a fresh process (tests/build_driver.py): the parallel build
forks only when no other thread runs, and a test session keeps threads alive.
A build asked for N processes must say it used N, or the test fails.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO
from sitebuild import copy_assets, folder_files, write_mkdocs_yml

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="the parallel build needs fork()")


def _briefings(docs: Path) -> list[Path]:
    return sorted((docs / "briefings").rglob("*.md"))


class BuildFailed(Exception):
    def __init__(self, log: list[str]):
        super().__init__("\n".join(log))
        self.log = log


def _build(docs: Path, root: Path, jobs: int | None, *, site_dir: Path | None = None, change=None,
           debug: bool = False) -> Path:
    """A strict build of ``docs`` in a process of its own, with mkdocs.yml changed by ``change(data)``;
    its log lines ("LEVEL message") are in BuildFailed.log when it fails. ``jobs`` None leaves the
    number to mkdocs.yml and the environment."""
    copy_assets(docs)
    root.mkdir(parents=True, exist_ok=True)
    yml = write_mkdocs_yml(docs, REPO / "feeds.yaml", root, change=change)
    site = site_dir or root / "site"
    command = [sys.executable, str(REPO / "tests" / "build_driver.py"), str(yml), str(site), "-" if jobs is None else str(jobs)]
    run = subprocess.run(command + (["--debug"] if debug else []), cwd=REPO, capture_output=True, text=True, timeout=600)
    lines = run.stderr.splitlines()
    log = [line[4:] for line in lines if line.startswith("LOG ")] + [line for line in lines if line.startswith("FAILED ")]
    if jobs is not None and jobs > 1:
        assert any(f"in {jobs} processes" in line for line in log), run.stderr[-3000:]
    if run.returncode != 0:
        raise BuildFailed(log)
    return site


@pytest.fixture
def docs(built_site, tmp_path) -> Path:
    """A copy of the docs/ built from the bundled snapshots, to change."""
    copy = tmp_path / "docs"
    shutil.copytree(built_site.docs, copy)
    return copy


@pytest.mark.parametrize("jobs", [2, 3])
def test_site_built_in_several_processes_is_byte_identical(built_site, docs, tmp_path, jobs):
    assert len(_briefings(docs)) > jobs
    one = _build(docs, tmp_path / "one", 1)
    split = _build(docs, tmp_path / "split", jobs)
    one_files, split_files = folder_files(one), folder_files(split)
    assert sorted(split_files) == sorted(one_files)
    different = [name for name in one_files if one_files[name] != split_files[name]]
    assert different == []
    # and the briefings really are there, rendered
    page = next(name for name in split_files if name.startswith("briefings/") and name.endswith("index.html"))
    assert b'class="footnote"' in split_files[page]


def test_long_list_pages_shared_out_keep_the_site_byte_identical(built_site, docs, tmp_path):
    """Long pages are taken by workers first, wherever they are: the main process then meets pages
    taken before their worker reported back (it reads their front matter itself)."""
    from generator.site.parallel import LONG_PAGE

    shared = [p for folder in ("briefings", "beats", "archive") for p in (docs / folder).rglob("*.md")]
    long_enough = 3 * LONG_PAGE * sorted(p.stat().st_size for p in shared)[len(shared) // 2]
    month = docs / "archive" / "2026-11.md"
    head, _, entries = month.read_text(encoding="utf-8").partition("\n## ")
    month.write_text(head + "".join(f"\n## {entries}" for _ in range(long_enough // len(entries) + 1)), encoding="utf-8")
    # The last page of the beats: a worker takes it before the main process gets there.
    parts = "".join(f"## Part {n}\n\nA paragraph with *emphasis*, a [link](../about.md) and more words.\n\n" for n in range(long_enough // 60))
    (docs / "beats" / "zz-long-list.md").write_text(f"---\ntitle: A long list\n---\n\n# A long list\n\n{parts}", encoding="utf-8")
    one = _build(docs, tmp_path / "one", 1)
    split = _build(docs, tmp_path / "split", 2)
    assert folder_files(split) == folder_files(one)
    assert b"A long list" in (split / "beats" / "zz-long-list" / "index.html").read_bytes()


def test_every_shared_page_is_claimed_once_long_pages_first_from_the_back():
    from generator.site.parallel import LONG_PAGE, Claims, worker_order

    sizes = [100, 100, 100 * LONG_PAGE + 1, 100, 100, 100 * LONG_PAGE + 50, 100, 100]
    order = worker_order(sizes)
    assert order == [5, 2, 7, 6, 4, 3, 1, 0]
    claims = Claims(len(sizes), order)
    try:
        assert claims.take(0) is True          # the main process reaches page 0 first
        assert claims.take_next() == 5         # a worker takes the long pages, last first
        assert claims.take(1) is True
        assert claims.take_next() == 2
        assert claims.take(2) is False         # taken: the main process skips it
        assert claims.take_next() == 7
        assert not claims.all_taken()
        assert [claims.take(3), claims.take(4)] == [True, True]
        assert claims.take_next() == 6
        assert claims.take_next() is None      # 4, 3, 1, 0 are the main process's already
        assert claims.all_taken()
        assert claims.take(5) is False and claims.take(6) is False and claims.take(7) is False
    finally:
        claims.close()
    assert worker_order([]) == []
    assert worker_order([5, 5, 5]) == [2, 1, 0]


def test_nav_titles_taken_from_page_content_are_the_same_in_every_process(built_site, docs, tmp_path):
    """A nav without titles: each page's title comes from its own heading, which workers must know too."""
    def untitled(data):
        data["nav"] = [next(iter(entry.values())) for entry in data["nav"]]

    sites = {jobs: folder_files(_build(docs, tmp_path / f"jobs{jobs}", jobs, change=untitled)) for jobs in (1, 2)}
    assert sites[1] == sites[2]


def test_shared_pages_are_ones_kept_out_of_the_full_text_index():
    """The main process never has the HTML of shared pages: they must be pages with compact search entries."""
    from generator.site import parallel, search

    for prefix in parallel.SHARED_PREFIXES:
        assert search.is_compact(prefix + "some/page.md")


@pytest.mark.parametrize("which", [0, 1, 2])
def test_broken_link_on_any_process_fails_strict_build_and_keeps_old_site(docs, tmp_path, which):
    """With 3 processes, briefing 0 is built by the main one, 1 and 2 by workers."""
    site = _build(docs, tmp_path / "build", 3)
    before = folder_files(site)
    target = _briefings(docs)[which]
    text = target.read_text(encoding="utf-8")
    target.write_text(text.replace("## Sources", "See [the missing page](no-such-page.md).\n\n## Sources", 1), encoding="utf-8")
    with pytest.raises(BuildFailed) as failure:
        _build(docs, tmp_path / "build", 3, site_dir=site)
    assert any("no-such-page.md" in line and target.relative_to(docs).as_posix() in line for line in failure.value.log)
    assert any("Aborted with 1 warnings in strict mode" in line for line in failure.value.log), failure.value.log
    assert folder_files(site) == before


def test_worker_warning_reaches_the_log_with_the_page_name(docs, tmp_path):
    target = _briefings(docs)[1]  # built by the second process of two
    text = target.read_text(encoding="utf-8")
    target.write_text(text.replace("## Sources", "See [the missing page](no-such-page.md).\n\n## Sources", 1), encoding="utf-8")
    with pytest.raises(BuildFailed) as failure:
        _build(docs, tmp_path / "build", 2)
    rel = target.relative_to(docs).as_posix()
    warnings = [line for line in failure.value.log if line.startswith("WARNING ")]
    assert [line for line in warnings if rel in line and "no-such-page.md" in line], warnings


def test_anchor_links_into_pages_built_elsewhere_are_checked(docs, tmp_path):
    """A hand-written page (main process) links to anchors on briefings other processes build."""
    briefings = _briefings(docs)
    good, bad = briefings[1], briefings[2]
    note = docs / "notes.md"
    note.write_text(
        "# Notes\n\n"
        f"[First source](briefings/{good.relative_to(docs / 'briefings').as_posix()}#fn:1)\n",
        encoding="utf-8",
    )
    site = _build(docs, tmp_path / "ok", 3)
    assert (site / "notes" / "index.html").is_file()

    note.write_text(note.read_text(encoding="utf-8")
                    + f"\n[Nowhere](briefings/{bad.relative_to(docs / 'briefings').as_posix()}#no-such-anchor)\n", encoding="utf-8")
    with pytest.raises(BuildFailed) as failure:
        _build(docs, tmp_path / "bad", 3)
    warnings = [line for line in failure.value.log if line.startswith("WARNING ")]
    assert [line for line in warnings if "no-such-anchor" in line and bad.name in line], warnings


def test_a_page_that_crashes_in_a_worker_fails_the_build_with_its_name(docs, tmp_path):
    site = _build(docs, tmp_path / "build", 2)
    before = folder_files(site)
    target = _briefings(docs)[1]
    text = target.read_text(encoding="utf-8")
    target.write_text(text.replace("---\n", "---\ntemplate: no-such-template.html\n", 1), encoding="utf-8")
    with pytest.raises(BuildFailed) as failure:
        _build(docs, tmp_path / "build", 2, site_dir=site)
    said = str(failure.value)
    assert "no-such-template.html" in said
    assert target.relative_to(docs).as_posix() in said
    assert folder_files(site) == before


def test_every_warning_of_a_worker_is_reported_once(docs, tmp_path):
    """A hundred and fifty pages, each with its own broken link: each warning is logged once."""
    extra = docs / "briefings" / "zz"
    extra.mkdir()
    for n in range(150):
        (extra / f"t{n:03}.md").write_text(f"---\ntitle: Test {n}\n---\n\n# Test {n}\n\nSee [this](missing-{n}.md).\n",
                                            encoding="utf-8")
    with pytest.raises(BuildFailed) as failure:
        _build(docs, tmp_path / "build", 2)
    missing = [line for line in failure.value.log if line.startswith("WARNING ") and "missing-" in line]
    assert sorted(missing) == sorted(set(missing))
    assert {m.split("missing-")[1].split(".md")[0] for m in missing} == {str(n) for n in range(150)}
    assert any("Aborted with 150 warnings in strict mode" in line for line in failure.value.log)


def test_a_verbose_build_in_several_processes_is_byte_identical(built_site, docs, tmp_path):
    """At DEBUG, MkDocs keeps no record of links to anchors: the workers must cope."""
    one = _build(docs, tmp_path / "one", 1, debug=True)
    split = _build(docs, tmp_path / "split", 2, debug=True)
    assert folder_files(split) == folder_files(one)


def test_a_worker_failing_while_pages_are_read_fails_the_build_and_keeps_the_site(docs, tmp_path):
    """A plugin that fails in a worker while MkDocs is still reading pages (a worker reads the
    navigation's pages first, whatever it claims after, so this fails every time)."""
    site = _build(docs, tmp_path / "build", 2)
    before = folder_files(site)
    hook = tmp_path / "fails_in_workers.py"
    hook.write_text(
        "import os\nfrom mkdocs.exceptions import PluginError\nMAIN = os.getpid()\n"
        "def on_page_markdown(markdown, page, **kwargs):\n"
        "    if os.getpid() != MAIN:\n"
        "        raise PluginError(f'no worker may read {page.file.src_uri}')\n"
        "    return markdown\n", encoding="utf-8")
    with pytest.raises(BuildFailed) as failure:
        _build(docs, tmp_path / "build", 2, site_dir=site, change=lambda data: data.setdefault("hooks", []).append(str(hook)))
    said = str(failure.value)
    assert "Building briefings in process 2 failed" in said
    # MkDocs names the page that failed (in the worker), never one the main process was reading.
    failed_on = said.split("no worker may read ")[1].split()[0]
    reading = [line for line in failure.value.log if "Error reading page" in line]
    assert reading and all(f"'{failed_on}'" in line for line in reading), reading
    assert "no worker may read " in said
    assert folder_files(site) == before


@pytest.mark.parametrize("value", ["0", "-2", "many"])
def test_bad_jobs_setting_is_a_clear_error(docs, tmp_path, monkeypatch, value):
    monkeypatch.setenv("BRIEFINGS_SITE_JOBS", value)
    with pytest.raises(BuildFailed) as failure:
        _build(docs, tmp_path / "build", None)
    said = str(failure.value)
    assert "BRIEFINGS_SITE_JOBS" in said
    assert value in said
    assert not (tmp_path / "build" / "site").exists()


@pytest.mark.parametrize("value", [0, "many", True])
def test_bad_jobs_option_is_a_clear_error(docs, tmp_path, value):
    from sitebuild import plugin_options

    with pytest.raises(BuildFailed) as failure:
        _build(docs, tmp_path / "build", None, change=lambda data: plugin_options(data).update(jobs=value))
    said = str(failure.value)
    assert "Plugin 'briefings' option 'jobs': must be a whole number of processes (1 or more) or 'auto'" in said
    assert repr(value) in said
    assert not (tmp_path / "build" / "site").exists()


def test_cli_jobs_flag(docs, tmp_path):
    from sitebuild import copy_assets, write_mkdocs_yml

    copy_assets(docs)
    yml = write_mkdocs_yml(docs, REPO / "feeds.yaml", tmp_path)
    env = dict(os.environ, PYTHONPATH=str(REPO))
    run = subprocess.run([sys.executable, "-m", "generator", "site", "--mkdocs", str(yml), "--site-dir", str(tmp_path / "s"), "--jobs", "2"],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "s" / "index.html").is_file()
    assert len(list((tmp_path / "s" / "briefings").rglob("index.html"))) == len(_briefings(docs))
    bad = subprocess.run([sys.executable, "-m", "generator", "site", "--mkdocs", str(yml), "--jobs", "0"],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2
    assert "--jobs" in bad.stderr and "1 or more" in bad.stderr


def test_mkdocs_serve_and_dirty_builds_are_built_in_one_process():
    from generator.site.plugin import BriefingsPlugin

    plugin = BriefingsPlugin()
    plugin.on_startup(command="serve", dirty=False)
    assert plugin.parallel.plan(4, 1000) == 1
    plugin.on_startup(command="build", dirty=True)
    assert plugin.parallel.plan(4, 1000) == 1
    plugin.on_startup(command="build", dirty=False)
    assert plugin.parallel.plan(4, 1000) in (1, 4)  # 1 only if a thread runs beside the tests
    assert plugin.parallel.plan(1, 1000) == 1


def test_claims_held_by_a_vanished_process_are_a_clear_error(monkeypatch):
    from mkdocs.exceptions import PluginError

    from generator.site import parallel

    monkeypatch.setattr(parallel, "LOCK_TIMEOUT", 0.2)
    claims = parallel.Claims(3, [2, 1, 0])
    try:
        claims._lock.acquire()  # as a worker killed while holding it would leave it
        with pytest.raises(PluginError, match="held the page claims"):
            claims.take(0)
        with pytest.raises(PluginError, match="build again, or with --jobs 1"):
            claims.take_next()
        claims._lock.release()
        assert claims.take(0) is True
    finally:
        claims.close()
