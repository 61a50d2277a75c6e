"""Ingest: feed bytes → plain-text items with UTC dates, merged duplicates, reported problems."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from generator.ingest import Snapshot, ingest, merge_duplicates, parse_snapshot
from generator.models import Beat, Config, Feed, Item, Site

from conftest import REPO, utc

TAKEN = utc(2026, 11, 21, 22, 0)

REDDIT_ATOM = b"""<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:media="http://search.yahoo.com/mrss/">
<category term="LocalLLaMA" label="r/LocalLLaMA"/><id>/r/LocalLLaMA/.rss</id><title>LocalLLaMA</title>
<updated>2026-11-21T20:00:00+00:00</updated>
<entry>
 <author><name>/u/quant_goblin</name><uri>https://www.reddit.com/user/quant_goblin</uri></author>
 <content type="html">&lt;!-- SC_OFF --&gt;&lt;div class="md"&gt;&lt;p&gt;Weights are not a product. Where is the &lt;em&gt;inference&lt;/em&gt; server &amp;amp; the eval harness?&lt;/p&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;/div&gt;&lt;!-- SC_ON --&gt; &amp;#32; submitted by &amp;#32; &lt;a href="https://www.reddit.com/user/quant_goblin"&gt; /u/quant_goblin &lt;/a&gt; &lt;br/&gt; &lt;span&gt;&lt;a href="https://www.reddit.com/r/LocalLLaMA/comments/1abc/x/"&gt;[link]&lt;/a&gt;&lt;/span&gt; &amp;#32; &lt;span&gt;&lt;a href="https://www.reddit.com/r/LocalLLaMA/comments/1abc/x/"&gt;[comments]&lt;/a&gt;&lt;/span&gt;</content>
 <id>t3_1abc</id>
 <link href="https://www.reddit.com/r/LocalLLaMA/comments/1abc/x/"/>
 <updated>2026-11-21T18:00:00+00:00</updated><published>2026-11-21T17:30:00+00:00</published>
 <title>Tessera-70B: weights &amp;amp; nothing else?</title>
</entry>
<entry>
 <author><name>/u/nolink</name></author><content type="html">no link here</content>
 <id>t3_nolink</id><published>2026-11-21T17:00:00+00:00</published><title>No link</title>
</entry>
<entry>
 <author><name>/u/later</name></author><content type="html">From the future.</content>
 <id>t3_future</id><link href="https://www.reddit.com/r/LocalLLaMA/comments/1fut/y/"/>
 <published>2027-01-01T00:00:00+00:00</published><title>Future</title>
</entry>
<entry>
 <content type="html">No date at all, and no title either.</content>
 <id>t3_nodate</id><link href="https://www.reddit.com/r/LocalLLaMA/comments/1nod/z/"/>
</entry>
</feed>
"""

HN_RSS = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>Hacker News: AI</title><link>https://news.ycombinator.com/</link>
<item><title>Tessera-70B weights released</title>
<description><![CDATA[<p>Article URL: <a href="https://latticelabs.example/blog/tessera-70b">x</a></p><p>Comments URL: <a href="https://news.ycombinator.com/item?id=1">y</a></p><p>Points: 120</p><p># Comments: 80</p>]]></description>
<pubDate>Fri, 21 Nov 2026 09:00:00 -0500</pubDate><link>https://latticelabs.example/blog/tessera-70b?utm_source=hn</link>
<dc:creator>pg_fan</dc:creator><guid isPermaLink="false">https://news.ycombinator.com/item?id=1</guid></item>
</channel></rss>
"""

LATIN1 = """<?xml version="1.0" encoding="ISO-8859-1"?>
<rss version="2.0"><channel><title>Golem</title><link>https://www.golem.de/</link>
<item><title>Forscher verlassen die USA: Zürich und München locken</title><link>https://www.golem.de/news/a-2611-1.html</link>
<description>Gr\xfc\xdfe aus M\xfcnchen: &lt;b&gt;KI&lt;/b&gt;-Forschung w\xe4chst.</description>
<pubDate>Fri, 21 Nov 2026 10:00:00 +0100</pubDate><guid>golem-1</guid></item>
</channel></rss>
""".encode("iso-8859-1")


def feed(feed_id: str, platform: str, title: str = "A feed", **kw) -> Feed:
    return Feed(id=feed_id, title=title, url=f"https://example.org/{feed_id}", platform=platform, beats=("b",), **kw)


def parse(data: bytes, f: Feed, taken: dt.datetime = TAKEN):
    return parse_snapshot(Snapshot(f, Path(f"snapshots/{f.id}/20261121T220000Z.xml"), taken), data)


