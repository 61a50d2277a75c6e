"""What the Claude writer spent: requests, cache hits, tokens and an estimate in dollars.

Prices are US dollars per million tokens, from Anthropic's published price
list at the time of writing; edit ``PRICES`` when they change. A prompt-cache
write costs 1.25 times the input price, a cache read 0.1 times; everything
sent through the Message Batches API costs half.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from typing import Any, Mapping

#: (input, output) dollars per million tokens, by model-name prefix (longest match wins).
PRICES: dict[str, tuple[float, float]] = {
    "claude-opus-4-7": (5.0, 25.0),
    "claude-opus-4-6": (5.0, 25.0),
    "claude-opus-4-5": (5.0, 25.0),
    "claude-opus-4-1": (15.0, 75.0),
    "claude-opus-4": (15.0, 75.0),
    "claude-sonnet-4": (3.0, 15.0),
    "claude-3-7-sonnet": (3.0, 15.0),
    "claude-haiku-4-5": (1.0, 5.0),
    "claude-3-5-haiku": (0.8, 4.0),
    "claude-3-haiku": (0.25, 1.25),
}
CACHE_WRITE_FACTOR = 1.25
CACHE_READ_FACTOR = 0.1
BATCH_FACTOR = 0.5


def price(model: str) -> tuple[float, float] | None:
    """(input, output) dollars per million tokens for a model, or None when unknown."""
    matches = [prefix for prefix in PRICES if model == prefix or model.startswith(prefix + "-")]
    return PRICES[max(matches, key=len)] if matches else None


@dataclass(frozen=True)
class Totals:
    """A snapshot of the writer's spending."""

    requests: int = 0
    cache_hits: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cache_write_tokens: int = 0
    cache_read_tokens: int = 0
    #: Estimated dollars, or None when the model's price is unknown.
    cost: float | None = 0.0

    @property
    def all_input_tokens(self) -> int:
        return self.input_tokens + self.cache_write_tokens + self.cache_read_tokens


def tokens(usage: Mapping[str, Any] | None) -> dict[str, int]:
    """The four token counts of a Messages API ``usage`` object (missing ones are 0)."""
    usage = usage or {}
    return {
        key: int(usage.get(key) or 0)
        for key in ("input_tokens", "output_tokens", "cache_creation_input_tokens", "cache_read_input_tokens")
    }


class Meter:
    """Thread-safe running totals for one writer."""

    def __init__(self, model: str):
        self.model = model
        self._lock = threading.Lock()
        self._totals = Totals(cost=0.0 if price(model) else None)

    def request(self, count: int = 1) -> None:
        """Count Messages requests sent (each request of a batch counts once)."""
        with self._lock:
            self._totals = replace(self._totals, requests=self._totals.requests + count)

    def cache_hit(self) -> None:
        with self._lock:
            self._totals = replace(self._totals, cache_hits=self._totals.cache_hits + 1)

    def usage(self, usage: Mapping[str, Any] | None, *, batch: bool = False) -> None:
        """Add one response's token usage."""
        n = tokens(usage)
        rates = price(self.model)
        cost = None
        if rates is not None:
            inp, out = rates
            cost = (
                n["input_tokens"] * inp
                + n["cache_creation_input_tokens"] * inp * CACHE_WRITE_FACTOR
                + n["cache_read_input_tokens"] * inp * CACHE_READ_FACTOR
                + n["output_tokens"] * out
            ) / 1_000_000 * (BATCH_FACTOR if batch else 1.0)
        with self._lock:
            t = self._totals
            self._totals = replace(
                t,
                input_tokens=t.input_tokens + n["input_tokens"],
                output_tokens=t.output_tokens + n["output_tokens"],
                cache_write_tokens=t.cache_write_tokens + n["cache_creation_input_tokens"],
                cache_read_tokens=t.cache_read_tokens + n["cache_read_input_tokens"],
                cost=None if t.cost is None or cost is None else t.cost + cost,
            )

    def totals(self) -> Totals:
        with self._lock:
            return self._totals

    def summary(self) -> str:
        """One line, e.g. "claude: 12 requests, 3 cache hits, 45,210 input + 8,112 output tokens, est. $0.26"."""
        t = self.totals()
        line = (
            f"claude: {t.requests:,} request{'s' if t.requests != 1 else ''}, "
            f"{t.cache_hits:,} cache hit{'s' if t.cache_hits != 1 else ''}, "
            f"{t.all_input_tokens:,} input + {t.output_tokens:,} output tokens"
        )
        if t.cache_write_tokens or t.cache_read_tokens:
            line += f" (prompt cache: {t.cache_write_tokens:,} written, {t.cache_read_tokens:,} read)"
        if t.cost is None:
            return line + f", cost unknown for model {self.model}"
        return line + f", est. ${t.cost:,.2f}"
