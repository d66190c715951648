"""The layout at any terminal size, driven as a user does against a scripted session: dialogs that show their
whole question and their keys, panes that fold away on narrow terminals and by key, one name for our own
messages, the "new messages" separator and the header of a 1:1 chat."""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget
from textual.widgets import OptionList
from textual.widgets._toast import Toast

from tests.e2e.helpers import until
from tests.ui.fake_session import FIXED_TIME, FakeSession
from tests.ui.test_app_ui import ACCOUNT, CONTACTS, Factory
from tests.ui.test_rooms_ui import ROOM, enter_room
from tests.unit.test_chat_log_lines import LogApp, assert_consistent, at, incoming, outgoing
from xmpptui.config import Config
from xmpptui.model.conversation import ChatMessage, DeliveryState, Direction, MessageKind
from xmpptui.model.events import MessageAdded
from xmpptui.model.presence import Presence, Show
from xmpptui.passwords import Secret
from xmpptui.ui.app import XmppTuiApp
from xmpptui.ui.chat.chat_log import ChatLog
from xmpptui.ui.chat.composer import Composer
from xmpptui.ui.chat.header import ChatHeader
from xmpptui.ui.chat.search import SearchScreen
from xmpptui.ui.shared.dialogs import ConfirmScreen, PromptScreen

LONG_QUESTION = ("The room lounge@conference.example.org does not exist. Create it (you will own it and may "
                 "configure it)?")


def make(session: FakeSession | None = None) -> tuple[XmppTuiApp, FakeSession]:
    session = session or FakeSession(contacts=list(CONTACTS))
    app = XmppTuiApp(Config(), ACCOUNT, Factory(session), password_resolver=lambda _a: Secret("pw"),
                     save_accounts=False)
    return app, session


def screen_text(app: XmppTuiApp) -> str:
    """What the top screen shows, line by line, as plain text."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def words_on_screen(app: XmppTuiApp) -> str:
    """The screen's text with lines and box characters run together (a wrapped sentence reads whole)."""
    return " ".join("".join(c if c.isprintable() and ord(c) < 0x2500 else " " for c in screen_text(app)).split())


async def test_a_long_question_is_shown_whole_with_its_keys_at_80_columns() -> None:
    app, session = make()
    answers: list[bool | None] = []
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: ("start", None) in session.calls)
        app.push_screen(ConfirmScreen(LONG_QUESTION), answers.append)
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.pause()
        shown = words_on_screen(app)
        assert LONG_QUESTION in shown, shown
        assert "y / Enter: yes n / Escape: no" in shown
        await pilot.press("escape")
        await until(pilot, lambda: answers == [False], what="Escape refuses")


async def test_a_prompt_shows_its_whole_title_and_its_keys_at_60_columns() -> None:
    app, session = make()
    title = "lounge@conference.example.org is protected by a password. Password for the room:"
    async with app.run_test(size=(60, 20)) as pilot:
        await until(pilot, lambda: ("start", None) in session.calls)
        app.push_screen(PromptScreen(title, password=True))
        await until(pilot, lambda: isinstance(app.screen, PromptScreen))
        await pilot.pause()
        shown = words_on_screen(app)
        assert title in shown, shown
        assert "Enter: OK Escape: cancel" in shown


async def test_a_toast_is_in_view_and_clear_of_the_composer_with_or_without_a_dialog() -> None:
    app, session = make()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await until(pilot, lambda: ("start", None) in session.calls)
        composer = app.main_screen.composer.region
        app.notify("a notice over the main screen", markup=False)
        await until(pilot, lambda: app.screen.query(Toast), what="the toast on the main screen")
        await pilot.pause()
        assert "a notice over the main screen" in words_on_screen(app)
        assert not app.screen.query_one(Toast).region.overlaps(composer), "what is typed stays visible"
        app.clear_notifications()
        app.push_screen(ConfirmScreen(LONG_QUESTION))
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        app.notify("the server is slow to answer", markup=False)
        await until(pilot, lambda: app.screen.query(Toast), what="the toast on the dialog's screen")
        await pilot.pause()
        assert "the server is slow to answer" in words_on_screen(app)
        toast = app.screen.query_one(Toast).region
        assert not toast.overlaps(composer), "not under the composer's border"
        assert not toast.overlaps(app.screen.query_one(".dialog").region), "nor over the question"