def test_reddit_entry_becomes_plain_text_item():
    items, problems = parse(REDDIT_ATOM, feed("r", "reddit", "r/LocalLLaMA"))
    item = next(i for i in items if i.title.startswith("Tessera"))
    assert item.title == "Tessera-70B: weights & nothing else?"
    assert item.text == "Weights are not a product. Where is the inference server & the eval harness?"
    assert "alert" not in item.text and "<" not in item.text
    assert item.author == "u/quant_goblin"
    assert item.published == utc(2026, 11, 21, 17, 30)
    assert item.published.tzinfo is dt.timezone.utc
    assert item.url == "https://www.reddit.com/r/LocalLLaMA/comments/1abc/x/"
    assert item.platform == "reddit" and item.feeds == ("r",)


def test_entries_without_link_are_skipped_and_bad_dates_are_reported():
    items, problems = parse(REDDIT_ATOM, feed("r", "reddit"))
    assert [i for i in items if "no link" in i.text] == []
    messages = " | ".join(p.message for p in problems)
    assert "1 entry without a usable http(s) link skipped" in messages
    assert "1 entry dated in the future" in messages
    assert "1 entry without a readable date" in messages
    future = next(i for i in items if i.text == "From the future.")
    assert future.published == TAKEN and future.date_estimated
    untitled = next(i for i in items if i.text.startswith("No date"))
    assert untitled.published == TAKEN and untitled.title.startswith("No date at all")
    assert all(p.feed_id == "r" for p in problems)


def test_hacker_news_boilerplate_is_dropped():
    items, _ = parse(HN_RSS, feed("hn", "hackernews"))
    (item,) = items
    assert "Points" not in item.text and "Article URL" not in item.text
    assert item.text == item.title  # nothing left but the title
    assert item.published == utc(2026, 11, 21, 14, 0)
    assert item.author == "pg_fan"


def test_legacy_encoding_is_decoded():
    items, problems = parse(LATIN1, feed("golem", "news"))
    (item,) = items
    assert "Zürich und München" in item.title
    assert item.text == "Grüße aus München: KI-Forschung wächst."
    assert problems == []


def test_not_well_formed_feed_is_used_as_far_as_it_parsed():
    broken = HN_RSS.replace(b"</channel></rss>", b"<item><title>cut")
    items, problems = parse(broken, feed("hn", "hackernews"))
    assert len(items) >= 1
    assert any("using the" in p.message for p in problems)


def test_html_page_and_empty_file_are_reported_not_fatal():
    items, problems = parse(b"<!DOCTYPE html><html><body>Rate limited</body></html>", feed("x", "blog"))
    assert items == [] and "HTML page" in problems[0].message
    items, problems = parse(b"", feed("y", "blog"))
    assert items == [] and problems


def test_duplicates_merge_by_id_and_normalized_link(tmp_path):
    config = Config(
        site=Site(title="t", description="d"),
        beats=(Beat("b", "B", "d"),),
        feeds=(feed("hn", "hackernews", "Hacker News"), feed("blog", "blog", "Lattice blog")),
    )
    (tmp_path / "hn").mkdir()
    (tmp_path / "hn" / "20261121T220000Z.xml").write_bytes(HN_RSS)
    (tmp_path / "hn" / "20261122T220000Z.xml").write_bytes(HN_RSS)  # same entry again
    blog = b"""<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Lattice</title>
    <entry><id>urn:lattice:1</id><title>Introducing Tessera-70B</title><link href="https://latticelabs.example/blog/tessera-70b/"/>
    <published>2026-11-21T12:00:00Z</published><summary>We release the weights of Tessera-70B under a permissive licence.</summary></entry></feed>"""
    (tmp_path / "blog").mkdir()
    (tmp_path / "blog" / "20261121T230000Z.xml").write_bytes(blog)
    result = ingest(config, tmp_path)
    assert len(result.items) == 1
    (item,) = result.items
    assert set(item.feeds) == {"hn", "blog"}
    assert item.text.startswith("We release the weights")  # the richer text wins
    assert item.published == utc(2026, 11, 21, 12, 0)


def test_merge_is_independent_of_input_order():
    items, _ = parse(REDDIT_ATOM, feed("r", "reddit"))
    assert merge_duplicates(items) == merge_duplicates(list(reversed(items)))


