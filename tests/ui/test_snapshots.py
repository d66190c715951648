"""A few snapshots of the key screens, to catch layout regressions (behaviour is asserted elsewhere)."""

from __future__ import annotations

import time

import pytest

from tests.ui.fake_session import FIXED_TIME, FakeSession
from tests.ui.test_app_ui import ACCOUNT, CONTACTS, Factory
from xmpptui.config import Config
from xmpptui.model.conversation import RETRACTED, ChatMessage, DeliveryState, Direction, Reply
from xmpptui.model.events import ConnectionChanged, ConversationOpened, MessageAdded
from xmpptui.model.presence import Presence, Show
from xmpptui.model.state import ConnectionState, ConnectionStatus, LoginFailure
from xmpptui.passwords import Secret
from xmpptui.ui.app import XmppTuiApp

SIZE = (110, 30)


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()


def _app(session: FakeSession) -> XmppTuiApp:
    return XmppTuiApp(Config(), ACCOUNT, Factory(session), password_resolver=lambda _a: Secret("pw"),
                      save_accounts=False)


LAYOUT_SIZES = [(80, 24), (100, 30), (200, 60)]
"""A laptop's terminal, the widths where the roster comes back and a wide screen (#17)."""


@pytest.mark.parametrize("size", LAYOUT_SIZES, ids=lambda size: f"{size[0]}x{size[1]}")
def test_main_screen(snap_compare, size: tuple[int, int]) -> None:
    """A contact chat: the header (name, presence, status, resource), our message and action, the roster
    folded under 100 columns."""
    session = FakeSession(contacts=list(CONTACTS),
                          presences={"bob@example.org": Presence(Show.AWAY, "at the ball", 5)})

    async def converse(pilot) -> None:
        await pilot.pause()
        session.receive("bob@example.org", "hi alice, are you coming?", FIXED_TIME, name="Bob")
        session.receive("bob@example.org", "[bold]not bold[/] and a long line " * 4, FIXED_TIME + 60, name="Bob")
        await pilot.pause(0.05)
        await pilot.press("alt+a", *"on my way", "enter", *"/me waves", "enter")
        await pilot.pause(0.05)

    assert snap_compare(_app(session), terminal_size=size, run_before=converse)


def test_help_screen(snap_compare) -> None:
    assert snap_compare(_app(FakeSession(contacts=list(CONTACTS))), terminal_size=(110, 40), press=["f1"])


def test_login_error_dialog(snap_compare) -> None:
    session = FakeSession(online=False)

    async def fail(pilot) -> None:
        await pilot.pause()
        status = ConnectionStatus(ConnectionState.OFFLINE, "login refused (not-authorized): wrong password or "
                                  "unknown user alice@example.org", LoginFailure.AUTH)
        session.state.connection = status
        session.emit(ConnectionChanged(status))
        await pilot.pause(0.05)

    assert snap_compare(_app(session), terminal_size=SIZE, run_before=fail)


@pytest.mark.parametrize("size", LAYOUT_SIZES, ids=lambda size: f"{size[0]}x{size[1]}")
def test_room_screen(snap_compare, size: tuple[int, int]) -> None:
    """A busy room: the occupant pane beside the log from 120 columns, folded below."""
    from tests.ui.test_rooms_ui import enter_room
    from xmpptui.model.events import RoomChanged
    from xmpptui.model.room import Occupant, Role

    session = FakeSession(contacts=list(CONTACTS))

    async def join(pilot) -> None:
        await pilot.pause()
        enter_room(session)
        room = session.state.rooms.get("lounge@conference.example.org")
        room.occupants.update({f"guest{n:02d}": Occupant(f"guest{n:02d}", Role.PARTICIPANT) for n in range(40)})
        session.emit(RoomChanged(room.jid))  # a busy room: the occupant pane scrolls
        await pilot.pause(0.05)

    assert snap_compare(_app(session), terminal_size=size, run_before=join)


def test_messages_with_a_reply_reactions_a_retraction_and_styling(snap_compare) -> None:
    """One conversation: a styled message, our question, the contact's reply to it (its quote line over it) with
    reactions under it (ours marked), and a retracted message; the reply selected (highlighted)."""
    session = FakeSession(contacts=list(CONTACTS))

    async def converse(pilot) -> None:
        await pilot.pause()
        bob = "bob@example.org"
        conversation, _ = session.state.conversations.open(bob)
        session.emit(ConversationOpened(bob, by_user=True))
        question = ChatMessage(bob, session.jid, "shall we go to the *ball* tonight?", FIXED_TIME,
                               Direction.OUT, id="q1", state=DeliveryState.DELIVERED)
        styled = ChatMessage(bob, "Bob", "the dress code is _formal_, `no jeans`\n> said the invitation",
                             FIXED_TIME + 30, id="s1")
        answer = ChatMessage(bob, "Bob", "yes! ~maybe~ *certainly*", FIXED_TIME + 60, id="a1",
                             reply_to=Reply("q1", session.jid, "shall we go to the *ball* tonight?"))
        answer.reactions = {session.jid: frozenset({"🎉"}), "carol@example.org": frozenset({"🎉", "👍"})}
        gone = ChatMessage(bob, "Bob", "", FIXED_TIME + 90, id="r1", retracted=RETRACTED)
        for message in (question, styled, answer, gone):
            conversation.add(message)
            session.emit(MessageAdded(message))
        await pilot.pause(0.05)
        await pilot.press("alt+up", "up")
        await pilot.pause(0.05)

    assert snap_compare(_app(session), terminal_size=(100, 24), run_before=converse)
