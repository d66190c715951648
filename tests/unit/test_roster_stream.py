"""A large roster result is read item by item while it is parsed (#20: not held whole as XML at the login's
memory peak): the session gets the same contacts, in the same order, as from the whole stanza; a large roster push
is never taken apart; a small stanza is parsed as before."""

from __future__ import annotations

import asyncio

from slixmpp.xmlstream import ET
from slixmpp.xmlstream.handler import Callback
from slixmpp.xmlstream.matcher import MatchXPath

from xmpptui.config import Account
from xmpptui.xmpp.stanzas import translate
from xmpptui.xmpp.transport.client import Client
from xmpptui.xmpp.transport.roster_stream import STREAMED_STANZA

ROSTER = "{jabber:iq:roster}query"


def _roster(items: int, kind: str = "result") -> bytes:
    body = "".join(f"<item jid='c{n}@example.org' name='C &amp; {n}' subscription='both'><group>G{n % 7}</group>"
                   f"</item>" for n in range(items))
    bad = "<item jid='@bad'/><item jid='full@example.org/res'/>"  # dropped, with a warning, as ever
    return (f"<iq type='{kind}' id='r1' to='alice@example.org/x'><query xmlns='jabber:iq:roster' ver='v9'>"
            f"{bad}{body}{bad}</query></iq>").encode()


async def _parsed(stanza: bytes) -> tuple[Client, ET.Element]:
    """What slixmpp hands on for `stanza`, received on an open stream through the client's own reading path."""
    client = Client(Account(jid="alice@example.org"), "pw", asyncio.get_running_loop())
    seen: list = []
    client.register_handler(Callback("seen", MatchXPath("{jabber:client}iq"), seen.append))
    client.init_parser()
    client.data_received(b"<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' "
                         b"from='example.org' id='s1' version='1.0'>")
    client.data_received(stanza)
    for _ in range(10_000):
        if seen:
            break
        await asyncio.sleep(0)
    (iq,) = seen
    return client, iq


def _whole(stanza: bytes) -> list:
    iq = ET.fromstring(stanza.replace(b"<iq ", b"<iq xmlns='jabber:client' ", 1))
    return [translate.roster_item(item) for item in iq.find(ROSTER)]


async def test_a_large_roster_is_read_while_parsed_into_the_same_contacts_in_order() -> None:
    stanza = _roster(5_000)
    assert len(stanza) >= STREAMED_STANZA
    client, iq = await _parsed(stanza)
    query = iq.xml.find(ROSTER)
    assert len(query) < 100, "the items were taken out of the tree as they were parsed"
    rest, version = translate.roster_items(iq)
    contacts = client.roster_stream.take(query) + rest
    assert version == "v9"
    assert contacts == [contact for contact in _whole(stanza) if contact is not None]
    assert len(contacts) == 5_000 and contacts[0].jid == "c0@example.org" and contacts[-1].name == "C & 4999"
    assert client.roster_stream.take(query) == [], "taken once"


async def test_a_large_push_and_a_small_result_are_left_whole() -> None:
    push = _roster(5_000, kind="set")
    client, iq = await _parsed(push)
    assert len(iq.xml.find(ROSTER)) == 5_004 and client.roster_stream.take(iq.xml.find(ROSTER)) == []
    small = _roster(10)
    assert len(small) < STREAMED_STANZA
    client, iq = await _parsed(small)
    assert len(iq.xml.find(ROSTER)) == 14 and client.roster_stream.take(iq.xml.find(ROSTER)) == []
