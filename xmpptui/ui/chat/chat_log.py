"""ChatLog: a conversation's messages on Textual's Line API, rendering only the lines on screen.

The widget reads the conversation's message list (owned by the session) and keeps, per message, the
line it starts on (an `array` of offsets: 8 bytes a message). How a message is laid out (its line count, its
rendered lines, their cache) is MessageLines' job. When the width changes, a long log counts its newest
messages at once and the older ones in the background.
"""

from __future__ import annotations

import time
from array import array
from bisect import bisect_right
from collections.abc import Callable, Sequence
from itertools import accumulate

from rich.style import Style
from textual.geometry import Size
from textual.message import Message
from textual.strip import Strip

from xmpptui.model.conversation import ChatMessage, Direction, MessageKind
from xmpptui.ui.chat.message_lines import MessageLines, Previews
from xmpptui.ui.shared.line_view import LineView


class ChatLog(LineView, can_focus=True):
    """A virtualised, word-wrapped chat log with timestamps, nick colours and day separators."""

    DEFAULT_CSS = "ChatLog { scrollbar-gutter: stable; overflow-x: hidden; }"

    COUNT_AT_ONCE = 2000
    """Logs longer than this count their older messages in the background when the width changes."""
    RECOUNT_SLICE = 0.010
    """Seconds of background recounting between two turns of the event loop."""
    APPLY_EVERY = 0.2
    """Seconds between two updates of the offsets (the scrollbar) during a background recount."""

    def __init__(self, messages: Sequence[ChatMessage], *, own_label: str = "me",
                 timestamp_format: str = "%H:%M", width_hint: int = 0, highlighted: ChatMessage | None = None,
                 hidden: frozenset[MessageKind] = frozenset(), previews: Previews | None = None,
                 styling: bool = True, own_reactor: Callable[[], str] = str, name: str | None = None,
                 id: str | None = None, classes: str | None = None) -> None:
        """`width_hint`: the content width this log will most likely get (that of its siblings): counting its
        lines at that width on mount lets the first frame that shows it show its newest lines already.
        `highlighted`: a message to show marked, in the middle of the view (a search hit in its context).
        `hidden`: kinds of message not shown (e.g. room joins and leaves, when the user hides them); `previews`:
        what shows under a message that shares a file (an image's thumbnail); `styling`: show message styling
        (XEP-0393; `[ui] styling`); `own_reactor`: our key among a message's reactors (ours are marked)."""
        super().__init__(name=name, id=id, classes=classes)
        self._width_hint = width_hint
        self._messages = messages
        self._offsets = array("q")
        """`_offsets[i]`: the first line of message i; `_total` is the line after the last message."""
        self._total = 0
        self._width = 0
        self._layout = MessageLines(messages, lambda: self.app.console, own_label=own_label,
                                    timestamp_format=timestamp_format, hidden=hidden, highlighted=highlighted,
                                    previews=previews, styling=styling, own_reactor=own_reactor)
        self._previews = previews
        self.following = highlighted is None
        """Keep the newest line in view as messages arrive (until the user scrolls up)."""
        self.loading_older = False
        """An OlderRequested is out and not yet answered by prepended()."""
        self._counts: array[int] | None = None
        """While older messages are being recounted in the background: every message's line count."""
        self._stale_below = 0
        """Messages before this index still have the count of another width (being recounted)."""
        self._recount_scheduled = False
        self._counts_applied = 0.0

    # Layout -----------------------------------------------------------------------------------

    @property
    def line_count(self) -> int:
        return self._total

    @property
    def line_width(self) -> int:
        """The width the lines are counted at (0 until laid out)."""
        return self._width

    @property
    def _content_width(self) -> int:
        return max(1, self.scrollable_content_region.width)

    def on_mount(self) -> None:
        if self._width_hint and not self._width:
            self._rebuild(self._width_hint)
            self._keep_end()

    def on_resize(self) -> None:
        width = self._content_width
        if width != self._width:
            self._rebuild(width)
            self._keep_end()
            self._reveal_highlighted()

    def _reveal_highlighted(self) -> None:
        """The highlighted (selected) message in view, in the middle if it was not (in view, the view stays)."""
        highlighted = self._layout.highlighted
        index = next((i for i in range(len(self._offsets) - 1, -1, -1) if self._messages[i] is highlighted), None)
        if index is None:
            return
        top, height = self._offsets[index], self.scrollable_content_region.height
        if top < self.scroll_offset.y or top + self._count(index) > self.scroll_offset.y + height:
            self.scroll_to(y=max(0, top - height // 2), animate=False, immediate=True, force=True)

    def show_newest(self) -> None:
        """Jump to the newest line and follow new messages from there."""
        self.following = True
        self._keep_end()

    def _keep_end(self) -> None:
        """Stay at the newest line unless the user scrolled away from it."""
        if self.following:
            # force: before the first layout Textual has not yet decided that this widget may scroll.
            self.scroll_end(animate=False, immediate=True, force=True)

    def _rebuild(self, width: int, start: int = 0) -> None:
        """Recount the lines of messages from `start` on at `width`. A long log (a resize, or a conversation
        just opened) counts its newest messages and those in view now and the rest in the background
        (`_recount_older`), so that the frame showing the new width is not held up by 100,000 messages' line
        counts."""
        self._width = width
        if start == 0:
            self._layout.forget()
            if len(self._messages) > self.COUNT_AT_ONCE:
                self._rebuild_newest_first(width)
                return
            self._counts, self._stale_below = None, 0  # all counted below
        else:
            self._finish_recount()
        del self._offsets[start:]
        line = self._offsets[start - 1] + self._count(start - 1) if start > 0 else 0
        for index in range(start, len(self._messages)):
            self._offsets.append(line)
            line += self._count(index)
        self._total = line
        self.virtual_size = Size(width, self._total)

    def _rebuild_newest_first(self, width: int) -> None:
        """Count at `width` the newest messages (at least two screens of lines) and, if the view is elsewhere,
        those in view; the others keep the count they had at the width they were last counted at (one line
        if never counted) until the background recount reaches them. The lines on screen are right at once."""
        known = len(self._offsets)
        counts = array("q", (self._offsets[i + 1] - self._offsets[i] for i in range(known - 1)))
        if known:
            counts.append(self._total - self._offsets[-1])
        counts.extend(1 for _ in range(len(self._messages) - known))
        del counts[len(self._messages):]
        wanted = 2 * max(self.scrollable_content_region.height, 50)
        index, lines = len(self._messages), 0
        while index > 0 and lines < wanted:
            index -= 1
            counts[index] = self._count(index)
            lines += counts[index]
        stale_below = index
        if not self.following and self._offsets:
            index, lines = bisect_right(self._offsets, self.scroll_offset.y) - 1, 0
            while index < stale_below and lines < wanted:
                counts[index] = self._count(index)
                lines += counts[index]
                index += 1
        self._counts, self._stale_below = counts, stale_below
        self._apply_counts()
        self._schedule_recount()

    def _schedule_recount(self) -> None:
        if self._stale_below and not self._recount_scheduled:
            self._recount_scheduled = True
            self.set_timer(0.001, self._recount_older)

    def _recount_older(self) -> None:
        """One slice of the background recount (about 10 ms), then the event loop runs (keys, frames)."""
        self._recount_scheduled = False
        if self._counts is None or not self._width:
            return
        deadline = time.perf_counter() + self.RECOUNT_SLICE
        stop = self._stale_below
        while stop > 0:  # at least one batch per slice
            start = max(stop - 64, 0)
            for index in range(start, stop):
                self._counts[index] = self._count(index)
            stop = start
            if time.perf_counter() >= deadline:
                break
        self._stale_below = stop
        now = time.perf_counter()
        if not stop or now - self._counts_applied >= self.APPLY_EVERY:
            self._counts_applied = now
            self._apply_counts()  # (5 ms for 100,000 messages: not after every slice)
        if stop:
            self._schedule_recount()
        else:
            self._counts = None

    def _finish_recount(self) -> None:
        """Count the rest now (before anything that needs every offset right)."""
        if self._counts is None:
            return
        for index in range(self._stale_below):
            self._counts[index] = self._count(index)
        self._stale_below = 0
        self._apply_counts()
        self._counts = None

    def _apply_counts(self) -> None:
        """Offsets from the per-message counts; the view stays on the line it showed (or at the end)."""
        assert self._counts is not None
        top = bisect_right(self._offsets, self.scroll_offset.y) - 1 if self._offsets else -1
        into = max(0, min(self.scroll_offset.y - self._offsets[top], self._counts[top] - 1)) if top >= 0 else 0
        self._offsets = array("q", accumulate(self._counts, initial=0))
        self._total = self._offsets.pop()
        self.virtual_size = Size(self._width, self._total)
        if self.following:
            self._keep_end()
        elif top >= 0:
            self.scroll_to(y=self._offsets[top] + into, animate=False, immediate=True, force=True)
        self.refresh()

    def sync(self) -> None:
        """Take in messages appended to the list since the last call; keep following the end if we were."""
        if self._width == 0:
            return  # not laid out yet: on_resize counts everything
        known = len(self._offsets)
        if known == len(self._messages):
            return
        line = self._total
        for index in range(known, len(self._messages)):
            self._offsets.append(line)
            count = self._count(index)
            if self._counts is not None:
                self._counts.append(count)
            line += count
        self._total = line
        self.virtual_size = Size(self._width, self._total)
        if self._layout.highlighted is None:  # (a selected message keeps its place: the view stays)
            self._keep_end()
        self.refresh()

    class OlderRequested(Message):
        """Scrolled to the top: page older history in (the screen asks the session)."""

        def __init__(self, log: ChatLog) -> None:
            super().__init__()
            self.log = log

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        self.following = new_value >= self.max_scroll_y
        if new_value <= 0 < old_value:
            self.ask_older()

    def ask_older(self) -> None:
        """Page older history in, unless a request is out already."""
        if not self.loading_older:
            self.loading_older = True
            self.post_message(self.OlderRequested(self))

    def scroll_up_or_older(self) -> None:
        """Page up; at the top already (a log too short to scroll is always there), ask for older history."""
        if self.scroll_y <= 0:
            self.ask_older()
        else:
            self.scroll_page_up(animate=False)

    def action_page_up(self) -> None:
        self.scroll_up_or_older()

    def action_scroll_home(self) -> None:
        if self.scroll_y <= 0:
            self.ask_older()
        super().action_scroll_home()

    def prepended(self, count: int) -> None:
        """`count` older messages were put at the start of the list: count them, keep the view still."""
        self.loading_older = False
        self._finish_recount()
        # A log laid out after the prepend (it was hidden) has counted those messages already.
        count = min(count, len(self._messages) - len(self._offsets))
        if self._width == 0 or count <= 0:
            return
        old_offsets, old_total = self._offsets, self._total
        self._layout.forget()
        # Count the new messages and the first old one (it may lose its day separator now).
        recount = min(count + 1, len(self._messages))
        self._offsets = array("q")
        line = 0
        for index in range(recount):
            self._offsets.append(line)
            line += self._count(index)
        if len(old_offsets) > 1:
            shift = line - old_offsets[1]
            self._offsets.extend(offset + shift for offset in old_offsets[1:])
            self._total = old_total + shift
        else:
            self._total = line
            shift = line - old_total
        self.virtual_size = Size(self._width, self._total)
        if self.following:
            self._keep_end()
        else:
            self.scroll_to(y=self.scroll_offset.y + shift, animate=False, immediate=True)
        self.refresh()

    def reset(self) -> None:
        """Messages were inserted anywhere in the list: count everything again."""
        if self._width:
            self._rebuild(self._width)
            self._keep_end()
        self.refresh()

    def restyled(self, message: ChatMessage) -> None:
        """A held message's look changed but not its height (it was highlighted or no longer is): draw it again."""
        for index in range(len(self._offsets) - 1, -1, -1):
            if self._messages[index] is message:
                self._layout.forget(index, self._width)
                self.refresh()
                return

    def message_changed(self, message: ChatMessage) -> None:
        """A held message's state changed: re-render it and recount from there if its height changed."""
        for index in range(len(self._offsets) - 1, -1, -1):
            if self._messages[index] is message:
                break
        else:
            return
        self._layout.forget(index, self._width)
        if self._counts is not None:  # a background recount is under way: count this one again, now
            self._counts[index] = self._count(index)
            self._apply_counts()
        elif self._width:
            self._rebuild(self._width, index)
        self.refresh()

    def mark_unread(self, count: int) -> None:
        """A "new messages" line over the first of the last `count` messages from others (0: no line), and
        that line in view if the newest line is (coming to a conversation shows where its unread start)."""
        first = None
        for message in reversed(self._messages) if count > 0 else ():
            if message.direction is Direction.IN and message.kind is not MessageKind.OCCUPANT:
                first, count = message, count - 1
                if not count:
                    break
        previous = self._layout.first_unread
        if first is previous:
            return
        self._layout.first_unread = first
        wanted = [message for message in (first, previous) if message is not None]
        changed = []
        for index in range(len(self._offsets) - 1, -1, -1):  # (both are near the end: the unread ones are)
            if any(self._messages[index] is message for message in wanted):
                changed.insert(0, index)
                if len(changed) == len(wanted):
                    break
        if not changed or not self._width:
            return
        self._finish_recount()
        for index in changed:
            self._layout.forget(index, self._width)
        self._rebuild(self._width, changed[0])
        self._keep_end()
        marker = next((self._offsets[index] for index in changed if self._messages[index] is first), None)
        if marker is not None and self.following and marker < self._total - self.scrollable_content_region.height:
            self.scroll_to(y=marker, animate=False, immediate=True, force=True)  # the oldest unread first
        self.refresh()

    @property
    def first_unread(self) -> ChatMessage | None:
        """The message the "new messages" line stands over."""
        return self._layout.first_unread

    def plain_lines(self) -> list[str]:
        """Every line as shown, without styles (for tests and for copying)."""
        self._finish_recount()
        return [strip.text.rstrip() for index in range(len(self._offsets)) for strip in self._lines(index, self._width)]

    def _count(self, index: int) -> int:
        return self._layout.count(index, self._width)

    def _lines(self, index: int, width: int) -> list[Strip]:
        return self._layout.lines(index, width)

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        line = scroll_y + y
        width = self._content_width
        style: Style = self.line_style
        if line >= self._total or not self._offsets:
            return Strip.blank(width, style)
        index = bisect_right(self._offsets, line) - 1
        if self._previews is not None and self._messages[index].attachment is not None:
            self._previews.wanted(self._messages[index])  # (only what is seen is fetched and decoded)
        lines = self._lines(index, self._width or width)
        offset = line - self._offsets[index]
        strip = lines[offset] if offset < len(lines) else Strip.blank(width)
        return strip.crop_extend(scroll_x, scroll_x + width, style).apply_style(style)
