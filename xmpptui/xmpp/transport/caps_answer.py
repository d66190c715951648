"""CapsAnswer: our disco#info answer (XEP-0030) written from a prebuilt text, without building stanza objects.

Once we are online with a large roster, every contact's PEP service asks our caps (XEP-0115): ~5,000 disco#info
queries for a 5,000-contact roster (#20). slixmpp makes an Iq object for each, runs xep_0030's handler as a task,
builds a full reply object and queues it for the send loop, so thousands are alive at once (~5 MB at the login's
memory peak). The answer never changes within a session, so it is serialised once, by slixmpp itself (the same
steps as xep_0030's handler), and each query that has exactly the shape those services send gets that text with
its own `id`, `to` and `from`. Anything else (another node, another child, another attribute, not addressed to our
full JID) goes the normal way.
"""

from __future__ import annotations

import logging
from typing import Any
from xml.etree import ElementTree as ET

from slixmpp import Iq
from slixmpp.xmlstream.tostring import tostring

log = logging.getLogger(__name__)

SEQUENCE_MODULUS = 2 ** 32
"""XEP-0198 counts stanzas modulo 2^32."""
NS_DISCO_INFO = "http://jabber.org/protocol/disco#info"
_IQ = "{jabber:client}iq"
_QUERY = f"{{{NS_DISCO_INFO}}}query"
_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_IQ_ATTRIBUTES = frozenset({"type", "id", "to", "from", _LANG})
"""What a caps query carries (Prosody adds the asker's stream language, `xml:lang`, to what it routes)."""
_ATTRIBUTE_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;",
                                    "\t": "&#9;", "\n": "&#10;", "\r": "&#13;"})
"""Everything that would end or change a double-quoted attribute value, or be normalised away by its reader."""


def attribute(value: str) -> str:
    """`value` as a double-quoted XML attribute value, quotes included."""
    return f'"{value.translate(_ATTRIBUTE_ESCAPES)}"'


class CapsAnswer:
    """The two shapes of our answer: to a query without a node, and to one for our caps node (`node#ver`)."""

    def __init__(self, caps_node: str, plain_query: str, node_query: str) -> None:
        self.caps_node = caps_node
        """`node#ver` of the caps our presence carries: the one node answered here."""
        self._plain_query = plain_query
        self._node_query = node_query
        self.ack_asked = False
        """An ack request is on its way for the replies written since (one per loop turn)."""

    def reply_to(self, xml: ET.Element, own_jid: str) -> Reply | None:
        """The reply to `xml` if it is a plain disco#info query to `own_jid` (our full JID) for no node or our
        caps node; None for anything else, which slixmpp handles as ever."""
        if xml.tag != _IQ or len(xml) != 1 or xml.get("type") != "get" or xml.get("to") != own_jid:
            return None
        query = xml[0]
        if query.tag != _QUERY or len(query) or not _IQ_ATTRIBUTES.issuperset(xml.keys()):
            return None
        node = query.get("node")
        if query.keys() not in ([], ["node"]) or (node is not None and node != self.caps_node):
            return None
        stanza_id = xml.get("id")
        if stanza_id is None:
            return None  # (an iq must have one; slixmpp's answer to a broken one is its own business)
        return Reply(self._plain_query if node is None else self._node_query, stanza_id, xml.get("from"),
                     xml.get(_LANG))


class Reply:
    """One reply: what it takes to write it (the query's part is shared by all). XEP-0198 keeps it until the
    server acknowledges it, as this, not as text (~1.2 KB each; the server acknowledges a burst of thousands only
    once it has sent them all); `Client.send` writes it out if a resumed stream sends it again. `xml` is for those
    told of acknowledged stanzas (`stanza_acked`): an empty iq, the same for all, says it was no message of ours."""

    __slots__ = ("_lang", "_query", "_stanza_id", "_to")
    xml = ET.Element("{jabber:client}iq")

    def __init__(self, query: str, stanza_id: str, to: str | None, lang: str | None) -> None:
        self._query, self._stanza_id, self._to, self._lang = query, stanza_id, to, lang

    def text(self) -> str:
        """As slixmpp writes a reply on a client's stream: `to` the asker if it said who it is, the query's
        language kept, no `from` (the server stamps our full JID)."""
        to = "" if self._to is None else f" to={attribute(self._to)}"
        lang = "" if self._lang is None else f" xml:lang={attribute(self._lang)}"
        return f'<iq type="result" id={attribute(self._stanza_id)}{to}{lang}>{self._query}</iq>'


def send(client: Any, reply: Reply) -> None:
    """Write `reply` at once rather than through slixmpp's send queue (where thousands would wait as objects),
    counted both ways for XEP-0198 as slixmpp's filters count a stanza, in the order written. One ack request per
    loop turn covers a burst of them (the client's window of 1 would send one per reply)."""
    log.debug("disco#info query %r from %r answered from the template", reply._stanza_id, reply._to)
    management = client.plugin["xep_0198"]
    if management.enabled_in:
        management.handled = (management.handled + 1) % SEQUENCE_MODULUS
    client.send_raw(reply.text())
    if management.enabled_out:
        management.seq = (management.seq + 1) % SEQUENCE_MODULUS
        management.unacked_queue.append((management.seq, reply))
        answer = client.caps_answer
        if not answer.ack_asked:
            answer.ack_asked = True
            client.loop.call_soon(_ask_ack, client, answer)


def _ask_ack(client: Any, answer: CapsAnswer) -> None:
    answer.ack_asked = False
    management, transport = client.plugin["xep_0198"], client.transport
    if management.enabled_out and transport is not None and not transport.is_closing():
        management.request_ack()


async def prepare(client: Any) -> CapsAnswer | None:
    """Our answers for this session, serialised by slixmpp the way xep_0030's handler builds them
    (`_handle_disco_info` in slixmpp 1.17: the info for our JID and the node, the defaults filled in, the node
    named); None if it would answer otherwise (then every query goes the normal way)."""
    caps = client.plugin["xep_0115"]
    verstring = await caps.get_verstring(client.boundjid.full)
    if not verstring:
        return None
    caps_node = f"{caps.caps_node}#{verstring}"
    plain, with_node = await _query(client, None), await _query(client, caps_node)
    if plain is None or with_node is None:
        return None
    return CapsAnswer(caps_node, plain, with_node)


async def _query(client: Any, node: str | None) -> str | None:
    disco = client.plugin["xep_0030"]
    asked = client.make_iq_get(ito=client.boundjid)
    asked["disco_info"]["node"] = node or ""
    info = await disco.api["get_info"](client.boundjid, node, None, asked)
    if not info or isinstance(info, Iq):
        return None
    info = disco._fix_default_info(info)  # (the handler's own step, kept identical)
    info["node"] = node
    return tostring(info.xml)
