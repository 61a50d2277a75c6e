"""fetch against real HTTP servers on 127.0.0.1: pytest-httpserver for
well-formed answers, tests/hostile_http.py for faults on the wire."""

from __future__ import annotations

import gzip
import json
import re
import time
import tracemalloc
import zlib
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from generator.fetch import FetchResult, fetch_all, format_results
from generator.models import Beat, Config, Feed, Site
from hostile_http import HostileServer, closed_port_url

NOW = datetime(2025, 1, 31, 6, 0, 0, tzinfo=UTC)
LATER = datetime(2025, 1, 31, 7, 0, 0, tzinfo=UTC)
RSS = (
    b'<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel><title>Feed</title>'
    b"<item><title>One</title><link>https://example.com/1</link></item></channel></rss>\n"
)
RSS_V2 = RSS.replace(b"One", b"Two")
ATOM_LATIN1 = (
    b'<?xml version="1.0" encoding="iso-8859-1"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
    b"<title>Caf\xe9</title></feed>\n"
)
HTML = b"<!DOCTYPE html>\n<html><head><title>Sign in</title></head><body>Please log in</body></html>\n"
ETAG = '"v1"'
LAST_MODIFIED = "Fri, 31 Jan 2025 05:00:00 GMT"


def make_config(*feeds: Feed) -> Config:
    return Config(
        site=Site(title="Briefings", description="Test site.", url="https://briefings.example/"),
        beats=(Beat("open-models", "Open Models", "Open weights."),),
        feeds=feeds,
    )


def feed(feed_id: str, url: str, *, enabled: bool = True) -> Feed:
    return Feed(id=feed_id, title=feed_id, url=url, platform="blog", beats=("open-models",), enabled=enabled)


def fetch(tmp_path: Path, *feeds: Feed, **options) -> list[FetchResult]:
    options.setdefault("now", NOW)
    return fetch_all(make_config(*feeds), tmp_path / "snapshots", **options)


