"""ChatLog (Line API) in a tiny App: the lines it shows after sync, wrapping, day separators, resize, failures."""

from __future__ import annotations

import time

import pytest
from textual.app import App, ComposeResult

from xmpptui.model.conversation import ChatMessage, DeliveryState, Direction, MessageKind
from xmpptui.ui.chat.chat_log import ChatLog

BOB = "bob@example.org"


def at(day: int, hour: int, minute: int) -> float:
    """A local time in May 2024 (the log shows local times)."""
    return time.mktime((2024, 5, day, hour, minute, 0, 0, 0, -1))


def incoming(body: str, stamp: float, sender: str = BOB) -> ChatMessage:
    return ChatMessage(conversation=BOB, sender=sender, body=body, timestamp=stamp)


def outgoing(body: str, stamp: float) -> ChatMessage:
    return ChatMessage(conversation=BOB, sender="alice@example.org", body=body, timestamp=stamp,
                       direction=Direction.OUT, state=DeliveryState.SENT, id=f"out-{stamp}")


class LogApp(App[None]):
    CSS = "ChatLog { height: 1fr; }"

    def __init__(self, messages: list[ChatMessage]) -> None:
        super().__init__()
        self.messages = messages

    def compose(self) -> ComposeResult:
        yield ChatLog(self.messages, own_label="me", timestamp_format="%H:%M", id="log")


def shown(log: ChatLog) -> list[str]:
    """What the widget paints, row by row, at its current scroll position (trailing blanks dropped)."""
    rows = [log.render_line(y).text.rstrip() for y in range(log.size.height)]
    while rows and not rows[-1]:
        rows.pop()
    return rows


def assert_consistent(log: ChatLog) -> None:
    """The counted line offsets agree with the lines actually rendered, and nothing is wider than the widget."""
    lines = log.plain_lines()
    assert log.line_count == len(lines)
    assert log.virtual_size.height == log.line_count
    width = log.scrollable_content_region.width
    assert all(len(line) <= width for line in lines), (width, lines)
    if log.scroll_offset.y == 0:
        assert shown(log) == lines[: log.size.height]


async def test_sync_shows_messages_appended_since_mount() -> None:
    messages: list[ChatMessage] = []
    app = LogApp(messages)
    async with app.run_test(size=(60, 20)) as pilot:
        log = app.query_one(ChatLog)
        assert log.line_count == 0 and shown(log) == []
        messages.append(incoming("hello", at(1, 12, 0)))
        messages.append(outgoing("hi bob", at(1, 12, 1)))
        assert log.line_count == 0, "the widget only takes in new messages on sync()"
        log.sync()
        await pilot.pause()
        lines = log.plain_lines()
        assert lines[0].strip("─ ") == "Wednesday 01 May 2024"
        assert lines[1:] == [f"12:00 {BOB} hello", "12:01 me✓ hi bob"]
        assert_consistent(log)
        messages.append(incoming("[bold]not bold[/] \x1b[2J", at(1, 12, 2)))
        log.sync()
        await pilot.pause()
        assert log.plain_lines()[-1] == f"12:02 {BOB} [bold]not bold[/] ␛[2J"
        assert_consistent(log)


async def test_messages_held_before_mount_are_shown_without_sync() -> None:
    app = LogApp([incoming("one", at(1, 8, 0)), incoming("two", at(1, 8, 5))])
    async with app.run_test(size=(60, 10)) as pilot:
        await pilot.pause()
        log = app.query_one(ChatLog)
        assert log.plain_lines()[1:] == [f"08:00 {BOB} one", f"08:05 {BOB} two"]
        assert_consistent(log)


