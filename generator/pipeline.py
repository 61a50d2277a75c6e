"""The build, top to bottom: snapshots → items → stories → analyses → briefings → docs/.

This is the one function that strings the stages together. It reads no
clock: ``now`` comes from the caller or from the newest snapshot, so the
same snapshots and configuration always give the same docs/.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from . import render
from .analyse import ANALYSE_VERSION, analyse
from .atomic import write_atomic
from .cluster import CLUSTER_VERSION, Edition, History, edition_stories, editions, record
from .ingest import Problem, ingest
from .models import Config, Item, Story
from .prune import frozen, published_through
from .relevance import Relevance, split_relevant
from .textutil import digest
from .writers import Job, Writer


@dataclass
class BuildReport:
    now: dt.datetime | None = None
    items: int = 0
    #: Posts about AI (used), and posts that matched nothing (never published).
    kept: int = 0
    off_topic: int = 0
    editions: int = 0
    stories: int = 0
    #: Briefings left as they were because their inputs did not change.
    unchanged: int = 0
    #: Briefings protected by ``edited_by_hand: true``.
    hand_edited: int = 0
    written: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    #: Stories a writer could not write: (story id, edition, message).
    failures: list[tuple[str, str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        when = self.now.isoformat() if self.now else "no snapshots"
        return (
            f"{self.kept:,} posts kept, {self.off_topic:,} off topic; {self.editions} editions up to {when}, "
            f"{self.stories} stories: {len(self.written)} files written, {len(self.removed)} removed, "
            f"{self.unchanged} briefings unchanged, {self.hand_edited} edited by hand, {len(self.failures)} failed"
        )


def inputs_hash(story: Story, config: Config, writer: Writer) -> str:
    """Everything that decides a briefing's text; equal hashes mean nothing to rewrite.

    Each whole post goes in (every field a page prints), with the versions of the
    writer, the analysis and the layout, and the story it follows up.
    """
    beat = config.beat(story.beat)
    parts = [writer.fingerprint(), ANALYSE_VERSION, render.briefing.RENDER_VERSION, story.edition.isoformat(), beat.id, beat.name,
             beat.description, story.follows, *story.keywords, repr(sorted(story.metrics.items()))]
    parts += [repr(item) for item in story.items]
    return digest(*parts, length=24)


def _item_key(item: Item) -> str:
    return digest(repr(item))


def _story_to_json(story: Story) -> dict:
    return {"id": story.id, "beat": story.beat, "items": [i.id for i in story.items], "score": story.score,
            "keywords": list(story.keywords), "significance": story.significance, "lead": story.lead,
            "thread": story.thread, "follows": story.follows, "metrics": story.metrics}


def _story_from_json(raw: dict, day: dt.date, by_id: dict[str, Item]) -> Story:
    return Story(id=raw["id"], edition=day, beat=raw["beat"], items=tuple(by_id[i] for i in raw["items"]),
                 score=raw["score"], keywords=tuple(raw["keywords"]), significance=raw["significance"],
                 lead=raw["lead"], thread=raw["thread"], follows=raw["follows"], metrics=dict(raw["metrics"]))


def plan_editions(config: Config, items, now: dt.datetime, cache_dir: Path | None,
                  days=()) -> list[tuple[Edition, list[Story]]]:
    """Each edition with its briefed stories, oldest first.

    An edition's stories depend on the editions before it (threads, and what its
    beats usually see), so each edition's cache key chains the previous one's:
    an edition is taken from the cache only when it and every edition before it
    are unchanged.
    """
    cache: dict = {}
    cache_path = cache_dir / "editions.json" if cache_dir else None
    if cache_path and cache_path.is_file():
        try:
            cache = json.loads(cache_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            cache = {}
    by_id = {item.id: item for item in items}
    key = digest(CLUSTER_VERSION, repr(config.site), repr(config.beats),
                 repr([(f.id, f.beats, f.platform, f.match) for f in config.feeds]))
    history = History()
    relevance = Relevance(config)
    fresh: dict = {}
    planned = []
    for edition in editions(items, now=now, days=days):
        key = digest(key, edition.date.isoformat(), edition.cutoff.isoformat(),
                     *(_item_key(i) for i in edition.items), "|", *(_item_key(i) for i in edition.backlog))
        stories = None
        cached = cache.get(key)
        if cached is not None:
            try:
                stories = [_story_from_json(s, edition.date, by_id) for s in cached["stories"]]
                measured = [Story(id="", edition=edition.date, beat=b, items=(), score=0.0, metrics=m) for b, m in cached["measured"]]
                record(history, edition.date, measured, stories)
            except (KeyError, TypeError, ValueError):
                stories = None
        if stories is None:
            before = len(history.measured)
            stories = edition_stories(edition, config, history, relevance)
            cached = {"stories": [_story_to_json(s) for s in stories],
                      "measured": [[b, m] for _, b, m in history.measured[before:]]}
        fresh[key] = cached
        planned.append((edition, stories))
    if cache_path and fresh != cache:
        try:
            write_atomic(cache_path, json.dumps(fresh, sort_keys=True).encode("utf-8"))
        except OSError:
            pass
    return planned


def build(
    config: Config,
    snapshots_dir: Path,
    docs_dir: Path,
    writer: Writer,
    *,
    now: dt.datetime | None = None,
    cache_dir: Path | None = None,
    log: Callable[[str], None] = lambda message: None,
) -> BuildReport:
    report = BuildReport()
    result = ingest(config, snapshots_dir, cache_dir=cache_dir, until=now)
    report.problems = list(result.problems)
    report.items = len(result.items)
    archive = render.Archive(docs_dir)
    report.notes.extend(archive.problems)
    if now is None:
        if not result.snapshots:
            report.notes.append("no snapshots found: nothing to build")
            writes = render.Writes()
            archive.commit(config, writes)
            report.written, report.removed = writes.written, writes.removed
            return report
        now = max(s.taken for s in result.snapshots)
    report.now = now
    relevant, off_topic = split_relevant(result.items, config)
    report.kept, report.off_topic = len(relevant), len(off_topic)

    days = {s.taken.date() for s in result.snapshots}
    plan = plan_editions(config, relevant, now, cache_dir, days)
    edition_of = {story.id: edition.date for edition, stories in plan for story in stories}
    # Editions published and past the snapshot retention keep their briefings: prune may have
    # removed some of their snapshots (generator/prune.py).
    published = published_through(docs_dir)
    plan = [(edition, stories) for edition, stories in plan
            if not frozen(edition.date, now=now, retention_days=config.site.snapshot_retention_days, published=published)]
    report.editions = len(plan)
    by_edition = archive.by_date()
    archive.problems.clear()

    jobs: list[Job] = []
    keep: dict[dt.date, set[str]] = {}
    ranks: dict[str, int] = {}
    #: Per edition, the briefings it will have, by rank: (rank, story, unchanged entry or None, new briefing parts or None).
    placed: dict[dt.date, list[tuple]] = {}
    for edition, stories in plan:
        report.stories += len(stories)
        on_disk = by_edition.get(edition.date, [])
        hashes = {e.inputs_hash: e for e in on_disk if not e.hand_edited and e.render_version == render.briefing.RENDER_VERSION}
        keep[edition.date] = {e.path for e in on_disk if e.hand_edited}
        placed[edition.date] = []
        report.hand_edited += len(keep[edition.date])
        for rank, story in enumerate(stories, start=1):
            h = inputs_hash(story, config, writer)
            ranks[story.id] = rank
            if h in hashes:
                # Same inputs: the text stands; only its place in the edition may move.
                placed[edition.date].append((rank, story, hashes[h], None))
                report.unchanged += 1
            else:
                follows = edition_of.get(story.follows) if story.follows else None
                jobs.append(Job(story=story, beat=config.beat(story.beat), inputs_hash=h,
                                analysis=analyse(story), follows=follows))

    failed_editions: set[dt.date] = set()
    for outcome in writer.write_all(jobs):
        story = outcome.job.story
        if outcome.briefing is None:
            message = outcome.error.message if outcome.error else "the writer returned no briefing"
            report.failures.append((story.id, story.edition.isoformat(), message))
            failed_editions.add(story.edition)
            log(f"skipped story {story.id} of {story.edition} ({config.beat(story.beat).name}): {message}")
            continue
        analysis = outcome.job.analysis.front_matter(story) if outcome.job.analysis else None
        meta = render.front_matter(outcome.briefing, outcome.job.beat, config, ranks[story.id], analysis)
        placed[story.edition].append((ranks[story.id], story, None, (meta, render.briefing_body(outcome.briefing))))

    # Addresses come from the headlines, given in rank order, so that a build on top of docs/ and
    # a build from nothing give the same files; an unchanged briefing moves if its address is taken.
    for edition, _ in plan:
        on_disk = by_edition.get(edition.date, [])
        taken = set(keep[edition.date])
        if edition.date in failed_editions:  # its old briefings stay: their addresses are taken
            taken |= {e.path for e in on_disk} - {entry.path for _, _, entry, _ in placed[edition.date] if entry}
        addressed = []
        for rank, story, entry, new in sorted(placed[edition.date], key=lambda p: p[0]):
            rel = render.path_for(edition.date, entry.title if entry else new[0]["title"], story.id, taken)
            taken.add(rel)
            keep[edition.date].add(rel)
            if entry is not None:
                fields = {"rank": rank, "significance": story.significance, "lead": story.lead, "thread": story.thread or story.id}
                new = ({**(entry.meta or {}), **fields}, None if rel == entry.path else archive.body(entry.path))
            addressed.append((rel, entry, new))
        # (bodies of moving briefings were read above, before any address was given to another)
        for rel, entry, (meta, body) in addressed:
            if entry is not None and entry.path != rel and entry.path not in keep[edition.date]:
                archive.drop(entry.path)
            archive.put(rel, meta, body)

    # Generated briefings of a rebuilt edition that no story produced any more are removed,
    # unless a story of that edition failed (then the old ones stay until it succeeds).
    for edition, _ in plan:
        if edition.date in failed_editions:
            continue
        for entry in by_edition.get(edition.date, []):
            if not entry.hand_edited and entry.path not in keep[edition.date]:
                archive.drop(entry.path)
    writes = render.Writes()
    report.notes.extend(archive.commit(config, writes))
    report.written, report.removed = writes.written, writes.removed
    return report
