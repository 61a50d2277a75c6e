"""What the Claude writer spent: requests, cache hits, tokens and an estimate in dollars.

Prices come from the one dated table in ``catalog``; a model that is not in
it is reported as "cost unknown", never priced like a neighbour.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from typing import Any, Mapping

from . import catalog


def cost(model: str, usage: Mapping[str, Any] | None, *, batch: bool = False) -> float | None:
    """Dollars for one response's ``usage``, or None when the model's price is unknown."""
    row = catalog.model(model)
    if row is None:
        return None
    n = tokens(usage)
    dollars = (
        n["input_tokens"] * row.input
        + n["cache_creation_input_tokens"] * row.cache_write
        + n["cache_read_input_tokens"] * row.cache_read
        + n["output_tokens"] * row.output
    ) / 1_000_000
    return dollars * (catalog.BATCH_DISCOUNT if batch else 1.0)


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
        self._totals = Totals(cost=0.0 if catalog.model(model) else None)

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
        dollars = cost(self.model, usage, batch=batch)
        with self._lock:
            t = self._totals
            self._totals = replace(
                t,
                input_tokens=t.input_tokens + n["input_tokens"],
                output_tokens=t.output_tokens + n["output_tokens"],
                cache_write_tokens=t.cache_write_tokens + n["cache_creation_input_tokens"],
                cache_read_tokens=t.cache_read_tokens + n["cache_read_input_tokens"],
                cost=None if t.cost is None or dollars is None else t.cost + dollars,
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
        return f"{line}, {self.cost_text()}"

    def cost_text(self) -> str:
        """"est. $0.26", or why there is no estimate."""
        t = self.totals()
        if t.cost is None:
            return f"cost unknown for model {self.model} (not in the price table of {catalog.CHECKED.isoformat()})"
        return f"est. ${t.cost:,.2f}"
