"""The thin layer over the ``anthropic`` SDK: one client, one call, readable errors.

Retries with backoff on 408/409/429/5xx (529 "overloaded" included),
connection errors and timeouts are the SDK's own (``max_retries``; it
honours ``retry-after``); this module only sets them and turns what is left
into one sentence for the build log.
"""

from __future__ import annotations

import json
import threading
from contextlib import contextmanager
from typing import Any, Iterator

import anthropic

from .usage import Meter


class NoCredentials(Exception):
    """No API key or other credential is configured for the Anthropic client."""


class UnreadableResponse(Exception):
    """The API answered with a body that is not JSON (the SDK lets the decoder's error through)."""


class Client:
    """An ``anthropic.Anthropic`` client made on first use and shared by the writer's threads.

    A client passed in is used with the writer's ``max_retries``; otherwise
    one is built from the environment (``ANTHROPIC_API_KEY``, and
    ``ANTHROPIC_BASE_URL`` when set). With ``timeout`` None the SDK sets each
    call's timeout from its ``max_tokens`` (its own estimate of how long a
    non-streaming answer may take); a number overrides that.
    """

    def __init__(self, client: anthropic.Anthropic | None, *, max_retries: int, timeout: float | None):
        self.max_retries = max_retries
        self.timeout = timeout
        self._given = client
        self._client: anthropic.Anthropic | None = None
        self._lock = threading.Lock()

    def get(self) -> anthropic.Anthropic:
        with self._lock:
            if self._client is None:
                options: dict[str, Any] = {"max_retries": self.max_retries}
                if self.timeout is not None:
                    options["timeout"] = self.timeout
                if self._given is not None:
                    client = self._given.with_options(**options)
                else:
                    client = anthropic.Anthropic(**options)
                if not (client.api_key or client.auth_token or client.credentials):
                    raise NoCredentials("no Anthropic credentials: set ANTHROPIC_API_KEY to use the Claude writer")
                self._client = client
            return self._client

    def create(self, params: dict[str, Any], meter: Meter) -> dict[str, Any]:
        """Send one Messages request; return the Message as JSON data, its usage metered."""
        client = self.get()
        meter.request()
        with sdk_call():
            message = client.messages.create(**params)
        data = message.model_dump(mode="json")
        meter.usage(data.get("usage"))
        return data

    def describe(self, exc: BaseException) -> str:
        """One sentence saying what went wrong with a request, for the build log."""
        tries = f"{self.max_retries + 1} attempt{'s' if self.max_retries else ''}"
        if isinstance(exc, NoCredentials):
            return str(exc)
        if isinstance(exc, anthropic.APITimeoutError):
            within = f"within {self.timeout:g} s" if self.timeout is not None else "within the SDK's timeout"
            return f"the Messages API did not answer {within} ({tries})"
        if isinstance(exc, anthropic.APIConnectionError):
            return f"could not reach the Messages API ({tries}): {exc}"
        if isinstance(exc, anthropic.APIResponseValidationError):
            return f"the Messages API sent a response that is not a valid message (HTTP {exc.status_code})"
        if isinstance(exc, anthropic.APIStatusError):
            kind, message = _error_fields(exc.body)
            retried = exc.status_code in (408, 409, 429) or exc.status_code >= 500
            after = f" after {tries}" if retried else ""
            return f"the Messages API answered HTTP {exc.status_code} ({kind or 'error'}){after}: {message or exc.message}"
        if isinstance(exc, UnreadableResponse):
            return f"the Messages API sent a response that could not be read as JSON ({exc})"
        return f"the Messages API request failed: {exc}"


#: What a call to the API may raise that means "this story could not be written".
#: Only SDK calls are guarded with it, so a bug in our own code is never mistaken for one.
API_ERRORS: tuple[type[BaseException], ...] = (anthropic.AnthropicError, NoCredentials, UnreadableResponse)


@contextmanager
def sdk_call() -> Iterator[None]:
    """Around SDK calls only: a body the SDK could not decode becomes ``UnreadableResponse``."""
    try:
        yield
    except json.JSONDecodeError as exc:
        raise UnreadableResponse(str(exc)) from exc


def _error_fields(body: object) -> tuple[str, str]:
    """(error type, message) from an API error body such as {"type": "error", "error": {...}}."""
    if isinstance(body, dict):
        inner = body.get("error") if isinstance(body.get("error"), dict) else body
        return str(inner.get("type") or ""), str(inner.get("message") or "")
    return "", ""
