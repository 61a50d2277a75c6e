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


def test_briefing_file_front_matter_and_footnotes(tmp_path):
    b = write_briefing(story(TEXTS), BEATS[0], "hash123")
    writes = render.Writes()
    render.write_briefing(tmp_path, "briefings/2026/11/21/x.md", b, BEATS[0], config(), 1, writes)
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
    assert meta["posts"] == len(TEXTS)
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
    writes = render.Writes()
    render.write_briefing(tmp_path, "briefings/2026/11/21/x.md", b, BEATS[0], config(), 1, writes)
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


# --- related briefings: a front-matter key, not Markdown ------------------------------

def _three_briefings(docs):
    """Three briefings on one beat, a day apart, written as the pipeline writes them."""
    import datetime as dt

    paths = []
    writes = render.Writes()
    for n in range(3):
        when = dt.datetime(2026, 11, 20 + n, 9, 0, tzinfo=dt.timezone.utc)
        items = [item(10 * n + k, f"Tessera {n} post {k}", f"Tessera weights, day {n}, voice {k}.", when=when) for k in range(3)]
        b = write_briefing(story(items), BEATS[0], f"h{n}")
        rel = render.briefing_path(b, set(paths))
        render.write_briefing(docs, rel, b, BEATS[0], config(), 1, writes)
        paths.append(rel)
    assert render.write_indexes(docs, config(), writes) == []
    return paths, writes


def test_related_briefings_are_listed_in_front_matter_not_in_the_markdown(tmp_path):
    paths, _ = _three_briefings(tmp_path)
    entries, _ = render.scan(tmp_path)
    for entry in entries:
        text = (tmp_path / entry.path).read_text(encoding="utf-8")
        post = frontmatter.loads(text)
        want = [e.path for e in render.related_entries(entry, entries)]
        assert post["related"] == want
        # the key sits in a fixed place, and the file is exactly what compose writes for it
        keys = list(post.metadata)
        assert keys[keys.index("sources") + 1] == "related" and keys[keys.index("related") + 1] == "generator"
        assert render.compose(post.metadata, post.content) == text
        assert "More briefings" not in post.content and render.RELATED_START not in text and "brief-related" not in text
    newest = tmp_path / paths[2]
    assert frontmatter.load(newest)["related"] == [paths[1], paths[0]]  # same beat, newest first
    assert frontmatter.load(tmp_path / paths[0])["related"] == []  # nothing earlier
    assert "\nrelated: []\n" in (tmp_path / paths[0]).read_text(encoding="utf-8")


def test_a_fresh_briefing_has_the_key_empty_in_its_place(tmp_path):
    b = write_briefing(story(TEXTS), BEATS[0], "h")
    meta = render.front_matter(b, BEATS[0], config(), 1)
    assert meta["related"] == []
    keys = list(meta)
    assert keys.index("related") == keys.index("sources") + 1
    # with_related writes the key as compose would have written it in the first place
    text = render.compose(meta, render.briefing_body(b))
    paths = ["briefings/2026/11/20/a-b.md", "briefings/2026/11/19/c.md"]
    assert render.with_related(text, paths) == render.compose({**meta, "related": paths}, render.briefing_body(b))
    assert render.with_related(render.with_related(text, paths), []) == text


def test_updating_related_rewrites_only_what_changed(tmp_path):
    paths, _ = _three_briefings(tmp_path)
    again = render.Writes()
    render.write_indexes(tmp_path, config(), again)
    assert [w for w in again.written if w.startswith("briefings/")] == []
    # a briefing about to be removed leaves the lists that named it, and only those files change
    leaving = render.Writes()
    render.write_indexes(tmp_path, config(), leaving, leaving={paths[0]})
    assert sorted(w for w in leaving.written if w.startswith("briefings/")) == sorted([paths[1], paths[2]])
    assert frontmatter.load(tmp_path / paths[2])["related"] == [paths[1]]


OLD_BLOCK = """
<!-- more-briefings:start -->

<div class="brief-related" markdown>

## More briefings { data-search-exclude }

<article class="teaser" markdown>

[Open Models](../../../../beats/open-models.md){ .teaser__beat } · 21 Nov 2026 · 1 min read
{ .teaser__meta data-search-exclude }

### [An older headline](../21/an-older-one.md) { data-search-exclude }

An older teaser.
{ .teaser__text }

</article>

</div>

<!-- more-briefings:end -->
"""


def old_layout(text: str) -> str:
    """A briefing file as layouts before version 4 wrote it: no related key, a Markdown block at the end."""
    head, sep, body = text.partition("\n---\n")
    lines = head.split("\n")
    at = lines.index(next(line for line in lines if line.startswith("related:")))
    end = at + 1
    while end < len(lines) and lines[end].startswith("- "):
        end += 1
    return "\n".join(lines[:at] + lines[end:]).replace(f"render: '{render.RENDER_VERSION}'", "render: '3'") + sep + body + OLD_BLOCK


def test_old_layout_briefings_get_the_key_and_lose_the_markdown_block(tmp_path):
    paths, _ = _three_briefings(tmp_path)
    new = {p: (tmp_path / p).read_text(encoding="utf-8") for p in paths}
    for p in paths:
        (tmp_path / p).write_text(old_layout(new[p]), encoding="utf-8")
        assert render.RELATED_START in (tmp_path / p).read_text(encoding="utf-8")
    hand = tmp_path / paths[2]
    hand_text = old_layout(new[paths[2]]).replace("edited_by_hand: false", "edited_by_hand: true")
    hand.write_text(hand_text, encoding="utf-8")
    writes = render.Writes()
    render.write_indexes(tmp_path, config(), writes)
    for p in paths[:2]:
        assert (tmp_path / p).read_text(encoding="utf-8") == new[p].replace(f"render: '{render.RENDER_VERSION}'", "render: '3'")
    assert hand.read_text(encoding="utf-8") == hand_text  # edited by hand: never rewritten
    assert paths[2] not in writes.written
    again = render.Writes()
    render.write_indexes(tmp_path, config(), again)
    assert [w for w in again.written if w.startswith("briefings/")] == []


def test_hand_edited_briefings_keep_their_related_list(tmp_path):
    paths, _ = _three_briefings(tmp_path)
    victim = tmp_path / paths[2]
    text = victim.read_text(encoding="utf-8").replace("edited_by_hand: false", "edited_by_hand: true")
    text = text.replace(f"- {paths[0]}\n", "")  # a contributor trimmed the list
    victim.write_text(text, encoding="utf-8")
    writes = render.Writes()
    render.write_indexes(tmp_path, config(), writes)
    assert victim.read_text(encoding="utf-8") == text and paths[2] not in writes.written
