"""Figures as ``name: value`` lines, and the targets they are read against."""

from __future__ import annotations

import operator
from dataclasses import dataclass


@dataclass(frozen=True)
class Target:
    figure: str
    op: str
    limit: float
    what: str

    def check(self, value: float) -> bool:
        return {"<=": operator.le, ">=": operator.ge}[self.op](value, self.limit)


TARGETS = (
    Target("story_pair_precision", ">=", 0.95, "posts told as one story are one story (labelled pairs)"),
    Target("story_pair_recall", ">=", 0.40, "posts of one story are told together (labelled pairs)"),
    Target("site_build_3000_s", "<=", 20.0, "3,000 briefings build in at most 20 s"),
    Target("speedup_3000", ">=", 6.0, "at least 6x faster than the stock blog-plugin site (same run)"),
    Target("scaling_3000_over_1000", "<=", 3.3, "t(3,000) / t(1,000) at most 3.3"),
    Target("search_index_3000_mb", "<=", 2.0, "search index at 3,000 briefings at most 2 MB"),
    Target("search_checks_3000", ">=", 1.0, "search finds briefings by headline, teaser, beat, source names, handles and the names their posts use (1 = yes)"),
    Target("ingest_overhead_pct", "<=", 10.0, "first ingest within 10% of raw feedparser"),
    Target("rebuild_10000_s", "<=", 1.0, "rebuild with nothing new at 10,000 items in at most 1 s"),
    Target("rebuild_calls", "<=", 0.0, "a rebuild with nothing new makes no model call"),
    Target("claude_50_stories_s", "<=", 10.0, "50 Claude stories at 1 s latency in at most 10 s"),
    Target("claude_rebuild_requests", "<=", 0.0, "the same 50 stories again make no request"),
)


def fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:.3f}".rstrip("0").rstrip(".") if abs(value) < 10 else f"{value:.1f}"
    return str(value)


def print_figures(title: str, figures: dict) -> None:
    print(f"\n--- {title}: figures ---", flush=True)
    for name, value in figures.items():
        print(f"{name}: {fmt(value)}", flush=True)


def print_summary(figures: dict) -> None:
    print("\n=== all figures ===")
    for name, value in figures.items():
        print(f"{name}: {fmt(value)}")
    print("\n=== targets ===")
    for target in TARGETS:
        value = figures.get(target.figure)
        if value is None:
            verdict, shown = "NOT MEASURED", "-"
        else:
            verdict, shown = ("PASS" if target.check(float(value)) else "FAIL"), fmt(value)
        print(f"{verdict:<12} {target.figure} = {shown} (target {target.op} {fmt(target.limit)}): {target.what}")
