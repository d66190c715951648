"""Own presence from the status bar keys and commands reaches a peer with exactly those values."""

from __future__ import annotations

from tests.e2e.helpers import SIZE, logged_in, make_app, until
from tests.support.peer import Peer
from tests.support.server import Account, XmppServer
from xmpptui.model.presence import Show
from xmpptui.ui.app import XmppTuiApp
from xmpptui.ui.main.status_bar import StatusBar
from xmpptui.ui.shared.dialogs import PromptScreen


async def _alice_watched_by_bob(server: XmppServer, peers: list[Peer]) -> tuple[Account, Peer, XmppTuiApp]:
    """Alice (the app, not yet running) and Bob (a peer, online) with mutual presence subscriptions."""
    alice, bob = server.register(), server.register()
    server.befriend(alice, bob)
    peer = await Peer(server, bob).connect()
    peers.append(peer)
    return alice, peer, make_app(server, alice)


async def test_status_bar_keys_set_show_status_and_priority(server: XmppServer, peers: list[Peer]) -> None:
    alice, peer, app = await _alice_watched_by_bob(server, peers)
    async with app.run_test(size=SIZE) as pilot:
        await logged_in(pilot)
        initial = await peer.presence_from(alice.jid, available=True)
        assert initial["show"] == ""

        await pilot.press("f4")  # away
        away = await peer.presence_from(alice.jid)
        assert away["show"] == "away"
        await until(pilot, lambda: app.session.state.own_presence.show is Show.AWAY, what="echo of away")

        await pilot.press("f8")
        await until(pilot, lambda: isinstance(app.screen, PromptScreen), what="status prompt")
        await pilot.press(*"at the ball", "enter")
        with_status = await peer.presence_from(alice.jid)
        assert (with_status["show"], with_status["status"]) == ("away", "at the ball")

        await pilot.press("f9")
        await until(pilot, lambda: isinstance(app.screen, PromptScreen), what="priority prompt")
        await pilot.press("backspace", *"200", "enter")
        error = str(app.screen.query_one("#prompt-error").render())
        assert "from -128 to 127" in error, "an out-of-range priority is refused in words"
        await pilot.press("backspace", "backspace", "backspace", *"-5", "enter")
        with_priority = await peer.presence_from(alice.jid)
        assert (with_priority["show"], with_priority["status"], with_priority["priority"]) == (
            "away", "at the ball", -5)

        await pilot.press("f6")  # dnd keeps the status text and priority
        dnd = await peer.presence_from(alice.jid)
        assert (dnd["show"], dnd["status"], dnd["priority"]) == ("dnd", "at the ball", -5)
        await until(pilot, lambda: app.session.state.own_presence.show is Show.DND, what="echo of dnd")
        bar = str(app.main_screen.query_one(StatusBar).render())
        assert "do not disturb · at the ball · priority -5" in bar
        assert "connected" in bar.split("│")[1]


async def test_status_and_priority_commands_and_going_offline(server: XmppServer, peers: list[Peer]) -> None:
    alice, peer, app = await _alice_watched_by_bob(server, peers)
    async with app.run_test(size=SIZE) as pilot:
        await logged_in(pilot)
        await peer.presence_from(alice.jid, available=True)
        await pilot.press(*"/status xa gone fishing", "enter")
        xa = await peer.presence_from(alice.jid)
        assert (xa["show"], xa["status"]) == ("xa", "gone fishing")
        await pilot.press(*"/priority 12", "enter")
        prio = await peer.presence_from(alice.jid)
        assert (prio["show"], prio["status"], prio["priority"]) == ("xa", "gone fishing", 12)
        await pilot.press(*"/status chat", "enter")
        chat = await peer.presence_from(alice.jid)
        assert (chat["show"], chat["status"]) == ("chat", "")
        await pilot.press("f7")  # go offline
        gone = await peer.presence_from(alice.jid)
        assert gone["type"] == "unavailable"
        await until(pilot, lambda: app.session.state.own_presence.show is Show.OFFLINE, what="offline shown")
        await pilot.press("f2")
        back = await peer.presence_from(alice.jid)
        assert back["type"] == "available" and back["priority"] == 12


async def test_quit_command_logs_out(server: XmppServer, peers: list[Peer]) -> None:
    alice, peer, app = await _alice_watched_by_bob(server, peers)
    async with app.run_test(size=SIZE) as pilot:
        await logged_in(pilot)
        await peer.presence_from(alice.jid, available=True)
        await pilot.press(*"/quit", "enter")
        gone = await peer.presence_from(alice.jid)
        assert gone["type"] == "unavailable"
        await until(pilot, lambda: not app.is_running, what="app exits")
