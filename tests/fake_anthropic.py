"""A fake Anthropic Messages API, served over real HTTP for the real SDK to talk to.

``FakeAnthropic`` runs a ``ThreadingHTTPServer`` on 127.0.0.1 (a free port)
that speaks enough of the API for the Claude writer, and is strict about
what it accepts:

- every request body is checked against the SDK's own request types
  (``MessageCreateParamsNonStreaming``, ``BatchCreateParams``: unknown keys,
  missing keys, wrong types and unknown block types are a 400
  ``invalid_request_error`` naming the path, as the API does); a model id
  the SDK does not list is a 404 ``not_found_error``; the
  ``anthropic-version`` header is required;
- ``POST /v1/messages`` answers with a plausible 400-700-word briefing
  whose citations point into the ``search_result`` blocks of the request
  (``search_result_location`` with the result's index, the cited block
  range, its text, source and title): one citation that spans two blocks
  of a post, one text block that carries two citations, and usage numbers
  that show prompt-cache writes and reads (a cache entry is readable by
  requests that arrive after the answer that wrote it; a cache breakpoint
  whose prefix is under the model's minimum is refused, counted with the
  writer's own ``approx_tokens`` and ``catalog.min_cache_tokens``);
- ``POST /v1/messages/batches``, ``GET /v1/messages/batches/{id}`` and
  ``GET /v1/messages/batches/{id}/results`` (JSON Lines) run batches: a batch
  ends after ``batch_polls`` retrieves (never while ``hold_batches``), its
  results in another order than its requests. ``batch_outcomes`` makes the
  next batches end "expired" (every request expired) or "archived" (results gone);
  ``vanish_batches()`` forgets every batch (404 from then on) and
  ``age_batches(days)`` moves their creation into the past.

Faults are scripted per request: ``fake.script("429", "ok")`` makes the next
Messages request get a 429 and the one after it succeed; ``match=`` limits a
script to requests whose body contains a string (a story's item URL, say).
Modes:

    ok            a good briefing
    429 529 500   an API error (429 with retry-after-ms), which the SDK retries
    timeout       sleep ``timeout_sleep`` seconds (past the client's timeout), then answer
    malformed     HTTP 200 with a body that is not JSON
    refusal       stop_reason "refusal" with stop_details
    max_tokens    a briefing cut off mid-sentence, stop_reason "max_tokens"
    context_exceeded  the same, stop_reason "model_context_window_exceeded"
    pause_turn    the same, stop_reason "pause_turn"
    tool_use      a tool_use block and stop_reason "tool_use" (no tool was offered)
    thinking      a thinking block before a good briefing
    fake_quotes   a briefing quoting words that are in no search result
    gullible      an essay about cats that says it is following new instructions
    ask_more      asks for more information instead of writing
    meta          a briefing that talks about "the sources provided"
    short / long  a body far too short (a few dozen words) / too long (about 1,300)
    uncited_quote a verbatim quotation with no citation on it
    miscited_quote a verbatim quotation cited to the wrong search result
    markdown      a good briefing dressed in Markdown and labels

Besides scripts, the fake behaves like a gullible model: if text asking to
ignore instructions appears anywhere OUTSIDE a search_result block of a
request (system prompt or a user text block), it answers "gullible". Tests
assert it never has to (``fake.injections_seen == 0``).

Every request is recorded (``fake.requests``, with the time it arrived) for
assertions; ``latency`` delays every Messages answer (for benchmarks and
the concurrency test), and ``max_in_flight`` is the most Messages requests
served at once; ``rejected`` lists the 4xx answers the fake gave, so a test
can say the writer never sent a request the API would refuse.

Run ``python -m tests.fake_anthropic`` to serve one until interrupted.
"""

from __future__ import annotations

import collections.abc
import datetime as dt
import functools
import itertools
import json
import math
import re
import threading
import time
import types
import typing
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pydantic
import typing_extensions as te
from anthropic.types import ModelParam
from anthropic.types.message_create_params import MessageCreateParamsNonStreaming
from anthropic.types.messages.batch_create_params import BatchCreateParams

from generator.writers.claude.catalog import min_cache_tokens
from generator.writers.claude.prompt import approx_tokens

