"""Read and validate feeds.yaml.

The file is composed into YAML nodes first, so every error can name the
line it comes from; only then are the values built. All errors of a file
are collected and reported together.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urlsplit

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .errors import ConfigError, ConfigErrors
from .models import PLATFORMS, Beat, Config, Feed, Site
from .relevance import TermError, check_term

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


class _Reader:
    """Walks the node tree, converting values and collecting errors."""

    def __init__(self, path: str):
        self.path = path
        self.errors: list[ConfigError] = []
        self._constructor = yaml.constructor.SafeConstructor()

    def error(self, node: Node | None, key: str, message: str) -> None:
        line = node.start_mark.line + 1 if node is not None else None
        self.errors.append(ConfigError(self.path, line, key, message))

    def value(self, node: Node) -> Any:
        return self._constructor.construct_object(node, deep=True)

    def mapping(self, node: Node, key: str) -> dict[str, tuple[Node, Node]] | None:
        """A mapping's entries as {key: (key_node, value_node)}."""
        if not isinstance(node, MappingNode):
            self.error(node, key, f"must be a mapping, not {_kind(node)}")
            return None
        entries: dict[str, tuple[Node, Node]] = {}
        for key_node, value_node in node.value:
            name = key_node.value if isinstance(key_node, ScalarNode) else None
            if not isinstance(name, str):
                self.error(key_node, key, "keys must be plain names")
                continue
            if name in entries:
                self.error(key_node, _join(key, name), "appears twice in the same mapping")
                continue
            entries[name] = (key_node, value_node)
        return entries

    def fields(
        self,
        node: Node,
        key: str,
        spec: dict[str, tuple[bool, Callable[[Node, str], Any]]],
    ) -> dict[str, Any] | None:
        """Check a mapping against {name: (required, converter)}."""
        entries = self.mapping(node, key)
        if entries is None:
            return None
        out: dict[str, Any] = {}
        for name, (key_node, _) in entries.items():
            if name not in spec:
                known = ", ".join(sorted(spec))
                self.error(key_node, _join(key, name), f"unknown key (known keys: {known})")
        for name, (required, convert) in spec.items():
            if name in entries:
                converted = convert(entries[name][1], _join(key, name))
                if converted is not _INVALID:
                    out[name] = converted
            elif required:
                self.error(node, _join(key, name), "is required")
        return out

    # Converters: each returns the value or _INVALID after reporting.

    def text(self, node: Node, key: str) -> Any:
        if isinstance(node, ScalarNode) and node.tag.endswith(":str"):
            text = str(self.value(node)).strip()
            if text:
                return text
            self.error(node, key, "must not be empty")
            return _INVALID
        self.error(node, key, f"must be a string, not {_kind(node)}")
        return _INVALID

    def identifier(self, node: Node, key: str) -> Any:
        text = self.text(node, key)
        if text is not _INVALID and not ID_PATTERN.match(text):
            self.error(node, key, f"{text!r} is not a valid id (use lowercase letters, digits and '-')")
            return _INVALID
        return text

    def url(self, node: Node, key: str) -> Any:
        text = self.text(node, key)
        if text is _INVALID:
            return text
        parts = urlsplit(text)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            self.error(node, key, f"{text!r} is not an http(s) URL")
            return _INVALID
        return text

    def positive_int(self, node: Node, key: str) -> Any:
        if isinstance(node, ScalarNode) and node.tag.endswith(":int"):
            number = self.value(node)
            if number > 0:
                return number
            self.error(node, key, f"must be a positive integer, not {number}")
            return _INVALID
        self.error(node, key, f"must be a positive integer, not {_kind(node)}")
        return _INVALID

    def boolean(self, node: Node, key: str) -> Any:
        if isinstance(node, ScalarNode) and node.tag.endswith(":bool"):
            return self.value(node)
        self.error(node, key, f"must be true or false, not {_kind(node)}")
        return _INVALID

    def platform(self, node: Node, key: str) -> Any:
        text = self.text(node, key)
        if text is not _INVALID and text not in PLATFORMS:
            self.error(node, key, f"unknown platform {text!r} (one of: {', '.join(PLATFORMS)})")
            return _INVALID
        return text

    def text_list(self, node: Node, key: str) -> Any:
        if not isinstance(node, SequenceNode):
            self.error(node, key, f"must be a list, not {_kind(node)}")
            return _INVALID
        values = []
        for index, child in enumerate(node.value):
            text = self.text(child, f"{key}[{index}]")
            if text is not _INVALID:
                values.append((text, child))
        return tuple(values)

    def terms(self, node: Node, key: str) -> Any:
        """A list of match terms (see generator/relevance.py); each is checked on its own line."""
        values = self.text_list(node, key)
        if values is _INVALID:
            return values
        if not values:
            self.error(node, key, "must list at least one term")
            return _INVALID
        terms = []
        for index, (text, child) in enumerate(values):
            try:
                check_term(text)
            except TermError as exc:
                self.error(child, f"{key}[{index}]", str(exc))
                continue
            terms.append(text)
        return tuple(terms)

    def match(self, node: Node, key: str) -> Any:
        """``match: ai`` (the built-in list of AI terms) or a list of terms."""
        if isinstance(node, ScalarNode) and node.tag.endswith(":str"):
            text = str(self.value(node)).strip()
            if text.lower() == "ai":
                return ("ai",)
            self.error(node, key, f"must be 'ai' (the built-in list of AI terms) or a list of terms, not {text!r}")
            return _INVALID
        return self.terms(node, key)

    def entries(self, node: Node, key: str) -> list[Node]:
        if not isinstance(node, SequenceNode):
            self.error(node, key, f"must be a list, not {_kind(node)}")
            return []
        return list(node.value)


