"""Build docs/ and a real MkDocs site into a temporary folder, for tests.

    from sitebuild import build_docs_and_site, build_site_from_docs, live_markup, render_briefings

    docs, site, report = build_docs_and_site("feeds.yaml", Path("snapshots"), tmp_path)
    assert not live_markup(site)

``build_docs_and_site`` runs the whole pipeline (extractive writer, no
network) into ``tmp_path/docs`` and then a strict MkDocs build into
``tmp_path/site``. ``build_site_from_docs`` builds a site from a docs folder
you filled yourself (e.g. with :mod:`generator.render`). Both use the
project's own ``mkdocs.yml``, rewritten with absolute paths into
``tmp_path/mkdocs.yml`` (``write_mkdocs_yml``, the one helper that rewrites
it), so the plugins, theme overrides and Markdown extensions are exactly the
published ones.

``render_briefings`` writes Briefings you made yourself (and the index pages)
into a docs folder, as the pipeline would.

``live_markup`` parses every built page with :mod:`html.parser` and lists
everything that could run or load something and is not Material's own
(scripts, event handlers, javascript:/data:/vbscript: URLs, frames, forms,
meta refresh, CSS that loads a URL).
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
import shutil
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import yaml

from generator.config import load_config
from generator.models import Config

REPO = Path(__file__).resolve().parents[1]


# --- building -------------------------------------------------------------------


class _Tagged:
    """A YAML value with a custom tag (``!ENV``, ``!relative``, ``!!python/name:…``), kept as written."""

    def __init__(self, tag: str, node: yaml.Node):
        self.tag = tag
        self.node = node


class _Loader(yaml.SafeLoader):
    pass


class _Dumper(yaml.SafeDumper):
    pass


def _keep_tag(loader: yaml.Loader, suffix: str, node: yaml.Node) -> _Tagged:
    return _Tagged(node.tag, node)


_Loader.add_multi_constructor("!", _keep_tag)
_Loader.add_multi_constructor("tag:yaml.org,2002:python/", _keep_tag)
_Dumper.add_representer(_Tagged, lambda dumper, value: value.node)


def config_to_yaml(config: Config) -> str:
    """feeds.yaml text for a Config (what the site plugin reads)."""
    site = config.site
    data = {
        "site": {
            "title": site.title,
            "description": site.description,
            "url": site.url,
            "edition_window_hours": site.edition_window_hours,
            "briefings_per_edition": site.briefings_per_edition,
            "min_story_items": site.min_story_items,
            "model": site.model,
        },
        "beats": [{"id": b.id, "name": b.name, "description": b.description} for b in config.beats],
        "feeds": [],
    }
    for feed in config.feeds:
        entry = {"id": feed.id, "title": feed.title, "url": feed.url, "platform": feed.platform, "beats": list(feed.beats)}
        if feed.tags:
            entry["tags"] = list(feed.tags)
        if feed.max_items is not None:
            entry["max_items"] = feed.max_items
        if not feed.enabled:
            entry["enabled"] = False
        data["feeds"].append(entry)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def _config_file(config: str | Path | Config, tmp_path: Path) -> tuple[Config, Path]:
    if isinstance(config, Config):
        path = tmp_path / "feeds.yaml"
        path.write_text(config_to_yaml(config), encoding="utf-8")
        return config, path
    path = Path(config).resolve()
    return load_config(path), path


#: The project's site plugin, as named under ``plugins:`` in mkdocs.yml.
PLUGIN = "briefings"


def plugin_options(data: dict, name: str = PLUGIN) -> dict:
    """The options of plugin ``name`` in mkdocs.yml ``data`` (made a mapping if it was a bare name)."""
    plugins = data["plugins"]
    for index, entry in enumerate(plugins):
        if entry == name:
            plugins[index] = entry = {name: {}}
        if isinstance(entry, dict) and name in entry:
            if entry[name] is None:
                entry[name] = {}
            return entry[name]
    raise KeyError(f"no plugin {name!r} in mkdocs.yml")


def write_mkdocs_yml(docs_dir: Path, config_file: Path, dest: Path, change=None) -> Path:
    """The project's mkdocs.yml with absolute paths, pointed at ``docs_dir`` and ``config_file`` (feeds.yaml),
    changed by ``change(data)`` if given, written to ``dest/mkdocs.yml``."""
    data = yaml.load((REPO / "mkdocs.yml").read_text(encoding="utf-8"), Loader=_Loader)
    data["docs_dir"] = str(Path(docs_dir).resolve())
    data["site_dir"] = str((dest / "site").resolve())
    theme = data.get("theme")
    if isinstance(theme, dict) and isinstance(theme.get("custom_dir"), str):
        theme["custom_dir"] = str(REPO / theme["custom_dir"])
    plugin_options(data)["feeds_yaml"] = str(Path(config_file).resolve())
    if change is not None:
        change(data)
    dest.mkdir(parents=True, exist_ok=True)
    path = dest / "mkdocs.yml"
    path.write_text(yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def folder_files(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` (a built site, say), by path relative to it: to compare two builds byte for byte."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def copy_assets(docs_dir: Path) -> None:
    """The hand-written files under the project's docs/ (CSS), which generated pages refer to."""
    source = REPO / "docs" / "assets"
    if source.is_dir():
        shutil.copytree(source, docs_dir / "assets", dirs_exist_ok=True)


