"""A received roster stays XML under the real client: no RosterItem object per <item> (memory at a 5,000-contact
login, #20), and every contact is still read, groups and version included; a roster built to send is unchanged."""

from __future__ import annotations

import asyncio

from slixmpp import Iq
from slixmpp.stanza.roster import RosterItem
from slixmpp.xmlstream import ET

from xmpptui.config import Account
from xmpptui.xmpp.stanzas import translate
from xmpptui.xmpp.transport.client import Client


async def test_a_received_roster_holds_no_item_objects_and_is_read_whole() -> None:
    Client(Account(jid="alice@example.org"), "pw", asyncio.get_running_loop())
    items = "".join(f"<item jid='c{n}@example.org' name='C {n}' subscription='both'><group>G{n % 2}</group></item>"
                    for n in range(3))
    iq = Iq(xml=ET.fromstring(f"<iq xmlns='jabber:client' type='result' id='r1'>"
                              f"<query xmlns='jabber:iq:roster' ver='v7'>{items}</query></iq>"))
    assert not [sub for sub in iq["roster"].iterables if isinstance(sub, RosterItem)]
    contacts, version = translate.roster_items(iq)
    assert version == "v7"
    assert [(c.jid, c.name, c.groups) for c in contacts] == [
        ("c0@example.org", "C 0", ("G0",)), ("c1@example.org", "C 1", ("G1",)), ("c2@example.org", "C 2", ("G0",))]


async def test_a_roster_built_to_send_still_carries_its_items() -> None:
    Client(Account(jid="alice@example.org"), "pw", asyncio.get_running_loop())
    out = Iq()
    out["roster"]["items"] = {"bob@example.org": {"name": "Bob", "subscription": "none", "groups": ["Friends"]}}
    text = str(out)
    assert "jid=\"bob@example.org\"" in text and "<group>Friends</group>" in text
