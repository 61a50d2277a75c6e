"""Run the benchmarks and print their figures as ``name: value`` lines (``make bench``).

    python -m bench                        # everything, full sizes (about 13 minutes on 2 cores)
    python -m bench --quick                # small sizes, one repeat: a couple of minutes
    python -m bench --only site --sizes 300,1000
    python -m bench --only generator,claude

Benches: ``stories`` (story pairing, relevance and stance against the labelled set
in tests/data/story_pairs.yaml), ``site`` (our site against a stock blog-plugin site at each size),
``generator`` (ingest against raw feedparser, first build, rebuild with
nothing new at 10,000 items), ``claude`` (50 stories through the Claude
writer against the local fake API at 1 s latency). Each prints its figures
when it ends; a last section lists every figure and PASS/FAIL against the
targets. The verdicts are information: the exit status is 0 whatever they
say (1 only if a bench crashed). Times are wall-clock on a possibly shared
machine: the load average is printed beside them.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sys
import tempfile
import time
import traceback
from pathlib import Path

from . import report

BENCHES = ("stories", "site", "generator", "claude")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes and one repeat (sizes 100,300; 2,000 items)")
    parser.add_argument("--sizes", help="briefing counts for the site bench, comma-separated (default 300,1000,3000)")
    parser.add_argument("--items", type=int, help="items for the generator bench (default 10000)")
    parser.add_argument("--repeat", type=int, help="repeats of each generator timing and of our site build, best kept (default 3)")
    parser.add_argument("--only", help=f"comma-separated benches to run: {', '.join(BENCHES)}")
    parser.add_argument("--no-blog", action="store_true", help="skip the stock blog-plugin site (much the slowest part)")
    parser.add_argument("--no-plain", action="store_true", help="skip the plain-pages calibration site")
    parser.add_argument("--work", help="folder for the generated files (default: a temporary folder, removed afterwards)")
    parser.add_argument("--keep", action="store_true", help="keep the generated docs, sites and snapshots")
    args = parser.parse_args(argv)

    sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else ([100, 300] if args.quick else [300, 1000, 3000])
    items = args.items or (2000 if args.quick else 10_000)
    repeat = args.repeat or (1 if args.quick else 3)
    only = [b.strip() for b in args.only.split(",")] if args.only else list(BENCHES)
    unknown = set(only) - set(BENCHES)
    if unknown:
        parser.error(f"unknown bench(es): {', '.join(sorted(unknown))} (choose from {', '.join(BENCHES)})")

    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="bench-"))
    work.mkdir(parents=True, exist_ok=True)
    _machine()
    figures: dict = {"load_avg_start": round(os.getloadavg()[0], 2)}
    failed = False
    started = time.perf_counter()
    for name in only:
        print(f"\n=== {name} ===", flush=True)
        t0 = time.perf_counter()
        try:
            if name == "stories":
                from . import stories_bench

                got = stories_bench.run(log=_log)
            elif name == "site":
                from . import sites

                got = sites.run(sizes, work, blog=not args.no_blog, plain=not args.no_plain, keep=args.keep, builds=repeat, log=_log)
            elif name == "generator":
                from . import generator_bench

                got = generator_bench.run(work, items=items, repeat=repeat, keep=args.keep, log=_log)
            else:
                from . import claude_bench

                got = claude_bench.run(work, keep=args.keep, log=_log)
        except Exception:  # noqa: BLE001 - report and go on with the other benches
            traceback.print_exc()
            failed = True
            continue
        got[f"bench_{name}_s"] = round(time.perf_counter() - t0, 1)
        got[f"load_avg_after_{name}"] = round(os.getloadavg()[0], 2)
        report.print_figures(name, got)
        figures.update(got)
    figures["bench_total_s"] = round(time.perf_counter() - started, 1)
    report.print_summary(figures)
    if not args.work and not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    elif args.keep:
        print(f"\nfiles kept in {work}")
    return 1 if failed else 0


def _log(message: str) -> None:
    print(message, flush=True)


def _machine() -> None:
    import markdown
    import material
    import mkdocs

    version = getattr(material, "__version__", None)
    if version is None:
        from importlib.metadata import version as dist_version

        version = dist_version("mkdocs-material")
    print(f"machine: {os.cpu_count()} CPUs, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}; "
          f"Python {platform.python_version()}, MkDocs {mkdocs.__version__}, Material {version}, Markdown {markdown.__version__}",
          flush=True)


if __name__ == "__main__":
    sys.exit(main())
