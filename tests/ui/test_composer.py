"""The composer driven by keys against a scripted session: completion of commands, arguments and nicks (the
list, cycling, Escape), input history per conversation, readline keys, $EDITOR, pastes (bracketed, and
arriving as keys)."""

from __future__ import annotations

import contextlib
import re
from pathlib import Path
from typing import Any

import pytest
from textual import events
from textual.screen import Screen

from tests.e2e.helpers import until
from tests.ui.fake_session import FakeSession
from tests.ui.terminal_keys import one_read, press
from xmpptui.config import Account, Config, UiConfig
from xmpptui.model.conversation import ConversationKind
from xmpptui.model.events import ConversationOpened, RoomChanged
from xmpptui.model.room import Bookmark, Occupant, Room, RoomState
from xmpptui.model.roster import Contact, Subscription
from xmpptui.passwords import Secret
from xmpptui.ui.app import XmppTuiApp
from xmpptui.ui.chat.chat_log import ChatLog
from xmpptui.ui.chat.composer import Composer
from xmpptui.ui.contacts.roster_view import RosterView
from xmpptui.ui.shared.dialogs import ConfirmScreen

SIZE = (120, 36)
ROOM = "lounge@conference.example.org"
BOB, CAROL = "bob@example.org", "carol@example.org"
BURST = "abc\x7fd\x15xy\x1b[DZ\x05!"
"""One read as tmux delivers it: "abc", Backspace, "d", Ctrl+U, "xy", Left, "Z", Ctrl+E (end of line), "!"."""
BURST_KEYS = ["a", "b", "c", "backspace", "d", "ctrl+u", "x", "y", "left", "Z", "ctrl+e", "exclamation_mark"]
BURST_TYPED = "xZy!"
"""What `BURST` leaves when every key applies in the order typed."""


def make() -> tuple[XmppTuiApp, FakeSession]:
    session = FakeSession(contacts=[Contact(BOB, "Bob", (), Subscription.BOTH),
                                    Contact(CAROL, "Carol", (), Subscription.BOTH)])
    app = XmppTuiApp(Config(ui=UiConfig()), Account(jid="alice@example.org"), lambda _a, _p: session,
                     password_resolver=lambda _a: Secret("pw"), save_accounts=False)
    return app, session


def composer_of(app: XmppTuiApp) -> Composer:
    return app.main_screen.composer


def sends(session: FakeSession) -> list[tuple[str, object]]:
    return [call for call in session.calls if call[0].startswith("send")]


async def started(pilot, session: FakeSession) -> None:  # type: ignore[no-untyped-def]
    await until(pilot, lambda: ("start", None) in session.calls)


async def test_tab_completes_commands_and_their_arguments() -> None:
    app, session = make()
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot, session)
        composer = composer_of(app)
        await pilot.press(*"/sta", "tab")
        assert composer.text == "/status "
        await pilot.press("d", "tab")
        assert composer.text == "/status dnd ", "a show value"
        composer.clear()

        await pilot.press(*"/chat ", "tab")
        assert composer.text == f"/chat {BOB} ", "an empty argument lists every JID, the first in the composer"
        assert composer.completions.plain() == [BOB, CAROL], "several: the list over the composer"
        await pilot.press("tab")
        assert composer.text == f"/chat {CAROL} "
        await pilot.press("shift+tab")
        assert composer.text == f"/chat {BOB} ", "Shift+Tab goes back"
        await pilot.press("escape")
        assert composer.completions.plain() == [], "Escape closes the list"
        assert composer.text == f"/chat {BOB} ", "and keeps what was completed"
        assert app.focused is composer
        composer.clear()

        await pilot.press(*"/info cl", "tab")
        assert composer.text == f"/info {CAROL} ", "fuzzy: the letters in order"
        composer.clear()
        await pilot.press(*"/whois b", "tab")
        assert composer.text == f"/whois {BOB} ", "an alias completes as its command"
        composer.clear()

        session.state.rooms.bookmarks[ROOM] = Bookmark(ROOM, "Lounge", "Al", "", autojoin=False)
        session.state.rooms.add(Room("dev@conference.example.org", "alice", state=RoomState.JOINED))
        await pilot.press(*"/join lo", "tab")
        assert composer.text == f"/join {ROOM} ", "a bookmarked room"
        composer.clear()
        await pilot.press(*"/join de", "tab")
        assert composer.text == "/join dev@conference.example.org ", "a room we are in"


