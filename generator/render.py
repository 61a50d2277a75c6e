"""Write briefings and the site's index pages as Markdown under docs/.

This is the only module that writes Markdown, and the one place where text
from feeds or models is escaped: every string is plain text until
:func:`md_escape` (for Markdown) or :func:`html.escape` (inside HTML blocks)
turns it into markup that renders as exactly that text. Links to sources
must be http(s); footnotes are numbered here, by first appearance.

Files are written atomically (temporary file, then rename) and only when
their bytes change, so a rebuild with nothing new writes nothing.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import html
import json
import math
import os
import posixpath
import re
import tempfile
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from email.utils import format_datetime
from pathlib import Path
from typing import Iterable, Sequence
from urllib.parse import quote

import frontmatter
import yaml
from slugify import slugify

from .errors import BriefingsError
from .models import Beat, Briefing, Config, Item, Span, platform_label
from .textutil import one_line, safe_url

BRIEFINGS_DIR = "briefings"
#: Bump when the layout of briefing files changes: briefings of the editions
#: being built are then written again (the Claude writer answers from its
#: response cache where it has one).
RENDER_VERSION = "3"
RELATED_START = "<!-- more-briefings:start -->"
RELATED_END = "<!-- more-briefings:end -->"
#: Front-matter key a contributor sets to protect a briefing from regeneration.
HAND_EDITED_KEY = "edited_by_hand"
#: Editions shown in full on the home page.
HOME_EDITIONS = 7
WORDS_PER_MINUTE = 220
#: Where the footnotes go in a briefing page: mkdocs.yml sets it as the footnotes
#: extension's PLACE_MARKER. It holds "^", which md_escape always escapes.
FOOTNOTES_MARKER = "^^footnotes^^"

# --- escaping -------------------------------------------------------------------

# Characters that start inline Markdown (or extension) syntax anywhere in a line;
# each is backslash-escaped (pymdownx.escapeall makes any escaped character
# literal). &, < and > become entities, so no HTML tag or entity can be formed
# from feed text. Links, images and footnotes all need "[", so "(", ")" and "!"
# stay as they are; the extensions that use "~", "=", "$" or "|" inline are not
# enabled, and tables need more than the one line a string becomes. Block
# syntax can only start a line: see _LINE_START.
_MD_SPECIAL = set("\\`*_{}[]#^")
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_LINE_START = re.compile(r"^(?:[-+:!=|~]|\d+(?=[.)]))")
#: Both replacements as one table: str.translate does them in a single pass in C.
_MD_TABLE = str.maketrans({**{ch: "\\" + ch for ch in _MD_SPECIAL}, **_ENTITIES})


def md_escape(text: str) -> str:
    """Plain text → Markdown that renders as exactly that text, on one line."""
    return _escape_line_start(one_line(text).translate(_MD_TABLE))


def _escape_line_start(escaped: str) -> str:
    """Escape what would start a block if this Markdown began a line."""
    match = _LINE_START.match(escaped)
    if match:
        # "- x", "+ x", "1. x" would start a list, ": x" a definition, "!!! x" an admonition.
        end = match.end()
        escaped = escaped[: end - 1] + "\\" + escaped[end - 1 :] if not escaped[0].isdigit() else escaped[:end] + "\\" + escaped[end:]
    return escaped


def md_link_target(url: str) -> str:
    """An http(s) URL made safe as a Markdown link destination; "" if the URL is not allowed."""
    url = safe_url(url)
    if not url:
        return ""
    return "<" + quote(url, safe="/:?#[]@!$&'()*+,;=%~-._") .replace("<", "%3C").replace(">", "%3E") + ">"


def h(text: str) -> str:
    """Plain text → HTML text (for the HTML blocks this module writes)."""
    return html.escape(one_line(text), quote=True)


# --- data read back from docs/ -------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """A briefing file on disk, as the index pages need it."""

    #: Path relative to docs/, with forward slashes.
    path: str
    title: str
    description: str
    date: dt.date
    beat: str
    rank: int
    reading_time: int
    significance: int
    writer: str
    inputs_hash: str
    hand_edited: bool
    source_urls: tuple[str, ...] = ()
    source_names: tuple[str, ...] = ()
    platforms: tuple[tuple[str, int], ...] = ()
    published: str = ""
    render_version: str = ""

    @property
    def url(self) -> str:
        """Site URL of the page, relative to the site root (directory URLs)."""
        return self.path[: -len(".md")] + "/"


def read_front_matter(path: Path) -> dict | None:
    """The YAML front matter of a Markdown file, or None when it has none or it is broken."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    head = _front_matter_text(text)
    return _parse_front_matter(head) if head is not None else None


