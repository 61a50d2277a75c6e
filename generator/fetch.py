"""Download every enabled feed into ``snapshots/`` — the only stage that uses the network.

``fetch_all(config, snapshots_dir)`` fetches the enabled feeds of feeds.yaml
concurrently and returns one :class:`FetchResult` per feed, in config order.
A feed that fails is reported in its result; it never stops the others and
nothing is raised out of ``fetch_all``.

Files written (keys of JSON files are sorted)::

    snapshots/<feed-id>/<stamp>.xml
        The body as served, after undoing its Content-Encoding (gzip,
        deflate) but *not* decoded from its charset: ingest gives these bytes
        to feedparser, which needs them together with the XML encoding
        declaration. <stamp> is the fetch time in UTC, ``%Y%m%dT%H%M%SZ``;
        when a snapshot with that stamp exists already, the stamp moves on by
        a second rather than overwrite it. No file is written when the body
        equals the feed's latest snapshot ("unchanged").

    snapshots/<feed-id>/<stamp>.meta.json
        Written just before the .xml it describes:
        {"content_type": "application/rss+xml; charset=utf-8",  (or null)
         "feed_id": "<feed-id>",
         "fetched_at": "2025-01-31T06:00:00Z",
         "url": "<final URL, after redirects>"}
        Ingest passes content_type to feedparser so it sees the HTTP charset.

    snapshots/.fetch-state.json
        {"<feed-id>": {"etag": ... or null, "last_modified": ... or null,
                       "url": "<the feed's URL in feeds.yaml>"}}
        Validators for conditional GET. They are sent only while the URL is
        unchanged and the feed has a snapshot on disk.

Every file is written to a temporary file in the same directory and moved
into place with ``os.replace``, so an interrupted fetch never leaves half a
file behind.

Limits, per feed: ``timeout`` bounds the *whole* exchange — connection,
redirects, headers and body — not each read, so a server dripping a byte a
second is cut off; ``max_bytes`` bounds the decoded body, counted while it
streams, so a gzip bomb is stopped after ``max_bytes`` of output;
``max_redirects`` redirects are followed, to http(s) URLs only.
"""

from __future__ import annotations

import json
import logging
import re
import socket
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from importlib import metadata
from pathlib import Path
from typing import Any, Literal

import httpx

from .atomic import write_atomic
from .errors import FeedError
from .models import Config, Feed

#: File name of a snapshot, without its extension.
STAMP_FORMAT = "%Y%m%dT%H%M%SZ"
#: Default name of the conditional-GET state file, inside the snapshots directory.
STATE_FILE = ".fetch-state.json"

Status = Literal["new", "unchanged", "not-modified", "error"]

_log = logging.getLogger(__name__)

_SNAPSHOT_NAME = re.compile(r"^\d{8}T\d{6}Z\.xml$")
_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/rdf+xml;q=0.9, "
    "application/xml;q=0.8, text/xml;q=0.8, */*;q=0.1"
)
#: Largest piece of decoded body produced at once.
_CHUNK = 64 * 1024
#: How much of the body is looked at to tell an HTML page from a feed.
_SNIFF_BYTES = 4096
_LABELS = {"new": "new", "unchanged": "unchanged", "not-modified": "not modified", "error": "FAILED"}


@dataclass(frozen=True)
class FetchResult:
    """What fetching one feed did."""

    #: The feed's id in feeds.yaml.
    feed_id: str
    #: "new" (snapshot written), "unchanged" (same as the latest snapshot),
    #: "not-modified" (HTTP 304) or "error".
    status: Status
    #: The snapshot written ("new") or matched ("unchanged"); None otherwise.
    path: Path | None
    #: One line for people; the reason when status is "error".
    message: str
    #: Size of the decoded body received (0 when there was none).
    bytes: int = 0

    @property
    def failed(self) -> bool:
        return self.status == "error"