def test_parse_cache_gives_the_same_items(tmp_path):
    config = Config(site=Site(title="t", description="d"), beats=(Beat("b", "B", "d"),), feeds=(feed("r", "reddit"),))
    (tmp_path / "snap" / "r").mkdir(parents=True)
    (tmp_path / "snap" / "r" / "20261121T220000Z.xml").write_bytes(REDDIT_ATOM)
    first = ingest(config, tmp_path / "snap", cache_dir=tmp_path / "cache")
    second = ingest(config, tmp_path / "snap", cache_dir=tmp_path / "cache")
    assert first.cache_hits == 0 and second.cache_hits == 1
    assert first.items == second.items
    assert [str(p) for p in first.problems] == [str(p) for p in second.problems]


def test_unknown_snapshot_folders_and_bad_names_are_reported(tmp_path):
    config = Config(site=Site(title="t", description="d"), beats=(Beat("b", "B", "d"),), feeds=(feed("r", "reddit"),))
    (tmp_path / "r").mkdir()
    (tmp_path / "r" / "latest.xml").write_bytes(REDDIT_ATOM)
    (tmp_path / "stray").mkdir()
    result = ingest(config, tmp_path)
    messages = [str(p) for p in result.problems]
    assert any("stray" in m and "no feed with this id" in m for m in messages)
    assert any("latest.xml" in m and "not a UTC stamp" in m for m in messages)


def test_bundled_snapshots_cover_every_feed_with_enough_items():
    from generator.config import load_config

    config = load_config(REPO / "feeds.yaml")
    result = ingest(config, REPO / "snapshots")
    assert not [p for p in result.problems if "no snapshots yet" in p.message]
    assert len(result.items) >= 250
    days = {i.published.date() for i in result.items if not i.date_estimated}
    assert len(days) >= 3
    assert len({i.platform for i in result.items}) >= 7
    assert any(len(i.feeds) > 1 for i in result.items), "the same link in two feeds should merge"
    for item in result.items:
        assert item.published.tzinfo is not None
        assert item.url.startswith(("http://", "https://"))
        assert "<script" not in item.text.lower()


def test_one_feed_may_list_several_entries_under_one_link():
    from dataclasses import replace

    base = parse(HN_RSS, feed("hn", "hackernews"))[0][0]
    update = replace(base, id="other", title="A different announcement")
    revision = replace(base, id="revision")  # same link, same title: a revised copy
    assert len(merge_duplicates([base, update])) == 2
    assert len(merge_duplicates([base, revision])) == 1
    other_feed = replace(update, feed_id="blog", feeds=("blog",))
    assert len(merge_duplicates([base, other_feed])) == 1  # another feed linking the same page


# --- who wrote what, and when it was first read -----------------------------------------


def _blog(entries: list[tuple[str, str]]) -> bytes:
    items = "".join(f"<item><title>{t}</title><link>https://lab.example/{n}</link><guid>lab-{n}</guid><pubDate>{d}</pubDate>"
                    f"<description>Post {n} of the lab's news.</description></item>" for n, (t, d) in enumerate(entries))
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Lab news</title><link>https://lab.example/</link>{items}</channel></rss>'.encode()


def test_a_feeds_first_fetch_marks_its_back_catalogue_and_later_fetches_do_not(tmp_path):
    config = Config(site=Site(title="t", description="d"), beats=(Beat("b", "B", "d"),), feeds=(feed("lab", "blog", "Lab news"),))
    old = [(f"Old post {n}", f"Mon, 0{n + 1} Jun 2025 09:00:00 +0000") for n in range(5)]
    first = _blog(old + [("Today's post", "Sat, 21 Nov 2026 08:00:00 +0000")])
    second = _blog(old + [("Today's post", "Sat, 21 Nov 2026 08:00:00 +0000"), ("Next day's post", "Sun, 22 Nov 2026 09:00:00 +0000")])
    (tmp_path / "lab").mkdir()
    (tmp_path / "lab" / "20261121T220000Z.xml").write_bytes(first)
    (tmp_path / "lab" / "20261122T220000Z.xml").write_bytes(second)
    items = {i.title: i for i in ingest(config, tmp_path).items}
    assert all(items[f"Old post {n}"].backlog for n in range(5))
    assert not items["Today's post"].backlog and not items["Next day's post"].backlog
    assert items["Today's post"].seen == utc(2026, 11, 21, 22, 0)  # first read then, not again the next day
    assert items["Next day's post"].seen == utc(2026, 11, 22, 22, 0)