def build_site_from_docs(docs_dir: Path, config: str | Path | Config, tmp_path: Path, site_dir: Path | None = None,
                         jobs: int | None = None) -> Path:
    """A strict MkDocs build of ``docs_dir`` (assets are copied in) into ``site_dir`` (default tmp_path/site);
    ``jobs`` as for generator.site.build_site."""
    from generator.site import build_site

    tmp_path.mkdir(parents=True, exist_ok=True)
    _, config_file = _config_file(config, tmp_path)
    copy_assets(docs_dir)
    yml = write_mkdocs_yml(docs_dir, config_file, tmp_path)
    site_dir = site_dir or tmp_path / "site"
    build_site(yml, site_dir, jobs=jobs)
    return site_dir


def render_briefings(docs_dir: Path, briefings, config: Config) -> dict:
    """Write Briefings and every index page into ``docs_dir`` as the pipeline does (ranked in the order
    given); returns {docs-relative path: briefing}."""
    from generator import render

    writes = render.Writes()
    taken: set[str] = set()
    paths = {}
    placed = []
    for rank, briefing in enumerate(briefings, start=1):
        rel = render.briefing_path(briefing, taken)
        taken.add(rel)
        placed.append((rel, briefing, config.beat(briefing.story.beat), rank))
        paths[rel] = briefing
    problems = render.write_briefings(docs_dir, config, placed, writes)
    assert problems == [], problems
    return paths


def build_docs_and_site(config: str | Path | Config, snapshots_dir: Path, tmp_path: Path, now: dt.datetime | None = None):
    """Run the pipeline (extractive writer) into tmp_path/docs, then MkDocs into tmp_path/site.

    Returns ``(docs_dir, site_dir, report)``; ``report`` is the pipeline's BuildReport.
    """
    from generator.pipeline import build
    from generator.writers import make_writer

    tmp_path.mkdir(parents=True, exist_ok=True)
    cfg, config_file = _config_file(config, tmp_path)
    docs_dir = tmp_path / "docs"
    docs_dir.mkdir(exist_ok=True)
    report = build(cfg, Path(snapshots_dir), docs_dir, make_writer("extractive"), now=now, cache_dir=tmp_path / "cache")
    site_dir = build_site_from_docs(docs_dir, config_file, tmp_path)
    return docs_dir, site_dir, report


# --- the disclaimer, as layouts before version 5 wrote it into the Markdown ----------------


def disclaimer_text(meta: dict) -> str:
    """The disclaimer a briefing page shows, as plain text, from the briefing's front matter.

    This is the wording generator/render wrote into each briefing's Markdown before layout
    version 5 (from the Briefing itself); overrides/partials/briefing-disclaimer.html now
    draws it from the front matter, and must say exactly this.
    """
    n = meta["posts"]
    generator = meta["generator"]
    if generator["writer"] == "extractive":
        how = (
            f"This briefing was assembled extractively from {n} public posts, without a language model: "
            "the quotations are copied verbatim from the posts in the footnotes, and the connecting sentences are templates."
        )
    else:
        model = f" ({generator['model']})" if generator.get("model") else ""
        how = (
            f"This briefing was written by Claude{model}, a language model, from {n} public posts; "
            "every quotation is a span the model cited from the posts in the footnotes."
        )
    fidelity = meta.get("fidelity") or {}
    fid = ""
    if fidelity:
        fid = (
            f" Fidelity: {round(100 * float(fidelity.get('cited_sentences', 0)))}% of sentences carry a citation; "
            f"{round(100 * float(fidelity.get('verbatim_quotes', 0)))}% of quotations were found verbatim in their source."
        )
    return f"{how}{fid} It may contain inaccuracies: check the sources before relying on it."