def _front_matter_text(text: str) -> str | None:
    if not text.startswith("---\n"):
        return None
    end = text.find("\n---\n", 4)
    return text[4:end] if end >= 0 else None


def _parse_front_matter(head: str) -> dict | None:
    try:
        meta = yaml.load(head, Loader=yaml.CSafeLoader)
    except yaml.YAMLError:
        return None
    return meta if isinstance(meta, dict) else None


#: The entries of the last scan, by (path under docs/, front matter text). pipeline.build
#: scans docs/ and write_indexes scans it again: files whose front matter did not change
#: are not parsed twice (YAML is most of a scan's time).
_last_scan: dict[tuple[str, str | None], Entry | None] = {}


def scan(docs_dir: Path) -> tuple[list[Entry], list[str]]:
    """Every briefing under docs/briefings/, oldest first, plus problems with unreadable ones."""
    root = docs_dir / BRIEFINGS_DIR
    entries: list[Entry] = []
    problems: list[str] = []
    if not root.is_dir():
        return entries, problems
    seen: dict[tuple[str, str | None], Entry | None] = {}
    for path in sorted(root.rglob("*.md")):
        rel = path.relative_to(docs_dir).as_posix()
        try:
            head = _front_matter_text(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError):
            head = None
        key = (rel, head)
        if key in _last_scan:
            entry = _last_scan[key]
        else:
            meta = _parse_front_matter(head) if head is not None else None
            entry = _entry_from_meta(rel, meta) if meta else None
        seen[key] = entry
        if entry is None:
            problems.append(f"{rel}: no readable front matter with title, date and categories; left out of the index pages")
            continue
        entries.append(entry)
    _last_scan.clear()
    _last_scan.update(seen)
    entries.sort(key=lambda e: (e.date, e.rank, e.path))
    return entries, problems


def _entry_from_meta(rel: str, meta: dict) -> Entry | None:
    try:
        date = meta["date"]
        if isinstance(date, dt.datetime):
            date = date.date()
        elif isinstance(date, str):
            date = dt.date.fromisoformat(date[:10])
        if not isinstance(date, dt.date):
            return None
        generator = meta.get("generator") or {}
        sources = meta.get("sources") or []
        platforms = meta.get("platforms") or {}
        return Entry(
            path=rel,
            title=str(meta["title"]),
            description=str(meta.get("description", "")),
            date=date,
            beat=str(meta.get("beat") or ""),
            rank=int(meta.get("rank", 99)),
            reading_time=int(meta.get("reading_time", 1)),
            significance=int(meta.get("significance", 1)),
            writer=str(generator.get("writer", "")),
            inputs_hash=str(generator.get("inputs_hash", "")),
            render_version=str(generator.get("render", "")),
            hand_edited=bool(meta.get(HAND_EDITED_KEY, False)),
            source_urls=tuple(str(s.get("url", "")) for s in sources if isinstance(s, dict)),
            source_names=tuple(sorted({str(s.get("feed") or s.get("author") or "") for s in sources if isinstance(s, dict)} - {""})),
            platforms=tuple((str(k), int(v)) for k, v in platforms.items()) if isinstance(platforms, dict) else (),
            published=str(meta.get("published", "")),
        )
    except (KeyError, TypeError, ValueError, AttributeError):
        return None


# --- one briefing ---------------------------------------------------------------


def briefing_path(briefing: Briefing, taken: set[str]) -> str:
    """docs-relative path for a new briefing: briefings/YYYY/MM/DD/<slug>.md, unique within ``taken``."""
    day = briefing.story.edition
    slug = slugify(briefing.headline, max_length=60, word_boundary=True) or briefing.story.id
    base = f"{BRIEFINGS_DIR}/{day:%Y/%m/%d}/{slug}"
    path, n = f"{base}.md", 2
    while path in taken:
        path, n = f"{base}-{n}.md", n + 1
    return path


def platform_counts(items: Iterable[Item], platform_of: dict[str, str]) -> dict[str, int]:
    counts: Counter = Counter()
    for item in items:
        for platform in sorted({platform_of.get(f, item.platform) for f in item.feeds} or {item.platform}):
            counts[platform] += 1
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def _footnote_numbers(paragraphs: Sequence[Sequence[Span]]) -> dict[int, int]:
    numbers: dict[int, int] = {}
    for paragraph in paragraphs:
        for span in paragraph:
            if span.source is not None and span.source not in numbers:
                numbers[span.source] = len(numbers) + 1
    return numbers


def _body_words(briefing: Briefing) -> int:
    return sum(len(span.text.split()) for paragraph in briefing.paragraphs for span in paragraph)


def reading_time(briefing: Briefing) -> int:
    return max(1, math.ceil((_body_words(briefing) + len(briefing.teaser.split())) / WORDS_PER_MINUTE))


