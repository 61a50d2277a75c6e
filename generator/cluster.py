"""Editions, stories, threads and significance: which posts are told together, once.

- **Editions.** An edition is a UTC day on which snapshots were taken. A post
  belongs to the edition of the day a snapshot first carried it, and to no
  other. A post that was already old when first read (a feed's back
  catalogue, see ``Item.backlog``) starts no story of its own; it may join a
  story of that edition that it plainly belongs to.
- **Relevance.** Only posts about AI are used (generator/relevance.py).
- **Stories.** The new posts of an edition are compared by the words they
  share (TF-IDF, scikit-learn) and grouped by average-linkage clustering: two
  groups join only while their posts are, on average, as alike as
  :data:`THRESHOLD` says. A comment joins the post it comments on. Then a post
  that fits its group less than :data:`FIT` is taken out of it, and two groups
  whose centres are closer than :data:`MERGE` (the same event told in two
  vocabularies) become one. Each post is in at most one story.
- **Threads.** A story that continues one briefed in the previous
  :data:`THREAD_DAYS` days (centres closer than :data:`THREAD_SIM`) keeps its
  identity: it is a follow-up of the latest briefing of that thread, filed
  under the same beat, and made only of what is new since.
- **Significance.** Each story is measured by its posts, distinct sources,
  distinct platforms and pace (most posts in any six hours), each divided by
  the median of the same figure over its beat's stories of the last
  :data:`USUAL_DAYS` days. High, medium or low follows from the mean of those
  ratios; the best-scoring briefed story is the edition's one lead.

Everything is deterministic: the input order does not matter and nothing is random.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from typing import Iterable, Sequence

from .models import Config, Item, Story
from .relevance import Relevance
from .textutil import digest

#: Bump when clustering changes, so cached editions are recomputed.
CLUSTER_VERSION = "4"
#: Average similarity (cosine of TF-IDF vectors) two groups need to be joined.
THRESHOLD = 0.1
#: How much of a post's text, after its title, is compared (characters).
OPENING = 300
#: Words two posts must share to be compared at all, unless they are at least NEAR alike.
MIN_SHARED, NEAR = 2, 0.5
#: A post whose mean similarity to the rest of its group is below this is taken out of it.
FIT = 0.05
#: Two groups whose centres are at least this similar are one story.
MERGE = 0.42
#: A back-catalogue post joins a story when it is at least this similar to its centre;
#: at most JOIN_MAX of them join one story (the most similar).
JOIN = 0.45
JOIN_MAX = 3
#: How far back a story looks for the thread it continues, and how alike it must be.
THREAD_DAYS = 3
THREAD_SIM = 0.3
#: ... or this alike when both name the same lab, model, product or person.
THREAD_SIM_NAMED = 0.18
#: The window over which a beat's usual story is measured.
USUAL_DAYS = 14
#: Hours over which a story's pace is counted.
PACE_HOURS = 6
#: Mean ratio to the beat's usual at or above which a story is "high", and "medium".
HIGH, MEDIUM = 1.75, 1.0

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
    ai artificial intelligence llm llms model models opinion
    der die das und ist nicht mit sich des dem den ein eine einer eines für auf von zu im am bei auch als wie nach
    noch aus wird werden hat sind oder aber nur kann so über vor wenn mehr""".split()
)
_COMMENT_ON = re.compile(r"^Comment on “(.*)”$")


@dataclass(frozen=True)
class Edition:
    date: dt.date
    #: The new posts first read on this day, sorted by (published, id).
    items: tuple[Item, ...]
    #: The end of the edition: the end of its day, or ``now`` for the day in progress.
    cutoff: dt.datetime
    #: Back-catalogue posts first read on this day: they may join a story, never start one.
    backlog: tuple[Item, ...] = ()


def _seen(item: Item) -> dt.datetime:
    return item.seen or item.published


