"""Build models for tests without feeds."""

from __future__ import annotations

import datetime as dt

from generator.models import Beat, Config, Feed, Item, Site, Story
from generator.textutil import digest

BEATS = (
    Beat("open-models", "Open Models", "Open weights, open tooling, licences and local inference."),
    Beat("policy", "Policy", "Laws, visas, researchers and talent."),
)
FEEDS = (
    Feed("reddit", "r/LocalLLaMA", "https://www.reddit.com/r/LocalLLaMA/.rss", "reddit", ("open-models",)),
    Feed("hn", "Hacker News", "https://hnrss.org/newest", "hackernews", ("open-models", "policy")),
    Feed("news", "Google News", "https://news.google.com/rss", "news", ("policy",)),
)


def config(**site) -> Config:
    return Config(site=Site(title="Test briefings", description="Test site.", **site), beats=BEATS, feeds=FEEDS)


def item(n: int, title: str, text: str, *, feed: str = "reddit", platform: str | None = None,
         when: dt.datetime | None = None, author: str = "someone") -> Item:
    platform = platform or {f.id: f.platform for f in FEEDS}[feed]
    return Item(
        id=digest(str(n), title),
        feed_id=feed,
        platform=platform,
        title=title,
        url=f"https://example.org/{feed}/{n}",
        author=author,
        published=when or dt.datetime(2026, 11, 21, 10, n % 60, tzinfo=dt.timezone.utc),
        text=text,
        feeds=(feed,),
        feed_title={f.id: f.title for f in FEEDS}[feed],
    )


def story(items, beat: str = "open-models", significance: str = "high", lead: bool = True) -> Story:
    return Story(id=digest(*(i.id for i in items)), edition=items[0].published.date(), beat=beat,
                 items=tuple(items), score=10.0, keywords=("tessera", "weights", "tooling"), significance=significance, lead=lead)