def _published(briefing: Briefing, config: Config) -> dt.datetime:
    """When the edition went out: the end of its day, or its latest post if the day is in progress."""
    end = dt.datetime.combine(briefing.story.edition, dt.time(23, 59, 59), dt.timezone.utc)
    latest = max(item.published for item in briefing.story.items)
    return min(end, max(latest, end - dt.timedelta(hours=config.site.edition_window_hours)))


def front_matter(briefing: Briefing, beat: Beat, config: Config, rank: int) -> dict:
    numbers = _footnote_numbers(briefing.paragraphs)
    platform_of = {feed.id: feed.platform for feed in config.feeds}
    sources = []
    for index, number in sorted(numbers.items(), key=lambda kv: kv[1]):
        item = briefing.sources[index]
        sources.append({
            "url": item.url,
            "title": item.title,
            "platform": platform_label(item.platform),
            "published": item.published.isoformat(),
            "author": item.author,
            "feed": item.outlet or item.feed_title,
        })
    generator = {"writer": briefing.writer, "inputs_hash": briefing.inputs_hash, "render": RENDER_VERSION}
    if briefing.model:
        generator["model"] = briefing.model
    meta = {
        "title": one_line(briefing.headline),
        "date": briefing.story.edition,
        "published": _published(briefing, config).isoformat(),
        "categories": [beat.name],
        "beat": beat.id,
        "description": one_line(briefing.teaser),
        "rank": rank,
        "significance": briefing.story.significance,
        "reading_time": reading_time(briefing),
        "posts": len(briefing.story.items),
        "platforms": platform_counts(briefing.story.items, platform_of),
        "keywords": list(briefing.story.keywords),
        "story": briefing.story.id,
        "sources": sources,
        "generator": generator,
        HAND_EDITED_KEY: False,
    }
    fidelity = briefing.extra.get("fidelity")
    if isinstance(fidelity, dict):
        meta["fidelity"] = {str(k): float(v) for k, v in sorted(fidelity.items())}
    return meta


def platform_mix_html(platforms: Sequence[tuple[str, int]] | dict[str, int]) -> str:
    """A compact bar of the platforms behind a briefing that also reads as text."""
    pairs = list(platforms.items()) if isinstance(platforms, dict) else list(platforms)
    total = sum(n for _, n in pairs) or 1
    label = ", ".join(f"{n} from {platform_label(p)}" for p, n in pairs)
    bar = "".join(
        f'<span class="pmix__seg pmix--{h(slugify(p))}" style="width:{100 * n / total:.1f}%"></span>' for p, n in pairs
    )
    legend = '<span class="pmix__sep"> · </span>'.join(f'<span class="pmix__item"><i class="pmix__dot pmix--{h(slugify(p))}"></i>{h(platform_label(p))} {n}</span>' for p, n in pairs)
    return (
        f'<div class="pmix" role="img" aria-label="Posts behind this briefing: {h(label)}">'
        f'<span class="pmix__bar" aria-hidden="true">{bar}</span>'
        f'<span class="pmix__legend">{legend}</span></div>'
    )


SIGNIFICANCE_LABELS = {5: "Lead story", 4: "Major", 3: "Notable", 2: "Minor", 1: "Brief"}


def significance_label(level: int) -> str:
    return SIGNIFICANCE_LABELS.get(level, "Brief")


def briefing_body(briefing: Briefing) -> str:
    # The headline, beat, date, reading time, significance, teaser and platform mix come
    # from the front matter, in the page template (overrides/partials/briefing-header.html).
    numbers = _footnote_numbers(briefing.paragraphs)
    lines: list[str] = []
    for paragraph in briefing.paragraphs:
        lines.append(_paragraph_markdown(paragraph, numbers))
        lines.append("")
    if numbers:
        # The footnotes extension puts the footnotes where this marker stands (see
        # FOOTNOTES_MARKER); md_escape escapes "^", so feed text can never contain it.
        lines += ["## Sources { .brief-sources }", "", FOOTNOTES_MARKER, ""]
    lines.append(disclaimer(briefing))
    lines.append("")
    cited = briefing.extra.get("cited_text") or {}
    for index, number in sorted(numbers.items(), key=lambda kv: kv[1]):
        item = briefing.sources[index]
        quotes = [t for t in (cited.get(index) or cited.get(str(index)) or ())]
        if not quotes:
            quotes = [s.text for p in briefing.paragraphs for s in p if s.source == index and s.quote]
        lines.append(f"[^{number}]: {footnote_text(item, quotes)}")
    return "\n".join(lines).rstrip() + "\n"


