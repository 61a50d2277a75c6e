"""The Claude writer against the local fake Messages API (tests/fake_anthropic.py) at 1 s latency.

Fifty synthetic stories go through ``generator.writers.claude.ClaudeWriter``
at its default concurrency, over real HTTP to the fake on 127.0.0.1, with
the full system prompt (house style, craft, the guide to the synthetic
beats). Reported: time, requests, tokens as the fake counts them (one per
four characters in, four per three words out), the prompt cache's writes
and reads, and the estimated cost. Then a fresh writer with the same cache
directory writes the same stories again: it must answer every one from its
response cache, without a request.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import anthropic

from generator import render
from generator.pipeline import inputs_hash
from generator.writers import Job
from generator.writers.claude import ClaudeWriter

from . import synth


def run(work: Path, *, stories: int = 50, latency: float = 1.0, keep: bool = False, log=print) -> dict:
    from tests.fake_anthropic import FakeAnthropic

    root = work / "claude"
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    config = synth.make_config()
    picks = synth.make_briefings(config, stories, seed=50)
    default_concurrency = ClaudeWriter.__init__.__kwdefaults__["concurrency"]
    with FakeAnthropic(latency=latency) as fake:
        client = anthropic.Anthropic(api_key="bench", base_url=fake.url)

        steps = []

        def writer() -> ClaudeWriter:
            return ClaudeWriter(config.site.model, client=client, cache_dir=root / "cache", config=config, progress=steps.append)

        first = writer()
        jobs = [Job(story=s.briefing.story, beat=s.beat, inputs_hash=inputs_hash(s.briefing.story, config, first)) for s in picks]
        start = time.perf_counter()
        outcomes = list(first.write_all(jobs))
        elapsed = time.perf_counter() - start
        written = [o for o in outcomes if o.briefing is not None]
        requests = len(fake.message_requests)
        failures = [str(o.error) for o in outcomes if o.error is not None]
        totals = first.totals
        refused = len(fake.rejected)
        log(f"[claude] {len(written)} of {stories} stories written in {elapsed:.2f} s at {latency:g} s latency, "
            f"concurrency {default_concurrency} (most at once on the fake: {fake.max_in_flight}), {requests} requests")
        log(f"[claude] {first.summary().splitlines()[0].removeprefix('claude: ')}; {len(steps)} progress steps; "
            f"{refused} requests refused by the fake")
        log(f"[claude] prompt cache: {first.cache_plan.describe(first.model)}")
        for message in failures[:5]:
            log(f"[claude]   failed: {message}")

        # The briefings render (footnotes, escaping) like any other.
        docs = root / "docs"
        writes = render.Writes()
        taken: set[str] = set()
        placed = []
        for outcome in written:
            rel = render.briefing_path(outcome.briefing, taken)
            taken.add(rel)
            placed.append((rel, outcome.briefing, outcome.job.beat, 1))
        render.write_briefings(docs, config, placed, writes)

        fake.reset()
        again = writer()
        start = time.perf_counter()
        repeat = list(again.write_all(jobs))
        again_s = time.perf_counter() - start
        again_requests = len(fake.message_requests)
        log(f"[claude] the same {stories} stories again: {again_s:.2f} s, {again_requests} requests, "
            f"{again.totals.cache_hits} answered from the cache")
    figures = {
        "claude_stories": stories,
        "claude_latency_s": latency,
        "claude_concurrency": default_concurrency,
        f"claude_{stories}_stories_s": round(elapsed, 2),
        "claude_written": len(written),
        "claude_requests": requests,
        "claude_refused_by_fake": refused,
        "claude_input_tokens": totals.all_input_tokens,
        "claude_output_tokens": totals.output_tokens,
        "claude_prompt_cache_written": totals.cache_write_tokens,
        "claude_prompt_cache_read": totals.cache_read_tokens,
        "claude_est_cost_usd": round(totals.cost, 4) if totals.cost is not None else None,
        "claude_rebuild_s": round(again_s, 2),
        "claude_rebuild_requests": again_requests,
        "claude_rebuild_written": sum(1 for o in repeat if o.briefing is not None),
    }
    if not keep:
        shutil.rmtree(root, ignore_errors=True)
    return figures