def old_disclaimer_block(meta: dict) -> str:
    """The Markdown block layouts before version 5 put between the footnotes marker and the footnotes."""
    from generator import render

    text = disclaimer_text(meta)
    tail = " It may contain inaccuracies: check the sources before relying on it."
    return (
        '<div class="brief-disclaimer" markdown>\n\n'
        f"{render.md_escape(text[: -len(tail)])}{tail}\n"
        "{ .brief-disclaimer-text }\n\n</div>"
    )


def to_old_disclaimer_layout(text: str) -> str:
    """A briefing file of this layout as version 4 wrote it: render '4', the disclaimer in its Markdown."""
    import frontmatter

    from generator import render

    meta = frontmatter.loads(text).metadata
    head, sep, body = text.partition("\n---\n")
    head = head.replace(f"\n  render: '{render.RENDER_VERSION}'\n", "\n  render: '4'\n")
    # at the end of the Markdown, where the page template puts it (after "Also in the conversation")
    body = body.rstrip("\n") + f"\n\n{old_disclaimer_block(meta)}\n"
    return head + sep + body


# --- checking the built HTML ----------------------------------------------------------

_MATERIAL_JS = Path(__import__("material").__file__).parent / "templates" / "partials" / "javascripts"
_JINJA_COMMENT = re.compile(r"\{#.*?#\}", re.S)
_JINJA_IF = re.compile(r"\{%-?\s*if .*?%\}.*?\{%-?\s*endif\s*-?%\}", re.S)


def _material_inline_scripts() -> list[re.Pattern]:
    """Material's own inline scripts, taken from its templates (the base URL is the only variable)."""
    patterns = []
    for name in ("base.html", "palette.html", "content.html"):
        text = _JINJA_IF.sub("", _JINJA_COMMENT.sub("", (_MATERIAL_JS / name).read_text(encoding="utf-8")))
        for body in re.findall(r"<script>(.*?)</script>", text, re.S):
            parts = re.split(r"\{\{.*?\}\}", body)
            patterns.append(re.compile(r"[A-Za-z0-9._/-]*".join(re.escape(p) for p in parts) + r"\Z" if len(parts) > 1 else re.escape(body) + r"\Z"))
    return patterns


_KNOWN_INLINE = _material_inline_scripts()
_CONFIG_KEYS = {"annotate", "base", "features", "search", "tags", "translations", "version"}
_BUNDLE = re.compile(r"^(?:(?:\.\./)*(?:\./)?|/(?:[A-Za-z0-9._-]+/)*)assets/javascripts/bundle\.[0-9a-f]{8}\.min\.js$")
_BAD_SCHEME = re.compile(r"^\s*(?:javascript|data|vbscript|livescript|mocha|jar|file)\s*:", re.I)
_URL_ATTRS = {"href", "src", "action", "formaction", "poster", "background", "data", "codebase", "cite", "srcset", "xlink:href", "ping", "manifest", "lowsrc", "dynsrc"}
_FORBIDDEN_TAGS = {"iframe", "frame", "frameset", "object", "embed", "applet", "form", "input", "button", "textarea", "select",
                   "base", "portal", "math", "foreignobject", "img", "video", "audio", "source", "track", "image", "style"}
#: Tags of the list above that Material's own templates use (search and palette forms, toggles), always with an md-* class.
_MATERIAL_TAG_OK = {"form", "input", "button"}


