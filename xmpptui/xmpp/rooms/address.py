"""Room and occupant addresses as the user types them, checked and normalised before anything is sent."""

from __future__ import annotations

from dataclasses import dataclass

from xmpptui.session import RoomError
from xmpptui.xmpp.stanzas import JID, InvalidJID


@dataclass(frozen=True, slots=True)
class RoomAddress:
    room: str
    nick: str


def parse_room_address(text: str) -> RoomAddress:
    """`room@service[/nick]` -> the room's bare JID (lower-cased) and the nick ("" if none)."""
    try:
        jid = JID(text.strip())
    except InvalidJID:
        raise RoomError(f"{text!r} is not a room address like room@conference.example.org") from None
    if not jid.user or not jid.domain:
        raise RoomError(f"{text!r} is not a room address like room@conference.example.org")
    return RoomAddress(jid.bare.lower(), jid.resource)


def valid_jid(text: str) -> str:
    """Any JID the user typed (an invitee, an inviter, a chat service), or RoomError in words."""
    try:
        jid = JID(text.strip())
    except InvalidJID:
        raise RoomError(f"{text!r} is not a JID like alice@example.org") from None
    if not jid.domain:
        raise RoomError(f"{text!r} is not a JID like alice@example.org")
    return str(jid)
