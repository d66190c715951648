"""Pure functions from slixmpp stanzas to model values. No stanza object passes beyond this module.

Each function returns None for a stanza it cannot make sense of (and logs why), so that malformed
remote data drops that stanza only, never the session.
"""

from __future__ import annotations

import functools
import logging
import sys
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from slixmpp import JID, Iq, Message
from slixmpp import Presence as PresenceStanza
from slixmpp.jid import InvalidJID

from xmpptui.model.conversation import Attachment, MessageKind, Reply
from xmpptui.model.presence import PRIORITY_MAX, PRIORITY_MIN, Presence, Show
from xmpptui.model.roster import Contact, Subscription
from xmpptui.xmpp.stanzas import messaging
from xmpptui.xmpp.stanzas.files import attachment_of

log = logging.getLogger(__name__)

_SHOWS = {"chat": Show.CHAT, "away": Show.AWAY, "xa": Show.XA, "dnd": Show.DND}
_KINDS = {
    "chat": MessageKind.CHAT,
    "normal": MessageKind.NORMAL,
    "": MessageKind.NORMAL,
    "groupchat": MessageKind.GROUPCHAT,
    "headline": MessageKind.HEADLINE,
    "error": MessageKind.ERROR,
}
_MAX_FUTURE_SKEW = 300.0
"""A delay stamp later than now by more than this is not believed (it would reorder history)."""
_EARLIEST_STAMP = datetime(1999, 1, 1, tzinfo=UTC).timestamp()
"""A delay stamp before Jabber existed is not believed either: a contact's client (whose clock or code is
wrong, or which lies) could otherwise file a message in year 1, above everything in the conversation."""


def roster_items(iq: Iq) -> tuple[list[Contact], str | None]:
    """Contacts in a `jabber:iq:roster` result or push, and the roster version if any."""
    contacts = []
    query = iq["roster"]
    for item in query.xml.findall("{jabber:iq:roster}item"):
        contact = roster_item(item)
        if contact is not None:
            contacts.append(contact)
    return contacts, query["ver"]


def roster_item(item) -> Contact | None:  # item: xml.etree Element
    """One roster <item>'s contact; None (logged) for an item without a valid bare JID."""
    try:
        jid = JID(item.get("jid", ""))
    except InvalidJID:
        log.warning("roster item with an invalid JID dropped")
        return None
    if not jid.bare or jid.resource:
        log.warning("roster item without a bare JID dropped")
        return None
    try:
        subscription = Subscription(item.get("subscription", "none"))
    except ValueError:
        subscription = Subscription.NONE
    # Interned: a group's name is one string however many contacts are in it, not one per contact (5,000 at a
    # big roster's login, #20).
    names = dict.fromkeys(sys.intern((g.text or "").strip()) for g in item.findall("{jabber:iq:roster}group"))
    return Contact(
        jid=jid.bare,
        name=(item.get("name") or "").strip(),
        groups=_shared_groups(tuple(name for name in names if name)),
        subscription=subscription,
        pending_out=item.get("ask") == "subscribe",
    )


@functools.lru_cache(maxsize=256)
def _shared_groups(groups: tuple[str, ...]) -> tuple[str, ...]:
    """One tuple for the contacts in the same groups, not one per contact (a big roster has few group sets, #20)."""
    return groups


@dataclass(frozen=True, slots=True)
class PresenceUpdate:
    bare: str
    resource: str
    presence: Presence


def presence_update(stanza: PresenceStanza) -> PresenceUpdate | None:
    """An availability presence (available or unavailable) as a model value; None for other types."""
    try:
        sender = stanza["from"]
    except InvalidJID:
        log.warning("presence with an invalid from dropped")
        return None
    kind = stanza.xml.get("type", "available")
    if kind not in ("available", "unavailable"):
        return None
    if kind == "unavailable":
        return PresenceUpdate(sender.bare, sender.resource, Presence(Show.OFFLINE, _text(stanza, "status")))
    show = _SHOWS.get(_text(stanza, "show"), Show.ONLINE)
    return PresenceUpdate(sender.bare, sender.resource, Presence(show, _text(stanza, "status"), _priority(stanza)))


def _text(stanza, name: str) -> str:
    element = stanza.xml.find(f"{{{stanza.namespace}}}{name}")
    return (element.text or "").strip() if element is not None else ""


def _priority(stanza) -> int:
    raw = _text(stanza, "priority")
    try:
        return max(PRIORITY_MIN, min(PRIORITY_MAX, int(raw))) if raw else 0
    except ValueError:
        log.warning("presence with a non-numeric priority: treated as 0")
        return 0