async def test_long_message_wraps_with_a_hanging_indent() -> None:
    words = [f"word{n:02d}" for n in range(40)]
    app = LogApp([outgoing(" ".join(words), at(1, 12, 1))])
    async with app.run_test(size=(50, 20)) as pilot:
        await pilot.pause()
        log = app.query_one(ChatLog)
        body_lines = log.plain_lines()[1:]
        assert len(body_lines) > 3
        prefix = "12:01 me✓ "
        assert body_lines[0].startswith(prefix + "word00")
        for line in body_lines[1:]:
            assert line.startswith(" " * len(prefix)), line
            assert line[len(prefix)] != " ", "continuation text starts right under the first line's text"
        rejoined = [body_lines[0][len(prefix):]] + [line[len(prefix):] for line in body_lines[1:]]
        assert " ".join(rejoined).split() == words
        assert_consistent(log)


async def test_day_separator_between_messages_on_different_days() -> None:
    app = LogApp([incoming("late", at(1, 23, 59)), incoming("still the 1st", at(1, 23, 59)),
                  incoming("next morning", at(2, 0, 1)), incoming("same day", at(2, 9, 0))])
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        log = app.query_one(ChatLog)
        lines = log.plain_lines()
        separators = [index for index, line in enumerate(lines) if line.startswith("─")]
        assert separators == [0, 3]
        assert lines[3].strip("─ ") == "Thursday 02 May 2024"
        assert lines[2] == f"23:59 {BOB} still the 1st"
        assert lines[4] == f"00:01 {BOB} next morning"
        assert len(lines) == 6
        assert_consistent(log)


async def test_resize_rewraps_and_recounts() -> None:
    messages = [incoming("short", at(1, 10, 0)), outgoing("lorem ipsum dolor sit amet " * 6, at(1, 10, 1)),
                incoming("tail", at(1, 10, 2))]
    app = LogApp(messages)
    async with app.run_test(size=(80, 30)) as pilot:
        await pilot.pause()
        log = app.query_one(ChatLog)
        wide = log.plain_lines()
        assert_consistent(log)
        await pilot.resize_terminal(32, 30)
        await pilot.pause()
        narrow = log.plain_lines()
        assert len(narrow) > len(wide)
        assert narrow[-1] == f"10:02 {BOB} tail"
        assert all(len(line) <= 30 for line in narrow), narrow
        assert_consistent(log)
        await pilot.resize_terminal(80, 30)
        await pilot.pause()
        assert log.plain_lines() == wide
        assert_consistent(log)


async def test_failed_message_shows_why_after_message_changed() -> None:
    sent = outgoing("are you there?", at(1, 12, 0))
    messages = [sent, incoming("after", at(1, 12, 5))]
    app = LogApp(messages)
    async with app.run_test(size=(70, 20)) as pilot:
        await pilot.pause()
        log = app.query_one(ChatLog)
        before = log.line_count
        assert not any("not delivered" in line for line in log.plain_lines())
        sent.state = DeliveryState.FAILED
        sent.error = "service-unavailable: recipient is offline"
        log.message_changed(sent)
        await pilot.pause()
        lines = log.plain_lines()
        assert lines[1:] == ["12:00 me are you there?",
                             "         ✗ not delivered: service-unavailable: recipient is offline",
                             f"12:05 {BOB} after"]
        assert log.line_count == before + 1
        assert_consistent(log)


async def test_sync_follows_the_end_unless_scrolled_up() -> None:
    messages = [incoming(f"message {n}", at(1, 9, n)) for n in range(30)]
    app = LogApp(messages)
    async with app.run_test(size=(60, 10)) as pilot:
        await pilot.pause()
        log = app.query_one(ChatLog)
        log.scroll_end(animate=False, immediate=True)
        await pilot.pause()
        messages.append(incoming("newest", at(1, 9, 45)))
        log.sync()
        await pilot.pause()
        assert log.scroll_offset.y == log.max_scroll_y
        assert shown(log)[-1] == f"09:45 {BOB} newest"
        log.scroll_to(y=0, animate=False, immediate=True)
        await pilot.pause()
        messages.append(incoming("unseen", at(1, 9, 46)))
        log.sync()
        await pilot.pause()
        assert log.scroll_offset.y == 0, "a reader who scrolled up is not yanked to the end"
        assert log.plain_lines()[-1] == f"09:46 {BOB} unseen"
        assert_consistent(log)


