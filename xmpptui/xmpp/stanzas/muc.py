"""Pure functions from MUC (XEP-0045) stanzas to plain values, and MUC errors in words."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from slixmpp import Iq, Message
from slixmpp import Presence as PresenceStanza
from slixmpp.jid import JID, InvalidJID

from xmpptui.model.presence import Show
from xmpptui.model.room import Affiliation, Role, RoomListing

log = logging.getLogger(__name__)

NS_MUC = "http://jabber.org/protocol/muc"
NS_USER = "http://jabber.org/protocol/muc#user"
NS_ADMIN = "http://jabber.org/protocol/muc#admin"
NS_OWNER = "http://jabber.org/protocol/muc#owner"
NS_CONFERENCE = "jabber:x:conference"
NS_DISCO_ITEMS = "http://jabber.org/protocol/disco#items"
NS_DISCO_INFO = "http://jabber.org/protocol/disco#info"
FEATURE_MEMBERS_ONLY = "muc_membersonly"
FEATURE_PASSWORD = "muc_passwordprotected"
_NS_STANZAS = "urn:ietf:params:xml:ns:xmpp-stanzas"
_SHOWS = {"chat": Show.CHAT, "away": Show.AWAY, "xa": Show.XA, "dnd": Show.DND}

SELF_PRESENCE = "110"
NICK_CHANGED = "303"
NICK_ASSIGNED = "210"
ROOM_CREATED = "201"
KICKED = "307"
BANNED = "301"
REMOVED_AFFILIATION = "321"
REMOVED_MEMBERS_ONLY = "322"
SHUTDOWN = "332"


@dataclass(frozen=True, slots=True)
class OccupantPresence:
    room: str
    """The room's bare JID, lower-cased."""
    nick: str
    available: bool
    role: Role
    affiliation: Affiliation
    show: Show
    real_jid: str
    codes: frozenset[str]
    new_nick: str
    """With status 303 (a nick change): the nick the occupant takes."""
    reason: str
    actor: str
    """Who kicked or banned (their nick), when the room says."""
    destroyed: bool = False
    """The room was destroyed (XEP-0045 10.9); `reason` then says why, if the owner gave a reason."""


def _enum(kind: type[Role] | type[Affiliation], value: str | None, default: Role | Affiliation):  # type: ignore[no-untyped-def]
    try:
        return kind(value) if value else default
    except ValueError:
        return default


def _room_and_nick(raw: str) -> tuple[str, str] | None:
    try:
        jid = JID(raw)
    except InvalidJID:
        return None
    return (jid.bare.lower(), jid.resource) if jid.bare else None


def occupant_presence(stanza: PresenceStanza) -> OccupantPresence | None:
    """A presence from room@service/nick carrying muc#user; None for any other presence."""
    user = stanza.xml.find(f"{{{NS_USER}}}x")
    parsed = _room_and_nick(stanza.xml.get("from", ""))
    if user is None or parsed is None or not parsed[1]:
        return None
    room, nick = parsed
    item = user.find(f"{{{NS_USER}}}item")
    codes = frozenset(status.get("code", "") for status in user.findall(f"{{{NS_USER}}}status"))
    reason = actor = real_jid = new_nick = ""
    role: Role = Role.NONE
    affiliation: Affiliation = Affiliation.NONE
    if item is not None:
        role = _enum(Role, item.get("role"), Role.NONE)
        affiliation = _enum(Affiliation, item.get("affiliation"), Affiliation.NONE)
        real_jid, new_nick = item.get("jid", ""), item.get("nick", "")
        reason = (item.findtext(f"{{{NS_USER}}}reason") or "").strip()
        actor_element = item.find(f"{{{NS_USER}}}actor")
        if actor_element is not None:
            actor = actor_element.get("nick", "") or actor_element.get("jid", "")
    destroy = user.find(f"{{{NS_USER}}}destroy")
    if destroy is not None:
        reason = (destroy.findtext(f"{{{NS_USER}}}reason") or "").strip()
    available = stanza.xml.get("type", "available") != "unavailable"
    show = _SHOWS.get((stanza.xml.findtext("{jabber:client}show") or "").strip(), Show.ONLINE) if available \
        else Show.OFFLINE
    return OccupantPresence(room, nick, available, role, affiliation, show, real_jid, codes, new_nick, reason, actor,
                            destroy is not None)