RECEIPTS_NS = "urn:xmpp:receipts"
MARKERS_NS = "urn:xmpp:chat-markers:0"
CHAT_STATES_NS = "http://jabber.org/protocol/chatstates"
CORRECTION_NS = "urn:xmpp:message-correct:0"
STANZA_ID_NS = "urn:xmpp:sid:0"
CHAT_STATES = frozenset({"active", "composing", "paused", "inactive", "gone"})


@dataclass(frozen=True, slots=True)
class IncomingMessage:
    sender: str
    """Full JID as sent (may be bare)."""
    kind: MessageKind
    body: str
    id: str
    thread: str
    timestamp: float
    delayed: bool
    error: str
    stanza_id: str = ""
    """XEP-0359 id given by `archive` (the only `by` we believe: our own server or the room)."""
    receipt_requested: bool = False
    """XEP-0184 `<request/>`."""
    received: str = ""
    """XEP-0184 `<received id=.../>`: our message with that id was delivered."""
    displayed: str = ""
    """XEP-0333 `<displayed id=.../>`: our messages up to that id were read."""
    markable: bool = False
    chat_state: str = ""
    """XEP-0085: one of CHAT_STATES, or empty."""
    replaces: str = ""
    """XEP-0308 `<replace id=.../>`: this corrects the sender's message with that id."""
    attachment: Attachment | None = None
    """The file it shares (XEP-0447, SIMS or XEP-0066), checked."""
    about: messaging.About | None = None
    """Reactions or a retraction about another message (then `body` is empty: a fallback is not shown)."""
    reply: Reply | None = None
    """What it answers (XEP-0461); `body` is without the fallback quote."""
    occupant_id: str = ""
    """XEP-0421, as the room put it (believed only where the room offers it)."""
    removed: str = ""
    """Without a body, a tombstone an archive keeps in a removed message's place: the words shown instead."""


def incoming_message(stanza: Message, now: float | None = None, archive: str = "") -> IncomingMessage | None:
    """`archive`: the JID whose XEP-0359 stanza-id we trust (our bare JID for 1:1, the room for groupchat)."""
    try:
        sender = stanza["from"]
    except InvalidJID:
        log.warning("message with an invalid from dropped")
        return None
    now = time.time() if now is None else now
    stamp = delay_stamp(stanza, now)
    kind = _KINDS.get(stanza.xml.get("type", "normal"), MessageKind.NORMAL)
    xml = stanza.xml
    state = next((child.tag.split("}", 1)[1] for child in xml if child.tag.startswith(f"{{{CHAT_STATES_NS}}}")), "")
    about = messaging.about(xml)
    # (the fallback's offsets count in the body as sent: it is cut before the text is trimmed)
    reply, body = messaging.reply(xml, "" if about is not None else xml.findtext("{jabber:client}body") or "")
    return IncomingMessage(
        sender=str(sender),
        kind=kind,
        body=body.strip(),
        id=xml.get("id", ""),
        thread=_text(stanza, "thread"),
        timestamp=now if stamp is None else stamp,
        delayed=stamp is not None,
        error=error_text(stanza) if kind is MessageKind.ERROR else "",
        stanza_id=stanza_id(stanza, archive) if archive else "",
        receipt_requested=xml.find(f"{{{RECEIPTS_NS}}}request") is not None,
        received=_attribute(xml, f"{{{RECEIPTS_NS}}}received", "id"),
        displayed=_attribute(xml, f"{{{MARKERS_NS}}}displayed", "id"),
        markable=xml.find(f"{{{MARKERS_NS}}}markable") is not None,
        chat_state=state if state in CHAT_STATES else "",
        replaces=_attribute(xml, f"{{{CORRECTION_NS}}}replace", "id"),
        attachment=attachment_of(xml),
        about=about,
        reply=reply,
        occupant_id=messaging.occupant_id(xml),
        removed="" if body.strip() or about is not None else messaging.removed(xml),
    )


def _attribute(xml, path: str, name: str) -> str:  # xml: xml.etree Element
    element = xml.find(path)
    return (element.get(name) or "").strip() if element is not None else ""


def stanza_id(stanza: Message, archive: str) -> str:
    """The XEP-0359 `<stanza-id/>` added by `archive`; ids claimed by anyone else are ignored (a sender can
    put any stanza-id in its message, and would otherwise make us drop a real message as a duplicate)."""
    for element in stanza.xml.findall(f"{{{STANZA_ID_NS}}}stanza-id"):
        if element.get("by", "").lower() == archive.lower():
            return (element.get("id") or "").strip()
    return ""


def forwarded_message(stanza: Message, element: str) -> Message | None:
    """The message inside a carbon's `<received/>` or `<sent/>` (XEP-0280), or None if malformed."""
    try:
        inner = stanza[element]
    except (InvalidJID, KeyError, ValueError):
        return None
    if not isinstance(inner, Message):
        return None
    return inner if inner.xml.find("{jabber:client}body") is not None or messaging.about(inner.xml) else None


