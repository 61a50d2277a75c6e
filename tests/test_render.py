"""Render: the Markdown a contributor sees and the escaping that keeps feed text inert."""

from __future__ import annotations

import frontmatter
import markdown

from generator import render
from generator.models import Briefing, Span
from generator.writers.extractive import write_briefing

from factories import BEATS, config, item, story

TEXTS = [
    item(1, "Tessera-70B ships weights, not tooling", "Weights are not a product. Where is the inference server?", author="u/quant_goblin"),
    item(2, "Tessera weights and the missing scaffolding", "Everyone ships weights. Few ship the scaffolding around Tessera.", feed="hn", author="pg_fan"),
    item(3, "Is Tessera open source?", "Open weights under a permissive licence are not open source without the tooling.", feed="news", author="Reuters"),
]


def md_html(text: str) -> str:
    return markdown.markdown(text, extensions=["footnotes", "attr_list", "md_in_html", "pymdownx.escapeall"])


def test_escaped_text_renders_literally():
    hostile = [
        "[x](javascript:alert(1))",
        "<img src=x onerror=alert(1)>",
        "{{ config }}",
        "{% raw %}",
        "*bold* _em_ `code` # not a heading",
        "- not a list",
        "1. not a list",
        "a [^1] fake footnote",
        "&amp; stays &amp;",
    ]
    for text in hostile:
        html = md_html(render.md_escape(text))
        assert "<a" not in html and "<img" not in html and "<em" not in html and "<code" not in html and "<li" not in html
        assert "<sup" not in html
        import html as htmllib

        visible = htmllib.unescape(html.removeprefix("<p>").removesuffix("</p>"))
        assert visible == text, (text, html)


def test_link_targets_are_http_only():
    assert render.md_link_target("javascript:alert(1)") == ""
    assert render.md_link_target("data:text/html,hi") == ""
    assert render.md_link_target("https://example.org/a b") == ""  # whitespace: not a URL we link
    assert render.md_link_target("https://example.org/a_(b)") == "<https://example.org/a_(b)>"
    html = md_html(f"[t]({render.md_link_target('https://example.org/x?a=1&b=<2>')})")
    assert 'href="https://example.org/x?a=1&amp;b=%3C2%3E"' in html


def put(docs, rel, briefing, rank=1, analysis=None):
    """A briefing written as the pipeline writes it: into the archive, committed in one step."""
    archive = render.Archive(docs)
    archive.put(rel, render.front_matter(briefing, BEATS[0], config(), rank, analysis), render.briefing_body(briefing))
    writes = render.Writes()
    assert archive.commit(config(), writes) == []
    return writes


def test_briefing_file_front_matter_and_footnotes(tmp_path):
    b = write_briefing(story(TEXTS), BEATS[0], "hash123")
    put(tmp_path, "briefings/2026/11/21/x.md", b)
    post = frontmatter.load(tmp_path / "briefings/2026/11/21/x.md")
    meta = post.metadata
    assert meta["title"] == b.headline
    assert str(meta["date"]) == "2026-11-21"
    assert meta["categories"] == ["Open Models"]
    assert meta["description"] == b.teaser
    assert meta["generator"] == {"writer": "extractive", "inputs_hash": "hash123", "render": render.RENDER_VERSION}
    assert {s["url"] for s in meta["sources"]} <= {i.url for i in TEXTS}
    for source in meta["sources"]:
        assert set(source) >= {"url", "title", "platform", "published"}
    body = post.content
    assert "[^1]: [" in body and "[^1]" in body.split("[^1]:")[0]
    # The disclaimer is drawn by the page template from the front matter (tests/test_site.py
    # checks its wording on the built page); everything it needs is there, none of it in the body.
    assert "brief-disclaimer" not in body and "language model" not in body and "inaccuracies" not in body
    assert meta["posts"] == len(TEXTS) == sum(meta["platforms"].values())
    assert meta["significance"] == "high" and meta["lead"] is True and meta["thread"] == b.story.id
    assert set(meta["fidelity"]) == {"cited_sentences", "verbatim_quotes"}
    # numbered by first appearance, one footnote per source
    refs = [int(n) for n in __import__("re").findall(r"\[\^(\d+)\](?!:)", body)]
    assert refs == sorted(set(refs), key=refs.index) and refs[0] == 1