async def test_nicks_complete_in_a_room_and_in_its_commands() -> None:
    app, session = make()
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot, session)
        room = session.state.rooms.add(Room(ROOM, "alice", state=RoomState.JOINED))
        room.occupants.update({nick: Occupant(nick) for nick in ("bob", "Bobby", "carol")})
        session.state.conversations.open(ROOM, ConversationKind.GROUPCHAT)
        session.emit(ConversationOpened(ROOM, by_user=True))
        session.emit(RoomChanged(ROOM))
        await until(pilot, lambda: app.main_screen.active == ROOM)
        composer = composer_of(app)
        await pilot.press(*"/kick ca", "tab")
        assert composer.text == "/kick carol "
        composer.clear()
        await pilot.press(*"/msg by", "tab")
        assert composer.text == "/msg Bobby ", "in a room /msg takes a nick"
        composer.clear()
        await pilot.press(*"/role carol v", "tab")
        assert composer.text == "/role carol visitor "
        composer.clear()
        await pilot.press(*"hi cl", "tab")
        assert composer.text == "hi carol ", "a nick inside a message (fuzzy)"
        await pilot.press("enter")
        await until(pilot, lambda: composer.text == "")
        await pilot.press(*"bo", "tab")
        assert composer.text == "bob: ", "after a sent message, at the start: `nick: `"


async def test_tab_with_nothing_to_complete_moves_the_focus() -> None:
    app, session = make()
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot, session)
        composer = composer_of(app)
        await pilot.press(*"hello", "tab")
        assert composer.text == "hello", "nothing typed is lost"
        assert isinstance(app.focused, RosterView), "outside a room a word is not completed: Tab moves on"


async def test_input_history_per_conversation_keeps_the_draft() -> None:
    app, session = make()
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot, session)
        composer = composer_of(app)
        session.open_conversation(BOB)
        await until(pilot, lambda: app.main_screen.active == BOB)
        for text in ("one", "two"):
            await pilot.press(*text, "enter")
            await until(pilot, lambda: composer.text == "")
        session.open_conversation(CAROL)
        await until(pilot, lambda: app.main_screen.active == CAROL)
        await pilot.press(*"three", "enter")
        await until(pilot, lambda: composer.text == "")
        app.main_screen.switch_to(BOB)
        await pilot.press(*"draft")
        await pilot.press("ctrl+up")
        assert composer.text == "two", "newest first"
        await press(pilot, "alt+p")
        assert composer.text == "one"
        await pilot.press("ctrl+up")
        assert composer.text == "one", "nothing older: it stays"
        await press(pilot, "alt+n")
        assert composer.text == "two"
        await pilot.press("ctrl+down")
        assert composer.text == "draft", "past the newest: what was being typed"
        assert composer.cursor_location == (0, 5)
        app.main_screen.switch_to(CAROL)
        composer.clear()
        await pilot.press("ctrl+up")
        assert composer.text == "three", "each conversation has its own"
        await pilot.press("up")
        assert not composer.correcting, "Up in a non-empty composer moves the cursor; it does not correct"


async def test_readline_keys_edit_from_the_composer() -> None:
    app, session = make()
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot, session)
        composer = composer_of(app)
        await pilot.press(*"hello big world")
        await press(pilot, "alt+b")
        assert composer.cursor_location == (0, 10), "Alt+B: a word back"
        await press(pilot, "alt+b", "alt+f")
        assert composer.cursor_location == (0, 9), "Alt+F: a word forward"
        await pilot.press("ctrl+w")
        assert composer.text == "hello  world", "Ctrl+W: the word before the cursor"
        await pilot.press("ctrl+k")
        assert composer.text == "hello ", "Ctrl+K: to the line end"
        await pilot.press("ctrl+a")
        assert composer.cursor_location == (0, 0), "Ctrl+A: the line start"
        await pilot.press("ctrl+e")
        assert composer.cursor_location == (0, 6), "Ctrl+E: the line end"
        await pilot.press("ctrl+u")
        assert composer.text == "", "Ctrl+U: to the line start"
        assert app.focused is composer