def fetch_all(
    config: Config,
    snapshots_dir: Path,
    *,
    state_path: Path | None = None,
    now: datetime | None = None,
    client: httpx.Client | None = None,
    timeout: float = 20.0,
    max_bytes: int = 10 * 2**20,
    max_redirects: int = 5,
    workers: int = 4,
    progress: Callable[[FetchResult], None] | None = None,
) -> list[FetchResult]:
    """Fetch every enabled feed of ``config``; one result per feed, in config order.

    ``now`` (timezone-aware) names the snapshots; the clock is read when it
    is None. A ``client`` passed in is used as is and not closed; the default
    client opens one connection per request, so that the time limit can cut
    any of them. ``progress`` is called with each feed's result as it comes
    in (from the worker threads).
    """
    now = datetime.now(UTC) if now is None else now
    if now.tzinfo is None:
        raise ValueError("now must be a timezone-aware datetime")
    snapshots_dir = Path(snapshots_dir)
    state_path = snapshots_dir / STATE_FILE if state_path is None else Path(state_path)
    state = _load_state(state_path)
    feeds = [feed for feed in config.feeds if feed.enabled]

    own_client = client is None
    fetcher = _Fetcher(
        client=_default_client(timeout) if client is None else client,
        snapshots_dir=snapshots_dir,
        now=now.astimezone(UTC),
        user_agent=_user_agent(config),
        timeout=timeout,
        max_bytes=max_bytes,
        max_redirects=max_redirects,
    )
    try:
        with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="fetch") as pool:
            outcomes = list(pool.map(partial(_run_reported, fetcher, progress), feeds, [state.get(f.id) for f in feeds]))
    finally:
        if own_client:
            fetcher.client.close()

    new_state = dict(state)
    for feed, outcome in zip(feeds, outcomes):
        if outcome.state is None:
            new_state.pop(feed.id, None)
        else:
            new_state[feed.id] = outcome.state
    if new_state != state:
        _save_state(state_path, new_state)
    return [outcome.result for outcome in outcomes]


def _run_reported(fetcher: "_Fetcher", progress: Callable[[FetchResult], None] | None, feed: Feed, state: dict[str, Any] | None) -> "_Outcome":
    outcome = fetcher.run(feed, state)
    if progress is not None:
        progress(outcome.result)
    return outcome


def format_results(results: Iterable[FetchResult]) -> str:
    """One line per feed, then a summary such as "19 feeds: 3 new, 14 unchanged, 1 not modified, 1 failed"."""
    results = list(results)
    width = max((len(r.feed_id) for r in results), default=0)
    lines = [f"{_LABELS[r.status]:<12} {r.feed_id:<{width}}  {r.message}" for r in results]
    counts = {status: sum(r.status == status for r in results) for status in _LABELS}
    lines.append(
        f"{len(results)} feed{'' if len(results) == 1 else 's'}: {counts['new']} new, "
        f"{counts['unchanged']} unchanged, {counts['not-modified']} not modified, "
        f"{counts['error']} failed"
    )
    return "\n".join(lines)


# --- One feed ---------------------------------------------------------------


@dataclass(frozen=True)
class _Reply:
    """A successful response, body read and decoded."""

    url: str
    content_type: str | None
    body: bytes
    etag: str | None
    last_modified: str | None


@dataclass(frozen=True)
class _Outcome:
    result: FetchResult
    #: The feed's entry in the state file afterwards (None: no entry).
    state: dict[str, Any] | None


class _Expired(Exception):
    """The whole-request time limit passed."""


