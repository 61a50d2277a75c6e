"""One briefing as a Markdown file: escaping, front matter, body and footnotes."""

from __future__ import annotations

import datetime as dt
import html
import math
import re
from collections import Counter
from typing import Iterable, Sequence
from urllib.parse import quote

import frontmatter
from slugify import slugify

from ..models import Beat, Briefing, Config, Item, Span, platform_label
from ..textutil import nested, one_line, safe_url


BRIEFINGS_DIR = "briefings"
#: Bump when the layout of briefing files changes: briefings of the editions
#: being built are then written again (the Claude writer answers from its
#: response cache where it has one).
RENDER_VERSION = "8"
#: Front-matter keys that link briefings (paths under docs/), set for every briefing by
#: Archive.commit from the whole archive: "More briefings", and the briefings of the same
#: story before ("Follows") and after ("Update") it.
RELATED_KEY = "related"
FOLLOWS_KEY = "follows"
UPDATES_KEY = "updates"
#: The order of a briefing's front-matter keys (others, from a hand-edited file, follow).
KEY_ORDER = (
    "title", "date", "published", "categories", "beat", "description", "rank", "lead", "significance",
    "reading_time", "posts", "platforms", "keywords", "story", "thread", "sources", RELATED_KEY, FOLLOWS_KEY,
    UPDATES_KEY, "timeline", "analysis", "generator", "edited_by_hand", "fidelity",
)
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


# --- one briefing ---------------------------------------------------------------


def briefing_path(briefing: Briefing, taken: set[str]) -> str:
    """docs-relative path for a new briefing: briefings/YYYY/MM/DD/<slug>.md, unique within ``taken``."""
    return path_for(briefing.story.edition, briefing.headline, briefing.story.id, taken)


def path_for(day: dt.date, headline: str, fallback: str, taken: set[str]) -> str:
    """briefings/YYYY/MM/DD/<slug of the headline>.md, unique within ``taken``."""
    slug = slugify(headline, max_length=60, word_boundary=True) or fallback
    base = f"{BRIEFINGS_DIR}/{day:%Y/%m/%d}/{slug}"
    path, n = f"{base}.md", 2
    while path in taken:
        path, n = f"{base}-{n}.md", n + 1
    return path


def platform_counts(items: Iterable[Item]) -> dict[str, int]:
    """Posts per platform, each post counted once (so the counts add up to the posts)."""
    counts: Counter = Counter(item.platform for item in items)
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


def _hours(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


def timeline(items: Iterable[Item]) -> dict | None:
    """When each new post of a story came, for the chart of how the conversation grew: the first post's
    time, and for each platform (in the order they joined) the hours after it of its posts, as one
    line of numbers ("0 3.2 5"). Posts first read as back catalogue are not part of it."""
    fresh = sorted((i for i in items if not i.backlog), key=lambda i: (i.published, i.id)) or sorted(items, key=lambda i: (i.published, i.id))
    if not fresh:
        return None
    start = fresh[0].published
    hours: dict[str, list[str]] = {}
    for item in fresh:
        hours.setdefault(item.platform, []).append(_hours((item.published - start).total_seconds() / 3600))
    return {"from": start.isoformat(), "hours": {p: " ".join(h) for p, h in hours.items()}}


def front_matter(briefing: Briefing, beat: Beat, config: Config, rank: int, analysis: dict | None = None) -> dict:
    numbers = _footnote_numbers(briefing.paragraphs)
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
            **({"words_by": item.text_by} if item.text_by else {}),
        })
    generator = {"writer": briefing.writer, "inputs_hash": briefing.inputs_hash, "render": RENDER_VERSION}
    model = one_line(briefing.model or "")
    if model:
        # on one line, as the disclaimer shows it (overrides/partials/briefing-disclaimer.html)
        generator["model"] = model
    meta = {
        "title": one_line(briefing.headline),
        "date": briefing.story.edition,
        "published": _published(briefing, config).isoformat(),
        "categories": [beat.name],
        "beat": beat.id,
        "description": one_line(briefing.teaser),
        "rank": rank,
        "lead": briefing.story.lead,
        "significance": briefing.story.significance,
        "reading_time": reading_time(briefing),
        "posts": len(briefing.story.items),
        "platforms": platform_counts(briefing.story.items),
        "keywords": list(briefing.story.keywords),
        "story": briefing.story.id,
        "thread": briefing.story.thread or briefing.story.id,
        "sources": sources,
        RELATED_KEY: [],  # the links between briefings are set by Archive.commit, from the whole archive
        "timeline": timeline(briefing.story.items),
        "generator": generator,
        HAND_EDITED_KEY: False,
    }
    if analysis:
        meta["analysis"] = analysis
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