#: An imperative to drop one's instructions, as a prompt injection would put it.
INJECTION = re.compile(r"\b(?:ignore|disregard) (?:all |your |any |previous |prior |the |of |earlier )*instructions\b", re.IGNORECASE)
MODES = {
    "ok", "429", "529", "500", "timeout", "malformed", "refusal", "fake_quotes", "gullible", "ask_more",
    "meta", "short", "long", "uncited_quote", "miscited_quote", "markdown",
    "max_tokens", "context_exceeded", "pause_turn", "tool_use", "thinking",
}
#: Modes whose answer is a briefing cut off mid-sentence, with this stop reason.
CUT_OFF = {"max_tokens": "max_tokens", "context_exceeded": "model_context_window_exceeded", "pause_turn": "pause_turn"}
#: Every model id the SDK lists; any other is a 404, as the API answers an unknown model.
KNOWN_MODELS = frozenset(te.get_args(te.get_args(ModelParam)[0]))
#: Results of a batch are kept this long after it was created; then it is archived.
RESULTS_KEPT = dt.timedelta(days=29)
#: Words the "fake_quotes" answer puts in quotation marks; no test item may contain them.
INVENTED_QUOTE = "a betrayal of everything the open community ever stood for"

_FILLER = (
    "The argument is less about the technology than about who gets to describe it.",
    "Each side treats its own experience as the representative one, which is how a narrow dispute starts to sound like a referendum.",
    "What is striking is how quickly the tone moves from curiosity to suspicion.",
    "Nobody in the thread disputes the basic facts; the fight is over what they mean.",
    "Practitioners tend to answer in specifics, while commentators answer in principles, and the two rarely meet.",
    "That gap is where most of the heat comes from.",
    "There is also a quieter strand of the conversation that deserves more attention than it gets.",
    "It is made of people who have tried the thing, kept notes, and come away less certain than either camp.",
    "Their posts are shorter, drier and more useful.",
    "The louder voices, meanwhile, keep reaching for analogies that flatten the details.",
    "Some of this is the ordinary churn of online argument.",
    "But the same fault lines show up on platforms that share almost nothing else, which suggests something more durable.",
    "Read side by side, the posts describe a community renegotiating what it expects from its tools and from the people who build them.",
    "Trust, in this telling, is not lost in a single moment; it erodes with each release note that promises more than it delivers.",
    "The skeptics are right to ask for evidence, and the enthusiasts are right to point at what already works.",
    "What neither side has yet is a shared standard for deciding between them.",
)
_CLOSING = (
    "Where this goes next depends on whether anyone produces that standard. Expect the next round of the argument "
    "to be about measurement rather than belief: tests that practitioners trust, disclosures that critics accept, "
    "and a vocabulary precise enough that the two camps can finally disagree about the same thing. Until then the "
    "conversation will keep circling, a little louder each time a new post gives it something concrete to hold."
)
_CATS = (
    "Cats have shaped human homes for thousands of years, and they have never once asked permission. "
    "They sleep in the warmest spot, ignore the expensive bed and choose the cardboard box it came in. "
    "Their indifference is a kind of honesty that people find restful. "
)


# -- the SDK's request types, as a checker ----------------------------------------

_OPTIONAL_MARKS = {te.Required, te.NotRequired, typing.Required, typing.NotRequired}
_LISTS = {list, tuple, collections.abc.Iterable, collections.abc.Sequence, typing.Iterable, typing.Sequence}
_MAPS = {dict, collections.abc.Mapping, typing.Mapping}


@functools.lru_cache(maxsize=None)
def _hints(typed_dict: type) -> dict[str, Any]:
    return te.get_type_hints(typed_dict, include_extras=True)


def _required(typed_dict: type, hint: Any) -> bool:
    origin = te.get_origin(hint)
    if origin in (te.Required, typing.Required):
        return True
    if origin in (te.NotRequired, typing.NotRequired):
        return False
    return bool(getattr(typed_dict, "__total__", True))


def _strip(hint: Any) -> Any:
    while te.get_origin(hint) in _OPTIONAL_MARKS or te.get_origin(hint) is te.Annotated:
        hint = te.get_args(hint)[0]
    return hint


def _discriminated(option: Any, value: Any) -> bool:
    """True when ``value``'s "type" (or "role") is the one the TypedDict ``option`` stands for."""
    if not (te.is_typeddict(option) and isinstance(value, dict)):
        return False
    for key in ("type", "role"):
        hint = _strip(_hints(option).get(key))
        if te.get_origin(hint) is typing.Literal and key in value:
            return value[key] in te.get_args(hint)
    return False


def _same_kind(option: Any, value: Any) -> bool:
    """True when ``option`` describes the JSON kind of ``value`` (list, object or scalar)."""
    option = _strip(option)
    origin = te.get_origin(option)
    if isinstance(value, list):
        return origin in _LISTS or option in _LISTS
    if isinstance(value, dict):
        return te.is_typeddict(option) or origin in _MAPS or (isinstance(option, type) and issubclass(option, pydantic.BaseModel))
    return not (te.is_typeddict(option) or origin in _LISTS or origin in _MAPS)


