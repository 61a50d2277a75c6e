"""Writing stories through the Message Batches API (half price, asynchronous).

``BatchRun.run`` takes the requests that missed the response cache, resumes
any recorded batch that already covers some of them, submits one new batch
for the rest, polls with a growing interval until every batch has ended (or
``max_wait`` runs out), and files each accepted answer in the response
cache. An answer the guard rejects is retried once, in a follow-up batch
that carries the rejected answer and the reason (or, after a refusal, the
original request alone). What could not be written comes back as
``{key: reason}``; the caller builds briefings from the cache.

A recorded batch can no longer be collected when the API has forgotten it
(404), archived it (``archived_at``: its results are gone) or when it is
older than the 29 days the API keeps results. Such a batch is forgotten,
the log says so, and its stories go out again in a new batch, once per run.
Requests that expired unprocessed (a batch ends after 24 hours) go out
again the same way.

Each request's ``custom_id`` is its response-cache key, so results map back
to stories however the API orders them. Results of a resumed batch for
stories this run does not need are dropped (their requests' keys are gone).
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator, Sequence

import anthropic

from ...models import Item
from .api import API_ERRORS, Client, sdk_call
from .cache import Pending, PendingBatches, PendingRequest, ResponseCache
from .guard import Rejection, explain
from .prompt import next_attempt
from .usage import Meter, tokens

#: (message JSON, items) -> why the answer may not be published, or None.
Judge = Callable[[dict[str, Any], Sequence[Item]], "Rejection | None"]

#: How long the API keeps a batch's results after creating it.
RESULTS_KEPT = dt.timedelta(days=29)

#: Each wait between polls is this much longer than the one before, up to ``max_poll_interval``.
BACKOFF = 1.5


@dataclass(frozen=True)
class Wanted:
    """One request this run needs answered."""

    key: str
    request: dict[str, Any]
    items: tuple[Item, ...]
    #: How the progress display names the story.
    label: str = ""


class Tracker:
    """What the run tells the person waiting: stories finished, and notes on the batches."""

    def finished(self, key: str, status: str) -> None:
        """A story is done for this run: written, or failed for good."""

    def note(self, text: str) -> None:
        """Something about the batches: submitted, still processing, forgotten, sent again."""


def backoff(first: float, most: float) -> Iterator[float]:
    """Waits between polls: ``first``, then each ``BACKOFF`` times longer, never more than ``most``."""
    wait = first
    while True:
        yield min(wait, most)
        wait *= BACKOFF


def _retry_id(key: str) -> str:
    return f"r-{key[:62]}"


class BatchRun:
    """One run of batch mode over the requests that missed the cache."""

    def __init__(
        self,
        client: Client,
        cache: ResponseCache,
        pending: PendingBatches,
        meter: Meter,
        judge: Judge,
        *,
        poll_interval: float,
        max_poll_interval: float,
        max_wait: float | None,
        tracker: Tracker | None = None,
        clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.timezone.utc),
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.client = client
        self.cache = cache
        self.pending = pending
        self.meter = meter
        self.judge = judge
        self.poll_interval = poll_interval
        self.max_poll_interval = max(max_poll_interval, poll_interval)
        self.max_wait = max_wait
        self.tracker = tracker or Tracker()
        self.clock = clock
        self.sleep = sleep
        self.errors: dict[str, str] = {}
        self.wanted: dict[str, Wanted] = {}
        self.spent: dict[str, dict[str, int]] = {}
        #: Keys sent again this run after their batch was lost or their request expired.
        self.resent: set[str] = set()

    def run(self, wanted: Sequence[Wanted]) -> dict[str, str]:
        """Answer every wanted request into the cache; return {key: reason} for those that failed."""
        self.wanted = {w.key: w for w in wanted}
        if not self.wanted:
            return {}
        active: list[Pending] = []
        for pending in self.pending.all():
            if self._too_old(pending):
                self._forget(pending, f"batch {pending.batch_id} is older than the {RESULTS_KEPT.days} days "
                                      "the API keeps results")
            elif pending.keys & self.wanted.keys():
                active.append(pending)
        covered = set().union(*(p.keys for p in active)) if active else set()
        fresh = [w for w in self.wanted.values() if w.key not in covered]
        if fresh:
            try:
                active.append(self._submit({w.key: (PendingRequest(w.key), w.request) for w in fresh}))
            except API_ERRORS as exc:
                self._fail((w.key for w in fresh), f"could not submit the batch: {self.client.describe(exc)}")
        self._poll(active)
        return self.errors

    # -- steps -------------------------------------------------------------

    def _submit(self, requests: dict[str, tuple[PendingRequest, dict[str, Any]]]) -> Pending:
        """Create a batch of {custom_id: (what it stands for, params)} and record it before anything else."""
        client = self.client.get()
        self.meter.request(len(requests))
        with sdk_call():
            batch = client.messages.batches.create(
                requests=[{"custom_id": custom_id, "params": params} for custom_id, (_, params) in requests.items()]
            )
        pending = Pending(batch.id, {custom_id: entry for custom_id, (entry, _) in requests.items()}, batch.created_at)
        self.pending.record(pending)
        self.tracker.note(f"batch {batch.id} submitted: {len(requests)} request{'s' if len(requests) != 1 else ''}")
        return pending

    def _poll(self, active: list[Pending]) -> None:
        deadline = None if self.max_wait is None else time.monotonic() + self.max_wait
        waits = backoff(self.poll_interval, self.max_poll_interval)
        while active:
            waiting: list[Pending] = []
            lost: list[PendingRequest] = []
            for pending in active:
                try:
                    with sdk_call():
                        batch = self.client.get().messages.batches.retrieve(pending.batch_id)
                        ended = batch.processing_status == "ended" and batch.archived_at is None
                        lines = list(self.client.get().messages.batches.results(pending.batch_id)) if ended else None
                except anthropic.NotFoundError:
                    lost += self._forget(pending, f"batch {pending.batch_id} is gone from the API (HTTP 404)")
                    continue
                except API_ERRORS as exc:
                    self._fail(
                        pending.keys,
                        f"lost contact with batch {pending.batch_id} ({self.client.describe(exc)}); "
                        "it stays recorded and the next run collects it",
                    )
                    continue
                if batch.archived_at is not None:
                    lost += self._forget(pending, f"batch {pending.batch_id} was archived and its results are gone")
                    continue
                if lines is None:
                    counts = batch.request_counts
                    self.tracker.note(f"batch {pending.batch_id}: {counts.processing} processing, "
                                      f"{counts.succeeded} succeeded, {counts.errored + counts.expired + counts.canceled} not")
                    waiting.append(pending)
                    continue
                again = self._collect(pending, lines)
                if again:
                    try:
                        waiting.append(self._submit(again))
                    except API_ERRORS as exc:
                        self._fail((entry.key for entry, _ in again.values()),
                                   f"could not submit the follow-up batch: {self.client.describe(exc)}")
                self.pending.forget(pending.batch_id)
            if lost:
                again = self._again(lost)
                if again:
                    try:
                        waiting.append(self._submit(again))
                    except API_ERRORS as exc:
                        self._fail((entry.key for entry, _ in again.values()), f"could not submit the batch: {self.client.describe(exc)}")
            active = waiting
            if not active:
                return
            wait = next(waits)
            if deadline is not None and time.monotonic() + wait > deadline:
                for pending in active:
                    self._fail(
                        pending.keys,
                        f"batch {pending.batch_id} is still processing after {self.max_wait:g} s; "
                        "run the build again to collect it (nothing is sent twice)",
                    )
                return
            self.tracker.note(f"waiting {wait:g} s for {len(active)} batch{'es' if len(active) != 1 else ''}")
            self.sleep(wait)

    def _collect(self, pending: Pending, lines: Sequence[Any]) -> dict[str, tuple[PendingRequest, dict[str, Any]]]:
        """File an ended batch's results; return the requests to send again (retries, expired ones)."""
        again: dict[str, tuple[PendingRequest, dict[str, Any]]] = {}
        expired: list[PendingRequest] = []
        seen: set[str] = set()
        for line in lines:
            entry = pending.requests.get(line.custom_id)
            if entry is None or entry.key not in self.wanted:
                continue
            seen.add(line.custom_id)
            wanted = self.wanted[entry.key]
            result = line.result
            if result.type == "expired":
                expired.append(entry)
                continue
            if result.type != "succeeded":
                detail = ""
                if result.type == "errored":
                    error = result.error.error
                    detail = f": {error.type}: {error.message}"
                self._fail({entry.key}, f"the batch request {result.type}{detail}")
                continue
            message = result.message.model_dump(mode="json")
            self.meter.usage(message.get("usage"), batch=True)
            spent = self._add_spent(entry.key, message)
            rejection = self.judge(message, wanted.items)
            if rejection is None:
                self.cache.store(entry.key, {"message": message, "usage": spent, "attempts": entry.attempt, "batch": True})
                self.errors.pop(entry.key, None)
                self.tracker.finished(entry.key, "written" if entry.attempt == 1 else "written on the retry")
            elif entry.attempt == 1 and rejection.retry != "none":
                retry = next_attempt(wanted.request, message, rejection.reason, rejection.retry)
                again[_retry_id(entry.key)] = (PendingRequest(entry.key, 2, rejection.reason), retry)
                self.tracker.note(f"{wanted.label or entry.key}: retrying in a follow-up batch ({rejection.reason})")
            else:
                earlier = [Rejection(entry.reason)] if entry.attempt > 1 else []
                self._fail({entry.key}, explain([*earlier, rejection]))
        for custom_id, entry in pending.requests.items():
            if entry.key in self.wanted and custom_id not in seen:
                self._fail({entry.key}, f"batch {pending.batch_id} ended without a result for this story")
        if expired:
            self.tracker.note(f"{len(expired)} request{'s' if len(expired) != 1 else ''} of batch {pending.batch_id} "
                              "expired before the API processed them")
            again.update(self._again(expired))
        return again

    # -- lost batches and expired requests ------------------------------------

    def _too_old(self, pending: Pending) -> bool:
        return pending.created_at is not None and self.clock() - pending.created_at > RESULTS_KEPT

    def _forget(self, pending: Pending, why: str) -> list[PendingRequest]:
        """Drop a batch that can no longer be collected; return its entries this run still wants."""
        self.pending.forget(pending.batch_id)
        entries = [entry for entry in pending.requests.values() if entry.key in self.wanted]
        stories = len({entry.key for entry in entries})
        self.tracker.note(f"{why}: forgotten; {stories} of its stories will be sent again" if stories else f"{why}: forgotten")
        return entries

    def _again(self, entries: Iterable[PendingRequest]) -> dict[str, tuple[PendingRequest, dict[str, Any]]]:
        """The requests to send again for these entries, each story once per run; the others fail."""
        again: dict[str, tuple[PendingRequest, dict[str, Any]]] = {}
        for entry in entries:
            if entry.key in self.resent:
                self._fail({entry.key}, "its batch request was lost or expired twice in this run; the next run sends it again")
                continue
            self.resent.add(entry.key)
            # A lost retry's own request was not recorded: the story starts again from its first request.
            again[entry.key] = (PendingRequest(entry.key), self.wanted[entry.key].request)
        return again

    # -- bookkeeping ------------------------------------------------------------

    def _add_spent(self, key: str, message: dict[str, Any]) -> dict[str, int]:
        total = self.spent.setdefault(key, dict.fromkeys(tokens(None), 0))
        for name, count in tokens(message.get("usage")).items():
            total[name] += count
        return dict(total)

    def _fail(self, keys: Iterable[str], reason: str) -> None:
        for key in keys:
            if key in self.wanted:
                self.errors[key] = reason
                self.tracker.finished(key, f"failed: {reason}")
