"""The check every Claude answer passes before it may be published.

``check`` returns None for a publishable draft, or a ``Rejection``: a
short reason -- in words a reader of the build log (and the model, on its
one retry) can act on -- and how to try again. First the stop reason: every
value the SDK lists has its entry in ``STOP_REASONS``. Then the text: it
rejects refusals, requests for more material, answers that talk
about themselves, their instructions or "the sources provided", answers
far outside the requested length, answers whose quotation marks surround
words no source contains, and answers that cite nothing (which is what an
answer that obeyed an instruction hidden in a post looks like).

The phrase checks read only the writer's own words, never the quotations
(a post may well say "I can't"), and look for an answer that speaks as
itself or to the person who asked -- not for words such as "instructions"
or "not enough data", which a briefing about AI may need.
``tests/data/guard_corpus.txt`` holds the sentences they are tested on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal, Mapping

from .parse import Draft

#: How to try again after a rejection: "with_reason" sends the rejected answer back with
#: the reason; "fresh" sends the original request again, nothing of the rejected turn in
#: it; "none" does not try again (the same request would fail the same way).
Retry = Literal["with_reason", "fresh", "none"]


@dataclass(frozen=True)
class Rejection:
    """Why an answer may not be published, and how to try again."""

    reason: str
    retry: Retry = "with_reason"


#: Every stop reason the SDK lists: None when the answer is complete (the rest of the
#: guard still judges it), else why it may not be published and how to try again.
STOP_REASONS: dict[str, tuple[str, Retry] | None] = {
    "end_turn": None,
    # No stop_sequences are sent; an answer that stopped at one is judged like any other.
    "stop_sequence": None,
    "max_tokens": ("the answer was cut off at the output limit before it ended (stop reason: max_tokens)", "with_reason"),
    # The window was full: the same request (let alone a longer one) would be cut off again.
    "model_context_window_exceeded": (
        "the answer filled the model's context window and was cut off (stop reason: model_context_window_exceeded)",
        "none",
    ),
    # The API says to reset the conversation after a refusal: continuing it brings more refusals.
    "refusal": ("the model declined to write it (stop reason: refusal)", "fresh"),
    # pause_turn and tool_use belong to tool loops; the request offers no tools to continue one.
    "pause_turn": ("the model paused its turn before writing the briefing (stop reason: pause_turn)", "fresh"),
    "tool_use": ("the answer asked to use a tool, but the request offers none (stop reason: tool_use)", "fresh"),
}

#: Body length limits, in words (the prompt asks for 400-700).
MIN_WORDS, MAX_WORDS = 250, 1000
MAX_HEADLINE_WORDS = 20
MAX_TEASER_WORDS = 70
MIN_PARAGRAPHS = 2

_APOS = r"['’]"
#: A first-person "I" as the subject: "I", "I'm", "I'd", "I've", "I'll".
_I = r"\bI(?:" + _APOS + r"(?:m|d|ve|ll))?"

# The phrase checks read the writer's own words only (quotations are removed first),
# and each needs the answer to speak as itself ("I", "my") or to the person who asked
# ("you", "your request"): a briefing may well be *about* prompts, instructions,
# refusals and missing data, which are the subject of several beats.
_REFUSAL = re.compile(
    r"\bI(?:\s+|" + _APOS + r")(?:cannot|can not|can" + _APOS + r"?t|won" + _APOS + r"?t|will not|am unable|m unable"
    r"|am not able|m not able|must decline|am sorry|m sorry|apologi[sz]e|am afraid|m afraid|would rather not|d rather not)\b"
    r"|\b(?:unfortunately|sadly|regrettably),?\s+I\b",
    re.IGNORECASE,
)
_ASKS_FOR_MORE = re.compile(
    r"\b(?:could|can|would|will) you (?:please )?(?:provide|share|send|give|clarify|supply|add|include)\b"
    r"|\bplease (?:provide|share|send|supply|clarify|add)\b"
    r"|\bif you (?:can |could |would )?(?:provide|share|send|give|supply)\b"
    r"|\blet me know\b|\b(?:would|do) you (?:like|want) me to\b|\bshall I\b"
    r"|\bI(?:\s+would|" + _APOS + r"d)?\s+need (?:more|additional|further|some more)\b"
    r"|\bI\s+(?:do not|don" + _APOS + r"?t)\s+have (?:enough|sufficient)\b"
    r"|\b(?:not enough|insufficient|too (?:little|thin|few|sparse))\b[^.!?\n]{0,60}\b(?:briefing|column)\b",
    re.IGNORECASE,
)
_MATERIAL = r"(?:sources?|documents?|search results|results|posts|materials?|texts?|excerpts?|snippets?|articles)"
_SELF_TALK = re.compile(
    # the material it was given, as material: "the sources provided", "the posts you shared"
    r"\b(?:the|these|those) " + _MATERIAL + r"(?: (?:that )?(?:you|I|we)(?: have| had| was| were|" + _APOS + r"ve)?(?: been)?)?"
    r" (?:provided|supplied|given|shared|sent)\b(?!\s+(?:to|by|for|in|on|at|with|under|via|through|from|across)\b)"
    r"|(?<![\w-])provided " + _MATERIAL + r"\b"
    r"|\b(?:the|these) (?:posts|sources|search results|documents|excerpts|materials)\s+(?:above|below)\b(?!\s+(?:the|a|an)\b)"
    # its own instructions, and doing as told
    r"|\bmy (?:own |previous |prior |original |earlier )?(?:instructions|system prompt|guidelines|prompt|task|brief)\b"
    r"|\b(?:these|the|your|my) (?:instructions|guidelines|system prompt)\s+(?:ask|asks|tell|tells|told|asked|say|said|require|want)\s+me\b"
    r"|\b(?:following|per|as per|according to|in line with|in keeping with|as specified in|as set out in) (?:your|my|the user"
    + _APOS + r"s) (?:instructions|request|guidelines|brief|prompt)\b"
    r"|\bas you (?:requested|asked|instructed|wanted|specified)\b"
    r"|(?:^|(?<=[.!?])\s)\s*as (?:instructed|requested|asked|directed)\s*,"
    r"|" + _I + r"\s+(?:will\s+|have\s+|am\s+)?(?:now\s+)?(?:ignor|disregard)\w*|\b(?:ignor|disregard)\w* my\b"
    # itself, its work and the person it works for
    r"|" + _I + r"(?:\s+(?:was|have been|had been))?\s+(?:been\s+)?(?:given|provided|asked|instructed|told|shown|sent)\b"
    r"|\bI(?:\s+have|" + _APOS + r"ve)\s+(?:written|drafted|kept|summari[sz]ed|focused|structured|included|avoided|quoted)\b"
    r"|\bas an? (?:AI|AI language model|AI assistant|language model|large language model|assistant)\s*,\s*I\b"
    r"|\bI(?:" + _APOS + r"m|\s+am)\s+(?:Claude|an AI\b|a (?:large )?language model|an? (?:AI )?assistant)"
    r"|\bI(?:" + _APOS + r"d|\s+would)\s+be (?:happy|glad)\s+to\b"
    r"|(?:^|(?<=[.!?])\s)\s*(?:sure|certainly|of course|absolutely)\s*[!,.]\s*(?:here|I\b|below|this)"
    r"|(?:^|(?<=[.!?,])\s)\s*(?:here|below)(?:\s+is|" + _APOS + r"s|\s+are) (?:the|a|my|your) (?:briefing|column|draft|article|summary|piece)\b"
    r"|\b(?:this|the following|the above|my) briefing\s+(?:is|was|will|covers|focuses|looks|examines|explores|draws|relies|uses)\b",
    re.IGNORECASE | re.MULTILINE,
)
_SOURCE_LIST = re.compile(r"^\s*(?:sources|references|footnotes|citations)\s*:", re.IGNORECASE | re.MULTILINE)


def _snippet(match: re.Match[str]) -> str:
    return " ".join(match.group().split())


def check(draft: Draft, stop_reason: str | None, stop_details: Mapping[str, Any] | None = None) -> Rejection | None:
    """Why ``draft`` must not be published (and how to try again), or None when it may be."""
    if stop_reason not in STOP_REASONS:
        return Rejection(f"the answer ended for a reason this writer does not know (stop reason: {stop_reason})", "none")
    verdict = STOP_REASONS[stop_reason]
    if verdict is not None:
        reason, retry = verdict
        if stop_reason == "refusal" and stop_details:
            said = "; ".join(str(stop_details[k]) for k in ("category", "explanation") if stop_details.get(k))
            reason = f"{reason[:-1]}: {said})" if said else reason
        return Rejection(reason, retry)
    reason = _text_problem(draft)
    return None if reason is None else Rejection(reason)


def _text_problem(draft: Draft) -> str | None:
    """Why the words of a complete answer may not be published, or None."""
    if not draft.headline and not draft.paragraphs:
        return "the answer was empty"
    own = draft.own_text
    if match := _REFUSAL.search(own):
        return f"it reads as a refusal ({_snippet(match)!r}) instead of a briefing"
    if match := _ASKS_FOR_MORE.search(own):
        return f"it asks for more material ({_snippet(match)!r}) instead of writing the briefing"
    if match := _SELF_TALK.search(own):
        return (
            f"it talks about itself, its instructions or the material it was given ({_snippet(match)!r}) "
            "instead of about the conversation"
        )
    if _SOURCE_LIST.search(own):
        return "it ends with its own list of sources; footnotes are added from the citations"
    if not draft.teaser or len(draft.paragraphs) < MIN_PARAGRAPHS:
        return "it does not have the expected shape: a headline line, a teaser line, then paragraphs separated by blank lines"
    if len(draft.headline.split()) > MAX_HEADLINE_WORDS:
        return f"its headline is {len(draft.headline.split())} words long; keep it under {MAX_HEADLINE_WORDS}"
    if len(draft.teaser.split()) > MAX_TEASER_WORDS:
        return f"its teaser is {len(draft.teaser.split())} words long; it must be one or two sentences"
    words = draft.body_words
    if not MIN_WORDS <= words <= MAX_WORDS:
        return f"its body is {words} words long; a briefing needs 400 to 700 words"
    if draft.problems:
        return f"it has unbalanced quotation marks ({draft.problems[0]})"
    invented = [q.text for q in (*draft.heading_quotes, *draft.quotes) if not q.found]
    if invented:
        shown = invented[0] if len(invented[0]) <= 80 else invented[0][:77] + "..."
        more = f" and {len(invented) - 1} more" if len(invented) > 1 else ""
        return f"it puts quotation marks around words that are in none of the posts ({shown!r}{more})"
    if draft.citations == 0:
        return "it cites none of the story's posts"
    return None


def explain(rejections: list[Rejection]) -> str:
    """The build log's sentence for a story whose answers were rejected (one or two of them)."""
    if len(rejections) == 1:
        return (f"Claude's answer cannot be published: {rejections[0].reason}; "
                "it was not retried, as the same request would fail the same way")
    first, then = rejections[0].reason, rejections[-1].reason
    why = f"{then} (the retry too)" if first == then else f"first {first}; then, on the retry, {then}"
    return f"Claude's answer was rejected twice: {why}"
