"""Nothing from a feed or a model reaches a built page as live markup.

Feed text and writer output are untrusted. These tests put hostile titles,
summaries, links, authors, outlets and writer outputs straight into
:mod:`generator.models` values, render them with :mod:`generator.render`,
run a real strict MkDocs build, and parse every built page with
:mod:`html.parser`: no script but Material's own, no event handler, no
javascript:/data:/vbscript: URL, no frame/object/embed/form/meta refresh from
content, no CSS that loads a URL — and every hostile string shows up on the
page literally, as text.

Also here, failures mid-run: a failed or killed site build leaves the previous
site byte-identical; a build killed mid-way leaves every docs/ file whole (old
or new); a build that cannot write docs/ says so clearly and exits non-zero.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import markdown
import pytest
import yaml
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from generator import render
from generator.models import Beat, Briefing, Config, Feed, Item, Site, Span, Story
from generator.textutil import digest, html_to_text, one_line, safe_url
from sitebuild import REPO, build_site_from_docs, check_page, folder_files, live_markup, parse_page, render_briefings

UTC = dt.timezone.utc

# --- hostile strings --------------------------------------------------------------

#: Payloads aimed at each layer: Markdown, HTML, attributes, URLs, Jinja, YAML front matter, Unicode.
PAYLOADS = [
    "[x](javascript:alert(1))",
    "[x]: javascript:alert(1)",
    "![i](https://evil.example/t.png)",
    "<img src=x onerror=alert(1)>",
    "<script>alert(1)</script>",
    "<ScRiPt src=//evil.example/x.js></sCrIpT>",
    "<svg/onload=alert(1)>",
    "<iframe src=javascript:alert(1)></iframe>",
    "<object data=data:text/html,x></object><embed src=x>",
    "<form action=https://evil.example><input name=q></form>",
    '<meta http-equiv="refresh" content="0;url=https://evil.example">',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<div style="background:url(https://evil.example/p)">x</div>',
    '<p markdown="1">*md in html*</p>',
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&#60;img src=x onerror=alert(1)&#62;",
    "<![CDATA[<script>alert(1)</script>]]>",
    "<!-- comment --> <!DOCTYPE x>",
    "{{ config }}",
    "{% raw %}{{ 7*7 }}{% endraw %}",
    "{# jinja comment #}",
    "{ onclick=alert(1) }",
    "{: .x onclick=alert(1) }",
    "*bold* _em_ **strong** __u__ `code` ~~del~~ ^^ins^^ ==mark==",
    "# heading",
    "- list item",
    "+ list item",
    "1. ordered",
    "2) ordered",
    "> quote",
    "    indented code",
    "```\nfenced\n```",
    "---",
    "===",
    "| a | b |\n|---|---|",
    ": definition",
    "!!! note \"admonition\"",
    "[^1] [^1]: fake footnote",
    "<https://evil.example/autolink>",
    "<mailto:a@b.example>",
    "a\\*b\\\\c\\",
    "\"quoted\" 'single' `tick`",
    "line\nbreak\r\nand\rreturns\ttab",
    "trailing two spaces  \nhard break",
    "\u202eRTL override\u202c \u2066isolate\u2069 \u200fmark",
    "\ufeffBOM \u200bzero width",
    "ctl\x00\x01\x07\x1b[31m\x7f\x85\x9b",
    "\u2028line sep\u2029para sep",
    "---\ntitle: injected\n---",
    "key: value\n...\n",
    "&amp; &copy; &#x26; &unknown;",
    "%3Cscript%3E",
    "\\u003cscript\\u003e",
    "</textarea></title></style><script>alert(1)</script>",
    "javascript:alert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "@@ <<>> {{}} [[ ]] (( ))",
    "Ω ≈ ç √ ∫ ñ 漢字 😀 عربى",
]

#: Links a feed or a model might hand us; only http(s) ones may become hrefs.
HOSTILE_URLS = [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "java\tscript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "file:///etc/passwd",
    "//evil.example/x",
    "https:javascript:alert(1)",
    "https://example.org/\"><script>alert(1)</script>",
    "https://example.org/a b",
    "https://example.org/<img src=x onerror=alert(1)>",
    "https://example.org/x?a=1&b=2#frag",
    "https://example.org/a_(b)_[c]",
    "https://example.org/{{config}}/{%raw%}",
    "http://[::1",
    "",
]

# Characters with a meaning in Markdown, HTML, YAML or Jinja, plus some awkward Unicode.
_SPECIAL = "\\`*_{}[]()#+-.!|~^=$<>&\"':;%@/ \n\t\u202e\u200b\u00a0Ωé漢😀"

hostile_text = st.lists(
    st.one_of(st.sampled_from(PAYLOADS), st.text(alphabet=_SPECIAL, max_size=12), st.text(max_size=8)),
    min_size=1,
    max_size=3,
).map("".join).filter(lambda s: one_line(s) != "")

#: Writer spans are joined into one paragraph: short pieces that start block syntax together ("7" + ". x").
span_text = st.one_of(hostile_text, st.sampled_from(["7", "12", "-", "+", "*", "#", ">", ":", "=", "    ", ". x", ") x", " x"]))

hostile_url = st.one_of(st.sampled_from(HOSTILE_URLS), st.text(alphabet=_SPECIAL + "abc:", max_size=20).map(lambda s: "https://example.org/" + s))


# --- models from strings ----------------------------------------------------------

BEATS = (Beat("hostile", "Hostile <b>beat</b> {{ x }}", "A beat named [x](javascript:alert(1)) & <i>more</i>."),)
FEEDS = (Feed("evil", "Evil feed", "https://example.org/feed.xml", "blog", ("hostile",)),)
CONFIG = Config(site=Site(title="Security test site", description="Briefings built from hostile input."), beats=BEATS, feeds=FEEDS)
EDITION = dt.date(2026, 11, 21)


def make_item(n: int, title: str, text: str, url: str, author: str, outlet: str = "", feed_title: str = "Evil feed") -> Item:
    return Item(
        id=digest("item", str(n), title),
        feed_id="evil",
        platform="blog",
        title=title,
        url=url,
        author=author,
        published=dt.datetime(2026, 11, 21, 8, n % 60, tzinfo=UTC),
        text=text,
        feeds=("evil",),
        feed_title=feed_title,
        outlet=outlet,
    )


def make_briefing(n: int, headline: str, teaser: str, items: list[Item], spans: list[Span], model: str | None, cited: dict) -> Briefing:
    story = Story(id=digest("story", str(n)), edition=EDITION, beat="hostile", items=tuple(items), score=1.0,
                  keywords=("hostile",), significance=("high", "medium", "low")[n % 3], lead=n == 0)
    return Briefing(
        story=story,
        headline=headline,
        teaser=teaser,
        paragraphs=(tuple(spans), (Span("Closing words."),)),
        sources=tuple(items),
        writer="claude" if model else "extractive",
        inputs_hash=digest("hash", str(n)),
        model=model,
        extra={"cited_text": cited, "fidelity": {"cited_sentences": 0.5, "verbatim_quotes": 1.0}},
    )


@st.composite
def hostile_briefing(draw, n: int):
    """A briefing whose every text field (and its sources') is hostile."""
    items = []
    for k in range(draw(st.integers(1, 3))):
        items.append(make_item(
            10 * n + k,
            title=draw(hostile_text),
            text=draw(hostile_text),
            url=draw(hostile_url),
            author=draw(hostile_text),
            outlet=draw(st.one_of(st.just(""), hostile_text)),
            feed_title=draw(hostile_text),
        ))
    spans = []
    for _ in range(draw(st.integers(1, 4))):
        source = draw(st.one_of(st.none(), st.integers(0, len(items) - 1)))
        spans.append(Span(draw(span_text), source=source, quote=source is not None and draw(st.booleans())))
    cited = {i: [draw(hostile_text)] for i in range(len(items)) if draw(st.booleans())}
    model = draw(st.one_of(st.none(), hostile_text))
    return make_briefing(n, draw(hostile_text), draw(hostile_text), items, spans, model, cited)


def render_docs(docs: Path, briefings: list[Briefing], config: Config = CONFIG) -> dict[str, Briefing]:
    """Write briefings and index pages the way the pipeline does; returns {docs-relative path: briefing}."""
    return render_briefings(docs, briefings, config)


def _flat(text: str) -> str:
    return one_line(text)


def parse(path: Path):
    return parse_page(path.read_text(encoding="utf-8"), str(path))


def visible(path: Path) -> str:
    """A page's visible text with whitespace collapsed (as the renderer collapses it)."""
    return " ".join("".join(parse(path).text).split())


def assert_literal(needle: str, haystack: str, where: str) -> None:
    flat = " ".join(_flat(needle).split())
    assert flat in haystack, f"{flat!r} does not appear literally in {where}"


def check_feeds(site: Path, briefings: list[Briefing]) -> None:
    """feed.xml is well-formed and a feed reader shows every headline and teaser as the text it is."""
    import xml.etree.ElementTree as ET

    import feedparser

    raw = (site / "feed.xml").read_bytes()
    ET.fromstring(raw)  # well-formed XML, whatever the text held
    parsed = feedparser.parse(raw)
    assert not parsed.bozo, parsed.get("bozo_exception")
    shown = [(" ".join(html_to_text(e.title).split()), " ".join(html_to_text(e.summary).split())) for e in parsed.entries]
    expected = {(" ".join(one_line(b.headline).split()), " ".join(one_line(b.teaser).split())) for b in briefings}
    assert len(shown) == min(len(briefings), render.FEED_ITEMS)
    for pair in shown:
        assert pair in expected
    feed = json.loads((site / "feed.json").read_text(encoding="utf-8"))
    assert {i["title"] for i in feed["items"]} <= {one_line(b.headline) for b in briefings}
    # the whole briefing in each item: as text and plain links, never markup that runs
    for entry, item in zip(parsed.entries, feed["items"]):
        for where, fragment in (("feed.xml", entry.content[0].value), ("feed.json", item["content_html"])):
            found, _ = check_page(fragment, f"{where} {item['title']!r}")
            assert found == [], found
            assert not re.search(r"<(?!/?(?:p|a|sup|ol|ul|li|h2|h3|em|strong|small|br)\b)", fragment), fragment


def check_site(site: Path, paths: dict[str, Briefing]) -> None:
    problems = live_markup(site)
    assert not problems, "\n".join(problems[:20])
    check_feeds(site, list(paths.values()))
    home = visible(site / "index.html")
    for beat in CONFIG.beats:  # beat names and descriptions (from feeds.yaml) are escaped the same way
        beat_page = visible(site / "beats" / beat.id / "index.html")
        assert_literal(beat.name, beat_page, "the beat page")
        assert_literal(beat.description, beat_page, "the beat page")
    for rel, briefing in paths.items():
        page = site / rel[: -len(".md")] / "index.html"
        text = visible(page)
        where = f"{rel} ({briefing.headline!r})"
        assert_literal(briefing.headline, text, where)
        assert_literal(briefing.teaser, text, where)
        assert_literal(briefing.headline, home, "the home page")
        # The <title> shows the headline as text: escaped once by the site plugin, never twice.
        parsed = parse(page)
        assert " ".join("".join(parsed.title).split()).startswith(" ".join(one_line(briefing.headline).split()))
        for paragraph in briefing.paragraphs:
            for span in paragraph:
                # (a quotation's own double quotation marks are shown as single ones)
                assert_literal(render.nested(span.text) if span.quote else span.text, text, where)
        cited_sources = {s.source for p in briefing.paragraphs for s in p if s.source is not None}
        hrefs = set(parsed.hrefs)
        for index in cited_sources:
            item = briefing.sources[index]
            assert_literal(item.title, text, where)
            if item.author:
                assert_literal(item.author, text, where)
            assert_literal(item.outlet or item.feed_title, text, where)
            for quote in briefing.extra["cited_text"].get(index, ()):
                assert_literal(render.nested(quote), text, where)
            url = safe_url(item.url)
            if url:
                assert any(h == render.md_link_target(url)[1:-1] for h in hrefs), (item.url, hrefs)
        for item in briefing.sources:
            if not safe_url(item.url):
                # An unusable link never becomes an href, whatever it was.
                assert all(item.url.strip() == "" or h != item.url for h in hrefs), (item.url, hrefs)
        if briefing.model:
            assert_literal(briefing.model, text, where)


# --- the property: a real site built from hostile briefings -------------------------


# A real MkDocs build per example: few examples, each a site of three briefings, and no
# shrinking (each shrink step is another build); the failure message names the field.
@settings(max_examples=10, deadline=None, derandomize=True, phases=[Phase.explicit, Phase.reuse, Phase.generate],
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.tuples(hostile_briefing(0), hostile_briefing(1), hostile_briefing(2)))
def test_hostile_briefings_build_a_site_without_live_markup(briefings):
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        docs = tmp_path / "docs"
        paths = render_docs(docs, list(briefings))
        site = build_site_from_docs(docs, CONFIG, tmp_path)
        check_site(site, paths)


def test_every_payload_at_once_builds_a_clean_site(tmp_path):
    """Each payload in every field, in one deterministic site (what the property test samples from)."""
    briefings = []
    for n, payload in enumerate(PAYLOADS):
        url = HOSTILE_URLS[n % len(HOSTILE_URLS)]
        items = [
            make_item(2 * n, payload, payload, url, payload, outlet=payload if n % 2 else "", feed_title=payload),
            make_item(2 * n + 1, "Plain " + payload, "text", f"https://example.org/{n}", "author " + payload),
        ]
        spans = [Span(payload + " "), Span(payload, source=0, quote=True), Span(" and " + payload, source=1)]
        briefings.append(make_briefing(n, payload, payload, items, spans, payload if n % 3 == 0 else None, {0: [payload]}))
    paths = render_docs(tmp_path / "docs", briefings)
    site = build_site_from_docs(tmp_path / "docs", CONFIG, tmp_path)
    check_site(site, paths)


def test_hostile_front_matter_reaches_the_disclaimer_as_text(tmp_path):
    """The disclaimer is drawn from front matter, partly from nested mappings (generator, fidelity)
    that the site plugin does not escape: whatever a briefing file holds there shows as text, never as
    markup, and the page still shows the disclaimer exactly once."""
    import frontmatter

    payload = '<img src=x onerror=alert(1)> {{ config }} </p></div><script>alert(2)</script> "q" \'s\' &amp;'
    items = [make_item(1, "A post", "Some text.", "https://example.org/1", "someone")]
    spans = [Span('They wrote <div class="brief-disclaimer">not a disclaimer</div> and '), Span("some text", source=0, quote=True)]
    briefings = [make_briefing(n, f"Headline {n}", "A teaser.", items, spans, "m", {}) for n in range(5)]
    paths = render_docs(tmp_path / "docs", briefings)
    hostile = [
        {"generator": {"writer": payload, "model": payload, "render": payload}, "posts": payload,
         "fidelity": {"cited_sentences": payload, "verbatim_quotes": [payload]}},
        {"generator": {"writer": "extractive", "model": payload}, "posts": 3, "fidelity": payload},
        {"generator": payload, "posts": {"n": payload}, "fidelity": {"cited_sentences": float("nan"), "verbatim_quotes": float("inf")}},
        {"generator": {"writer": "claude", "model": ["<b>x</b>", payload]}, "posts": -1e9, "fidelity": {"cited_sentences": None}},
        {"generator": {"writer": "claude", "model": 0.5}, "posts": "<i>4</i>"},
    ]
    for rel, changes in zip(paths, hostile):
        post = frontmatter.load(tmp_path / "docs" / rel)
        meta = {k: v for k, v in post.metadata.items() if k != "fidelity"}
        (tmp_path / "docs" / rel).write_text(render.compose({**meta, **changes}, post.content), encoding="utf-8")
    site = build_site_from_docs(tmp_path / "docs", CONFIG, tmp_path)
    problems = live_markup(site)
    assert not problems, "\n".join(problems[:20])
    flat = " ".join(payload.split())
    for n, rel in enumerate(paths):
        page = site / rel[: -len(".md")] / "index.html"
        raw = page.read_text(encoding="utf-8")
        found = re.findall(r'<div class="brief-disclaimer">\s*<p class="brief-disclaimer-text">(.*?)</p>\s*</div>', raw, re.S)
        assert len(found) == 1 and raw.count('<div class="brief-disclaimer">') == 1, rel
        assert "<" not in found[0] and ">" not in found[0], found[0]  # nothing inside it but text
        assert 'They wrote <div class="brief-disclaimer">not a disclaimer</div> and' in visible(page)
        shown = " ".join(html.unescape(found[0]).split())
        assert shown.endswith("It may contain inaccuracies: check the sources before relying on it."), shown
        if n in (0, 1):
            assert f"Claude ({flat})" in shown if n == 0 else f"({flat})" not in shown
    texts = [" ".join(html.unescape(re.search(r'brief-disclaimer-text">(.*?)</p>', (site / r[:-3] / "index.html").read_text(encoding="utf-8"), re.S).group(1)).split()) for r in paths]
    assert texts[0].startswith(f"This briefing was written by Claude ({flat}), a language model, from 0 public posts;")
    assert "Fidelity: 0% of sentences carry a citation; 0% of quotations" in texts[0]
    assert texts[1].startswith("This briefing was assembled extractively from 3 public posts") and "Fidelity" not in texts[1]
    assert texts[2].startswith("This briefing was written by Claude, a language model, from 0 public posts;")
    assert "Fidelity: nan% of sentences carry a citation; inf% of quotations" in texts[2]  # shown as text, no crash
    assert "Fidelity: 0% of sentences carry a citation; 0% of quotations" in texts[3]
    assert texts[4].startswith("This briefing was written by Claude (0.5), a language model, from 0 public posts;")


# --- fast properties: the Markdown the renderer writes, converted as MkDocs converts it ----------


def _markdown_extensions() -> tuple[list[str], dict]:
    """The Markdown extensions (and their settings) of the project's mkdocs.yml."""
    from sitebuild import _Loader

    data = yaml.load((REPO / "mkdocs.yml").read_text(encoding="utf-8"), Loader=_Loader)
    names, configs = [], {}
    for entry in data.get("markdown_extensions") or []:
        if isinstance(entry, dict):
            (name, options), = entry.items()
            names.append(name)
            configs[name] = options or {}
        else:
            names.append(entry)
    return names, configs


_EXTENSIONS = _markdown_extensions()


def to_html(text: str) -> str:
    names, configs = _EXTENSIONS
    return markdown.markdown(text, extensions=names, extension_configs=configs)


def html_text(fragment: str) -> str:
    return " ".join("".join(parse_page(fragment, "fragment").text).split())


@settings(max_examples=300, deadline=None, derandomize=True)
@given(hostile_text)
def test_md_escape_renders_as_exactly_the_text(text):
    out = to_html(render.md_escape(text))
    page = parse_page(out, "fragment")
    assert not page.problems
    assert re.fullmatch(r"<p>.*</p>", out, re.S), out  # one paragraph, no other block
    assert "<" not in out[3:-4], out  # and no element inside it
    assert html_text(out) == " ".join(one_line(text).split())


def _spans_briefing(*texts: str) -> Briefing:
    items = [make_item(1, "t", "x", "https://example.org/1", "a")]
    return make_briefing(0, "h", "t", items, [Span(t) for t in texts], None, {})


@settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(hostile_briefing(0))
@example(_spans_briefing("7", ". x"))  # spans that only together start an ordered list
@example(_spans_briefing("12", ") x"))
@example(_spans_briefing("", "- x"))
def test_briefing_markdown_has_no_live_markup(briefing):
    """The body the renderer writes, converted with the site's Markdown extensions (fast, shrinks well)."""
    body = render.briefing_body(briefing)
    out = to_html(body)
    page = parse_page(out, "briefing body")
    assert not page.problems, page.problems
    # Only the elements the renderer itself writes: no list, heading, code, emphasis, table... from the text.
    assert set(page.tags) <= {"p", "div", "span", "a", "i", "time", "h1", "h2", "sup", "ol", "ul", "li", "hr"}, page.tags
    cited = {s.source for p in briefing.paragraphs for s in p if s.source is not None}
    # the posts with no footnote are listed under "Also in the conversation", one item each
    also = {i.id for i in briefing.story.items} - {briefing.sources[n].id for n in cited}
    # (the headline and teaser are printed by the page template: see the full-site tests)
    assert page.tags["h1"] == 0 and page.tags["ol"] <= 1 and page.tags["ul"] <= 1, (page.tags, body)
    assert page.tags["li"] == len(cited) + len(also), (page.tags, body)
    text = " ".join("".join(page.text).split())
    for value in [render.nested(s.text) if s.quote else s.text for p in briefing.paragraphs for s in p]:
        assert " ".join(one_line(value).split()) in text, (value, text)
    for item in briefing.sources:
        url = safe_url(item.url)
        assert all(h.startswith(("#", "../")) or (url and h == render.md_link_target(url)[1:-1]) or
                   h in {render.md_link_target(i.url)[1:-1] for i in briefing.sources} for h in page.hrefs), page.hrefs


@given(hostile_url)
@example("javascript:alert(1)")
@example("https://example.org/a<b>\"c'd e")
@settings(max_examples=200, deadline=None, derandomize=True)
def test_links_are_http_only_and_stay_inside_their_link(url):
    target = render.md_link_target(url)
    if not target:
        return
    assert re.match(r"^<https?://", target)
    out = to_html(f"[t]({target})")
    page = parse_page(out, "link")
    assert not page.problems
    assert len(page.hrefs) == 1 and page.hrefs[0].startswith(("http://", "https://"))
    assert html_text(out) == "t"


@pytest.mark.parametrize("url", [u for u in HOSTILE_URLS if not u.startswith("https://example.org/")])
def test_unsafe_urls_are_refused(url):
    assert safe_url(url) == ""
    assert render.md_link_target(url) == ""


@pytest.mark.parametrize(
    "fragment, expected",
    [
        ("<script>alert(1)</script>Hello", "Hello"),
        ("<style>body{background:url(x)}</style>Hi", "Hi"),
        ("<iframe src=javascript:alert(1)>inside</iframe>after", "after"),
        ("<img src=x onerror=alert(1)>pic", "pic"),
        ('<a href="javascript:alert(1)" onclick="x()">link text</a>', "link text"),
        ("&lt;script&gt;alert(1)&lt;/script&gt;", "<script>alert(1)</script>"),  # text about markup stays text
        ("<p>one</p><p>two<br>three</p>", "one\ntwo\nthree"),
        ("<!-- hidden -->shown", "shown"),
        ("a &amp; b &copy; &#x41;", "a & b © A"),
        ("<svg><script>alert(1)</script></svg>ok", "ok"),
        ("<math><mi>x</mi></math>ok", "ok"),
        ("\u202eevil\u202c \x00\x1b[31m", "evil [31m"),
    ],
)
def test_html_to_text_keeps_only_text(fragment, expected):
    assert html_to_text(fragment) == expected


# --- failure mid-run: the previous docs/ and site/ survive -------------------------------------


def _benign_docs(docs: Path) -> None:
    items = [make_item(1, "A post", "Some text.", "https://example.org/1", "someone")]
    spans = [Span("They said "), Span("some text", source=0, quote=True)]
    render_docs(docs, [make_briefing(1, "A headline", "A teaser.", items, spans, None, {})])


def test_failed_site_build_keeps_the_previous_site_byte_identical(tmp_path):
    from generator.site import build_site

    docs = tmp_path / "docs"
    _benign_docs(docs)
    site = build_site_from_docs(docs, CONFIG, tmp_path)
    before = folder_files(site)
    assert "index.html" in before
    # A broken link is a warning, and strict mode turns it into a failed build.
    index = docs / "index.md"
    index.write_text(index.read_text(encoding="utf-8") + "\n[broken](no-such-page.md)\n", encoding="utf-8")
    with pytest.raises(BaseException):
        build_site(tmp_path / "mkdocs.yml", site)
    assert folder_files(site) == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".site")) == []  # no half-built folder left
    # Through the command line: exit status 1, a clear message, no traceback, and still the same site.
    run = subprocess.run([sys.executable, "-m", "generator", "site", "--mkdocs", str(tmp_path / "mkdocs.yml"), "--site-dir", str(site)],
                         cwd=REPO, capture_output=True, text=True, timeout=120)
    assert run.returncode == 1, run.stderr
    assert "site build failed" in run.stderr and "kept" in run.stderr and "Traceback" not in run.stderr
    assert folder_files(site) == before


