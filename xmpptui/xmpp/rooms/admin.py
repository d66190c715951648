"""Running rooms and finding them: kick, ban, roles and affiliations (XEP-0045 8, 9), the owner's configuration
(10), invitations and declining them, asking for voice, and what a room or chat service says about itself
(XEP-0030 disco: a room's features, whether it exists, a service's rooms)."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING

from xmpptui.model import jid as jids
from xmpptui.model.forms import DataForm
from xmpptui.model.room import Affiliation, Occupant, Role, Room, RoomListing
from xmpptui.session import RoomError
from xmpptui.xmpp.context import SessionContext
from xmpptui.xmpp.rooms.address import parse_room_address, valid_jid
from xmpptui.xmpp.rooms.occupants import affiliation_words
from xmpptui.xmpp.rooms.writer import RoomWriter
from xmpptui.xmpp.stanzas import Iq, muc, muc_requests, translate
from xmpptui.xmpp.transport import IqError, IqTimeout

if TYPE_CHECKING:
    from xmpptui.xmpp.transport.client import Client

log = logging.getLogger(__name__)

FRESH_FEATURES = 60.0
"""Seconds for which what a room said of itself, asked before joining it, stands for that join."""


def _occupant(room: Room, nick: str) -> Occupant:
    occupant = room.occupants.get(nick)
    if occupant is None:
        raise RoomError(f"nobody called {nick} is in {room.jid}")
    return occupant


class RoomAdministration:
    def __init__(self, ctx: SessionContext, writer: RoomWriter, *,
                 expect_refusal: Callable[[str, str, str], None]) -> None:
        self._ctx = ctx
        self._writer = writer
        self._expect_refusal = expect_refusal
        """(message id, room, what we asked): a refusal of a request sent as a message, said in words."""
        self._told: dict[str, tuple[float, frozenset[str]]] = {}
        """Per room: when (monotonic clock) it last answered disco#info, and the features it said it offers."""

    async def _ask_room(self, iq: Iq, action: str, forbidden_hint: str = "") -> Iq:
        """Send a request to a room; a refusal raises RoomError in the room's words for `action`."""
        try:
            return await iq.send(timeout=self._ctx.timeout)
        except IqError as exc:
            condition, server_text = muc.error_condition(exc.iq)
            raise RoomError(muc.action_error_text(condition, action, server_text)
                            + (forbidden_hint if condition == "forbidden" else "")) from None
        except IqTimeout:
            raise RoomError(f"could not {action}: the room did not answer") from None

    # Moderation ---------------------------------------------------------------------------------------------

    async def _admin(self, room: tuple[Room, Client], item: dict[str, str], reason: str, action: str) -> None:
        held, client = room
        iq = client.make_iq_set(ito=held.jid)
        muc_requests.fill_admin_item(iq.xml, item, reason)
        await self._ask_room(iq, action)

    async def kick(self, room: str, nick: str, reason: str = "") -> None:
        held = self._writer.room_for_command(room)
        _occupant(held[0], nick)
        await self._admin(held, {"nick": nick, "role": "none"}, reason, f"kick {nick}")

    async def ban(self, room: str, nick: str, reason: str = "") -> None:
        held = self._writer.room_for_command(room)
        occupant = _occupant(held[0], nick)
        if not occupant.real_jid:
            raise RoomError(f"cannot ban {nick}: the room does not show you their address "
                            "(use /affiliation JID outcast)")
        await self._admin(held, {"jid": jids.bare(occupant.real_jid), "affiliation": "outcast"}, reason,
                          f"ban {nick}")

    async def set_role(self, room: str, nick: str, role: Role, reason: str = "") -> None:
        held = self._writer.room_for_command(room)
        _occupant(held[0], nick)
        await self._admin(held, {"nick": nick, "role": role.value}, reason, f"make {nick} a {role.value}")

    async def set_affiliation(self, room: str, jid: str, affiliation: Affiliation, reason: str = "") -> None:
        held = self._writer.room_for_command(room)
        target = jids.bare(valid_jid(jid))
        await self._admin(held, {"jid": target, "affiliation": affiliation.value}, reason,
                          f"make {target} {affiliation_words(affiliation)}")

    # Configuration (XEP-0045 10.2) --------------------------------------------------------------------------

    async def room_configuration(self, room: str) -> DataForm:
        """The room's configuration form, as its owner may fill it in."""
        held, client = self._writer.room_for_command(room)
        iq = client.make_iq_get(ito=held.jid)
        muc_requests.fill_configuration_request(iq.xml)
        action = f"configure {held.jid}"
        result = await self._ask_room(iq, action, forbidden_hint=" (only its owners may)")
        form = muc_requests.configuration_form(result.xml)
        if form is None:
            raise RoomError(f"could not {action}: the room sent no configuration form")
        return form

    async def configure_room(self, room: str, form: DataForm | None) -> None:
        """Submit the filled-in configuration form; None cancels it (XEP-0045 10.1.3 and 10.2.1)."""
        held, client = self._writer.room_for_command(room)
        iq = client.make_iq_set(ito=held.jid)
        muc_requests.fill_configuration(iq.xml, form)
        await self._ask_room(iq, f"configure {held.jid}")
        if form is not None:
            self._writer.line(held, "you saved the room's configuration")

    def accept_default_configuration(self, room: Room) -> None:
        """A room we created may be locked until its owner configures it (XEP-0045 10.1.2): take the
        defaults at once (an "instant room")."""
        client = self._ctx.client
        assert client is not None
        iq = client.make_iq_set(ito=room.jid)
        muc_requests.fill_instant_room(iq.xml)
        pending = iq.send(timeout=self._ctx.timeout)
        pending.add_done_callback(lambda done: done.cancelled() or done.exception() is None or log.info(
            "the new room %s kept its lock: %r", room.jid, done.exception()))

    # Invitations and voice ----------------------------------------------------------------------------------

    async def invite(self, room: str, jid: str, reason: str = "") -> None:
        """Invite someone, through the room (XEP-0045 7.8.2, "mediated") when they might not get in with a
        direct invitation: the room is members-only (it makes whom its admins invite that way a member), it
        has a password we do not hold (it adds it), or it does not say which; else directly (XEP-0249),
        which their client understands whatever their server's rooms."""
        held, _ = self._writer.room_for_command(room)
        to = valid_jid(jid)
        features = await self.room_features(held.jid)
        mediated = features is None or muc.FEATURE_MEMBERS_ONLY in features or (
            muc.FEATURE_PASSWORD in features and not held.password)
        if not held.joined or not self._ctx.online:
            raise RoomError(f"you are not in {held.jid} any more: /join it first")
        client = self._ctx.require_online()
        if mediated:
            stanza = client.make_message(mto=held.jid, mtype="normal")
            stanza["id"] = message_id = uuid.uuid4().hex
            muc_requests.fill_mediated_invite(stanza.xml, to, reason)
            self._expect_refusal(message_id, held.jid, f"invite {to}")  # a refusal (forbidden) comes as a message
        else:
            stanza = client.make_message(mto=to, mtype="normal")
            muc_requests.fill_direct_invite(stanza.xml, held.jid, reason, held.password)
        stanza.send()
        how = "directly" if not mediated else "through the room: it is members-only" \
            if features is not None and muc.FEATURE_MEMBERS_ONLY in features else "through the room"
        self._writer.line(held, f"you invited {to} ({how})")

    def decline_invitation(self, room: str, inviter: str) -> None:
        """Decline an invitation the room passed on (XEP-0045 7.8.2): the room tells the inviter."""
        if not self._ctx.online or not inviter:
            return
        client = self._ctx.require_online()
        stanza = client.make_message(mto=parse_room_address(room).room, mtype="normal")
        muc_requests.fill_decline(stanza.xml, valid_jid(inviter))
        stanza.send()

    def request_voice(self, room: str) -> None:
        """Ask the room's moderators to make us a participant (XEP-0045 7.13)."""
        held, client = self._writer.room_for_command(room)
        stanza = client.make_message(mto=held.jid, mtype="normal")
        muc_requests.fill_voice_request(stanza.xml)
        stanza.send()
        self._writer.line(held, "you asked the moderators for voice")

    # Discovery ----------------------------------------------------------------------------------------------

    async def room_info(self, room_jid: str) -> Iq:
        """The room's disco#info (XEP-0045 6.4); raises IqError or IqTimeout. The features it says stand for a
        while (`fresh_features`): the join that follows the question whether the room exists needs not ask."""
        client = self._ctx.client
        assert client is not None
        iq = client.make_iq_get(ito=room_jid)
        muc_requests.fill_disco_info(iq.xml)
        answer = await iq.send(timeout=self._ctx.timeout)
        now = time.monotonic()
        self._told = {jid: told for jid, told in self._told.items() if now - told[0] < FRESH_FEATURES}
        self._told[room_jid] = (now, muc.features(answer))
        return answer

    async def room_features(self, room_jid: str) -> frozenset[str] | None:
        """The room's disco#info features, None when it does not say."""
        try:
            return muc.features(await self.room_info(room_jid))
        except (IqError, IqTimeout) as exc:
            log.info("no features of %s: %r", room_jid, exc)
            return None

    async def room_exists(self, address: str) -> bool | None:
        """Whether the room exists (XEP-0045 6.4 disco#info), None when that cannot be told (the service
        is unreachable, or we are offline): the join itself will say."""
        room = parse_room_address(address).room
        if not self._ctx.online:
            return None
        try:
            await self.room_info(room)
        except IqError as exc:
            return False if muc.error_condition(exc.iq)[0] == "item-not-found" else None
        except IqTimeout:
            return None
        return True

    def fresh_features(self, room_jid: str) -> frozenset[str] | None:
        """The features the room said it offers when last asked (whether it exists, before a join or a rejoin),
        if that was recent (the join that followed needs not ask again), else None."""
        told = self._told.get(room_jid)
        return told[1] if told is not None and time.monotonic() - told[0] < FRESH_FEATURES else None

    async def list_rooms(self, service: str) -> list[RoomListing]:
        """The rooms a chat service lists (XEP-0030 disco#items)."""
        client = self._ctx.require_online()
        target = valid_jid(service)
        iq = client.make_iq_get(ito=target)
        muc_requests.fill_disco_items(iq.xml)
        try:
            result = await iq.send(timeout=self._ctx.timeout)
        except IqError as exc:
            raise RoomError(f"could not list the rooms of {target}: {translate.error_text(exc.iq)}") from None
        except IqTimeout:
            raise RoomError(f"could not list the rooms of {target}: it did not answer") from None
        return muc.room_listings(result)