def editions(items: Sequence[Item], *, now: dt.datetime, days: Iterable[dt.date] = ()) -> list[Edition]:
    """One edition per UTC day on which snapshots were taken (``days``, or the days posts were
    first seen), up to ``now``; each post in the edition of the day it was first read."""
    by_day: dict[dt.date, list[Item]] = defaultdict(list)
    for item in items:
        if _seen(item) <= now:
            by_day[_seen(item).date()].append(item)
    out = []
    for day in sorted(set(by_day) | {d for d in days if d <= now.date()}):
        chosen = sorted(by_day.get(day, ()), key=lambda i: (i.published, i.id))
        fresh = tuple(i for i in chosen if not i.backlog)
        if not fresh:
            continue
        cutoff = min(dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), dt.timezone.utc), now)
        out.append(Edition(day, fresh, cutoff, tuple(i for i in chosen if i.backlog)))
    return out


def tokens(text: str) -> list[str]:
    """Words for comparing posts: lower case, stop words out, a plural's "s" off; a compound name
    is taken apart ("DeepSeek-V4-Flash" → deepseek, v4, flash) so that its parts meet."""
    out = []
    for whole in _WORD.findall(text.lower()):
        for word in re.split(r"[-/–—]+", whole):
            word = word.strip(".'’-")
            if len(word) < 2 or word in _STOPWORDS or word.isdigit():
                continue
            if word.endswith("'s") or word.endswith("’s"):
                word = word[:-2]
            elif len(word) > 4 and word.endswith("s") and not word.endswith("ss"):
                word = word[:-1]
            out.append(word)
    return out


def topic_title(item: Item) -> str:
    """What a post's title says it is about: a comment's title names the story it comments on."""
    match = _COMMENT_ON.match(item.title)
    return match.group(1) if match else item.title


def _document(item: Item) -> str:
    # What a post is about is in its title (it counts twice) and the opening of its text;
    # the rest of a long text mostly adds words that every post on the subject shares.
    title = topic_title(item)
    return f"{title}\n{title}\n{item.text[:OPENING]}"


class _Space:
    """TF-IDF vectors of some posts (scikit-learn), fitted on those posts alone."""

    def __init__(self, items: Sequence[Item]):
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.vectorizer = TfidfVectorizer(tokenizer=tokens, lowercase=False, token_pattern=None, sublinear_tf=True)
        self.matrix = self.word_matrix = self.vectorizer.fit_transform([_document(i) for i in items])
        self.words = self.vectorizer.get_feature_names_out()

    def transform(self, items: Sequence[Item]):
        return self.vectorizer.transform([_document(i) for i in items])


def _normalized(rows):
    import numpy as np

    vector = np.asarray(rows.sum(axis=0)).ravel()
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm else vector


def _is_paper(item: Item) -> bool:
    return item.platform == "arxiv" and "arxiv.org" in item.url


def group(items: Sequence[Item]) -> list[list[int]]:
    """Indexes of ``items`` grouped into stories; every index in exactly one group."""
    n = len(items)
    if n == 0:
        return []
    if n == 1:
        return [[0]]
    import numpy as np
    from sklearn.cluster import AgglomerativeClustering

    space = _Space(items)
    sim = (space.matrix @ space.matrix.T).toarray()
    # Two posts that share a single word are not one story on that word alone (short posts that
    # both say "math" are close by cosine): they need two words in common, or to be near-identical.
    present = (space.word_matrix > 0).astype(np.float32)
    shared = (present @ present.T).toarray()
    sim[(shared < MIN_SHARED) & (sim < NEAR)] = 0.0
    # Two papers are two pieces of work, however alike their words.
    papers = np.array([_is_paper(i) for i in items])
    sim[np.outer(papers, papers) & (sim < NEAR)] = 0.0
    # A comment belongs with the post it comments on.
    by_title: dict[str, list[int]] = defaultdict(list)
    for index, item in enumerate(items):
        by_title[item.title.casefold()].append(index)
    for index, item in enumerate(items):
        match = _COMMENT_ON.match(item.title)
        for other in by_title.get(match.group(1).casefold(), ()) if match else ():
            sim[index, other] = sim[other, index] = 1.0
    distance = np.clip(1.0 - sim, 0.0, 2.0)
    np.fill_diagonal(distance, 0.0)
    labels = AgglomerativeClustering(
        n_clusters=None, metric="precomputed", linkage="average", distance_threshold=1.0 - THRESHOLD
    ).fit_predict(distance)
    groups: dict[int, list[int]] = defaultdict(list)
    for index, label in enumerate(labels):
        groups[int(label)].append(index)
    members = [sorted(g) for g in groups.values()]
    # A post that fits its group poorly is left out of it (it may still start a story of its own).
    pruned: list[list[int]] = []
    for g in members:
        if len(g) >= 3:
            fit = {i: (sim[i, g].sum() - sim[i, i]) / (len(g) - 1) for i in g}
            keep = [i for i in g if fit[i] >= FIT]
            if len(keep) >= 2:
                pruned.append(keep)
                pruned.extend([i] for i in g if fit[i] < FIT)
                continue
        pruned.append(g)
    # The same event told in two vocabularies: groups whose centres are close become one.
    merged = _merge_close(pruned, space.matrix)
    return sorted((sorted(g) for g in merged), key=lambda g: g[0])


