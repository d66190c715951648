"""The inbound router's first half: every incoming message or presence is classified here, once, into one typed
value naming the service it is for. Who may send what is decided here too (a room's stanzas only from a room we
are in or joining, our own PEP nodes and carbons only from our own account, nothing from a blocked JID), so
each service receives only what it may believe. The façade (`session.py`) hands each value to its service."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from slixmpp import Message
from slixmpp import Presence as PresenceStanza

from xmpptui.model import jid as jids
from xmpptui.model.conversation import MessageKind
from xmpptui.model.room import Room
from xmpptui.model.state import ClientState
from xmpptui.xmpp.stanzas import muc, pep, translate

log = logging.getLogger(__name__)

_CARBONS_NS = "urn:xmpp:carbons:2"


@dataclass(frozen=True)
class PepChange:
    """A change to one of our own PEP nodes (bookmarks, read positions), from our own account."""
    change: pep.NodeChange


@dataclass(frozen=True)
class RoomMessage:
    room: Room
    stanza: Message


@dataclass(frozen=True)
class RoomPresence:
    room: Room
    stanza: PresenceStanza


@dataclass(frozen=True)
class Invitation:
    invitation: muc.Invitation


@dataclass(frozen=True)
class Carbon:
    """A copy of a message another client of ours sent or received (XEP-0280), from our own bare JID."""
    stanza: Message
    sent: bool


@dataclass(frozen=True)
class Chat:
    """A one-to-one message (a body, or only receipts, markers and chat states) from `bare_jid`."""
    bare_jid: str
    incoming: translate.IncomingMessage


@dataclass(frozen=True)
class Bounce:
    """An error about a message (ours, perhaps) from `bare_jid`."""
    bare_jid: str
    incoming: translate.IncomingMessage


@dataclass(frozen=True)
class Subscription:
    """`subscribe`, `unsubscribe`, `subscribed` or `unsubscribed` (RFC 6121 3)."""
    stanza: PresenceStanza
    kind: str


@dataclass(frozen=True)
class PresenceError:
    stanza: PresenceStanza


@dataclass(frozen=True)
class ContactPresence:
    """Available or unavailable presence from anyone but a room (the presence service decides whose counts)."""
    stanza: PresenceStanza


@dataclass(frozen=True)
class Ignored:
    why: str


InboundMessage = PepChange | RoomMessage | Invitation | Carbon | Chat | Bounce | Ignored
InboundPresence = RoomPresence | Subscription | PresenceError | ContactPresence


def classify_message(stanza: Message, state: ClientState, now: float) -> InboundMessage:
    """What an incoming message is (archive results are taken before, by the query that asked for them)."""
    sender = stanza.xml.get("from", "")
    change = pep.node_change(stanza.xml)
    if change is not None:
        if sender.lower() != state.jid:
            log.warning("PEP notification for %r from %r ignored: not from our own account", change.node, sender)
            return Ignored("PEP notification not from our own account")
        return PepChange(change)
    room = state.rooms.get(jids.bare(sender))
    if room is not None:
        return RoomMessage(room, stanza)
    invitation = muc.invitation(stanza)
    if invitation is not None:
        return Invitation(invitation)
    for element, sent in (("received", False), ("sent", True)):
        if stanza.xml.find(f"{{{_CARBONS_NS}}}{element}") is not None:
            if jids.bare(sender) == state.jid and "/" not in sender:
                return Carbon(stanza, sent)
            # CVE-2017-5589: only our own server, speaking for our bare JID, may hand us carbons.
            log.warning("carbon from %r dropped", sender)
    incoming = translate.incoming_message(stanza, now, archive=state.jid)
    if incoming is None:
        return Ignored("not a message we can read")
    bare_jid = jids.bare(incoming.sender)
    if not bare_jid or bare_jid == state.jid:
        return Ignored("from our own account")  # carbons and self-messages are handled elsewhere
    if bare_jid in state.blocked:
        return Ignored("from a blocked JID")  # XEP-0191: the server drops these too; nothing reaches the UI
    if incoming.kind is MessageKind.GROUPCHAT:
        log.debug("groupchat message outside a joined room ignored")
        return Ignored("groupchat outside a joined room")
    if incoming.kind is MessageKind.ERROR:
        return Bounce(bare_jid, incoming)
    return Chat(bare_jid, incoming)


def classify_presence(stanza: PresenceStanza, state: ClientState) -> InboundPresence:
    room = state.rooms.get(jids.bare(stanza.xml.get("from", "")))
    if room is not None:
        return RoomPresence(room, stanza)
    kind = stanza.xml.get("type", "available")
    if kind == "error":
        return PresenceError(stanza)
    if kind in ("subscribe", "unsubscribe", "subscribed", "unsubscribed"):
        return Subscription(stanza, kind)
    return ContactPresence(stanza)
