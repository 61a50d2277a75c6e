"""Turn snapshot files into Items with feedparser.

A snapshot is the raw bytes a feed served (``snapshots/<feed-id>/<stamp>.xml``,
optionally beside a ``<stamp>.meta.json`` written by fetch that records the
HTTP Content-Type). Every entry becomes an :class:`~generator.models.Item`
holding plain text only; duplicates (same entry id, or the same link after
normalization) merge into one item that remembers every feed that carried it.

Problems are reported, never fatal: a feed that is not well-formed XML is
used as far as feedparser could read it; entries without a usable link are
skipped and counted; dates that are missing, unparseable or in the future
fall back to the snapshot's own time.

Parsing is the slow part, so each snapshot's items are cached on disk keyed
by the file's content hash and everything that shapes the result; a rebuild
with nothing new parses nothing.
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import html
import json
import re
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Iterable
from urllib.parse import urlsplit

import feedparser

from .atomic import write_atomic
from .models import Config, Feed, Item
from .snapshots import looks_like_html, parse_stamp, read_meta
from .textutil import digest, html_to_text, latex_to_text, normalize_space, normalize_url, one_line, safe_url, truncate

#: Bump when the way entries become items changes (textutil's html_to_text and
#: normalize_url included: the cache keeps normalized links too): invalidates the parse cache.
INGEST_VERSION = "10"
#: Longest plain text kept per item (characters).
MAX_TEXT = 4000
#: Longest title kept (characters).
MAX_TITLE = 300
#: Largest snapshot read (fetch refuses larger bodies); a bigger file is cut here and parsed as far as it goes.
MAX_SNAPSHOT_BYTES = 10 * 2**20
#: A date more than this far past the snapshot's time is not believed.
FUTURE_TOLERANCE = dt.timedelta(hours=1)


@dataclass(frozen=True)
class Problem:
    feed_id: str
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.feed_id}: {self.path}: {self.message}"


@dataclass(frozen=True)
class Snapshot:
    feed: Feed
    path: Path
    taken: dt.datetime


@dataclass(frozen=True)
class IngestResult:
    items: tuple[Item, ...]
    problems: tuple[Problem, ...]
    snapshots: tuple[Snapshot, ...]
    #: Snapshots whose items came from the parse cache.
    cache_hits: int = 0


def find_snapshots(config: Config, snapshots_dir: Path) -> tuple[list[Snapshot], list[Problem]]:
    """Every snapshot of every enabled feed, in config order then time order."""
    snapshots: list[Snapshot] = []
    problems: list[Problem] = []
    known = {feed.id for feed in config.feeds}
    if snapshots_dir.is_dir():
        for child in sorted(snapshots_dir.iterdir()):
            if child.is_dir() and not child.name.startswith(".") and child.name not in known:
                problems.append(Problem(child.name, str(child), "no feed with this id in the configuration; ignored"))
    for feed in config.feeds:
        if not feed.enabled:
            continue
        folder = snapshots_dir / feed.id
        if not folder.is_dir():
            problems.append(Problem(feed.id, str(folder), "no snapshots yet"))
            continue
        for path in sorted(folder.glob("*.xml")):
            taken = parse_stamp(path.stem)
            if taken is None:
                problems.append(Problem(feed.id, str(path), "file name is not a UTC stamp like 20261121T060000Z; ignored"))
                continue
            snapshots.append(Snapshot(feed, path, taken))
    return snapshots, problems


def ingest(config: Config, snapshots_dir: Path, *, cache_dir: Path | None = None, until: dt.datetime | None = None) -> IngestResult:
    """Read every snapshot (taken no later than ``until``) into merged, plain-text items."""
    snapshots, problems = find_snapshots(config, snapshots_dir)
    if until is not None:
        snapshots = [s for s in snapshots if s.taken <= until]
    items: list[Item] = []
    hits = 0
    keys = LinkKeys()
    window = dt.timedelta(hours=config.site.edition_window_hours)
    previous: dict[str, dt.datetime] = {}
    for snapshot in snapshots:  # each feed's snapshots in time order
        parsed, snapshot_problems, hit = _parse_cached(snapshot, cache_dir, keys)
        hits += hit
        # A post is new when it was published since the feed was last read (or within the
        # edition window, whichever reaches further back); an older one that a snapshot
        # carries for the first time is back catalogue, such as a blog's first fetch.
        last = previous.get(snapshot.feed.id)
        fresh_from = snapshot.taken - window if last is None else min(last, snapshot.taken - window)
        items.extend(replace(i, seen=snapshot.taken, backlog=i.published < fresh_from) for i in parsed)
        previous[snapshot.feed.id] = snapshot.taken
        problems.extend(snapshot_problems)
    return IngestResult(tuple(merge_duplicates(items, keys)), tuple(problems), tuple(snapshots), hits)


# --- one snapshot -------------------------------------------------------------


def _feed_key(feed: Feed) -> str:
    return json.dumps([INGEST_VERSION, feed.id, feed.title, feed.platform, feed.max_items])


def _parse_cached(snapshot: Snapshot, cache_dir: Path | None, keys: "LinkKeys | None" = None) -> tuple[list[Item], list[Problem], int]:
    keys = keys or LinkKeys()
    with snapshot.path.open("rb") as handle:
        data = handle.read(MAX_SNAPSHOT_BYTES + 1)
    meta = read_meta(snapshot.path)
    if cache_dir is None:
        items, problems = parse_snapshot(snapshot, data, meta)
        return items, problems, 0
    key = hashlib.sha256(data + b"\x00" + _feed_key(snapshot.feed).encode() + json.dumps(meta, sort_keys=True).encode()).hexdigest()
    path = cache_dir / "ingest" / f"{key[:40]}.json"
    try:
        cached = json.loads(path.read_text(encoding="utf-8"))
        items = [_item_from_json(raw) for raw in cached["items"]]
        problems = [Problem(snapshot.feed.id, str(snapshot.path), message) for message in cached["problems"]]
        keys.known.update(zip((i.url for i in items), cached.get("url_keys") or ()))
        return items, problems, 1
    except (OSError, ValueError, KeyError, TypeError):
        pass
    items, problems = parse_snapshot(snapshot, data, meta)
    _write_json_atomic(path, {"items": [_item_to_json(i) for i in items], "problems": [p.message for p in problems],
                              "url_keys": [keys(i.url) for i in items]})
    return items, problems, 0


class LinkKeys:
    """normalize_url of item links for one ingest, taken from the parse cache where it has them,
    so that a rebuild with nothing new normalises no link."""

    def __init__(self) -> None:
        self.known: dict[str, str] = {}

    def __call__(self, url: str) -> str:
        key = self.known.get(url)
        if key is None:
            key = self.known[url] = normalize_url(url)
        return key


def parse_snapshot(snapshot: Snapshot, data: bytes, meta: dict | None = None) -> tuple[list[Item], list[Problem]]:
    """Parse one snapshot's bytes into items (not yet merged across snapshots)."""
    feed = snapshot.feed
    problems: list[Problem] = []

    def report(message: str) -> None:
        problems.append(Problem(feed.id, str(snapshot.path), message))

    if not data.strip():
        report("empty file; no entries")
        return [], problems
    if len(data) > MAX_SNAPSHOT_BYTES:
        report(f"larger than {MAX_SNAPSHOT_BYTES // 2**20} MiB; only the first {MAX_SNAPSHOT_BYTES // 2**20} MiB were read")
        data = data[:MAX_SNAPSHOT_BYTES]
    # Blank lines before the XML declaration (common in the wild) make the strict parser give up.
    bom = b"\xef\xbb\xbf" if data.startswith(b"\xef\xbb\xbf") else b""
    rest = data[len(bom):].lstrip(b" \t\r\n")
    if rest.startswith(b"<?xml"):
        data = bom + rest
    headers = {}
    content_type = (meta or {}).get("content_type")
    if isinstance(content_type, str) and content_type:
        headers["content-type"] = content_type
    # No sanitize_html: every HTML value is reduced to plain text by html_to_text (nh3), which is
    # stricter than feedparser's sanitizer, and faster (figures in the README).
    parsed = feedparser.parse(data, response_headers=headers, sanitize_html=False, resolve_relative_uris=False)
    entries = parsed.entries
    if parsed.bozo:
        exc = parsed.get("bozo_exception")
        reason = _bozo_reason(exc)
        if entries:
            report(f"{reason}; using the {len(entries)} entries that parsed")
        elif looks_like_html(data):
            report("an HTML page, not a feed; no entries")
            return [], problems
        else:
            report(f"{reason}; no entries could be read")
            return [], problems
    if not entries:
        if looks_like_html(data):
            report("an HTML page, not a feed; no entries")
        else:
            report("the feed has no entries")
        return [], problems

    # Relative links resolve against the feed's own link, itself resolved against the address
    # the feed was fetched from (or is configured at).
    fetched_from = safe_url((meta or {}).get("url")) or safe_url(feed.url)
    feed_link = safe_url(parsed.feed.get("link"), fetched_from or None) or fetched_from
    items: list[Item] = []
    skipped_links = 0
    estimated = 0
    future = 0
    untitled = 0
    seen_ids: set[str] = set()
    repeated = 0
    for entry in entries:
        item, flags = _entry_to_item(entry, snapshot, feed_link, atom=str(parsed.get("version", "")).startswith("atom"))
        if item is None:
            skipped_links += 1
            continue
        estimated += "estimated" in flags
        future += "future" in flags
        untitled += "untitled" in flags
        repeated += item.id in seen_ids
        seen_ids.add(item.id)
        items.append(item)
    if skipped_links:
        report(f"{skipped_links} entr{'y' if skipped_links == 1 else 'ies'} without a usable http(s) link skipped")
    if untitled and feed.platform not in ("mastodon", "bluesky"):  # posts there have no titles
        report(f"{untitled} entr{'y' if untitled == 1 else 'ies'} without a title; titled from their text")
    if repeated:
        report(f"{repeated} entr{'y' if repeated == 1 else 'ies'} with the same id as an earlier entry; merged with it")
    if estimated:
        report(f"{estimated} entr{'y' if estimated == 1 else 'ies'} without a readable date; dated by the snapshot time")
    if future:
        report(f"{future} entr{'y' if future == 1 else 'ies'} dated in the future; dated by the snapshot time")
    items = _without_bylines(items, feed)
    if feed.max_items is not None and len(items) > feed.max_items:
        items = sorted(items, key=lambda i: (i.published, i.id), reverse=True)[: feed.max_items]
    return items, problems