class _PageChecker(HTMLParser):
    def __init__(self, name: str):
        super().__init__(convert_charrefs=True)
        self.name = name
        self.problems: list[str] = []
        self._script: dict | None = None
        self._script_text: list[str] = []
        self._style_depth = 0
        self.text: list[str] = []
        #: Every href of an <a>, decoded.
        self.hrefs: list[str] = []
        self.title: list[str] = []
        self._in_title = False
        #: How many of each element the page has.
        self.tags: Counter = Counter()

    def problem(self, message: str) -> None:
        self.problems.append(f"{self.name}: {message}")

    def handle_starttag(self, tag, attrs):
        self._tag(tag, attrs)

    def handle_startendtag(self, tag, attrs):
        self._tag(tag, attrs, closed=True)

    def _tag(self, tag, attrs, closed=False):
        a = dict(attrs)
        self.tags[tag] += 1
        if tag == "a" and a.get("href") is not None:
            self.hrefs.append(a["href"])
        self._in_title = tag == "title" and not closed
        for name, value in attrs:
            value = value or ""
            if name.startswith("on"):
                self.problem(f"event handler {name}={value!r} on <{tag}>")
            if name in _URL_ATTRS and _BAD_SCHEME.match(html.unescape(value).replace("\x00", "")):
                self.problem(f"{name}={value!r} on <{tag}>")
            if name == "style" and re.search(r"url\s*\(|expression\s*\(|@import", value, re.I):
                self.problem(f"style loading a URL on <{tag}>: {value!r}")
            if name == "srcdoc":
                self.problem(f"srcdoc on <{tag}>")
        if tag == "meta" and (a.get("http-equiv") or "").lower() in ("refresh", "set-cookie", "content-security-policy"):
            self.problem(f"<meta http-equiv={a.get('http-equiv')!r}>")
        if tag == "link" and (a.get("rel") or "").lower() in ("import", "preload", "prefetch", "modulepreload") :
            self.problem(f"<link rel={a.get('rel')!r}>")
        if tag == "script":
            self._script = a
            self._script_text = []
            if closed:
                self._check_script()
        elif tag in _FORBIDDEN_TAGS:
            classes = (a.get("class") or "").split()
            if not (tag in _MATERIAL_TAG_OK and any(c.startswith("md-") for c in classes)):
                self.problem(f"<{tag}> element {attrs!r}")

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False
        if tag == "script" and self._script is not None:
            self._check_script()

    def handle_data(self, data):
        if self._script is not None:
            self._script_text.append(data)
        else:
            self.text.append(data)
            if self._in_title:
                self.title.append(data)

    def _check_script(self):
        attrs, body = self._script, "".join(self._script_text)
        self._script = None
        if "src" in attrs:
            if not _BUNDLE.match(attrs["src"] or "") or body.strip():
                self.problem(f"script src={attrs['src']!r} is not Material's bundle")
            return
        if attrs.get("id") == "__config" and attrs.get("type") == "application/json":
            try:
                value = json.loads(body)
            except ValueError:
                self.problem("Material's __config script is not JSON")
                return
            if set(value) != _CONFIG_KEYS:
                self.problem(f"Material's __config script has unexpected keys {sorted(value)}")
            return
        if attrs:
            self.problem(f"inline script with attributes {attrs!r}")
            return
        if not any(p.match(body) for p in _KNOWN_INLINE):
            self.problem(f"inline script that is not Material's: {body[:120]!r}")


def parse_page(text: str, name: str = "page") -> _PageChecker:
    """Parse one HTML page: ``.problems``, ``.text`` (visible text pieces), ``.hrefs``, ``.title``."""
    checker = _PageChecker(name)
    checker.feed(text)
    checker.close()
    return checker


def check_page(text: str, name: str = "page") -> tuple[list[str], str]:
    """Problems with one HTML page, and its visible text (outside scripts)."""
    checker = parse_page(text, name)
    return checker.problems, "".join(checker.text)


def live_markup(site_dir: Path) -> list[str]:
    """Everything in the built site that could run code or load something and is not Material's own."""
    problems: list[str] = []
    for page in sorted(Path(site_dir).rglob("*.html")):
        found, _ = check_page(page.read_text(encoding="utf-8"), page.relative_to(site_dir).as_posix())
        problems.extend(found)
    index = Path(site_dir) / "search" / "search_index.json"
    if index.is_file():
        for doc in json.loads(index.read_text(encoding="utf-8")).get("docs", []):
            for key in ("title", "text"):
                found, _ = check_page(str(doc.get(key, "")), f"search_index.json {doc.get('location')!r} {key}")
                problems.extend(found)
    return problems


def page_text(path: Path) -> str:
    """The visible text of a built page (entities decoded, scripts left out)."""
    return check_page(Path(path).read_text(encoding="utf-8"), str(path))[1]
