"""The search index stays small: a briefing is found by its headline, teaser, beat and
source names, but its body, footnotes and the lists of teasers are not indexed.

Material's search plugin indexes every page's full text, which grows with every briefing.
The site plugin (generator/site/search.py) keeps briefings and the generated lists
(home, beats, archive) out of it and adds one compact entry per page instead. This
builds a small real site and reads site/search/search_index.json.
"""

from __future__ import annotations

import datetime as dt
import html
import json
from pathlib import Path

import pytest

from generator import render
from generator.models import Briefing, Span

from factories import BEATS, config as make_config, item, story
from sitebuild import build_site_from_docs

pytestmark = pytest.mark.slow

BODY_WORD = "Quillimorphic"
FOOTNOTE_WORD = "Zarbendash"


def _briefing(n: int, beat: str, day: int) -> Briefing:
    when = dt.datetime(2026, 11, day, 9, 0, tzinfo=dt.timezone.utc)
    items = [
        item(10 * n + 1, f"Post {n} about Vexlora weights", f"{FOOTNOTE_WORD} said the Vexlora release {n} changes little.",
             feed="reddit", author=f"u/first_voice_{n}", when=when),
        item(10 * n + 2, f"Post {n} on Vexlora licences", f"Licences matter more than weights for Vexlora {n}.",
             feed="hn", author=f"hn_writer_{n}", when=when),
        item(10 * n + 3, f"Post {n} from the wires", f"Regulators looked at Vexlora {n} this week.", feed="news", author="", when=when),
    ]
    items[2] = items[2].__class__(**{**items[2].__dict__, "outlet": "Reuters"})
    paragraphs = (
        (Span(f"{BODY_WORD} opening sentence of briefing {n}, which readers see but search does not. "),
         Span(f"{FOOTNOTE_WORD} said the Vexlora release {n} changes little.", source=0, quote=True)),
        (Span("A second paragraph of narrative. "), Span(f"Licences matter more than weights for Vexlora {n}.", source=1, quote=True)),
        (Span("And the wires: "), Span(f"Regulators looked at Vexlora {n} this week.", source=2, quote=True)),
    )
    return Briefing(
        story=story(items, beat=beat),
        headline=f"Kestrelwood {n} asks who the open weights are for",
        teaser=f"Teaserword{n} sums up a week of argument about licences and tooling.",
        paragraphs=paragraphs,
        sources=tuple(items),
        writer="claude",
        inputs_hash=f"hash{n}",
        model="claude-sonnet-4-5",
    )


@pytest.fixture(scope="module")
def index(tmp_path_factory) -> tuple[list[dict], dict[int, str], Briefing]:
    tmp = tmp_path_factory.mktemp("search")
    docs = tmp / "docs"
    docs.mkdir()
    cfg = make_config()
    beats = {b.id: b for b in BEATS}
    writes = render.Writes()
    taken: set[str] = set()
    paths: dict[int, str] = {}
    briefings = [_briefing(1, "open-models", 20), _briefing(2, "policy", 21), _briefing(3, "open-models", 22)]
    placed = []
    for n, b in enumerate(briefings, start=1):
        rel = render.briefing_path(b, taken)
        taken.add(rel)
        paths[n] = rel
        placed.append((rel, b, beats[b.story.beat], 1))
    render.write_briefings(docs, cfg, placed, writes)
    site = build_site_from_docs(docs, cfg, tmp)
    data = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    return data["docs"], paths, briefings[0]


def _entries_for(docs: list[dict], rel: str) -> list[dict]:
    url = rel[: -len(".md")] + "/"
    return [d for d in docs if d["location"].split("#")[0] == url]


def _text(entries: list[dict]) -> str:
    return html.unescape(" ".join(d["title"] + " " + d["text"] for d in entries))


def test_a_briefing_has_one_compact_entry_with_headline_teaser_beat_and_sources(index):
    docs, paths, first = index
    entries = _entries_for(docs, paths[1])
    assert len(entries) == 1
    (entry,) = entries
    assert html.unescape(entry["title"]) == first.headline
    text = html.unescape(entry["text"])
    assert first.teaser in text
    assert "Open Models" in text  # the beat
    for name in ("r/LocalLLaMA", "Hacker News", "Reuters", "u/first_voice_1", "hn_writer_1"):  # feeds, outlet, authors
        assert name in text, name


def test_search_finds_a_briefing_by_each_kind_of_word(index):
    docs, paths, first = index
    url = paths[1][: -len(".md")] + "/"
    for word in ("Kestrelwood", "Teaserword1", "Models", "Reuters", "first_voice_1"):
        hits = {d["location"].split("#")[0] for d in docs if word.lower() in _text([d]).lower()}
        assert url in hits, word


def test_body_and_footnotes_are_not_indexed(index):
    docs, _, _ = index
    everything = _text(docs)
    assert BODY_WORD not in everything
    assert FOOTNOTE_WORD not in everything
    assert "More briefings" not in everything


def test_lists_of_teasers_do_not_repeat_the_briefings(index):
    docs, _, first = index
    # Only the briefing itself carries its headline and teaser: not the home, beat or month pages.
    assert sum(first.headline in _text([d]) for d in docs) == 1
    assert sum(first.teaser in _text([d]) for d in docs) == 1
    # Those pages are still found by their own title.
    titles = {html.unescape(d["title"]) for d in docs}
    assert {"Open Models", "Policy", "Beats", "Archive"} <= titles


def test_other_pages_are_indexed_in_full(index):
    docs, _, _ = index
    about = [d for d in docs if d["location"].startswith("about/")]
    assert len(about) > 1  # one entry per section, as Material makes them
    assert "Method" in {d["title"] for d in about}


def test_index_entries_are_inert_text(index):
    docs, _, _ = index
    for d in docs:
        for key in ("title", "text"):
            assert "<script" not in d[key].lower() and "<a " not in d[key].lower()


def test_compact_entries_are_written_after_the_search_plugin_wrote_its_index():
    """The index is rewritten at post_build: MkDocs must run that after Material's search plugin."""
    from mkdocs.config import load_config

    repo = Path(__file__).resolve().parents[1]
    cfg = load_config(config_file=str(repo / "mkdocs.yml"))
    handlers = cfg.plugins.events["post_build"]
    origins = [cfg.plugins._event_origins.get(h, "") for h in handlers]
    ours = [h for h in handlers if getattr(h, "__name__", "") == "_write_search_index"]
    assert len(ours) == 1 and cfg.plugins._event_origins[ours[0]] == "briefings"
    assert origins.index("material/search") < handlers.index(ours[0])
