"""Plain, frozen data passed between the pipeline's stages.

Every datetime here is timezone-aware UTC. Sequences are tuples so that the
values can be hashed, compared and shared between stages without copying.
Text fields hold *plain text* (no markup): escaping for Markdown or HTML is
the renderer's job and happens in exactly one place.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

#: Platforms a feed may declare, with the label readers see.
PLATFORMS: dict[str, str] = {
    "reddit": "Reddit",
    "hackernews": "Hacker News",
    "arxiv": "arXiv",
    "news": "News",
    "youtube": "YouTube",
    "mastodon": "Mastodon",
    "bluesky": "Bluesky",
    "blog": "Blog",
    "lemmy": "Lemmy",
}


def platform_label(platform: str) -> str:
    return PLATFORMS.get(platform, platform)


@dataclass(frozen=True)
class Site:
    #: Site title shown in the header and the RSS feed.
    title: str
    #: One-sentence description, used in <head> and feeds.
    description: str
    #: Public base URL of the published site (used for feeds and canonical links).
    url: str = "https://example.org/"
    #: How far back an edition looks for items, in hours.
    edition_window_hours: int = 24
    #: At most this many briefings per edition.
    briefings_per_edition: int = 6
    #: Smallest story (in new posts) that gets a briefing.
    min_story_items: int = 2
    #: Claude model used when the Claude writer runs.
    model: str = "claude-sonnet-4-6"
    #: Snapshots older than this many days may be pruned once their editions are published (None: kept).
    snapshot_retention_days: int | None = None


@dataclass(frozen=True)
class Beat:
    id: str
    name: str
    description: str
    #: Terms that place a post on this beat (see generator/relevance.py for their syntax).
    keywords: tuple[str, ...] = ()


@dataclass(frozen=True)
class Feed:
    id: str
    title: str
    url: str
    platform: str
    beats: tuple[str, ...]
    tags: tuple[str, ...] = ()
    max_items: int | None = None
    enabled: bool = True
    #: Terms a post must contain to be used at all (general feeds); empty: every post is about AI.
    match: tuple[str, ...] = ()


@dataclass(frozen=True)
class Config:
    site: Site
    beats: tuple[Beat, ...]
    feeds: tuple[Feed, ...]
    #: The file the configuration was read from (for messages).
    path: str = "feeds.yaml"

    def beat(self, beat_id: str) -> Beat:
        for beat in self.beats:
            if beat.id == beat_id:
                return beat
        raise KeyError(beat_id)

    def feed(self, feed_id: str) -> Feed:
        for feed in self.feeds:
            if feed.id == feed_id:
                return feed
        raise KeyError(feed_id)


@dataclass(frozen=True)
class Item:
    """One post, normalized from a feed entry. All text is plain text."""

    #: Stable id: a hash of the entry's own id (or its normalized link).
    id: str
    #: The feed it came from (the first one, when several carried it).
    feed_id: str
    platform: str
    title: str
    #: http(s) link to the original post, or "" when the entry had none usable.
    url: str
    author: str
    #: When the post was published (or, failing that, when it was fetched).
    published: dt.datetime
    #: Plain text of the summary or content, whitespace-normalized.
    text: str
    #: True when ``published`` is the snapshot time, not a date the feed gave.
    date_estimated: bool = False
    #: Every feed that carried this item (after merging duplicates).
    feeds: tuple[str, ...] = ()
    #: Title of the feed, for footnotes ("r/LocalLLaMA", "Hacker News").
    feed_title: str = ""
    #: The publication behind a news item, when an aggregator names it ("Reuters").
    outlet: str = ""
    #: When a snapshot first carried the post (None only for items built by hand).
    seen: dt.datetime | None = None
    #: True when the post was already old when first read: a feed's back catalogue.
    backlog: bool = False
    #: Whose words ``text`` holds when they are not the author's: the linked article's
    #: site, for a forum item that carries the article it links to ("example.com").
    text_by: str = ""


#: Significance levels, most significant first (see generator/cluster.py for how they are set).
SIGNIFICANCE = ("high", "medium", "low")


@dataclass(frozen=True)
class Story:
    """Items of one edition that are about the same event or argument."""

    #: Stable id derived from the edition, beat and item ids.
    id: str
    edition: dt.date
    beat: str
    #: The posts, most representative first; back-catalogue posts (``backlog``) last.
    items: tuple[Item, ...]
    #: Ranking score within the edition (higher is more significant).
    score: float
    #: A few distinctive words shared by the items, most telling first.
    keywords: tuple[str, ...] = ()
    #: "high", "medium" or "low", relative to what the story's beat usually sees.
    significance: str = "low"
    #: True for the one lead story of its edition.
    lead: bool = False
    #: Id of the first story of the conversation this one continues (its own id if it starts one).
    thread: str = ""
    #: Id of the earlier story whose briefing this one follows up ("" when it is new).
    follows: str = ""
    #: Counted figures behind the ranking: posts, sources, platforms, pace, and the beat's usual.
    metrics: dict = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class Span:
    """A run of plain text in a paragraph.

    ``source`` is the 0-based index into ``Briefing.sources`` that backs the
    span, or None. ``quote`` marks text copied verbatim from that source; the
    renderer puts quotation marks around it.
    """

    text: str
    source: int | None = None
    quote: bool = False


@dataclass(frozen=True)
class Briefing:
    story: Story
    headline: str
    teaser: str
    #: Paragraphs, each a tuple of spans.
    paragraphs: tuple[tuple[Span, ...], ...]
    #: The items the footnotes point at; spans refer to them by index.
    sources: tuple[Item, ...]
    #: "extractive" or "claude".
    writer: str
    #: Hash of everything that determined this briefing (see pipeline).
    inputs_hash: str
    #: Model name when a model wrote it.
    model: str | None = None
    #: Extra facts for front matter (fidelity figures, usage).
    extra: dict = field(default_factory=dict, compare=False, hash=False)
