"""HardenedSCRAM computes what slixmpp's SCRAM computes, with the registry pointing at it."""

from __future__ import annotations

from slixmpp.util.sasl import client as sasl_client
from slixmpp.util.sasl import mechanisms

from xmpptui.xmpp.transport import sasl


def test_install_replaces_every_scram_variant() -> None:
    sasl.install()
    for name in ("SCRAM-SHA-1", "SCRAM-SHA-1-PLUS", "SCRAM-SHA-256", "SCRAM-SHA-512-PLUS"):
        assert sasl_client.MECHANISMS[name] is sasl.HardenedSCRAM
    assert sasl_client.MECHANISMS["PLAIN"] is not sasl.HardenedSCRAM


def test_pbkdf2_matches_slixmpp_hi() -> None:
    hardened = sasl.HardenedSCRAM.__new__(sasl.HardenedSCRAM)
    original = mechanisms.SCRAM.__new__(mechanisms.SCRAM)
    import hashlib

    for mech in (hardened, original):
        mech.hash = hashlib.sha256
    assert hardened.Hi("pencil", b"salt", 4096) == original.Hi("pencil", b"salt", 4096)


def _failure(client: object, condition: str) -> object:
    from slixmpp.features.feature_mechanisms.stanza import Failure
    from slixmpp.xmlstream import ET

    return Failure(client, ET.fromstring(
        f"<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><{condition}/></failure>"))


async def _client_failing_with(condition: str) -> tuple[list[str], list[str]]:
    """Feed a SASL failure to the real client's handler: (events it sent, mechanisms it went on to try)."""
    import asyncio

    from xmpptui.config import Account
    from xmpptui.xmpp.transport.client import Client

    client = Client(Account(jid="alice@example.org"), "pw", asyncio.get_running_loop())
    plugin = client.plugin["feature_mechanisms"]
    plugin.mech = sasl_client.MECHANISMS["SCRAM-SHA-512"]
    events: list[str] = []
    tried: list[str] = []
    client.add_event_handler("failed_auth", lambda stanza: events.append(f"failed_auth:{stanza['condition']}"))
    client.add_event_handler("failed_all_auth", lambda _: events.append("failed_all_auth"))
    plugin._send_auth = lambda: tried.append("next mechanism")  # what slixmpp does to try another one
    client.disconnect = lambda *args, **kwargs: events.append("disconnect")  # type: ignore[method-assign]
    handler = next(h for h in client._XMLStream__handlers if h.name == "SASL Failure")  # type: ignore[attr-defined]
    handler.prerun(_failure(client, condition))  # as the stream does for an instream handler
    await asyncio.sleep(0)  # events are dispatched on the loop
    return events, tried


async def test_a_refused_password_is_not_tried_with_another_mechanism() -> None:
    events, tried = await _client_failing_with("not-authorized")
    assert tried == []
    assert events == ["failed_auth:not-authorized", "failed_all_auth", "disconnect"]


async def test_a_mechanism_the_server_will_not_do_makes_way_for_the_next() -> None:
    events, tried = await _client_failing_with("invalid-mechanism")
    assert tried == ["next mechanism"]
    assert "failed_all_auth" not in events and "disconnect" not in events