#: Platforms whose "author" may be a desk or section rather than a person.
_BYLINE_PLATFORMS = ("news", "arxiv", "lemmy")


def _without_bylines(items: list[Item], feed: Feed) -> list[Item]:
    """Drop authors that sign a large share of a snapshot's entries ("Opinion", "World",
    "arXiv New Submissions"): a section or a desk is never presented as a person."""
    if feed.platform not in _BYLINE_PLATFORMS or len(items) < 5:
        return items
    counts: dict[str, int] = {}
    for item in items:
        if item.author:
            counts[item.author] = counts.get(item.author, 0) + 1
    bylines = {name for name, n in counts.items() if n >= 5 and n >= 0.1 * len(items)}
    if not bylines:
        return items
    return [replace(i, author="") if i.author in bylines else i for i in items]


def _bozo_reason(exc: BaseException | None) -> str:
    if exc is None:
        return "not a well-formed feed"
    text = one_line(str(exc)) or type(exc).__name__
    name = type(exc).__name__
    if "CharacterEncoding" in name:
        return f"wrong or missing encoding declaration ({text})"
    if "NonXMLContentType" in name:
        return f"served with a non-XML content type ({text})"
    return f"not well-formed XML ({text})"


# --- one entry ----------------------------------------------------------------

_HN_BOILERPLATE = re.compile(r"^(?:Article URL|Comments URL|Points|# Comments):.*$", re.MULTILINE)
_ARXIV_PREFIX = re.compile(r"^arXiv:\S+\s+Announce Type:\s*\S+\s*(?:Abstract:\s*)?", re.IGNORECASE)
_REDDIT_FOOTER = re.compile(r"\s*submitted by\s+/?u/\S+\s*(?:\[link\])?\s*(?:\[comments\])?\s*$", re.IGNORECASE)
_HN_COMMENT_TITLE = re.compile(r'^New comment by (\S+) in "(.*)"$')
_MASTODON_USER = re.compile(r"^https?://([^/]+)/@([^/]+)/")


