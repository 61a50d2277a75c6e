"""Story detection and stance against the labelled set in tests/data/story_pairs.yaml.

Prints ``story_pair_precision`` and ``story_pair_recall`` (every pair of labelled
posts: told together or apart, against a person's reading), the relevance
filter's precision and recall with ``match: ai``, and the stance accuracy. The
figures and what they count are explained in generator/evaluate.py.
"""

from __future__ import annotations

import time
from pathlib import Path

from generator.evaluate import evaluate

LABELLED = Path(__file__).resolve().parent.parent / "tests" / "data" / "story_pairs.yaml"


def run(log=print) -> dict:
    start = time.perf_counter()
    figures = evaluate(LABELLED)
    figures["stories_eval_s"] = round(time.perf_counter() - start, 2)
    log(f"[stories] {figures['story_pairs_true']} same-story pairs in {LABELLED.name}")
    return figures
