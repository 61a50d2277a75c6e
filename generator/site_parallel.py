"""Build the briefing pages on every CPU core (an MkDocs hook, listed in mkdocs.yml under ``hooks:``).

MkDocs renders pages one after another, and most of a build is spent on the
briefings: Markdown to HTML, then the Material template, about 13 ms a page
on a 2-core machine, so a years-long archive of 3,000 briefings would take
40 s on one core while the other one idles. This hook shares those pages
out between forked copies of the build:

- Just before MkDocs reads the pages (``on_nav``, the last event before),
  the build forks ``jobs - 1`` workers. Each is a copy of the build as it
  stands: same config, files, navigation and plugins. The briefings
  (``docs/briefings/``) are dealt out round-robin; the main process keeps
  one share and every other page (home, beats, archive, about, hand-written
  pages).
- A worker reads, converts and renders its own briefings with MkDocs' own
  page functions and writes their HTML into the same site folder, then
  reports back and exits. It never touches anything else: static files,
  the sitemap, the 404 page and the search index are written by the main
  process alone.
- The main process still reads every briefing's front matter (MkDocs needs
  it for the search entries, titles and related briefings) but skips the
  briefings other processes convert: their Markdown is replaced by nothing
  and their template by an empty one, so MkDocs writes no file for them.
  Briefings are kept out of the full-text search index (generator/site_hooks.py),
  which is why the main process never needs their HTML.
- Every warning or error a worker logs is logged again by the main process,
  so ``--strict`` fails exactly as a one-process build would; a worker's
  anchors and links to anchors are handed back too, so MkDocs checks every
  link to an anchor with all pages known, as it does in one process.

The output is the same byte for byte as a one-process build (tested). It
runs only where it is safe and worth it: a ``fork`` start is needed (Linux
by default), no other thread may be running (``mkdocs serve`` has a
server thread: it builds in one process), not for ``--dirty`` builds, and
only when there are at least ``PAGES_PER_JOB`` briefings per process.

How many processes: ``extra.site_jobs`` in mkdocs.yml (``python -m
generator site --jobs N`` sets it), else the ``BRIEFINGS_SITE_JOBS``
environment variable, else the number of CPUs this process may use.
``1`` builds in one process.
"""

from __future__ import annotations

import logging
import os
import pickle
import signal
import sys
import threading
import traceback
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, Pipe

import jinja2
from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority
from mkdocs.structure.files import InclusionLevel
from mkdocs.structure.pages import Page

#: Pages dealt out to workers: the briefings (their full text is not in the search index).
SHARED_PREFIX = "briefings/"
#: Fewer shared pages than this per process and the fork is not worth it.
PAGES_PER_JOB = 60
#: At most this many processes, whatever the CPU count.
MAX_JOBS = 16
#: The template the main process renders for pages a worker builds: empty, so MkDocs writes nothing.
SKIP_TEMPLATE = "briefings-built-by-worker.html"
JOBS_ENV = "BRIEFINGS_SITE_JOBS"

log = logging.getLogger("mkdocs.plugins.briefings.parallel")


@dataclass
class _Worker:
    number: int
    pid: int
    conn: Connection
    pages: list = field(default_factory=list)  # File objects this worker builds
    done: bool = False


@dataclass
class _State:
    dirty: bool = False
    nav: object = None
    workers: list[_Worker] = field(default_factory=list)
    skipped: set[str] = field(default_factory=set)  # src_uris the main process leaves to workers


_state = _State()


# --- deciding ---------------------------------------------------------------------------


def requested_jobs(config) -> int | None:
    """The process count asked for in mkdocs.yml or the environment; None means "as many as CPUs"."""
    value = config.extra.get("site_jobs")
    source = "extra.site_jobs"
    if value in (None, ""):
        value, source = os.environ.get(JOBS_ENV), JOBS_ENV
    if value in (None, "", "auto"):
        return None
    try:
        jobs = int(value)
    except (TypeError, ValueError):
        raise PluginError(f"{source} must be a whole number of processes (1 or more) or 'auto', not {value!r}") from None
    if jobs < 1:
        raise PluginError(f"{source} must be 1 or more, not {jobs}")
    return jobs


