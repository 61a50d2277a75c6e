"""On-disk state of the Claude writer: accepted answers and pending batches.

``ResponseCache`` keeps one JSON file per request key (see
``prompt.request_key``) holding the accepted Message, so a story
whose items, prompt, model and parameters did not change never calls the
API again. Only answers that passed the guard are stored.

``PendingBatches`` remembers every Message Batch this writer created and has
not yet collected: its id, when the API created it and, for each custom_id,
the request key and attempt it stands for. It is written right after the batch is created and
removed only once its results are safely in the response cache, so a run
that is interrupted while a batch is processing resumes that batch on the
next run instead of paying for it twice.

Files are written to a temporary name and renamed, so a crash never leaves
half a file behind.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ...atomic import write_atomic


def _write_json(path: Path, data: Any) -> None:
    write_atomic(path, (json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8"))


def _read_json(path: Path) -> Any | None:
    """The file's JSON, or None when it is missing or unreadable (then it is treated as absent)."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


class ResponseCache:
    """Accepted answers, one JSON file per request key."""

    def __init__(self, directory: Path):
        self.directory = Path(directory)

    def path(self, key: str) -> Path:
        return self.directory / f"{key}.json"

    def load(self, key: str) -> dict[str, Any] | None:
        record = _read_json(self.path(key))
        if not isinstance(record, dict) or record.get("key") != key or not isinstance(record.get("message"), dict):
            return None
        return record

    def store(self, key: str, record: dict[str, Any]) -> None:
        _write_json(self.path(key), {**record, "key": key})

    def discard(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)


@dataclass(frozen=True)
class PendingRequest:
    """What one custom_id of a pending batch stands for."""

    #: The response-cache key of the story's request.
    key: str
    #: 1 for the first answer, 2 for the one retry after a rejected answer.
    attempt: int = 1
    #: Why the first answer was rejected (for attempt 2).
    reason: str = ""


@dataclass(frozen=True)
class Pending:
    """A Message Batch created but not yet collected."""

    batch_id: str
    requests: dict[str, PendingRequest]
    #: When the API created it (timezone-aware), or None for a record written without it.
    created_at: dt.datetime | None = None

    @property
    def keys(self) -> set[str]:
        return {request.key for request in self.requests.values()}


class PendingBatches:
    """The batches directory under the cache: one JSON file per pending batch."""

    def __init__(self, directory: Path):
        self.directory = Path(directory) / "batches"

    def _path(self, batch_id: str) -> Path:
        safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in batch_id)
        return self.directory / f"{safe}.json"

    def all(self) -> list[Pending]:
        """Every recorded pending batch, oldest file name first."""
        if not self.directory.is_dir():
            return []
        out: list[Pending] = []
        for path in sorted(self.directory.glob("*.json")):
            data = _read_json(path)
            if not isinstance(data, dict) or not isinstance(data.get("batch_id"), str):
                continue
            requests = {
                str(custom_id): PendingRequest(str(entry["key"]), int(entry.get("attempt", 1)), str(entry.get("reason", "")))
                for custom_id, entry in (data.get("requests") or {}).items()
                if isinstance(entry, dict) and "key" in entry
            }
            out.append(Pending(data["batch_id"], requests, _datetime(data.get("created_at"))))
        return out

    def record(self, pending: Pending) -> None:
        _write_json(
            self._path(pending.batch_id),
            {
                "batch_id": pending.batch_id,
                "created_at": pending.created_at.isoformat() if pending.created_at else None,
                "requests": {
                    cid: {"key": r.key, "attempt": r.attempt, "reason": r.reason} for cid, r in pending.requests.items()
                },
            },
        )

    def forget(self, batch_id: str) -> None:
        self._path(batch_id).unlink(missing_ok=True)


def _datetime(text: Any) -> dt.datetime | None:
    """An aware datetime from ISO-8601 text, or None when there is none or it cannot be read."""
    try:
        value = dt.datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)
