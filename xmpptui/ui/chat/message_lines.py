"""MessageLines: how one message of a log is laid out at a width. Its line count (a message whose sanitised body
fits is counted without rendering it) and its rendered lines: a day separator when the day changes, the prefix
(time, who, state), the word-wrapped body indented under it, an image's preview under that; cached per
(message, width)."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Protocol

from rich._wrap import divide_line
from rich.cells import cell_len
from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.cache import LRUCache
from textual.strip import Strip

from xmpptui.model.conversation import ChatMessage, DeliveryState, Direction, MessageKind
from xmpptui.ui.shared import annotations, render

_MIN_BODY_WIDTH = 12
_HIGHLIGHT = Style(bgcolor="grey27")


class Previews(Protocol):
    """What shows under a message that shares a file (ui/chat/preview.py: an image's thumbnail)."""

    def lines(self, message: ChatMessage, width: int) -> list[Strip]:
        """The lines under the message, at most `width` cells wide, as they are now (none while one is made)."""
        ...

    def wanted(self, message: ChatMessage) -> None:
        """The message is on screen: make its lines if they may be made (the log is told when they are)."""


class MessageLines:
    def __init__(self, messages: Sequence[ChatMessage], console: Callable[[], Console], *, own_label: str,
                 timestamp_format: str, hidden: frozenset[MessageKind], highlighted: ChatMessage | None,
                 previews: Previews | None = None, styling: bool = True,
                 own_reactor: Callable[[], str] = str) -> None:
        """`messages`: the conversation's list (owned by the session); `console`: what renders (the app's);
        `previews`: what goes under a message that shares a file; `styling`: show bodies' XEP-0393 styling. It
        only adds style, never changes a character, so line counts made from the plain body hold either way;
        `own_reactor`: our key among a message's reactors (our reactions are marked)."""
        self._messages = messages
        self._previews = previews
        self._console = console
        self._own_label = own_label
        self._timestamp_format = timestamp_format
        self._hidden = hidden
        self._styling = styling
        self._own_reactor = own_reactor
        self.highlighted = highlighted
        self.first_unread: ChatMessage | None = None
        """The message a "new messages" line stands over (None: no such line)."""
        self._cache: LRUCache[tuple[int, int], list[Strip]] = LRUCache(1024)
        self._prefix_rest: dict[tuple[object, ...], int] = {}

    def forget(self, index: int | None = None, width: int = 0) -> None:
        """Drop the cached lines of one message at a width (it changed), or of all (they moved, or the width)."""
        if index is None:
            self._cache.clear()
        else:
            self._cache.discard((index, width))

    def starts_day(self, index: int) -> bool:
        if index == 0:
            return True
        return render.day_of(self._messages[index].timestamp) != render.day_of(self._messages[index - 1].timestamp)

    def _prefix_width(self, message: ChatMessage) -> int:
        """Cells before the body: the time, then a part that depends only on who and how (cached)."""
        stamp = cell_len(time.strftime(self._timestamp_format, time.localtime(message.timestamp)))
        key = (message.kind, message.direction, message.sender, message.state, message.carbon,
               render.is_action(message))
        rest = self._prefix_rest.get(key)
        if rest is None:
            rest = cell_len(render.message_prefix(message, self._own_label, self._timestamp_format).plain) - stamp
            self._prefix_rest[key] = rest
        return stamp + rest

    def count(self, index: int, width: int) -> int:
        """How many lines message `index` takes at `width` (0 if its kind is hidden)."""
        message = self._messages[index]
        if message.kind in self._hidden:
            return 0
        body = render.shown_body(message)
        if (message.state is not DeliveryState.FAILED and not message.edited and body.isprintable()
                and message.attachment is None  # (its line under the body)
                and message.reply_to is None and not message.reactions and not message.retracted  # (their lines)
                and not (message.direction is Direction.OUT and render.is_action(message))):  # (mark after it)
            # isprintable() excludes newlines, tabs, controls and bidi formatting characters, so the
            # sanitised body is the body itself: count its wrapped lines the way Text.wrap breaks them,
            # without rendering it.
            body_width = max(_MIN_BODY_WIDTH, width - self._prefix_width(message))
            lines = 1 if cell_len(body) <= body_width else len(divide_line(body, body_width, fold=True)) + 1
            return lines + self.starts_day(index) + (message is self.first_unread)
        return len(self.lines(index, width))

    def lines(self, index: int, width: int) -> list[Strip]:
        """Message `index` rendered at `width`."""
        key = (index, width)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        message = self._messages[index]
        if message.kind in self._hidden:
            return []
        console = self._console()
        strips: list[Strip] = []
        if self.starts_day(index):
            separator = render.day_separator(message.timestamp)
            separator.align("center", width, character="─")
            strips.append(Strip(list(separator.render(console)), width))
        if message is self.first_unread:
            separator = Text(" new messages ", style="bold red", end="")
            separator.align("center", width, character="─")
            separator.stylize("red")
            strips.append(Strip(list(separator.render(console)), width))
        prefix = render.message_prefix(message, self._own_label, self._timestamp_format)
        prefix_width = cell_len(prefix.plain)
        body_width = max(_MIN_BODY_WIDTH, width - prefix_width)
        body = render.message_body(message, styling=self._styling)
        if "\n" not in body.plain and "\t" not in body.plain and body.cell_len <= body_width:
            body_lines = [body]  # (one line that fits: what wrap would give, without dividing it; most messages)
        else:
            body_lines = body.wrap(console, body_width) or [Text("")]
        indent = [Segment(" " * prefix_width)]
        if message.reply_to is not None and not message.retracted:  # (the quote over the body, inert)
            quote = annotations.reply_line(message, self._own_label, body_width)
            strips.append(self._marked(message, Strip([*indent, *quote.render(console)])))
        for number, body_line in enumerate(body_lines):
            segments = list(prefix.render(console)) if number == 0 else list(indent)
            segments.extend(body_line.render(console))
            strips.append(self._marked(message, Strip(segments)))
        if message.reactions:
            reactions = annotations.reactions_line(message, self._own_reactor())
            strips.extend(self._marked(message, Strip([*indent, *line.render(console)]))
                          for line in reactions.wrap(console, body_width))
        if self._previews is not None and message.attachment is not None:
            indent_strip = Strip(indent, prefix_width)
            strips.extend(Strip.join([indent_strip, line]) for line in self._previews.lines(message, body_width))
        self._cache[key] = strips
        return strips

    def _marked(self, message: ChatMessage, strip: Strip) -> Strip:
        """A line of `message`, highlighted if it is the highlighted (selected) one."""
        return strip.apply_style(_HIGHLIGHT) if message is self.highlighted else strip