def _merge_close(groups: list[list[int]], matrix) -> list[list[int]]:
    groups = [list(g) for g in groups]
    while True:
        multi = [k for k, g in enumerate(groups) if len(g) >= 2]
        if len(multi) < 2:
            return groups
        centres = {k: _normalized(matrix[groups[k]]) for k in multi}
        best = None
        for a_pos, a in enumerate(multi):
            for b in multi[a_pos + 1:]:
                s = float(centres[a] @ centres[b])
                if s >= MERGE and (best is None or s > best[0] + 1e-12):
                    best = (s, a, b)
        if best is None:
            return groups
        _, a, b = best
        groups[a] = sorted(groups[a] + groups[b])
        del groups[b]


def _keywords(rows, words, limit: int = 6) -> tuple[str, ...]:
    import numpy as np

    weight = np.asarray(rows.sum(axis=0)).ravel()
    spread = np.asarray((rows > 0).sum(axis=0)).ravel()
    score = weight * np.minimum(spread, 3)
    order = sorted((i for i in np.nonzero(score)[0]), key=lambda i: (-round(float(score[i]), 9), words[i]))
    return tuple(str(words[i]) for i in order[:limit])


def _beat_for(items: Sequence[Item], config: Config, relevance: Relevance) -> str:
    """The beat its posts' feeds, keywords and words point to most."""
    votes: Counter = Counter()
    order = {beat.id: n for n, beat in enumerate(config.beats)}
    feed_beats = {feed.id: feed.beats for feed in config.feeds}
    words = Counter(w for item in items for w in tokens(item.title + " " + item.text[:600]))
    for beat in config.beats:
        described = set(tokens(beat.name + " " + beat.description))
        votes[beat.id] += 0.5 * sum(min(words[w], 3) for w in described)
    eligible: set[str] = set()
    for item in items:
        candidates = {b for f in (item.feeds or (item.feed_id,)) for b in feed_beats.get(f, ())}
        eligible |= candidates
        for beat_id in candidates:
            votes[beat_id] += 3.0 / len(candidates)
        for beat_id, hits in relevance.beat_hits(item).items():
            votes[beat_id] += 2.0 + min(hits, 3)
            eligible.add(beat_id)
    eligible = eligible or set(votes)
    return max(eligible, key=lambda b: (votes[b], -order.get(b, 0)))


def _pace(items: Sequence[Item]) -> int:
    """Most posts published within any PACE_HOURS."""
    times = sorted(i.published for i in items)
    span = dt.timedelta(hours=PACE_HOURS)
    best, start = 0, 0
    for end, when in enumerate(times):
        while when - times[start] > span:
            start += 1
        best = max(best, end - start + 1)
    return best


def sources_of(items: Iterable[Item]) -> set[str]:
    """Distinct sources: the outlet of an aggregated news item, otherwise the feed."""
    return {i.outlet or f for i in items for f in (i.feeds or (i.feed_id,))}


