"""The inbound router's second half: each classified stanza (see `inbound.py`) goes to the one service it is for.
Archive results go first to the query that asked for them; during the login catch-up everything else (but
carbons) is held until the archive's messages are filed, then handled in order (so deduplicated against them)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from slixmpp import Message
from slixmpp import Presence as PresenceStanza

from xmpptui.model.state import ClientState
from xmpptui.xmpp import inbound
from xmpptui.xmpp.archive import ArchiveQueries
from xmpptui.xmpp.chat.receiving import ChatReceiving
from xmpptui.xmpp.contacts import ContactService
from xmpptui.xmpp.presence import PresenceService
from xmpptui.xmpp.read_sync import ReadSync
from xmpptui.xmpp.rooms import RoomService
from xmpptui.xmpp.stanzas import pep

log = logging.getLogger(__name__)


@dataclass
class Recipients:
    """The services stanzas are handed to."""
    presence: PresenceService
    contacts: ContactService
    receiving: ChatReceiving
    rooms: RoomService
    read_sync: ReadSync


class Router:
    """Hands each incoming stanza to its service."""

    def __init__(self, state: ClientState, clock: Callable[[], float], archive: ArchiveQueries, to: Recipients) -> None:
        self._state = state
        self._clock = clock
        self._archive = archive
        self._to = to
        self._held: list[Message] | None = None

    def hold(self) -> None:
        """The login catch-up begins: messages wait until `release`."""
        self._held = []

    def release(self) -> None:
        """The catch-up is filed: what waited is handled, in the order it came."""
        held, self._held = self._held or [], None
        for stanza in held:
            self.message(stanza)

    def stanza(self, stanza: Message | PresenceStanza) -> None:
        """Any incoming message or presence."""
        if stanza.xml.tag.endswith("}presence"):
            self.presence(stanza)
        else:
            self.message(stanza)

    def message(self, stanza: Message) -> None:
        now = self._clock()
        if self._archive.take(stanza, now):
            return  # a MAM result: collected for the query that asked for it (or dropped as spoofed)
        value = inbound.classify_message(stanza, self._state, now)
        if self._held is not None and not isinstance(value, inbound.Carbon):
            self._held.append(stanza)  # handled after what the archive holds from before it
            return
        to = self._to
        match value:
            case inbound.PepChange(change):
                if change.node == pep.BOOKMARKS_NODE:
                    to.rooms.on_bookmarks_changed(change)
                elif change.node == pep.DISPLAYED_NODE:
                    to.read_sync.on_change(change)
                elif change.node == pep.PRIVATE_BOOKMARKS_NODE:
                    to.rooms.on_private_bookmarks_changed(change)
            case inbound.RoomMessage(room, room_stanza):
                to.rooms.on_room_message(room, room_stanza)
            case inbound.Invitation(invitation):
                to.rooms.on_invitation(invitation)
            case inbound.Carbon(carbon, sent):
                to.receiving.on_carbon(carbon, sent)
            case inbound.Chat(bare_jid, incoming):
                to.receiving.on_chat(bare_jid, incoming)
            case inbound.Bounce(bare_jid, incoming):
                to.receiving.on_bounce(bare_jid, incoming)
            case inbound.Ignored(why):
                log.debug("message ignored: %s", why)

    def presence(self, stanza: PresenceStanza) -> None:
        to = self._to
        match inbound.classify_presence(stanza, self._state):
            case inbound.RoomPresence(room, room_stanza):
                to.rooms.on_room_presence(room, room_stanza)
            case inbound.Subscription(subscription, kind):
                to.contacts.on_subscription(subscription, kind)
            case inbound.PresenceError(error):
                to.presence.on_error(error)
            case inbound.ContactPresence(available):
                to.presence.on_presence(available)