def _usable_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def plan_jobs(config, shared_pages: int) -> int:
    """How many processes build this site (1: MkDocs alone, as usual)."""
    asked = requested_jobs(config)
    if asked == 1 or _state.dirty or not hasattr(os, "fork") or threading.active_count() > 1:
        return 1
    if asked is None:
        if not sys.platform.startswith("linux"):
            return 1
        asked = min(_usable_cpus(), MAX_JOBS, shared_pages // PAGES_PER_JOB)
    return max(1, min(asked, MAX_JOBS, shared_pages))


# --- hooks --------------------------------------------------------------------------------


def on_startup(command, dirty, **kwargs):
    _state.dirty = dirty


def on_config(config, **kwargs):
    _reap(kill=True)
    _state.nav = None
    requested_jobs(config)  # a bad setting fails here, before anything is built


@event_priority(-100)  # the last nav event: every other plugin has had its say
def on_nav(nav, config, files, **kwargs):
    shared = [f for f in files.documentation_pages(inclusion=InclusionLevel.is_included) if f.src_uri.startswith(SHARED_PREFIX)]
    jobs = plan_jobs(config, len(shared))
    if jobs == 1:
        return nav
    _state.nav = nav
    shares = [shared[k::jobs] for k in range(jobs)]
    sys.stdout.flush()
    sys.stderr.flush()
    for number in range(1, jobs):
        receive, send = Pipe(duplex=False)
        pid = os.fork()
        if pid == 0:
            receive.close()
            for earlier in _state.workers:
                earlier.conn.close()
            _work(number, shares[number], send, config, files, nav)  # never returns
        send.close()
        _state.workers.append(_Worker(number, pid, receive, shares[number]))
        _state.skipped.update(f.src_uri for f in shares[number])
    log.info(f"Building {len(shared)} briefings in {jobs} processes")
    return nav


@event_priority(-100)  # after the other hooks have read the page's front matter
def on_page_markdown(markdown, page, **kwargs):
    if page.file.src_uri in _state.skipped:
        page.meta["template"] = SKIP_TEMPLATE
        return ""
    return markdown


@event_priority(-100)
def on_env(env, config, files, **kwargs):
    if not _state.workers:
        return env
    env.loader = jinja2.ChoiceLoader([jinja2.DictLoader({SKIP_TEMPLATE: ""}), env.loader])
    for worker in _state.workers:
        populated = _receive(worker, "populated")
        for src_uri, (anchors, links) in populated.items():
            page = files.get_file_from_path(src_uri).page
            page.present_anchor_ids = anchors
            page.links_to_anchors = {files.get_file_from_path(to): found for to, found in links.items()}
    return env


@event_priority(100)  # first: later post-build work sees every page written
def on_post_build(config, **kwargs):
    try:
        for worker in _state.workers:
            _receive(worker, "done")
    finally:
        _reap(kill=True)


def on_build_error(error, **kwargs):
    _reap(kill=True)


def on_shutdown(**kwargs):
    _reap(kill=True)


# --- the main process's side --------------------------------------------------------------


def _receive(worker: _Worker, expected: str):
    """The worker's next report: its log records are logged here, its failure becomes this build's."""
    try:
        kind, payload, records = worker.conn.recv()
    except (EOFError, OSError, pickle.UnpicklingError):
        status = _wait(worker)
        raise PluginError(f"The process building briefings {worker.number + 1} of {len(_state.workers) + 1} "
                          f"stopped without reporting ({status}).") from None
    for name, level, message in records:
        logging.getLogger(name).log(level, message)
    if kind == "failed":
        raise PluginError(f"Building briefings in process {worker.number + 1} failed: {payload}")
    if kind != expected:  # pragma: no cover - a bug in this module
        raise PluginError(f"process {worker.number + 1} sent {kind!r} instead of {expected!r}")
    if kind == "done":
        worker.done = True
        _wait(worker)
    return payload


def _wait(worker: _Worker) -> str:
    try:
        _, status = os.waitpid(worker.pid, 0)
    except ChildProcessError:
        return "already gone"
    worker.pid = 0
    if os.WIFSIGNALED(status):
        return f"killed by signal {os.WTERMSIG(status)}"
    return f"exit status {os.waitstatus_to_exitcode(status)}"


def _reap(*, kill: bool) -> None:
    """Stop and collect any worker still running (a failed build, an interrupted one)."""
    for worker in _state.workers:
        if worker.pid:
            if kill:
                try:
                    os.kill(worker.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            _wait(worker)
        worker.conn.close()
    _state.workers.clear()
    _state.skipped.clear()


# --- a worker -----------------------------------------------------------------------------


class _Collect(logging.Handler):
    """Keeps a worker's log records (WARNING and above: what --strict counts) for the main process."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.records: list[tuple[str, int, str]] = []
        self._seen: set[int] = set()

    def emit(self, record):
        if id(record) not in self._seen:
            self._seen.add(id(record))
            self.records.append((record.name, record.levelno, record.getMessage()))

    def take(self) -> list[tuple[str, int, str]]:
        taken, self.records = self.records, []
        return taken


def _work(number: int, files_to_build: list, conn: Connection, config, files, nav) -> None:
    """Read, convert and write this worker's pages, report, and end the process (never returns)."""
    from mkdocs.commands.build import _build_page, _populate_page

    collect = _Collect()
    for name in ("", "mkdocs"):  # stop the console handlers: the main process logs what we report
        logger = logging.getLogger(name)
        for handler in list(logger.handlers):
            logger.removeHandler(handler)
        logger.addHandler(collect)
    _state.workers.clear()
    _state.skipped.clear()
    code = 0
    try:
        for file in files_to_build:
            if file.page is None:
                Page(None, file, config)
            _populate_page(file.page, config, files)
        conn.send(("populated", {
            f.src_uri: (f.page.present_anchor_ids, {to.src_uri: found for to, found in f.page.links_to_anchors.items()})
            for f in files_to_build
        }, collect.take()))
        env = config.plugins.on_env(config.theme.get_env(), config=config, files=files)
        doc_files = files.documentation_pages(inclusion=InclusionLevel.is_included)
        for file in files_to_build:
            _build_page(file.page, config, doc_files, nav, env)
        conn.send(("done", None, collect.take()))
    except BaseException as exc:  # noqa: BLE001 - reported to the main process, which fails the build
        code = 1
        detail = str(exc) or type(exc).__name__
        if not isinstance(exc, (PluginError, jinja2.TemplateError, OSError)):
            detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        try:
            conn.send(("failed", detail, collect.take()))
        except BaseException:  # noqa: BLE001 - the main process is gone: nothing to tell
            pass
    finally:
        try:
            conn.close()
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)
