"""The search index stays small: a briefing is found by its headline, teaser, beat, source
names and handles, the names its posts use and its story's key words, but its body,
footnotes and the lists of teasers are not indexed.

Material's search plugin indexes every page's full text, which grows with every briefing.
The site plugin (generator/site/search.py) keeps briefings and the generated lists
(home, beats, archive) out of it and adds one compact entry per page instead. This
builds a small real site and reads site/search/search_index.json.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from pathlib import Path

import pytest
import yaml

from generator import render
from generator.models import Briefing, Span
from generator.site.search import WORD_SEPARATOR, words

from factories import BEATS, config as make_config, item, story
from sitebuild import build_site_from_docs

pytestmark = pytest.mark.slow

BODY_WORD = "Quillimorphic"
FOOTNOTE_WORD = "Zarbendash"
#: Names the posts of briefing n use (analysis.entities): a lab, a model and a person.
ENTITIES = ("Brindlecorp Labs {n}", "Ossivane-{n}B", "Maren Tolliver{n}")


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
    archive = render.Archive(docs)
    for n, (rel, b, beat, rank) in enumerate(placed, start=1):
        analysis = {"entities": [e.format(n=n) for e in ENTITIES], "actor": ENTITIES[0].format(n=n)}
        archive.put(rel, render.front_matter(b, beat, cfg, rank, analysis), render.briefing_body(b))
    assert archive.commit(cfg, writes) == []
    site = build_site_from_docs(docs, cfg, tmp)
    data = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    return data["docs"], paths, briefings[0]


def _entries_for(docs: list[dict], rel: str) -> list[dict]:
    url = rel[: -len(".md")] + "/"
    return [d for d in docs if d["location"].split("#")[0] == url]


def _text(entries: list[dict]) -> str:
    return html.unescape(" ".join(d["title"] + " " + d["text"] for d in entries))


def _words(entries: list[dict]) -> set[str]:
    """The words search finds in entries (their markup is not searched)."""
    return words(html.unescape(re.sub(r"<[^>]+>", " ", " ".join(d["title"] + " " + d["text"] for d in entries))))


def test_a_briefing_has_one_compact_entry_with_headline_teaser_beat_and_sources(index):
    docs, paths, first = index
    entries = _entries_for(docs, paths[1])
    assert len(entries) == 1
    (entry,) = entries
    assert html.unescape(entry["title"]) == first.headline
    text = html.unescape(entry["text"])
    assert first.teaser in text
    found = _words(entries)
    # the beat, feeds, outlet, authors and handles, and the names the posts use: every word of each
    for name in ("Open Models", "r/LocalLLaMA", "Hacker News", "Reuters", "u/first_voice_1", "hn_writer_1",
                 *(e.format(n=1) for e in ENTITIES)):
        assert words(name) <= found, name


def test_search_finds_a_briefing_by_each_kind_of_word(index):
    docs, paths, first = index
    url = paths[1][: -len(".md")] + "/"
    # headline, teaser, beat, outlet, a handle typed without its "u/", a lab, a model, a person,
    # and a key word of the story ("tooling") in the form its posts write it
    for word in ("Kestrelwood", "Teaserword1", "Models", "Reuters", "first_voice_1", "Brindlecorp", "Ossivane-1B",
                 "Tolliver1", "tooling"):
        hits = {d["location"].split("#")[0] for d in docs if words(word) <= _words([d])}
        assert url in hits, word
    # each briefing by its own names only
    hits = {d["location"].split("#")[0] for d in docs if "tolliver2" in _words([d])}
    assert hits == {paths[2][: -len(".md")] + "/"}


def test_a_name_already_in_the_entry_is_not_repeated(index):
    docs, paths, _ = index
    (entry,) = _entries_for(docs, paths[1])
    # "Vexlora" is in no entity list; "Kestrelwood" is in the headline: neither is added again
    text = html.unescape(entry["text"])
    assert "Kestrelwood" not in text
    assert text.count("Brindlecorp Labs 1") == 1  # the actor is also an entity: named once


def test_words_are_cut_as_the_search_in_the_browser_cuts_them():
    """generator/site/search.py dedupes names by the words Material's search makes, using the
    separator mkdocs.yml gives it: the two must be the same."""
    repo = Path(__file__).resolve().parents[1]
    mkdocs = yaml.load((repo / "mkdocs.yml").read_text(encoding="utf-8"), Loader=yaml.BaseLoader)
    search = next(p["search"] for p in mkdocs["plugins"] if isinstance(p, dict) and "search" in p)
    assert search["separator"] == WORD_SEPARATOR
    assert words("u/pat_h and @ann@mas.to on ‘weapons’ in r/LocalLLaMA, GPT-4.5.") == {
        "pat_h", "and", "ann", "mas", "to", "on", "weapons", "in", "localllama", "gpt", "4.5"}


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
    assert "How a briefing is made" in {d["title"] for d in about}


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