@dataclass(frozen=True)
class _Fetcher:
    client: httpx.Client
    snapshots_dir: Path
    now: datetime
    user_agent: str
    timeout: float
    max_bytes: int
    max_redirects: int

    def run(self, feed: Feed, state: dict[str, Any] | None) -> _Outcome:
        """Fetch one feed; every failure becomes an "error" result."""
        try:
            return self._fetch(feed, state)
        except FeedError as exc:
            return _Outcome(FetchResult(feed.id, "error", None, exc.message), state)
        except Exception as exc:  # a bug must not stop the other feeds; it is still reported
            _log.warning("unexpected error while fetching feed %s", feed.id, exc_info=True)
            return _Outcome(
                FetchResult(feed.id, "error", None, f"unexpected {type(exc).__name__}: {exc}"), state
            )

    def _fetch(self, feed: Feed, state: dict[str, Any] | None) -> _Outcome:
        feed_dir = self.snapshots_dir / feed.id
        latest = _latest_snapshot(feed_dir)
        usable = state if latest and state and state.get("url") == feed.url else None
        reply = self._download(feed, usable)
        if reply is None:
            return _Outcome(FetchResult(feed.id, "not-modified", None, "HTTP 304 Not Modified"), state)
        _check_is_feed(feed.id, reply)
        validators = _validators(reply, feed.url)
        size = len(reply.body)
        if latest is not None and _same_content(latest, reply.body):
            result = FetchResult(feed.id, "unchanged", latest, f"same as {latest.name}", size)
            return _Outcome(result, validators)
        path = self._save(feed.id, feed_dir, reply)
        message = f"{size:,} bytes saved as {path.name}{_content_type_note(reply.content_type)}"
        return _Outcome(FetchResult(feed.id, "new", path, message, size), validators)

    def _download(self, feed: Feed, state: dict[str, Any] | None) -> _Reply | None:
        """GET the feed within the time limit; None means HTTP 304."""
        with _Deadline(self.timeout) as deadline:
            try:
                return self._exchange(feed, state, deadline)
            except (_Expired, httpx.TimeoutException) as exc:
                raise FeedError(feed.id, f"timed out after {self.timeout:g} s") from exc
            except (httpx.HTTPError, httpx.InvalidURL) as exc:
                if deadline.expired:
                    raise FeedError(feed.id, f"timed out after {self.timeout:g} s") from exc
                raise FeedError(feed.id, _describe(exc)) from exc

    def _exchange(self, feed: Feed, state: dict[str, Any] | None, deadline: _Deadline) -> _Reply | None:
        request = self.client.build_request(
            "GET",
            feed.url,
            headers=self._headers(state),
            timeout=self.timeout,
            extensions={"trace": deadline.trace},
        )
        visited = [str(request.url)]
        while True:
            response = self.client.send(request, stream=True, follow_redirects=False)
            try:
                if response.next_request is None:
                    return self._reply(feed.id, response, deadline)
                request = self._redirect(feed.id, response.next_request, visited)
            finally:
                response.close()

    def _headers(self, state: dict[str, Any] | None) -> dict[str, str]:
        headers = {
            "User-Agent": self.user_agent,
            "Accept": _ACCEPT,
            # Only what _Inflater undoes: the body is decoded here, under the size cap.
            "Accept-Encoding": "gzip, deflate",
        }
        if state and state.get("etag"):
            headers["If-None-Match"] = state["etag"]
        if state and state.get("last_modified"):
            headers["If-Modified-Since"] = state["last_modified"]
        return headers

    def _redirect(self, feed_id: str, request: httpx.Request, visited: list[str]) -> httpx.Request:
        url = str(request.url)
        if request.url.scheme not in ("http", "https"):
            raise FeedError(feed_id, f"redirect to {url} refused: only http and https are fetched")
        if url in visited:
            raise FeedError(feed_id, "redirect loop: " + " -> ".join([*visited, url]))
        if len(visited) > self.max_redirects:
            raise FeedError(feed_id, f"too many redirects (more than {self.max_redirects}), last to {url}")
        visited.append(url)
        return request

    def _reply(self, feed_id: str, response: httpx.Response, deadline: _Deadline) -> _Reply | None:
        status = response.status_code
        if status == 304:
            return None
        if not 200 <= status < 300:
            message = f"HTTP {status} {_reason(response)}"
            if response.is_redirect:
                message += " without a usable Location header"
            raise FeedError(feed_id, message)
        return _Reply(
            url=str(response.url),
            content_type=response.headers.get("Content-Type"),
            body=self._read_body(feed_id, response, deadline),
            etag=response.headers.get("ETag"),
            last_modified=response.headers.get("Last-Modified"),
        )

    def _read_body(self, feed_id: str, response: httpx.Response, deadline: _Deadline) -> bytes:
        """The decoded body, refused as soon as it grows past max_bytes."""
        too_large = FeedError(feed_id, f"response is larger than {_size(self.max_bytes)}")
        inflater = _Inflater.for_encoding(feed_id, response.headers.get("Content-Encoding", ""))
        declared = response.headers.get("Content-Length", "")
        if inflater.coding is None and declared.isdigit() and int(declared) > self.max_bytes:
            raise too_large
        body = bytearray()
        try:
            for raw in response.iter_raw():
                deadline.check()
                for piece in inflater.inflate(raw):
                    body += piece
                    if len(body) > self.max_bytes:
                        raise too_large
            # A connection cut by the deadline can pass for a short, complete body.
            deadline.check()
            inflater.finish()
        except zlib.error as exc:
            raise FeedError(feed_id, f"cannot decode the {inflater.coding} body: {exc}") from exc
        return bytes(body)

    def _save(self, feed_id: str, feed_dir: Path, reply: _Reply) -> Path:
        meta = {
            "content_type": reply.content_type,
            "feed_id": feed_id,
            "fetched_at": self.now.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "url": reply.url,
        }
        try:
            feed_dir.mkdir(parents=True, exist_ok=True)
            stamp = _free_stamp(feed_dir, self.now)
            _write_atomic(feed_dir / f"{stamp}.meta.json", _json_bytes(meta))
            path = feed_dir / f"{stamp}.xml"
            _write_atomic(path, reply.body)
        except OSError as exc:
            raise FeedError(feed_id, f"cannot save the snapshot in {feed_dir}: {exc}") from exc
        return path


