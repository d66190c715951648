"""Notifications end to end: a peer's message over a real server into a conversation that is not on screen is
written to the terminal as a notification (and counted in the title); nothing while we are dnd; in a room only
a message that names us, until /notify all."""

from __future__ import annotations

import re

import pytest

from tests.e2e.helpers import SIZE, bodies, friends, logged_in, make_app, until
from tests.e2e.test_rooms import joined, new_room, peer_in_room, say, typed
from tests.support.peer import Peer
from tests.support.server import XmppServer
from xmpptui.config import Config
from xmpptui.model.presence import Show

_OSC777 = re.compile("\x1b\\]777;notify;([^;\x07]*);([^\x07]*)\x07")


def notifications(written: list[str]) -> list[tuple[str, str]]:
    return [match.groups() for data in written for match in _OSC777.finditer(data)]


@pytest.fixture(autouse=True)
def _plain_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """No desktop session, a plain terminal, not over SSH, outside tmux: "auto" picks OSC 777."""
    for name in ("DBUS_SESSION_BUS_ADDRESS", "SSH_CONNECTION", "SSH_TTY", "TMUX", "TERM_PROGRAM", "KITTY_WINDOW_ID",
                 "WT_SESSION", "ConEmuPID"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")


async def test_a_message_in_a_background_conversation_notifies_and_nothing_does_in_dnd(
        server: XmppServer, peers: list[Peer]) -> None:
    alice, bob, peer = await friends(server, peers)
    app = make_app(server, alice, config=Config())
    written: list[str] = []
    app.write_terminal = written.append
    async with app.run_test(size=SIZE) as pilot:
        await logged_in(pilot)
        await pilot.press(*"/chat someone@localhost", "enter")
        await until(pilot, lambda: app.main_screen.active == "someone@localhost", what="another conversation")

        peer.client.make_message(mto=alice.jid, mbody="lunch at noon?", mtype="chat").send()
        await until(pilot, lambda: notifications(written) == [("Bob", "lunch at noon?")], what="the notification")
        await until(pilot, lambda: app.title == "(1) xmpptui", what="the unread count in the title")
        assert "\x1b]2;(1) xmpptui\x07" in written

        await pilot.press("f6")  # do not disturb
        await until(pilot, lambda: app.session.state.own_presence.show is Show.DND, what="dnd echoed by the server")
        peer.client.make_message(mto=alice.jid, mbody="are you there?", mtype="chat").send()
        await until(pilot, lambda: "are you there?" in bodies(app, bob.jid), what="the second message")
        await until(pilot, lambda: app.title == "(2) xmpptui", what="the batch that brought it, handled")
        assert notifications(written) == [("Bob", "lunch at noon?")], "nothing notifies in dnd"


async def test_in_a_room_in_the_background_only_a_mention_notifies_until_notify_all(
        server: XmppServer, peers: list[Peer]) -> None:
    alice, bob = server.register(), server.register()
    room = new_room()
    bob_peer = await peer_in_room(server, peers, bob, room, "bob")
    app = make_app(server, alice, config=Config())
    written: list[str] = []
    app.write_terminal = written.append
    async with app.run_test(size=SIZE) as pilot:
        await logged_in(pilot)
        await typed(pilot, f"/join {room}")
        await joined(pilot, room)
        await typed(pilot, "/chat someone@localhost")
        await until(pilot, lambda: app.main_screen.active == "someone@localhost", what="another conversation")

        say(bob_peer, room, "just chatter")
        say(bob_peer, room, f"{alice.user}: are you coming?")
        await until(pilot, lambda: notifications(written) == [(f"bob in {room}", f"{alice.user}: are you coming?")],
                    what="the mention's notification")
        assert "just chatter" in bodies(app, room)

        await pilot.press("ctrl+b")  # the previous conversation: the room
        await until(pilot, lambda: app.main_screen.active == room, what="the room on screen")
        await typed(pilot, "/notify all")
        await until(pilot, lambda: app.main_screen.composer.text == "", what="/notify taken")
        await typed(pilot, "/chat someone@localhost")
        await until(pilot, lambda: app.main_screen.active == "someone@localhost")
        say(bob_peer, room, "more chatter")
        await until(pilot, lambda: notifications(written)[1:] == [(f"bob in {room}", "more chatter")],
                    what="every message now")