def type_errors(value: Any, hint: Any, path: str) -> list[str]:
    """Where ``value`` (JSON data) breaks the SDK type ``hint``, one message per problem."""
    hint = _strip(hint)
    origin = te.get_origin(hint)
    if hint is Any or hint is object:
        return []
    if origin in (typing.Union, types.UnionType):
        options = [o for o in te.get_args(hint) if o is not type(None)]
        if value is None:
            return [] if len(options) < len(te.get_args(hint)) else [f"{path}: may not be null"]
        tried = []
        for option in options:
            errors = type_errors(value, option, path)
            if not errors:
                return []
            tried.append((not _same_kind(option, value), not _discriminated(option, value), len(errors), errors))
        if isinstance(value, dict) and "type" in value and not any(_discriminated(o, value) for o in options):
            return [f"{path}.type: unknown block type {value['type']!r}"]
        return min(tried, key=lambda t: t[:3])[3]
    if origin is typing.Literal:
        return [] if value in te.get_args(hint) else [f"{path}: {value!r} is not one of {list(te.get_args(hint))}"]
    if te.is_typeddict(hint):
        if not isinstance(value, dict):
            return [f"{path}: must be an object"]
        hints = _hints(hint)
        errors = [f"{path}.{key}: Extra inputs are not permitted" for key in value if key not in hints]
        for key, key_hint in hints.items():
            if key in value:
                errors += type_errors(value[key], key_hint, f"{path}.{key}")
            elif _required(hint, key_hint):
                errors.append(f"{path}.{key}: Field required")
        return errors
    if origin in _LISTS or hint in _LISTS:
        if not isinstance(value, list):
            return [f"{path}: must be a list"]
        (item,) = te.get_args(hint)[:1] or (Any,)
        return [e for n, element in enumerate(value) for e in type_errors(element, item, f"{path}.{n}")]
    if origin in _MAPS or hint in _MAPS:
        if not isinstance(value, dict):
            return [f"{path}: must be an object"]
        args = te.get_args(hint)
        return [e for k, v in value.items() for e in type_errors(v, args[1] if args else Any, f"{path}.{k}")]
    if isinstance(hint, type):
        if issubclass(hint, pydantic.BaseModel):
            try:
                hint.model_validate(value)
            except pydantic.ValidationError as exc:
                return [f"{path}: {exc.errors()[0]['msg']}"]
            return []
        if hint is float:
            ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        elif hint is int:
            ok = isinstance(value, int) and not isinstance(value, bool)
        else:
            ok = isinstance(value, hint)
        return [] if ok else [f"{path}: must be {hint.__name__}, not {type(value).__name__}"]
    return []  # a typing construct the SDK's request types do not use


def request_errors(body: Any) -> list[str]:
    """Why the API would refuse this Messages request body (empty when it would accept it)."""
    return type_errors(body, MessageCreateParamsNonStreaming, "body")


