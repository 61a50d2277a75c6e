"""Cluster: editions per UTC day, stories grouped by shared words, deterministic ranking."""

from __future__ import annotations

import random

from generator.cluster import editions, select, stories_for_edition

from conftest import utc
from factories import config, item

TESSERA = [
    item(1, "Tessera-70B ships weights but no inference tooling", "The Tessera weights are out. Where is the tooling and the eval harness?", feed="reddit", author="a"),
    item(2, "Tessera-70B weights released without scaffolding", "Weights without scaffolding: Tessera needs an inference server.", feed="hn", author="b"),
    item(3, "Running Tessera weights locally needs tooling", "Quantized Tessera runs on a laptop once the tooling exists.", feed="reddit", author="c"),
]
VISAS = [
    item(4, "AI researchers leave the US over visa delays", "Visa delays push AI researchers and postdocs to Toronto and Zurich.", feed="news", author="d"),
    item(5, "Visa delays: researchers take offers in Zurich", "Postdocs say visa delays and grant freezes made Zurich an easy choice.", feed="hn", author="e"),
]
NOISE = [item(6, "My sourdough starter died", "Bread is hard. Flour, water, patience.", feed="reddit", author="f")]


def test_editions_are_utc_days_and_respect_now():
    items = TESSERA + [item(9, "x", "y", when=utc(2026, 11, 22, 3, 0))]
    eds = editions(items, window_hours=24, now=utc(2026, 11, 23, 0, 0))
    assert [e.date.isoformat() for e in eds] == ["2026-11-21", "2026-11-22"]
    eds = editions(items, window_hours=24, now=utc(2026, 11, 21, 23, 0))
    assert [e.date.isoformat() for e in eds] == ["2026-11-21"]


def test_related_posts_form_stories_and_noise_does_not():
    (edition,) = editions(TESSERA + VISAS + NOISE, window_hours=24, now=utc(2026, 11, 22))
    stories = stories_for_edition(edition, config())
    groups = sorted(sorted(i.author for i in s.items) for s in stories)
    assert groups == [["a", "b", "c"], ["d", "e"]]
    by_beat = {s.beat: s for s in stories}
    assert set(by_beat) == {"open-models", "policy"}
    assert stories[0].beat == "open-models"  # more items, ranked first
    assert "tessera" in stories[0].keywords


def test_clustering_is_deterministic_whatever_the_input_order():
    items = TESSERA + VISAS + NOISE
    (edition,) = editions(items, window_hours=24, now=utc(2026, 11, 22))
    expected = stories_for_edition(edition, config())
    for seed in range(5):
        shuffled = items[:]
        random.Random(seed).shuffle(shuffled)
        (edition,) = editions(shuffled, window_hours=24, now=utc(2026, 11, 22))
        assert stories_for_edition(edition, config()) == expected


def test_every_item_lands_in_at_most_one_story():
    (edition,) = editions(TESSERA + VISAS + NOISE, window_hours=24, now=utc(2026, 11, 22))
    seen = [i.id for s in stories_for_edition(edition, config()) for i in s.items]
    assert len(seen) == len(set(seen))


def test_select_caps_the_edition_and_grades_significance():
    (edition,) = editions(TESSERA + VISAS, window_hours=24, now=utc(2026, 11, 22))
    chosen = select(stories_for_edition(edition, config(briefings_per_edition=1)), config(briefings_per_edition=1))
    assert len(chosen) == 1 and chosen[0].significance == 5
    chosen = select(stories_for_edition(edition, config()), config())
    assert [s.significance for s in chosen][0] == 5
    assert all(1 <= s.significance <= 5 for s in chosen)
