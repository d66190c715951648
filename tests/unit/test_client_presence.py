"""The client passes presence on to the session without keeping a roster of slixmpp's own (#20: at 5,000
contacts that roster was a node and an item, with their dicts, per contact, for the whole session)."""

from __future__ import annotations

import slixmpp

from xmpptui.config import Account
from xmpptui.passwords import Secret
from xmpptui.xmpp.transport import client as client_factory


def _presence(client: slixmpp.ClientXMPP, sender: str, ptype: str | None = None) -> slixmpp.Presence:
    presence = client.make_presence(pfrom=sender, pto="alice@example.org/xmpptui")
    if ptype:
        presence["type"] = ptype
    return presence


async def test_presence_reaches_the_session_and_builds_no_roster_of_slixmpps() -> None:
    client = client_factory.build(Account(jid="alice@example.org"), Secret("pw"))
    seen: list[tuple[str, str]] = []
    client.add_event_handler("presence", lambda presence: seen.append((str(presence["from"]), presence["type"])))
    senders = [f"contact{index}@example.org/phone" for index in range(200)]
    for sender in senders:
        client.recv_stanza(_presence(client, sender))
    client.recv_stanza(_presence(client, "dave@example.org", "subscribe"))
    client.recv_stanza(_presence(client, senders[0], "unavailable"))
    assert seen[:2] == [(senders[0], "available"), (senders[1], "available")]
    assert seen[-2:] == [("dave@example.org", "subscribe"), (senders[0], "unavailable")]
    assert len(seen) == len(senders) + 2
    assert len(list(client.roster)) <= 1  # (at most our own node, which slixmpp makes at session bind)
    assert not any(len(list(client.roster[node])) for node in list(client.roster))


async def test_a_closed_tls_transport_is_not_encrypted_and_asking_does_not_raise() -> None:
    """asyncio's TLS transport, once closed, raises on get_extra_info: logging out after the server had closed
    the stream raised AttributeError from the status line's "encrypted?" instead of going offline."""

    class ClosedTls:
        def is_closing(self) -> bool:
            return True

        def get_extra_info(self, name: str) -> object:
            raise AttributeError("'NoneType' object has no attribute '_get_extra_info'")

    client = client_factory.build(Account(jid="alice@example.org"), Secret("pw"))
    client.transport = ClosedTls()  # type: ignore[assignment]
    assert client.encrypted is False