def _paragraph_markdown(spans: Sequence[Span], numbers: dict[int, int]) -> str:
    out = []
    for span in spans:
        text = md_escape(span.text)
        if span.text[:1].isspace():
            text = " " + text
        if span.text[-1:].isspace():
            text += " "
        if span.quote:
            text = f"“{text.strip()}”"
        if span.source is not None:
            text = text.rstrip() + f"[^{numbers[span.source]}]"
            if span.text[-1:].isspace():
                text += " "
        out.append(text)
    # Spans are escaped one by one; joined, "7" and ". x" would still start a list.
    return _escape_line_start(re.sub(r" {2,}", " ", "".join(out)).strip())


def footnote_text(item: Item, quotes: Sequence[str]) -> str:
    target = md_link_target(item.url)
    title = md_escape(item.title) or "untitled post"
    head = f"[{title}]({target})" if target else title
    facts = [platform_label(item.platform)]
    if item.outlet:
        facts.append(item.outlet)
    elif item.feed_title and item.feed_title != platform_label(item.platform):
        facts.append(item.feed_title)
    if item.author and item.author not in facts:
        facts.append(item.author)
    facts.append(("about " if item.date_estimated else "") + f"{item.published:%-d %b %Y}")
    text = f"{head} — " + ", ".join(md_escape(f) for f in facts) + "."
    seen: list[str] = []
    for q in quotes:
        q = one_line(q)
        if q and q not in seen:
            seen.append(q)
    if seen:
        text += " " + " … ".join(f"“{md_escape(q)}”" for q in seen[:3])
    return text


def disclaimer(briefing: Briefing) -> str:
    n = len(briefing.story.items)
    if briefing.writer == "extractive":
        how = (
            f"This briefing was assembled extractively from {n} public posts, without a language model: "
            "the quotations are copied verbatim from the posts in the footnotes, and the connecting sentences are templates."
        )
    else:
        model = f" ({briefing.model})" if briefing.model else ""
        how = (
            f"This briefing was written by Claude{model}, a language model, from {n} public posts; "
            "every quotation is a span the model cited from the posts in the footnotes."
        )
    fidelity = briefing.extra.get("fidelity") or {}
    fid = ""
    if fidelity:
        fid = (
            f" Fidelity: {round(100 * float(fidelity.get('cited_sentences', 0)))}% of sentences carry a citation; "
            f"{round(100 * float(fidelity.get('verbatim_quotes', 0)))}% of quotations were found verbatim in their source."
        )
    return (
        '<div class="brief-disclaimer" markdown>\n\n'
        f"{md_escape(how + fid)} It may contain inaccuracies: check the sources before relying on it.\n"
        "{ .brief-disclaimer-text }\n\n</div>"
    )


def compose(meta: dict, body: str, related: str) -> str:
    post = frontmatter.Post(body.rstrip("\n") + "\n\n" + related, **meta)
    return frontmatter.dumps(post, sort_keys=False, allow_unicode=True, width=100) + "\n"


# --- relations between briefings ------------------------------------------------


@functools.lru_cache(maxsize=8192)  # index pages link to the same pages thousands of times
def _rel(from_path: str, to_path: str) -> str:
    return posixpath.relpath(to_path, posixpath.dirname(from_path))


class RelatedIndex:
    """Where related_entries looks for candidates, so that it does not scan the whole archive
    for every briefing (quadratic: 9 million comparisons at 3,000 briefings).

    A related briefing shares a source or the beat. Those sharing a source are found by
    URL; of the others on the same beat, only the ``limit`` newest not after the briefing
    can make the cut, since among them the score only falls with age. The result is the
    same as scanning every entry.
    """

    def __init__(self, entries: Sequence[Entry]):
        self.by_url: dict[str, list[Entry]] = defaultdict(list)
        by_beat: dict[str, list[Entry]] = defaultdict(list)
        for entry in entries:
            for url in set(entry.source_urls):
                self.by_url[url].append(entry)
            by_beat[entry.beat].append(entry)
        self.by_beat = {beat: sorted(group, key=lambda e: (-e.date.toordinal(), e.path)) for beat, group in by_beat.items()}
        self.keys = {beat: [(-e.date.toordinal(), e.path) for e in group] for beat, group in self.by_beat.items()}

    def candidates(self, entry: Entry, limit: int) -> list[Entry]:
        found = {other.path: other for url in set(entry.source_urls) for other in self.by_url.get(url, ())}
        sharing = set(found)
        group = self.by_beat.get(entry.beat, [])
        start = bisect.bisect_left(self.keys.get(entry.beat, []), (-entry.date.toordinal(), ""))
        taken = 0
        for other in group[start:]:
            if taken >= limit:
                break
            if other.path == entry.path or other.path in sharing:
                continue
            found[other.path] = other
            taken += 1
        return list(found.values())


