"""Email content: HTML sanitizing, the safe token renderer and the plain-text part.

Templates are never run through Django's template engine: a template author could
otherwise reach any attribute of the context. Only the whitelisted ``{{ name }}``
tokens below are replaced, with an optional ``|default:"…"`` fallback.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import quote

import nh3

ALLOWED_TAGS = {
    "a", "b", "blockquote", "br", "code", "div", "em", "h1", "h2", "h3", "h4", "hr", "i",
    "img", "li", "ol", "p", "pre", "s", "small", "span", "strong", "sub", "sup", "table",
    "tbody", "td", "th", "thead", "tr", "u", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan", "align"},
    "th": {"colspan", "rowspan", "align"},
    "table": {"width"},
}

# The tokens a template may use, and how each reads its value from the context.
TOKENS: dict[str, str] = {
    "contact.first_name": "First name of the recipient",
    "contact.last_name": "Last name of the recipient",
    "contact.full_name": "Full name of the recipient",
    "contact.title": "Job title of the recipient",
    "contact.email": "Email address of the recipient",
    "account.name": "Name of the recipient's account",
    "sender.name": "Name of the sending user",
    "sender.first_name": "First name of the sending user",
    "sender.email": "Email address of the sending user",
    "sender.signature": "Signature from the sender's profile",
}

_ANY_TAG = re.compile(r"\{\{(.*?)\}\}|\{%.*?%\}", re.S)
_TOKEN = re.compile(r'^\s*([a-z_]+\.[a-z_]+)\s*(?:\|\s*default\s*:\s*"([^"{}]*)"\s*)?$')
_HREF = re.compile(r'(<a\b[^>]*?\shref=")([^"]*)(")', re.I)


class TokenError(ValueError):
    """A template uses a token outside the whitelist or an unsupported syntax."""


@dataclass(frozen=True)
class Token:
    name: str
    default: str


def sanitize_html(body: str) -> str:
    """Strip scripts, styles, event handlers and unsafe URLs; keep tokens as text."""
    return nh3.clean(
        body or "",
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )


def tokens_find(text: str) -> list[Token]:
    """Every token in ``text``; raises TokenError naming the first one not allowed."""
    found = []
    for match in _ANY_TAG.finditer(text or ""):
        if match.group(1) is None:
            raise TokenError(f"Template tags such as {match.group(0)[:40]} are not allowed.")
        inner = match.group(1)
        token = _TOKEN.match(inner)
        if not token:
            raise TokenError(f"“{{{{{inner}}}}}” is not a valid token.")
        name = token.group(1)
        if name not in TOKENS:
            raise TokenError(f"Unknown token “{name}”. Allowed: {', '.join(TOKENS)}.")
        found.append(Token(name, html.unescape(token.group(2) or "")))
    return found


def context_for(*, contact=None, account=None, sender=None) -> dict[str, str]:
    """The flat token values for one recipient (missing objects give empty values)."""
    values = dict.fromkeys(TOKENS, "")
    if contact is not None:
        values["contact.first_name"] = contact.first_name
        values["contact.last_name"] = contact.last_name
        values["contact.full_name"] = contact.full_name
        values["contact.title"] = contact.title
        values["contact.email"] = contact.email
    if account is not None:
        values["account.name"] = account.name
    if sender is not None:
        values["sender.name"] = sender.get_full_name() or sender.username
        values["sender.first_name"] = sender.first_name
        values["sender.email"] = sender.email
        values["sender.signature"] = sender.signature
    return values


def _replace(text: str, values: dict[str, str], encode) -> str:
    def sub(match: re.Match) -> str:
        if match.group(1) is None:
            return ""
        token = _TOKEN.match(match.group(1))
        if not token or token.group(1) not in values:
            return ""
        value = (values[token.group(1)] or "").strip()
        if not value:
            value = html.unescape(token.group(2) or "")
        return encode(token.group(1), value)

    return _ANY_TAG.sub(sub, text or "")


def _html_value(name: str, value: str) -> str:
    escaped = html.escape(value)
    if name == "sender.signature":
        return escaped.replace("\n", "<br>")
    return escaped


def render_subject(subject: str, values: dict[str, str]) -> str:
    """The subject line for one recipient (a header: no HTML, no line breaks)."""
    out = _replace(subject, values, lambda _n, v: v)
    return " ".join(out.split())[:255]


def render_html(body_html: str, values: dict[str, str]) -> str:
    """Sanitized HTML for one recipient: values escaped, URL-encoded inside links."""

    def href(match: re.Match) -> str:
        url = _replace(match.group(2), values, lambda _n, v: quote(v, safe=""))
        return match.group(1) + url + match.group(3)

    with_links = _HREF.sub(href, body_html or "")
    return _replace(with_links, values, _html_value)


class _TextWriter(HTMLParser):
    BLOCKS = {"p", "div", "h1", "h2", "h3", "h4", "table", "tr", "blockquote", "pre", "ul", "ol"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.href: list[str | None] = []

    def handle_starttag(self, tag, attrs):
        if tag == "br":
            self.parts.append("\n")
        elif tag == "li":
            self.parts.append("\n- ")
        elif tag in self.BLOCKS:
            self.parts.append("\n\n")
        elif tag == "td" or tag == "th":
            self.parts.append("  ")
        elif tag == "hr":
            self.parts.append("\n\n----\n\n")
        if tag == "a":
            self.href.append(dict(attrs).get("href"))

    def handle_endtag(self, tag):
        if tag == "a" and self.href:
            href = self.href.pop()
            if href and not href.startswith("mailto:"):
                self.parts.append(f" ({href})")
        elif tag in self.BLOCKS:
            self.parts.append("\n\n")

    def handle_data(self, data):
        self.parts.append(re.sub(r"\s+", " ", data))


def html_to_text(body_html: str) -> str:
    """The plain-text part generated from the HTML part."""
    writer = _TextWriter()
    writer.feed(body_html or "")
    writer.close()
    text = "".join(writer.parts)
    lines = [line.strip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + "\n"


def links_find(body_html: str) -> list[str]:
    """The http(s) links of an HTML part, in order (the ones click tracking rewrites)."""
    urls = []
    for match in _HREF.finditer(body_html or ""):
        url = html.unescape(match.group(2))
        if url.lower().startswith(("http://", "https://")):
            urls.append(url)
    return urls


def links_rewrite(body_html: str, make_url) -> str:
    """Replace the n-th http(s) link with ``make_url(n)``; other hrefs stay as they are."""
    position = 0

    def sub(match: re.Match) -> str:
        nonlocal position
        url = html.unescape(match.group(2))
        if not url.lower().startswith(("http://", "https://")):
            return match.group(0)
        new = make_url(position)
        position += 1
        return match.group(1) + html.escape(new) + match.group(3)

    return _HREF.sub(sub, body_html or "")