def _roster_pane(app: XmppTuiApp) -> Widget:
    return app.screen.query_one("#roster-pane")


def _occupant_pane(app: XmppTuiApp) -> Widget:
    return app.screen.query_one("#occupant-pane")


async def test_at_80_columns_a_room_gets_the_whole_width_and_keys_bring_the_panes_back() -> None:
    app, session = make()
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: ("start", None) in session.calls)
        enter_room(session)
        await until(pilot, lambda: app.main_screen.active == ROOM, what="the room on screen")
        await pilot.pause()
        log = app.main_screen.chat_log(ROOM)
        assert log is not None
        assert not _roster_pane(app).display and not _occupant_pane(app).display
        assert log.size.width >= 76, f"the log has {log.size.width} of 80 columns"
        assert isinstance(app.focused, Composer)
        await pilot.press("f12")
        await until(pilot, lambda: _roster_pane(app).display, what="F12 shows the roster")
        await pilot.press("ctrl+o")
        await until(pilot, lambda: _occupant_pane(app).display, what="Ctrl+O shows the occupants")
        assert "bob" in app.main_screen.occupant_list_text()
        await pilot.press("ctrl+r")
        await until(pilot, lambda: app.focused is app.main_screen.roster, what="Ctrl+R goes to the roster")
        await pilot.press("f12")
        await until(pilot, lambda: not _roster_pane(app).display, what="F12 hides the roster again")
        assert isinstance(app.focused, Composer), "the focus left the hidden roster for the composer"
        await pilot.press("ctrl+r")
        await until(pilot, lambda: _roster_pane(app).display and app.focused is app.main_screen.roster,
                    what="Ctrl+R shows a folded roster and goes to it")


async def test_panes_fold_and_unfold_as_the_terminal_is_resized() -> None:
    app, session = make()
    async with app.run_test(size=(130, 30)) as pilot:
        await until(pilot, lambda: ("start", None) in session.calls)
        enter_room(session)
        await until(pilot, lambda: _occupant_pane(app).display, what="a room's occupants at 130 columns")
        assert _roster_pane(app).display
        await pilot.resize_terminal(110, 30)
        await until(pilot, lambda: not _occupant_pane(app).display, what="occupants fold under 120 columns")
        assert _roster_pane(app).display, "the roster stays from 100 columns on"
        await pilot.resize_terminal(90, 30)
        await until(pilot, lambda: not _roster_pane(app).display, what="the roster folds under 100 columns")
        await pilot.press("f12")
        await until(pilot, lambda: _roster_pane(app).display, what="F12 at 90 columns")
        await pilot.resize_terminal(95, 30)
        assert _roster_pane(app).display, "a resize that crosses no threshold keeps what the user chose"
        await pilot.resize_terminal(130, 30)
        await until(pilot, lambda: _occupant_pane(app).display, what="occupants back at 130 columns")
        assert _roster_pane(app).display


async def test_at_60_by_20_a_message_can_be_read_and_sent() -> None:
    app, session = make()
    async with app.run_test(size=(60, 20)) as pilot:
        await until(pilot, lambda: ("start", None) in session.calls)
        session.receive("bob@example.org", "are you there?", name="Bob")
        await pilot.pause()
        await pilot.press("alt+a")
        await until(pilot, lambda: app.main_screen.active == "bob@example.org")
        await pilot.press(*"yes, on a small screen", "enter")
        await until(pilot, lambda: ("send_chat", ("bob@example.org", "yes, on a small screen")) in session.calls)
        log = app.main_screen.chat_log("bob@example.org")
        assert log is not None
        await until(pilot, lambda: any("yes, on a small screen" in line for line in log.plain_lines()))
        shown = screen_text(app)
        assert "are you there?" in shown and "yes, on a small screen" in shown, shown
        assert app.main_screen.composer.region.height >= 2, "the composer is on screen"