def related_entries(entry: Entry, entries: Sequence[Entry], limit: int = 3, index: RelatedIndex | None = None) -> list[Entry]:
    """Earlier (or same-day) briefings on the same beat or sharing sources, most related first."""
    mine = set(entry.source_urls)
    scored = []
    for other in index.candidates(entry, limit) if index is not None else entries:
        if other.path == entry.path or other.date > entry.date:
            continue
        shared = len(mine & set(other.source_urls))
        same_beat = other.beat == entry.beat
        if not shared and not same_beat:
            continue
        age = (entry.date - other.date).days
        scored.append((-(3 * shared + 2 * same_beat - min(age, 30) / 30), other.date.toordinal() * -1, other.path, other))
    scored.sort(key=lambda t: t[:3])
    return [t[3] for t in scored[:limit]]


def related_block(entry: Entry, entries: Sequence[Entry], beats: dict[str, Beat], index: RelatedIndex | None = None) -> str:
    chosen = related_entries(entry, entries, index=index)
    lines = [RELATED_START]
    if chosen:
        lines += ["", '<div class="brief-related" markdown>', "", "## More briefings { data-search-exclude }", ""]
        for other in chosen:
            lines.append(teaser_markdown(other, entry.path, beats, level=3))
        lines += ["</div>", ""]
    lines.append(RELATED_END)
    return "\n".join(lines) + "\n"


def teaser_markdown(
    entry: Entry,
    from_path: str,
    beats: dict[str, Beat],
    level: int = 3,
    lead: bool = False,
    *,
    show_beat: bool = True,
    show_date: bool = True,
) -> str:
    """A teaser: kicker (beat · date · reading time), linked headline, one or two sentences.

    ``show_beat``/``show_date`` drop what the page around it already says (a
    beat page, a list grouped by day); the reading time is always shown. The
    lead teaser also shows the platform mix of the posts behind it.
    """
    beat = beats.get(entry.beat)
    beat_name = beat.name if beat else entry.beat
    cls = "teaser teaser--lead" if lead else "teaser"
    link = _rel(from_path, entry.path)
    beat_link = _rel(from_path, f"beats/{entry.beat}.md") if beat else ""
    facts = []
    if show_beat:
        facts.append(f"[{md_escape(beat_name)}]({beat_link}){{ .teaser__beat }}" if beat_link else md_escape(beat_name))
    if show_date:
        facts.append(f"{entry.date:%-d %b %Y}")
    facts.append(f"{entry.reading_time} min read")
    mix = f"\n{platform_mix_html(entry.platforms)}\n" if lead and entry.platforms else ""
    # Teasers repeat their briefing's headline and teaser: they stay out of the search
    # index (data-search-exclude), so a search leads to the briefing itself.
    return (
        f'<article class="{cls}" markdown>\n\n'
        f"{' · '.join(facts)}\n"
        "{ .teaser__meta data-search-exclude }\n\n"
        f"{'#' * level} [{md_escape(entry.title)}]({link}) {{ data-search-exclude }}\n\n"
        f"{md_escape(entry.description)}\n"
        "{ .teaser__text }\n"
        f"{mix}\n"
        "</article>\n"
    )


def with_related(text: str, block: str) -> str:
    """Replace the related section of a briefing file's text (or append one)."""
    start = text.find(RELATED_START)
    end = text.find(RELATED_END)
    if start >= 0 and end > start:
        return text[:start] + block.rstrip("\n") + text[end + len(RELATED_END):]
    return text.rstrip("\n") + "\n\n" + block


# --- index pages ----------------------------------------------------------------


def _by_date_desc(entries: Sequence[Entry]) -> list[Entry]:
    return sorted(entries, key=lambda e: (-e.date.toordinal(), e.rank, e.path))


