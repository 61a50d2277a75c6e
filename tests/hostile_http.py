"""A loopback HTTP server that misbehaves on purpose, for the fetch tests.

pytest-httpserver answers well-formed requests well; the faults a feed
server commits on the wire need a raw socket. The request path picks the
behaviour:

``/silent``        reads the request and never answers.
``/drip-body``     sends headers promising 10,000 bytes, then one byte per ``interval``.
``/drip-headers``  sends a status line, then one header line per ``interval``, forever.
``/reset``         sends the start of a response, then resets the connection (RST).
``/endless``       streams a feed-looking body without Content-Length, without end.

Every loop ends when the server is closed, or after ``give_up`` seconds, so a
client that fails to cut it off makes a test fail rather than hang.
"""

from __future__ import annotations

import socket
import socketserver
import struct
import threading
import time
from collections.abc import Iterator

FEED_HEAD = b'<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'


class HostileServer:
    """Serves on 127.0.0.1 at an ephemeral port until ``close()``."""

    def __init__(self, interval: float = 0.2, give_up: float = 10.0):
        self.interval = interval
        self.give_up = give_up
        self.stopping = threading.Event()
        #: Request paths, in the order they arrived.
        self.paths: list[str] = []
        owner = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                owner._handle(self)

        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._server.block_on_close = False
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def url(self, path: str) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}{path}"

    def close(self) -> None:
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    # Behaviours -------------------------------------------------------------

    def _handle(self, handler: socketserver.StreamRequestHandler) -> None:
        path = _read_request(handler)
        self.paths.append(path)
        behaviour = {
            "/silent": self._silent,
            "/drip-body": self._drip_body,
            "/drip-headers": self._drip_headers,
            "/reset": self._reset,
            "/endless": self._endless,
        }.get(path, self._not_found)
        try:
            behaviour(handler.connection)
        except OSError:  # the client hung up, as it should
            pass

    def _silent(self, conn: socket.socket) -> None:
        self.stopping.wait(self.give_up)

    def _drip_body(self, conn: socket.socket) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nContent-Length: 10000\r\n\r\n")
        for _ in self._ticks():
            conn.sendall(b" ")

    def _drip_headers(self, conn: socket.socket) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\n")
        for count in self._ticks():
            conn.sendall(b"X-Drip: %d\r\n" % count)

    def _ticks(self) -> Iterator[int]:
        """Count every ``interval`` until the server closes or gives up."""
        deadline = time.monotonic() + self.give_up
        count = 0
        while not self.stopping.wait(self.interval) and time.monotonic() < deadline:
            count += 1
            yield count

    def _reset(self, conn: socket.socket) -> None:
        conn.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nContent-Length: 5000\r\n\r\n" + FEED_HEAD
        )
        self.stopping.wait(0.05)
        # Linger on, with a zero timeout: close() sends RST instead of FIN.
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        conn.close()

    def _endless(self, conn: socket.socket) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nConnection: close\r\n\r\n")
        conn.sendall(FEED_HEAD)
        item = b"<item><title>Again</title><link>https://example.com/</link></item>\n"
        block = item * (64 * 1024 // len(item))
        deadline = time.monotonic() + self.give_up
        while not self.stopping.is_set() and time.monotonic() < deadline:
            conn.sendall(block)

    def _not_found(self, conn: socket.socket) -> None:
        conn.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")


def _read_request(handler: socketserver.StreamRequestHandler) -> str:
    """Read the request head; return its path."""
    request_line = handler.rfile.readline(65537).decode("latin-1")
    while handler.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
        pass
    parts = request_line.split()
    return parts[1] if len(parts) >= 2 else ""


def closed_port_url(path: str = "/feed.xml") -> str:
    """A loopback URL nobody listens on: connecting to it is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}{path}"
