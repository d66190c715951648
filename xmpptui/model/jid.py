"""JID string helpers on already-validated JIDs (validation happens at the protocol border)."""

from __future__ import annotations


def bare(jid: str) -> str:
    """`user@host/res` -> `user@host` (lower-cased local and domain parts)."""
    return jid.split("/", 1)[0].lower()


def resource(jid: str) -> str:
    """The resource part of a full JID, or "" for a bare JID."""
    _, _, res = jid.partition("/")
    return res


def with_resource(bare_jid: str, res: str) -> str:
    return f"{bare_jid}/{res}" if res else bare_jid