def _entry_to_item(entry, snapshot: Snapshot, feed_link: str, atom: bool = False) -> tuple[Item | None, set[str]]:
    feed = snapshot.feed
    flags: set[str] = set()
    if entry.get("links"):
        url = safe_url(entry.get("link"), feed_link or None)
        for link in entry.get("links", ()):
            url = url or safe_url(link.get("href"), feed_link or None)
    else:
        # No link element: feedparser took the link from the entry's id (an RSS guid is a
        # permalink by default), which counts only if it is an absolute http(s) URL itself.
        url = safe_url(entry.get("link"))
    if not url:
        return None, flags

    title = one_line(_plain(entry.get("title", ""), entry.get("title_detail"), atom))
    text = _entry_text(entry, atom)
    author = one_line(html_to_text(entry.get("author", "")))
    post = _Post(title=title, text=text, author=author, url=url)
    handler = _PLATFORM_HANDLERS.get(feed.platform)
    if handler is not None:
        handler(post, entry)
    title, text, author, outlet = post.title, post.text, post.author, post.outlet
    if not author:
        author = feed.title if feed.platform in ("bluesky", "youtube", "blog") else ""
    platform = feed.platform

    title, text = _unescape_leftovers(title), _WORDPRESS_FOOTER.sub("", _unescape_leftovers(text)).strip()
    text = truncate(text, MAX_TEXT)
    if not title:
        flags.add("untitled")
        title = truncate(one_line(text), 90) if text else feed.title
    title = truncate(title, MAX_TITLE)
    if not text:
        text = title

    published, how = _entry_time(entry, snapshot.taken)
    if how:
        flags.add(how)
    raw_id = entry.get("id") or entry.get("guid") or url
    item = Item(
        id=digest(one_line(str(raw_id))),
        feed_id=feed.id,
        platform=platform,
        title=title,
        url=url,
        author=author,
        published=published,
        text=text,
        date_estimated=bool(how),
        feeds=(feed.id,),
        feed_title=feed.title,
        outlet=outlet,
        seen=snapshot.taken,
        text_by=post.text_by,
    )
    return item, flags