#: Significance levels as readers see them (generator/cluster.py sets them).
SIGNIFICANCE_LABELS = {"high": "High", "medium": "Medium", "low": "Low"}
LEVELS = tuple(SIGNIFICANCE_LABELS)


def significance_label(level: str) -> str:
    return SIGNIFICANCE_LABELS.get(level, "Low")


def briefing_body(briefing: Briefing) -> str:
    # The headline, beat, date, reading time, significance, teaser and platform mix come
    # from the front matter, in the page template (overrides/partials/briefing-header.html);
    # so does the disclaimer under the sources (writer, model, posts and fidelity:
    # overrides/partials/briefing-disclaimer.html).
    numbers = _footnote_numbers(briefing.paragraphs)
    lines: list[str] = []
    for paragraph in briefing.paragraphs:
        lines.append(_paragraph_markdown(paragraph, numbers))
        lines.append("")
    if numbers:
        # The footnotes extension puts the footnotes where this marker stands (see
        # FOOTNOTES_MARKER); md_escape escapes "^", so feed text can never contain it.
        lines += ["## Sources { .brief-sources }", "", FOOTNOTES_MARKER, ""]
    cited = briefing.extra.get("cited_text") or {}
    for index, number in sorted(numbers.items(), key=lambda kv: kv[1]):
        item = briefing.sources[index]
        quotes = [t for t in (cited.get(index) or cited.get(str(index)) or ())]
        if not quotes:
            quotes = [s.text for p in briefing.paragraphs for s in p if s.source == index and s.quote]
        lines.append(f"[^{number}]: {footnote_text(item, quotes)}")
    # Every post the page counts can be reached from it: those not in a footnote are listed here.
    cited_ids = {briefing.sources[index].id for index in numbers}
    others = [item for item in briefing.story.items if item.id not in cited_ids]
    if others:
        lines += ["", f"## Also in the conversation {{ .brief-also #also }}", ""]
        lines += [f"- {footnote_text(item, ())}" for item in sorted(others, key=lambda i: (i.published, i.id))]
    return "\n".join(lines).rstrip() + "\n"


def _paragraph_markdown(spans: Sequence[Span], numbers: dict[int, int]) -> str:
    out = []
    for span in spans:
        text = md_escape(nested(span.text) if span.quote else span.text)
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
    outlet = item.outlet or (item.feed_title if item.platform == "news" else "")
    if outlet:
        # A news link often goes through an aggregator (news.google.com/rss/articles/…): the outlet
        # (the feed's <source>, else the news feed's own name) comes first, next to the link.
        facts = [f"{outlet} ({platform_label(item.platform).lower()})"]
    else:
        facts = [platform_label(item.platform)]
        if item.feed_title and item.feed_title != platform_label(item.platform):
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
        text += " " + " … ".join(f"“{md_escape(nested(q))}”" for q in seen[:3])
    return text


#: How front matter is serialized.
_DUMP_OPTIONS = {"sort_keys": False, "allow_unicode": True, "width": 100}


def compose(meta: dict, body: str) -> str:
    post = frontmatter.Post(body.rstrip("\n") + "\n", **meta)
    return frontmatter.dumps(post, **_DUMP_OPTIONS) + "\n"


def ordered(meta: dict) -> dict:
    """Front matter in the canonical key order (KEY_ORDER first, then any other keys as they came)."""
    out = {key: meta[key] for key in KEY_ORDER if key in meta}
    out.update((key, value) for key, value in meta.items() if key not in out)
    return out
