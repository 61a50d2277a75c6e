"""The generator step on 10,000 items: first ingest against raw feedparser, first build, rebuild.

Synthetic snapshots of forty feeds (about 10,000 distinct items over 30
days) are written into a temporary folder with a matching feeds.yaml. Then:

- raw ``feedparser.parse`` over every snapshot file, against
  ``generator.ingest.ingest`` without a cache (parse everything) on the same
  files: the overhead of our per-entry work and merging, in percent;
- a first ``generator.pipeline.build`` (cold caches, extractive writer);
- a second build with nothing new (warm disk caches, fresh process, as
  ``python -m generator build`` would run it): its time, how many stories
  were handed to the writer (model calls: must be 0) and files written.

Each timing is the best of ``repeat`` runs (the machine is shared).
"""

from __future__ import annotations

import gc
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterable, Iterator

import feedparser

from generator import ingest as ingest_mod
from generator import pipeline
from generator.writers import Job, Outcome
from generator.writers.extractive import ExtractiveWriter

from . import synth

REPO = Path(__file__).resolve().parents[1]


class CountingWriter:
    """The extractive writer, counting the stories it is asked to write (a model writer's calls)."""

    name = "extractive"

    def __init__(self) -> None:
        self.inner = ExtractiveWriter()
        self.calls = 0

    def fingerprint(self) -> str:
        return self.inner.fingerprint()

    def write_all(self, jobs: Iterable[Job]) -> Iterator[Outcome]:
        for job in jobs:
            self.calls += 1
            yield from self.inner.write_all([job])


def _best(fn, repeat: int) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def run(work: Path, *, items: int = 10_000, repeat: int = 3, keep: bool = False, log=print) -> dict:
    root = work / f"generator-{items}"
    if root.exists():
        shutil.rmtree(root)
    snapshots = root / "snapshots"
    snapshots.mkdir(parents=True)
    data = synth.write_snapshots(snapshots, items=items)
    config = data.config
    size_mb = sum(p.stat().st_size for p in data.files) / 1e6
    log(f"[generator] {len(data.files)} snapshots ({size_mb:.1f} MB) of {len(config.feeds)} feeds: "
        f"{data.entries} entries, {data.distinct} distinct items")

    blobs = [(p, p.read_bytes()) for p in data.files]

    def raw() -> int:
        return sum(len(feedparser.parse(blob).entries) for _, blob in blobs)

    def ours():
        return ingest_mod.ingest(config, snapshots, cache_dir=None, until=data.now)

    # Alternate the two so that a burst of load on the shared machine hits both alike.
    raw_s = ours_s = float("inf")
    result = None
    for _ in range(repeat):
        t, entries = _best(raw, 1)
        raw_s = min(raw_s, t)
        t, result = _best(ours, 1)
        ours_s = min(ours_s, t)
    log(f"[generator] raw feedparser: {raw_s:.2f} s for {entries} entries; ingest (no cache): {ours_s:.2f} s "
        f"for {len(result.items)} items ({100 * (ours_s / raw_s - 1):+.1f}%)")

    docs = root / "docs"
    docs.mkdir()
    cache = root / "cache"
    writer = CountingWriter()
    start = time.perf_counter()
    first = pipeline.build(config, snapshots, docs, writer, now=data.now, cache_dir=cache)
    first_s = time.perf_counter() - start
    first_calls = writer.calls
    log(f"[generator] first build: {first_s:.2f} s, {first.summary()}")

    # The rebuild runs as `python -m generator build` would: in a fresh process (nothing cached in
    # memory); its generator step is timed after the imports, and the whole process as well.
    rebuild_s = rebuild_process_s = float("inf")
    rebuild_calls = rebuild_written = 0
    cmd = [sys.executable, "-m", "bench.child", "--generator", str(root / "feeds.yaml"), str(snapshots), str(docs), str(cache),
           data.now.isoformat()]
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    for _ in range(repeat):
        start = time.perf_counter()
        proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=600, check=True)
        rebuild_process_s = min(rebuild_process_s, time.perf_counter() - start)
        step = json.loads(proc.stdout.strip().splitlines()[-1])
        rebuild_s = min(rebuild_s, step["seconds"])
        rebuild_calls = max(rebuild_calls, step["calls"])
        rebuild_written = max(rebuild_written, step["written"])
    log(f"[generator] rebuild with nothing new: {rebuild_s:.3f} s ({rebuild_process_s:.2f} s for the whole process), "
        f"{rebuild_calls} writer calls, {rebuild_written} files written or removed")
    figures = {
        "snapshot_files": len(data.files),
        "snapshot_entries": data.entries,
        "items": len(result.items),
        f"feedparser_{items}_s": round(raw_s, 2),
        f"ingest_{items}_s": round(ours_s, 2),
        "ingest_overhead_pct": round(100 * (ours_s / raw_s - 1), 1),
        f"first_build_{items}_s": round(first_s, 2),
        "first_build_calls": first_calls,
        "briefings_written": first_calls - len(first.failures),
        f"rebuild_{items}_s": round(rebuild_s, 3),
        f"rebuild_{items}_process_s": round(rebuild_process_s, 2),
        "rebuild_calls": rebuild_calls,
        "rebuild_files_written": rebuild_written,
    }
    if not keep:
        shutil.rmtree(root, ignore_errors=True)
    return figures
