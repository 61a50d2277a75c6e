"""Site build: N briefings through this project's render path and site build, beside a stock
Material blog-plugin site holding the same posts, both built in the same run.

For each size: synthetic briefings are rendered with generator.render
(Archive.put for each, then Archive.commit) into a fresh docs/; the site is built
by generator.site.build_site (strict) in a child process, as published (the
briefing pages shared between one process per CPU, generator/site/parallel.py)
and again in one process. The same Markdown
bodies go into docs/blog/posts/ of a stock site (``plugins: [search, blog]``),
built by ``mkdocs build`` in a child process too; so are the same posts as
plain Material pages kept out of the navigation (a calibration of what
MkDocs and Material alone cost per page here). Wall time, CPU time, peak
memory and the search index size are reported, and our search index is checked:
each sampled briefing must be found by headline, teaser, beat, source
names, handles and the names its posts use, and its body must not be indexed.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import frontmatter
import yaml

from generator import render
from generator.models import Config

from . import synth

REPO = Path(__file__).resolve().parents[1]
MARKDOWN_EXTENSIONS_FROM = REPO / "mkdocs.yml"


def _parent_settings() -> dict:
    from mkdocs.utils.yaml import yaml_load

    with open(MARKDOWN_EXTENSIONS_FROM, "rb") as handle:
        return yaml_load(handle)


# --- our site -----------------------------------------------------------------------


def render_docs(docs: Path, config: Config, briefings: list[synth.Synthetic]) -> tuple[dict[int, str], float, float]:
    """Render the briefings and index pages into ``docs``; (paths by index, briefings s, indexes s)."""
    shutil.copytree(REPO / "docs" / "assets", docs / "assets")
    writes = render.Writes()
    taken: set[str] = set()
    paths: dict[int, str] = {}
    start = time.perf_counter()
    archive = render.Archive(docs)
    for n, s in enumerate(briefings):
        rel = render.briefing_path(s.briefing, taken)
        taken.add(rel)
        paths[n] = rel
        archive.put(rel, render.front_matter(s.briefing, s.beat, config, s.rank, s.analysis), render.briefing_body(s.briefing))
    middle = time.perf_counter()
    archive.commit(config, writes)
    end = time.perf_counter()
    return paths, middle - start, end - middle


def project_yml(root: Path, docs: Path, feeds_yaml: Path) -> Path:
    """An mkdocs.yml that inherits the project's and points at the benchmark's docs/ and feeds.yaml."""
    parent = _parent_settings()
    theme = {"name": parent["theme"]["name"]}
    if parent["theme"].get("custom_dir"):
        theme["custom_dir"] = str(REPO / parent["theme"]["custom_dir"])
    plugins = []  # the project's, the site plugin reading the benchmark's feeds.yaml
    for entry in parent["plugins"]:
        name = entry if isinstance(entry, str) else next(iter(entry))
        options = {} if isinstance(entry, str) else dict(entry[name] or {})
        if name == "briefings":
            options["feeds_yaml"] = str(feeds_yaml)
        plugins.append({name: options} if options else name)
    settings = {
        "INHERIT": str(REPO / "mkdocs.yml"),
        "docs_dir": str(docs),
        "site_dir": str(root / "site"),
        "theme": theme,
        "plugins": plugins,
    }
    path = root / "mkdocs.yml"
    path.write_text(yaml.safe_dump(settings, sort_keys=False), encoding="utf-8")
    return path


# --- the stock blog-plugin site ---------------------------------------------------------


def blog_project(root: Path, config: Config, briefings: list[synth.Synthetic], paths: dict[int, str]) -> Path:
    """A stock Material blog site with the same posts: date and categories front matter, same bodies."""
    docs = root / "docs"
    posts = docs / "blog" / "posts"
    posts.mkdir(parents=True)
    (docs / "index.md").write_text(f"# {config.site.title}\n\nThe same briefings, as a stock blog.\n", encoding="utf-8")
    (docs / "blog" / "index.md").write_text("# Blog\n", encoding="utf-8")
    for n, s in enumerate(briefings):
        rel = paths[n]
        # The teaser is the excerpt shown on the blog's index pages, as our home page shows teasers.
        body = _stock_page(s.briefing, excerpt=True)
        post = frontmatter.Post(body, date=s.briefing.story.edition, categories=[s.beat.name], description=s.briefing.teaser)
        (posts / Path(rel).name).write_text(frontmatter.dumps(post, sort_keys=False, allow_unicode=True) + "\n", encoding="utf-8")
    return _stock_settings(root, docs, config, " (stock blog)", ["search", "blog"])


def plain_project(root: Path, config: Config, briefings: list[synth.Synthetic], paths: dict[int, str]) -> Path:
    """The same posts as plain pages of a stock Material site, kept out of the navigation (not_in_nav).

    A calibration: what MkDocs and Material cost per page on this machine, with neither the blog
    plugin nor anything of ours (no site plugin, index pages or related briefings).
    """
    docs = root / "docs"
    posts = docs / "posts"
    posts.mkdir(parents=True)
    (docs / "index.md").write_text(f"# {config.site.title}\n\nThe same briefings, as plain pages.\n", encoding="utf-8")
    for n, s in enumerate(briefings):
        rel = paths[n]
        body = _stock_page(s.briefing, excerpt=False)
        post = frontmatter.Post(body, date=s.briefing.story.edition, description=s.briefing.teaser)
        (posts / Path(rel).name).write_text(frontmatter.dumps(post, sort_keys=False, allow_unicode=True) + "\n", encoding="utf-8")
    return _stock_settings(root, docs, config, " (plain pages)", ["search"],
                           nav=["index.md"], not_in_nav="/posts/\n")


def _stock_page(briefing, *, excerpt: bool) -> str:
    """A briefing as a stock Material page shows it: headline, teaser, then our body and footnotes."""
    head = f"# {render.md_escape(briefing.headline)}\n\n{render.md_escape(briefing.teaser)}\n\n"
    return head + ("<!-- more -->\n\n" if excerpt else "") + render.briefing_body(briefing)


def _stock_settings(root: Path, docs: Path, config: Config, label: str, plugins: list[str], **extra) -> Path:
    """mkdocs.yml of a stock Material site with this project's Markdown extensions."""
    settings = {
        "site_name": config.site.title + label,
        "site_url": config.site.url,
        "docs_dir": str(docs),
        "site_dir": str(root / "site"),
        "theme": {"name": "material"},
        "plugins": plugins,
        "markdown_extensions": _parent_settings().get("markdown_extensions", []),
        **extra,
    }
    path = root / "mkdocs.yml"
    path.write_text(yaml.safe_dump(settings, sort_keys=False), encoding="utf-8")
    return path