def measure(items: Sequence[Item], config: Config) -> dict:
    platform_of = {feed.id: feed.platform for feed in config.feeds}
    fresh = [i for i in items if not i.backlog]
    return {
        "posts": len(fresh),
        "earlier_posts": len(items) - len(fresh),
        "sources": len(sources_of(fresh)),
        "platforms": len({platform_of.get(f, i.platform) for i in fresh for f in (i.feeds or (i.feed_id,))}),
        "pace": _pace(fresh),
    }


def stories_for_edition(edition: Edition, config: Config, relevance: Relevance | None = None) -> list[Story]:
    """Every story of an edition with at least ``min_story_items`` new posts, unranked beyond their size."""
    relevance = relevance or Relevance(config)
    items = edition.items
    if not items:
        return []
    groups = group(items)
    space = _Space(items)
    kept = [g for g in groups if len(g) >= config.site.min_story_items]
    joined: dict[int, list[Item]] = defaultdict(list)
    if edition.backlog and kept:
        centres = [_normalized(space.matrix[g]) for g in kept]
        backlog = space.transform(edition.backlog)
        for row, item in enumerate(edition.backlog):
            vector = _normalized(backlog[row])
            sims = [float(vector @ c) for c in centres]
            best = max(range(len(kept)), key=lambda k: (sims[k], -k))
            if sims[best] >= JOIN:
                joined[best].append((round(sims[best], 9), item))
    stories = []
    for k, members in enumerate(kept):
        chosen = [items[i] for i in members]
        centre = _normalized(space.matrix[members])
        scores = space.matrix[members] @ centre
        fit = {items[i].id: round(float(scores[k]), 9) for k, i in enumerate(members)}
        ordered = sorted(chosen, key=lambda i: (-fit[i.id], i.published, i.id))
        closest = sorted(joined.get(k, ()), key=lambda p: (-p[0], p[1].id))[:JOIN_MAX]
        ordered += sorted((i for _, i in closest), key=lambda i: (i.published, i.id))
        beat = _beat_for(chosen, config, relevance)
        stories.append(Story(
            id=digest(edition.date.isoformat(), *sorted(i.id for i in chosen)),
            edition=edition.date,
            beat=beat,
            items=tuple(ordered),
            score=0.0,
            keywords=_keywords(space.word_matrix[members], space.words),
            metrics=measure(ordered, config),
        ))
    stories.sort(key=lambda s: (-s.metrics["posts"], s.id))
    return stories


# --- across editions ----------------------------------------------------------


@dataclass
class History:
    """What later editions need of earlier ones: each story's figures, and the briefed stories."""

    #: (edition date, beat, metrics) of every story, briefed or not.
    measured: list[tuple[dt.date, str, dict]] = field(default_factory=list)
    #: Briefed stories, oldest first.
    briefed: list[Story] = field(default_factory=list)


_FIGURES = ("posts", "sources", "platforms", "pace")


def _usual(history: History, day: dt.date, beat: str, current: Sequence[Story]) -> dict:
    """The median of each figure over the beat's stories of the last USUAL_DAYS days (this
    edition's included); over every beat when the beat has fewer than three."""
    since = day - dt.timedelta(days=USUAL_DAYS - 1)
    window = [(b, m) for d, b, m in history.measured if since <= d < day] + [(s.beat, s.metrics) for s in current]
    pool = [m for b, m in window if b == beat]
    if len(pool) < 3:
        pool = [m for _, m in window]
    return {f: max(1.0, statistics.median(m[f] for m in pool)) if pool else 1.0 for f in _FIGURES}


def rank(stories: Sequence[Story], history: History, day: dt.date) -> list[Story]:
    """Each story with its score (mean ratio of its figures to its beat's usual) and level, best first."""
    out = []
    for story in stories:
        usual = _usual(history, day, story.beat, stories)
        ratios = [story.metrics[f] / usual[f] for f in _FIGURES]
        score = round(sum(ratios) / len(ratios), 3)
        m = story.metrics
        if score >= HIGH and m["sources"] >= 3 and m["platforms"] >= 2:
            level = "high"
        elif score >= MEDIUM and m["sources"] >= 2:
            level = "medium"
        else:
            level = "low"
        metrics = {**m, "usual_posts": round(usual["posts"], 1), "ratio": score}
        out.append(replace(story, score=score, significance=level, metrics=metrics))
    out.sort(key=lambda s: (-s.score, -s.metrics["posts"], s.id))
    return out


