"""Measure story detection and stance against a labelled set (tests/data/story_pairs.yaml).

The set is a list of stories, each a list of posts written by this project
and labelled by a person who read them: two posts are the same story when
they share a label; each post carries its stance towards its story's main
claim. Used by ``make bench`` (which prints the figures) and by the tests
(which hold them at stated levels).

- **Pairing**: every post about AI goes through the real pipeline (editions
  by day, clustering, threads across days) with no cap on briefings; two
  posts are predicted the same story when they end up in one thread. Over
  all pairs of posts: precision = right "same" calls / all "same" calls,
  recall = right "same" calls / all true same-story pairs.
- **Relevance**: every post through ``match: ai``; precision and recall of
  keeping the posts labelled as about AI.
- **Stance**: each labelled story's posts analysed as one story; the share
  of posts whose stance matches the label.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

import yaml

from .models import Beat, Config, Feed, Item, Site, Story
from .textutil import digest


@dataclass(frozen=True)
class Labelled:
    item: Item
    label: str
    about_ai: bool
    stance: str


def load(path: Path) -> list[Labelled]:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    out = []
    for story in data["stories"]:
        for post in story["posts"]:
            published = post["published"]
            if isinstance(published, str):
                published = dt.datetime.fromisoformat(published.replace("Z", "+00:00"))
            published = published.astimezone(dt.timezone.utc)
            feed_id = "f-" + digest(post["feed"], length=8)
            title = post["title"] or post["text"][:90]
            out.append(Labelled(
                item=Item(id=digest(post["id"]), feed_id=feed_id, platform=post["platform"], title=title,
                          url=f"https://example.org/{post['id']}", author=post["author"] or "", published=published,
                          text=post["text"] or title, feeds=(feed_id,), feed_title=post["feed"], outlet=post["outlet"] or "",
                          seen=published),
                label=story["label"], about_ai=bool(story["ai"]), stance=post["stance"]))
    return out


def _config(posts: list[Labelled], match: tuple[str, ...] = ()) -> Config:
    feeds = sorted({(p.item.feed_id, p.item.feed_title, p.item.platform) for p in posts})
    return Config(
        site=Site(title="Evaluation", description="Labelled stories.", briefings_per_edition=10_000),
        beats=(Beat("ai", "AI", "Everything about AI."),),
        feeds=tuple(Feed(fid, title, "https://example.org/feed", platform, ("ai",), match=match) for fid, title, platform in feeds),
    )


def pairing(posts: list[Labelled]) -> dict[str, float]:
    """Pair precision and recall of the whole story pipeline on the posts about AI."""
    from .cluster import History, edition_stories, editions

    chosen = [p for p in posts if p.about_ai]
    config = _config(chosen)
    history = History()
    thread_of: dict[str, str] = {}
    for edition in editions([p.item for p in chosen], now=max(p.item.published for p in chosen) + dt.timedelta(hours=1)):
        for story in edition_stories(edition, config, history, per_beat=10_000):
            for item in story.items:
                thread_of[item.id] = story.thread or story.id
    label = {p.item.id: p.label for p in chosen}
    tp = fp = fn = 0
    for a, b in combinations(sorted(label), 2):
        same = label[a] == label[b]
        said = a in thread_of and thread_of.get(a) == thread_of.get(b)
        tp += same and said
        fp += said and not same
        fn += same and not said
    return {
        "story_pair_precision": round(tp / (tp + fp), 3) if tp + fp else 0.0,
        "story_pair_recall": round(tp / (tp + fn), 3) if tp + fn else 0.0,
        "story_pairs_true": tp + fn,
    }


def relevance(posts: list[Labelled]) -> dict[str, float]:
    """How ``match: ai`` sorts the labelled posts into about AI and off topic."""
    from .relevance import split_relevant

    config = _config(posts, match=("ai",))
    kept, _ = split_relevant([p.item for p in posts], config)
    kept_ids = {i.id for i in kept}
    truth = {p.item.id for p in posts if p.about_ai}
    tp = len(kept_ids & truth)
    return {
        "relevance_precision": round(tp / len(kept_ids), 3) if kept_ids else 0.0,
        "relevance_recall": round(tp / len(truth), 3) if truth else 0.0,
    }


def stance(posts: list[Labelled]) -> dict[str, float]:
    """Share of posts whose stance the analysis reads as labelled (stories of two posts or more)."""
    from .analyse import analyse
    from .cluster import _Space, _keywords

    by_label: dict[str, list[Labelled]] = {}
    for p in posts:
        if p.about_ai:
            by_label.setdefault(p.label, []).append(p)
    right = total = 0
    confusion: dict[tuple[str, str], int] = {}
    for label, members in sorted(by_label.items()):
        if len(members) < 2:
            continue
        items = tuple(p.item for p in members)
        space = _Space(items)
        story = Story(id=label, edition=items[0].published.date(), beat="ai", items=items, score=0.0,
                      keywords=_keywords(space.word_matrix, space.words))
        analysis = analyse(story)
        for voice in analysis.voices:
            truth = members[voice.index].stance
            right += voice.stance == truth
            total += 1
            confusion[(truth, voice.stance)] = confusion.get((truth, voice.stance), 0) + 1
    figures = {"stance_accuracy": round(right / total, 3) if total else 0.0}
    for (truth, said), n in sorted(confusion.items()):
        figures[f"stance_{truth}_as_{said}"] = n
    return figures


def evaluate(path: Path) -> dict[str, float]:
    posts = load(path)
    return {**pairing(posts), **relevance(posts), **stance(posts)}
