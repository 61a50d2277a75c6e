"""Group the items of each edition into ranked stories, per beat.

An *edition* is a UTC day. Its window is the ``edition_window_hours`` before
the end of that day (or before ``now`` for the day in progress). Items in the
window are grouped by the words they share (TF-IDF weighted cosine
similarity, single pass with centroids, then one reassignment pass), each
group is filed under the beat its feeds and its words point to, and the
groups are ranked by number of items, distinct sources, distinct platforms
and recency. Everything is deterministic: input order does not matter, and
there is no randomness.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Iterable, Sequence

from .models import Beat, Config, Item, Story
from .textutil import digest

#: Bump when clustering changes, so cached editions are recomputed.
CLUSTER_VERSION = "2"
#: Two items (or an item and a group) this similar are one story.
THRESHOLD = 0.16
_WORD = re.compile(r"[^\W_][\w'’.-]*[^\W_]|[^\W_]", re.UNICODE)

_STOPWORDS = frozenset(
    """a about above after again against all almost also am an and any are aren't as at be because been before being
    below between both but by can can't cannot could couldn't did didn't do does doesn't doing don't down during each
    even ever every few for from further get gets getting got had hadn't has hasn't have haven't having he her here
    hers herself him himself his how i i'm i've if in into is isn't it it's its itself just let's like made make makes
    many may me might more most much must my myself new no nor not now of off on once one only or other our ours
    ourselves out over own per really said same say says she should shouldn't so some still such than that that's the
    their theirs them themselves then there there's these they they're this those through to too under until up upon
    us very via was wasn't way we we're well were weren't what what's when where which while who whom whose why will
    with won't would wouldn't yet you your yours yourself yourselves thing things people think going know want see
    time year years day days week today yesterday first last two three lot actually anyone anything someone something
    since ago across among around within without another others every often always never maybe perhaps quite rather already enough
    use used using post posts comment comments thread read reading www com https http html org
    der die das und ist nicht mit sich des dem den ein eine einer eines für auf von zu im am bei auch als wie nach
    noch aus wird werden hat sind oder aber nur kann so über vor wenn mehr""".split()
)


@dataclass(frozen=True)
class Edition:
    date: dt.date
    #: Items of the window, sorted by (published, id).
    items: tuple[Item, ...]
    cutoff: dt.datetime


def editions(items: Sequence[Item], *, window_hours: int, now: dt.datetime) -> list[Edition]:
    """One edition per UTC day that has items, up to ``now``'s day, oldest first."""
    days = sorted({item.published.date() for item in items if item.published <= now})
    window = dt.timedelta(hours=window_hours)
    # Sorted once; each window is then a slice found by bisection (not a scan of every item per day).
    ordered = sorted(items, key=lambda i: (i.published, i.id))
    times = [i.published for i in ordered]
    out = []
    for day in days:
        cutoff = min(dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), dt.timezone.utc), now)
        start = cutoff - window
        chosen = tuple(ordered[bisect.bisect_right(times, start):bisect.bisect_right(times, cutoff)])
        if chosen:
            out.append(Edition(day, chosen, cutoff))
    return out


def tokens(text: str) -> list[str]:
    out = []
    for word in _WORD.findall(text.lower()):
        word = word.strip(".'’-")
        if len(word) < 2 or word in _STOPWORDS or word.isdigit():
            continue
        if word.endswith("'s") or word.endswith("’s"):
            word = word[:-2]
        elif len(word) > 4 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]
        out.append(word)
    return out


def _vectors(items: Sequence[Item]) -> list[dict[str, float]]:
    counts = []
    for item in items:
        c = Counter(tokens(item.title))
        for word in list(c):
            c[word] *= 2  # a title says what the post is about
        c.update(tokens(item.text[:1500]))
        counts.append(c)
    df = Counter(word for c in counts for word in c)
    n = len(items)
    vectors = []
    for c in counts:
        vec = {w: (1 + math.log(tf)) * math.log((1 + n) / df[w]) for w, tf in c.items() if df[w] < n}
        norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
        vectors.append({w: v / norm for w, v in vec.items()})
    return vectors


def _cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(v * b.get(w, 0.0) for w, v in a.items())


def _centroid(vectors: Iterable[dict[str, float]]) -> dict[str, float]:
    total: dict[str, float] = defaultdict(float)
    for vec in vectors:
        for w, v in vec.items():
            total[w] += v
    norm = math.sqrt(sum(v * v for v in total.values())) or 1.0
    return {w: v / norm for w, v in total.items()}