def fake_editor(tmp_path: Path, body: str) -> str:
    script = tmp_path / "editor.sh"
    script.write_text(f"#!/bin/sh\n{body}\n")
    script.chmod(0o700)
    return str(script)


async def test_alt_e_and_edit_open_the_text_in_the_editor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen = tmp_path / "seen-mode"
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", fake_editor(tmp_path, f'stat -c %a "$1" > {seen}\n'
                                                       'printf "edited: %s\\nsecond line\\n" "$(cat "$1")" > "$1"'))
    app, session = make()
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot, session)
        composer = composer_of(app)
        await pilot.press(*"draft")
        await press(pilot, "alt+e")
        assert composer.text == "edited: draft\nsecond line", "the saved text, without the editor's final newline"
        assert seen.read_text().strip() == "600", "the draft's file is private"
        assert app.focused is composer
        composer.clear()
        await pilot.press(*"/edit hello", "enter")
        await until(pilot, lambda: composer.text == "edited: hello\nsecond line")
        assert sends(session) == [], "nothing is sent"


async def test_a_failing_or_missing_editor_keeps_the_text(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VISUAL", fake_editor(tmp_path, 'echo gone > "$1"; exit 3'))
    app, session = make()
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot, session)
        composer = composer_of(app)
        await pilot.press(*"keep me")
        await press(pilot, "alt+e")
        assert composer.text == "keep me"
        await until(pilot, lambda: any("exited with status 3" in str(n.message) for n in app._notifications))
        monkeypatch.setenv("VISUAL", str(tmp_path / "no-such-editor"))
        await press(pilot, "alt+e")
        assert composer.text == "keep me"
        await until(pilot, lambda: any("could not be started" in str(n.message) for n in app._notifications))


async def test_a_long_paste_is_one_message_sent_after_asking() -> None:
    app, session = make()
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot, session)
        composer = composer_of(app)
        session.open_conversation(BOB)
        await until(pilot, lambda: app.main_screen.active == BOB)
        short = "a\nb\nc"
        app.post_message(events.Paste(short))
        await until(pilot, lambda: composer.text == short)
        await pilot.press("enter")
        await until(pilot, lambda: ("send_chat", (BOB, short)) in session.calls)
        await until(pilot, lambda: composer.text == "")

        long = "\n".join(f"line {n}" for n in range(12))
        app.post_message(events.Paste(long))
        await until(pilot, lambda: composer.text == long)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is app.main_screen)
        assert composer.text == long and len(sends(session)) == 1, "Escape: back to editing, nothing sent"
        assert app.focused is composer
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await until(pilot, lambda: ("send_chat", (BOB, long)) in session.calls)
        await until(pilot, lambda: composer.text == "")
        app.post_message(events.Paste(long))
        await until(pilot, lambda: composer.text == long)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("enter")
        await until(pilot, lambda: len(sends(session)) == 3, what="Enter accepts too")


async def test_a_paste_arriving_as_keys_is_inserted_in_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    app, session = make()
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot, session)
        composer = composer_of(app)
        session.open_conversation(BOB)
        await until(pilot, lambda: app.main_screen.active == BOB)
        edits = 0
        replace = composer.replace

        def counting_replace(*args, **kwargs):  # type: ignore[no-untyped-def]
            nonlocal edits
            edits += 1  # each edit re-wraps the soft-wrapped document
            return replace(*args, **kwargs)

        monkeypatch.setattr(composer, "replace", counting_replace)
        pasted = "the quick brown fox jumps over the lazy dog, " * 460  # 20 KB on one line
        assert len(pasted) > 20_000
        # As a terminal without bracketed paste delivers it: one key event per character, all at once.
        for character in pasted:
            app.post_message(events.Key("space" if character == " " else character, character))
        await until(pilot, lambda: len(composer.text) == len(pasted), timeout=60)
        assert composer.text == pasted, "every key, in order"
        assert sends(session) == []
        assert edits <= len(pasted) // 20, f"{edits} edits for {len(pasted)} keys: not batched"


