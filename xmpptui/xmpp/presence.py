"""Presence: everyone's (the roster's contacts, per resource), our own as the server echoes it, and what we send.
While there is no session nobody's presence is known; what was known is set aside for a resumed stream."""

from __future__ import annotations

import logging

from xmpptui.model import jid as jids
from xmpptui.model.events import ChatStateChanged, OwnPresenceChanged, PresenceChanged, RosterReplaced, Severity
from xmpptui.model.presence import Presence, PresenceBook, Show
from xmpptui.xmpp.context import SessionContext
from xmpptui.xmpp.stanzas import PresenceStanza, translate

log = logging.getLogger(__name__)


class PresenceService:
    """`ClientState.presence` and `own_presence` (subscription presences and rooms' go elsewhere: the router
    sends each where it belongs)."""

    def __init__(self, ctx: SessionContext) -> None:
        self._ctx = ctx
        self._state = ctx.state
        self.wanted = Presence(Show.ONLINE)
        """The presence the user chose: sent on each login, and again after a resumed stream if it changed."""
        self._kept: PresenceBook | None = None
        """Contacts' presence as it was when the connection was lost: shown again if the stream is resumed."""

    def new_session(self) -> None:
        """A new session: the server sends every presence anew, so nothing set aside is shown again."""
        self._kept = None

    def stream_resumed(self) -> None:
        """The server kept our session: the presence known when the connection was lost holds again (runs before
        the stanzas the server replays, which apply on top of it)."""
        if self._kept is not None:
            self._state.presence.restore(self._kept)
            self._kept = None
            self._ctx.emit(RosterReplaced(len(self._state.roster)))

    def on_error(self, stanza: PresenceStanza) -> None:
        self._ctx.notice("presence-error", f"presence error from {stanza.xml.get('from', 'server')}: "
                                           f"{translate.error_text(stanza)}", Severity.WARNING)

    def on_presence(self, stanza: PresenceStanza) -> None:
        """Available or unavailable presence: ours (the server's echo), or a roster contact's resource."""
        update = translate.presence_update(stanza)
        if update is None:
            return
        if update.bare == self._state.jid:
            if update.resource == self._state.resource and update.presence.available:
                self._state.own_presence = update.presence
                self._ctx.emit(OwnPresenceChanged(update.presence))
            return
        if update.bare not in self._state.roster:
            log.debug("presence from an entity not in the roster ignored")
            return
        was_online = update.bare in self._state.presence
        self._state.presence.update(update.bare, update.resource, update.presence)
        conversation = self._state.conversations.get(update.bare)
        if conversation is not None and not update.presence.available:
            if not update.resource or conversation.reply_to == jids.with_resource(update.bare, update.resource):
                conversation.reply_to = ""
            if conversation.chat_state and not self._state.presence.resources(update.bare):
                conversation.chat_state = ""  # their last session ended: nobody is typing any more
                self._ctx.emit(ChatStateChanged(conversation.jid))
        if update.presence.available or was_online:
            # (one already offline shows no change: a login with 5,000 contacts brings an unavailable presence
            # from each offline one, #20: no event, no repaint for those)
            self._ctx.emit(PresenceChanged(update.bare))

    async def set_presence(self, presence: Presence) -> None:
        self.wanted = presence
        self._ctx.require_online("your presence will be sent when the session is back")
        self.send(presence)

    def send(self, presence: Presence) -> None:
        assert self._ctx.client is not None
        if presence.show is Show.OFFLINE:
            self._ctx.client.send_presence(ptype="unavailable", pstatus=presence.status or None)
            # No echo comes for our own unavailable presence: the send itself is the change.
            self._state.own_presence = presence
            self._ctx.emit(OwnPresenceChanged(presence))
            # Nor does anyone's presence reach us now: what we hold would go stale, so it goes (coming back
            # online brings every presence anew, so nothing is kept for later).
            self.clear_view()
            self._kept = None
            return
        self._ctx.client.send_presence(pshow=presence.show.wire, pstatus=presence.status or None,
                                   ppriority=presence.priority)

    def clear_view(self) -> None:
        """While there is no session nobody's presence is known: contacts are shown offline, and nobody is typing.
        Kept aside for a resumed stream; a new session gets every presence anew."""
        if self._kept is None:
            self._kept = self._state.presence.take()
            self._ctx.emit(RosterReplaced(len(self._state.roster)))
        self.forget_chat_states()

    def forget_chat_states(self) -> None:
        for conversation in self._state.conversations:
            if conversation.chat_state:
                conversation.chat_state = ""
                self._ctx.emit(ChatStateChanged(conversation.jid))
