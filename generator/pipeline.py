"""The build, top to bottom: snapshots → items → stories → briefings → docs/.

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
from .atomic import write_atomic
from .cluster import CLUSTER_VERSION, Edition, editions, select, stories_for_edition
from .ingest import Problem, ingest
from .models import Config, Story
from .prune import frozen, published_through
from .textutil import digest
from .writers import Job, Writer


@dataclass
class BuildReport:
    now: dt.datetime | None = None
    items: int = 0
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
            f"{self.items} items, {self.editions} editions up to {when}, {self.stories} stories: "
            f"{len(self.written)} files written, {len(self.removed)} removed, {self.unchanged} briefings unchanged, "
            f"{self.hand_edited} edited by hand, {len(self.failures)} failed"
        )


def inputs_hash(story: Story, config: Config, writer: Writer) -> str:
    """Everything that decides a briefing's text; equal hashes mean nothing to rewrite."""
    beat = config.beat(story.beat)
    parts = [writer.fingerprint(), story.edition.isoformat(), beat.id, beat.name, beat.description, *story.keywords]
    for item in story.items:
        parts += [item.id, item.title, item.url, item.author, item.published.isoformat(), item.platform, item.feed_title, item.text]
    return digest(*parts, length=24)


def plan_editions(config: Config, items, now: dt.datetime, cache_dir: Path | None) -> list[tuple[Edition, list[Story]]]:
    """Each edition with its selected stories; editions whose items did not change come from cache."""
    planned = []
    cache: dict = {}
    cache_path = cache_dir / "editions.json" if cache_dir else None
    if cache_path and cache_path.is_file():
        try:
            cache = json.loads(cache_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            cache = {}
    by_id = {item.id: item for item in items}
    config_key = digest(CLUSTER_VERSION, repr(config.site), repr(config.beats), repr([(f.id, f.beats, f.platform) for f in config.feeds]))
    fresh: dict = {}
    for edition in editions(items, window_hours=config.site.edition_window_hours, now=now):
        key = digest(config_key, edition.date.isoformat(), edition.cutoff.isoformat(),
                     *(f"{i.id}:{digest(i.title, i.text, i.published.isoformat(), *i.feeds)}" for i in edition.items))
        stories = None
        cached = cache.get(key)
        if cached is not None:
            try:
                stories = [Story(id=s["id"], edition=edition.date, beat=s["beat"], items=tuple(by_id[i] for i in s["items"]),
                                 score=s["score"], keywords=tuple(s["keywords"]), significance=s["significance"]) for s in cached]
            except (KeyError, TypeError):
                stories = None
        if stories is None:
            stories = select(stories_for_edition(edition, config), config)
        fresh[key] = [{"id": s.id, "beat": s.beat, "items": [i.id for i in s.items], "score": s.score,
                       "keywords": list(s.keywords), "significance": s.significance} for s in stories]
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
    if now is None:
        if not result.snapshots:
            report.notes.append("no snapshots found: nothing to build")
            report.written, report.removed = _indexes_only(docs_dir, config)
            return report
        now = max(s.taken for s in result.snapshots)
    report.now = now

    plan = plan_editions(config, result.items, now, cache_dir)
    # Editions published and past the snapshot retention keep their briefings: prune may have
    # removed some of their snapshots (generator/prune.py).
    published = published_through(docs_dir)
    plan = [(edition, stories) for edition, stories in plan
            if not frozen(edition.date, now=now, retention_days=config.site.snapshot_retention_days, published=published)]
    report.editions = len(plan)
    existing, problems = render.scan(docs_dir)
    report.notes.extend(problems)
    by_edition: dict[dt.date, list[render.Entry]] = {}
    for entry in existing:
        by_edition.setdefault(entry.date, []).append(entry)

    jobs: list[Job] = []
    keep: dict[dt.date, set[str]] = {}
    ranks: dict[str, int] = {}
    writes = render.Writes()
    for edition, stories in plan:
        report.stories += len(stories)
        on_disk = by_edition.get(edition.date, [])
        hashes = {e.inputs_hash: e for e in on_disk if not e.hand_edited and e.render_version == render.briefing.RENDER_VERSION}
        keep[edition.date] = {e.path for e in on_disk if e.hand_edited}
        report.hand_edited += len(keep[edition.date])
        for rank, story in enumerate(stories, start=1):
            h = inputs_hash(story, config, writer)
            ranks[story.id] = rank
            if h in hashes:
                # Same inputs: the text stands; only its place in the edition may move.
                render.restamp(docs_dir, hashes[h], rank, story.significance, writes)
                keep[edition.date].add(hashes[h].path)
                report.unchanged += 1
            else:
                jobs.append(Job(story=story, beat=config.beat(story.beat), inputs_hash=h))

    failed_editions: set[dt.date] = set()
    taken = {e.path for e in existing}
    for outcome in writer.write_all(jobs):
        story = outcome.job.story
        if outcome.briefing is None:
            message = outcome.error.message if outcome.error else "the writer returned no briefing"
            report.failures.append((story.id, story.edition.isoformat(), message))
            failed_editions.add(story.edition)
            log(f"skipped story {story.id} of {story.edition} ({config.beat(story.beat).name}): {message}")
            continue
        briefing = outcome.briefing
        same_story = [e for e in by_edition.get(story.edition, []) if not e.hand_edited and e.inputs_hash == briefing.inputs_hash]
        # (the same story in an older layout is rewritten in place)
        rel = same_story[0].path if same_story else render.briefing_path(briefing, taken - _stale(by_edition.get(story.edition, []), keep))
        taken.add(rel)
        keep[story.edition].add(rel)
        render.write_briefing(docs_dir, rel, briefing, outcome.job.beat, config, ranks[story.id], writes)

    # Generated briefings of a rebuilt edition that no story produced any more are removed,
    # unless a story of that edition failed (then the old ones stay until it succeeds).
    # The index pages stop linking to them first, so a run killed in between leaves no broken link.
    stale = [
        entry.path
        for edition, _ in plan
        if edition.date not in failed_editions
        for entry in by_edition.get(edition.date, [])
        if not entry.hand_edited and entry.path not in keep[edition.date]
    ]
    report.notes.extend(render.write_indexes(docs_dir, config, writes, leaving=set(stale)))
    for path in stale:
        render.remove(docs_dir / path, writes, docs_dir)
    report.written, report.removed = writes.written, writes.removed
    return report


def _stale(entries: list[render.Entry], keep: dict) -> set[str]:
    """Paths of an edition's generated briefings that are about to be replaced (their slugs may be reused)."""
    kept = set().union(*keep.values()) if keep else set()
    return {e.path for e in entries if not e.hand_edited and e.path not in kept}


def _indexes_only(docs_dir: Path, config: Config) -> tuple[list[str], list[str]]:
    writes = render.Writes()
    render.write_indexes(docs_dir, config, writes)
    return writes.written, writes.removed