async def test_body_exactly_filling_the_width_is_one_line_and_one_more_cell_wraps() -> None:
    app = LogApp([])
    async with app.run_test(size=(40, 20)) as pilot:
        await pilot.pause()
        log = app.query_one(ChatLog)
        room = log.scrollable_content_region.width - len("12:00 me✓ ")
        app.messages.extend([
            outgoing("x" * room, at(1, 12, 0)), outgoing("y" * (room + 1), at(1, 12, 0)),
            outgoing("漢" * (room // 2), at(1, 12, 0)), outgoing("漢" * (room // 2 + 1), at(1, 12, 0)),
        ])
        log.sync()
        await pilot.pause()
        lines = log.plain_lines()
        assert lines[1] == "12:00 me✓ " + "x" * room
        assert lines[2:4] == ["12:00 me✓ " + "y" * room, " " * 10 + "y"]
        assert lines[4] == "12:00 me✓ " + "漢" * (room // 2)
        assert len(lines) == 7
        assert log.line_count == len(lines)


async def test_prepended_older_history() -> None:
    messages = [incoming("recent", at(2, 10, 0))]
    app = LogApp(messages)
    async with app.run_test(size=(60, 10)) as pilot:
        await pilot.pause()
        log = app.query_one(ChatLog)
        messages.insert(0, ChatMessage(BOB, BOB, "notice", at(1, 10, 0), kind=MessageKind.NOTICE))
        log.prepended(1)
        await pilot.pause()
        lines = log.plain_lines()
        assert lines[1] == "10:00 * notice"
        assert lines[-1] == f"10:00 {BOB} recent"
        assert [line.startswith("─") for line in lines] == [True, False, True, False]
        assert_consistent(log)


async def test_prepending_keeps_the_view_and_recounts_the_first_old_day_separator() -> None:
    messages = [incoming(f"today {n}", at(2, 10, n)) for n in range(30)]
    app = LogApp(messages)
    async with app.run_test(size=(60, 10)) as pilot:
        await pilot.pause()
        log = app.query_one(ChatLog)
        log.scroll_to(y=5, animate=False, immediate=True)
        await pilot.pause()
        top_before = log.render_line(0).text
        older = [incoming(f"same day {n}", at(2, 9, n)) for n in range(5)]
        messages[:0] = older
        log.prepended(len(older))
        await pilot.pause()
        assert log.render_line(0).text == top_before, "the lines in view stay in view"
        lines = log.plain_lines()
        assert sum(line.startswith("─") for line in lines) == 1, "the old first message lost its separator"
        assert_consistent(log)


class HintedLogApp(LogApp):
    def __init__(self, messages: list[ChatMessage], width_hint: int) -> None:
        super().__init__(messages)
        self.width_hint = width_hint

    def compose(self) -> ComposeResult:
        yield ChatLog(self.messages, own_label="me", timestamp_format="%H:%M", width_hint=self.width_hint, id="log")


async def test_width_hint_counts_before_layout_and_a_wrong_hint_is_corrected_on_resize() -> None:
    long = "word " * 30
    messages = [incoming(f"{index} {long}", at(1, 9, index)) for index in range(40)]
    async with LogApp(list(messages)).run_test(size=(60, 10)) as pilot:
        await pilot.pause()
        unhinted = pilot.app.query_one(ChatLog)
        expected, width = unhinted.plain_lines(), unhinted.line_width
    for hint in (width, 25):
        app = HintedLogApp(list(messages), hint)
        async with app.run_test(size=(60, 10)) as pilot:
            await pilot.pause()
            log = app.query_one(ChatLog)
            assert log.line_width == width
            assert log.plain_lines() == expected
            assert_consistent(log)
            assert log.scroll_offset.y == log.max_scroll_y > 0  # at the newest line
            assert shown(log)[-1] == expected[-1]


async def test_a_log_too_short_to_scroll_asks_for_older_history_on_page_up_and_home() -> None:
    asked: list[ChatLog] = []

    class Recording(LogApp):
        def on_chat_log_older_requested(self, message: ChatLog.OlderRequested) -> None:
            asked.append(message.log)

    app = Recording([incoming("only", at(3, 9, 0))])
    async with app.run_test(size=(40, 10)) as pilot:
        log = app.query_one(ChatLog)
        log.focus()
        await pilot.pause()
        assert log.max_scroll_y == 0 and asked == [], "nothing is asked before the user does"
        await pilot.press("pageup")
        await pilot.pause()
        assert asked == [log]
        await pilot.press("home")
        await pilot.pause()
        assert asked == [log], "one request at a time"
        log.prepended(0)  # answered (with nothing new)
        await pilot.press("home")
        await pilot.pause()
        assert asked == [log, log]


async def test_a_long_log_shows_its_newest_lines_at_a_new_width_at_once_and_recounts_the_rest_in_the_background(
        monkeypatch) -> None:
    monkeypatch.setattr(ChatLog, "COUNT_AT_ONCE", 50)
    monkeypatch.setattr(ChatLog, "RECOUNT_SLICE", 0.0)  # one batch of messages per slice
    scheduled: list[ChatLog] = []
    monkeypatch.setattr(ChatLog, "_schedule_recount", lambda log: scheduled.append(log))  # slices run by hand
    words = "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod"
    messages = [incoming(f"{n} " + words * (n % 3), at(1 + n // 200, 9, n % 60)) for n in range(600)]
    app = LogApp(messages)
    async with app.run_test(size=(100, 20)) as pilot:
        await pilot.pause()
        log = app.query_one(ChatLog)
        wide = log.plain_lines()  # (plain_lines finishes any recount)
        await pilot.resize_terminal(40, 20)
        await pilot.pause()
        assert scheduled and log._counts is not None and 0 < log._stale_below < 600, "the older ones wait"
        newest = [strip.text.rstrip() for index in range(590, 600) for strip in log._lines(index, log.line_width)]
        assert len(newest) > log.size.height
        assert shown(log) == newest[-log.size.height:], "on screen: the newest messages laid out at the new width"
        slices = 0
        while log._counts is not None:
            log._recount_older()
            slices += 1
        assert slices > 1
        await pilot.pause()
        assert log.scroll_offset.y == log.max_scroll_y, "still at the end once everything is counted"
        assert_consistent(log)
        narrow = log.plain_lines()
        assert len(narrow) > len(wide) and all(len(line) <= 38 for line in narrow)

        # A message arriving during a recount is counted at the new width too.
        await pilot.resize_terminal(100, 20)
        await pilot.pause()
        assert log._counts is not None
        messages.append(incoming("late", at(4, 12, 0)))
        log.sync()
        while log._counts is not None:
            log._recount_older()
        await pilot.pause()
        assert_consistent(log)
        assert log.plain_lines()[:-2] == wide and log.plain_lines()[-1].endswith("late"), "(after a day separator)"

        # A message that changes (a receipt, a failure) during a recount is counted again at once.
        await pilot.resize_terminal(40, 20)
        await pilot.pause()
        sent = outgoing("will fail", at(4, 12, 1))
        messages.append(sent)
        log.sync()
        sent.state, sent.error = DeliveryState.FAILED, "recipient-unavailable: nobody there"
        log.message_changed(sent)
        assert log._counts is not None, "without waiting for the whole recount"
        while log._counts is not None:
            log._recount_older()
        await pilot.pause()
        assert_consistent(log)
        assert "not delivered" in " ".join(log.plain_lines()[-4:])

        monkeypatch.undo()  # and the slices do run by themselves
        await pilot.resize_terminal(40, 20)
        for _ in range(200):
            await pilot.pause(0.01)
            if log._counts is None:
                break
        assert log._counts is None and log.scroll_offset.y == log.max_scroll_y
        assert_consistent(log)


async def test_a_long_log_scrolled_back_keeps_the_message_in_view_at_a_new_width(monkeypatch) -> None:
    monkeypatch.setattr(ChatLog, "COUNT_AT_ONCE", 50)
    monkeypatch.setattr(ChatLog, "_schedule_recount", lambda log: None)  # the background recount waits
    words = "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod"
    messages = [incoming(f"{n} " + words * (n % 3), at(1 + n // 200, 9, n % 60)) for n in range(600)]
    app = LogApp(messages)
    async with app.run_test(size=(100, 20)) as pilot:
        await pilot.pause()
        log = app.query_one(ChatLog)
        log.plain_lines()
        log.scroll_to(y=log._offsets[300], animate=False, immediate=True)
        await pilot.pause()
        assert not log.following and shown(log)[0].endswith(f"{BOB} 300")
        await pilot.resize_terminal(40, 20)
        await pilot.pause()
        assert log._counts is not None and log._stale_below > 300, "message 300 and those before it wait"
        expected = [strip.text.rstrip() for index in range(300, 320) for strip in log._lines(index, log.line_width)]
        assert shown(log) == expected[:log.size.height], "message 300 still at the top, laid out at the new width"
        while log._counts is not None:
            log._recount_older()
        await pilot.pause()
        assert shown(log) == expected[:log.size.height], "and still there once everything is counted"
        assert_consistent(log)


async def test_a_repaint_takes_the_widgets_style_once_not_once_a_line(monkeypatch: pytest.MonkeyPatch) -> None:
    """Textual's `rich_style` walks every ancestor's styles; during a flood each repaint draws every line on
    screen, so asking it once a line cost a tenth of the repaint."""
    from textual.dom import DOMNode
    from textual.geometry import Region

    messages = [incoming(f"line {n}", at(1, 12, n)) for n in range(50)]
    app = LogApp(messages)
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        log = app.query_one(ChatLog)
        asked: list[object] = []
        style = DOMNode.rich_style

        def counted(node: DOMNode) -> object:
            if node is log:
                asked.append(node)
            return style.fget(node)  # type: ignore[attr-defined]

        monkeypatch.setattr(DOMNode, "rich_style", property(counted))
        strips = log.render_lines(Region(0, 0, log.size.width, log.size.height))
        assert len(strips) == log.size.height > 10
        assert [strip.text.rstrip() for strip in strips][-1].endswith("line 49")
        assert len(asked) == 1


def test_a_body_that_fits_on_one_line_renders_as_wrapping_it_would() -> None:
    """The one-line fast path in MessageLines.lines (#20: most flood messages) paints exactly what rich's wrap
    paints, at the edges: an exact fit, one cell over, trailing spaces, a tab, wide characters, styling, a link."""
    from rich.console import Console

    from xmpptui.ui.chat.message_lines import MessageLines

    # At 120 cells a body has 98 (after "09:00 bob@example.org "); at 42, 20.
    bodies = ["x" * 98, "x" * 99, "x" * 97 + " ", "x" * 20, "x" * 21, "ends in spaces   ", "a\tb", "日本語" * 16,
              "日本語" * 17,
              "*bold* _it_ ~no~ `code`", "see https://example.org/a?b=1", "/me waves", "", " ", "👍🏽 ok"]
    messages = [incoming(body, at(1, 9, index)) for index, body in enumerate(bodies)]
    console = Console(width=200, color_system="truecolor", force_terminal=True)

    def rendered(fast: bool) -> list[str]:
        lines = MessageLines(messages, lambda: console, own_label="me", timestamp_format="%H:%M",
                             hidden=frozenset(), highlighted=None)
        if not fast:  # every body through rich's wrap, as before the fast path
            import rich.text

            original = rich.text.Text.cell_len
            rich.text.Text.cell_len = property(lambda self: 10**6)  # type: ignore[method-assign,assignment]
            try:
                return [repr(list(strip)) for width in (42, 120) for index in range(len(messages))
                        for strip in lines.lines(index, width)]
            finally:
                rich.text.Text.cell_len = original  # type: ignore[method-assign]
        return [repr(list(strip)) for width in (42, 120) for index in range(len(messages))
                for strip in lines.lines(index, width)]

    assert rendered(fast=True) == rendered(fast=False)
