"""Progress of long runs: the display (a line per step, or a bar on a terminal) and `fetch` through it."""

from __future__ import annotations

import io

from pytest_httpserver import HTTPServer

from generator.__main__ import main
from generator.progress import Progress, Step

RSS = (
    b'<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel><title>Feed</title>'
    b"<item><title>One</title><link>https://example.com/1</link></item></channel></rss>\n"
)


def test_a_line_per_step_when_the_stream_is_not_a_terminal():
    stream = io.StringIO()
    show = Progress(stream, tty=False)
    show(Step(1, 3, "story a (Open Models): written", "est. $0.02"))
    show(Step(2, 3, "story b (Open Models): failed: the model declined", "est. $0.03"))
    show.message("skipped story b")
    show.close()
    assert stream.getvalue().splitlines() == [
        "[1/3] story a (Open Models): written · est. $0.02",
        "[2/3] story b (Open Models): failed: the model declined · est. $0.03",
        "skipped story b",
    ]


def test_one_bar_redrawn_in_place_on_a_terminal():
    stream = io.StringIO()
    show = Progress(stream, tty=True, width=10)
    show(Step(1, 4, "story a: written", "est. $0.01"))
    show(Step(2, 4, "story b: written", "est. $0.02"))
    show.message("a log line")
    show.close()
    text = stream.getvalue()
    assert "\n" not in text.split("a log line")[0].replace("\r", "")  # bars overwrite each other, no new lines
    assert "\r[##........] 1/4 · est. $0.01 · story a: written" in text
    assert "\r[#####.....] 2/4 · est. $0.02 · story b: written" in text
    before, after = text.split("a log line\n")
    assert after.lstrip("\r").startswith("[#####.....] 2/4")  # the bar is drawn again under the log line
    assert text.endswith("\n")


def test_fetch_reports_each_feed_as_it_comes_in(httpserver: HTTPServer, tmp_path, capsys):
    httpserver.expect_request("/a.xml").respond_with_data(RSS, content_type="application/rss+xml")
    httpserver.expect_request("/b.xml").respond_with_data(b"", status=404)
    config = tmp_path / "feeds.yaml"
    config.write_text(
        "site: {title: T, description: D}\n"
        "beats: [{id: b, name: B, description: D}]\n"
        "feeds:\n"
        f"  - {{id: feed-a, title: A, url: '{httpserver.url_for('/a.xml')}', platform: blog, beats: [b]}}\n"
        f"  - {{id: feed-b, title: B, url: '{httpserver.url_for('/b.xml')}', platform: blog, beats: [b]}}\n",
        encoding="utf-8",
    )
    assert main(["fetch", "--config", str(config), "--snapshots", str(tmp_path / "snapshots")]) == 1
    lines = [line for line in capsys.readouterr().err.splitlines() if line.startswith("[")]
    assert sorted(line[:5] for line in lines) == ["[1/2]", "[2/2]"]
    assert any("feed-a: new, " in line for line in lines) and any("feed-b: error, " in line for line in lines)