def test_footnotes_number_by_first_appearance_and_share_a_source():
    b = Briefing(
        story=story(TEXTS), headline="H", teaser="T",
        paragraphs=((Span("A "), Span("second source", source=1, quote=True)),
                    (Span("again ", source=1), Span("first", source=0, quote=True))),
        sources=tuple(TEXTS[:2]), writer="claude", inputs_hash="h", model="m",
    )
    body = render.briefing_body(b)
    assert "“second source”[^1]" in body and "again[^1]" in body and "“first”[^2]" in body
    assert body.count("[^1]:") == 1 and body.count("[^2]:") == 1
    assert TEXTS[1].url in body.split("[^1]:")[1].split("\n")[0]
    assert "Claude" not in body and "brief-disclaimer" not in body  # the disclaimer is the template's
    meta = render.front_matter(b, BEATS[0], config(), 1)
    assert meta["generator"] == {"writer": "claude", "inputs_hash": "h", "render": render.RENDER_VERSION, "model": "m"}
    assert meta["posts"] == len(TEXTS) and "fidelity" not in meta  # no figures: the disclaimer shows none


def test_the_model_is_kept_on_one_line_as_the_disclaimer_shows_it():
    b = Briefing(story=story(TEXTS), headline="H", teaser="T", paragraphs=((Span("A", source=0),),),
                 sources=tuple(TEXTS[:1]), writer="claude", inputs_hash="h", model=" claude-x\n\u202e 2 ")
    assert render.front_matter(b, BEATS[0], config(), 1)["generator"]["model"] == "claude-x 2"
    blank = Briefing(story=b.story, headline="H", teaser="T", paragraphs=b.paragraphs, sources=b.sources,
                     writer="claude", inputs_hash="h", model=" \t")
    assert "model" not in render.front_matter(blank, BEATS[0], config(), 1)["generator"]


def test_hand_edited_flag_is_read_back(tmp_path):
    b = write_briefing(story(TEXTS), BEATS[0], "h")
    put(tmp_path, "briefings/2026/11/21/x.md", b)
    path = tmp_path / "briefings/2026/11/21/x.md"
    path.write_text(path.read_text().replace("edited_by_hand: false", "edited_by_hand: true"))
    (entry,), problems = render.scan(tmp_path)
    assert entry.hand_edited and problems == []


