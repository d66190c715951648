"""Room moderation (XEP-0425) as a user does it, against each private server: the real app, logged in, selects
someone's line (Alt+Up), presses `m`, gives a reason and confirms; the other occupants' plain slixmpp clients get
the room's notice and the line reads "removed by a moderator (reason)". A room that offers no moderation (by its
disco#info, whatever the server) is refused in words on screen, and the line stays."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.e2e.helpers import SIZE, log_lines, logged_in, make_app, until
from tests.e2e.test_messaging import held, offers_moderation, peer, removal_seen_by, send
from tests.e2e.test_rooms import joined, new_room, notified, peer_join, typed
from tests.support.peer import Peer
from tests.support.server import XmppServer
from tests.ui.terminal_keys import press
from xmpptui.storage.history import History
from xmpptui.ui.shared.dialogs import ConfirmScreen, PromptScreen

SPAM = "cheap watches at spam.example"


@pytest.mark.timeout(90)
async def test_a_moderator_removes_a_line_with_m_and_everyone_sees_it_removed(
        server: XmppServer, peers: list[Peer], tmp_path: Path) -> None:
    alice, bob, carol = server.register(), server.register(), server.register()
    room = new_room()
    plain_bob = await peer(server, peers, bob)
    plain_carol = await peer(server, peers, carol)
    history = History(tmp_path / "history.sqlite3")
    app = make_app(server, alice, history=history)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await logged_in(pilot)
            await typed(pilot, f"/join {room}")
            await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="asked whether to create it")
            await press(pilot, "y")  # (a new room: alice owns it, so she is a moderator)
            await joined(pilot, room)
            session = app.session
            assert session is not None
            await until(pilot, lambda: session.state.rooms.get(room).features, what="the room's features")  # type: ignore[union-attr]
            await peer_join(plain_bob, room, "bob")
            await peer_join(plain_carol, room, "carol")
            send(plain_bob, room, SPAM, "groupchat")
            await until(pilot, lambda: any(SPAM in line for line in log_lines(app, room)), what="bob's line shown")
            line = held(session, room, SPAM)
            assert line.stanza_id, "the room names its messages (XEP-0359)"

            # Escape at the confirmation removes nothing.
            await press(pilot, "alt+up")
            await until(pilot, lambda: app.main_screen.chat_log(room).selected is line, what="bob's line selected")  # type: ignore[union-attr]
            await press(pilot, "m")
            await until(pilot, lambda: isinstance(app.screen, PromptScreen), what="m asks for a reason")
            await press(pilot, *"first try", "enter")
            await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="then asks to confirm")
            await press(pilot, "escape")
            await until(pilot, lambda: app.screen is app.main_screen, what="the confirmation refused")
            assert (line.body, line.retracted) == (SPAM, "")

            await press(pilot, "m")
            await until(pilot, lambda: isinstance(app.screen, PromptScreen), what="m asks for a reason")
            await press(pilot, *"off topic", "enter")
            await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="then asks to confirm")
            await press(pilot, "enter")

            if not offers_moderation(session, room):
                await until(pilot, lambda: notified(app, "does not offer message moderation"),
                            what="the refusal in words")
                assert (line.body, line.retracted) == (SPAM, "")
                assert any(SPAM in text for text in log_lines(app, room))
                return

            await until(pilot, lambda: any("removed by a moderator (off topic)" in text
                                           for text in log_lines(app, room)), what="the line removed on screen")
            assert not any(SPAM in text for text in log_lines(app, room)), "the text is gone from the log"
            # (the escaped request never went out: the first notice each occupant gets is this one)
            assert await removal_seen_by(plain_bob, room, line.stanza_id) == "off topic"
            assert await removal_seen_by(plain_carol, room, line.stanza_id) == "off topic"
        assert await history.search(alice.jid, "watches") == [], "the removed text left the search index"
    finally:
        await asyncio.to_thread(history.shutdown)
