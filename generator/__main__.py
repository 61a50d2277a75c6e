"""Command line: a thin layer over the library.

    python -m generator check  [--config feeds.yaml]
    python -m generator fetch  [--config feeds.yaml] [--snapshots snapshots]
    python -m generator build  [--config FILE] [--snapshots DIR] [--docs DIR] [--now ISO-8601]
                               [--writer extractive|claude] [--model NAME] [--batch]
    python -m generator site   [--mkdocs mkdocs.yml] [--site-dir site] [--jobs N]
    python -m generator prune  [--config feeds.yaml] [--snapshots snapshots] [--docs docs] [--now ISO-8601] [--dry-run]

Exit status: 0 success; 1 some feeds or stories failed (the rest was done),
or the build could not write its files (each file is either as it was or
completely rewritten); 2 the configuration is invalid (nothing else ran).
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import os
import sys
from pathlib import Path

from .config import load_config
from .errors import BriefingsError, ConfigErrors
from .models import Config


def _parse_now(text: str) -> dt.datetime:
    try:
        value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not an ISO-8601 time: {text!r} (e.g. 2026-11-23T18:00:00Z)") from exc
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value.astimezone(dt.timezone.utc)


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {value}")
    return value


def _load(path: str) -> Config | None:
    try:
        return load_config(path)
    except ConfigErrors as exc:
        for error in exc.errors:
            print(f"error: {error}", file=sys.stderr)
        count = len(exc.errors)
        print(f"{path}: {count} error{'s' if count != 1 else ''}; nothing was run", file=sys.stderr)
        return None


def cmd_check(args: argparse.Namespace) -> int:
    config = _load(args.config)
    if config is None:
        return 2
    enabled = sum(1 for f in config.feeds if f.enabled)
    print(f"{args.config}: OK — {len(config.feeds)} feeds ({enabled} enabled) in {len(config.beats)} beats")
    from .writers.claude.catalog import deprecation

    end_of_life = deprecation(config.site.model)
    if end_of_life:  # a warning: the model still answers until then
        from .config import line_of
        from .errors import ConfigError

        message = (f"{config.site.model} is deprecated; the anthropic SDK gives its end of life as {end_of_life} "
                   "(see https://docs.anthropic.com/en/docs/resources/model-deprecations)")
        print(f"warning: {ConfigError(args.config, line_of(args.config, 'site', 'model'), 'site.model', message)}", file=sys.stderr)
    return 0


def cmd_fetch(args: argparse.Namespace) -> int:
    config = _load(args.config)
    if config is None:
        return 2
    from .fetch import fetch_all, format_results
    from .progress import Progress, Step

    show = Progress()
    done = itertools.count(1)
    total = sum(1 for feed in config.feeds if feed.enabled)

    def report(result) -> None:
        show(Step(next(done), total, f"{result.feed_id}: {result.status}, {result.message}"))

    try:
        results = fetch_all(config, Path(args.snapshots), now=dt.datetime.now(dt.timezone.utc), timeout=args.timeout,
                            progress=report)
    finally:
        show.close()
    print(format_results(results))
    return 1 if any(r.status == "error" for r in results) else 0


def choose_writer(args: argparse.Namespace, config: Config, progress=None):
    from .writers import make_writer

    name = args.writer or ("claude" if os.environ.get("ANTHROPIC_API_KEY") else "extractive")
    if name == "claude":
        return make_writer(
            "claude",
            model=args.model or config.site.model,
            batch=args.batch,
            concurrency=args.concurrency,
            cache_dir=Path(args.cache_dir) / "claude",
            config=config,
            progress=progress,
        )
    return make_writer(name)


def cmd_build(args: argparse.Namespace) -> int:
    config = _load(args.config)
    if config is None:
        return 2
    from .pipeline import build

    if args.writer == "claude" and not os.environ.get("ANTHROPIC_API_KEY"):
        print("error: --writer claude needs ANTHROPIC_API_KEY in the environment", file=sys.stderr)
        return 2
    from .progress import Progress

    progress = Progress()  # a line per story on stderr, or a bar when stderr is a terminal
    writer = choose_writer(args, config, progress)
    print(f"writer: {writer.name}", file=sys.stderr)
    try:
        report = build(
            config,
            Path(args.snapshots),
            Path(args.docs),
            writer,
            now=args.now,
            cache_dir=Path(args.cache_dir),
            log=progress.message,
        )
    except (BriefingsError, OSError) as exc:
        # e.g. a read-only or full docs/: every file is written whole (temp + rename) or not at all.
        print(f"error: build stopped: {exc} (each file in {args.docs}/ is either as before or completely rewritten)", file=sys.stderr)
        return 1
    finally:
        progress.close()
    for problem in report.problems:
        print(f"warning: {problem}", file=sys.stderr)
    for note in report.notes:
        print(f"note: {note}", file=sys.stderr)
    for story_id, edition, message in report.failures:
        print(f"error: story {story_id} ({edition}) was not published: {message}", file=sys.stderr)
    summary = getattr(writer, "summary", None)
    if callable(summary):
        print(summary())
    print(report.summary())
    return 1 if report.failures else 0


def cmd_site(args: argparse.Namespace) -> int:
    from .site import build_site

    try:
        build_site(Path(args.mkdocs), Path(args.site_dir), jobs=args.jobs)
    except Exception as exc:  # noqa: BLE001 - mkdocs raises many kinds; report and keep the old site
        print(f"error: site build failed, previous {args.site_dir}/ kept: {exc}", file=sys.stderr)
        return 1
    print(f"site built into {args.site_dir}/")
    return 0


def cmd_prune(args: argparse.Namespace) -> int:
    config = _load(args.config)
    if config is None:
        return 2
    from .prune import prune

    try:
        report = prune(config, Path(args.snapshots), Path(args.docs), now=args.now, dry_run=args.dry_run)
    except OSError as exc:
        print(f"error: prune stopped: {exc}", file=sys.stderr)
        return 1
    for path in report.removed:
        print(f"{'would remove' if args.dry_run else 'removed'} {path}")
    print(report.summary() + (" (dry run: nothing removed)" if args.dry_run else ""))
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    config = _load(args.config)
    if config is None:
        return 2
    from .migrate import migrate

    try:
        changed = migrate(Path(args.docs), config)
    except (BriefingsError, OSError) as exc:
        print(f"error: migrate stopped: {exc} (each file is either as before or completely rewritten)", file=sys.stderr)
        return 1
    for path in changed:
        print(f"migrated {path}")
    print(f"{len(changed)} briefing{'s' if len(changed) != 1 else ''} brought to the current layout")
    return 0


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m generator", description="AI-discourse briefings: feeds → snapshots → briefings → site.")
    sub = parser.add_subparsers(dest="command", required=True)

    def config_arg(p: argparse.ArgumentParser) -> None:
        p.add_argument("--config", default="feeds.yaml", help="sources, beats and site settings (default: feeds.yaml)")

    p = sub.add_parser("check", help="validate feeds.yaml", description="Validate feeds.yaml. Example: python -m generator check --config feeds.yaml")
    config_arg(p)
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("fetch", help="download every enabled feed into snapshots/", description="Download every enabled feed. Example: python -m generator fetch")
    config_arg(p)
    p.add_argument("--snapshots", default="snapshots", help="snapshot folder (default: snapshots)")
    p.add_argument("--timeout", type=float, default=20.0, help="seconds allowed for each feed (default: 20)")
    p.set_defaults(func=cmd_fetch)

    p = sub.add_parser("build", help="write briefings into docs/ from snapshots/",
                       description="Write briefings from snapshots. Example: python -m generator build --now 2026-11-23T23:00:00Z")
    config_arg(p)
    p.add_argument("--snapshots", default="snapshots", help="snapshot folder (default: snapshots)")
    p.add_argument("--docs", default="docs", help="MkDocs docs folder (default: docs)")
    p.add_argument("--now", type=_parse_now, default=None, help="edition time, ISO-8601 (default: the newest snapshot's time)")
    p.add_argument("--writer", choices=("extractive", "claude"), default=None,
                   help="who writes the briefings (default: claude when ANTHROPIC_API_KEY is set, else extractive)")
    p.add_argument("--model", default=None, help="Claude model (default: site.model in feeds.yaml)")
    p.add_argument("--batch", action="store_true", help="use the Message Batches API (half price, slower)")
    p.add_argument("--concurrency", type=int, default=8, help="stories written at once by Claude (default: 8)")
    p.add_argument("--cache-dir", default=".cache", help="parse and response caches (default: .cache)")
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("site", help="build the MkDocs site into site/, keeping the old one if the build fails",
                       description="Build the site with mkdocs --strict. Example: python -m generator site --site-dir site")
    p.add_argument("--mkdocs", default="mkdocs.yml", help="MkDocs configuration (default: mkdocs.yml)")
    p.add_argument("--site-dir", default="site", help="output folder (default: site)")
    p.add_argument("--jobs", type=_positive_int, default=None,
                   help="processes that build the briefing pages (default: one per CPU when there are enough briefings; 1: one process)")
    p.set_defaults(func=cmd_site)

    p = sub.add_parser("prune", help="remove old snapshots whose editions are published",
                       description="Remove snapshots older than site.snapshot_retention_days once docs/ has briefings "
                                   "of their day or later, never a feed's newest. Example: python -m generator prune --dry-run")
    config_arg(p)
    p.add_argument("--snapshots", default="snapshots", help="snapshot folder (default: snapshots)")
    p.add_argument("--docs", default="docs", help="MkDocs docs folder, whose briefings say what is published (default: docs)")
    p.add_argument("--now", type=_parse_now, default=None, help="the time retention counts back from, ISO-8601 (default: the newest snapshot's)")
    p.add_argument("--dry-run", action="store_true", help="list what would be removed, remove nothing")
    p.set_defaults(func=cmd_prune)

    p = sub.add_parser("migrate", help="bring briefings of older layouts under docs/ to the current one, once",
                       description="Rewrite briefings written by older layouts (for editions no build will rebuild) "
                                   "in the current layout, text unchanged. Example: python -m generator migrate")
    config_arg(p)
    p.add_argument("--docs", default="docs", help="MkDocs docs folder (default: docs)")
    p.set_defaults(func=cmd_migrate)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = make_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
