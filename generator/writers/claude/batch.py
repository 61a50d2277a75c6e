"""Writing stories through the Message Batches API (half price, asynchronous).

``BatchRun.run`` takes the requests that missed the response cache, resumes
any recorded batch that already covers some of them, submits one new batch
for the rest, polls until every batch has ended (or ``max_wait`` runs out),
and files each accepted answer in the response cache. An answer the guard
rejects is retried once, in a follow-up batch that carries the rejected
answer and the reason (or, after a refusal, the original request alone).
What could not be written comes back as
``{key: reason}``; the caller builds briefings from the cache.

Each request's ``custom_id`` is its response-cache key, so results map back
to stories however the API orders them. Results of a resumed batch for
stories this run does not need are dropped (their requests' keys are gone).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable, Sequence

from ...models import Item
from .api import API_ERRORS, Client, sdk_call
from .cache import Pending, PendingBatches, PendingRequest, ResponseCache
from .guard import Rejection, explain
from .prompt import next_attempt
from .usage import Meter, tokens

#: (message JSON, items) -> why the answer may not be published, or None.
Judge = Callable[[dict[str, Any], Sequence[Item]], "Rejection | None"]


@dataclass(frozen=True)
class Wanted:
    """One request this run needs answered."""

    key: str
    request: dict[str, Any]
    items: tuple[Item, ...]


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
        max_wait: float | None,
    ):
        self.client = client
        self.cache = cache
        self.pending = pending
        self.meter = meter
        self.judge = judge
        self.poll_interval = poll_interval
        self.max_wait = max_wait
        self.errors: dict[str, str] = {}
        self.wanted: dict[str, Wanted] = {}
        self.spent: dict[str, dict[str, int]] = {}

    def run(self, wanted: Sequence[Wanted]) -> dict[str, str]:
        """Answer every wanted request into the cache; return {key: reason} for those that failed."""
        self.wanted = {w.key: w for w in wanted}
        if not self.wanted:
            return {}
        active = [p for p in self.pending.all() if p.keys & self.wanted.keys()]
        covered = set().union(*(p.keys for p in active)) if active else set()
        fresh = [w for w in self.wanted.values() if w.key not in covered]
        if fresh:
            requests = {w.key: (PendingRequest(w.key), w.request) for w in fresh}
            try:
                active.append(self._submit(requests))
            except API_ERRORS as exc:
                self._fail(self.wanted.keys(), f"could not submit the batch: {self.client.describe(exc)}")
                return self.errors
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
        pending = Pending(batch.id, {custom_id: entry for custom_id, (entry, _) in requests.items()})
        self.pending.record(pending)
        return pending

    def _poll(self, active: list[Pending]) -> None:
        deadline = None if self.max_wait is None else time.monotonic() + self.max_wait
        client = self.client.get()
        while active:
            waiting: list[Pending] = []
            for pending in active:
                try:
                    with sdk_call():
                        batch = client.messages.batches.retrieve(pending.batch_id)
                        lines = list(client.messages.batches.results(pending.batch_id)) if batch.processing_status == "ended" else None
                except API_ERRORS as exc:
                    self._fail(
                        pending.keys,
                        f"lost contact with batch {pending.batch_id} ({self.client.describe(exc)}); "
                        "it stays recorded and the next run collects it",
                    )
                    continue
                if lines is None:
                    waiting.append(pending)
                    continue
                try:
                    follow_up = self._collect(pending, lines)
                except API_ERRORS as exc:
                    self._fail(pending.keys, f"could not submit the retries of batch {pending.batch_id}: {self.client.describe(exc)}")
                    continue
                if follow_up is not None:
                    waiting.append(follow_up)
            active = waiting
            if not active:
                return
            if deadline is not None and time.monotonic() + self.poll_interval > deadline:
                for pending in active:
                    self._fail(
                        pending.keys,
                        f"batch {pending.batch_id} is still processing after {self.max_wait:g} s; "
                        "run the build again to collect it (nothing is sent twice)",
                    )
                return
            time.sleep(self.poll_interval)

    def _collect(self, pending: Pending, lines: Sequence[Any]) -> Pending | None:
        """File an ended batch's results; submit the retries it calls for; forget the batch."""
        retries: dict[str, tuple[PendingRequest, dict[str, Any]]] = {}
        seen: set[str] = set()
        for line in lines:
            entry = pending.requests.get(line.custom_id)
            if entry is None or entry.key not in self.wanted:
                continue
            seen.add(line.custom_id)
            wanted = self.wanted[entry.key]
            result = line.result
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
            elif entry.attempt == 1 and rejection.retry != "none":
                retry = next_attempt(wanted.request, message, rejection.reason, rejection.retry)
                retries[_retry_id(entry.key)] = (PendingRequest(entry.key, 2, rejection.reason), retry)
            else:
                earlier = [Rejection(entry.reason)] if entry.attempt > 1 else []
                self._fail({entry.key}, explain([*earlier, rejection]))
        for custom_id, entry in pending.requests.items():
            if entry.key in self.wanted and custom_id not in seen:
                self._fail({entry.key}, f"batch {pending.batch_id} ended without a result for this story")
        follow_up = self._submit(retries) if retries else None
        self.pending.forget(pending.batch_id)
        return follow_up

    def _add_spent(self, key: str, message: dict[str, Any]) -> dict[str, int]:
        total = self.spent.setdefault(key, dict.fromkeys(tokens(None), 0))
        for name, count in tokens(message.get("usage")).items():
            total[name] += count
        return dict(total)

    def _fail(self, keys: Any, reason: str) -> None:
        for key in keys:
            if key in self.wanted:
                self.errors[key] = reason