def error_condition(stanza: PresenceStanza | Message) -> tuple[str, str]:
    """(condition, text) of a stanza's `<error/>`."""
    error = stanza.xml.find(f"{{{stanza.namespace}}}error")
    if error is None:
        return "undefined-condition", ""
    condition, text = "", ""
    for child in error:
        if not child.tag.startswith(f"{{{_NS_STANZAS}}}"):
            continue
        name = child.tag.split("}", 1)[1]
        if name == "text":
            text = (child.text or "").strip()
        elif not condition:
            condition = name
    return condition or "undefined-condition", text


def join_error_text(condition: str, room: str, nick: str, had_password: bool, server_text: str = "") -> str:
    """Why a room refused us, in words (XEP-0045 7.2.6-7.2.11)."""
    words = {
        "conflict": f"the nick {nick} is already in use in {room}: choose another nick",
        "not-authorized": (f"wrong password for {room}" if had_password
                           else f"{room} is password-protected: join with its password"),
        "registration-required": f"{room} is members-only and you are not a member",
        "forbidden": f"you are banned from {room}",
        "item-not-found": f"{room} does not exist (and the service does not let you create it)",
        "gone": f"{room} no longer exists: it was destroyed",
        "not-allowed": f"you may not join or create {room}",
        "service-unavailable": f"{room} is full (or it accepts no more occupants now)",
        "resource-constraint": f"{room} is full (or it accepts no more occupants now)",
        "remote-server-not-found": f"the chat service {room.partition('@')[2]} is unavailable",
        "remote-server-timeout": f"the chat service {room.partition('@')[2]} did not answer",
        "jid-malformed": f"{nick!r} is not a nick {room} accepts",
        "not-acceptable": f"{room} does not accept the nick {nick} (it may have to be your registered nick)",
    }
    text = words.get(condition, f"{room} refused the join ({condition})")
    return f"{text} ({server_text})" if server_text and condition not in ("conflict",) else text


def action_error_text(condition: str, action: str, server_text: str = "") -> str:
    """A refused moderation or subject change in words."""
    words = {
        "forbidden": f"you are not allowed to {action}",
        "not-allowed": f"you are not allowed to {action}",
        "not-authorized": f"you are not allowed to {action}",
        "item-not-found": f"could not {action}: no such occupant",
        "not-acceptable": f"could not {action}: the room did not accept it",
        "conflict": f"could not {action}: that nick is already in use",
        "bad-request": f"could not {action}: the room did not understand the request",
        "service-unavailable": f"could not {action}: the room is unavailable",
    }
    text = words.get(condition, f"could not {action} ({condition})")
    return f"{text}: {server_text}" if server_text else text


def subject(stanza: Message) -> str | None:
    """The room subject a groupchat message sets (an empty subject clears it), or None if it sets none.
    A message with a body is an ordinary message even if it also carries a subject."""
    element = stanza.xml.find("{jabber:client}subject")
    if element is None or stanza.xml.find("{jabber:client}body") is not None:
        return None
    return (element.text or "").strip()


@dataclass(frozen=True, slots=True)
class Invitation:
    room: str
    inviter: str
    reason: str
    password: str
    mediated: bool = False