class ReadOnlyTree:
    """Make every write under ``root`` fail as on a read-only folder, even for root (who ignores modes).

    chmod alone does that for other users; root writes anyway, so the Python-level
    calls that create, replace or remove files are refused too.
    """

    def __init__(self, root: Path, monkeypatch):
        import builtins
        import io

        self.root = os.path.realpath(root)
        for path in [root, *root.rglob("*")]:
            if path.is_dir():
                path.chmod(0o555)
        if os.geteuid() != 0:
            return
        mp = monkeypatch

        def inside(path) -> bool:
            try:
                real = os.path.realpath(os.fspath(path))
            except TypeError:
                return False
            return real == self.root or real.startswith(self.root + os.sep)

        def deny(path):
            raise PermissionError(13, "Permission denied", os.fspath(path))

        real_open, real_os_open = builtins.open, os.open

        def guarded_open(file, mode="r", *args, **kwargs):
            if isinstance(file, (str, bytes, os.PathLike)) and any(c in mode for c in "wax+") and inside(file):
                deny(file)
            return real_open(file, mode, *args, **kwargs)

        def guarded_os_open(path, flags, *args, **kwargs):
            if flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT) and inside(path):
                deny(path)
            return real_os_open(path, flags, *args, **kwargs)

        mp.setattr(builtins, "open", guarded_open)
        mp.setattr(io, "open", guarded_open)
        mp.setattr(os, "open", guarded_os_open)
        for name in ("mkdir", "rmdir", "unlink", "remove"):
            real = getattr(os, name)
            mp.setattr(os, name, lambda path, *a, _real=real, **k: deny(path) if inside(path) else _real(path, *a, **k))
        for name in ("replace", "rename"):
            real = getattr(os, name)
            mp.setattr(os, name, lambda src, dst, *a, _real=real, **k: deny(dst) if inside(src) or inside(dst) else _real(src, dst, *a, **k))

    @staticmethod
    def restore(root: Path) -> None:
        for path in [root, *root.rglob("*")]:
            if path.is_dir():
                path.chmod(0o755)