def home_page(entries: Sequence[Entry], config: Config, beats: dict[str, Beat]) -> str:
    site = config.site
    lines = [
        "---",
        yaml.safe_dump({"title": site.title, "description": site.description, "hide": ["navigation", "toc"]}, sort_keys=False, allow_unicode=True).strip(),
        "---",
        "",
        f"# {md_escape(site.title)} {{ .masthead }}",
        "",
        md_escape(site.description),
        "{ .home-intro }",
        "",
    ]
    if beats:
        sections = " ".join(f"[{md_escape(b.name)}](beats/{b.id}.md)" for b in beats.values())
        lines += ['<nav class="home-sections" aria-label="Beats" markdown>', "", sections, "", "</nav>", ""]
    if not entries:
        lines.append("No briefings yet: run `make build` once there are snapshots.")
        return "\n".join(lines) + "\n"
    by_day: dict[dt.date, list[Entry]] = defaultdict(list)
    for entry in entries:
        by_day[entry.date].append(entry)
    days = sorted(by_day, reverse=True)[:HOME_EDITIONS]
    latest = sorted(by_day[days[0]], key=lambda e: (e.rank, e.path))
    lead = min(latest, key=lambda e: (-e.significance, e.rank, e.path))
    # The latest edition opens with its lead, larger; every edition lists its other teasers.
    for day in days:
        todays = [e for e in sorted(by_day[day], key=lambda e: (e.rank, e.path)) if e is not lead]
        front = day == days[0]
        if not todays and not front:
            continue
        lines += [f"## {day:%A, %-d %B %Y} {{ .edition-date data-search-exclude }}", "", f'<div class="teasers{" teasers--front" if front else ""}" markdown>', ""]
        if front:
            lines.append(teaser_markdown(lead, "index.md", beats, lead=True, show_date=False))
        lines += [teaser_markdown(e, "index.md", beats, show_date=False) for e in todays]
        lines += ["</div>", ""]
    lines.append(f"[All briefings by month](archive/index.md){{ .md-button }} [Subscribe (RSS)](feed.xml){{ .md-button }}\n{{ .home-more }}")
    return "\n".join(lines) + "\n"


def beat_page(beat: Beat, entries: Sequence[Entry], beats: dict[str, Beat]) -> str:
    path = f"beats/{beat.id}.md"
    mine = _by_date_desc([e for e in entries if e.beat == beat.id])
    lines = [
        "---",
        yaml.safe_dump({"title": beat.name, "description": beat.description}, sort_keys=False, allow_unicode=True).strip(),
        "---",
        "",
        f"# {md_escape(beat.name)}",
        "",
        md_escape(beat.description),
        "{ .beat-description }",
        "",
        f"{len(mine)} briefing{'s' if len(mine) != 1 else ''}, newest first.",
        "",
    ]
    month = None
    for entry in mine:
        if (entry.date.year, entry.date.month) != month:
            month = (entry.date.year, entry.date.month)
            lines += [f"## {entry.date:%B %Y} {{ .list-date data-search-exclude }}", ""]
        lines.append(teaser_markdown(entry, path, beats, show_beat=False))
    return "\n".join(lines) + "\n"


def beats_index(config: Config, entries: Sequence[Entry]) -> str:
    counts = Counter(e.beat for e in entries)
    lines = ["---", "title: Beats", "description: The topics the briefings are filed under.", "---", "", "# Beats", ""]
    for beat in config.beats:
        lines += [f"## [{md_escape(beat.name)}]({beat.id}.md)", "", md_escape(beat.description), "", f"{counts.get(beat.id, 0)} briefings.", ""]
    return "\n".join(lines) + "\n"


def month_page(year: int, month: int, entries: Sequence[Entry], beats: dict[str, Beat]) -> str:
    path = f"archive/{year:04d}-{month:02d}.md"
    first = dt.date(year, month, 1)
    lines = [
        "---",
        f"title: Briefings of {first:%B %Y}",
        f"description: Every briefing published in {first:%B %Y}, newest first.",
        "---",
        "",
        f"# {first:%B %Y}",
        "",
        f"[All months](index.md) · {len(entries)} briefing{'s' if len(entries) != 1 else ''}, newest first.",
        "{ .archive-intro }",
        "",
    ]
    day = None
    for entry in _by_date_desc(entries):
        if entry.date != day:
            day = entry.date
            lines += [f"## {day:%A, %-d %B} {{ .list-date data-search-exclude }}", ""]
        lines.append(teaser_markdown(entry, path, beats, show_date=False))
    return "\n".join(lines) + "\n"


def archive_index(months: dict[tuple[int, int], list[Entry]]) -> str:
    lines = ["---", "title: Archive", "description: Every briefing, by month.", "---", "", "# Archive", ""]
    year = None
    for (y, m) in sorted(months, reverse=True):
        if y != year:
            year = y
            lines += [f"## {y}", ""]
        n = len(months[(y, m)])
        days = len({e.date for e in months[(y, m)]})
        lines.append(f"- [{dt.date(y, m, 1):%B %Y}]({y:04d}-{m:02d}.md) — {n} briefings in {days} editions")
    if not months:
        lines.append("No briefings yet.")
    return "\n".join(lines) + "\n"


