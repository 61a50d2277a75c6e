"""Download every enabled feed into ``snapshots/`` — the only stage that uses the network.

``fetch_all(config, snapshots_dir)`` fetches the enabled feeds of feeds.yaml
concurrently and returns one :class:`FetchResult` per feed, in config order.
A feed that fails is reported in its result; it never stops the others and
nothing is raised out of ``fetch_all``.

Each feed goes through two parts: the transport (generator/transport.py:
one GET within a time limit, a size cap and a redirect limit, with its
Content-Encoding undone) and the snapshot storage (generator/snapshots.py:
the conditional-GET state and the atomic writing of ``<stamp>.xml`` and
``<stamp>.meta.json``). Here: which validators to send, whether the body is
a feed at all, and whether it differs from the feed's latest snapshot (no
file is written when it does not: "unchanged").
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from importlib import metadata
from pathlib import Path
from typing import Any, Literal

import httpx

from . import snapshots, transport
from .errors import FeedError
from .models import Config, Feed

Status = Literal["new", "unchanged", "not-modified", "error"]

_log = logging.getLogger(__name__)

_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/rdf+xml;q=0.9, "
    "application/xml;q=0.8, text/xml;q=0.8, */*;q=0.1"
)
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
    state_path = snapshots_dir / snapshots.STATE_FILE if state_path is None else Path(state_path)
    state = snapshots.load_state(state_path)
    feeds = [feed for feed in config.feeds if feed.enabled]

    own_client = client is None
    fetcher = _Fetcher(
        client=transport.default_client(timeout) if client is None else client,
        snapshots_dir=snapshots_dir,
        now=now.astimezone(UTC),
        user_agent=_user_agent(config),
        limits=transport.Limits(timeout=timeout, max_bytes=max_bytes, max_redirects=max_redirects),
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
        snapshots.save_state(state_path, new_state)
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
class _Outcome:
    result: FetchResult
    #: The feed's entry in the state file afterwards (None: no entry).
    state: dict[str, Any] | None


@dataclass(frozen=True)
class _Fetcher:
    client: httpx.Client
    snapshots_dir: Path
    now: datetime
    user_agent: str
    limits: transport.Limits

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
        latest = snapshots.latest_snapshot(feed_dir)
        usable = state if latest and state and state.get("url") == feed.url else None
        try:
            reply = transport.get(self.client, feed.url, self._headers(usable), self.limits)
        except transport.TransportError as exc:
            raise FeedError(feed.id, exc.message) from exc
        if reply is None:
            return _Outcome(FetchResult(feed.id, "not-modified", None, "HTTP 304 Not Modified"), state)
        _check_is_feed(feed.id, reply)
        validators = snapshots.validators(feed.url, reply.etag, reply.last_modified)
        size = len(reply.body)
        if latest is not None and _same_content(latest, reply.body):
            result = FetchResult(feed.id, "unchanged", latest, f"same as {latest.name}", size)
            return _Outcome(result, validators)
        meta = {
            "content_type": reply.content_type,
            "feed_id": feed.id,
            "fetched_at": self.now.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "url": reply.url,
        }
        try:
            path = snapshots.write_snapshot(feed_dir, self.now, reply.body, meta)
        except OSError as exc:
            raise FeedError(feed.id, f"cannot save the snapshot in {feed_dir}: {exc}") from exc
        message = f"{size:,} bytes saved as {path.name}{_content_type_note(reply.content_type)}"
        return _Outcome(FetchResult(feed.id, "new", path, message, size), validators)

    def _headers(self, state: dict[str, Any] | None) -> dict[str, str]:
        headers = {"User-Agent": self.user_agent, "Accept": _ACCEPT}
        if state and state.get("etag"):
            headers["If-None-Match"] = state["etag"]
        if state and state.get("last_modified"):
            headers["If-Modified-Since"] = state["last_modified"]
        return headers


# --- Checks and messages ------------------------------------------------------


def _check_is_feed(feed_id: str, reply: transport.Reply) -> None:
    """Refuse an empty body, or an HTML page served where a feed was expected."""
    if not reply.body.strip():
        raise FeedError(feed_id, "the response body is empty")
    if snapshots.looks_like_html(reply.body):
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


def _user_agent(config: Config) -> str:
    try:
        version = metadata.version("ai-discourse-briefings")
    except metadata.PackageNotFoundError:  # running from a source tree that was never installed
        version = "0+unknown"
    return f"ai-discourse-briefings/{version} (+{config.site.url})"


def _same_content(path: Path, body: bytes) -> bool:
    return path.stat().st_size == len(body) and path.read_bytes() == body
