"""Build the briefing pages on every CPU core.

MkDocs renders pages one after another, and most of a build is spent on the
briefings. :class:`ParallelBuild` shares those pages (and the long lists of
them: beat and archive pages) out between forked copies of the build:

- Just before MkDocs reads the pages (``nav``, the last event before), the
  build forks ``jobs - 1`` workers, each a copy of the build as it stands.
- The shared pages (``SHARED_PREFIXES``, not in the navigation) are claimed
  one at a time (:class:`Claims`): the main process claims each as MkDocs
  reaches it unless a worker has; the workers take them from the other end
  (``worker_order``), until none is left. The main process keeps every
  other page; a worker converts the pages in the navigation too, without
  writing them, as their titles appear on every page.
- A worker reads, converts and renders its pages with MkDocs' own page
  functions, writes their HTML into the same site folder, reports back and
  exits. Static files, the sitemap, the 404 page and the search index are
  written by the main process alone.
- The main process skips the pages a worker claimed: no Markdown to convert
  and an empty template, so MkDocs writes no file for them. Their front
  matter (for the search entries) comes in the worker's report. These pages
  get compact search entries (generator/site/search.py), which is why the
  main process never needs their HTML.
- Every warning or error a worker logs is logged again by the main process,
  so ``--strict`` fails as in one process; a worker's anchors and links to
  anchors are handed back, so MkDocs checks every link to an anchor.

The output is the same byte for byte as a one-process build (tested). It
relies on MkDocs internals listed in the README's upgrade checklist. It runs
only where it is safe and worth it: a ``fork`` start (Linux), no other
thread running, not under ``mkdocs serve``, not for ``--dirty`` builds, and
only with at least ``PAGES_PER_JOB`` shared pages per process.
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
from dataclasses import dataclass
from multiprocessing.connection import Connection, Pipe

import jinja2
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import InclusionLevel
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import get_toc

from .search import BRIEFINGS_PREFIX, LIST_PREFIXES

#: Pages shared out between processes: pages with compact search entries only (tested),
#: so that the main process never needs their HTML. Pages in the navigation stay with it.
SHARED_PREFIXES = (BRIEFINGS_PREFIX, *LIST_PREFIXES)
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


class Claims:
    """Who builds which shared page: each page is taken by exactly one process.

    In memory shared by every process (an anonymous shared mapping, inherited
    through fork), under one lock: one byte per page (taken or not), how many
    are taken, and the workers' place in their common ``order``. Neither side
    waits for the other.
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

    From the back, so that the main process, going from the front, meets them
    in the middle; but the long pages (over ``LONG_PAGE`` times the median)
    first, also from the back, so that each process converts a share of them
    and is left with a like number of pages to put through the template.
    """
    if not sizes:
        return []
    median = sorted(sizes)[len(sizes) // 2]
    long = [i for i, size in enumerate(sizes) if size > LONG_PAGE * max(median, 1)]
    is_long = set(long)
    return long[::-1] + [i for i in range(len(sizes) - 1, -1, -1) if i not in is_long]


def jobs_from_env() -> int | None:
    """The process count in ``BRIEFINGS_SITE_JOBS``; None when unset or 'auto'."""
    value = os.environ.get(JOBS_ENV)
    if value in (None, "", "auto"):
        return None
    try:
        jobs = int(value)
    except ValueError:
        raise PluginError(f"{JOBS_ENV} must be a whole number of processes (1 or more) or 'auto', not {value!r}") from None
    if jobs < 1:
        raise PluginError(f"{JOBS_ENV} must be 1 or more, not {jobs}")
    return jobs


def _usable_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


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


class ParallelBuild:
    """One build's processes: the plugin calls it at each event; it keeps nothing between builds."""

    def __init__(self) -> None:
        self.dirty = False
        self.serving = False  # mkdocs serve
        self.worker = False  # True in a worker process
        self._failure: PluginError | None = None  # a worker's, met while MkDocs was reading a page
        self._workers: list[_Worker] = []
        self._claims: Claims | None = None
        self._shared: dict[str, int] = {}  # src_uri of each shared page → its index
        self._skipped: set[str] = set()  # src_uris the main process leaves to workers
        self._front_matter: dict[str, bytes] = {}  # workers' pages, as they read it

    # --- deciding ---------------------------------------------------------------------

    def plan(self, asked: int | None, shared_pages: int) -> int:
        """How many processes build this site (1: MkDocs alone); ``asked`` None means as many as CPUs."""
        if asked == 1 or self.dirty or self.serving or not hasattr(os, "fork") or threading.active_count() > 1:
            return 1
        if asked is None:
            if not sys.platform.startswith("linux"):
                return 1
            asked = min(_usable_cpus(), MAX_JOBS, shared_pages // PAGES_PER_JOB)
        return max(1, min(asked, MAX_JOBS, shared_pages))

    def builds_here(self, page) -> bool:
        """False for a page the main process leaves to a worker (it is not rendered here)."""
        return page.file.src_uri not in self._skipped

    # --- events, in the order MkDocs calls them ---------------------------------------

    def fork(self, asked: int | None, config, files, nav) -> None:
        """Before pages are read: fork the workers, if the build is worth sharing out."""
        in_nav = {page.file.src_uri for page in nav.pages}
        shared = [f for f in files.documentation_pages(inclusion=InclusionLevel.is_included)
                  if f.src_uri.startswith(SHARED_PREFIXES) and f.src_uri not in in_nav]
        jobs = self.plan(asked, len(shared))
        if jobs == 1:
            return
        self._shared = {f.src_uri: n for n, f in enumerate(shared)}
        self._claims = Claims(len(shared), worker_order([_size(f) for f in shared]))
        sys.stdout.flush()
        sys.stderr.flush()
        for number in range(1, jobs):
            receive, send = Pipe(duplex=False)
            pid = os.fork()
            if pid == 0:
                receive.close()
                for earlier in self._workers:
                    earlier.conn.close()
                self._work(number, shared, send, config, files, nav)  # never returns
            send.close()
            self._workers.append(_Worker(number, pid, receive))
        log.info(f"Building {len(shared)} briefing, beat and archive pages in {jobs} processes")

    def pre_page(self, page) -> None:
        index = self._shared.get(page.file.src_uri)
        if index is None or self._claims is None or self._claims.take(index):
            return
        self._skipped.add(page.file.src_uri)
        if self._claims.all_taken() and self._failure is None:
            # The workers are finishing their last pages. Their reports carry the front
            # matter they read, so it is not read and parsed here a second time.
            try:
                for worker in self._workers:
                    self._populated(worker)
            except PluginError as failure:  # not this page's: raised once every page is read
                self._failure = failure

    def read_source(self, page) -> str | None:
        if page.file.src_uri in self._front_matter:
            return ""  # its front matter comes from the worker that read it (markdown)
        return None

    def markdown(self, markdown: str, page) -> str:
        """First of the page's Markdown handlers: other handlers can tell a page built elsewhere."""
        uri = page.file.src_uri
        if self.worker:
            if uri in self._shared:  # as read, before other handlers change it (they will, in both processes)
                self._front_matter[uri] = pickle.dumps(page.meta, pickle.HIGHEST_PROTOCOL)
            return markdown
        if uri in self._skipped:
            if uri in self._front_matter:
                page.meta = pickle.loads(self._front_matter.pop(uri))
            page.meta["template"] = SKIP_TEMPLATE
            page.render = types.MethodType(_render_stub, page)  # no Markdown to convert
            return ""
        return markdown

    def env(self, env, files):
        """Every page is read: take the workers' anchors, and render their pages as nothing here."""
        if self._failure is not None:
            raise self._failure
        if not self._workers:
            return env
        env.loader = jinja2.ChoiceLoader([jinja2.DictLoader({SKIP_TEMPLATE: ""}), env.loader])
        for worker in self._workers:
            for src_uri, (anchors, links) in self._populated(worker).items():
                page = files.get_file_from_path(src_uri).page
                page.present_anchor_ids = anchors
                # None, as MkDocs leaves it in a verbose (DEBUG) build, which checks no anchors
                page.links_to_anchors = None if links is None else {files.get_file_from_path(to): found for to, found in links.items()}
        return env

    def finish(self) -> None:
        """Every page of the main process is written: wait for the workers' last reports."""
        try:
            for worker in self._workers:
                self._receive(worker, "done")
        finally:
            self.reap()

    def reap(self) -> None:
        """Stop and collect any worker still running (a failed build, an interrupted one); forget the build."""
        for worker in self._workers:
            if worker.pid:
                try:
                    os.kill(worker.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self._wait(worker)
            worker.conn.close()
        self._workers.clear()
        self._skipped.clear()
        self._shared.clear()
        self._front_matter.clear()
        self._failure = None
        if self._claims is not None:
            self._claims.close()
            self._claims = None

    # --- the main process's side --------------------------------------------------------

    def _populated(self, worker: _Worker) -> dict:
        """The worker's report on the pages it read: {src_uri: (anchors, links to anchors)}."""
        if worker.populated is None:
            worker.populated, front_matter = self._receive(worker, "populated")
            self._front_matter.update(front_matter)
        return worker.populated

    def _receive(self, worker: _Worker, expected: str):
        """The worker's next report: its log records are logged here, its failure becomes this build's."""
        try:
            kind, payload, records = worker.conn.recv()
        except (EOFError, OSError, pickle.UnpicklingError):
            status = self._wait(worker)
            raise PluginError(f"The process building briefings {worker.number + 1} of {len(self._workers) + 1} "
                              f"stopped without reporting ({status}).") from None
        for name, level, message in records:
            logging.getLogger(name).log(level, message)
        if kind == "failed":
            raise PluginError(f"Building briefings in process {worker.number + 1} failed: {payload}")
        if kind != expected:  # pragma: no cover - a bug in this module
            raise PluginError(f"process {worker.number + 1} sent {kind!r} instead of {expected!r}")
        if kind == "done":
            worker.done = True
            self._wait(worker)
        return payload

    @staticmethod
    def _wait(worker: _Worker) -> str:
        try:
            _, status = os.waitpid(worker.pid, 0)
        except ChildProcessError:
            return "already gone"
        worker.pid = 0
        if os.WIFSIGNALED(status):
            return f"killed by signal {os.WTERMSIG(status)}"
        return f"exit status {os.waitstatus_to_exitcode(status)}"

    # --- a worker -----------------------------------------------------------------------

    def _work(self, number: int, shared: list, conn: Connection, config, files, nav) -> None:
        """Claim, read, convert and write pages until none is left, report, and end the process (never returns)."""
        from mkdocs.commands.build import _build_page, _populate_page

        collect = _Collect()
        for name in ("", "mkdocs"):  # stop the console handlers: the main process logs what we report
            logger = logging.getLogger(name)
            for handler in list(logger.handlers):
                logger.removeHandler(handler)
            logger.addHandler(collect)
        claims = self._claims
        self._workers.clear()
        self._claims = None
        self.worker = True
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
            }, {f.src_uri: self._front_matter[f.src_uri] for f in mine}), collect.take()))
            env = config.plugins.on_env(config.theme.get_env(), config=config, files=files)
            doc_files = files.documentation_pages(inclusion=InclusionLevel.is_included)
            mine.sort(key=lambda f: self._shared[f.src_uri])
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
