"""The RSS and JSON feeds: the whole briefing for feed readers, for the site and for each beat.

A feed item carries the briefing as a reader sees it on the site: its beat,
date, significance and the posts behind it, the story it follows, its text
with every footnote a link to its source, the sources, a link to the rest of
the conversation on the page, and the disclaimer. The HTML is made from the Markdown this
package wrote (Python-Markdown with the site's own extensions, so it says
what the page says), then cleaned by nh3 down to a few plain tags with
http(s) links, so nothing in a feed can run, whatever a briefing file holds.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import posixpath
import re
import xml.etree.ElementTree as ET
from email.utils import format_datetime
from typing import Callable, Sequence
from urllib.parse import urljoin

from ..models import Beat, Config, platform_label
from ..textutil import one_line
from .briefing import FOOTNOTES_MARKER, significance_label
from .entries import Entry

#: Items in the site's feeds, and in each beat's.
FEED_ITEMS = 50
BEAT_FEED_ITEMS = 20

#: The Markdown extensions of mkdocs.yml that briefings use (tests/test_feeds.py keeps them equal).
MARKDOWN_EXTENSIONS = ("footnotes", "attr_list", "md_in_html", "admonition", "tables", "pymdownx.escapeall")
MARKDOWN_CONFIG = {"footnotes": {"PLACE_MARKER": FOOTNOTES_MARKER}}

#: What a feed item's HTML may hold: text structure and links, nothing else.
_TAGS = {"p", "a", "sup", "ol", "ul", "li", "h2", "h3", "em", "strong", "blockquote", "br", "small", "table",
         "thead", "tbody", "tr", "th", "td", "code"}
_FOOTNOTE_TARGET = re.compile(r'<li id="fn:(\d+)">\s*<p><a href="([^"]+)"')
_FOOTNOTE_REF = re.compile(r'<sup id="fnref\d*:(\d+)"><a class="footnote-ref" href="#fn:\d+">(\d+)</a></sup>')
_BACKREF = re.compile(r'(?:&#160;)?<a class="footnote-backref"[^>]*>.*?</a>')
#: Where render starts the list of the story's posts the text does not quote.
ALSO_HEADING = "\n## Also in the conversation"


# --- a briefing as HTML --------------------------------------------------------------


class FeedBodies:
    """Each briefing's text as HTML for feed readers, converted once per build.

    ``body_of(path)`` gives a briefing's Markdown (after its front matter), or None.
    """

    def __init__(self, body_of: Callable[[str], str | None]):
        self._body_of = body_of
        self._html: dict[str, str] = {}
        self._md = None

    def body_html(self, entry: Entry, site_url: str) -> str:
        if entry.path not in self._html:
            body = self._body_of(entry.path)
            self._html[entry.path] = self._item_body(body, site_url, entry) if body else ""
        return self._html[entry.path]

    def _item_body(self, body: str, site_url: str, entry: Entry) -> str:
        """The text and its sources; the rest of the conversation (a story can have hundreds of posts,
        and converting their links is most of a build's time) as one link to its list on the page."""
        told, marker, others = body.partition(ALSO_HEADING)
        out = self._convert(told if marker else body, site_url, entry.path)
        if marker:
            count = sum(1 for line in others.splitlines() if line.startswith("- "))
            if count:
                url = html.escape(f"{site_url}{entry.url}#also", quote=True)
                out += (f'\n<p><a href="{url}" rel="noopener">Also in the conversation: {count} more '
                        f'post{"s" if count != 1 else ""}</a>, each linked on the page.</p>')
        return out

    def _convert(self, body: str, site_url: str, path: str) -> str:
        import markdown
        import nh3

        if self._md is None:
            self._md = markdown.Markdown(extensions=list(MARKDOWN_EXTENSIONS), extension_configs=MARKDOWN_CONFIG)
        self._md.reset()
        out = self._md.convert(body)
        # A footnote mark links to the post it cites (a reader of the feed has no page to jump within).
        targets = dict(_FOOTNOTE_TARGET.findall(out))
        out = _FOOTNOTE_REF.sub(
            lambda m: f'<sup>[<a href="{targets[m.group(1)]}">{m.group(2)}</a>]</sup>' if m.group(1) in targets
            else f"<sup>[{m.group(2)}]</sup>", out)
        out = _BACKREF.sub("", out)
        out = nh3.clean(out, tags=_TAGS, attributes={"a": {"href"}}, url_schemes={"http", "https"}, link_rel="noopener",
                        url_relative=lambda url: _site_link(url, site_url, path))
        return re.sub(r"\n{2,}", "\n", out).strip()


def _site_link(url: str, site_url: str, path: str) -> str | None:
    """A relative link in a briefing's Markdown (as MkDocs reads it: from the file's folder, to a .md
    file or a page's folder) as an absolute URL on the site; None (dropped) for an in-page #anchor."""
    if url.startswith("#"):
        return None
    target, _, fragment = url.partition("#")
    resolved = posixpath.normpath(posixpath.join(posixpath.dirname(path), target)) if target else path
    if resolved.startswith(".."):
        return None
    if resolved.endswith(".md"):
        resolved = resolved[: -len("index.md")] if resolved.endswith("index.md") else resolved[: -len(".md")] + "/"
    elif target.endswith("/") and not resolved.endswith("/"):
        resolved += "/"
    resolved = "" if resolved in (".", "./") else resolved
    return urljoin(site_url, resolved) + (f"#{fragment}" if fragment else "")


def disclaimer_text(meta: dict) -> str:
    """The disclaimer under a briefing, as plain text: what overrides/partials/briefing-disclaimer.html says."""
    generator = meta.get("generator") if isinstance(meta.get("generator"), dict) else {}
    fidelity = meta.get("fidelity") if isinstance(meta.get("fidelity"), dict) else {}
    posts = int(meta.get("posts") or 0)
    if generator.get("writer") == "extractive":
        text = (f"This briefing was assembled extractively from {posts} public posts, without a language model: "
                "the quotations are copied verbatim from the posts in the footnotes, and the connecting sentences are templates.")
    else:
        model = one_line(str(generator.get("model") or ""))
        text = (f"This briefing was written by Claude{f' ({model})' if model else ''}, a language model, from {posts} "
                "public posts; every quotation is a span the model cited from the posts in the footnotes.")
    if fidelity:
        def share(key: str) -> str:
            return "%.0f" % (100 * float(fidelity.get(key, 0) or 0))

        text += (f" Fidelity: {share('cited_sentences')}% of sentences carry a citation; "
                 f"{share('verbatim_quotes')}% of quotations were found verbatim in their source.")
    return text + " It may contain inaccuracies: check the sources before relying on it."


def facts_line(entry: Entry, beat_name: str) -> str:
    """Beat · date · significance (· lead story) · the posts behind it, as plain text."""
    facts = [beat_name, f"{entry.date:%-d %B %Y}", f"{significance_label(entry.significance)} significance"]
    if entry.lead:
        facts.append("Lead story")
    if entry.platforms:
        mix = ", ".join(f"{n} from {platform_label(p)}" for p, n in entry.platforms)
        facts.append(f"{entry.posts or sum(n for _, n in entry.platforms)} posts: {mix}")
    return " · ".join(facts)


def item_html(entry: Entry, site_url: str, beat_name: str, bodies: FeedBodies, titles: dict[str, str]) -> str:
    """A feed item's content: the facts, the story it follows, the briefing's text and sources, the disclaimer.

    ``titles``: headlines of the other briefings by path under docs/ (for "Follows:" and "Update:").
    """
    meta = entry.meta or {}
    parts = [f"<p><em>{html.escape(facts_line(entry, beat_name))}</em></p>"]
    thread = [("Follows", meta.get("follows"))] + [("Update", p) for p in meta.get("updates") or () if isinstance(p, str)]
    for label, path in thread:
        if isinstance(path, str) and path in titles:
            url = site_url + path[: -len(".md")] + "/"
            parts.append(f'<p><strong>{label}:</strong> <a href="{html.escape(url)}">{html.escape(titles[path])}</a></p>')
    parts.append(bodies.body_html(entry, site_url))
    parts.append(f"<p><small>{html.escape(disclaimer_text(meta))}</small></p>")
    return "\n".join(p for p in parts if p)


# --- the feeds --------------------------------------------------------------------------


def _by_date_desc(entries: Sequence[Entry]) -> list[Entry]:
    return sorted(entries, key=lambda e: (-e.date.toordinal(), e.rank, e.path))


def entry_time(entry: Entry) -> dt.datetime:
    try:
        when = dt.datetime.fromisoformat(entry.published)
        if when.tzinfo is not None:
            return when.astimezone(dt.timezone.utc)
    except ValueError:
        pass
    return dt.datetime.combine(entry.date, dt.time(23, 59, 59), dt.timezone.utc)


_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml_text(text: str) -> str:
    """Text holding only characters XML allows."""
    return _NOT_XML.sub("", text)


def _rss_text(text: str) -> str:
    """Plain text as the HTML an RSS reader expects, holding only characters XML allows."""
    return html.escape(_xml_text(one_line(text)), quote=False)


class Feeds:
    """The feeds of one build: the site's, and each beat's (``beat``), in RSS 2.0 and JSON Feed 1.1."""

    def __init__(self, entries: Sequence[Entry], config: Config, bodies: FeedBodies):
        self.config = config
        self.entries = _by_date_desc(entries)
        self.bodies = bodies
        self.beat_names = {b.id: b.name for b in config.beats}
        self.titles = {e.path: e.title for e in entries}

    def _chosen(self, beat: Beat | None) -> list[Entry]:
        if beat is None:
            return self.entries[:FEED_ITEMS]
        return [e for e in self.entries if e.beat == beat.id][:BEAT_FEED_ITEMS]

    def _about(self, beat: Beat | None) -> tuple[str, str, str, str]:
        """Title, description, page URL and the feeds' folder URL."""
        site = self.config.site
        if beat is None:
            return site.title, site.description, site.url, site.url
        return (f"{site.title}: {beat.name}", beat.description, f"{site.url}beats/{beat.id}/", f"{site.url}beats/{beat.id}/")

    def _content(self, entry: Entry) -> str:
        return item_html(entry, self.config.site.url, self.beat_names.get(entry.beat, entry.beat), self.bodies, self.titles)

    def rss(self, beat: Beat | None = None) -> bytes:
        site = self.config.site
        title, description, link, folder = self._about(beat)
        chosen = self._chosen(beat)
        rss = ET.Element("rss", {"version": "2.0", "xmlns:atom": "http://www.w3.org/2005/Atom",
                                 "xmlns:content": "http://purl.org/rss/1.0/modules/content/"})
        channel = ET.SubElement(rss, "channel")
        ET.SubElement(channel, "title").text = _xml_text(title)
        ET.SubElement(channel, "link").text = link
        ET.SubElement(channel, "description").text = _xml_text(description)
        ET.SubElement(channel, "language").text = "en"
        ET.SubElement(channel, "atom:link", {"href": folder + "feed.xml", "rel": "self", "type": "application/rss+xml"})
        if chosen:
            ET.SubElement(channel, "lastBuildDate").text = format_datetime(entry_time(chosen[0]))
        for entry in chosen:
            item = ET.SubElement(channel, "item")
            # Readers treat an RSS title and description as HTML: escape the plain text once more.
            ET.SubElement(item, "title").text = _rss_text(entry.title)
            ET.SubElement(item, "link").text = site.url + entry.url
            ET.SubElement(item, "guid", {"isPermaLink": "true"}).text = site.url + entry.url
            ET.SubElement(item, "description").text = _rss_text(entry.description)
            ET.SubElement(item, "content:encoded").text = _xml_text(self._content(entry))
            ET.SubElement(item, "pubDate").text = format_datetime(entry_time(entry))
            ET.SubElement(item, "category").text = _xml_text(self.beat_names.get(entry.beat, entry.beat))
            ET.SubElement(item, "category", {"domain": site.url + "about/#significance"}).text = (
                f"{significance_label(entry.significance)} significance")
        ET.indent(rss)
        return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(rss, encoding="utf-8") + b"\n"

    def json(self, beat: Beat | None = None) -> bytes:
        title, description, link, folder = self._about(beat)
        site = self.config.site
        feed = {
            "version": "https://jsonfeed.org/version/1.1",
            "title": title,
            "home_page_url": link,
            "feed_url": folder + "feed.json",
            "description": description,
            "language": "en",
            "items": [
                {
                    "id": site.url + e.url,
                    "url": site.url + e.url,
                    "title": e.title,
                    "summary": e.description,
                    "content_html": self._content(e),
                    "date_published": entry_time(e).isoformat(),
                    "tags": [self.beat_names.get(e.beat, e.beat), f"{significance_label(e.significance)} significance"],
                }
                for e in self._chosen(beat)
            ],
        }
        return (json.dumps(feed, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def rss_feed(entries: Sequence[Entry], config: Config, bodies: FeedBodies | None = None) -> bytes:
    """The site's RSS feed (without ``bodies``, items carry no text beyond the teaser's facts)."""
    return Feeds(entries, config, bodies or FeedBodies(lambda path: None)).rss()


def json_feed(entries: Sequence[Entry], config: Config, bodies: FeedBodies | None = None) -> bytes:
    """The site's JSON Feed (see rss_feed)."""
    return Feeds(entries, config, bodies or FeedBodies(lambda path: None)).json()
