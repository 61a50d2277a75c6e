"""Build the briefing pages on every CPU core (an MkDocs hook, listed in mkdocs.yml under ``hooks:``).

MkDocs renders pages one after another, and most of a build is spent on the
briefings: Markdown to HTML, then the Material template, about 13 ms a page
on a 2-core machine, so a years-long archive of 3,000 briefings would take
40 s on one core while the other one idles. This hook shares those pages
(and the long lists of them: beat and archive pages) out between forked
copies of the build:

- Just before MkDocs reads the pages (``on_nav``, the last event before),
  the build forks ``jobs - 1`` workers. Each is a copy of the build as it
  stands: same config, files, navigation and plugins.
- The shared pages (``SHARED_PREFIXES``: briefings, beat and archive pages
  not in the navigation) are claimed one at a time, so a faster process
  takes more of them: the main process claims each as MkDocs reaches it,
  unless a worker has; the workers take them from the other end
  (``worker_order``: the long list pages first, so every process gets some
  of them), until none is left. The main process keeps every other page
  (home, about, the pages in the navigation, hand-written pages); a worker
  converts the pages in the navigation too, without writing them, as their
  titles appear on every page.
- A worker reads, converts and renders its briefings with MkDocs' own page
  functions and writes their HTML into the same site folder, then reports
  back and exits. It writes nothing else: static files, the sitemap, the
  404 page and the search index are written by the main process alone.
- The main process skips the pages a worker claimed: they get no Markdown
  to convert and an empty template, so MkDocs writes no file for them. It
  still needs their front matter (for the search entries), which the
  worker's report carries, as the worker read it; a page it meets before
  that report (one a worker took early) is read here as usual. These pages
  are kept out of the full-text search index (generator/site_hooks.py),
  which is why the main process never needs their HTML.
- Every warning or error a worker logs is logged again by the main process,
  so ``--strict`` fails exactly as a one-process build would; a worker's
  anchors and links to anchors are handed back too, so MkDocs checks every
  link to an anchor with all pages known, as it does in one process.

The output is the same byte for byte as a one-process build (tested). It
runs only where it is safe and worth it: a ``fork`` start is needed (Linux
by default), no other thread may be running, not under ``mkdocs serve``
(its rebuilds run beside a server thread, and its pages may include
drafts), not for ``--dirty`` builds, and
only when there are at least ``PAGES_PER_JOB`` shared pages per process.

How many processes: ``extra.site_jobs`` in mkdocs.yml (``python -m
generator site --jobs N`` sets it), else the ``BRIEFINGS_SITE_JOBS``
environment variable, else the number of CPUs this process may use.
``1`` builds in one process.
"""

from __future__ import annotations

import contextlib
import logging
import mmap
import multiprocessing
import os
import pickle
import signal
import struct
import sys
import threading
import traceback
import types
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, Pipe

import jinja2
from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority
from mkdocs.structure.files import InclusionLevel
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import get_toc

#: Pages shared out between processes: the briefings and the lists of them (beats, archive),
#: the pages generator/site_hooks.py keeps out of the full-text search index (tested), so
#: that the main process never needs their HTML. Pages in the navigation stay with the main
#: process.
SHARED_PREFIXES = ("briefings/", "beats/", "archive/")
#: Fewer shared pages than this per process and the fork is not worth it.
PAGES_PER_JOB = 60
#: At most this many processes, whatever the CPU count.
MAX_JOBS = 16
#: A page more than this many times the median size of the shared pages is a long one (worker_order).
LONG_PAGE = 4
#: The template the main process renders for pages a worker builds: empty, so MkDocs writes nothing.
SKIP_TEMPLATE = "briefings-built-by-worker.html"
JOBS_ENV = "BRIEFINGS_SITE_JOBS"
#: Seconds a process waits for the page claims (held for microseconds at a time) before giving up.
LOCK_TIMEOUT = 60

log = logging.getLogger("mkdocs.plugins.briefings.parallel")


@dataclass
class _Worker:
    number: int
    pid: int
    conn: Connection
    populated: dict | None = None  # its "populated" report, once received
    done: bool = False