# --- Time limit ---------------------------------------------------------------


class _Deadline:
    """Bounds a whole exchange in wall-clock time.

    httpx's timeouts apply to each network operation, so a server that
    drips a byte a second never trips them. Here a timer shuts the
    connection down when the time is up, which wakes the blocked read. The
    socket comes from httpcore's ``trace`` request extension; a duplicate of
    its descriptor is kept so that the shutdown still reaches it after TLS
    has wrapped the original socket object.
    """

    def __init__(self, seconds: float):
        self._end = time.monotonic() + seconds
        self._lock = threading.Lock()
        self._socket: socket.socket | None = None
        self._fired = False
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True

    def __enter__(self) -> _Deadline:
        self._timer.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._timer.cancel()
        self._attach(None)

    @property
    def expired(self) -> bool:
        return self._fired or time.monotonic() >= self._end

    def check(self) -> None:
        if self.expired:
            raise _Expired

    def trace(self, event: str, info: dict[str, Any]) -> None:
        """httpcore's trace callback: remember each new connection's socket."""
        stream = info.get("return_value") if event.endswith("connect_tcp.complete") else None
        sock = stream.get_extra_info("socket") if stream is not None else None
        if sock is not None:
            self._attach(sock.dup())

    def _attach(self, sock: socket.socket | None) -> None:
        with self._lock:
            if self._socket is not None:
                self._socket.close()
            self._socket = sock
            if self._fired:
                self._shutdown()

    def _fire(self) -> None:
        with self._lock:
            self._fired = True
            self._shutdown()

    def _shutdown(self) -> None:
        if self._socket is not None:
            try:
                self._socket.shutdown(socket.SHUT_RDWR)
            except OSError:  # already closed by the peer or by httpcore
                pass


# --- Content decoding ---------------------------------------------------------


class _Inflater:
    """Undoes a gzip or deflate Content-Encoding a bounded piece at a time.

    httpx's own decoders inflate each network read in one go, so 64 KiB of
    a gzip bomb could become 64 MiB at once; here no call yields more than
    _CHUNK bytes, and the caller stops reading when the body is too large.
    """

    def __init__(self, coding: str | None):
        #: "gzip", "deflate" or None (identity).
        self.coding = coding
        wbits = zlib.MAX_WBITS | 16 if coding == "gzip" else zlib.MAX_WBITS
        self._zlib = zlib.decompressobj(wbits) if coding else None
        self._started = False
        self._pending = False

    @classmethod
    def for_encoding(cls, feed_id: str, header: str) -> _Inflater:
        codings = [c.strip().lower() for c in header.split(",")]
        codings = [c for c in codings if c and c != "identity"]
        if not codings:
            return cls(None)
        if len(codings) == 1 and codings[0] in ("gzip", "x-gzip", "deflate"):
            return cls("deflate" if codings[0] == "deflate" else "gzip")
        raise FeedError(feed_id, f"unsupported Content-Encoding {header!r}")

    def inflate(self, data: bytes) -> Iterator[bytes]:
        if self._zlib is None:
            if data:
                yield data
            return
        while (data or self._pending) and not self._zlib.eof:
            out = self._decompress(data)
            data = self._zlib.unconsumed_tail
            # A full piece may leave more output inside zlib for the same input.
            self._pending = len(out) == _CHUNK
            if out:
                yield out

    def finish(self) -> None:
        if self._zlib is not None and not self._zlib.eof:
            raise zlib.error("the compressed body ends too soon")

    def _decompress(self, data: bytes) -> bytes:
        assert self._zlib is not None
        try:
            out = self._zlib.decompress(data, _CHUNK)
        except zlib.error:
            if self.coding != "deflate" or self._started:
                raise
            # Some servers send raw deflate, without the zlib header.
            self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)
            out = self._zlib.decompress(data, _CHUNK)
        self._started = True
        return out


