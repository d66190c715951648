"""HardenedSCRAM computes what slixmpp's SCRAM computes, with the registry pointing at it."""

from __future__ import annotations

from slixmpp.util.sasl import client as sasl_client
from slixmpp.util.sasl import mechanisms

from xmpptui.xmpp import sasl


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