def test_write_if_changed_writes_nothing_the_second_time(tmp_path):
    writes = render.Writes()
    render.write_if_changed(tmp_path / "a.md", "hello\n", writes, tmp_path)
    render.write_if_changed(tmp_path / "a.md", "hello\n", writes, tmp_path)
    assert writes.written == ["a.md"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


# --- links between briefings: front-matter keys worked out from the whole archive ------

def _briefings(docs, threads=("t0", "t1", "t2")):
    """Three briefings on one beat, a day apart (each of the story named in ``threads``)."""
    import dataclasses
    import datetime as dt

    paths = []
    archive = render.Archive(docs)
    for n in range(3):
        when = dt.datetime(2026, 11, 20 + n, 9, 0, tzinfo=dt.timezone.utc)
        items = [item(10 * n + k, f"Tessera {n} post {k}", f"Tessera weights, day {n}, voice {k}.", when=when) for k in range(3)]
        s = dataclasses.replace(story(items), thread=threads[n])
        b = write_briefing(s, BEATS[0], f"h{n}")
        rel = render.briefing_path(b, set(paths))
        archive.put(rel, render.front_matter(b, BEATS[0], config(), 1), render.briefing_body(b))
        paths.append(rel)
    writes = render.Writes()
    assert archive.commit(config(), writes) == []
    return paths, writes


def test_related_briefings_are_listed_in_front_matter_not_in_the_markdown(tmp_path):
    paths, _ = _briefings(tmp_path)
    entries, _ = render.scan(tmp_path)
    for entry in entries:
        text = (tmp_path / entry.path).read_text(encoding="utf-8")
        post = frontmatter.loads(text)
        assert post["related"] == [e.path for e in render.related_entries(entry, entries)]
        keys = list(post.metadata)
        assert keys == [k for k in render.KEY_ORDER if k in keys]  # the canonical order
        assert render.compose(post.metadata, post.content) == text
        assert "More briefings" not in post.content and "brief-related" not in text
    assert frontmatter.load(tmp_path / paths[2])["related"] == [paths[1], paths[0]]  # same beat, newest first
    assert frontmatter.load(tmp_path / paths[0])["related"] == []  # nothing earlier


def test_briefings_of_one_story_link_back_and_forward(tmp_path):
    paths, _ = _briefings(tmp_path, threads=("s", "s", "other"))
    first, second, third = (frontmatter.load(tmp_path / p) for p in paths)
    assert "follows" not in first.metadata and first["updates"] == [paths[1]]
    assert second["follows"] == paths[0] and "updates" not in second.metadata
    # a briefing of the same story is a follow-up or an update, never also a "related" one
    assert paths[0] not in second["related"] and paths[1] not in first["related"]
    assert "follows" not in third.metadata and third["related"] == [paths[1], paths[0]]


def test_a_commit_with_nothing_new_writes_nothing_and_a_drop_updates_only_what_named_it(tmp_path):
    paths, _ = _briefings(tmp_path)
    again = render.Writes()
    render.Archive(tmp_path).commit(config(), again)
    assert again.written == [] and again.removed == []
    archive = render.Archive(tmp_path)
    archive.drop(paths[0])
    leaving = render.Writes()
    archive.commit(config(), leaving)
    assert sorted(w for w in leaving.written if w.startswith("briefings/")) == sorted([paths[1], paths[2]])
    assert leaving.removed == [paths[0]] and not (tmp_path / paths[0]).exists()
    assert frontmatter.load(tmp_path / paths[2])["related"] == [paths[1]]


def test_hand_edited_briefings_keep_their_related_list(tmp_path):
    paths, _ = _briefings(tmp_path)
    victim = tmp_path / paths[2]
    text = victim.read_text(encoding="utf-8").replace("edited_by_hand: false", "edited_by_hand: true")
    text = text.replace(f"- {paths[0]}\n", "")  # a contributor trimmed the list
    victim.write_text(text, encoding="utf-8")
    writes = render.Writes()
    render.Archive(tmp_path).commit(config(), writes)
    assert victim.read_text(encoding="utf-8") == text and paths[2] not in writes.written


def test_every_post_the_page_counts_can_be_reached_from_it():
    posts = TEXTS + [item(4, "Another Tessera thread", "Nothing quotable", feed="reddit", author="u/other")]
    b = write_briefing(story(posts), BEATS[0], "h")
    body = render.briefing_body(b)
    footnoted = body.count("\n[^")
    listed = body.split("## Also in the conversation")[1].count("\n- ") if "Also in the conversation" in body else 0
    assert footnoted + listed == len(posts) == render.front_matter(b, BEATS[0], config(), 1)["posts"]
    for post in posts:
        assert post.url in body


def test_an_edition_keeps_one_lead_story(tmp_path):
    """A briefing kept from an earlier build of its edition may still say lead: true beside the new
    lead; the archive keeps the best ranked one and the other says false from then on."""
    first = write_briefing(story(TEXTS[:2]), BEATS[0], "one")
    second = write_briefing(story(TEXTS[1:]), BEATS[0], "two")
    archive = render.Archive(tmp_path)
    archive.put("briefings/2026/11/21/a.md", render.front_matter(first, BEATS[0], config(), 2), render.briefing_body(first))
    archive.put("briefings/2026/11/21/b.md", render.front_matter(second, BEATS[0], config(), 1), render.briefing_body(second))
    assert archive.commit(config(), render.Writes()) == []
    leads = {e.path: e.lead for e in render.scan(tmp_path)[0]}
    assert leads == {"briefings/2026/11/21/a.md": False, "briefings/2026/11/21/b.md": True}


def test_news_footnotes_name_the_outlet_next_to_the_link():
    news = item(7, "Labs drop weapons ban", "x", feed="news", author="")
    news = news.__class__(**{**news.__dict__, "outlet": "The Verge",
                             "url": "https://news.google.com/rss/articles/CBMibmh0dHBzOi8vd3d3LnRoZXZlcmdlLmNvbS9h?oc=5"})
    text = render.footnote_text(news, ["quoted"])
    link, _, facts = text.partition(" — ")
    assert link.startswith("[Labs drop weapons ban](<https://news.google.com/") and facts.startswith("The Verge (news), ")
    shown = md_html(text)
    assert ">Labs drop weapons ban</a> — The Verge (news), 21 Nov 2026." in shown and "news.google.com" not in shown.split("</a>")[1]