def files(directory: Path) -> list[str]:
    """Every name in a directory, hidden ones (temporary files) included."""
    return sorted(p.name for p in directory.iterdir()) if directory.exists() else []


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """Loopback requests must not wander off through a proxy from the environment."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def server(httpserver_ipv4: HTTPServer) -> HTTPServer:
    return httpserver_ipv4


@pytest.fixture(scope="module")
def hostile():
    server = HostileServer(interval=0.2)
    yield server
    server.close()


# --- Snapshots ---------------------------------------------------------------


def test_first_fetch_writes_raw_bytes_and_sidecar(server: HTTPServer, tmp_path: Path) -> None:
    content_type = "application/atom+xml; charset=iso-8859-1"
    server.expect_request("/feed.xml").respond_with_data(ATOM_LATIN1, content_type=content_type)

    [result] = fetch(tmp_path, feed("cafe", server.url_for("/feed.xml")))

    feed_dir = tmp_path / "snapshots" / "cafe"
    path = feed_dir / "20250131T060000Z.xml"
    size = len(ATOM_LATIN1)
    assert result == FetchResult("cafe", "new", path, f"{size} bytes saved as 20250131T060000Z.xml", size)
    assert path.read_bytes() == ATOM_LATIN1  # not charset-decoded
    sidecar = feed_dir / "20250131T060000Z.meta.json"
    meta = {
        "content_type": content_type,
        "feed_id": "cafe",
        "fetched_at": "2025-01-31T06:00:00Z",
        "url": server.url_for("/feed.xml"),
    }
    assert json.loads(sidecar.read_text()) == meta
    assert sidecar.read_text() == json.dumps(meta, sort_keys=True, indent=2) + "\n"
    assert files(feed_dir) == ["20250131T060000Z.meta.json", "20250131T060000Z.xml"]


def test_same_content_again_is_unchanged_and_writes_nothing(server: HTTPServer, tmp_path: Path) -> None:
    server.expect_request("/feed.xml").respond_with_data(RSS, content_type="application/rss+xml")
    the_feed = feed("blog", server.url_for("/feed.xml"))
    [first] = fetch(tmp_path, the_feed, now=NOW)

    [again] = fetch(tmp_path, the_feed, now=LATER)

    assert again == FetchResult("blog", "unchanged", first.path, "same as 20250131T060000Z.xml", len(RSS))
    assert files(tmp_path / "snapshots" / "blog") == ["20250131T060000Z.meta.json", "20250131T060000Z.xml"]


def test_changed_content_is_new_snapshot(server: HTTPServer, tmp_path: Path) -> None:
    server.expect_oneshot_request("/feed.xml").respond_with_data(RSS, content_type="application/rss+xml")
    server.expect_oneshot_request("/feed.xml").respond_with_data(RSS_V2, content_type="application/rss+xml")
    the_feed = feed("blog", server.url_for("/feed.xml"))
    fetch(tmp_path, the_feed, now=NOW)

    [result] = fetch(tmp_path, the_feed, now=LATER)

    assert result.status == "new"
    assert result.path == tmp_path / "snapshots" / "blog" / "20250131T070000Z.xml"
    assert result.path.read_bytes() == RSS_V2


def test_existing_stamp_is_never_overwritten(server: HTTPServer, tmp_path: Path) -> None:
    server.expect_request("/feed.xml").respond_with_data(RSS_V2, content_type="application/rss+xml")
    feed_dir = tmp_path / "snapshots" / "blog"
    feed_dir.mkdir(parents=True)
    (feed_dir / "20250131T060000Z.xml").write_bytes(RSS)

    [result] = fetch(tmp_path, feed("blog", server.url_for("/feed.xml")), now=NOW)

    assert result.path == feed_dir / "20250131T060001Z.xml"
    assert result.path.read_bytes() == RSS_V2
    assert (feed_dir / "20250131T060000Z.xml").read_bytes() == RSS


@pytest.mark.parametrize(
    "encoding, compress",
    [
        ("gzip", gzip.compress),
        ("deflate", zlib.compress),
        ("deflate", lambda data: zlib.compress(data)[2:-4]),  # raw deflate, as some servers send
    ],
    ids=["gzip", "deflate", "raw-deflate"],
)
def test_content_encoding_is_undone_before_saving(server: HTTPServer, tmp_path: Path, encoding, compress) -> None:
    server.expect_request("/feed.xml").respond_with_data(
        compress(RSS), content_type="application/rss+xml", headers={"Content-Encoding": encoding}
    )

    [result] = fetch(tmp_path, feed("blog", server.url_for("/feed.xml")))

    assert result.status == "new"
    assert result.path.read_bytes() == RSS
    assert result.bytes == len(RSS)


def test_unsupported_content_encoding_is_reported(server: HTTPServer, tmp_path: Path) -> None:
    server.expect_request("/feed.xml").respond_with_data(
        b"\x0b\x02\x80hello\x03", content_type="application/rss+xml", headers={"Content-Encoding": "br"}
    )

    [result] = fetch(tmp_path, feed("blog", server.url_for("/feed.xml")))

    assert (result.status, result.message) == ("error", "unsupported Content-Encoding 'br'")


def test_write_failure_is_reported_and_leaves_no_file(
    server: HTTPServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.expect_request("/feed.xml").respond_with_data(RSS, content_type="application/rss+xml")

    def refuse(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("generator.atomic.os.replace", refuse)  # where every file is moved into place
    [result] = fetch(tmp_path, feed("blog", server.url_for("/feed.xml")))

    assert result.status == "error"
    assert result.message.startswith("cannot save the snapshot in ")
    assert "No space left on device" in result.message
    assert files(tmp_path / "snapshots" / "blog") == []


# --- Conditional GET and state -----------------------------------------------


def conditional_handler(request: Request) -> Response:
    if request.headers.get("If-None-Match") == ETAG:
        return Response(status=304, headers={"ETag": ETAG})
    return Response(
        RSS, content_type="application/rss+xml", headers={"ETag": ETAG, "Last-Modified": LAST_MODIFIED}
    )


def test_validators_are_sent_back_and_304_is_not_modified(server: HTTPServer, tmp_path: Path) -> None:
    server.expect_request("/feed.xml").respond_with_handler(conditional_handler)
    the_feed = feed("blog", server.url_for("/feed.xml"))
    fetch(tmp_path, the_feed, now=NOW)

    [result] = fetch(tmp_path, the_feed, now=LATER)

    assert result == FetchResult("blog", "not-modified", None, "HTTP 304 Not Modified", 0)
    first, second = (request for request, _ in server.log)
    assert "If-None-Match" not in first.headers
    assert second.headers["If-None-Match"] == ETAG
    assert second.headers["If-Modified-Since"] == LAST_MODIFIED
    assert files(tmp_path / "snapshots" / "blog") == ["20250131T060000Z.meta.json", "20250131T060000Z.xml"]


def test_state_file_round_trip(server: HTTPServer, tmp_path: Path) -> None:
    server.expect_request("/feed.xml").respond_with_handler(conditional_handler)
    state_path = tmp_path / "state" / "fetch.json"
    state_path.parent.mkdir()
    other = {"etag": '"x"', "last_modified": None, "url": "https://example.com/off.xml"}
    state_path.write_text(json.dumps({"off": other}))
    url = server.url_for("/feed.xml")

    fetch(tmp_path, feed("blog", url), feed("off", "https://example.com/off.xml", enabled=False),
          state_path=state_path)

    expected = {"blog": {"etag": ETAG, "last_modified": LAST_MODIFIED, "url": url}, "off": other}
    text = state_path.read_text()
    assert json.loads(text) == expected
    assert text == json.dumps(expected, sort_keys=True, indent=2) + "\n"
    assert files(state_path.parent) == ["fetch.json"]  # written through a temporary file, now gone
    assert not (tmp_path / "snapshots" / ".fetch-state.json").exists()


def test_default_state_file_lives_in_snapshots(server: HTTPServer, tmp_path: Path) -> None:
    server.expect_request("/feed.xml").respond_with_handler(conditional_handler)

    fetch(tmp_path, feed("blog", server.url_for("/feed.xml")))

    state = json.loads((tmp_path / "snapshots" / ".fetch-state.json").read_text())
    assert state["blog"]["etag"] == ETAG


@pytest.mark.parametrize("why", ["url changed", "snapshot deleted", "state unreadable"])
def test_validators_are_not_sent_when_they_cannot_apply(
    server: HTTPServer, tmp_path: Path, why: str, caplog: pytest.LogCaptureFixture
) -> None:
    server.expect_request("/feed.xml").respond_with_handler(conditional_handler)
    server.expect_request("/moved.xml").respond_with_handler(conditional_handler)
    fetch(tmp_path, feed("blog", server.url_for("/feed.xml")), now=NOW)
    url = server.url_for("/feed.xml")
    if why == "url changed":
        url = server.url_for("/moved.xml")
    elif why == "snapshot deleted":
        (tmp_path / "snapshots" / "blog" / "20250131T060000Z.xml").unlink()
    else:
        (tmp_path / "snapshots" / ".fetch-state.json").write_text("{not json")

    [result] = fetch(tmp_path, feed("blog", url), now=LATER)

    assert "If-None-Match" not in server.log[-1][0].headers
    assert result.status == ("new" if why == "snapshot deleted" else "unchanged")
    assert ("ignoring unreadable fetch state" in caplog.text) == (why == "state unreadable")
    state = json.loads((tmp_path / "snapshots" / ".fetch-state.json").read_text())
    assert state == {"blog": {"etag": ETAG, "last_modified": LAST_MODIFIED, "url": url}}


# --- Several feeds -----------------------------------------------------------


def test_http_errors_are_reported_and_other_feeds_still_fetched(server: HTTPServer, tmp_path: Path) -> None:
    server.expect_request("/a.xml").respond_with_data(RSS, content_type="application/rss+xml")
    server.expect_request("/missing.xml").respond_with_data(b"gone", status=404)
    server.expect_request("/broken.xml").respond_with_data(b"oops", status=500)
    server.expect_request("/b.xml").respond_with_data(RSS_V2, content_type="application/rss+xml")

    results = fetch(
        tmp_path,
        feed("a", server.url_for("/a.xml")),
        feed("missing", server.url_for("/missing.xml")),
        feed("broken", server.url_for("/broken.xml")),
        feed("b", server.url_for("/b.xml")),
    )

    assert [(r.feed_id, r.status) for r in results] == [
        ("a", "new"), ("missing", "error"), ("broken", "error"), ("b", "new")
    ]
    assert format_results(results) == (
        f"new          a        {len(RSS)} bytes saved as 20250131T060000Z.xml\n"
        "FAILED       missing  HTTP 404 Not Found\n"
        "FAILED       broken   HTTP 500 Internal Server Error\n"
        f"new          b        {len(RSS_V2)} bytes saved as 20250131T060000Z.xml\n"
        "4 feeds: 2 new, 0 unchanged, 0 not modified, 2 failed"
    )


def test_results_keep_config_order_whatever_finishes_first(server: HTTPServer, tmp_path: Path) -> None:
    def slow(request: Request) -> Response:
        time.sleep(0.3)
        return Response(RSS, content_type="application/rss+xml")

    server.expect_request("/slow.xml").respond_with_handler(slow)
    server.expect_request("/fast.xml").respond_with_data(RSS_V2, content_type="application/rss+xml")
    feeds = [feed("slow", server.url_for("/slow.xml"))] + [
        feed(f"fast-{n}", server.url_for("/fast.xml")) for n in range(5)
    ]

    results = fetch(tmp_path, *feeds, workers=3)

    assert [r.feed_id for r in results] == ["slow", "fast-0", "fast-1", "fast-2", "fast-3", "fast-4"]
    assert {r.status for r in results} == {"new"}


def test_disabled_feed_is_skipped(server: HTTPServer, tmp_path: Path) -> None:
    server.expect_request("/on.xml").respond_with_data(RSS, content_type="application/rss+xml")

    results = fetch(
        tmp_path,
        feed("on", server.url_for("/on.xml")),
        feed("off", server.url_for("/off.xml"), enabled=False),
    )

    assert [r.feed_id for r in results] == ["on"]
    assert [request.path for request, _ in server.log] == ["/on.xml"]
    assert not (tmp_path / "snapshots" / "off").exists()


def test_user_agent_names_project_and_site(server: HTTPServer, tmp_path: Path) -> None:
    server.expect_request("/feed.xml").respond_with_data(RSS, content_type="application/rss+xml")

    fetch(tmp_path, feed("blog", server.url_for("/feed.xml")))

    [(request, _)] = server.log
    assert re.fullmatch(r"ai-discourse-briefings/\S+ \(\+https://briefings\.example/\)",
                        request.headers["User-Agent"])
    assert request.headers["Accept-Encoding"] == "gzip, deflate"


def test_a_client_passed_in_is_used_and_left_open(server: HTTPServer, tmp_path: Path) -> None:
    server.expect_request("/feed.xml").respond_with_data(RSS, content_type="application/rss+xml")

    with httpx.Client(headers={"User-Agent": "something-else"}) as client:
        results = fetch(tmp_path, feed("a", server.url_for("/feed.xml")), feed("b", server.url_for("/feed.xml")),
                        client=client)
        assert not client.is_closed

    assert [r.status for r in results] == ["new", "new"]
    assert all(request.headers["User-Agent"].startswith("ai-discourse-briefings/") for request, _ in server.log)


def test_format_results_singular_and_every_status() -> None:
    results = [
        FetchResult("hn", "unchanged", Path("s/hn/x.xml"), "same as x.xml", 10),
        FetchResult("arxiv-ai", "not-modified", None, "HTTP 304 Not Modified"),
    ]
    assert format_results(results) == (
        "unchanged    hn        same as x.xml\n"
        "not modified arxiv-ai  HTTP 304 Not Modified\n"
        "2 feeds: 0 new, 1 unchanged, 1 not modified, 0 failed"
    )
    assert format_results(results[:1]).endswith("\n1 feed: 0 new, 1 unchanged, 0 not modified, 0 failed")
    assert format_results([]) == "0 feeds: 0 new, 0 unchanged, 0 not modified, 0 failed"


# --- Redirects ---------------------------------------------------------------


def test_redirect_is_followed(server: HTTPServer, tmp_path: Path) -> None:
    server.expect_request("/old.xml").respond_with_data(b"", status=301, headers={"Location": "/new.xml"})
    server.expect_request("/new.xml").respond_with_data(RSS, content_type="application/rss+xml")

    [result] = fetch(tmp_path, feed("blog", server.url_for("/old.xml")))

    assert result.status == "new"
    meta = json.loads(result.path.with_suffix(".meta.json").read_text())
    assert meta["url"] == server.url_for("/new.xml")


def test_redirect_loop_is_reported(server: HTTPServer, tmp_path: Path) -> None:
    server.expect_request("/a.xml").respond_with_data(b"", status=302, headers={"Location": "/b.xml"})
    server.expect_request("/b.xml").respond_with_data(b"", status=302, headers={"Location": "/a.xml"})

    [result] = fetch(tmp_path, feed("loop", server.url_for("/a.xml")))

    a, b = server.url_for("/a.xml"), server.url_for("/b.xml")
    assert (result.status, result.message) == ("error", f"redirect loop: {a} -> {b} -> {a}")
    assert len(server.log) == 2


def test_too_many_redirects_are_reported(server: HTTPServer, tmp_path: Path) -> None:
    for n in range(10):
        server.expect_request(f"/{n}").respond_with_data(b"", status=307, headers={"Location": f"/{n + 1}"})

    [result] = fetch(tmp_path, feed("chain", server.url_for("/0")), max_redirects=3)

    assert result.status == "error"
    assert result.message == f"too many redirects (more than 3), last to {server.url_for('/4')}"
    assert len(server.log) == 4


@pytest.mark.parametrize("location", ["ftp://127.0.0.1/feed.xml", "file:///etc/passwd"])
def test_redirect_to_another_scheme_is_refused(server: HTTPServer, tmp_path: Path, location: str) -> None:
    server.expect_request("/feed.xml").respond_with_data(b"", status=302, headers={"Location": location})

    [result] = fetch(tmp_path, feed("blog", server.url_for("/feed.xml")))

    assert result.status == "error"
    assert result.message.startswith("redirect to ")
    assert result.message.endswith("refused: only http and https are fetched")


# --- Time limit ----------------------------------------------------------------


def test_server_that_never_answers_times_out(hostile: HostileServer, tmp_path: Path) -> None:
    start = time.monotonic()
    [result] = fetch(tmp_path, feed("silent", hostile.url("/silent")), timeout=1.0)
    elapsed = time.monotonic() - start

    assert (result.status, result.message) == ("error", "timed out after 1 s")
    assert elapsed < 2.0


@pytest.mark.parametrize("path", ["/drip-body", "/drip-headers"])
def test_slow_drip_is_cut_off_at_the_time_limit(hostile: HostileServer, tmp_path: Path, path: str) -> None:
    # A byte every 0.2 s never trips a per-read timeout of 1 s; the body
    # would take 2,000 s and the headers never end.
    start = time.monotonic()
    [result] = fetch(tmp_path, feed("drip", hostile.url(path)), timeout=1.0)
    elapsed = time.monotonic() - start

    assert (result.status, result.message) == ("error", "timed out after 1 s")
    assert 0.9 < elapsed < 2.0
    assert files(tmp_path / "snapshots" / "drip") == []


def test_connection_reset_is_reported(hostile: HostileServer, tmp_path: Path) -> None:
    [result] = fetch(tmp_path, feed("reset", hostile.url("/reset")), timeout=5.0)

    assert (result.status, result.message) == ("error", "connection reset by the server")
    assert files(tmp_path / "snapshots" / "reset") == []


def test_connection_refused_is_reported(tmp_path: Path) -> None:
    [result] = fetch(tmp_path, feed("nobody", closed_port_url()), timeout=5.0)

    assert result.status == "error"
    assert result.message.startswith("cannot connect: ")


# --- Size cap ------------------------------------------------------------------


def test_declared_oversize_body_is_refused(server: HTTPServer, tmp_path: Path) -> None:
    big = RSS + b" " * (300 * 1024)
    server.expect_request("/big.xml").respond_with_data(big, content_type="application/rss+xml")

    [result] = fetch(tmp_path, feed("big", server.url_for("/big.xml")), max_bytes=256 * 1024)

    assert (result.status, result.message) == ("error", "response is larger than 256 KiB")
    assert files(tmp_path / "snapshots" / "big") == []


def test_endless_body_is_cut_off_at_the_size_cap(hostile: HostileServer, tmp_path: Path) -> None:
    [result] = fetch(tmp_path, feed("endless", hostile.url("/endless")), max_bytes=256 * 1024)

    assert (result.status, result.message) == ("error", "response is larger than 256 KiB")
    assert files(tmp_path / "snapshots" / "endless") == []


@pytest.fixture(scope="module")
def gzip_bomb() -> bytes:
    """256 MiB of zeros, gzipped to about 1 MiB."""
    compressor = zlib.compressobj(1, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = bytes(2**20)
    return b"".join([compressor.compress(block) for _ in range(256)] + [compressor.flush()])


def test_gzip_bomb_is_stopped_in_bounded_memory(server: HTTPServer, tmp_path: Path, gzip_bomb: bytes) -> None:
    server.expect_request("/bomb.xml").respond_with_data(
        gzip_bomb, content_type="application/rss+xml", headers={"Content-Encoding": "gzip"}
    )

    tracemalloc.start()
    try:
        [result] = fetch(tmp_path, feed("bomb", server.url_for("/bomb.xml")), max_bytes=2**20)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert (result.status, result.message) == ("error", "response is larger than 1 MiB")
    assert peak < 16 * 2**20, f"peak {peak:,} bytes while refusing a 256 MiB bomb"
    assert files(tmp_path / "snapshots" / "bomb") == []


# --- What the body is ----------------------------------------------------------


@pytest.mark.parametrize("content_type", ["text/html; charset=utf-8", "application/rss+xml"])
def test_html_page_instead_of_feed_is_refused(server: HTTPServer, tmp_path: Path, content_type: str) -> None:
    server.expect_request("/feed.xml").respond_with_data(HTML, content_type=content_type)

    [result] = fetch(tmp_path, feed("login-wall", server.url_for("/feed.xml")))

    assert result.status == "error"
    assert result.message == f"served an HTML page, not a feed (Content-Type: {content_type})"
    assert files(tmp_path / "snapshots" / "login-wall") == []


HTML_AFTER_COMMENT = b"<!-- served by the login proxy -->\n<html><body>Sign in</body></html>\n"
XHTML = (b'<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE html>\n'
         b'<html xmlns="http://www.w3.org/1999/xhtml"><body>Moved</body></html>\n')
RSS_QUOTING_HTML = RSS.replace(b"<title>One</title>", b"<title>One</title><description><![CDATA[<html><p>hi</p></html>]]></description>")


@pytest.mark.parametrize("body, is_page", [(HTML, True), (HTML_AFTER_COMMENT, True), (XHTML, True),
                                           (RSS_QUOTING_HTML, False), (ATOM_LATIN1, False)])
def test_fetch_and_ingest_tell_an_html_page_the_same_way(server: HTTPServer, tmp_path: Path, body: bytes, is_page: bool) -> None:
    """One rule (generator.snapshots.looks_like_html): what fetch refuses as a page, ingest reports as one."""
    from generator.ingest import Snapshot, parse_snapshot

    server.expect_request("/feed.xml").respond_with_data(body, content_type="application/xml")
    [result] = fetch(tmp_path, feed("maybe-page", server.url_for("/feed.xml")))
    assert (result.message.startswith("served an HTML page")) is is_page, result.message
    _, problems = parse_snapshot(Snapshot(feed("maybe-page", "https://example.org/"), tmp_path / "x.xml", NOW), body)
    assert any("an HTML page, not a feed" in p.message for p in problems) is is_page, problems


def test_empty_body_is_refused(server: HTTPServer, tmp_path: Path) -> None:
    server.expect_request("/feed.xml").respond_with_data(b"\n", content_type="application/rss+xml")

    [result] = fetch(tmp_path, feed("empty", server.url_for("/feed.xml")))

    assert (result.status, result.message) == ("error", "the response body is empty")


@pytest.mark.parametrize(
    "content_type, note",
    [
        ("text/html; charset=utf-8", " (served as text/html, not a feed type)"),
        ("text/plain", " (served as text/plain, not a feed type)"),
        (None, " (served without a Content-Type)"),
    ],
)
def test_real_feed_with_wrong_content_type_is_saved_with_a_note(
    server: HTTPServer, tmp_path: Path, content_type: str | None, note: str
) -> None:
    def handler(request: Request) -> Response:
        response = Response(RSS)
        del response.headers["Content-Type"]
        if content_type:
            response.headers["Content-Type"] = content_type
        return response

    server.expect_request("/feed.xml").respond_with_handler(handler)

    [result] = fetch(tmp_path, feed("odd", server.url_for("/feed.xml")))

    assert result.status == "new"
    assert result.message == f"{len(RSS)} bytes saved as 20250131T060000Z.xml{note}"
    assert result.path.read_bytes() == RSS
    assert json.loads(result.path.with_suffix(".meta.json").read_text())["content_type"] == content_type


def test_now_must_be_timezone_aware(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        fetch(tmp_path, now=datetime(2025, 1, 31, 6, 0, 0))