def select(stories: Sequence[Story], config: Config, per_beat_limit: int = 2) -> list[Story]:
    """The edition's briefings: the best stories, at most two per beat; the first is the lead."""
    per_beat: Counter = Counter()
    chosen: list[Story] = []
    for story in stories:
        if len(chosen) >= config.site.briefings_per_edition:
            break
        if per_beat[story.beat] >= per_beat_limit:
            continue
        per_beat[story.beat] += 1
        chosen.append(story)
    return [replace(s, lead=(n == 0)) for n, s in enumerate(chosen)]


def link_threads(stories: Sequence[Story], history: History, day: dt.date) -> list[Story]:
    """Stories that continue a thread briefed in the last THREAD_DAYS days, marked as follow-ups."""
    since = day - dt.timedelta(days=THREAD_DAYS)
    earlier = [s for s in history.briefed if since <= s.edition < day]
    if not stories or not earlier:
        return [replace(s, thread=s.thread or s.id) for s in stories]
    threads: dict[str, list[Story]] = defaultdict(list)
    for s in earlier:
        threads[s.thread or s.id].append(s)
    names = sorted(threads)
    items = [i for s in stories for i in s.items] + [i for t in names for s in threads[t] for i in s.items]
    space = _Space(items)
    offset, rows = 0, []
    for s in stories:
        rows.append(_normalized(space.matrix[offset: offset + len(s.items)]))
        offset += len(s.items)
    centres = []
    for t in names:
        size = sum(len(s.items) for s in threads[t])
        centres.append(_normalized(space.matrix[offset: offset + size]))
        offset += size
    from .analyse import entities

    def names_of(members: Sequence[Item]) -> set[str]:
        return {name.casefold() for name, _ in entities(members)[:6]}

    story_names = [names_of(s.items) for s in stories]
    thread_names = [names_of([i for s in threads[t] for i in s.items]) for t in names]
    pairs = sorted(
        ((float(rows[a] @ centres[b]), a, b) for a in range(len(stories)) for b in range(len(names))),
        key=lambda p: (-round(p[0], 9), p[1], p[2]),
    )
    taken_story, taken_thread, out = set(), set(), list(stories)
    for sim, a, b in pairs:
        if sim < THREAD_SIM_NAMED:
            break
        if a in taken_story or b in taken_thread:
            continue
        if sim < THREAD_SIM and not story_names[a] & thread_names[b]:
            continue
        taken_story.add(a)
        taken_thread.add(b)
        latest = max(threads[names[b]], key=lambda s: (s.edition, s.id))
        out[a] = replace(stories[a], thread=names[b], follows=latest.id, beat=latest.beat)
    return [s if s.thread else replace(s, thread=s.id) for s in out]


def plan(editions_: Sequence[Edition], config: Config, history: History | None = None) -> list[tuple[Edition, list[Story]]]:
    """Each edition with its briefed stories, oldest first (no cache; see pipeline.plan_editions)."""
    history = history or History()
    relevance = Relevance(config)
    out = []
    for edition in editions_:
        chosen = edition_stories(edition, config, history, relevance)
        out.append((edition, chosen))
    return out


def edition_stories(edition: Edition, config: Config, history: History, relevance: Relevance | None = None,
                    per_beat: int = 2) -> list[Story]:
    """One edition's briefed stories, given what came before; adds them to ``history``."""
    candidates = stories_for_edition(edition, config, relevance)
    candidates = link_threads(candidates, history, edition.date)
    ranked = rank(candidates, history, edition.date)
    chosen = select(ranked, config, per_beat)
    record(history, edition.date, ranked, chosen)
    return chosen


def record(history: History, day: dt.date, measured: Sequence[Story], briefed: Sequence[Story]) -> None:
    history.measured.extend((day, s.beat, {f: s.metrics[f] for f in _FIGURES}) for s in measured)
    history.briefed.extend(briefed)