#: The line WordPress adds to every feed entry ("The post X appeared first on Site.").
_WORDPRESS_FOOTER = re.compile(r"\s*The post .{1,300}? appeared first on [^\n]{1,120}?\.?\s*$")
_LEFTOVER_ENTITY = re.compile(r"&(?:gt|lt|amp|quot|apos|nbsp|#\d{2,5}|#x[0-9a-fA-F]{2,4});")


def _unescape_leftovers(text: str) -> str:
    """Entities left in plain text by feeds that escape twice ("&gt;50 GB"): decoded once more."""
    return normalize_space(html.unescape(text)) if _LEFTOVER_ENTITY.search(text) else text


# --- what each platform's feeds put where ---------------------------------------


@dataclass
class _Post:
    """An entry's fields while a platform's handler adjusts them."""

    title: str
    text: str
    author: str
    url: str
    outlet: str = ""
    text_by: str = ""


def _hackernews(post: _Post, entry) -> None:
    post.text = normalize_space(_HN_BOILERPLATE.sub("", post.text))
    match = _HN_COMMENT_TITLE.match(post.title)
    if match:
        post.author = post.author or match.group(1)
        post.title = f"Comment on “{match.group(2)}”"
        return
    host = _host(post.url)
    if host and host != "news.ycombinator.com" and post.text and post.text != post.title:
        # A front-page item that carries the text of the article it links to: those are the
        # article's words, not the submitter's.
        post.text_by = host
        post.text = re.sub(r"^←\s*\S+\s+", "", post.text)


def _arxiv(post: _Post, entry) -> None:
    post.text = latex_to_text(_ARXIV_PREFIX.sub("", post.text).strip())
    post.title = latex_to_text(post.title)
    post.author = latex_to_text(post.author)


