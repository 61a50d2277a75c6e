"""Run one build in a process of its own and report its time and peak memory as JSON.

    python -m bench.child MKDOCS_YML SITE_DIR [--project]
    python -m bench.child --generator FEEDS_YAML SNAPSHOTS DOCS CACHE NOW

The first form builds an MkDocs site. ``--generator`` runs the generator
step (generator.pipeline.build with the extractive writer, counting the
stories handed to it) as a fresh ``python -m generator build`` would, and
reports ``{"seconds", "calls", "written", ...}``: the build's own time, after
the imports.

``--project`` builds through this project's path (generator.site.build_site:
strict, into a temporary folder, then swapped in); without it, a plain
``mkdocs build`` (what the stock blog-plugin site gets). The last line of
stdout is ``{"seconds": ..., "cpu_s": ..., "maxrss_mb": ...}``: the build's own
wall time, the CPU time of the process and of any worker it forked, and the
peak resident memory of the largest of them.
"""

from __future__ import annotations

import argparse
import json
import logging
import resource
import sys
import time
from pathlib import Path


def generator_step(argv: list[str]) -> int:
    import datetime as dt

    from generator import pipeline
    from generator.config import load_config

    from .generator_bench import CountingWriter

    feeds_yaml, snapshots, docs, cache, now = argv
    config = load_config(feeds_yaml)
    writer = CountingWriter()
    start = time.perf_counter()
    report = pipeline.build(config, Path(snapshots), Path(docs), writer, now=dt.datetime.fromisoformat(now), cache_dir=Path(cache))
    seconds = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(json.dumps({"seconds": round(seconds, 4), "calls": writer.calls, "written": len(report.written) + len(report.removed),
                      "unchanged": report.unchanged, "maxrss_mb": round(usage.ru_maxrss / 1024, 1)}))
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--generator"]:
        return generator_step(argv[1:])
    parser = argparse.ArgumentParser(prog="python -m bench.child")
    parser.add_argument("mkdocs_yml")
    parser.add_argument("site_dir")
    parser.add_argument("--project", action="store_true", help="build with generator.site.build_site (strict)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR, format="%(levelname)s - %(name)s - %(message)s")
    start = time.perf_counter()
    if args.project:
        from generator.site import build_site

        build_site(Path(args.mkdocs_yml), Path(args.site_dir))
    else:
        from mkdocs.commands.build import build
        from mkdocs.config import load_config

        build(load_config(config_file=args.mkdocs_yml, site_dir=args.site_dir))
    seconds = time.perf_counter() - start
    # The parallel page build (generator/site/parallel.py) forks workers: their CPU time counts
    # too, and the peak is the largest process's (each worker shares the main one's memory
    # until it writes to it, so adding them up would count the shared pages twice).
    own = resource.getrusage(resource.RUSAGE_SELF)
    workers = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = own.ru_utime + own.ru_stime + workers.ru_utime + workers.ru_stime
    print(json.dumps({"seconds": round(seconds, 3), "cpu_s": round(cpu, 3),
                      "maxrss_mb": round(max(own.ru_maxrss, workers.ru_maxrss) / 1024, 1)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
