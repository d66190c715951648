"""The caps query's fast answer (#20): for the two shapes servers send (no node; our caps node), the text written
is the reply slixmpp's own xep_0030 handler gives to the same query; hostile ids and senders are escaped; every
other query goes the normal way; the reply is counted both ways for XEP-0198 and kept, small, until acknowledged."""

from __future__ import annotations

import asyncio

import pytest
from slixmpp.jid import JID
from slixmpp.stanza import Iq
from slixmpp.xmlstream import ET
from slixmpp.xmlstream.tostring import tostring

from xmpptui.config import Account
from xmpptui.xmpp.transport import caps_answer
from xmpptui.xmpp.transport.client import Client

OWN = "alice@example.org/xmpptui"
DISCO = "http://jabber.org/protocol/disco#info"


class Wire:
    """Where the client writes: the bytes, in order (a transport that is never closing)."""

    def __init__(self) -> None:
        self.written: list[bytes] = []

    def write(self, data: bytes) -> None:
        self.written.append(data)

    def is_closing(self) -> bool:
        return False

    def get_extra_info(self, _name: str) -> None:
        return None


async def _online() -> Client:
    """A client as it is once bound and its caps announced (what the session does before its first presence)."""
    client = Client(Account(jid="alice@example.org"), "pw", asyncio.get_running_loop())
    client.boundjid = JID(OWN)
    client.event("session_bind", client.boundjid)
    await client.announce_caps()
    assert client.caps_answer is not None
    client.transport = Wire()  # type: ignore[assignment]
    client._session_started = True  # (else slixmpp holds what it sends until the session starts)
    return client


def _query(node: str | None = None, *, sender: str | None = "bob@example.org", stanza_id: str = "q1",
           to: str = OWN, inside: str = "", extra: str = "", kind: str = "get") -> ET.Element:
    attributes = f" node='{node}'" if node is not None else ""
    source = f" from='{sender}'" if sender is not None else ""
    return ET.fromstring(f"<iq xmlns='jabber:client' type='{kind}' id='{stanza_id}' to='{to}'{source}{extra}>"
                         f"<query xmlns='{DISCO}'{attributes}>{inside}</query></iq>")


async def _slixmpps_reply(client: Client, query: ET.Element) -> str:
    """What slixmpp itself sends for `query` (the fast path off): its xep_0030 handler runs as a task."""
    answer, client.caps_answer = client.caps_answer, None
    try:
        client._spawn_event(query)
        for _ in range(1000):
            if not client.waiting_queue.empty():
                break
            await asyncio.sleep(0)
        reply, _filters = client.waiting_queue.get_nowait()
    finally:
        client.caps_answer = answer
    assert isinstance(reply, Iq)
    return tostring(reply.xml, xmlns=client.default_ns, stream=client, top_level=True)


def _same_xml(first: str, second: str) -> bool:
    return ET.canonicalize(first) == ET.canonicalize(second)


@pytest.mark.parametrize("lang", [None, "en", "de"], ids=["no lang", "en", "de"])
@pytest.mark.parametrize("with_node", [False, True], ids=["no node", "our caps node"])
async def test_the_fast_reply_is_slixmpps_own(with_node: bool, lang: str | None) -> None:
    """Both shapes servers send (Prosody's PEP service asks for our caps node; a contact's client may ask with
    none), as Prosody routes them (with the asker's `xml:lang`) or not."""
    client = await _online()
    assert client.caps_answer is not None
    node = client.caps_answer.caps_node if with_node else None
    assert node is None or node.startswith("https://pypi.org/project/xmpptui/#")
    query = _query(node, extra="" if lang is None else f" xml:lang='{lang}'")
    fast = client.caps_answer.reply_to(query, OWN)
    assert fast is not None
    slow = await _slixmpps_reply(client, query)
    assert _same_xml(fast.text(), slow), (fast.text(), slow)
    assert "urn:xmpp:styling:0" in fast.text() and 'category="client"' in fast.text()
    assert (f'node="{node}"' in fast.text()) is with_node


