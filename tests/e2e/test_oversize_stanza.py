"""A stanza over the client's size limit costs that stanza only (issue 14, defect 10): a stranger's oversize
message or iq is dropped and said in words, the stream stays up, what follows is shown, and the stream
management count stays right (the server neither closes the stream over a wrong ack nor replays the dropped
stanza after a resumption)."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace

import pytest
from slixmpp.xmlstream.handler import Callback
from slixmpp.xmlstream.matcher import MatchXPath

from tests.e2e.helpers import SIZE, bodies, logged_in, make_app, until
from tests.support.fault_proxy import FaultProxy
from tests.support.peer import Peer
from tests.support.server import Account as ServerAccount
from tests.support.server import XmppServer
from xmpptui.model.state import ConnectionState
from xmpptui.ui.app import XmppTuiApp

LIMIT = 64 * 1024
"""The client's limit in these tests; the servers' own (Prosody's c2s_stanza_size_limit, 256 KiB; ejabberd's
max_stanza_size here, 1 MiB) let more pass."""
BIG_BODY = "x" * (100 * 1024)


def _app(server: XmppServer, account: ServerAccount, proxy: FaultProxy) -> XmppTuiApp:
    """The app logging in through `proxy` (which counts connections: a reconnect would show) with a 64 KiB limit."""
    app = make_app(server, account)
    app._account = replace(app._account, port=proxy.port, max_stanza_bytes=LIMIT)
    return app


def _notices(app: XmppTuiApp, words: str) -> list[str]:
    return [str(notification.message) for notification in app._notifications if words in str(notification.message)]


async def test_a_strangers_oversize_message_is_dropped_alone_and_the_next_one_is_shown(
        server: XmppServer, peers: list[Peer], caplog: pytest.LogCaptureFixture) -> None:
    alice, mallory = server.register(), server.register()
    mallory_peer = await Peer(server, mallory).connect()
    peers.append(mallory_peer)
    mallory_full = str(mallory_peer.client.boundjid)
    caplog.set_level(logging.WARNING, logger="xmpptui.xmpp.transport.client")
    async with FaultProxy(server.host, server.c2s_port) as proxy:
        app = _app(server, alice, proxy)
        async with app.run_test(size=SIZE) as pilot:
            await logged_in(pilot)
            mallory_peer.client.make_message(mto=alice.jid, mbody=BIG_BODY, mtype="chat").send()
            mallory_peer.client.make_message(mto=alice.jid, mbody="after the big one", mtype="chat").send()
            await until(pilot, lambda: bodies(app, mallory.jid) == ["after the big one"], timeout=20,
                        what="the message after the oversize one")
            expected = f"a message of 100 KiB from {mallory_full} was dropped: larger than the 64 KiB limit"
            await until(pilot, lambda: _notices(app, "was dropped"), what="the drop said in words")
            assert _notices(app, "was dropped") == [expected]
            assert expected in caplog.text, "and in the log"
            # A reply goes through the same stream: the server has read our acknowledgements before it (a count
            # one too high would have made it close the stream then).
            await app.session.send_chat(mallory.jid, "got it")
            reply = await mallory_peer.next_message(timeout=10)
            assert reply["body"] == "got it"
            assert app.session.state.connection.state is ConnectionState.ONLINE
            assert proxy.connections == 1, "the stream stayed up: no reconnect"
            assert BIG_BODY not in str(app.main_screen.chat_log(mallory.jid).plain_lines())


async def test_a_dropped_iq_request_is_answered_with_an_error(server: XmppServer, peers: list[Peer]) -> None:
    alice, mallory = server.register(), server.register()
    mallory_peer = await Peer(server, mallory).connect()
    peers.append(mallory_peer)
    replies: asyncio.Queue = asyncio.Queue()
    mallory_peer.client.register_handler(Callback("big iq reply", MatchXPath("{jabber:client}iq"), replies.put_nowait))
    async with FaultProxy(server.host, server.c2s_port) as proxy:
        app = _app(server, alice, proxy)
        async with app.run_test(size=SIZE) as pilot:
            await logged_in(pilot)
            mallory_peer.client.send_raw(
                f"<iq xmlns='jabber:client' type='set' id='huge1' to='{alice.jid}/{app.session.state.resource}'>"
                f"<query xmlns='urn:example:big'>{BIG_BODY}</query></iq>")
            reply = await asyncio.wait_for(replies.get(), 10)
            assert (reply["id"], reply["type"], reply["error"]["condition"]) == ("huge1", "error", "not-acceptable")
            await until(pilot, lambda: _notices(app, "an iq of 100 KiB"), what="the drop said in words")
            assert proxy.connections == 1


async def test_after_a_cut_the_resumed_stream_does_not_replay_the_dropped_stanza(
        server: XmppServer, peers: list[Peer]) -> None:
    """The server keeps what we have not acknowledged and sends it again on resumption: counted as handled, the
    dropped message is not in that queue (nor is anything counted that never came: the resumption succeeds)."""
    alice, mallory = server.register(), server.register()
    mallory_peer = await Peer(server, mallory).connect()
    peers.append(mallory_peer)
    mallory_full = str(mallory_peer.client.boundjid)
    async with FaultProxy(server.host, server.c2s_port) as proxy:
        app = _app(server, alice, proxy)
        async with app.run_test(size=SIZE) as pilot:
            await logged_in(pilot)
            session = app.session
            mallory_peer.client.make_message(mto=alice.jid, mbody="before", mtype="chat").send()
            await until(pilot, lambda: bodies(app, mallory.jid) == ["before"], what="the first message")
            mallory_peer.client.make_message(mto=alice.jid, mbody=BIG_BODY, mtype="chat").send()
            await until(pilot, lambda: _notices(app, "was dropped"), timeout=20, what="the drop")
            proxy.cut()  # the dropped message is the last stanza the server sent on this stream
            await until(pilot, lambda: session.state.connection.state is not ConnectionState.ONLINE,
                        what="the cut noticed")
            await until(pilot, lambda: session.state.connection.state is ConnectionState.ONLINE, timeout=30,
                        what="back online")
            mallory_peer.client.make_message(mto=alice.jid, mbody="after the cut", mtype="chat").send()
            await until(pilot, lambda: bodies(app, mallory.jid) == ["before", "after the cut"], timeout=20,
                        what="the message after the cut, once")
            # Replayed, it would arrive (and be dropped again) before "after the cut". An archive catch-up after a
            # new session may fetch its archived copy, which comes from our own archive, not from mallory.
            assert len(_notices(app, f"from {mallory_full} was dropped")) == 1
            assert proxy.connections >= 2


async def test_an_oversize_message_that_came_while_we_were_away_costs_only_itself(
        server: XmppServer, peers: list[Peer]) -> None:
    """The archive catch-up and the server's offline store both hand it over again at the next login: each copy is
    dropped, the login goes on, and what came after it is shown once."""
    alice, mallory = server.register(), server.register()
    mallory_peer = await Peer(server, mallory).connect()
    peers.append(mallory_peer)
    mallory_full = str(mallory_peer.client.boundjid)
    mallory_peer.client.make_message(mto=alice.jid, mbody=BIG_BODY, mtype="chat").send()
    mallory_peer.client.make_message(mto=alice.jid, mbody="after the big one", mtype="chat").send()
    await _ping_server(mallory_peer)  # both stored before alice logs in
    async with FaultProxy(server.host, server.c2s_port) as proxy:
        app = _app(server, alice, proxy)
        async with app.run_test(size=SIZE) as pilot:
            await logged_in(pilot)
            await until(pilot, lambda: bodies(app, mallory.jid) == ["after the big one"], timeout=20,
                        what="the message after the oversize one")
            await until(pilot, lambda: _notices(app, "was dropped"), what="the drop said in words")
            # the archive's copy: its sender named, its forwarder our server (Prosody) or our own account (ejabberd)
            notice = _notices(app, "was dropped")[0]
            assert f"KiB from {mallory_full} (forwarded by " in notice
            assert notice.endswith("was dropped: larger than the 64 KiB limit")
            mallory_peer.client.make_message(mto=alice.jid, mbody="and later", mtype="chat").send()
            await until(pilot, lambda: bodies(app, mallory.jid) == ["after the big one", "and later"],
                        what="a live message after that")
            assert proxy.connections == 1


async def _ping_server(peer: Peer) -> None:
    """A round trip to the server: everything the peer sent before it has been handled by then."""
    iq = peer.client.make_iq_get(queryxmlns="urn:xmpp:ping", ito=peer.client.boundjid.domain)
    future = asyncio.get_running_loop().create_future()
    iq.send(callback=future.set_result)
    await asyncio.wait_for(future, 10)
