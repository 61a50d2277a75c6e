"""Deterministic synthetic data for the benchmarks: a configuration, briefings and feed snapshots.

Everything comes from a seeded ``random.Random``, so two runs build the same
files. The shapes follow the real thing: briefings of about 400 words with
five footnoted quotations, six a day over many editions and several beats;
snapshots written in the styles of the bundled ones (Reddit Atom, hnrss,
arXiv RSS, Google News, YouTube Atom, Mastodon and Bluesky RSS, blog RSS
with full content).
"""

from __future__ import annotations

import datetime as dt
import html
import random
from dataclasses import dataclass
from pathlib import Path

import yaml

from generator.models import Beat, Briefing, Config, Feed, Item, Site, Span, Story, platform_label
from generator.textutil import digest

UTC = dt.timezone.utc
#: The last edition day of every synthetic data set.
LAST_DAY = dt.date(2026, 11, 23)
BRIEFINGS_PER_DAY = 6

BEATS = (
    Beat("open-models", "Open Models", "Open weights, open tooling, licences and local inference."),
    Beat("minds-and-machines", "Minds and Machines", "Whether AI systems understand, feel or deserve moral consideration."),
    Beat("policy-and-talent", "Policy and Talent", "Laws, export controls, visas and where researchers choose to work."),
    Beat("military-ai", "Military AI", "Defence contracts, autonomous weapons and the labs' shifting red lines."),
    Beat("creative-work", "Creative Work", "Artists, writers and musicians facing generative AI: consent, lawsuits, backlash."),
    Beat("platforms-and-algorithms", "Platforms and Algorithms", "Ranking changes, AI answers in search and what they do to reach."),
    Beat("research", "Research", "Papers, benchmarks and the arguments about what they show."),
    Beat("work-and-jobs", "Work and Jobs", "Automation, hiring and how people say AI is changing their work."),
)

# (platform, feed title, url) — forty feeds, in the proportions of feeds.yaml.
_FEEDS = [
    ("reddit", "r/LocalLLaMA"), ("reddit", "r/MachineLearning"), ("reddit", "r/singularity"), ("reddit", "r/ArtistHate"),
    ("reddit", "r/socialmedia"), ("reddit", "r/OpenAI"), ("reddit", "r/StableDiffusion"), ("reddit", "r/cscareerquestions"),
    ("hackernews", "Hacker News: AI"), ("hackernews", "Hacker News: LLM"), ("hackernews", "Hacker News: front page"),
    ("hackernews", "Hacker News: comments"),
    ("arxiv", "arXiv cs.AI"), ("arxiv", "arXiv cs.CL"), ("arxiv", "arXiv cs.CY"), ("arxiv", "arXiv cs.LG"),
    ("news", "Google News: AI policy"), ("news", "Google News: military AI"), ("news", "Google News: AI art"),
    ("news", "Google News: AI jobs"), ("news", "Golem KI"), ("news", "Search Engine Land"),
    ("youtube", "Computerphile"), ("youtube", "Two Minute Papers"), ("youtube", "AI Explained"), ("youtube", "Yannic Kilcher"),
    ("mastodon", "#AIEthics"), ("mastodon", "#LLM"), ("mastodon", "#GenerativeAI"), ("mastodon", "#MachineLearning"),
    ("bluesky", "TechCrunch on Bluesky"), ("bluesky", "The Verge on Bluesky"), ("bluesky", "AI researchers on Bluesky"),
    ("bluesky", "Wired on Bluesky"),
    ("blog", "Hugging Face Blog"), ("blog", "LessWrong"), ("blog", "The Gradient"), ("blog", "Simon Willison"),
    ("blog", "Import AI"), ("blog", "One Useful Thing"),
]
_OUTLETS = ("Reuters", "The Verge", "POLITICO", "AP News", "Wired", "Ars Technica", "The Guardian", "Bloomberg",
            "Financial Times", "Science", "Nature", "Euractiv", "TechCrunch", "MIT Technology Review", "Inside Higher Ed")