def test_a_section_or_desk_signing_many_entries_is_not_a_person():
    entries = "".join(f"<item><title>Story {n}</title><link>https://news.example/{n}</link><guid>n{n}</guid>"
                      f"<author>{'World' if n % 2 else 'Opinion'}</author><pubDate>Sat, 21 Nov 2026 {n:02d}:00:00 +0000</pubDate></item>"
                      for n in range(10))
    entries += "<item><title>Signed</title><link>https://news.example/s</link><guid>s</guid><author>Jane Roe</author><pubDate>Sat, 21 Nov 2026 09:00:00 +0000</pubDate></item>"
    data = f'<?xml version="1.0"?><rss version="2.0"><channel><title>Paper</title><link>https://news.example/</link>{entries}</channel></rss>'.encode()
    items, _ = parse(data, feed("paper", "news", "The Paper"))
    authors = {i.title: i.author for i in items}
    assert authors["Story 1"] == authors["Story 2"] == ""
    assert authors["Signed"] == "Jane Roe"


def test_a_forum_item_carrying_the_linked_article_credits_the_article():
    data = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>Hacker News</title><link>https://news.ycombinator.com/</link>
    <item><title>Frame selection is the whole game</title><link>https://www.leoaido.com/frames</link><dc:creator xmlns:dc="http://purl.org/dc/elements/1.1/">submitter</dc:creator>
    <description>&#8592; leoaido.com Frame selection is the whole game. A vision model can afford about 150 frames per video.</description>
    <pubDate>Sat, 21 Nov 2026 09:00:00 +0000</pubDate><guid>hn-1</guid></item></channel></rss>"""
    (item,), _ = parse(data, feed("hn", "hackernews", "Hacker News"))
    assert item.text_by == "leoaido.com" and item.author == "submitter"
    assert item.text.startswith("Frame selection is the whole game.")


def test_lemmy_items_name_their_author_and_community():
    data = b"""<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Lemmy</title>
    <entry><id>l1</id><title>EU chatbots must say they are not human</title><link href="https://lemmy.example/post/1"/>
    <author><name>lemmy.example</name></author><updated>2026-11-21T09:00:00Z</updated>
    <content>submitted by VetOfTheSeas to technology 12 points | 3 comments https://news.example/eu-chatbots Starting Sunday, chatbots in the EU must disclose they are bots.</content></entry></feed>"""
    (item,), _ = parse(data, feed("lemmy", "lemmy", "Lemmy"))
    assert item.author == "VetOfTheSeas" and item.outlet == "c/technology"
    assert item.text == "Starting Sunday, chatbots in the EU must disclose they are bots."


def test_latex_in_arxiv_entries_becomes_characters():
    data = rb"""<?xml version="1.0"?><rss version="2.0"><channel><title>arXiv cs.AI</title><link>https://arxiv.org/</link>
    <item><title>Licence Drift, 2023--2026</title><link>https://arxiv.org/abs/2611.00001</link><guid>a1</guid>
    <description>arXiv:2611.00001v1 Announce Type: new Abstract: In 27--35% of releases the $\alpha$ term grows.</description>
    <dc:creator xmlns:dc="http://purl.org/dc/elements/1.1/">Sebasti\'an Ortu\~no, Mar\'ia Jos\'e Quintero</dc:creator>
    <pubDate>Sat, 21 Nov 2026 05:00:00 +0000</pubDate></item></channel></rss>"""
    (item,), _ = parse(data, feed("arxiv", "arxiv", "arXiv cs.AI"))
    assert item.title == "Licence Drift, 2023–2026"
    assert item.author == "Sebastián Ortuño, María José Quintero"
    assert item.text == "In 27–35% of releases the α term grows."


def test_an_aggregators_copy_merges_with_the_publications_own_post():
    """Google News links through itself; the same headline from the same outlet is one post."""
    import dataclasses

    own = Item(id="a", feed_id="sel", platform="news", title="Study: AI answers cut click-through by a third",
               url="https://searchengineland.com/study-468390", author="Marcus Ibe", published=utc(2026, 11, 23, 13, 0),
               text="Long text of the article.", feeds=("sel",), feed_title="Search Engine Land")
    copy = dataclasses.replace(own, id="b", feed_id="gnews", url="https://news.google.com/rss/articles/CBMi123", author="",
                               text="", feeds=("gnews",), feed_title="Google News", outlet="Search Engine Land")
    other_outlet = dataclasses.replace(copy, id="c", url="https://news.google.com/rss/articles/CBMi456", outlet="The Verge")
    merged = merge_duplicates([own, copy, other_outlet])
    assert len(merged) == 2
    (both,) = [i for i in merged if set(i.feeds) == {"sel", "gnews"}]
    assert both.url == own.url and both.text == "Long text of the article."
