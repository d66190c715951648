"""The links in a message's text: where each starts and ends, for the safe schemes only (http, https, xmpp, geo,
mailto), bounded in length, without the punctuation that ends a sentence. Pure: no I/O, no rendering."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple

from xmpptui.model.conversation import ChatMessage

SAFE_SCHEMES = ("https", "http", "xmpp", "geo", "mailto")
"""The only schemes shown as links and opened: others (javascript:, file:, data:, ...) stay plain text."""
MAX_LINK = 2048
"""Characters of one link at most: a longer "URL" is shown as text, never opened."""

# A scheme then everything up to whitespace, a control, or a character that does not occur in URLs as people
# paste them (quotes and angle brackets delimit them in text; a backslash or a bidi control never belongs).
_CANDIDATE = re.compile(r"(?<![^\W_]|[.+-])(?:https?://|xmpp:|geo:|mailto:)[^\s\x00-\x1f\x7f-\x9f<>\"'`\\"
                        r"\u200e\u200f\u202a-\u202e\u2066-\u2069\u061c]+", re.IGNORECASE)
_TRAILING = ".,;:!?*_~"
"""Sentence punctuation, and the markers of message styling (XEP-0393: `*https://a.example*` is bold)."""
_PAIRS = {")": "(", "]": "[", "}": "{"}


class Link(NamedTuple):
    """A link at `start:end` of the text it was found in."""

    start: int
    end: int
    url: str


def find_links(text: str) -> list[Link]:
    """The links in `text`, in order; a closing bracket or sentence punctuation after a link is not part of it
    (`(see https://a.example/x).` links `https://a.example/x`), a bracket the link opened is."""
    links = []
    for match in _CANDIDATE.finditer(text):
        url = _trimmed(match.group())
        if _usable(url):
            links.append(Link(match.start(), match.start() + len(url), url))
    return links


def _trimmed(url: str) -> str:
    opened = dict.fromkeys(_PAIRS.values(), 0)
    for at, char in enumerate(url):  # a closing bracket the link did not open ends it (`[see https://a.example]`)
        if char in opened:
            opened[char] += 1
        elif char in _PAIRS:
            if not opened[_PAIRS[char]]:
                url = url[:at]
                break
            opened[_PAIRS[char]] -= 1
    while url:
        last = url[-1]
        if last in _TRAILING or (last in _PAIRS and url.count(last) > url.count(_PAIRS[last])):
            url = url[:-1]
        else:
            break
    return url


def _usable(url: str) -> bool:
    if len(url) > MAX_LINK:
        return False
    scheme, _, rest = url.partition(":")
    if scheme.lower() in ("http", "https"):
        host = rest[2:].split("/", 1)[0].split("?", 1)[0].split("#", 1)[0].rpartition("@")[2]
        return bool(host.strip("[]:"))
    return bool(rest.strip("/"))


def is_safe_link(url: str) -> bool:
    """Whether `url` is one whole link of a safe scheme (what `/open` may hand to the platform's opener)."""
    links = find_links(url)
    return len(links) == 1 and links[0].start == 0 and links[0].end == len(url)


def recent_links(messages: Sequence[ChatMessage], count: int) -> list[tuple[ChatMessage, str]]:
    """Up to `count` links of a conversation, the latest first, each with its message: a message's file (shown
    under its text) before the links in its text, from the last; a link given twice in one message counts once."""
    found: list[tuple[ChatMessage, str]] = []
    for message in reversed(messages):
        urls = [link.url for link in reversed(find_links(message.body))]
        if message.attachment is not None:
            urls.insert(0, message.attachment.url)
        for url in dict.fromkeys(urls):
            found.append((message, url))
            if len(found) >= count:
                return found
    return found
