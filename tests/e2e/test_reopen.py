"""Conversations and rooms open when the app quit come back at the next start (same data dir): in the same
order, the room joined again, the conversation that was on screen on screen."""

from __future__ import annotations

import stat
from pathlib import Path

from tests.e2e.helpers import SIZE, friends, logged_in, make_app, until
from tests.e2e.test_rooms import joined, new_room, peer_in_room, typed
from tests.support.peer import Peer
from tests.support.server import XmppServer
from xmpptui.model.conversation import ConversationKind


async def test_open_chats_and_rooms_are_back_at_the_next_start(server: XmppServer, peers: list[Peer],
                                                               isolated_dirs: Path) -> None:
    alice, bob, _bob_peer = await friends(server, peers)
    room = new_room()
    await peer_in_room(server, peers, server.register(), room, "carol")  # (keeps the room there while we are away)
    stranger = f"someone.{room.split('@')[0]}@localhost"
    app = make_app(server, alice)
    async with app.run_test(size=SIZE) as pilot:
        await logged_in(pilot)
        await typed(pilot, f"/join {room}/alicia")
        await joined(pilot, room)
        await typed(pilot, f"/chat {bob.jid}")
        await until(pilot, lambda: app.main_screen.active == bob.jid, what="bob's chat on screen")
        await typed(pilot, f"/chat {stranger}")
        await until(pilot, lambda: app.main_screen.active == stranger)
        await typed(pilot, f"/chat {bob.jid}")  # bob's chat is the one on screen at the quit
        await until(pilot, lambda: app.main_screen.active == bob.jid)
        await pilot.press("ctrl+q")
        await until(pilot, lambda: not app.is_running, what="quit")

    (saved,) = (isolated_dirs / "data").rglob("open-conversations-*.json")
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    assert alice.password not in saved.read_text()

    again = make_app(server, alice)
    async with again.run_test(size=SIZE) as pilot:
        await logged_in(pilot)
        await joined(pilot, room)
        state = again.session.state
        assert [(c.jid, c.kind) for c in state.conversations] == [
            (room, ConversationKind.GROUPCHAT), (bob.jid, ConversationKind.CHAT), (stranger, ConversationKind.CHAT)]
        assert state.rooms.get(room).nick == "alicia", "under the nick we had"
        await until(pilot, lambda: "carol" in state.rooms.get(room).occupants, what="the room's occupants")
        await until(pilot, lambda: again.main_screen.active == bob.jid, what="the chat that was on screen")
        await until(pilot, lambda: all(again.main_screen.chat_log(jid) is not None for jid in (room, stranger)),
                    what="every reopened conversation has its log")
