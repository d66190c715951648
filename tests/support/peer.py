"""Peer accounts driven with plain slixmpp: the demo's (xmpptui/demo/peer.py), the other side of every test."""

from __future__ import annotations

from xmpptui.demo.peer import Peer

__all__ = ["Peer"]