_INVALID = object()


def _join(key: str, name: str) -> str:
    return f"{key}.{name}" if key else name


def _kind(node: Node) -> str:
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    tag = node.tag.rsplit(":", 1)[-1]
    return {"str": "a string", "int": "an integer", "bool": "a boolean", "null": "an empty value",
            "float": "a number"}.get(tag, tag) + f" ({node.value!r})"


_SITE_DEFAULTS = Site(title="", description="")


def parse_config(text: str, path: str = "feeds.yaml") -> Config:
    """Parse and validate configuration text; raise ConfigErrors listing every mistake."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise ConfigErrors([ConfigError(path, line, "(syntax)", str(exc.problem or exc))]) from exc
    except yaml.YAMLError as exc:  # pragma: no cover - other YAML failures carry no mark
        raise ConfigErrors([ConfigError(path, None, "(syntax)", str(exc))]) from exc
    if root is None:
        raise ConfigErrors([ConfigError(path, None, "(file)", "is empty")])

    r = _Reader(path)
    top = r.fields(root, "", {
        "site": (True, lambda n, k: n),
        "beats": (True, lambda n, k: n),
        "feeds": (True, lambda n, k: n),
    })
    if top is None:
        raise ConfigErrors(r.errors)

    site = _parse_site(r, top.get("site"))
    beats = _parse_beats(r, top.get("beats"))
    feeds = _parse_feeds(r, top.get("feeds"), {b.id for b in beats})
    if r.errors:
        raise ConfigErrors(r.errors)
    assert site is not None
    return Config(site=site, beats=tuple(beats), feeds=tuple(feeds), path=path)


def _parse_site(r: _Reader, node: Node | None) -> Site | None:
    if node is None:
        return None
    values = r.fields(node, "site", {
        "title": (True, r.text),
        "description": (True, r.text),
        "url": (False, r.url),
        "edition_window_hours": (False, r.positive_int),
        "briefings_per_edition": (False, r.positive_int),
        "min_story_items": (False, r.positive_int),
        "model": (False, r.text),
        "snapshot_retention_days": (False, r.positive_int),
    })
    if values is None or "title" not in values or "description" not in values:
        return None
    if "url" in values and not values["url"].endswith("/"):
        values["url"] += "/"
    return Site(**values)


def _parse_beats(r: _Reader, node: Node | None) -> list[Beat]:
    if node is None:
        return []
    beats: list[Beat] = []
    seen: set[str] = set()
    entries = r.entries(node, "beats")
    if not entries and isinstance(node, SequenceNode):
        r.error(node, "beats", "must list at least one beat")
    for index, entry in enumerate(entries):
        key = f"beats[{index}]"
        values = r.fields(entry, key, {
            "id": (True, r.identifier),
            "name": (True, r.text),
            "description": (True, r.text),
            "keywords": (False, r.terms),
        })
        if values is None or not {"id", "name", "description"} <= values.keys():
            continue
        if values["id"] in seen:
            r.error(entry, f"{key}.id", f"duplicate beat id {values['id']!r}")
            continue
        seen.add(values["id"])
        beats.append(Beat(**values))
    return beats


def _parse_feeds(r: _Reader, node: Node | None, beat_ids: set[str]) -> list[Feed]:
    if node is None:
        return []
    feeds: list[Feed] = []
    seen: set[str] = set()
    entries = r.entries(node, "feeds")
    if not entries and isinstance(node, SequenceNode):
        r.error(node, "feeds", "must list at least one feed")
    for index, entry in enumerate(entries):
        key = f"feeds[{index}]"
        feed_id = _peek_id(entry)
        if feed_id:
            key = f"feeds[{index}] ({feed_id})"
        values = r.fields(entry, key, {
            "id": (True, r.identifier),
            "title": (True, r.text),
            "url": (True, r.url),
            "platform": (True, r.platform),
            "beats": (True, r.text_list),
            "tags": (False, r.text_list),
            "max_items": (False, r.positive_int),
            "enabled": (False, r.boolean),
            "match": (False, r.match),
        })
        if values is None:
            continue
        beats = values.get("beats")
        if beats is not None:
            if not beats:
                r.error(entry, f"{key}.beats", "must name at least one beat")
            for beat_id, beat_node in beats:
                if beat_id not in beat_ids:
                    known = ", ".join(sorted(beat_ids)) or "none defined"
                    r.error(beat_node, f"{key}.beats", f"unknown beat {beat_id!r} (beats: {known})")
        if "id" in values:
            if values["id"] in seen:
                r.error(entry, f"{key}.id", f"duplicate feed id {values['id']!r}")
                continue
            seen.add(values["id"])
        if not {"id", "title", "url", "platform", "beats"} <= values.keys():
            continue
        values["beats"] = tuple(b for b, _ in values["beats"])
        values["tags"] = tuple(t for t, _ in values.get("tags", ()))
        feeds.append(Feed(**values))
    return feeds


def _peek_id(node: Node) -> str | None:
    """The id of a feed entry, to name it in messages before it is validated."""
    if isinstance(node, MappingNode):
        for key_node, value_node in node.value:
            if getattr(key_node, "value", None) == "id" and isinstance(value_node, ScalarNode):
                return str(value_node.value)
    return None


def line_of(path: str | Path, *keys: str) -> int | None:
    """The line of a nested mapping key in a YAML file (``line_of(p, "site", "model")``), or None."""
    try:
        node = yaml.compose(Path(path).read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    line = None
    for key in keys:
        if not isinstance(node, MappingNode):
            return None
        found = [(k, v) for k, v in node.value if isinstance(k, ScalarNode) and k.value == key]
        if not found:
            return None
        line, node = found[0][0].start_mark.line + 1, found[0][1]
    return line


def load_config(path: str | Path) -> Config:
    """Read feeds.yaml from disk; a missing or unreadable file is a ConfigErrors too."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigErrors([ConfigError(str(path), None, "(file)", f"cannot be read: {exc}")]) from exc
    return parse_config(text, str(path))