async def test_a_query_without_a_sender_is_answered_without_to_as_slixmpp_does() -> None:
    client = await _online()
    query = _query(sender=None)
    fast = client.caps_answer.reply_to(query, OWN)  # type: ignore[union-attr]
    assert fast is not None
    assert _same_xml(fast.text(), await _slixmpps_reply(client, query))
    assert " to=" not in fast.text()


async def test_hostile_id_and_sender_are_escaped() -> None:
    client = await _online()
    hostile_id = "&quot;&gt;&lt;evil/&gt;&amp;&apos;&#10;&#9;&#13;x"
    hostile_sender = "b&apos;o&quot;b&lt;&gt;&amp;@example.org/r&#10;"
    query = _query(stanza_id=hostile_id, sender=hostile_sender)
    fast = client.caps_answer.reply_to(query, OWN)  # type: ignore[union-attr]
    assert fast is not None
    parsed = ET.fromstring(fast.text())
    assert parsed.get("id") == "\"><evil/>&'\n\t\rx" == query.get("id")
    assert parsed.get("to") == query.get("from") and parsed.get("from") is None
    assert [child.tag for child in parsed] == [f"{{{DISCO}}}query"], "one child: the answer, nothing injected"


@pytest.mark.parametrize("query", [
    _query("https://example.org/other#abc"),
    _query(inside="<x xmlns='jabber:x:data'/>"),
    _query(kind="set"),
    _query(kind="result"),
    _query(to="alice@example.org"),
    _query(to="alice@example.org/other"),
    _query(extra=" xmlns:x='urn:x' x:y='z'"),
    ET.fromstring(f"<iq xmlns='jabber:client' type='get' id='q' to='{OWN}'><query xmlns='{DISCO}'/><x/></iq>"),
    ET.fromstring(f"<iq xmlns='jabber:client' type='get' to='{OWN}'><query xmlns='{DISCO}'/></iq>"),
    ET.fromstring(f"<iq xmlns='jabber:client' type='get' id='q' to='{OWN}'>"
                  "<query xmlns='http://jabber.org/protocol/disco#items'/></iq>"),
    ET.fromstring(f"<message xmlns='jabber:client' type='get' id='q' to='{OWN}'><query xmlns='{DISCO}'/></message>"),
], ids=["other node", "other child", "set", "result", "bare JID", "other resource", "other attribute",
        "two children", "no id",
        "disco#items", "message"])
async def test_other_queries_go_the_normal_way(query: ET.Element) -> None:
    client = await _online()
    assert client.caps_answer.reply_to(query, OWN) is None  # type: ignore[union-attr]


async def test_a_fast_reply_is_written_at_once_and_counted_for_stream_management() -> None:
    client = await _online()
    management = client.plugin["xep_0198"]
    management.enabled_in = management.enabled_out = True
    management.handled, management.seq = 7, 3
    wire: Wire = client.transport  # type: ignore[assignment]
    for number in range(3):
        client._spawn_event(_query(stanza_id=f"q{number}"))
    written = b"".join(wire.written).decode()
    assert written.count("<iq type=\"result\"") == 3 and 'id="q2"' in written, "written at once, in order"
    assert client.waiting_queue.empty(), "nothing left in slixmpp's send queue"
    assert (management.handled, management.seq) == (10, 6)
    kept = [entry for _seq, entry in management.unacked_queue]
    assert [seq for seq, _entry in management.unacked_queue] == [4, 5, 6]
    assert all(isinstance(entry, caps_answer.Reply) for entry in kept), "kept as replies, not as text"
    for _ in range(1000):  # one ack request for the burst, on the next loop turn
        if any(b"<r " in data for data in wire.written):
            break
        await asyncio.sleep(0)
    assert sum(data.count(b"<r ") for data in wire.written) == 1
    # A resumed stream: slixmpp sends what is unacknowledged again.
    client.send(kept[0], use_filters=False)
    resent, _filters = client.waiting_queue.get_nowait()
    assert resent == kept[0].text()


async def test_a_query_the_fast_path_leaves_is_answered_by_slixmpp() -> None:
    client = await _online()
    reply = await _slixmpps_reply(client, _query("https://example.org/other#abc"))
    assert "item-not-found" in reply or "<error" in reply, reply