MAM_NS = "urn:xmpp:mam:2"
_FORWARD_NS = "urn:xmpp:forward:0"
_MUC_USER_NS = "http://jabber.org/protocol/muc#user"


@dataclass(frozen=True, slots=True)
class ArchivedMessage:
    """One result of a MAM query (XEP-0313), already checked to come from the archive we asked."""

    query_id: str
    archive_id: str
    message: IncomingMessage
    """The archived message; its timestamp is the archive's, its stanza_id the archive id."""
    to: str
    """The archived message's `to` (the peer, when it is one we sent)."""
    through_room: bool = False
    """It carries muc#user `<x/>`: a private message with a room occupant (XEP-0045 7.5), whose peer is the
    occupant's room JID (room@service/nick), not the room's bare JID."""


def archive_result(stanza: Message, archive: str, query_ids: frozenset[str] | set[str],
                   now: float | None = None) -> ArchivedMessage | None:
    """A MAM result for one of our `query_ids` from `archive` (our bare JID, or a room). Anything else, such as
    a result any other entity sends to make us believe in a message that never was, is None."""
    result = stanza.xml.find(f"{{{MAM_NS}}}result")
    if result is None:
        return None
    sender = stanza.xml.get("from", "")
    if sender and sender.lower() != archive.lower():
        log.warning("MAM result from %r instead of %r dropped", sender, archive)
        return None
    query_id, archive_id = result.get("queryid", ""), result.get("id", "")
    if query_id not in query_ids or not archive_id:
        log.warning("MAM result for a query we did not send (%r) dropped", query_id)
        return None
    forwarded = result.find(f"{{{_FORWARD_NS}}}forwarded")
    inner = forwarded.find("{jabber:client}message") if forwarded is not None else None
    if inner is None:
        return None
    now = time.time() if now is None else now
    wrapped = Message(xml=inner)
    incoming = incoming_message(wrapped, now)
    if incoming is None:
        return None
    stamp = _stamp(forwarded.find("{urn:xmpp:delay}delay"), now)
    timestamp = incoming.timestamp if stamp is None else stamp
    return ArchivedMessage(query_id, archive_id, replace(incoming, timestamp=timestamp, delayed=True,
                                                         stanza_id=archive_id), inner.get("to", ""),
                           inner.find(f"{{{_MUC_USER_NS}}}x") is not None)


def delay_stamp(stanza: Message, now: float) -> float | None:
    """The XEP-0203 original time, or None when absent, unparsable, implausibly in the future or before 1999
    (then the receive time stands)."""
    return _stamp(stanza.xml.find("{urn:xmpp:delay}delay"), now)


def _stamp(element, now: float) -> float | None:  # element: xml.etree Element or None
    if element is None:
        return None
    raw = element.get("stamp", "")
    try:
        parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        log.warning("unparsable delay stamp ignored")
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    value = parsed.timestamp()
    return value if _EARLIEST_STAMP <= value <= now + _MAX_FUTURE_SKEW else None


_ERROR_NS = "urn:ietf:params:xml:ns:xmpp-stanzas"
_CONDITION_WORDS = {
    "service-unavailable": "recipient is unavailable or does not accept this",
    "recipient-unavailable": "recipient is offline",
    "item-not-found": "no such user or item",
    "remote-server-not-found": "the recipient's server could not be found",
    "remote-server-timeout": "the recipient's server did not answer",
    "not-authorized": "not authorised",
    "forbidden": "not allowed",
    "not-allowed": "not allowed",
    "feature-not-implemented": "not supported by the recipient",
    "bad-request": "the request was malformed",
    "jid-malformed": "the address is not a valid JID",
    "resource-constraint": "the server is too busy",
    "policy-violation": "rejected by the server's policy",
    "internal-server-error": "the server hit an internal error",
    "conflict": "conflict",
    "gone": "the address no longer exists",
}


def error_text(stanza: Message | Iq | PresenceStanza) -> str:
    """`<error type=...><condition/><text/></error>` in words, e.g. `service-unavailable: recipient is offline`."""
    error = stanza.xml.find(f"{{{stanza.namespace}}}error")
    if error is None:
        return "unknown error"
    condition = ""
    text = ""
    for child in error:
        if not child.tag.startswith(f"{{{_ERROR_NS}}}"):
            continue
        name = child.tag.split("}", 1)[1]
        if name == "text":
            text = (child.text or "").strip()
        elif not condition:
            condition = name
    condition = condition or "undefined-condition"
    return f"{condition}: {text or _CONDITION_WORDS.get(condition, error.get('type', 'error'))}"