class _Claims:
    """Who builds which shared page: each page is taken by exactly one process.

    In memory shared by every process (an anonymous shared mapping, inherited
    through fork), under one lock: one byte per page (taken or not), how many
    are taken, and the workers' place in their common ``order``. The main
    process takes a page when MkDocs reaches it, if no worker has; the workers
    take the next untaken page of ``order``. Neither side waits for the other.
    """

    _HEADER = struct.Struct("qq")  # pages taken, the workers' next position in order

    def __init__(self, count: int, order: list[int]):
        self._lock = multiprocessing.Lock()
        self._count = count
        self._order = order
        self._memory = mmap.mmap(-1, self._HEADER.size + count)

    @contextlib.contextmanager
    def _locked(self):
        """Holding the lock, or an error if it stays taken: a process was killed while holding it."""
        if not self._lock.acquire(timeout=LOCK_TIMEOUT):
            raise PluginError(f"A process building briefings held the page claims for over {LOCK_TIMEOUT} s "
                              "and is probably gone; build again, or with --jobs 1.")
        try:
            yield
        finally:
            self._lock.release()

    def take(self, index: int) -> bool:
        """The main process reached shared page ``index``: True if it is its own to build."""
        with self._locked():
            flag = self._HEADER.size + index
            if self._memory[flag]:
                return False
            self._memory[flag] = 1
            taken, position = self._HEADER.unpack_from(self._memory)
            self._HEADER.pack_into(self._memory, 0, taken + 1, position)
            return True

    def take_next(self) -> int | None:
        """A worker's next page (an index), or None when every page is taken."""
        with self._locked():
            taken, position = self._HEADER.unpack_from(self._memory)
            while position < len(self._order):
                index = self._order[position]
                position += 1
                flag = self._HEADER.size + index
                if not self._memory[flag]:
                    self._memory[flag] = 1
                    self._HEADER.pack_into(self._memory, 0, taken + 1, position)
                    return index
            self._HEADER.pack_into(self._memory, 0, taken, position)
            return None

    def all_taken(self) -> bool:
        with self._locked():
            return self._HEADER.unpack_from(self._memory)[0] >= self._count

    def close(self) -> None:
        self._memory.close()