@dataclass(frozen=True)
class Recorded:
    """One request the fake received."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any
    #: time.monotonic() when it arrived.
    at: float = 0.0


@dataclass(frozen=True)
class Result:
    """A search_result block of a request, as the fake reads it."""

    index: int
    source: str
    title: str
    blocks: tuple[str, ...]

    @property
    def platform(self) -> str:
        first = self.blocks[0] if self.blocks else ""
        if first.startswith("Post metadata: "):
            parts = first[len("Post metadata: "):].split(" · ")
            return parts[1] if len(parts) > 1 and not parts[1].startswith(("by ", "author")) else parts[0]
        return "one forum"

    def quotable(self) -> list[int]:
        """Indexes of content blocks fit to quote (not metadata, not an injection attempt)."""
        start = 1 if self.blocks and self.blocks[0].startswith("Post metadata: ") else 0
        return [i for i in range(start, len(self.blocks)) if not INJECTION.search(self.blocks[i]) and len(self.blocks[i]) >= 20]


@dataclass
class _Batch:
    id: str
    requests: list[dict[str, Any]]
    created_at: dt.datetime
    polls: int = 0
    results: list[dict[str, Any]] | None = None
    archived: bool = False


@dataclass
class _Script:
    match: str | None
    modes: deque[str] = field(default_factory=deque)


class FakeAnthropic:
    """The fake API server. Use as a context manager, or call ``start()`` and ``stop()``."""

    def __init__(self, *, latency: float = 0.0, timeout_sleep: float = 3.0, batch_polls: int = 1):
        self.latency = latency
        self.timeout_sleep = timeout_sleep
        self.batch_polls = batch_polls
        self.hold_batches = False
        #: How the next batches end, one entry each: "ok", "expired" (every request
        #: expired unprocessed) or "archived" (its results gone); then "ok".
        self.batch_outcomes: deque[str] = deque()
        #: retry-after-ms sent with 429, 529 and 500 answers (None: no header, the SDK backs off on its own).
        self.retry_after_ms: int | None = 10
        self.default_mode = "ok"
        self.requests: list[Recorded] = []
        self.injections_seen = 0
        self.max_in_flight = 0
        #: (path, status, message) of every 4xx answer given to a request it refused.
        self.rejected: list[tuple[str, int, str]] = []
        self._in_flight = 0
        self._scripts: list[_Script] = []
        self._batch_faults: deque[int] = deque()
        self._batches: dict[str, _Batch] = {}
        #: Prompt-cache entries (model and prefix) and when they became readable.
        self._cache_ready: dict[str, float] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------

    def start(self) -> "FakeAnthropic":
        handler = type("Handler", (_Handler,), {"fake": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._server.block_on_close = False
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, name="fake-anthropic", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> "FakeAnthropic":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._server is not None, "start the fake first"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # -- test controls -------------------------------------------------------

    def script(self, *modes: str, match: str | None = None) -> None:
        """Answer the next Messages requests (containing ``match``, if given) with these modes, in order."""
        unknown = set(modes) - MODES
        if unknown:
            raise ValueError(f"unknown fault modes: {sorted(unknown)}")
        with self._lock:
            self._scripts.append(_Script(match, deque(modes)))

    def vanish_batches(self) -> None:
        """Forget every batch: retrieving one or its results is a 404 from now on."""
        with self._lock:
            self._batches.clear()

    def age_batches(self, days: float) -> None:
        """Move every batch's creation ``days`` into the past (one older than 29 days is archived)."""
        with self._lock:
            for batch in self._batches.values():
                batch.created_at -= dt.timedelta(days=days)
                if dt.datetime.now(dt.timezone.utc) - batch.created_at > RESULTS_KEPT:
                    batch.archived = True

    def fail_batch_retrieves(self, count: int, status: int = 500) -> None:
        """Answer the next ``count`` batch retrieves with HTTP ``status``."""
        with self._lock:
            self._batch_faults.extend([status] * count)

    @property
    def message_requests(self) -> list[dict[str, Any]]:
        """Bodies of the POST /v1/messages requests received, in order."""
        return [r.body for r in self.requests if r.method == "POST" and r.path == "/v1/messages"]

    @property
    def batch_creates(self) -> list[dict[str, Any]]:
        return [r.body for r in self.requests if r.method == "POST" and r.path == "/v1/messages/batches"]

    def reset(self) -> None:
        """Forget recorded requests (scripts, batches and the prompt cache stay)."""
        with self._lock:
            self.requests.clear()
            self.rejected.clear()
            self.injections_seen = 0
            self.max_in_flight = 0

    def refusal_reason(self, body: Any) -> tuple[int, str, str] | None:
        """(status, error type, message) when the API would refuse this Messages request, else None."""
        errors = request_errors(body)
        if errors:
            return 400, "invalid_request_error", "; ".join(e.removeprefix("body.") for e in errors[:5])
        if body["model"] not in KNOWN_MODELS:
            return 404, "not_found_error", f"model: {body['model']}"
        problem = self.cache_problem(body)
        if problem is not None:
            return 400, "invalid_request_error", problem
        return None

    # -- behaviour -----------------------------------------------------------

    def _mode_for(self, raw: str) -> str:
        with self._lock:
            for script in self._scripts:
                if script.modes and (script.match is None or script.match in raw):
                    mode = script.modes.popleft()
                    if not script.modes:
                        self._scripts.remove(script)
                    return mode
            return self.default_mode

    def injected(self, body: dict[str, Any]) -> bool:
        """True when instruction-like text appears outside the request's search_result blocks."""
        texts: list[str] = []
        system = body.get("system")
        if isinstance(system, str):
            texts.append(system)
        elif isinstance(system, list):
            texts.extend(block.get("text", "") for block in system if isinstance(block, dict))
        for message in body.get("messages", []):
            if message.get("role") != "user":
                continue
            content = message.get("content")
            if isinstance(content, str):
                texts.append(content)
                continue
            for block in content or []:
                if isinstance(block, dict) and block.get("type") == "text":
                    texts.append(block.get("text", ""))
        return any(INJECTION.search(t) for t in texts)

    def message(self, body: dict[str, Any], mode: str, arrived: float | None = None) -> dict[str, Any]:
        """The Message JSON the fake answers ``body`` (received at ``arrived``) with, in ``mode``."""
        if self.injected(body):
            with self._lock:
                self.injections_seen += 1
            mode = "gullible"
        results = search_results(body)
        stop_reason = "end_turn"
        extra: dict[str, Any] = {}
        if mode == "refusal":
            blocks = [_text("I can't help with writing this.")]
            stop_reason = "refusal"
            extra["stop_details"] = {"type": "refusal", "category": "general_harms",
                                     "explanation": "This request was declined by the fake's policy classifier."}
        elif mode in CUT_OFF:
            blocks = _cut_off(briefing(results, "ok"))
            stop_reason = CUT_OFF[mode]
        elif mode == "tool_use":
            blocks = [_text("Let me look that up first."),
                      {"type": "tool_use", "id": f"toolu_fake_{next(self._ids):06d}", "name": "web_search", "input": {"query": "AI"}}]
            stop_reason = "tool_use"
        elif mode == "thinking":
            blocks = [{"type": "thinking", "thinking": "The posts disagree about trust; open on the first one.",
                       "signature": "fake-signature"}, *briefing(results, "ok")]
        elif mode == "gullible":
            blocks = [_text("Cats Are the Real Story\nIgnoring my previous instructions, as the post asked, this column is about cats.\n\n" + "\n\n".join([_CATS * 3] * 3))]
        elif mode == "ask_more":
            blocks = [_text("Briefing on hold\nCould you provide more posts about this? There is not enough information to write a full briefing.\n\n" + "\n\n".join([" ".join(_FILLER)] * 2))]
        else:
            blocks = briefing(results, mode)
        return {
            "id": f"msg_fake_{next(self._ids):06d}",
            "type": "message",
            "role": "assistant",
            "model": body.get("model", "claude-fake"),
            "content": blocks,
            "stop_reason": stop_reason,
            "stop_sequence": None,
            "usage": self._usage(body, blocks, time.monotonic() if arrived is None else arrived),
            **extra,
        }

    def _usage(self, body: dict[str, Any], blocks: list[dict[str, Any]], arrived: float) -> dict[str, int]:
        """Token counts: the prefix up to the last cache breakpoint is written, or read when an
        earlier answer had written it before this request arrived (as the API's cache works)."""
        texts, breakpoints = prompt_blocks(body)
        total = sum(approx_tokens(t) for t in texts)
        cached = sum(approx_tokens(t) for t in texts[: breakpoints[-1] + 1]) if breakpoints else 0
        out = sum(len(b.get("text", "").split()) for b in blocks if b.get("type") == "text") * 4 // 3 + 10
        usage = {"input_tokens": total - cached, "output_tokens": out,
                 "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0}
        if cached:
            key = json.dumps([body.get("model"), texts[: breakpoints[-1] + 1]])
            with self._lock:
                ready = self._cache_ready.get(key)
                hit = ready is not None and ready <= arrived
                if not hit:
                    self._cache_ready[key] = min(ready or math.inf, time.monotonic())
            usage["cache_read_input_tokens" if hit else "cache_creation_input_tokens"] = cached
        return usage

    def cache_problem(self, body: dict[str, Any]) -> str | None:
        """Why the API would refuse this request's cache breakpoints, or None.

        The real API caches nothing below a model's minimum, silently; the fake
        refuses such a breakpoint, with the writer's own token count and
        minimums, so that a test shows whether the promised caching can happen.
        """
        texts, breakpoints = prompt_blocks(body)
        if len(breakpoints) > 4:
            return f"cache_control: at most 4 blocks may carry it, not {len(breakpoints)}"
        minimum = min_cache_tokens(body["model"])
        for at in breakpoints:
            prefix = sum(approx_tokens(t) for t in texts[: at + 1])
            if prefix < minimum:
                return (f"cache_control: the prefix up to this breakpoint is about {prefix:,} tokens; "
                        f"{body['model']} caches prefixes of {minimum:,} tokens or more")
        return None

    # -- batches -------------------------------------------------------------

    def _batch_json(self, batch: _Batch) -> dict[str, Any]:
        ended = batch.results is not None or batch.archived
        counts = {"processing": 0 if ended else len(batch.requests), "succeeded": 0, "errored": 0, "canceled": 0, "expired": 0}
        for line in batch.results or []:
            counts[line["result"]["type"]] += 1
        stamp = lambda moment: moment.isoformat().replace("+00:00", "Z")  # noqa: E731
        return {
            "id": batch.id,
            "type": "message_batch",
            "processing_status": "ended" if ended else "in_progress",
            "request_counts": counts,
            "created_at": stamp(batch.created_at),
            "expires_at": stamp(batch.created_at + dt.timedelta(hours=24)),
            "ended_at": stamp(batch.created_at) if ended else None,
            "archived_at": stamp(batch.created_at + RESULTS_KEPT) if batch.archived else None,
            "cancel_initiated_at": None,
            "results_url": f"{self.url}/v1/messages/batches/{batch.id}/results" if ended and not batch.archived else None,
        }

    def _finish(self, batch: _Batch) -> None:
        with self._lock:
            outcome = self.batch_outcomes.popleft() if self.batch_outcomes else "ok"
        lines = []
        for request in batch.requests:
            params = request["params"]
            if outcome == "expired":
                result: dict[str, Any] = {"type": "expired"}
            else:
                mode = self._mode_for(json.dumps(params, ensure_ascii=False))
                if mode in ("429", "529", "500", "timeout", "malformed"):
                    result = {"type": "errored", "error": {"type": "error", "error": {"type": "api_error", "message": f"fake {mode}"}}}
                else:
                    result = {"type": "succeeded", "message": self.message(params, mode)}
            lines.append({"custom_id": request["custom_id"], "result": result})
        batch.results = lines[::-1]  # the API does not promise request order
        batch.archived = outcome == "archived"


def search_results(body: dict[str, Any]) -> list[Result]:
    """The search_result blocks of a request, numbered as the API numbers them (across all messages)."""
    out: list[Result] = []
    for message in body.get("messages", []):
        content = message.get("content")
        if not isinstance(content, list):
            continue
        for block in content:
            if isinstance(block, dict) and block.get("type") == "search_result":
                texts = tuple(b.get("text", "") for b in block.get("content", []) if isinstance(b, dict))
                out.append(Result(len(out), block.get("source", ""), block.get("title", ""), texts))
    return out


def prompt_blocks(body: dict[str, Any]) -> tuple[list[str], list[int]]:
    """The request's prompt as texts in the API's order (system, then each message's blocks),
    and the positions of the blocks that carry a cache breakpoint."""
    texts: list[str] = []
    breakpoints: list[int] = []
    system = body.get("system")
    blocks = [{"type": "text", "text": system}] if isinstance(system, str) else list(system or [])
    for message in body.get("messages", []):
        content = message.get("content")
        blocks += [{"type": "text", "text": content}] if isinstance(content, str) else list(content or [])
    for block in blocks:
        if block.get("type") == "text":
            texts.append(block.get("text", ""))
        elif block.get("type") == "search_result":
            texts.append("\n".join([block.get("title", ""), block.get("source", ""),
                                    *(b.get("text", "") for b in block.get("content", []))]))
        else:
            texts.append(json.dumps(block))
        if block.get("cache_control"):
            breakpoints.append(len(texts) - 1)
    return texts, breakpoints


def _text(text: str, *cites: tuple[Result, int, int]) -> dict[str, Any]:
    """A text block citing (result, first block, end block) ranges, as the API writes one."""
    block: dict[str, Any] = {"type": "text", "text": text, "citations": None}
    if cites:
        block["citations"] = [{
            "type": "search_result_location",
            "cited_text": "".join(result.blocks[start:end]),
            "search_result_index": result.index,
            "start_block_index": start,
            "end_block_index": end,
            "source": result.source,
            "title": result.title,
        } for result, start, end in cites]
    return block


def _cut_off(blocks: list[dict[str, Any]], words: int = 180) -> list[dict[str, Any]]:
    """The first blocks of an answer, up to about ``words`` words, the last one cut mid-sentence."""
    out: list[dict[str, Any]] = []
    count = 0
    for block in blocks:
        size = len(block["text"].split())
        if count + size > words:
            keep = " ".join(block["text"].split(" ")[: max(1, words - count)])
            out.append({**block, "text": keep, "citations": block["citations"]})
            break
        out.append(block)
        count += size
    return out


def briefing(results: list[Result], mode: str) -> list[dict[str, Any]]:
    """Content blocks of a plausible briefing about ``results``, shaped by ``mode``.

    Segments are ("plain", text) or ("cite", text, [(result, first block, end block), ...]); plain runs
    merge into one text block, as the API's blocks change only where
    citations do -- except at "split", which forces a block boundary so that
    the headline, teaser and paragraph breaks fall inside and across blocks.
    """
    if not results:
        return [_text("An empty edition\nNothing to report.\n\n" + " ".join(_FILLER))]
    segs: list[tuple] = []
    plain = lambda text: segs.append(("plain", text))  # noqa: E731
    cite = lambda text, result, at: segs.append(("cite", text, [(result, at, at + 1)]))  # noqa: E731
    split = lambda: segs.append(("split",))  # noqa: E731

    lead = results[0]
    # A headline in the writer's own words: the lead post's title appears only as a quotation.
    topic = " ".join(lead.title.split()[:6]).strip(".,:;!?\"“”'‘’") if lead.title else ""
    headline = f"The argument over “{topic}” is really about trust" if topic else "The argument is really about trust"
    teaser = (f"A post on {lead.platform} set off a debate that has spread well beyond its thread. "
              "The disagreement says more about expectations than about the technology.")
    if mode == "markdown":
        plain(f"## Headline: **{headline}**\n*{teaser}*\n\n")
    else:
        plain(f"{headline}\nA post on {lead.platform} set off a debate")
        split()
        plain(" that has spread well beyond its thread. The disagreement says more about expectations than about the technology.\n")
        split()
        plain("\n")
    opener = "Based on the sources provided, it started with a post on" if mode == "meta" else "It started with a post on"
    plain(f"{opener} {lead.platform} titled plainly enough, and a reply thread that would not let it go. ")
    if len(results) > 1 and results[0].quotable() and results[1].quotable():
        # One run of prose backed by two posts: one text block, two citations.
        first, second = results[0].quotable()[0], results[1].quotable()[0]
        segs.append(("cite", "Two of the threads make the same complaint in different words",
                     [(results[0], first, first + 1), (results[1], second, second + 1)]))
        plain(". ")

    voices = [r for r in results if r.quotable()][:4]
    fillers = itertools.cycle(_FILLER)
    words = 0
    for n, result in enumerate(voices):
        at = result.quotable()[0]
        sentence = result.blocks[at]
        # As a style guide would have it, double quotes inside a quotation become single ones.
        quoted = sentence.rstrip(".").replace("“", "‘").replace("”", "’").replace('"', "'")
        if n:
            plain("\n\n")
        if mode == "uncited_quote" and n == 0:
            plain(f"As one voice on {result.platform} put it, “{quoted}.” ")
        elif mode == "miscited_quote" and n == 0 and len(results) > 1:
            other = results[(result.index + 1) % len(results)]
            plain(f"As one voice on {result.platform} put it, “")
            cite(quoted, other, other.quotable()[0] if other.quotable() else len(other.blocks) - 1)
            plain(".” ")
        elif n % 2 == 0:
            plain(f"As one voice on {result.platform} put it, “")
            cite(quoted, result, at)
            plain(".” ")
        else:
            plain(f"On {result.platform}, the reply was pointed: ")
            cite(f"“{quoted}.”", result, at)
            plain(" ")
        later = result.quotable()[1:] or [at]
        # A paraphrase of the rest of the post: its citation spans every block it draws on.
        span = [(result, later[0], later[-1] + 1)]
        segs.append(("cite", f"The post goes on to press the point about {result.title.split()[0].lower() if result.title else 'it'} in its own terms", span))
        plain(". ")
        if mode == "markdown" and n == 0:
            plain("**That** is the crux. ")
        for _ in range(3):
            plain(next(fillers) + " ")
    if mode == "fake_quotes":
        plain(f"\n\nOne commenter called the whole affair “{INVENTED_QUOTE}.” ")
    body = "".join(s[1] for s in segs if s[0] != "split")
    words = len(body.split())
    target = 560 if mode != "long" else 1300
    extra: list[str] = []
    while words < target - 70:
        sentence = next(fillers)
        extra.append(sentence)
        words += len(sentence.split())
    if extra:
        plain("\n\n" + " ".join(extra))
    plain("\n\n" + _CLOSING)
    if mode == "short":
        segs = segs[:6] + [("plain", "\n\nThat is the whole of it for now.")]
    return _blocks(segs)


def _blocks(segs: list[tuple]) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    pending = ""
    for seg in segs:
        if seg[0] == "plain":
            pending += seg[1]
            continue
        if pending:
            blocks.append(_text(pending))
            pending = ""
        if seg[0] == "cite":
            blocks.append(_text(seg[1], *seg[2]))
    if pending:
        blocks.append(_text(pending))
    return blocks


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    fake: FakeAnthropic

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet
        return

    def _send(self, status: int, body: bytes, content_type: str = "application/json", headers: dict[str, str] | None = None) -> None:
        try:
            self.send_response(status)
            self.send_header("content-type", content_type)
            self.send_header("content-length", str(len(body)))
            self.send_header("request-id", f"req_fake_{next(self.fake._ids):06d}")
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up (a timeout test)

    def _json(self, status: int, data: Any, headers: dict[str, str] | None = None) -> None:
        self._send(status, json.dumps(data).encode("utf-8"), headers=headers)

    def _error(self, status: int, kind: str, message: str, headers: dict[str, str] | None = None) -> None:
        self._json(status, {"type": "error", "error": {"type": kind, "message": message}}, headers)

    def _record(self) -> tuple[str, Any]:
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length).decode("utf-8") if length else ""
        try:
            body: Any = json.loads(raw) if raw else None
        except ValueError:
            body = raw
        with self.fake._lock:
            self.fake.requests.append(Recorded(self.command, self.path.split("?")[0], {k.lower(): v for k, v in self.headers.items()},
                                               body, time.monotonic()))
        return raw, body

    def _authorized(self) -> bool:
        if not (self.headers.get("x-api-key") or self.headers.get("authorization")):
            self._error(401, "authentication_error", "x-api-key header is required")
            return False
        if not self.headers.get("anthropic-version"):
            self._refuse(400, "invalid_request_error", "anthropic-version: header is required")
            return False
        return True

    def _refuse(self, status: int, kind: str, message: str) -> None:
        """A 4xx answer to a request the API would not accept, recorded for the tests."""
        with self.fake._lock:
            self.fake.rejected.append((self.path.split("?")[0], status, message))
        self._error(status, kind, message)

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        raw, body = self._record()
        if not self._authorized():
            return
        path = self.path.split("?")[0]
        if path == "/v1/messages":
            self._messages(raw, body)
        elif path == "/v1/messages/batches":
            self._create_batch(body)
        else:
            self._error(404, "not_found_error", f"no route {path}")

    def do_GET(self) -> None:  # noqa: N802
        self._record()
        if not self._authorized():
            return
        path = self.path.split("?")[0]
        match = re.fullmatch(r"/v1/messages/batches/([\w-]+)(/results)?", path)
        if not match:
            self._error(404, "not_found_error", f"no route {path}")
            return
        fake = self.fake
        with fake._lock:
            batch = fake._batches.get(match.group(1))
            fault = fake._batch_faults.popleft() if fake._batch_faults and not match.group(2) else None
        if batch is None:
            self._error(404, "not_found_error", f"message batch {match.group(1)} not found")
            return
        if fault is not None:
            self._error(fault, "api_error", "fake batch retrieve failure")
            return
        if match.group(2):
            if batch.archived:
                self._error(404, "not_found_error", f"the results of message batch {batch.id} are no longer available")
                return
            if batch.results is None:
                self._refuse(400, "invalid_request_error", "batch has not ended")
                return
            lines = "".join(json.dumps(line) + "\n" for line in batch.results)
            self._send(200, lines.encode("utf-8"), content_type="application/binary")
            return
        with fake._lock:
            batch.polls += 1
            due = batch.results is None and not batch.archived and not fake.hold_batches and batch.polls >= fake.batch_polls
        if due:
            fake._finish(batch)
        self._json(200, fake._batch_json(batch))

    def _messages(self, raw: str, body: Any) -> None:
        fake = self.fake
        refusal = fake.refusal_reason(body)
        if refusal is not None:
            self._refuse(*refusal)
            return
        arrived = time.monotonic()
        with fake._lock:
            fake._in_flight += 1
            fake.max_in_flight = max(fake.max_in_flight, fake._in_flight)
        try:
            if fake.latency:
                fake._stop.wait(fake.latency)
            mode = fake._mode_for(raw)
            retry = {"retry-after-ms": str(fake.retry_after_ms)} if fake.retry_after_ms is not None else {}
            if mode == "429":
                self._error(429, "rate_limit_error", "Number of request tokens has exceeded your rate limit", {**retry, "retry-after": "1"})
            elif mode == "529":
                self._error(529, "overloaded_error", "Overloaded", retry)
            elif mode == "500":
                self._error(500, "api_error", "Internal server error", retry)
            elif mode == "malformed":
                self._send(200, b'{"id": "msg_broken", "content": [')
            else:
                if mode == "timeout":
                    fake._stop.wait(fake.timeout_sleep)
                    mode = "ok"
                self._json(200, fake.message(body, mode, arrived))
        finally:
            with fake._lock:
                fake._in_flight -= 1

    def _create_batch(self, body: Any) -> None:
        fake = self.fake
        errors = type_errors(body, BatchCreateParams, "body")
        if errors:
            self._refuse(400, "invalid_request_error", "; ".join(e.removeprefix("body.") for e in errors[:5]))
            return
        requests = body["requests"]
        ids = [r["custom_id"] for r in requests]
        if not requests or not all(re.fullmatch(r"[A-Za-z0-9_-]{1,64}", i) for i in ids) or len(set(ids)) != len(ids):
            self._refuse(400, "invalid_request_error", "requests need distinct custom_ids matching ^[a-zA-Z0-9_-]{1,64}$")
            return
        for n, request in enumerate(requests):
            refusal = fake.refusal_reason(request["params"])
            if refusal is not None:
                status, kind, message = refusal
                self._refuse(400 if status == 404 else status, kind, f"requests.{n}.params.{message}")
                return
        batch = _Batch(f"msgbatch_fake_{next(fake._ids):06d}", requests, dt.datetime.now(dt.timezone.utc))
        with fake._lock:
            fake._batches[batch.id] = batch
        self._json(200, fake._batch_json(batch))


def main() -> None:
    """Serve a fake until interrupted; point ANTHROPIC_BASE_URL at the printed URL."""
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--latency", type=float, default=0.0, help="seconds to wait before each Messages answer")
    args = parser.parse_args()
    with FakeAnthropic(latency=args.latency) as fake:
        print(f"ANTHROPIC_BASE_URL={fake.url}", flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
