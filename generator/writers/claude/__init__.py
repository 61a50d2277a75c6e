"""The Claude writer: a story's posts in, a sourced narrative briefing out.

Each story becomes one Messages API request (see ``prompt``): the
items as citation-enabled ``search_result`` blocks, a cached system prompt
in the voice of a magazine column, and a one-line task. The answer is parsed
into spans whose footnotes come from the API's citations (``parse``)
and checked before anything is published (``guard``); a rejected
answer is tried once more -- with the reason, or, after a refusal, from a
fresh context -- and a second rejection becomes an ``Outcome`` with an
error: nothing is published for that story.

Cost and speed: accepted answers are kept on disk (``cache``) under a
key of the items, prompt version, model and parameters, so an unchanged
story never calls the API again; stories are written on a bounded thread
pool; ``batch=True`` goes through the Message Batches API at half price and
resumes a batch left pending by an interrupted run. ``summary()`` reports
requests, cache hits, tokens and an estimated cost.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

import anthropic

from ...errors import WriterError
from ...models import Briefing, Config, Item
from ...progress import Report, Step
from .. import Job, Outcome
from .api import API_ERRORS, Client
from .batch import BatchRun, Tracker, Wanted
from .cache import PendingBatches, ResponseCache
from .guard import Rejection, check, explain
from .parse import Draft, parse
from .prompt import PROMPT_VERSION, Guide, build_request, cache_plan, fingerprint, next_attempt, request_key
from .usage import Meter, Totals, tokens

__all__ = ["ClaudeWriter", "PROMPT_VERSION"]


class ClaudeWriter:
    """Writes briefings with Claude through the Messages API (or its Batches API).

    ``config`` (feeds.yaml) gives the beats and feeds for the guide to every
    beat in the system prompt, the same for every story of a run; the prompt
    cache holds the system prompt when it reaches the model's minimum
    (``cache_plan``). ``client`` is an ``anthropic.Anthropic`` to use instead of one built from
    the environment (``ANTHROPIC_API_KEY``, ``ANTHROPIC_BASE_URL``); either
    way the writer's ``max_retries`` applies. ``timeout`` None (the default)
    leaves each call's timeout to the SDK, which sizes it to ``max_tokens``;
    a number overrides it (the tests use short ones). ``batch_wait``
    bounds how long batch mode waits for a batch (None: until it ends); a
    batch still processing then is collected by the next run. Batch mode
    polls after ``poll_interval`` seconds, then waits longer each time, up to
    ``max_poll_interval``. ``progress`` receives a ``Step`` for every story
    finished (and for what batches do while a run waits on them), with the
    running cost.
    """

    name = "claude"

    def __init__(
        self,
        model: str,
        *,
        batch: bool = False,
        concurrency: int = 8,
        cache_dir: Path = Path(".cache/claude"),
        max_retries: int = 2,
        timeout: float | None = None,
        poll_interval: float = 10.0,
        max_poll_interval: float = 120.0,
        batch_wait: float | None = None,
        client: anthropic.Anthropic | None = None,
        config: Config | None = None,
        progress: Report | None = None,
    ):
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self.model = model
        self.guide = Guide(config.beats, config.feeds) if config is not None else Guide()
        self.cache_plan = cache_plan(self.guide, model)
        # With a cacheable prompt, the first request goes alone: the cache it writes is
        # readable only once its answer has started, so requests sent beside it would
        # each write the cache again.
        self._warm = threading.Event()
        if not self.cache_plan.cached:
            self._warm.set()
        self._warm_lock = threading.Lock()
        self.batch = batch
        self.concurrency = concurrency
        self.cache_dir = Path(cache_dir)
        self.poll_interval = poll_interval
        self.max_poll_interval = max_poll_interval
        self.batch_wait = batch_wait
        self.progress = progress
        self._client = Client(client, max_retries=max_retries, timeout=timeout)
        self._cache = ResponseCache(self.cache_dir)
        self._pending = PendingBatches(self.cache_dir)
        self._meter = Meter(model)

    # -- the Writer protocol -------------------------------------------------

    def fingerprint(self) -> str:
        """A hash of the prompt version, the model and the request parameters."""
        return fingerprint(self.model, self.guide)

    def write_all(self, jobs: Iterable[Job]) -> Iterator[Outcome]:
        """Write every job; outcomes come back in job order, failures as ``Outcome.error``."""
        jobs = list(jobs)
        tracker = _Tracker(self.progress, self._meter, len(jobs))
        if self.batch:
            yield from self._write_batch(jobs, tracker)
            return
        pool = ThreadPoolExecutor(max_workers=self.concurrency, thread_name_prefix="claude-writer")
        try:
            futures = [pool.submit(self._write_tracked, job, n, tracker) for n, job in enumerate(jobs)]
            for future in futures:
                yield future.result()
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    def summary(self) -> str:
        """Requests, cache hits, tokens and the estimated cost; then whether the prompt cache applies."""
        return f"{self._meter.summary()}\nclaude: prompt cache: {self.cache_plan.describe(self.model)}"

    @property
    def totals(self) -> Totals:
        """Requests, cache hits and tokens so far."""
        return self._meter.totals()

    # -- one story at a time ---------------------------------------------------

    def _write_tracked(self, job: Job, n: int, tracker: "_Tracker") -> Outcome:
        outcome, status = self._write_one(job)
        tracker.finished(str(n), f"{_label(job)}: {status}")
        return outcome

    def _write_one(self, job: Job) -> tuple[Outcome, str]:
        """Cache, else ask; a rejected answer is tried once more, as its rejection says. Also says how it went."""
        story = job.story
        request = build_request(story, job.beat, self.model, self.guide)
        key = request_key(story, request)
        cached = self._from_cache(job, key)
        if cached is not None:
            return cached, "from the response cache"
        spent = tokens(None)
        rejections: list[Rejection] = []
        attempt = request
        while True:
            try:
                message = self._create(attempt)
            except API_ERRORS as exc:
                failure = self._api_failure(job, exc)
                return failure, f"failed: {failure.error.message}"
            spent = _add(spent, message)
            draft, rejection = self._judge(message, story.items)
            if rejection is None:
                self._cache.store(key, {"message": message, "usage": spent, "attempts": len(rejections) + 1, "batch": False})
                status = f"written on the retry (first {rejections[0].reason})" if rejections else "written"
                return Outcome(job, briefing=self._briefing(job, draft, spent)), status
            rejections.append(rejection)
            if len(rejections) == 2 or rejection.retry == "none":
                why = explain(rejections)
                return Outcome(job, error=WriterError(story.id, why)), f"failed: {why}"
            attempt = next_attempt(request, message, rejection.reason, rejection.retry)

    def _create(self, request: dict[str, Any]) -> dict[str, Any]:
        """One Messages call; until one has answered, calls go one at a time (see ``_warm``)."""
        if not self._warm.is_set():
            with self._warm_lock:
                if not self._warm.is_set():
                    try:
                        return self._client.create(request, self._meter)
                    finally:
                        self._warm.set()
        return self._client.create(request, self._meter)

    def _api_failure(self, job: Job, exc: BaseException) -> Outcome:
        return Outcome(job, error=WriterError(job.story.id, f"Claude writer: {self._client.describe(exc)}"))

    def _from_cache(self, job: Job, key: str, *, hit: bool = True) -> Outcome | None:
        """The outcome from a cached answer, or None on a miss.

        A cached answer is parsed and checked again; one that no longer
        passes (the parser or guard changed) is discarded and rewritten.
        ``hit`` says whether to count it as a cache hit (not when batch mode
        reads back the answers it has just filed).
        """
        record = self._cache.load(key)
        if record is None:
            return None
        draft, rejection = self._judge(record["message"], job.story.items)
        if rejection is not None:
            self._cache.discard(key)
            return None
        if hit:
            self._meter.cache_hit()
        return Outcome(job, briefing=self._briefing(job, draft, record.get("usage") or tokens(None)))

    # -- batch mode --------------------------------------------------------------

    def _write_batch(self, jobs: Sequence[Job], tracker: "_Tracker") -> Iterator[Outcome]:
        """Cache hits first; one batch (or a resumed one) for the rest; outcomes in job order."""
        keys: list[str] = []
        ready: dict[int, Outcome] = {}
        wanted: dict[str, Wanted] = {}
        for n, job in enumerate(jobs):
            request = build_request(job.story, job.beat, self.model, self.guide)
            key = request_key(job.story, request)
            keys.append(key)
            tracker.labels.setdefault(key, _label(job))
            cached = self._from_cache(job, key)
            if cached is not None:
                ready[n] = cached
                tracker.finished(key, f"{_label(job)}: from the response cache")
            elif key not in wanted:
                wanted[key] = Wanted(key, request, job.story.items, _label(job))
        run = BatchRun(
            self._client,
            self._cache,
            self._pending,
            self._meter,
            lambda message, items: self._judge(message, items)[1],
            poll_interval=self.poll_interval,
            max_poll_interval=self.max_poll_interval,
            max_wait=self.batch_wait,
            tracker=tracker,
        )
        errors = run.run(list(wanted.values()))
        for n, (job, key) in enumerate(zip(jobs, keys)):
            if n in ready:
                yield ready[n]
            elif key in errors:
                yield Outcome(job, error=WriterError(job.story.id, f"Claude writer (batch): {errors[key]}"))
            else:
                outcome = self._from_cache(job, key, hit=False)
                yield outcome or Outcome(
                    job, error=WriterError(job.story.id, "Claude writer (batch): no answer was filed for this story")
                )

    # -- shared ------------------------------------------------------------------

    def _judge(self, message: dict[str, Any], items: Sequence[Item]) -> tuple[Draft, Rejection | None]:
        draft = parse(message.get("content") or (), items)
        return draft, check(draft, message.get("stop_reason"), message.get("stop_details"))

    def _briefing(self, job: Job, draft: Draft, spent: dict[str, int]) -> Briefing:
        return Briefing(
            story=job.story,
            headline=draft.headline,
            teaser=draft.teaser,
            paragraphs=draft.paragraphs,
            sources=job.story.items,
            writer=self.name,
            inputs_hash=job.inputs_hash,
            model=self.model,
            extra={
                "fidelity": dict(draft.fidelity),
                "cited_text": {index: list(texts) for index, texts in sorted(draft.cited_text.items()) if texts},
                "usage": dict(spent),
            },
        )


def _add(spent: dict[str, int], message: dict[str, Any]) -> dict[str, int]:
    """Token counts so far plus one more answer's."""
    more = tokens(message.get("usage"))
    return {name: spent.get(name, 0) + more[name] for name in more}


def _label(job: Job) -> str:
    """How the progress display names a story."""
    return f"story {job.story.id} ({job.beat.name})"


class _Tracker(Tracker):
    """Counts the stories finished and reports each step, with the running cost."""

    def __init__(self, report: Report | None, meter: Meter, total: int):
        self.report = report
        self.meter = meter
        self.total = total
        #: How each request key's story is named (batch mode reports by key).
        self.labels: dict[str, str] = {}
        self._done: set[str] = set()
        self._lock = threading.Lock()

    def finished(self, key: str, status: str) -> None:
        with self._lock:
            self._done.add(key)
        label = self.labels.get(key)
        self.note(f"{label}: {status}" if label and not status.startswith(label) else status)

    def note(self, text: str) -> None:
        if self.report is not None:
            with self._lock:
                done = len(self._done)
            self.report(Step(min(done, self.total), self.total, text, self.meter.cost_text()))
