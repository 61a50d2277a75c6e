"""Small text helpers shared by the stages: HTML to plain text, URLs, hashing."""

from __future__ import annotations

import hashlib
import html
import re
import unicodedata
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import nh3

# Tags whose end (or start) separates blocks of text.
_BLOCK_TAGS = re.compile(
    r"<\s*/?\s*(?:p|div|br|li|ul|ol|h[1-6]|blockquote|pre|tr|td|th|table|hr|section|article|header|footer|figure|figcaption|dd|dt)\b[^>]*>",
    re.IGNORECASE,
)
# Content of these is dropped, never shown as text.
_DROP_CONTENT = {"script", "style", "iframe", "object", "embed", "noscript", "template", "svg", "math", "head", "title"}
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u3000]+")
# C0/C1 controls, bidi marks/overrides/isolates (they can make text read backwards), BOM, non-characters.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff\ufffe\uffff]")


def html_to_text(fragment: str) -> str:
    """Reduce an HTML fragment to plain text: tags removed, entities decoded.

    Paragraph-like tags become line breaks; script, style and embedded
    objects are dropped with their content. The result holds no markup that
    any later stage could mistake for HTML: it is text, to be escaped by
    whoever renders it.
    """
    if not fragment:
        return ""
    if "<" not in fragment and "&" not in fragment:
        return normalize_space(fragment)
    spaced = _BLOCK_TAGS.sub("\n", fragment)
    stripped = nh3.clean(spaced, tags=set(), clean_content_tags=_DROP_CONTENT, strip_comments=True)
    return normalize_space(html.unescape(stripped))


_LATEX_HINT = re.compile(r"\\[A-Za-z'`^\"~=.]|\$[^$\n]+\$|\w--\w")


def latex_to_text(text: str) -> str:
    """LaTeX as arXiv feeds carry it ("Sebasti\\'an", "27--35\\%", "$\\alpha$") turned into the
    characters it stands for (pylatexenc); text with no sign of LaTeX is returned as it is."""
    if not text or not _LATEX_HINT.search(text):
        return text
    from pylatexenc.latex2text import LatexNodes2Text

    protected = re.sub(r"(?<!\\)%", r"\\%", text)  # a bare % is a comment in LaTeX, a percent sign here
    try:
        converted = LatexNodes2Text(math_mode="text", strict_latex_spaces=False).latex_to_text(protected)
    except Exception:  # noqa: BLE001 - a parser failure leaves the text as the feed gave it
        return text
    return "\n".join(" ".join(line.split()) for line in converted.split("\n") if line.strip())


def normalize_space(text: str) -> str:
    """Collapse runs of spaces, keep paragraph breaks as single newlines, drop control characters."""
    text = unicodedata.normalize("NFC", _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n")))
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def one_line(text: str) -> str:
    return " ".join(normalize_space(text).split())


def truncate(text: str, limit: int) -> str:
    """Cut text to at most ``limit`` characters, at a sentence or word end, marking the cut."""
    if len(text) <= limit:
        return text
    cut = text[:limit]
    for mark in (". ", "! ", "? ", "\n"):
        at = cut.rfind(mark)
        if at > limit * 0.6:
            return cut[: at + 1].rstrip()
    at = cut.rfind(" ")
    return (cut[:at] if at > limit * 0.6 else cut).rstrip(" ,;:") + "…"


def safe_url(url: str | None, base: str | None = None) -> str:
    """An absolute http(s) URL, or "" when the link is missing or of another scheme."""
    url = (url or "").strip()
    if not url:
        return ""  # an empty link is no link, not a link to the base
    if base:
        url = urljoin(base, url)
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return ""
    if any(ch.isspace() or ord(ch) < 32 for ch in url):
        return ""
    return url


_TRACKING = re.compile(r"^(?:utm_[a-z]+|fbclid|gclid|mc_cid|mc_eid|ref|ref_src|oc|smid|cmpid|mod|ito|ncid|taid|spm)$", re.IGNORECASE)


def normalize_url(url: str) -> str:
    """A key under which two links to the same page compare equal."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if host.startswith("www."):
        host = host[4:]
    if host == "old.reddit.com":
        host = "reddit.com"
    query = urlencode(sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING.match(k)))
    path = parts.path.rstrip("/") or "/"
    if host == "arxiv.org":
        path = re.sub(r"^/(?:abs|pdf)/(\d{4}\.\d{4,5})(?:v\d+)?(?:\.pdf)?$", r"/abs/\1", path)
    return urlunsplit(("https", host, path, query, ""))


def digest(*parts: str, length: int = 16) -> str:
    """A short, stable hex digest of some strings."""
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode("utf-8", "surrogatepass"))
        h.update(b"\x00")
    return h.hexdigest()[:length]


_SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*(?=\s+[\"'“‘(\[]*[A-Z0-9À-Ý])")


def sentences(text: str) -> list[str]:
    """Split plain text into sentences (a plain heuristic, enough for quoting)."""
    out: list[str] = []
    for paragraph in text.split("\n"):
        start = 0
        for match in _SENTENCE_END.finditer(paragraph):
            piece = paragraph[start : match.end()].strip()
            if piece:
                out.append(piece)
            start = match.end()
        rest = paragraph[start:].strip()
        if rest:
            out.append(rest)
    return out


_INNER_DOUBLE = re.compile(r'"([^"\n]{1,300})"|“([^“”\n]{1,300})”')


def nested(quote: str) -> str:
    """A quotation's own quotation marks as single ones, inside the double marks a page adds
    (“… ‘as a precaution’.” rather than “… "as a precaution".”)."""
    return _INNER_DOUBLE.sub(lambda m: f"‘{m.group(1) or m.group(2)}’", quote)