def group(items: Sequence[Item], threshold: float = THRESHOLD) -> list[list[int]]:
    """Indexes of ``items`` grouped by similarity; deterministic for a given sequence."""
    vectors = _vectors(items)
    groups: list[list[int]] = []
    centroids: list[dict[str, float]] = []
    for index, vec in enumerate(vectors):
        best, best_sim = -1, threshold
        for g, centroid in enumerate(centroids):
            sim = _cosine(vec, centroid)
            if sim >= best_sim + 1e-12:
                best, best_sim = g, sim
        if best < 0:
            groups.append([index])
            centroids.append(dict(vec))
        else:
            groups[best].append(index)
            centroids[best] = _centroid(vectors[i] for i in groups[best])
    # One reassignment pass: an early item may fit a group formed after it.
    final: dict[int, list[int]] = defaultdict(list)
    for index, vec in enumerate(vectors):
        sims = [(_cosine(vec, c), -g) for g, c in enumerate(centroids)]
        sim, neg_g = max(sims)
        final[-neg_g if sim >= threshold else -1 - index].append(index)
    return [members for _, members in sorted(final.items(), key=lambda kv: min(kv[1]))]


def _keywords(items: Sequence[Item], vectors_by_item: dict[str, dict[str, float]], limit: int = 6) -> tuple[str, ...]:
    weight: Counter = Counter()
    spread: Counter = Counter()
    for item in items:
        for word, v in vectors_by_item[item.id].items():
            weight[word] += v
            spread[word] += 1
    ranked = sorted(weight, key=lambda w: (-(weight[w] * min(spread[w], 3)), w))
    return tuple(ranked[:limit])


def _beat_for(items: Sequence[Item], config: Config, feed_beats: dict[str, tuple[str, ...]]) -> str:
    """The beat most of the group's feeds and words point to."""
    votes: Counter = Counter()
    order = {beat.id: n for n, beat in enumerate(config.beats)}
    words = Counter(w for item in items for w in tokens(item.title + " " + item.text[:600]))
    for beat in config.beats:
        described = set(tokens(beat.name + " " + beat.description))
        votes[beat.id] += 0.5 * sum(min(words[w], 3) for w in described)
    for item in items:
        candidates = {b for f in item.feeds for b in feed_beats.get(f, ())}
        for beat_id in candidates:
            votes[beat_id] += 3.0 / len(candidates)
    candidates_all = {b for item in items for f in item.feeds for b in feed_beats.get(f, ())}
    eligible = [b for b in votes if b in candidates_all] or list(votes)
    return max(eligible, key=lambda b: (votes[b], -order.get(b, 0)))


def stories_for_edition(edition: Edition, config: Config) -> list[Story]:
    """Every story of an edition with at least ``min_story_items`` items, best first."""
    items = edition.items
    if not items:
        return []
    vectors = _vectors(items)
    by_item = {item.id: vec for item, vec in zip(items, vectors)}
    feed_beats = {feed.id: feed.beats for feed in config.feeds}
    platform_of = {feed.id: feed.platform for feed in config.feeds}
    stories: list[Story] = []
    for members in group(items):
        chosen = tuple(items[i] for i in members)
        if len(chosen) < config.site.min_story_items:
            continue
        sources = {f for item in chosen for f in item.feeds}
        platforms = {platform_of.get(f, item.platform) for item in chosen for f in item.feeds}
        hours_old = sum((edition.cutoff - i.published).total_seconds() / 3600 for i in chosen) / len(chosen)
        recency = max(0.0, 1.0 - hours_old / max(config.site.edition_window_hours, 1))
        score = len(chosen) + 1.5 * len(sources) + 2.0 * len(platforms) + 2.0 * recency
        beat = _beat_for(chosen, config, feed_beats)
        ordered = tuple(sorted(chosen, key=lambda i: (-_centrality(by_item[i.id], vectors, members), i.published, i.id)))
        stories.append(
            Story(
                id=digest(edition.date.isoformat(), beat, *sorted(i.id for i in chosen)),
                edition=edition.date,
                beat=beat,
                items=ordered,
                score=round(score, 3),
                keywords=_keywords(chosen, by_item),
            )
        )
    stories.sort(key=lambda s: (-s.score, s.id))
    return stories


def _centrality(vec: dict[str, float], vectors: Sequence[dict[str, float]], members: Sequence[int]) -> float:
    """How typical an item is of its group (so the most representative item comes first)."""
    return round(sum(_cosine(vec, vectors[m]) for m in members), 9)


def select(stories: Sequence[Story], config: Config) -> list[Story]:
    """The edition's briefings: the best stories, at most two per beat, with a significance of 1–5."""
    per_beat: Counter = Counter()
    chosen: list[Story] = []
    for story in stories:
        if len(chosen) >= config.site.briefings_per_edition:
            break
        if per_beat[story.beat] >= 2:
            continue
        per_beat[story.beat] += 1
        chosen.append(story)
    if not chosen:
        return []
    top = chosen[0].score
    out = []
    for story in chosen:
        significance = max(1, min(5, 1 + round(4 * story.score / top))) if top else 1
        out.append(Story(**{**story.__dict__, "significance": significance}))
    return out


def beats_by_id(beats: Sequence[Beat]) -> dict[str, Beat]:
    return {beat.id: beat for beat in beats}