# --- building ---------------------------------------------------------------------------------


def build_in_child(mkdocs_yml: Path, site_dir: Path, *, project: bool, jobs: int | None = None, timeout: float = 1800) -> dict:
    """Build a site in a child process: wall seconds (as `mkdocs build` is felt), build seconds, peak MB.

    ``jobs``: processes for our briefing pages (generator/site/parallel.py); None: its default.
    """
    cmd = [sys.executable, "-m", "bench.child", str(mkdocs_yml), str(site_dir)] + (["--project"] if project else [])
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    env.pop("BRIEFINGS_SITE_JOBS", None)
    if jobs is not None:
        env["BRIEFINGS_SITE_JOBS"] = str(jobs)
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"site build failed ({mkdocs_yml}):\n{proc.stderr[-4000:]}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    return {"wall_s": wall, "build_s": result["seconds"], "cpu_s": result["cpu_s"], "peak_mb": result["maxrss_mb"], "stderr": proc.stderr}


def index_size_mb(site: Path) -> float:
    path = site / "search" / "search_index.json"
    return path.stat().st_size / 1e6 if path.is_file() else 0.0


def check_search(site: Path, config: Config, briefings: list[synth.Synthetic], paths: dict[int, str], samples: int = 25) -> tuple[bool, list[str]]:
    """Each sampled briefing is found by every word of its headline, teaser, beat, source names and
    handles and the names its posts use (as search cuts words); its body is not indexed."""
    from generator.site.search import words

    index = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    docs = index["docs"]
    by_location: dict[str, list[dict]] = {}
    for doc in docs:
        by_location.setdefault(doc["location"].split("#")[0], []).append(doc)
    everything = html.unescape(" ".join(d["title"] + " " + d["text"] for d in docs))
    problems: list[str] = []
    step = max(1, len(briefings) // samples)
    for n in range(0, len(briefings), step):
        s = briefings[n]
        url = paths[n][: -len(".md")] + "/"
        entries = by_location.get(url)
        if not entries:
            problems.append(f"{url}: not in the search index")
            continue
        title = html.unescape(" ".join(e["title"] for e in entries))
        text = html.unescape(" ".join(e["text"] for e in entries))
        found = words(re.sub(r"<[^>]+>", " ", f"{title} {text}"))  # the markup is not searched
        if s.briefing.headline not in title:
            problems.append(f"{url}: headline not in the title")
        if s.briefing.teaser not in text:
            problems.append(f"{url}: teaser not in the text")
        names = [s.beat.name, *synth.source_names(s.briefing), *(i.author for i in s.briefing.sources[:5] if i.author),
                 *((s.analysis or {}).get("entities") or ())]
        for name in names:
            if not words(name) <= found:
                problems.append(f"{url}: {name!r} is not found (words missing: {sorted(words(name) - found)})")
        closing = s.briefing.paragraphs[-1][0].text
        if closing[:60] in everything:
            problems.append(f"{url}: body text is indexed")
    return not problems, problems


def run_size(n: int, work: Path, *, blog: bool = True, plain: bool = True, keep: bool = False, builds: int = 3,
             log=print) -> dict:
    """Render, build and measure both sites for ``n`` briefings; figures keyed by name.

    Our site is built ``builds`` times, each into a fresh folder, and the best time is
    kept (the median is printed too): on a shared machine other tenants' load only ever
    adds time. The blog-plugin site, minutes long, is built once.
    """
    config = synth.make_config()
    root = work / f"site-{n}"
    if root.exists():
        shutil.rmtree(root)
    docs = root / "docs"
    docs.mkdir(parents=True)
    feeds_yaml = root / "feeds.yaml"
    feeds_yaml.write_text(synth.config_yaml(config), encoding="utf-8")
    briefings = synth.make_briefings(config, n)
    words = sum(synth.body_words(s.briefing) for s in briefings) / len(briefings)
    paths, render_s, indexes_s = render_docs(docs, config, briefings)
    log(f"[site {n}] rendered {n} briefings in {render_s:.1f} s and the index pages in {indexes_s:.1f} s "
        f"(~{words:.0f} words and 5 footnotes each); building the site…")
    builds = max(1, builds)
    runs = []
    for number in range(builds):
        runs.append(build_in_child(project_yml(root, docs, feeds_yaml), root / ("site" if number == 0 else f"site-{number + 1}"),
                                   project=True))
        log(f"[site {n}] ours, build {number + 1} of {builds}: {runs[-1]['wall_s']:.1f} s")
    ours = min(runs, key=lambda r: r["wall_s"])
    median = sorted(r["wall_s"] for r in runs)[len(runs) // 2]
    ok, problems = check_search(root / "site", config, briefings, paths)
    log(f"[site {n}] ours: best {ours['wall_s']:.1f} s, median {median:.1f} s; again in one process…")
    single = build_in_child(project_yml(root, docs, feeds_yaml), root / "site-one-process", project=True, jobs=1)
    figures = {
        f"briefing_words_{n}": round(words),
        f"render_{n}_s": round(render_s, 2),
        f"write_indexes_{n}_s": round(indexes_s, 2),
        f"site_build_{n}_s": round(ours["wall_s"], 2),
        f"site_build_{n}_median_s": round(median, 2),
        f"site_build_{n}_builds": len(runs),
        f"site_build_{n}_cpu_s": round(ours["cpu_s"], 2),
        f"site_build_{n}_peak_mb": max(r["peak_mb"] for r in runs),
        f"site_build_{n}_one_process_s": round(single["wall_s"], 2),
        f"parallel_speedup_{n}": round(single["wall_s"] / ours["wall_s"], 2),
        f"search_index_{n}_mb": round(index_size_mb(root / "site"), 3),
        f"search_checks_{n}": 1 if ok else 0,
    }
    log(f"[site {n}] ours: {ours['wall_s']:.1f} s ({single['wall_s']:.1f} s in one process), peak {ours['peak_mb']:.0f} MB, search index {index_size_mb(root / 'site'):.2f} MB, "
        f"search checks {'passed' if ok else 'FAILED'}")
    for problem in problems[:10]:
        log(f"[site {n}]   search: {problem}")
    if plain:
        plain_root = root / "plain"
        plain_root.mkdir()
        log(f"[site {n}] building the same {n} posts as plain Material pages out of the nav…")
        ref = build_in_child(plain_project(plain_root, config, briefings, paths), plain_root / "site", project=False)
        figures.update({
            f"plain_pages_{n}_s": round(ref["wall_s"], 2),
            f"plain_pages_{n}_search_index_mb": round(index_size_mb(plain_root / "site"), 3),
        })
        log(f"[site {n}] plain pages: {ref['wall_s']:.1f} s, search index {index_size_mb(plain_root / 'site'):.2f} MB")
    if blog:
        blog_root = root / "blog"
        blog_root.mkdir()
        log(f"[site {n}] building the stock blog-plugin site with the same {n} posts…")
        theirs = build_in_child(blog_project(blog_root, config, briefings, paths), blog_root / "site", project=False)
        figures.update({
            f"blog_plugin_{n}_s": round(theirs["wall_s"], 2),
            f"blog_plugin_{n}_cpu_s": round(theirs["cpu_s"], 2),
            f"blog_plugin_{n}_peak_mb": theirs["peak_mb"],
            f"blog_search_index_{n}_mb": round(index_size_mb(blog_root / "site"), 3),
            f"speedup_{n}": round(theirs["wall_s"] / ours["wall_s"], 2),
            f"speedup_{n}_median": round(theirs["wall_s"] / median, 2),
            f"speedup_{n}_cpu": round(theirs["cpu_s"] / ours["cpu_s"], 2),
        })
        log(f"[site {n}] blog plugin: {theirs['wall_s']:.1f} s, peak {theirs['peak_mb']:.0f} MB, "
            f"search index {index_size_mb(blog_root / 'site'):.2f} MB; speedup {theirs['wall_s'] / ours['wall_s']:.1f}x")
    if not keep:
        shutil.rmtree(root, ignore_errors=True)
    return figures


def run(sizes: list[int], work: Path, *, blog: bool = True, plain: bool = True, keep: bool = False, builds: int = 3,
        log=print) -> dict:
    figures: dict = {}
    for n in sizes:
        figures.update(run_size(n, work, blog=blog, plain=plain, keep=keep, builds=builds, log=log))
    if 1000 in sizes and 3000 in sizes:
        figures["scaling_3000_over_1000"] = round(figures["site_build_3000_s"] / figures["site_build_1000_s"], 2)
        figures["scaling_3000_over_1000_cpu"] = round(figures["site_build_3000_cpu_s"] / figures["site_build_1000_cpu_s"], 2)
        if blog:
            figures["blog_scaling_3000_over_1000"] = round(figures["blog_plugin_3000_s"] / figures["blog_plugin_1000_s"], 2)
    return figures