def worker_order(sizes: list[int]) -> list[int]:
    """The order in which workers take shared pages (indices into MkDocs' order of them).

    From the back, so that the main process, which goes from the front, meets
    them somewhere in the middle; but the long pages (more than ``LONG_PAGE``
    times the median: beat and archive lists, each as long as dozens of
    briefings) come first, also from the back. Each process then converts a
    share of the long pages and is left with a like number of pages to put
    through the template, which costs about the same for any page: without
    this, the process that met the long pages would render far fewer pages
    than the others and wait for them at the end.
    """
    if not sizes:
        return []
    median = sorted(sizes)[len(sizes) // 2]
    long = [i for i, size in enumerate(sizes) if size > LONG_PAGE * max(median, 1)]
    is_long = set(long)
    return long[::-1] + [i for i in range(len(sizes) - 1, -1, -1) if i not in is_long]


@dataclass
class _State:
    dirty: bool = False
    serving: bool = False  # mkdocs serve
    failure: PluginError | None = None  # a worker's, met while MkDocs was reading a page
    workers: list[_Worker] = field(default_factory=list)
    claims: _Claims | None = None
    shared: dict[str, int] = field(default_factory=dict)  # src_uri of each shared page → its index
    skipped: set[str] = field(default_factory=set)  # src_uris the main process leaves to workers
    front_matter: dict[str, bytes] = field(default_factory=dict)  # workers' pages, as they read it
    worker: bool = False  # True in a worker process

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
    if asked == 1 or _state.dirty or _state.serving or not hasattr(os, "fork") or threading.active_count() > 1:
        return 1
    if asked is None:
        if not sys.platform.startswith("linux"):
            return 1
        asked = min(_usable_cpus(), MAX_JOBS, shared_pages // PAGES_PER_JOB)
    return max(1, min(asked, MAX_JOBS, shared_pages))


# --- hooks --------------------------------------------------------------------------------


def on_startup(command, dirty, **kwargs):
    _state.dirty = dirty
    _state.serving = command == "serve"


def on_config(config, **kwargs):
    _reap(kill=True)
    requested_jobs(config)  # a bad setting fails here, before anything is built


@event_priority(-100)  # the last nav event: every other plugin has had its say
def on_nav(nav, config, files, **kwargs):
    in_nav = {page.file.src_uri for page in nav.pages}
    shared = [f for f in files.documentation_pages(inclusion=InclusionLevel.is_included)
              if f.src_uri.startswith(SHARED_PREFIXES) and f.src_uri not in in_nav]
    jobs = plan_jobs(config, len(shared))
    if jobs == 1:
        return nav
    _state.shared = {f.src_uri: n for n, f in enumerate(shared)}
    _state.claims = _Claims(len(shared), worker_order([_size(f) for f in shared]))
    sys.stdout.flush()
    sys.stderr.flush()
    for number in range(1, jobs):
        receive, send = Pipe(duplex=False)
        pid = os.fork()
        if pid == 0:
            receive.close()
            for earlier in _state.workers:
                earlier.conn.close()
            _work(number, shared, send, config, files, nav)  # never returns
        send.close()
        _state.workers.append(_Worker(number, pid, receive))
    log.info(f"Building {len(shared)} briefing, beat and archive pages in {jobs} processes")
    return nav


def on_pre_page(page, **kwargs):
    index = _state.shared.get(page.file.src_uri)
    if index is not None and _state.claims is not None and not _state.claims.take(index):
        _state.skipped.add(page.file.src_uri)
        if _state.claims.all_taken() and _state.failure is None:
            # The workers are finishing their last pages. Their reports carry the front
            # matter they read, so it is not read and parsed here a second time.
            try:
                for worker in _state.workers:
                    _populated(worker)
            except PluginError as failure:  # not this page's: raised once every page is read
                _state.failure = failure
    return page


def on_page_read_source(page, **kwargs):
    if page.file.src_uri in _state.front_matter:
        return ""  # its front matter comes from the worker that read it (on_page_markdown)
    return None


@event_priority(100)  # before the other hooks see the page: they can tell it is built elsewhere
def on_page_markdown(markdown, page, **kwargs):
    uri = page.file.src_uri
    if _state.worker:
        if uri in _state.shared:  # as read, before other hooks change it (they will, in both processes)
            _state.front_matter[uri] = pickle.dumps(page.meta, pickle.HIGHEST_PROTOCOL)
        return markdown
    if uri in _state.skipped:
        if uri in _state.front_matter:
            page.meta = pickle.loads(_state.front_matter.pop(uri))
        page.meta["template"] = SKIP_TEMPLATE
        page.render = types.MethodType(_render_stub, page)  # no Markdown to convert
        return ""
    return markdown


@event_priority(-100)
def on_env(env, config, files, **kwargs):
    if _state.failure is not None:
        raise _state.failure
    if not _state.workers:
        return env
    env.loader = jinja2.ChoiceLoader([jinja2.DictLoader({SKIP_TEMPLATE: ""}), env.loader])
    for worker in _state.workers:
        for src_uri, (anchors, links) in _populated(worker).items():
            page = files.get_file_from_path(src_uri).page
            page.present_anchor_ids = anchors
            # None, as MkDocs leaves it in a verbose (DEBUG) build, which checks no anchors
            page.links_to_anchors = None if links is None else {files.get_file_from_path(to): found for to, found in links.items()}
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


def _size(file) -> int:
    try:
        return os.path.getsize(file.abs_src_path)
    except (TypeError, OSError):  # a page made by a plugin, with no file of its own
        return 0


def _render_stub(page, config, files) -> None:
    """Page.render for a page a worker builds: what rendering its empty Markdown would give."""
    page.content = ""
    page.toc = get_toc([])
    page._title_from_render = None
    page.present_anchor_ids = set()
    page.links_to_anchors = {}


def _populated(worker: _Worker) -> dict:
    """The worker's report on the pages it read: {src_uri: (anchors, links to anchors)}."""
    if worker.populated is None:
        worker.populated, front_matter = _receive(worker, "populated")
        _state.front_matter.update(front_matter)
    return worker.populated


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
    _state.shared.clear()
    _state.front_matter.clear()
    _state.failure = None
    if _state.claims is not None:
        _state.claims.close()
        _state.claims = None


# --- a worker -----------------------------------------------------------------------------


class _Collect(logging.Handler):
    """Keeps a worker's log records (WARNING and above: what --strict counts) for the main process."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.records: list[tuple[str, int, str]] = []
        self._last = None  # the handler sits on two loggers: a record reaches it twice, one after the other

    def emit(self, record):
        if record is not self._last:
            self._last = record
            self.records.append((record.name, record.levelno, record.getMessage()))

    def take(self) -> list[tuple[str, int, str]]:
        taken, self.records = self.records, []
        return taken


def _work(number: int, shared: list, conn: Connection, config, files, nav) -> None:
    """Claim, read, convert and write pages until none is left, report, and end the process (never returns)."""
    from mkdocs.commands.build import _build_page, _populate_page

    collect = _Collect()
    for name in ("", "mkdocs"):  # stop the console handlers: the main process logs what we report
        logger = logging.getLogger(name)
        for handler in list(logger.handlers):
            logger.removeHandler(handler)
        logger.addHandler(collect)
    claims = _state.claims
    _state.workers.clear()
    _state.claims = None
    _state.worker = True
    code = 0
    mine = []
    try:
        # The pages in the navigation, read and converted here too (the main process builds them):
        # the navigation shows their titles, which can come from their content.
        for page in nav.pages:
            if page.content is None:
                _populate_page(page, config, files)
        collect.take()  # the main process reports those pages' own warnings
        while (index := claims.take_next()) is not None:
            file = shared[index]
            if file.page is None:
                Page(None, file, config)
            _populate_page(file.page, config, files)
            mine.append(file)
        conn.send(("populated", ({
            f.src_uri: (f.page.present_anchor_ids, None if f.page.links_to_anchors is None else
                        {to.src_uri: found for to, found in f.page.links_to_anchors.items()})
            for f in mine
        }, {f.src_uri: _state.front_matter[f.src_uri] for f in mine}), collect.take()))
        env = config.plugins.on_env(config.theme.get_env(), config=config, files=files)
        doc_files = files.documentation_pages(inclusion=InclusionLevel.is_included)
        mine.sort(key=lambda f: _state.shared[f.src_uri])
        for file in mine:  # in MkDocs' order, as one process would
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