def test_read_only_docs_is_a_clear_error_not_a_traceback(tmp_path, monkeypatch, capsys):
    from generator.__main__ import main

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "index.md").write_text("# Previous home page\n", encoding="utf-8")
    before = folder_files(docs)
    ReadOnlyTree(docs, monkeypatch)
    try:
        code = main(["build", "--config", str(REPO / "feeds.yaml"), "--snapshots", str(REPO / "snapshots"),
                     "--docs", str(docs), "--cache-dir", str(tmp_path / "cache"), "--writer", "extractive"])
    finally:
        monkeypatch.undo()
        ReadOnlyTree.restore(docs)
    err = capsys.readouterr().err
    assert code not in (0, None), err
    assert "error:" in err and str(docs) in err and "Traceback" not in err, err
    assert folder_files(docs) == before


#: Run the command line in a child that SIGKILLs itself at a chosen point: no cleanup runs, as in a real kill.
_KILL_AT = """
import os, signal, sys
target, n = sys.argv[1], int(sys.argv[2])
calls = [0]
def killing(real, counts=lambda *args: True):
    def wrapper(*args, **kwargs):
        calls[0] += counts(*args)
        if calls[0] == n:
            os.kill(os.getpid(), signal.SIGKILL)
        return real(*args, **kwargs)
    return wrapper
if target.startswith("replace:"):  # the rename that publishes each file under the given folder
    folder = target.split(":", 1)[1]
    os.replace = killing(os.replace, lambda src, dst: str(dst).startswith(folder))
else:  # a page in the middle of the MkDocs build
    import mkdocs.commands.build as b
    b._build_page = killing(b._build_page)
from generator.__main__ import main
sys.exit(main(sys.argv[3:]))
"""


