"""Peer accounts driven with plain slixmpp: the demo's contacts, and the other side of every end-to-end test.

The demo is no part of the client: it talks to its server as any other XMPP client would, so it uses slixmpp
itself rather than xmpptui.xmpp."""

from __future__ import annotations

import asyncio
from pathlib import Path

import slixmpp
from slixmpp.xmlstream.handler import Callback
from slixmpp.xmlstream.matcher import MatchXPath

from xmpptui.demo.server import Account, ServerAddress


class Peer:
    """A logged-in slixmpp client that records what it receives."""

    def __init__(self, server: ServerAddress, account: Account, resource: str = "peer") -> None:
        self.account = account
        self.client = slixmpp.ClientXMPP(f"{account.jid}/{resource}", account.password)
        self.client.ca_certs = Path(server.ca_file)
        self.client.roster.auto_authorize = None
        self.client.roster.auto_subscribe = False
        self.client.register_plugin("xep_0203")
        self._server = server
        self.messages: asyncio.Queue[slixmpp.Message] = asyncio.Queue()
        self.presences: asyncio.Queue[slixmpp.Presence] = asyncio.Queue()
        self.client.add_event_handler("message", self.messages.put_nowait)
        self.client.add_event_handler("message_error", self.messages.put_nowait)
        self.client.add_event_handler("presence", self.presences.put_nowait)
        self.all_messages: asyncio.Queue[slixmpp.Message] = asyncio.Queue()
        """Every message, those without a body too (receipts, markers, chat states), which slixmpp's own
        `message` event leaves out."""
        self.client.register_handler(Callback("every message", MatchXPath("{jabber:client}message"),
                                              self.all_messages.put_nowait))

    @property
    def jid(self) -> str:
        return str(self.client.boundjid)

    async def connect(self, presence: bool = True, **presence_args: object) -> Peer:
        started = asyncio.get_running_loop().create_future()
        self.client.add_event_handler("session_start", lambda _: started.done() or started.set_result(None))
        self.client.add_event_handler(
            "failed_all_auth", lambda _: started.done() or started.set_exception(RuntimeError("peer auth failed")))
        self.client.connect(self._server.host, self._server.c2s_port)
        await asyncio.wait_for(started, 15)
        await self.client.get_roster()
        if presence:
            self.client.send_presence(**presence_args)  # type: ignore[arg-type]
        return self

    async def next_message(self, timeout: float = 10.0, with_body: bool = True) -> slixmpp.Message:
        while True:
            message = await asyncio.wait_for(self.messages.get(), timeout)
            if message["body"] or not with_body or message["type"] == "error":
                return message

    async def presence_from(self, jid: str, timeout: float = 10.0, available: bool | None = None) -> slixmpp.Presence:
        """The next presence whose sender's bare JID is `jid` (and, if given, of that availability)."""
        while True:
            presence = await asyncio.wait_for(self.presences.get(), timeout)
            if presence["from"].bare != jid:
                continue
            if available is None or available == (presence["type"] != "unavailable"):
                return presence

    async def disconnect(self) -> None:
        if self.client.transport is not None:
            await self.client.disconnect(wait=1.0)