def about_page(config: Config) -> str:
    lines = [
        "---",
        "title: About",
        "description: How these briefings are made, and every source they are made from.",
        "---",
        "",
        "# About these briefings",
        "",
        md_escape(config.site.description),
        "",
        "## Method",
        "",
        "1. **Fetch.** The feeds listed below are downloaded as they are served and kept as dated snapshots.",
        "2. **Ingest.** Each post is reduced to plain text with its link, author and date; copies of the same post in two feeds are merged.",
        "3. **Cluster.** Each day is an edition. The posts of an edition are grouped into stories by the words they share, filed under a beat, and ranked by how many posts, sources and platforms carry them and how recent they are.",
        "4. **Write.** A story becomes a briefing. With a Claude API key, Claude writes it from the posts through the Citations API, so every quotation is a span cited from a post; a guard rejects answers whose quotations are not in the sources. Without one, an extractive writer assembles it from verbatim sentences of the posts, without any language model. Each briefing says which writer made it.",
        "5. **Publish.** Every quotation carries a numbered footnote that links to the original post. Nothing from a feed or a model is published as live HTML: all of it is escaped and shown as text.",
        "",
        "Briefings may contain inaccuracies. The footnotes are the record: follow them.",
        "",
        "## Beats",
        "",
    ]
    for beat in config.beats:
        lines += [f"- [{md_escape(beat.name)}](beats/{beat.id}.md): {md_escape(beat.description)}"]
    lines += ["", "## Sources", "", "| Feed | Platform | Beats | Address |", "| --- | --- | --- | --- |"]
    beats = {b.id: b for b in config.beats}
    for feed in config.feeds:
        target = md_link_target(feed.url)
        name = md_escape(feed.title) + ("" if feed.enabled else " (paused)")
        beat_names = ", ".join(md_escape(beats[b].name) for b in feed.beats if b in beats)
        lines.append(f"| {name} | {md_escape(platform_label(feed.platform))} | {beat_names} | [{md_escape(feed.url)}]({target}) |")
    lines += ["", "## Subscribe", "", "- [RSS feed of the briefings](feed.xml)", "- [JSON Feed of the briefings](feed.json)", ""]
    return "\n".join(lines) + "\n"


# --- feeds out ------------------------------------------------------------------

FEED_ITEMS = 50


def rss_feed(entries: Sequence[Entry], config: Config) -> bytes:
    site = config.site
    newest = _by_date_desc(entries)[:FEED_ITEMS]
    beat_names = {b.id: b.name for b in config.beats}
    rss = ET.Element("rss", {"version": "2.0", "xmlns:atom": "http://www.w3.org/2005/Atom"})
    channel = ET.SubElement(rss, "channel")
    ET.SubElement(channel, "title").text = site.title
    ET.SubElement(channel, "link").text = site.url
    ET.SubElement(channel, "description").text = site.description
    ET.SubElement(channel, "language").text = "en"
    ET.SubElement(channel, "atom:link", {"href": site.url + "feed.xml", "rel": "self", "type": "application/rss+xml"})
    if newest:
        ET.SubElement(channel, "lastBuildDate").text = format_datetime(_entry_time(newest[0]))
    for entry in newest:
        item = ET.SubElement(channel, "item")
        # Readers treat an RSS title and description as HTML: escape the plain text once more.
        ET.SubElement(item, "title").text = _rss_text(entry.title)
        ET.SubElement(item, "link").text = site.url + entry.url
        ET.SubElement(item, "guid", {"isPermaLink": "true"}).text = site.url + entry.url
        ET.SubElement(item, "description").text = _rss_text(entry.description)
        ET.SubElement(item, "pubDate").text = format_datetime(_entry_time(entry))
        ET.SubElement(item, "category").text = beat_names.get(entry.beat, entry.beat)
    ET.indent(rss)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(rss, encoding="utf-8") + b"\n"


_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _rss_text(text: str) -> str:
    """Plain text as the HTML an RSS reader expects, holding only characters XML allows."""
    return html.escape(_NOT_XML.sub("", one_line(text)), quote=False)