def _reddit(post: _Post, entry) -> None:
    post.text = _REDDIT_FOOTER.sub("", post.text).strip()
    if post.text in ("[link]", "[link] [comments]"):
        post.text = ""
    post.author = post.author.removeprefix("/")


def _news(post: _Post, entry) -> None:
    source = entry.get("source") or {}
    outlet = one_line(source.get("title", "")) if hasattr(source, "get") else ""
    if outlet:
        post.outlet = outlet
        if post.title.endswith(f" - {outlet}"):
            post.title = post.title[: -len(outlet) - 3].rstrip()
    # Aggregator descriptions often only repeat the headline and the outlet.
    flat = one_line(post.text)
    names = [n for n in (outlet, post.author) if n]
    if flat == post.title or any(flat in (f"{post.title} {n}", f"{post.title} - {n}", f"{post.title}  {n}") for n in names):
        post.text = ""


def _social(post: _Post, entry) -> None:
    match = _MASTODON_USER.match(post.url)
    if not post.author and match:
        post.author = f"@{match.group(2).lstrip('@')}@{match.group(1)}"


_LEMMY_HEAD = re.compile(r"^submitted by\s+(\S+)\s+to\s+(\S+)\s+(?:-?\d+\s+points?\s*\|\s*\d+\s+comments?)?\s*", re.IGNORECASE)


def _lemmy(post: _Post, entry) -> None:
    match = _LEMMY_HEAD.match(post.text)
    if match:
        post.author, post.outlet = match.group(1), f"c/{match.group(2)}"
        rest = post.text[match.end():]
        # What follows is the link the post shares (if any), then the poster's own words.
        post.text = re.sub(r"^https?://\S+\s*", "", rest).strip()


#: Per platform, how its feeds' entries become posts (platforms without an entry take the fields as given).
_PLATFORM_HANDLERS = {
    "hackernews": _hackernews,
    "arxiv": _arxiv,
    "reddit": _reddit,
    "news": _news,
    "mastodon": _social,
    "lemmy": _lemmy,
}


