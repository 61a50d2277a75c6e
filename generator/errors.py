"""One root for the project's errors, each carrying the resource it is about."""

from __future__ import annotations


class BriefingsError(Exception):
    """Root of every error this package raises on purpose."""


class ConfigError(BriefingsError):
    """A mistake in feeds.yaml: names the file, the line and the key."""

    def __init__(self, path: str, line: int | None, key: str, message: str):
        self.path = path
        self.line = line
        self.key = key
        self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.key}: {self.message}"


class ConfigErrors(BriefingsError):
    """Every mistake found in one pass over the configuration."""

    def __init__(self, errors: list[ConfigError]):
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))


class FeedError(BriefingsError):
    """A problem with one feed: fetching or parsing it."""

    def __init__(self, feed_id: str, message: str):
        self.feed_id = feed_id
        self.message = message
        super().__init__(f"feed {feed_id}: {message}")


class WriterError(BriefingsError):
    """A writer could not produce a briefing for a story."""

    def __init__(self, story_id: str, message: str):
        self.story_id = story_id
        self.message = message
        super().__init__(f"story {story_id}: {message}")
