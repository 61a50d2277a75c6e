"""What the Claude writer knows about each model: prices, prompt-cache minimum, deprecation.

``MODELS`` is the one table of model ids and prices, checked on
``CHECKED`` against Anthropic's pages (platform.claude.com: the pricing
page, each model's overview page, and the prompt-caching and "what's new"
pages for the minimums). Edit it, and the date, when they change. A model
that is not in it gets no price ("cost unknown"), never a neighbour's:
ids are matched exactly, or with a trailing date (``-20250929``) removed.

Deprecation and end-of-life dates are the SDK's own (the list behind its
``DeprecationWarning``), so they follow the installed ``anthropic``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

#: When the prices and minimums below were last checked against the docs.
CHECKED = dt.date(2026, 12, 6)

#: The Message Batches API bills every token of a batch request at half price.
BATCH_DISCOUNT = 0.5

#: Prompt-cache minimum assumed for a model whose minimum is not known: the largest known one.
UNKNOWN_MIN_CACHE_TOKENS = 4096


@dataclass(frozen=True)
class Model:
    """US dollars per million tokens, and the shortest prefix the prompt cache stores."""

    input: float
    output: float
    #: Writing the prompt cache (5-minute lifetime, the one the writer uses).
    cache_write: float
    #: Reading it (a cache hit).
    cache_read: float
    #: Shortest cacheable prefix in tokens; None when the docs we checked do not say.
    min_cache_tokens: int | None = None


MODELS: dict[str, Model] = {
    #                        input  output  write   read    cache minimum
    "claude-fable-5-1": Model(10.0, 50.0, 12.50, 0.25),
    "claude-mythos-5-1": Model(10.0, 50.0, 12.50, 0.25),
    "claude-fable-5": Model(10.0, 50.0, 12.50, 1.00, 512),
    "claude-mythos-5": Model(10.0, 50.0, 12.50, 1.00, 512),
    "claude-opus-5-5": Model(4.0, 20.0, 5.00, 0.20),
    "claude-opus-5": Model(5.0, 25.0, 6.25, 0.50, 512),
    "claude-opus-4-8": Model(5.0, 25.0, 6.25, 0.50, 1024),
    "claude-opus-4-7": Model(5.0, 25.0, 6.25, 0.50, 2048),
    "claude-opus-4-6": Model(5.0, 25.0, 6.25, 0.50, 4096),
    "claude-opus-4-5": Model(5.0, 25.0, 6.25, 0.50, 4096),
    "claude-sonnet-5-5": Model(2.0, 10.0, 2.50, 0.20),
    "claude-sonnet-5": Model(2.0, 10.0, 2.50, 0.20, 1024),
    # Sonnet 4.6: the docs say 1,024, users measured 2,048; the larger is the safe one.
    "claude-sonnet-4-6": Model(3.0, 15.0, 3.75, 0.30, 2048),
    "claude-sonnet-4-5": Model(3.0, 15.0, 3.75, 0.30, 1024),
    "claude-haiku-4-5": Model(1.0, 5.0, 1.25, 0.10, 4096),
}

_DATE_SUFFIX = re.compile(r"-\d{8}$")


def model(name: str) -> Model | None:
    """The table's row for a model id (a dated id finds its undated row), or None."""
    return MODELS.get(name) or MODELS.get(_DATE_SUFFIX.sub("", name))


def min_cache_tokens(name: str) -> int:
    """The shortest prefix the prompt cache stores for this model (the largest known when unknown)."""
    row = model(name)
    return row.min_cache_tokens if row and row.min_cache_tokens else UNKNOWN_MIN_CACHE_TOKENS


def deprecation(name: str) -> str | None:
    """The end-of-life date the installed SDK gives for a deprecated model, or None."""
    try:
        from anthropic._data import DEPRECATED_MODELS  # the SDK's own list (a private module)
    except ImportError:
        return None
    return DEPRECATED_MODELS.get(name)