def _host(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower()
    return host[4:] if host.startswith("www.") else host


def _entry_text(entry, atom: bool = False) -> str:
    """The richest plain text the entry offers: content, summary or media description."""
    texts: list[str] = []
    for content in entry.get("content", ()) or ():
        texts.append(_plain(content.get("value", ""), content, atom))
    texts.append(_plain(entry.get("summary", ""), entry.get("summary_detail"), atom))
    media = entry.get("media_description")
    if isinstance(media, str):
        texts.append(html_to_text(media))
    return max(texts, key=len, default="")


def _plain(value, detail=None, atom: bool = False) -> str:
    """Plain text of a feed value: HTML reduced to text.

    An Atom value declared as text (type="text", the default) keeps what looks like a tag
    ("Use <video> tags"); its entities are still decoded, since feeds such as Reddit's escape
    their plain-text titles twice. In RSS "text/plain" is only feedparser's guess (it guesses so
    for HTML holding a <script>), so RSS values are always treated as HTML.
    """
    if not isinstance(value, str) or not value:
        return ""
    if atom and hasattr(detail, "get") and detail.get("type") == "text/plain":
        text = normalize_space(html.unescape(value))
        # Aggregators that re-publish HTML as Atom text ("<a href=...>Headline</a> <font>Outlet</font>").
        return html_to_text(text) if _ESCAPED_TWICE.match(text) and "</" in text else text
    text = html_to_text(value)
    if _ESCAPED_TWICE.match(text) and "</" in text:
        # HTML escaped twice (old Reddit RSS: "&amp;lt;div class=..."): what is left is still HTML.
        text = html_to_text(text)
    return text


#: Text that starts with a comment or a common HTML block or inline element is markup, not prose about it.
_ESCAPED_TWICE = re.compile(r"^\s*<(?:!--|(?:p|div|table|span|br|ul|ol|li|h[1-6]|blockquote|a|em|strong|img)[\s/>])", re.IGNORECASE)


def _entry_time(entry, taken: dt.datetime) -> tuple[dt.datetime, str]:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if value:
            try:
                when = dt.datetime.fromtimestamp(calendar.timegm(value), dt.timezone.utc)
            except (OverflowError, ValueError, TypeError, OSError):
                continue
            if when > taken + FUTURE_TOLERANCE:
                return taken, "future"
            return when, ""
    return taken, "estimated"


# --- merging ------------------------------------------------------------------


def merge_duplicates(items: Iterable[Item], keys: LinkKeys | None = None) -> list[Item]:
    """Merge items with the same id, or the same normalized link in different feeds, or the
    same headline from the same publication in different feeds (an aggregator's copy of a
    post whose link goes through the aggregator, beside the publication's own feed).

    One feed may legitimately list several entries under one link (a news
    page updated in place), so within a feed a shared link joins copies only
    when their titles agree too (an arXiv paper and its revision).
    Items arrive in feed order then snapshot order; a later copy of the same
    entry (a newer snapshot) replaces the text of the earlier one, the
    earliest publication time is kept, and ``feeds`` lists every feed that
    carried it. Output is sorted by (published, id), so it does not depend on
    the order of the input.
    """
    keys = keys or LinkKeys()
    by_key: dict[str, int] = {}
    merged: list[Item] = []
    for item in items:
        id_key, url_key = f"id:{item.id}", f"url:{keys(item.url)}"
        title_key = f"title:{_bare_title(item.title).casefold()}|{(item.outlet or item.feed_title).casefold()}"
        index = by_key.get(id_key)
        if index is None and url_key in by_key:
            other = merged[by_key[url_key]]
            if item.feed_id not in other.feeds or _bare_title(item.title) == _bare_title(other.title):
                index = by_key[url_key]
        if index is None and title_key in by_key and len(item.title) >= 20:
            if item.feed_id not in merged[by_key[title_key]].feeds:
                index = by_key[title_key]
        if index is None:
            by_key[id_key] = len(merged)
            by_key.setdefault(url_key, len(merged))
            by_key.setdefault(title_key, len(merged))
            merged.append(item)
            continue
        merged[index] = _combine(merged[index], item)
        by_key[id_key] = index
    return sorted(merged, key=lambda i: (i.published, i.id))


_SECTION_PREFIX = re.compile(r"^[A-Z][\w ]{1,20}\s\|\s")


def _bare_title(title: str) -> str:
    """A title without a section label in front ("Opinion | ..."), to compare two listings of one page."""
    return _SECTION_PREFIX.sub("", title)


def _combine(first: Item, second: Item) -> Item:
    """One item from two copies: a newer snapshot of the same feed wins; across feeds the first feed keeps its identity and the richer text is kept."""
    base = second if second.feed_id == first.feed_id else first
    feeds = first.feeds + tuple(f for f in second.feeds if f not in first.feeds)
    dated = [i for i in (first, second) if not i.date_estimated]
    published = min(i.published for i in (dated or (first, second)))
    # The first sighting decides when the post was seen and whether it was back catalogue then.
    earliest = second if second.seen is not None and (first.seen is None or second.seen < first.seen) else first
    return replace(
        base,
        id=first.id,
        author=base.author or first.author or second.author,
        text=max(base.text, second.text if base is first else first.text, key=len),
        published=published,
        date_estimated=not dated,
        feeds=feeds,
        seen=earliest.seen,
        backlog=earliest.backlog,
    )


# --- cache I/O ----------------------------------------------------------------


def _item_to_json(item: Item) -> dict:
    raw = asdict(item)
    raw["published"] = item.published.isoformat()
    raw["feeds"] = list(item.feeds)
    raw["seen"] = item.seen.isoformat() if item.seen else None
    return raw


def _item_from_json(raw: dict) -> Item:
    raw = dict(raw)
    raw["published"] = dt.datetime.fromisoformat(raw["published"])
    raw["feeds"] = tuple(raw["feeds"])
    raw["seen"] = dt.datetime.fromisoformat(raw["seen"]) if raw.get("seen") else None
    return Item(**raw)


def _write_json_atomic(path: Path, value) -> None:
    try:
        write_atomic(path, json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
    except OSError:
        # The cache is an optimisation: a read-only or full disk must not stop a build.
        pass
