"""Remove old snapshots whose editions are published, so snapshots/ does not grow forever.

Retention counts back from the newest snapshot (as the build's edition time
does), not from the clock: ``site.snapshot_retention_days`` in feeds.yaml.

An edition (a UTC day) is *frozen* when its whole day is older than the
retention and docs/ holds briefings of that day or of a later one
(``docs/briefings/YYYY/MM/DD/``): the build leaves its briefings as they are
(generator/pipeline.py), whatever is left of its snapshots.

A snapshot is removed (its ``.xml`` and ``.meta.json``) only when every
edition that can read it is frozen: its own day's, and those of the days its
posts stay in an edition's window (``edition_window_hours``); and never the
newest snapshot of a feed, which fetch compares a new body with and needs
before it sends a conditional GET. Only the folders of feeds in feeds.yaml
(enabled or not) are looked at.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from . import snapshots
from .models import Config

#: Where render writes briefings: docs/briefings/YYYY/MM/DD/<slug>.md.
BRIEFINGS_GLOB = "briefings/[0-9][0-9][0-9][0-9]/[0-9][0-9]/[0-9][0-9]/*.md"


@dataclass
class PruneReport:
    #: None when feeds.yaml sets no retention (nothing is pruned).
    retention_days: int | None
    #: The latest UTC day docs/ has briefings of (None: none).
    published_through: dt.date | None = None
    #: Snapshots removed (or, in a dry run, that would be), as their .xml paths.
    removed: list[Path] = field(default_factory=list)
    #: Bytes of those files and their metadata.
    bytes: int = 0
    #: Snapshots left in place.
    kept: int = 0

    def summary(self) -> str:
        if self.retention_days is None:
            return "site.snapshot_retention_days is not set in feeds.yaml: no snapshot is pruned"
        through = self.published_through.isoformat() if self.published_through else "none yet"
        return (f"{len(self.removed)} snapshot{'' if len(self.removed) == 1 else 's'} pruned "
                f"({self.bytes / 2**20:.1f} MiB), {self.kept} kept; retention {self.retention_days} days "
                f"before the newest snapshot, briefings published through {through}")


def published_through(docs_dir: Path) -> dt.date | None:
    """The latest UTC day docs/ holds a briefing of, from the briefings' paths."""
    latest = None
    for path in Path(docs_dir).glob(BRIEFINGS_GLOB):
        year, month, day = path.parent.relative_to(Path(docs_dir) / "briefings").parts
        try:
            date = dt.date(int(year), int(month), int(day))
        except ValueError:
            continue
        latest = date if latest is None or date > latest else latest
    return latest


def newest_snapshot_time(config: Config, snapshots_dir: Path) -> dt.datetime | None:
    """When the newest snapshot of any feed in feeds.yaml was taken: the time retention counts back from."""
    times = [found[-1][1] for feed in config.feeds if (found := snapshots.feed_snapshots(Path(snapshots_dir) / feed.id))]
    return max(times, default=None)


def frozen(day: dt.date, *, now: dt.datetime, retention_days: int | None, published: dt.date | None) -> bool:
    """The edition of ``day`` is published and past the retention: builds leave its briefings, prune may take its snapshots."""
    if retention_days is None or published is None or day > published:
        return False
    day_end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), dt.timezone.utc)
    return day_end <= now - dt.timedelta(days=retention_days)


def prune(config: Config, snapshots_dir: Path, docs_dir: Path, *, now: dt.datetime | None = None,
          dry_run: bool = False) -> PruneReport:
    """Remove the snapshots that may go (see the module's docstring); with ``dry_run`` only list them.

    ``now``: the time retention counts back from (default: the newest snapshot's).
    """
    report = PruneReport(config.site.snapshot_retention_days)
    now = now or newest_snapshot_time(config, snapshots_dir)
    if report.retention_days is None or now is None:
        return report
    if now.tzinfo is None:
        raise ValueError("now must be a timezone-aware datetime")
    report.published_through = published_through(docs_dir)
    # The last edition a snapshot's posts can be in: its own day's, or a later one's window.
    reach = dt.timedelta(days=-(-config.site.edition_window_hours // 24))
    for feed in config.feeds:
        found = snapshots.feed_snapshots(Path(snapshots_dir) / feed.id)
        for path, taken in found[:-1]:  # never the newest
            if not frozen(taken.date() + reach, now=now, retention_days=report.retention_days,
                          published=report.published_through):
                report.kept += 1
                continue
            meta = snapshots.meta_path(path)
            report.bytes += path.stat().st_size + (meta.stat().st_size if meta.exists() else 0)
            report.removed.append(path)
            if not dry_run:
                path.unlink()  # the snapshot first: a metadata file left alone is ignored
                meta.unlink(missing_ok=True)
        report.kept += min(len(found), 1)
    return report