async def test_a_chat_header_shows_presence_status_and_resource_live() -> None:
    session = FakeSession(contacts=list(CONTACTS), presences={"bob@example.org": Presence(Show.AWAY, "at the ball")})
    app, session = make(session)
    async with app.run_test(size=(120, 30)) as pilot:
        await until(pilot, lambda: ("start", None) in session.calls)
        header = app.main_screen.query_one(ChatHeader)
        assert not header.display, "no header before a conversation"
        session.receive("bob@example.org", "hi", name="Bob")
        await pilot.press("alt+a")
        await until(pilot, lambda: header.plain, what="the header of Bob's chat")
        assert header.plain == "Bob  bob@example.org  ◐ away · at the ball  → any client"
        session.presence("bob@example.org", Presence(Show.DND, "in a meeting [until 3]"))
        await until(pilot, lambda: "⊘ do not disturb · in a meeting [until 3]" in header.plain,
                    what="presence and status text updated live")
        conversation = session.state.conversations.get("bob@example.org")
        conversation.reply_to = "bob@example.org/phone"  # as the session does when a resource writes to us
        session.receive("bob@example.org", "from my phone", name="Bob")
        await until(pilot, lambda: header.plain.endswith("→ phone"), what="the resource the chat is locked to")
        enter_room(session)
        await until(pilot, lambda: app.main_screen.active == ROOM)
        await until(pilot, lambda: not header.display, what="no chat header in a room")


async def test_our_own_messages_have_one_name_and_an_action_keeps_its_mark_apart() -> None:
    app, session = make()
    async with app.run_test(size=(120, 30)) as pilot:
        await until(pilot, lambda: ("start", None) in session.calls)
        session.receive("bob@example.org", "are you coming?", name="Bob")
        await pilot.press("alt+a")
        await until(pilot, lambda: app.main_screen.active == "bob@example.org")
        await pilot.press(*"on my way", "enter", *"/me waves", "enter")
        log = app.main_screen.chat_log("bob@example.org")
        assert log is not None
        await until(pilot, lambda: len(log.plain_lines()) >= 4, what="both messages in the log")
        lines = log.plain_lines()
        assert lines[-2].endswith(" me✓ on my way"), lines
        assert lines[-1].endswith(" * me waves ✓"), "the tick is not glued to the name of an action"
        enter_room(session)
        await until(pilot, lambda: app.main_screen.active == ROOM)
        conversation = session.state.conversations.get(ROOM)
        ours = ChatMessage(ROOM, "alice", "/me waves too", FIXED_TIME, Direction.OUT, kind=MessageKind.GROUPCHAT,
                           state=DeliveryState.SENT)
        conversation.add(ours)
        session.emit(MessageAdded(ours))
        room_log = app.main_screen.chat_log(ROOM)
        assert room_log is not None
        await until(pilot, lambda: room_log.plain_lines()[-1].endswith(" * alice waves too ✓"),
                    what="our nick in a room")


async def test_search_results_name_us_as_the_log_does_and_highlight_what_was_found() -> None:
    app, session = make()
    async with app.run_test(size=(120, 30)) as pilot:
        await until(pilot, lambda: ("start", None) in session.calls)
        session.receive("bob@example.org", "which WAY to the station?", name="Bob")
        await pilot.press("alt+a", *"on my way", "enter")
        await until(pilot, lambda: ("send_chat", ("bob@example.org", "on my way")) in session.calls)
        await pilot.press(*"/search way", "enter")
        await until(pilot, lambda: isinstance(app.screen, SearchScreen), what="the results")
        results = app.screen.query_one(OptionList)
        prompts = [results.get_option_at_index(i).prompt for i in range(results.option_count)]
        assert all(isinstance(prompt, Text) for prompt in prompts)
        lines = {prompt.plain.split("  ", 2)[2]: prompt for prompt in prompts if isinstance(prompt, Text)}
        assert set(lines) == {"me: on my way", "Bob: which WAY to the station?"}, "'me', not our JID"
        for line, prompt in lines.items():
            found = [prompt.plain[span.start:span.end] for span in prompt.spans if span.style == "reverse"]
            assert [word.lower() for word in found] == ["way"], (line, found)


def _is_new_messages_line(line: str) -> bool:
    return line.strip("─ ") == "new messages"