def json_feed(entries: Sequence[Entry], config: Config) -> bytes:
    site = config.site
    beat_names = {b.id: b.name for b in config.beats}
    feed = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": site.title,
        "home_page_url": site.url,
        "feed_url": site.url + "feed.json",
        "description": site.description,
        "language": "en",
        "items": [
            {
                "id": site.url + e.url,
                "url": site.url + e.url,
                "title": e.title,
                "summary": e.description,
                "content_text": e.description,
                "date_published": _entry_time(e).isoformat(),
                "tags": [beat_names.get(e.beat, e.beat)],
            }
            for e in _by_date_desc(entries)[:FEED_ITEMS]
        ],
    }
    return (json.dumps(feed, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _entry_time(entry: Entry) -> dt.datetime:
    try:
        when = dt.datetime.fromisoformat(entry.published)
        if when.tzinfo is not None:
            return when.astimezone(dt.timezone.utc)
    except ValueError:
        pass
    return dt.datetime.combine(entry.date, dt.time(23, 59, 59), dt.timezone.utc)


# --- writing --------------------------------------------------------------------


class WriteError(BriefingsError):
    """docs/ cannot be written (read-only, full disk): the build stops; files already there stay whole."""

    def __init__(self, path: Path, exc: OSError):
        self.path = path
        super().__init__(f"cannot write {path}: {exc.strerror or exc}")


@dataclass
class Writes:
    """What a render pass changed under docs/."""

    written: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


def write_if_changed(path: Path, data: str | bytes, writes: Writes, docs_dir: Path) -> None:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    try:
        if path.read_bytes() == raw:
            return
    except OSError:
        pass
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise WriteError(path, exc) from exc
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(raw)
        os.replace(tmp, path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise WriteError(path, exc) from exc
        raise
    writes.written.append(path.relative_to(docs_dir).as_posix())


def remove(path: Path, writes: Writes, docs_dir: Path) -> None:
    try:
        path.unlink(missing_ok=True)
    except OSError as exc:
        raise WriteError(path, exc) from exc
    writes.removed.append(path.relative_to(docs_dir).as_posix())
    parent = path.parent
    while parent != docs_dir and parent.is_dir() and not any(parent.iterdir()):
        try:
            parent.rmdir()
        except OSError:
            break  # an empty folder left behind is harmless
        parent = parent.parent


def write_briefing(docs_dir: Path, rel: str, briefing: Briefing, beat: Beat, config: Config, rank: int, writes: Writes) -> None:
    meta = front_matter(briefing, beat, config, rank)
    body = briefing_body(briefing)
    write_if_changed(docs_dir / rel, compose(meta, body, RELATED_START + "\n" + RELATED_END + "\n"), writes, docs_dir)


def restamp(docs_dir: Path, entry: Entry, rank: int, significance: int, writes: Writes) -> None:
    """Update an unchanged briefing's place in its edition without rewriting its text."""
    if (entry.rank, entry.significance) == (rank, significance):
        return
    path = docs_dir / entry.path
    text = path.read_text(encoding="utf-8")
    end = text.find("\n---\n", 4)
    head, body = text[: end + 5], text[end + 5 :]
    head = re.sub(r"(?m)^rank: \d+$", f"rank: {rank}", head, count=1)
    head = re.sub(r"(?m)^significance: \d+$", f"significance: {significance}", head, count=1)
    write_if_changed(path, head + body, writes, docs_dir)


def write_indexes(docs_dir: Path, config: Config, writes: Writes, leaving: set[str] = frozenset()) -> list[str]:
    """Refresh related sections and every index page from the briefings on disk.

    ``leaving`` names briefings about to be removed: nothing links to them any more.
    """
    entries, problems = scan(docs_dir)
    entries = [e for e in entries if e.path not in leaving]
    beats = {b.id: b for b in config.beats}
    related = RelatedIndex(entries)
    for entry in entries:
        if entry.hand_edited:
            continue
        path = docs_dir / entry.path
        text = path.read_text(encoding="utf-8")
        write_if_changed(path, with_related(text, related_block(entry, entries, beats, related)), writes, docs_dir)
    write_if_changed(docs_dir / "index.md", home_page(entries, config, beats), writes, docs_dir)
    write_if_changed(docs_dir / "beats" / "index.md", beats_index(config, entries), writes, docs_dir)
    for beat in config.beats:
        write_if_changed(docs_dir / "beats" / f"{beat.id}.md", beat_page(beat, entries, beats), writes, docs_dir)
    months: dict[tuple[int, int], list[Entry]] = defaultdict(list)
    for entry in entries:
        months[(entry.date.year, entry.date.month)].append(entry)
    for (year, month), chosen in months.items():
        write_if_changed(docs_dir / "archive" / f"{year:04d}-{month:02d}.md", month_page(year, month, chosen, beats), writes, docs_dir)
    write_if_changed(docs_dir / "archive" / "index.md", archive_index(months), writes, docs_dir)
    write_if_changed(docs_dir / "about.md", about_page(config), writes, docs_dir)
    write_if_changed(docs_dir / "feed.xml", rss_feed(entries, config), writes, docs_dir)
    write_if_changed(docs_dir / "feed.json", json_feed(entries, config), writes, docs_dir)
    # Pages of beats or months that no longer exist would be orphans: remove generated ones.
    wanted = {f"{b.id}.md" for b in config.beats} | {"index.md"}
    for path in sorted((docs_dir / "beats").glob("*.md")):
        if path.name not in wanted:
            remove(path, writes, docs_dir)
    wanted = {f"{y:04d}-{m:02d}.md" for (y, m) in months} | {"index.md"}
    for path in sorted((docs_dir / "archive").glob("*.md")):
        if path.name not in wanted:
            remove(path, writes, docs_dir)
    return problems