async def test_a_short_line_and_its_enter_arriving_together_is_sent() -> None:
    """Typed over a slow link (or by a script), a line and its Enter can arrive in one read: that is a message
    sent, not the start of a paste."""
    app, session = make()
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot, session)
        session.open_conversation(BOB)
        await until(pilot, lambda: app.main_screen.active == BOB)
        for character in "hi bob":
            app.post_message(events.Key("space" if character == " " else character, character))
        app.post_message(events.Key("enter", "\r"))
        await until(pilot, lambda: sends(session) == [("send_chat", (BOB, "hi bob"))], what="sent by its Enter")
        assert composer_of(app).text == ""


async def test_the_composer_size_is_guarded() -> None:
    app, session = make()
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot, session)
        composer = composer_of(app)
        app.post_message(events.Paste("x" * (Composer.MAX_CHARS + 5000)))
        await until(pilot, lambda: len(composer.text) == Composer.MAX_CHARS)
        await until(pilot, lambda: any("left out" in str(n.message) for n in app._notifications))
        assert app.is_running



async def test_editing_keys_arriving_with_letters_apply_in_the_order_typed() -> None:
    """A terminal read can hold a Backspace (or Ctrl+U, an arrow) and the letters typed after it; a busy loop
    (a message flood) makes that common. Each key acts in the order typed: the Backspace deletes the letter
    before it, not the one typed after it (issue #20: keys typed during a flood seemed lost)."""
    app, session = make()
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot, session)
        session.open_conversation(BOB)
        await until(pilot, lambda: app.main_screen.active == BOB)
        composer = composer_of(app)
        assert app.focused is composer
        assert one_read(app, BURST) == BURST_KEYS
        with contextlib.suppress(AssertionError):  # the assertion below says what the composer holds instead
            await until(pilot, lambda: composer.text == BURST_TYPED, timeout=5)
        await pilot.pause()
        assert composer.text == BURST_TYPED, "every key applied, in the order typed"
        assert composer.cursor_location == (0, 4)


_TERMINAL_CODES = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


async def test_a_keystroke_is_painted_at_once_and_the_rest_waits_for_the_frame(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """What the composer shows after a key reaches the terminal when the key is handled, not at the screen's
    next frame (issue #20: echo in a real terminal behind the anchors), and only the composer is painted so:
    what else changed meanwhile (here the chat log) is still drawn with the frame, once."""
    framing = False
    real_frame, real_layout = Screen._on_timer_update, Screen._refresh_layout

    def timer_frame(self):  # type: ignore[no-untyped-def]
        nonlocal framing
        framing = True
        try:
            return real_frame(self)
        finally:
            framing = False

    def layout_frame(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        nonlocal framing
        framing = True
        try:
            return real_layout(self, *args, **kwargs)
        finally:
            framing = False

    monkeypatch.setattr(Screen, "_on_timer_update", timer_frame)
    monkeypatch.setattr(Screen, "_refresh_layout", layout_frame)
    app, session = make()
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot, session)
        session.open_conversation(BOB)
        await until(pilot, lambda: app.main_screen.active == BOB)
        composer = composer_of(app)
        chat_log = app.main_screen.query_one(ChatLog)
        painted: list[tuple[bool, Any]] = []
        real_display = app._display

        def display(screen: Screen, update: Any) -> None:
            painted.append((framing, update))
            real_display(screen, update)

        monkeypatch.setattr(app, "_display", display)
        await pilot.press(*"hell")
        painted.clear()
        chat_log.refresh()  # the log has something to show too (a message of a flood), before the key
        await pilot.press("o")

        def rows(update: Any) -> set[int]:
            return {y for y, _, _ in update.spans}

        at_once = [update for framed, update in painted if not framed and update is not None]
        assert any("hello" in _TERMINAL_CODES.sub("", update.render_segments(app.console)) for update in at_once), \
            "the keystroke was written out by the composer, outside any frame"
        composer_rows = set(range(composer.region.y, composer.region.bottom))
        assert all(rows(update) <= composer_rows for update in at_once), "only the composer is painted at once"
        log_rows = set(range(chat_log.region.y, chat_log.region.bottom))
        await until(pilot, lambda: any(framed and update is not None and rows(update) & log_rows
                                       for framed, update in painted), what="the chat log drawn with the frame")
        assert composer.text == "hello"
