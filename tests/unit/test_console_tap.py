"""What the real client hands the XML console's tap for a received stanza: a small one exactly as slixmpp
serialises it; a large one (a 5,000-contact roster) from its first elements, with a comment saying how many it
had, and never the whole (memory at a big login, #20)."""

from __future__ import annotations

import asyncio

from slixmpp.xmlstream import ET
from slixmpp.xmlstream.tostring import tostring

from xmpptui.config import Account
from xmpptui.xmpp.console import indent
from xmpptui.xmpp.transport.client import Client
from xmpptui.xmpp.transport.tap import TAP_ELEMENTS


def _roster(items: int) -> ET.Element:
    body = "".join(f"<item jid='c{n}@example.org' name='C &amp; {n}'><group>G</group></item>" for n in range(items))
    return ET.fromstring(f"<iq xmlns='jabber:client' type='result' id='r1'>"
                         f"<query xmlns='jabber:iq:roster' ver='v1'>{body}</query></iq>")


async def _tapped(xml: ET.Element) -> tuple[Client, list[str]]:
    client = Client(Account(jid="alice@example.org"), "pw", asyncio.get_running_loop())
    seen: list[str] = []
    client.stanza_tap = lambda outgoing, text: seen.append(text)
    assert client.incoming_filter(xml) is xml, "the stanza itself goes on untouched"
    return client, seen


async def test_a_small_stanza_is_tapped_whole_as_slixmpp_writes_it() -> None:
    xml = _roster(10)
    client, (text,) = await _tapped(xml)
    assert text == tostring(xml, xmlns=client.default_ns, stream=client, top_level=True)


async def test_a_large_stanza_is_tapped_from_its_first_elements_and_says_so() -> None:
    xml = _roster(5_000)  # iq + query + 5,000 x (item + group)
    _, (text,) = await _tapped(xml)
    assert text.startswith(f"<!-- the first {TAP_ELEMENTS} of its 10,002 elements -->")
    assert "c0@example.org" in text and "C &amp; 0" in text, "its head, escaped as ever"
    assert "c4999@example.org" not in text
    assert text.count("<item ") == (TAP_ELEMENTS - 2 + 1) // 2, "elements in document order up to the budget"
    assert len(text) < 64 * 1024
    assert len(xml[0]) == 5_000, "the received stanza keeps every item"
    assert indent(text).splitlines()[0].startswith("<!-- the first"), "the console shows the note first"