# --- Checks and messages ------------------------------------------------------


def _check_is_feed(feed_id: str, reply: _Reply) -> None:
    """Refuse an empty body, or an HTML page served where a feed was expected."""
    if not reply.body.strip():
        raise FeedError(feed_id, "the response body is empty")
    head = reply.body[:_SNIFF_BYTES].lower()
    is_html = b"<!doctype html" in head or b"<html" in head
    is_feed = any(tag in head for tag in (b"<rss", b"<feed", b"<rdf"))
    if is_html and not is_feed:
        content_type = reply.content_type or "none"
        raise FeedError(feed_id, f"served an HTML page, not a feed (Content-Type: {content_type})")


def _content_type_note(content_type: str | None) -> str:
    """Empty for a feed's media type, else a note for the result's message."""
    if not content_type:
        return " (served without a Content-Type)"
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type.endswith("xml"):
        return ""
    return f" (served as {media_type}, not a feed type)"


def _reason(response: httpx.Response) -> str:
    try:
        return HTTPStatus(response.status_code).phrase
    except ValueError:
        return response.reason_phrase or "(no reason given)"


def _describe(exc: Exception) -> str:
    """A one-line reason for a transport failure."""
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, ConnectionResetError):
            return "connection reset by the server"
        cause = cause.__cause__ or cause.__context__
    detail = str(exc) or type(exc).__name__
    if isinstance(exc, httpx.ConnectError):
        return f"cannot connect: {detail}"
    if isinstance(exc, httpx.RemoteProtocolError):
        return f"broken response: {detail}"
    if isinstance(exc, httpx.NetworkError):
        return f"connection failed: {detail}"
    return f"request failed: {detail}"


def _size(n: int) -> str:
    for unit, factor in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n >= factor and n % factor == 0:
            return f"{n // factor} {unit}"
    return f"{n:,} bytes"


def _validators(reply: _Reply, url: str) -> dict[str, Any] | None:
    if reply.etag is None and reply.last_modified is None:
        return None
    return {"etag": reply.etag, "last_modified": reply.last_modified, "url": url}


def _user_agent(config: Config) -> str:
    try:
        version = metadata.version("ai-discourse-briefings")
    except metadata.PackageNotFoundError:  # running from a source tree that was never installed
        version = "0+unknown"
    return f"ai-discourse-briefings/{version} (+{config.site.url})"


def _default_client(timeout: float) -> httpx.Client:
    # No keep-alive: every request opens its own connection, so _Deadline
    # always holds the socket it may have to cut.
    return httpx.Client(
        timeout=timeout,
        follow_redirects=False,
        limits=httpx.Limits(max_keepalive_connections=0),
    )


# --- Files --------------------------------------------------------------------


def _latest_snapshot(feed_dir: Path) -> Path | None:
    snapshots = sorted(p for p in feed_dir.glob("*.xml") if _SNAPSHOT_NAME.match(p.name))
    return snapshots[-1] if snapshots else None


def _same_content(path: Path, body: bytes) -> bool:
    return path.stat().st_size == len(body) and path.read_bytes() == body


def _free_stamp(feed_dir: Path, now: datetime) -> str:
    """The stamp for ``now``, moved on a second at a time past existing snapshots."""
    while (feed_dir / f"{now.strftime(STAMP_FORMAT)}.xml").exists():
        now += timedelta(seconds=1)
    return now.strftime(STAMP_FORMAT)


def _write_atomic(path: Path, data: bytes) -> None:
    """Snapshots are the source of truth: on disk before they get their name."""
    write_atomic(path, data, fsync=True)


def _json_bytes(value: Any) -> bytes:
    return (json.dumps(value, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def _load_state(path: Path) -> dict[str, dict[str, Any]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        _log.warning("ignoring unreadable fetch state %s: %s", path, exc)
        return {}
    if not isinstance(data, dict):
        _log.warning("ignoring fetch state %s: not a JSON object", path)
        return {}
    return {key: value for key, value in data.items() if isinstance(value, dict)}


def _save_state(path: Path, state: dict[str, dict[str, Any]]) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _write_atomic(path, _json_bytes(state))
    except OSError as exc:  # the snapshots are saved; only the next conditional GET is lost
        _log.warning("cannot save fetch state %s: %s", path, exc)