def invitation(stanza: Message) -> Invitation | None:
    """A mediated (XEP-0045 7.8.2, from the room) or direct (XEP-0249) invitation, or None. A room may add
    a direct-style element to its mediated invitations: the mediated form, which names the inviter, wins."""
    sender = stanza.xml.get("from", "")
    user = stanza.xml.find(f"{{{NS_USER}}}x")
    invite = user.find(f"{{{NS_USER}}}invite") if user is not None else None
    if invite is not None and user is not None:
        parsed = _room_and_nick(sender)
        if parsed is None or parsed[1]:
            return None
        inviter = _room_and_nick(invite.get("from", ""))
        # A semi-anonymous room names the inviter by their occupant JID (room@service/nick), not a real one.
        who = "" if inviter is None else f"{inviter[0]}/{inviter[1]}" if inviter[0] == parsed[0] else inviter[0]
        return Invitation(parsed[0], who,
                          (invite.findtext(f"{{{NS_USER}}}reason") or "").strip(),
                          (user.findtext(f"{{{NS_USER}}}password") or "").strip(), True)
    direct = stanza.xml.find(f"{{{NS_CONFERENCE}}}x")
    if direct is None:
        return None
    parsed = _room_and_nick(direct.get("jid", ""))
    inviter = _room_and_nick(sender)
    if parsed is None or inviter is None:
        return None
    return Invitation(parsed[0], inviter[0], direct.get("reason", ""), direct.get("password", ""))


def is_muc_private(stanza: Message) -> bool:
    """A private message through a room carries an (empty) muc#user element (XEP-0045 7.5)."""
    return stanza.xml.find(f"{{{NS_USER}}}x") is not None


def room_listings(result: Iq) -> list[RoomListing]:
    """The rooms in a chat service's disco#items result, sorted by name; invalid JIDs skipped."""
    listings = []
    for item in result.xml.iter(f"{{{NS_DISCO_ITEMS}}}item"):
        parsed = _room_and_nick(item.get("jid", ""))
        if parsed is not None and not parsed[1] and "@" in parsed[0]:
            listings.append(RoomListing(parsed[0], item.get("name", "")))
    return sorted(listings, key=lambda listing: (listing.name or listing.jid).casefold())


NS_DATA = "jabber:x:data"
NS_REQUEST = "http://jabber.org/protocol/muc#request"


def voice_request_nick(stanza: Message) -> str | None:
    """The nick of a visitor asking for voice, in the form a room forwards to its moderators (XEP-0045
    8.6), or None for any other message."""
    form = stanza.xml.find(f"{{{NS_DATA}}}x")
    if form is None:
        return None
    values = {field.get("var", ""): (field.findtext(f"{{{NS_DATA}}}value") or "").strip()
              for field in form.findall(f"{{{NS_DATA}}}field")}
    if values.get("FORM_TYPE") != NS_REQUEST:
        return None
    return values.get("muc#roomnick") or None


def features(result: Iq) -> frozenset[str]:
    """The features in a disco#info result (a room's: muc_membersonly, muc_passwordprotected, ...)."""
    return frozenset(feature.get("var", "") for feature in result.xml.iter(f"{{{NS_DISCO_INFO}}}feature"))


_CONFIGURATION_CODES = {
    "104": "the room's configuration changed",
    "170": "the room now keeps a public log of what is said",
    "171": "the room no longer keeps a public log",
    "172": "the room is now non-anonymous: every occupant can see your address",
    "173": "the room is now semi-anonymous: only moderators can see your address",
    "174": "the room is now fully anonymous",
}
"""Status codes a room sends in a bodiless groupchat message when its configuration changes (XEP-0045
10.2.1), in words."""


def configuration_changes(stanza: Message) -> list[str]:
    """What a room's bodiless status message says about its configuration, in words (none for others)."""
    user = stanza.xml.find(f"{{{NS_USER}}}x")
    if user is None:
        return []
    codes = {status.get("code", "") for status in user.findall(f"{{{NS_USER}}}status")}
    return [words for code, words in _CONFIGURATION_CODES.items() if code in codes]


@dataclass(frozen=True, slots=True)
class Envelope:
    """A stanza's addressing attributes as sent ("" where absent), read without parsing the JID."""

    sender: str
    type: str
    id: str


def envelope(stanza: Message | PresenceStanza) -> Envelope:
    return Envelope(stanza.xml.get("from", ""), stanza.xml.get("type", ""), stanza.xml.get("id", ""))
