"""Every documented key pressed with the composer focused (where the focus is after login), as a terminal
sends it: each does what the README says, ordinary typing still types, the README's Keys table is the
bindings, the help names keys in words, the footer keeps its order (#17)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from textual.binding import Binding
from textual.pilot import Pilot
from textual.widgets import Footer, Label

from tests.e2e.helpers import until
from tests.ui.fake_session import FakeSession
from tests.ui.terminal_keys import press
from xmpptui.config import Account, Config
from xmpptui.model.conversation import ConversationKind
from xmpptui.model.events import ConversationOpened, RoomChanged
from xmpptui.model.presence import Presence, Show
from xmpptui.model.room import Occupant, Room, RoomState
from xmpptui.model.roster import Contact, Subscription
from xmpptui.passwords import Secret
from xmpptui.ui.app import XmppTuiApp
from xmpptui.ui.chat.composer import Composer
from xmpptui.ui.contacts.roster_view import RosterView
from xmpptui.ui.main import keys as main_keys
from xmpptui.ui.main.help import HelpScreen
from xmpptui.ui.rooms.join import JoinRoomScreen
from xmpptui.ui.rooms.occupant_list import OccupantList
from xmpptui.ui.shared.dialogs import PromptScreen
from xmpptui.ui.shared.keymap import key_words

SIZE = (120, 36)
BOB, CAROL, DAVE = "bob@example.org", "carol@example.org", "dave@example.org"
ROOM = "lounge@conference.example.org"
README = Path(__file__).resolve().parents[2] / "README.md"


def make(config: Config | None = None) -> tuple[XmppTuiApp, FakeSession]:
    session = FakeSession(contacts=[Contact(BOB, "Bob", (), Subscription.BOTH)])
    app = XmppTuiApp(config or Config(), Account(jid="alice@example.org"), lambda _a, _p: session,
                     password_resolver=lambda _a: Secret("pw"), save_accounts=False)
    return app, session


async def logged_in(pilot: Pilot[None], app: XmppTuiApp, session: FakeSession) -> Composer:
    await until(pilot, lambda: ("start", None) in session.calls, what="session started")
    await until(pilot, lambda: app.query(RosterView), what="roster shown")
    composer = app.main_screen.composer
    await until(pilot, lambda: app.focused is composer, what="the composer has the focus")
    return composer


def shows_set(session: FakeSession) -> list[Show]:
    return [call[1].show for call in session.calls if call[0] == "set_presence" and isinstance(call[1], Presence)]


# Typing -------------------------------------------------------------------------------------------------------

async def test_letters_question_mark_and_digits_type_into_the_composer() -> None:
    app, session = make()
    async with app.run_test(size=SIZE) as pilot:
        composer = await logged_in(pilot, app, session)
        await press(pilot, *"who? a1 b9", "question_mark")
        assert composer.text == "who? a1 b9?"
        assert app.screen is app.main_screen, "? in the composer is text, not help"


# The documented keys, from the composer ---------------------------------------------------------------------

@pytest.mark.parametrize(("key", "show"), [("f2", Show.ONLINE), ("f3", Show.CHAT), ("f4", Show.AWAY),
                                           ("f5", Show.XA), ("f6", Show.DND), ("f7", Show.OFFLINE)])
async def test_presence_keys(key: str, show: Show) -> None:
    app, session = make()
    async with app.run_test(size=SIZE) as pilot:
        composer = await logged_in(pilot, app, session)
        await press(pilot, key)
        await until(pilot, lambda: shows_set(session) == [show], what=f"{key} sets {show}")
        assert composer.text == ""


async def test_status_priority_reconnect_and_help_keys() -> None:
    app, session = make()
    async with app.run_test(size=SIZE) as pilot:
        await logged_in(pilot, app, session)
        for key, title in (("f8", "Status text"), ("f9", "Priority")):
            await press(pilot, key)
            await until(pilot, lambda: isinstance(app.screen, PromptScreen), what=f"{key} asks")
            assert str(app.screen.query_one(".dialog-title", Label).render()).startswith(title)
            await press(pilot, "escape")
            await until(pilot, lambda: app.screen is app.main_screen)
        await press(pilot, "f10")
        await until(pilot, lambda: ("reconnect_now", None) in session.calls, what="F10 reconnects")
        for close in ("escape", "f1", "q", "question_mark"):
            await press(pilot, "f1")
            await until(pilot, lambda: isinstance(app.screen, HelpScreen), what="F1 opens help")
            await press(pilot, close)
            await until(pilot, lambda: app.screen is app.main_screen, what=f"{close} closes help")
        await press(pilot, "ctrl+r")
        await until(pilot, lambda: isinstance(app.focused, RosterView), what="Ctrl+R: the roster")
        await press(pilot, "question_mark")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen), what="? outside the composer: help")
        await press(pilot, "escape")
        await until(pilot, lambda: app.screen is app.main_screen)
        await press(pilot, "ctrl+t")
        await until(pilot, lambda: app.focused is app.main_screen.composer, what="Ctrl+T: the composer")


async def test_conversation_keys() -> None:
    app, session = make()
    async with app.run_test(size=SIZE) as pilot:
        composer = await logged_in(pilot, app, session)
        screen = app.main_screen
        for jid in (BOB, CAROL, DAVE):
            session.receive(jid, f"hello from {jid}")
        await until(pilot, lambda: screen.chat_log(DAVE) is not None, what="three conversations")
        steps = [("alt+a", BOB), ("ctrl+n", CAROL), ("alt+right", DAVE), ("ctrl+b", CAROL), ("alt+left", BOB),
                 ("alt+3", DAVE), ("alt+1", BOB), ("alt+2", CAROL), ("alt+9", CAROL)]
        for key, expected in steps:
            await press(pilot, key)
            await until(pilot, lambda expected=expected: screen.active == expected, what=f"{key} -> {expected}")
        await press(pilot, "alt+r")
        await until(pilot, lambda: ("retry", CAROL) in session.calls, what="Alt+R retries the conversation")
        await press(pilot, "alt+w")
        await until(pilot, lambda: ("close_conversation", CAROL) in session.calls, what="Alt+W closes it")
        assert composer.text == "", "no key typed its letter or digit"


async def test_next_mention_goes_to_the_next_room_that_names_us() -> None:
    app, session = make()
    async with app.run_test(size=SIZE) as pilot:
        composer = await logged_in(pilot, app, session)
        screen = app.main_screen
        rooms = [f"{name}@conference.example.org" for name in ("one", "two", "three")]
        for room in rooms:
            session.state.conversations.open(room, ConversationKind.GROUPCHAT)
            session.emit(ConversationOpened(room, by_user=False))
        await until(pilot, lambda: screen.chat_log(rooms[2]) is not None)
        for room in (rooms[0], rooms[2]):
            conversation = session.state.conversations.get(room)
            assert conversation is not None
            conversation.unread = conversation.mentions = 1
        await press(pilot, "alt+m")
        await until(pilot, lambda: screen.active == rooms[0], what="the first room with a mention")
        await press(pilot, "alt+m")
        await until(pilot, lambda: screen.active == rooms[2], what="the next one, skipping a room without")
        await press(pilot, "alt+m")
        await pilot.pause()
        assert screen.active == rooms[2], "no mention left: it stays"
        assert composer.text == ""


async def test_room_keys_and_join_dialog() -> None:
    app, session = make()
    async with app.run_test(size=SIZE) as pilot:
        composer = await logged_in(pilot, app, session)
        screen = app.main_screen
        room = session.state.rooms.add(Room(ROOM, "alice", state=RoomState.JOINED))
        room.occupants.update({"alice": Occupant("alice"), "bob": Occupant("bob")})
        session.state.conversations.open(ROOM, ConversationKind.GROUPCHAT)
        session.emit(ConversationOpened(ROOM, by_user=True))
        session.emit(RoomChanged(ROOM))
        pane = screen.query_one("#occupant-pane")
        await until(pilot, lambda: screen.active == ROOM and pane.display, what="in the room, occupants shown")
        await press(pilot, "ctrl+o")
        await until(pilot, lambda: not pane.display, what="Ctrl+O hides the occupants")
        await press(pilot, "ctrl+o")
        await until(pilot, lambda: pane.display, what="Ctrl+O shows them again")
        await press(pilot, "alt+o")
        await until(pilot, lambda: isinstance(app.focused, OccupantList), what="Alt+O: the occupant list")
        await press(pilot, "ctrl+t")
        await until(pilot, lambda: app.focused is composer)
        await press(pilot, "alt+j")
        await until(pilot, lambda: isinstance(app.screen, JoinRoomScreen), what="Alt+J: the join dialog")
        await press(pilot, "escape")
        await until(pilot, lambda: app.screen is screen)
        assert composer.text == ""


async def test_newline_keys_and_paging_the_log() -> None:
    app, session = make()
    async with app.run_test(size=SIZE) as pilot:
        composer = await logged_in(pilot, app, session)
        for n in range(80):
            session.receive(BOB, f"line {n}")
        await press(pilot, "alt+a")
        log = app.main_screen.chat_log(BOB)
        await until(pilot, lambda: log is not None and log.max_scroll_y > 0 and log.scroll_y == log.max_scroll_y,
                    what="a long log at its end")
        assert log is not None
        await press(pilot, "a", "ctrl+j", "b", "shift+enter", "c", "alt+enter", "d")
        assert composer.text == "a\nb\nc\nd"
        assert not [call for call in session.calls if call[0] == "send_chat"]
        bottom = log.scroll_y
        await press(pilot, "pageup")
        await until(pilot, lambda: log.scroll_y < bottom, what="PageUp scrolls the log up")
        await press(pilot, "pagedown")
        await until(pilot, lambda: log.scroll_y == bottom, what="PageDown scrolls it back")
        assert composer.text == "a\nb\nc\nd"


async def test_a_remapped_alt_key_works_from_the_composer() -> None:
    app, session = make(Config(keys={"next_unread": "alt+n"}))
    async with app.run_test(size=SIZE) as pilot:
        composer = await logged_in(pilot, app, session)
        session.receive(CAROL, "hi")
        await until(pilot, lambda: app.main_screen.chat_log(CAROL) is not None)
        await press(pilot, "alt+a")
        await pilot.pause()
        assert app.main_screen.active is None and composer.text == "a", "Alt+A is no longer bound: a letter"
        await press(pilot, "alt+n")
        await until(pilot, lambda: app.main_screen.active == CAROL, what="Alt+N is next unread")
        assert composer.text == "a"


async def test_ctrl_q_quits_from_the_composer() -> None:
    app, session = make()
    async with app.run_test(size=SIZE) as pilot:
        await logged_in(pilot, app, session)
        await press(pilot, "ctrl+q")
        await until(pilot, lambda: not app.is_running, what="Ctrl+Q quits")
    assert ("stop", None) in session.calls


# Help and footer ------------------------------------------------------------------------------------------------

async def test_help_names_keys_in_words_and_says_how_to_close_it() -> None:
    app, session = make(Config(keys={"go_away": "shift+f4"}))
    async with app.run_test(size=SIZE) as pilot:
        await logged_in(pilot, app, session)
        await press(pilot, "f1")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen))
        text = app.screen.plain_text()
        shown = str(app.screen.query_one("#help-close").render())
        assert "Escape, F1, q or ? closes this help" in shown
        for words in ("Ctrl+N, Alt+Right", "Alt+A", "Alt+M", "Alt+1", "Alt+9", "Shift+Enter", "F1", "PageUp",
                      "Shift+F4", "Ctrl+Q", "Enter", "Ctrl+P"):
            assert re.search(rf"(^|[\s│]){re.escape(words)}([\s,│]|$)", text, re.MULTILINE), words
        for textual_name in ("question_mark", "shift+enter", "alt+a", "ctrl+n", "pageup"):
            assert textual_name not in text
        assert re.search(r"^\s*\?\s*│", text, re.MULTILINE), "? in its own words"


def footer_keys(app: XmppTuiApp) -> list[str]:
    return [str(binding.id) for binding in (b.binding for b in app.screen.active_bindings.values()) if binding.show]


async def test_the_footer_keeps_its_order_whatever_has_the_focus() -> None:
    app, session = make()
    async with app.run_test(size=SIZE) as pilot:
        await logged_in(pilot, app, session)
        from_composer = footer_keys(app)
        assert from_composer[:len(main_keys.FOOTER_ORDER)] == list(main_keys.FOOTER_ORDER)
        for show_key in ("go_chat", "go_xa", "go_offline"):
            assert show_key in from_composer, "F3, F5, F7 are in the footer"
        await press(pilot, "ctrl+r")
        await until(pilot, lambda: isinstance(app.focused, RosterView))
        from_roster = footer_keys(app)
        assert from_roster[:len(main_keys.FOOTER_ORDER)] == list(main_keys.FOOTER_ORDER)
        assert len(from_roster) > len(from_composer), "the roster's own keys follow the fixed part"


# The README's Keys table is the bindings ---------------------------------------------------------------------------

def documented_bindings() -> list[Binding]:
    """Every binding with an id that the README's Keys table documents: the app's, the main screen's and the
    composer's."""
    return [b for b in (*XmppTuiApp.BINDINGS, *main_keys.BINDINGS, *Composer.BINDINGS)
            if isinstance(b, Binding) and b.id]