async def test_a_new_messages_line_stands_at_the_first_unread_until_read_and_left() -> None:
    app, session = make()
    async with app.run_test(size=(120, 30)) as pilot:
        await until(pilot, lambda: ("start", None) in session.calls)
        session.receive("bob@example.org", "old news", name="Bob")
        await pilot.press("alt+a")
        await until(pilot, lambda: app.main_screen.active == "bob@example.org")
        await pilot.press(*"/chat carol@example.org", "enter")
        await until(pilot, lambda: app.main_screen.active == "carol@example.org")
        bob_log = app.main_screen.chat_log("bob@example.org")
        assert bob_log is not None
        assert not any(_is_new_messages_line(line) for line in bob_log.plain_lines()), "read and left: no line"
        session.receive("bob@example.org", "first new", FIXED_TIME + 60, name="Bob")
        session.receive("bob@example.org", "second new", FIXED_TIME + 120, name="Bob")
        await pilot.press("alt+a")
        await until(pilot, lambda: app.main_screen.active == "bob@example.org")
        await until(pilot, lambda: any(_is_new_messages_line(line) for line in bob_log.plain_lines()))
        lines = bob_log.plain_lines()
        at = next(index for index, line in enumerate(lines) if _is_new_messages_line(line))
        assert lines[at - 1].endswith("Bob old news") and lines[at + 1].endswith("Bob first new"), lines
        assert "new messages" in screen_text(app), "the line is on screen"
        await pilot.press(*"thanks", "enter")
        await until(pilot, lambda: ("send_chat", ("bob@example.org", "thanks")) in session.calls)
        assert any(_is_new_messages_line(line) for line in bob_log.plain_lines()), "it stays while we are here"
        await pilot.press("ctrl+n")
        await until(pilot, lambda: app.main_screen.active == "carol@example.org")
        await until(pilot, lambda: not any(_is_new_messages_line(line) for line in bob_log.plain_lines()),
                    what="gone once read and left")


async def test_coming_to_a_long_backlog_shows_where_the_unread_start() -> None:
    app, session = make()
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: ("start", None) in session.calls)
        for number in range(10):
            session.receive("bob@example.org", f"read line {number}", FIXED_TIME + number, name="Bob")
        await pilot.press("alt+a")
        await until(pilot, lambda: app.main_screen.active == "bob@example.org")
        await pilot.press(*"/chat carol@example.org", "enter")
        await until(pilot, lambda: app.main_screen.active == "carol@example.org")
        for number in range(40):
            session.receive("bob@example.org", f"unread line {number}", FIXED_TIME + 60 + number, name="Bob")
        await pilot.press("alt+a")
        await until(pilot, lambda: app.main_screen.active == "bob@example.org")
        await until(pilot, lambda: "new messages" in screen_text(app), what="the separator in view")
        shown = screen_text(app)
        assert "unread line 0" in shown and "unread line 39" not in shown, shown


async def test_counted_lines_agree_with_drawn_ones_for_our_actions_and_the_new_messages_line() -> None:
    """The log counts most messages without drawing them: an action of ours (its mark after the text) and
    the "new messages" line must be counted as they are drawn, at any width."""
    messages = [outgoing(("/me waves at everyone in a sentence long enough to wrap " * 2).strip(), at(1, 9, 0)),
                incoming("first unread", at(1, 9, 1)), incoming("second unread " * 8, at(1, 9, 2))]
    app = LogApp(messages)
    async with app.run_test(size=(50, 20)) as pilot:
        log = app.query_one(ChatLog)
        await pilot.pause()
        assert_consistent(log)
        assert any(line.endswith("wrap ✓") for line in log.plain_lines()), "the mark after the action's text"
        prefix = len("09:03 * me ")
        messages.append(outgoing("/me " + "x" * (log.line_width - prefix), at(1, 9, 3)))  # fits, but not its mark
        log.sync()
        assert log.plain_lines()[-2:] == [f"09:03 * me {'x' * (log.line_width - prefix)}", f"{'':{prefix}}✓"]
        assert_consistent(log)
        log.mark_unread(2)
        assert log.first_unread is messages[1]
        assert_consistent(log)
        await pilot.resize_terminal(40, 20)
        await until(pilot, lambda: log.line_width <= 40, what="laid out at the new width")
        assert_consistent(log)
        log.mark_unread(0)
        assert log.first_unread is None and not any("new messages" in line for line in log.plain_lines())
        assert_consistent(log)
