"""Writers turn a Story into a Briefing. They are interchangeable.

A writer refers to sources by index into the story's items (``Span.source``),
so it can never invent a URL: the renderer is the one place that turns those
indexes into footnotes and links.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable, Iterator, Protocol

from ..errors import WriterError
from ..models import Beat, Briefing, Story

if TYPE_CHECKING:
    from ..analyse import Analysis


@dataclass(frozen=True)
class Job:
    """One story to write, with everything the writer may use."""

    story: Story
    beat: Beat
    #: Hash of the story's inputs and the writer's fingerprint; goes into front matter.
    inputs_hash: str
    #: The story's conversation as our code reads it (generator/analyse.py); trusted context.
    analysis: "Analysis | None" = None
    #: The edition of the briefing this story follows up, when it continues one.
    follows: dt.date | None = None


@dataclass(frozen=True)
class Outcome:
    job: Job
    briefing: Briefing | None = None
    error: WriterError | None = None


class Writer(Protocol):
    #: "extractive" or "claude"; stored in front matter.
    name: str

    def fingerprint(self) -> str:
        """Everything besides the story that decides the output (prompt version, model, params)."""
        ...

    def write_all(self, jobs: Iterable[Job]) -> Iterator[Outcome]:
        """Write every job; a failure is an Outcome with ``error`` set, never an exception."""
        ...


def make_writer(name: str, **options) -> Writer:
    """Build a writer by name: "extractive" or "claude"."""
    if name == "extractive":
        from .extractive import ExtractiveWriter

        return ExtractiveWriter()
    if name == "claude":
        from .claude import ClaudeWriter  # imports anthropic only when asked for

        return ClaudeWriter(**options)
    raise ValueError(f"unknown writer {name!r} (extractive or claude)")