def _expand(column: str) -> list[str]:
    """`Alt+1 … Alt+9` -> Alt+1, Alt+2, … Alt+9 (the README writes a run of numbered keys once)."""
    if " … " not in column:
        return [column]
    first, last = column.split(" … ")
    prefix = first.rstrip("0123456789")
    assert last.startswith(prefix), column
    return [f"{prefix}{n}" for n in range(int(first[len(prefix):]), int(last[len(prefix):]) + 1)]


def readme_keys_table() -> dict[str, str]:
    """binding id -> its keys as the README's Keys table writes them (backticks dropped)."""
    section = README.read_text(encoding="utf-8").split("### Keys\n", 1)[1].split("\n### ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| ") and not line.startswith("| key")]
    table: dict[str, str] = {}
    for row in rows:
        keys_column, ids_column = (cell.strip() for cell in row.split(" | ")[:2])
        keys_column = keys_column.lstrip("| ").replace("`", "")
        if ids_column in ("–", "---"):
            continue
        ids = [i for part in ids_column.split(", ") for i in _expand(part.replace("`", ""))]
        shown = [k for part in keys_column.split(" / ") for k in _expand(part)]
        assert len(ids) == len(shown) or len(shown) == 1, row
        for index, binding_id in enumerate(ids):
            assert binding_id not in table, f"{binding_id} twice in the README"
            table[binding_id] = shown[index] if len(shown) > 1 else shown[0]
    return table


def test_the_readme_keys_table_is_the_bindings() -> None:
    documented = readme_keys_table()
    bindings = {str(b.id): key_words(b.key) for b in documented_bindings()}
    assert len(bindings) > 30, "the bindings are found"
    assert documented == bindings


async def test_the_footer_fits_80_columns() -> None:
    app, session = make()
    async with app.run_test(size=(80, 24)) as pilot:
        await logged_in(pilot, app, session)
        shown = lambda: [child for child in app.main_screen.query_one(Footer).children if child.region.width]  # noqa: E731
        await until(pilot, lambda: len(shown()) >= 6, what="F1 … Ctrl+Q all laid out")
        assert max(item.region.right for item in shown()) <= 80, "F1 … Ctrl+Q all visible"
