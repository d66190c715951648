"""Helpers for the contact e2e tests: the server's view of a roster and block list, raw stanzas."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from slixmpp.xmlstream.handler import Callback
from slixmpp.xmlstream.matcher import MatchXPath

from tests.support.peer import Peer
from tests.support.server import Account, XmppServer


@dataclass(frozen=True)
class ServerItem:
    name: str
    subscription: str
    groups: tuple[str, ...]
    ask: bool


async def server_roster(server: XmppServer, account: Account, peers: list[Peer]) -> dict[str, ServerItem]:
    """A fresh `jabber:iq:roster` get, as the server holds `account`'s roster now (another resource)."""
    peer = await Peer(server, account, resource="roster-check").connect(presence=False)
    peers.append(peer)
    return await roster_of(peer)


async def roster_of(peer: Peer) -> dict[str, ServerItem]:
    iq = peer.client.make_iq_get(queryxmlns="jabber:iq:roster")
    result = await iq.send(timeout=10)
    items = {}
    for item in result.xml.findall("{jabber:iq:roster}query/{jabber:iq:roster}item"):
        groups = tuple(sorted((g.text or "") for g in item.findall("{jabber:iq:roster}group")))
        items[item.get("jid")] = ServerItem(item.get("name") or "", item.get("subscription", "none"), groups,
                                            item.get("ask") == "subscribe")
    return items


async def server_blocklist(peer: Peer) -> set[str]:
    iq = peer.client.make_iq_get()
    iq.xml.append(iq.xml.makeelement("{urn:xmpp:blocking}blocklist", {}))
    result = await iq.send(timeout=10)
    return {item.get("jid") for item in result.xml.iter("{urn:xmpp:blocking}item")}


async def presence_of_type(peer: Peer, sender: str, kind: str, timeout: float = 10.0):  # -> slixmpp Presence
    """The next presence of type `kind` from bare JID `sender`, skipping others."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        left = deadline - asyncio.get_running_loop().time()
        presence = await peer.presence_from(sender, timeout=max(0.1, left))
        if presence.xml.get("type", "available") == kind:
            return presence


def record_iqs(peer: Peer) -> asyncio.Queue:
    replies: asyncio.Queue = asyncio.Queue()
    peer.client.register_handler(Callback("recorded iq", MatchXPath("{jabber:client}iq"), replies.put_nowait))
    return replies