_WORDS = """
model models weights open licence release benchmark inference quantization laptop gpu cluster training data dataset
consent artist artists lawsuit court judge policy visa researchers talent lab labs startup contract defence drone
autonomy weapons ranking algorithm reach creators search answers clicks traffic publisher paper papers results claim
evidence replication welfare consciousness chatbot conversation feelings users community moderators forum thread
argument critics supporters engineers students professors funding compute export controls regulation agency audit
transparency safety alignment evaluation leaderboard context window tokens latency cost price subscription api agents
tools workflow developers hiring layoffs automation jobs wages unions writers musicians illustrators studio game voice
cloning likeness copyright opt-out registry scraping crawler robots newsroom editors readers trust disclosure label
""".split()
_GLUE = """
the a of to and in that for on with as by at from it this is was are be has have not but or which more than
about into over after while because even still just only also very much some many most few new old other same
""".split()
_SYLLABLES = ("ka", "lo", "mi", "ter", "va", "ron", "shi", "dra", "nel", "quo", "pex", "zan", "bri", "tov", "ul",
              "sen", "mar", "gri", "fen", "dak", "ori", "vel", "nox", "tis", "bel", "cor", "jun", "pra", "sol", "wen")


def invented(rng: random.Random, parts: int = 3) -> str:
    """A made-up proper name ("Kalomira"): distinctive words that search can look for."""
    return "".join(rng.choice(_SYLLABLES) for _ in range(parts)).capitalize()


def sentence(rng: random.Random, words: int, *, topic: tuple[str, ...] = ()) -> str:
    out = []
    for n in range(words):
        if topic and rng.random() < 0.18:
            out.append(rng.choice(topic))
        elif rng.random() < 0.45:
            out.append(rng.choice(_GLUE))
        else:
            out.append(rng.choice(_WORDS))
    text = " ".join(out)
    return text[:1].upper() + text[1:] + rng.choice((".", ".", ".", "?", "!"))


def prose(rng: random.Random, words: int, *, topic: tuple[str, ...] = ()) -> str:
    parts, left = [], words
    while left > 0:
        n = min(left, rng.randint(9, 22))
        parts.append(sentence(rng, n, topic=topic))
        left -= n
    return " ".join(parts)


# --- configuration ------------------------------------------------------------------


def make_config() -> Config:
    feeds = []
    for n, (platform, title) in enumerate(_FEEDS):
        feed_id = f"{platform}-{n:02d}"
        beats = (BEATS[n % len(BEATS)].id, BEATS[(n * 3 + 1) % len(BEATS)].id)
        feeds.append(Feed(feed_id, title, f"https://feeds.example.org/{feed_id}.xml", platform, tuple(dict.fromkeys(beats))))
    site = Site(title="AI Discourse Briefings (benchmark)", description="Synthetic briefings for the benchmarks.",
                url="https://bench.example.org/")
    return Config(site=site, beats=BEATS, feeds=tuple(feeds))


def config_yaml(config: Config) -> str:
    """feeds.yaml text for a configuration (what the site plugin reads)."""
    site = config.site
    data = {
        "site": {"title": site.title, "description": site.description, "url": site.url,
                 "edition_window_hours": site.edition_window_hours, "briefings_per_edition": site.briefings_per_edition,
                 "min_story_items": site.min_story_items, "model": site.model},
        "beats": [{"id": b.id, "name": b.name, "description": b.description} for b in config.beats],
        "feeds": [{"id": f.id, "title": f.title, "url": f.url, "platform": f.platform, "beats": list(f.beats)}
                  for f in config.feeds],
    }
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=120)


# --- briefings ------------------------------------------------------------------------


@dataclass(frozen=True)
class Synthetic:
    briefing: Briefing
    beat: Beat
    rank: int
    #: The part of a story analysis the site reads: the names its posts use (analysis.entities).
    analysis: dict | None = None


