"""Pure functions from contact-management stanzas (subscriptions, block list, vCard, last activity) to
model values. Like translate.py: None or empty for what cannot be parsed, never an exception."""

from __future__ import annotations

import logging
from xml.etree.ElementTree import Element

from slixmpp import JID, Iq
from slixmpp import Presence as PresenceStanza
from slixmpp.jid import InvalidJID

from xmpptui.model.contacts import ClientVersion, LastActivity, PendingRequest, VCardBasics
from xmpptui.session import ContactError

log = logging.getLogger(__name__)

NICK_NS = "http://jabber.org/protocol/nick"
BLOCKING_NS = "urn:xmpp:blocking"
VCARD_NS = "vcard-temp"
LAST_NS = "jabber:iq:last"
VERSION_NS = "jabber:iq:version"
_MAX_TEXT = 1024
"""A requester's nick or status longer than this is cut: it is shown in a one-line roster row."""


def sender_bare(stanza: PresenceStanza | Iq) -> str | None:
    """The sender's bare JID (lower-cased by slixmpp's JID), or None if the `from` is invalid or absent."""
    raw = stanza.xml.get("from", "")
    if not raw:
        return None
    try:
        return JID(raw).bare or None
    except InvalidJID:
        log.warning("stanza with an invalid from dropped")
        return None


def subscription_request(stanza: PresenceStanza, now: float) -> PendingRequest | None:
    """A `subscribe` presence as a pending request (with its XEP-0172 nick and status text)."""
    bare = sender_bare(stanza)
    if bare is None:
        return None
    nick = stanza.xml.find(f"{{{NICK_NS}}}nick")
    status = stanza.xml.find(f"{{{stanza.namespace}}}status")
    return PendingRequest(bare, _clip(nick.text if nick is not None else ""),
                          _clip(status.text if status is not None else ""), now)


def _clip(text: str | None) -> str:
    return (text or "").strip()[:_MAX_TEXT]


def block_items(iq: Iq, element: str) -> list[str] | None:
    """The JIDs in a `<blocklist/>`, `<block/>` or `<unblock/>`; [] for an unblock of everything;
    None if the element is missing."""
    container = iq.xml.find(f"{{{BLOCKING_NS}}}{element}")
    if container is None:
        return None
    jids = []
    for item in container.findall(f"{{{BLOCKING_NS}}}item"):
        try:
            jid = JID(item.get("jid", ""))
        except InvalidJID:
            log.warning("block list item with an invalid JID dropped")
            continue
        if jid.full:
            jids.append(jid.full)
    return jids


def vcard_basics(iq: Iq) -> VCardBasics:
    card = iq.xml.find(f"{{{VCARD_NS}}}vCard")
    if card is None:
        return VCardBasics()
    email = card.find(f"{{{VCARD_NS}}}EMAIL/{{{VCARD_NS}}}USERID")
    return VCardBasics(full_name=_child_text(card, "FN"), nickname=_child_text(card, "NICKNAME"),
                       email=_clip(email.text if email is not None else ""),
                       note=_child_text(card, "DESC") or _child_text(card, "NOTE"))


def _child_text(card: Element, name: str) -> str:
    child = card.find(f"{{{VCARD_NS}}}{name}")
    return _clip(child.text if child is not None else "")


def last_activity(iq: Iq) -> LastActivity | None:
    query = iq.xml.find(f"{{{LAST_NS}}}query")
    if query is None:
        return None
    try:
        seconds = int(query.get("seconds", ""))
    except ValueError:
        log.warning("last activity without a number of seconds")
        return None
    return LastActivity(max(0, seconds), _clip(query.text))


def client_version(iq: Iq) -> ClientVersion | None:
    query = iq.xml.find(f"{{{VERSION_NS}}}query")
    if query is None:
        return None

    def field(name: str) -> str:
        element = query.find(f"{{{VERSION_NS}}}{name}")
        return _clip(element.text if element is not None else "")

    version = ClientVersion(field("name"), field("version"), field("os"))
    return version if version.name else None


def valid_bare_jid(text: str) -> str:
    """A JID typed by the user as a bare JID; raises ContactError in words."""
    try:
        jid = JID(text.strip())
    except InvalidJID:
        raise ContactError(f"not a valid JID: {text.strip()!r} (e.g. bob@example.org)") from None
    if not jid.bare or ("@" not in jid.bare and "." not in jid.bare and jid.bare != "localhost"):
        raise ContactError(f"not a valid JID: {text.strip()!r} (e.g. bob@example.org)")
    return jid.bare