def _run_killed(target: str, n: int, args: list[str]) -> int:
    run = subprocess.run([sys.executable, "-c", _KILL_AT, target, str(n), *args], cwd=REPO, capture_output=True, text=True, timeout=300)
    return run.returncode


@pytest.mark.parametrize("page", [1, 4])
def test_a_site_build_killed_midway_leaves_the_old_site_byte_identical(tmp_path, page):
    docs = tmp_path / "docs"
    _benign_docs(docs)
    site = build_site_from_docs(docs, CONFIG, tmp_path)
    before = folder_files(site)
    index = docs / "index.md"
    index.write_text(index.read_text(encoding="utf-8") + "\nA new paragraph.\n", encoding="utf-8")
    code = _run_killed("page", page, ["site", "--mkdocs", str(tmp_path / "mkdocs.yml"), "--site-dir", str(site)])
    assert code == -9  # it really was killed
    assert folder_files(site) == before


@pytest.mark.parametrize("nth", [1, 7, 20])
def test_a_build_killed_midway_leaves_every_docs_file_whole(tmp_path, nth):
    """Kill `generator build` at its nth file: each file is the old one or a complete new one; a rerun repairs the rest."""
    docs = tmp_path / "docs"
    common = ["build", "--config", str(REPO / "feeds.yaml"), "--snapshots", str(REPO / "snapshots"), "--docs", str(docs),
              "--writer", "extractive", "--cache-dir", str(tmp_path / "cache")]
    first = subprocess.run([sys.executable, "-m", "generator", *common, "--now", "2026-11-22T12:00:00Z"],
                           cwd=REPO, capture_output=True, text=True, timeout=300)
    assert first.returncode in (0, 1), first.stderr
    before = folder_files(docs)
    assert _run_killed(f"replace:{docs}", nth, common) == -9
    after = folder_files(docs)
    assert after != before or nth == 1
    for rel, data in after.items():
        name = rel.rsplit("/", 1)[-1]
        if name.startswith("."):
            continue  # a temporary file the kill left behind: MkDocs ignores dot-files
        if rel.endswith(".md") and data != before.get(rel):
            text = data.decode("utf-8")
            assert text.startswith("---\n") and text.endswith("\n"), rel
            if rel.startswith("briefings/"):
                meta = render.read_front_matter(docs / rel)
                assert meta is not None and isinstance(meta.get(render.RELATED_KEY), list), rel
    # The next build repairs whatever the kill left half-done (index pages that still list a
    # briefing the killed run had already removed), and the strict site build then passes.
    again = subprocess.run([sys.executable, "-m", "generator", *common], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert again.returncode in (0, 1) and "Traceback" not in again.stderr, again.stderr
    build_site_from_docs(docs, REPO / "feeds.yaml", tmp_path)
