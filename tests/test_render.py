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
    assert "without a language model" in body and "may contain inaccuracies" in body
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
    assert "written by Claude (m)" in body


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