def make_briefings(config: Config, count: int, *, seed: int = 2026) -> list[Synthetic]:
    """``count`` briefings, six an edition day, ending on LAST_DAY; two per beat at most per day."""
    rng = random.Random(seed)
    days = -(-count // BRIEFINGS_PER_DAY)
    first = LAST_DAY - dt.timedelta(days=days - 1)
    out: list[Synthetic] = []
    n = 0
    for d in range(days):
        day = first + dt.timedelta(days=d)
        beats = rng.sample(config.beats, BRIEFINGS_PER_DAY) if len(config.beats) >= BRIEFINGS_PER_DAY else list(config.beats)
        for rank in range(1, BRIEFINGS_PER_DAY + 1):
            if n >= count:
                break
            beat = beats[(rank - 1) % len(beats)]
            briefing = _briefing(rng, config, day, beat, rank, n)
            out.append(Synthetic(briefing, beat, rank, {"entities": entities(briefing, n), "actor": briefing.story.keywords[0]}))
            n += 1
    return out


def _items_for(rng: random.Random, config: Config, day: dt.date, topic: tuple[str, ...], count: int, serial: int) -> tuple[Item, ...]:
    feeds = rng.sample(config.feeds, count)
    items = []
    for k, feed in enumerate(feeds):
        when = dt.datetime.combine(day, dt.time(rng.randint(0, 22), rng.randint(0, 59)), UTC)
        outlet = rng.choice(_OUTLETS) if feed.platform == "news" else ""
        author = "" if feed.platform == "news" else (f"u/{invented(rng, 2).lower()}_{rng.randint(1, 99)}" if feed.platform == "reddit"
                                                      else f"{invented(rng, 2)} {invented(rng, 3)}")
        title = sentence(rng, rng.randint(8, 14), topic=topic).rstrip(".?!")
        items.append(Item(
            id=digest("bench", str(serial), str(k)),
            feed_id=feed.id,
            platform=feed.platform,
            title=title,
            url=f"https://{feed.platform}.example.org/{day:%Y/%m/%d}/{serial}-{k}",
            author=author,
            published=when,
            text=prose(rng, rng.randint(60, 140), topic=topic),
            feeds=(feed.id,),
            feed_title=feed.title,
            outlet=outlet,
        ))
    return tuple(items)


def _briefing(rng: random.Random, config: Config, day: dt.date, beat: Beat, rank: int, serial: int) -> Briefing:
    name = invented(rng)
    topic = (name, rng.choice(_WORDS), rng.choice(_WORDS))
    items = _items_for(rng, config, day, topic, rng.randint(5, 8), serial)
    story = Story(
        id=digest("story", str(serial)),
        edition=day,
        beat=beat.id,
        items=items,
        score=round(30 - rank * 2.5, 3),
        keywords=topic + tuple(rng.sample(_WORDS, 3)),
        significance=("high", "medium", "low")[min(rank - 1, 2)],
        lead=rank == 1,
    )
    paragraphs = []
    for index in range(5):
        source = items[index]
        words = source.text.split()
        start = rng.randint(0, max(0, len(words) - 22))
        quote = " ".join(words[start:start + rng.randint(12, 20)])
        lead = prose(rng, rng.randint(38, 50), topic=topic)
        who = source.outlet or source.author or source.feed_title
        paragraphs.append((Span(f"{lead} {who} put it this way: "), Span(quote, source=index, quote=True), Span(" " + sentence(rng, 10, topic=topic))))
    paragraphs.append((Span(prose(rng, 35, topic=topic)),))
    headline = f"{name}: " + sentence(rng, rng.randint(7, 11), topic=topic).rstrip(".?!")
    teaser = sentence(rng, rng.randint(16, 22), topic=topic) + " " + sentence(rng, rng.randint(10, 14), topic=topic)
    return Briefing(
        story=story,
        headline=headline,
        teaser=teaser,
        paragraphs=tuple(paragraphs),
        sources=items,
        writer="claude",
        inputs_hash=digest("inputs", str(serial), length=24),
        model=config.site.model,
        extra={"fidelity": {"cited_sentences": 0.8, "verbatim_quotes": 1.0}},
    )


def entities(briefing: Briefing, serial: int) -> list[str]:
    """Names the posts of a synthetic story use, as analysis.entities lists them: the story's own name
    (in its headline), a person, a model and a lab (from a generator of their own, so that the
    rest of the data stays as it was before briefings carried names)."""
    rng = random.Random(f"entities-{serial}")
    name = briefing.story.keywords[0]
    return [name, f"{invented(rng, 2)} {invented(rng, 3)}", f"{invented(rng, 2)}-{rng.choice((7, 13, 70, 405))}B",
            f"{invented(rng, 2)} Labs"]


def body_words(briefing: Briefing) -> int:
    return sum(len(span.text.split()) for paragraph in briefing.paragraphs for span in paragraph)


def source_names(briefing: Briefing) -> list[str]:
    return [item.outlet or item.feed_title for item in briefing.sources[:5]]


# --- snapshots --------------------------------------------------------------------------


@dataclass(frozen=True)
class SnapshotSet:
    config: Config
    root: Path
    files: list[Path]
    entries: int
    distinct: int
    now: dt.datetime


def write_snapshots(root: Path, *, items: int = 10_000, days: int = 30, snapshots_per_feed: int = 5,
                    overlap: int = 10, seed: int = 7) -> SnapshotSet:
    """Snapshot files for the configuration's forty feeds, about ``items`` distinct items in all.

    Each feed has ``snapshots_per_feed`` snapshots spread over ``days`` days;
    each snapshot carries its new entries plus the ``overlap`` newest of the
    previous one (as real feeds do), so merging duplicates is exercised.
    Entries of a day share topics across feeds, so clustering finds stories.
    """
    rng = random.Random(seed)
    config = make_config()
    feeds = config.feeds
    per_feed = items // len(feeds)
    new_per_snapshot = -(-per_feed // snapshots_per_feed)
    start = dt.datetime.combine(LAST_DAY - dt.timedelta(days=days - 1), dt.time(), UTC)
    span = dt.timedelta(days=days)
    # Twelve topics a day, shared by all feeds: the stories.
    topics = {d: [(invented(rng), rng.choice(_WORDS), rng.choice(_WORDS)) for _ in range(12)] for d in range(days)}
    files: list[Path] = []
    entries = distinct = 0
    for f, feed in enumerate(feeds):
        folder = root / feed.id
        folder.mkdir(parents=True, exist_ok=True)
        previous: list[dict] = []
        made = 0
        for s in range(snapshots_per_feed):
            taken = start + span * (s + 1) / snapshots_per_feed - dt.timedelta(minutes=7 * f + 1)
            begin = start + span * s / snapshots_per_feed
            fresh = []
            for k in range(min(new_per_snapshot, per_feed - made)):
                when = begin + (taken - begin) * (k + 0.5) / new_per_snapshot
                d = min(days - 1, max(0, (when - start).days))
                topic = rng.choice(topics[d]) if rng.random() < 0.6 else (invented(rng), rng.choice(_WORDS))
                fresh.append(_entry(rng, feed, f"{f}-{made + k}", when, topic))
            made += len(fresh)
            chosen = sorted(fresh + previous[:overlap], key=lambda e: e["when"], reverse=True)
            previous = sorted(fresh, key=lambda e: e["when"], reverse=True)
            path = folder / f"{taken:%Y%m%dT%H%M%SZ}.xml"
            path.write_text(_feed_xml(feed, chosen, taken), encoding="utf-8")
            files.append(path)
            entries += len(chosen)
        distinct += made
    (root.parent / "feeds.yaml").write_text(config_yaml(config), encoding="utf-8")
    now = max(dt.datetime.strptime(p.stem, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC) for p in files)
    return SnapshotSet(config, root, files, entries, distinct, now)


def _entry(rng: random.Random, feed: Feed, key: str, when: dt.datetime, topic: tuple[str, ...]) -> dict:
    words = {"blog": (250, 600), "arxiv": (120, 200), "reddit": (50, 220), "youtube": (40, 90)}.get(feed.platform, (25, 80))
    paragraphs = [prose(rng, rng.randint(*words) // 3 + 5, topic=topic) for _ in range(3 if feed.platform in ("blog", "reddit") else 1)]
    return {
        "key": key,
        "when": when,
        "title": sentence(rng, rng.randint(7, 14), topic=topic).rstrip(".!?"),
        "paragraphs": paragraphs,
        "author": invented(rng, 2).lower() + str(rng.randint(1, 999)),
        "outlet": rng.choice(_OUTLETS),
        "points": rng.randint(1, 900),
    }


def _rfc822(when: dt.datetime) -> str:
    return when.strftime("%a, %d %b %Y %H:%M:%S +0000")


def _x(text: str) -> str:
    return html.escape(text, quote=True)


def _feed_xml(feed: Feed, entries: list[dict], taken: dt.datetime) -> str:
    p = feed.platform
    if p in ("reddit", "youtube"):
        return _atom(feed, entries, taken)
    items = []
    for e in entries:
        link = f"https://{p}.example.org/{feed.id}/{e['key']}"
        title = e["title"]
        if p == "hackernews":
            body = (f"<p>{_x(e['paragraphs'][0])}</p><hr><p>Article URL: <a href=\"https://site.example.com/{e['key']}\">"
                    f"https://site.example.com/{e['key']}</a></p><p>Comments URL: <a href=\"{link}\">{link}</a></p>"
                    f"<p>Points: {e['points']}</p><p># Comments: {e['points'] // 3}</p>")
            extra = f"<dc:creator>{_x(e['author'])}</dc:creator><comments>{link}</comments>"
        elif p == "arxiv":
            number = int(digest(e["key"], length=8), 16) % 90000 + 10000
            body = _x(f"arXiv:2611.{number:05d}v1 Announce Type: new \nAbstract: {e['paragraphs'][0]}")
            items.append(
                f"<item><title>{_x(title)}</title><link>{link}</link><description>{body}</description>"
                f"<guid isPermaLink=\"false\">oai:arXiv.org:{e['key']}</guid><category>cs.AI</category>"
                f"<pubDate>{_rfc822(e['when'])}</pubDate><arxiv:announce_type>new</arxiv:announce_type>"
                f"<dc:rights>http://creativecommons.org/licenses/by/4.0/</dc:rights>"
                f"<dc:creator>{_x(e['author'])}, {_x(e['outlet'])}</dc:creator></item>")
            continue
        elif p == "news":
            title = f"{title} - {e['outlet']}"
            body = (f"<a href=\"{link}\" target=\"_blank\">{_x(e['title'])}</a>&nbsp;&nbsp;"
                    f"<font color=\"#6f6f6f\">{_x(e['outlet'])}</font>")
            extra = f"<source url=\"https://{e['outlet'].lower().replace(' ', '')}.example.com\">{_x(e['outlet'])}</source>"
        elif p == "blog":
            body = "".join(f"<p>{_x(t)}</p>" for t in e["paragraphs"]) + "<figure><img src=\"/img/chart.png\" alt=\"chart\"></figure>"
            items.append(
                f"<item><title>{_x(title)}</title><link>{link}</link><guid isPermaLink=\"true\">{link}</guid>"
                f"<pubDate>{_rfc822(e['when'])}</pubDate><dc:creator>{_x(e['author'])}</dc:creator>"
                f"<description>{_x(e['paragraphs'][0][:200])}</description>"
                f"<content:encoded><![CDATA[{body}]]></content:encoded></item>")
            continue
        elif p == "mastodon":
            body = (f"<p>{_x(e['paragraphs'][0])}</p><p><a href=\"https://mas.example/tags/AI\" class=\"mention hashtag\" rel=\"tag\">"
                    f"#<span>AI</span></a></p>")
            extra = "<category>ai</category>"
        else:  # bluesky
            body = e["paragraphs"][0]
            extra = ""
        items.append(
            f"<item><title>{_x(title)}</title><link>{link}</link><guid isPermaLink=\"false\">{feed.id}-{e['key']}</guid>"
            f"<pubDate>{_rfc822(e['when'])}</pubDate><description>{_x(body)}</description>{extra}</item>")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:content="http://purl.org/rss/1.0/modules/content/" '
        'xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns:media="http://search.yahoo.com/mrss/">\n<channel>'
        f"<title>{_x(feed.title)}</title><link>https://{p}.example.org/{feed.id}/</link>"
        f"<description>{_x(feed.title)} (synthetic)</description><lastBuildDate>{_rfc822(taken)}</lastBuildDate>\n"
        + "\n".join(items) + "\n</channel></rss>\n"
    )


def _atom(feed: Feed, entries: list[dict], taken: dt.datetime) -> str:
    p = feed.platform
    out = []
    for e in entries:
        link = f"https://{p}.example.org/{feed.id}/{e['key']}"
        when = e["when"].isoformat()
        if p == "reddit":
            inner = "".join(f"<p>{_x(t)}</p>" for t in e["paragraphs"])
            content = (f"<!-- SC_OFF --><div class=\"md\">{inner}</div><!-- SC_ON --> &#32; submitted by &#32; "
                       f"<a href=\"https://www.reddit.com/user/{e['author']}\"> /u/{e['author']} </a> <br/> "
                       f"<span><a href=\"{link}\">[link]</a></span> &#32; <span><a href=\"{link}\">[comments]</a></span>")
            out.append(
                f"<entry><author><name>/u/{_x(e['author'])}</name><uri>https://www.reddit.com/user/{_x(e['author'])}</uri></author>"
                f"<category term=\"{_x(feed.title)}\" label=\"{_x(feed.title)}\"/>"
                f"<content type=\"html\">{_x(content)}</content><id>t3_{e['key']}</id><link href=\"{link}\"/>"
                f"<updated>{when}</updated><published>{when}</published><title>{_x(e['title'])}</title></entry>")
        else:  # youtube
            out.append(
                f"<entry><id>yt:video:{e['key']}</id><yt:videoId>{e['key']}</yt:videoId><title>{_x(e['title'])} - {_x(feed.title)}</title>"
                f"<link rel=\"alternate\" href=\"{link}\"/><author><name>{_x(feed.title)}</name></author>"
                f"<published>{when}</published><updated>{when}</updated><media:group><media:title>{_x(e['title'])}</media:title>"
                f"<media:thumbnail url=\"https://img.example.org/{e['key']}.jpg\" width=\"480\" height=\"360\"/>"
                f"<media:description>{_x(e['paragraphs'][0])}\n\nMore links &amp; stuff in full description below</media:description>"
                f"<media:community><media:statistics views=\"{e['points'] * 97}\"/></media:community></media:group></entry>")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<feed xmlns="http://www.w3.org/2005/Atom" xmlns:media="http://search.yahoo.com/mrss/" '
        'xmlns:yt="http://www.youtube.com/xml/schemas/2015">\n'
        f"<title>{_x(feed.title)}</title><id>{feed.url}</id><updated>{taken.isoformat()}</updated>"
        f"<link rel=\"alternate\" href=\"https://{p}.example.org/{feed.id}/\"/>\n"
        + "\n".join(out) + "\n</feed>\n"
    )


def platform_names(briefing: Briefing) -> list[str]:
    return sorted({platform_label(item.platform) for item in briefing.sources})
