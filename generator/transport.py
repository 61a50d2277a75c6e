"""One HTTP GET within hard limits: the transport under fetch, and the only code that talks to the network.

``get(client, url, headers, limits)`` returns the decoded body with what
fetch keeps of the response, or None for HTTP 304; every failure is a
:class:`TransportError` with a one-line reason. Limits: ``timeout`` bounds
the *whole* exchange — connection, redirects, headers and body — not each
read, so a server dripping a byte a second is cut off; ``max_bytes`` bounds
the decoded body, counted while it streams, so a gzip bomb is stopped after
``max_bytes`` of output; ``max_redirects`` redirects are followed, to
http(s) URLs only. The Content-Encoding (gzip, deflate) is undone here, a
bounded piece at a time; the charset is left alone.
"""

from __future__ import annotations

import socket
import threading
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

import httpx

#: Largest piece of decoded body produced at once.
_CHUNK = 64 * 1024


class TransportError(Exception):
    """The request failed; ``message`` says why in one line."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Limits:
    #: Seconds for the whole exchange.
    timeout: float = 20.0
    #: Largest decoded body, in bytes.
    max_bytes: int = 10 * 2**20
    #: Redirects followed at most.
    max_redirects: int = 5


@dataclass(frozen=True)
class Reply:
    """A successful response, body read and decoded."""

    url: str
    content_type: str | None
    body: bytes
    etag: str | None
    last_modified: str | None


def get(client: httpx.Client, url: str, headers: dict[str, str], limits: Limits) -> Reply | None:
    """GET ``url`` within ``limits``; None means HTTP 304 Not Modified."""
    with _Deadline(limits.timeout) as deadline:
        try:
            return _exchange(client, url, headers, limits, deadline)
        except (_Expired, httpx.TimeoutException) as exc:
            raise TransportError(f"timed out after {limits.timeout:g} s") from exc
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            if deadline.expired:
                raise TransportError(f"timed out after {limits.timeout:g} s") from exc
            raise TransportError(_describe(exc)) from exc


def _exchange(client: httpx.Client, url: str, headers: dict[str, str], limits: Limits, deadline: _Deadline) -> Reply | None:
    # Only what _Inflater undoes: the body is decoded here, under the size cap.
    headers = {**headers, "Accept-Encoding": "gzip, deflate"}
    request = client.build_request("GET", url, headers=headers, timeout=limits.timeout, extensions={"trace": deadline.trace})
    visited = [str(request.url)]
    while True:
        response = client.send(request, stream=True, follow_redirects=False)
        try:
            if response.next_request is None:
                return _reply(response, limits, deadline)
            request = _redirect(response.next_request, visited, limits)
        finally:
            response.close()


def _redirect(request: httpx.Request, visited: list[str], limits: Limits) -> httpx.Request:
    url = str(request.url)
    if request.url.scheme not in ("http", "https"):
        raise TransportError(f"redirect to {url} refused: only http and https are fetched")
    if url in visited:
        raise TransportError("redirect loop: " + " -> ".join([*visited, url]))
    if len(visited) > limits.max_redirects:
        raise TransportError(f"too many redirects (more than {limits.max_redirects}), last to {url}")
    visited.append(url)
    return request


def _reply(response: httpx.Response, limits: Limits, deadline: _Deadline) -> Reply | None:
    status = response.status_code
    if status == 304:
        return None
    if not 200 <= status < 300:
        message = f"HTTP {status} {_reason(response)}"
        if response.is_redirect:
            message += " without a usable Location header"
        raise TransportError(message)
    return Reply(
        url=str(response.url),
        content_type=response.headers.get("Content-Type"),
        body=_read_body(response, limits, deadline),
        etag=response.headers.get("ETag"),
        last_modified=response.headers.get("Last-Modified"),
    )


def _read_body(response: httpx.Response, limits: Limits, deadline: _Deadline) -> bytes:
    """The decoded body, refused as soon as it grows past max_bytes."""
    too_large = TransportError(f"response is larger than {_size(limits.max_bytes)}")
    inflater = _Inflater.for_encoding(response.headers.get("Content-Encoding", ""))
    declared = response.headers.get("Content-Length", "")
    if inflater.coding is None and declared.isdigit() and int(declared) > limits.max_bytes:
        raise too_large
    body = bytearray()
    try:
        for raw in response.iter_raw():
            deadline.check()
            for piece in inflater.inflate(raw):
                body += piece
                if len(body) > limits.max_bytes:
                    raise too_large
        # A connection cut by the deadline can pass for a short, complete body.
        deadline.check()
        inflater.finish()
    except zlib.error as exc:
        raise TransportError(f"cannot decode the {inflater.coding} body: {exc}") from exc
    return bytes(body)


def default_client(timeout: float) -> httpx.Client:
    """No keep-alive: every request opens its own connection, so the deadline always holds the socket it may cut."""
    return httpx.Client(
        timeout=timeout,
        follow_redirects=False,
        limits=httpx.Limits(max_keepalive_connections=0),
    )


# --- Time limit ---------------------------------------------------------------


class _Expired(Exception):
    """The whole-request time limit passed."""


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
    def for_encoding(cls, header: str) -> _Inflater:
        codings = [c.strip().lower() for c in header.split(",")]
        codings = [c for c in codings if c and c != "identity"]
        if not codings:
            return cls(None)
        if len(codings) == 1 and codings[0] in ("gzip", "x-gzip", "deflate"):
            return cls("deflate" if codings[0] == "deflate" else "gzip")
        raise TransportError(f"unsupported Content-Encoding {header!r}")

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


# --- Messages -----------------------------------------------------------------


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
