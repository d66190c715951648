"""The private Prosody of the tests and benchmarks: the one the demo ships (xmpptui/demo/prosody.py)."""

from __future__ import annotations

from xmpptui.demo.prosody import PLUGINS, Prosody
from xmpptui.demo.server import DOMAIN, MUC_DOMAIN, Account, RosterSeed, free_port

__all__ = ["DOMAIN", "MUC_DOMAIN", "PLUGINS", "Account", "Prosody", "RosterSeed", "free_port"]
