"""Read positions shared with our other clients (XEP-0490 Message Displayed Synchronization): what one client
shows as read, the others stop counting as unread."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from xmpptui.model.conversation import Conversation, ConversationKind
from xmpptui.model.events import UnreadChanged
from xmpptui.xmpp.context import SessionContext
from xmpptui.xmpp.pep_publish import PepError, PrivatePep
from xmpptui.xmpp.stanzas import pep, translate
from xmpptui.xmpp.transport import IqError, IqTimeout

log = logging.getLogger(__name__)

READ_SHARE_DELAY = 2.0
"""Seconds a read position waits before it is published (the newest one then goes)."""


class ReadSync:
    """Loads our other clients' read positions on login, applies the ones they publish, and publishes ours."""

    def __init__(self, ctx: SessionContext, pep_service: PrivatePep) -> None:
        self._ctx = ctx
        self._state = ctx.state
        self._pep = pep_service
        self._read_shares: dict[str, asyncio.TimerHandle] = {}
        """Conversations whose read position is to be published, each with its timer."""

    @property
    def pending_shares(self) -> dict[str, asyncio.TimerHandle]:
        """Conversations whose read position waits to be published, each with its timer."""
        return self._read_shares

    def archive_of(self, conversation: Conversation) -> str | None:
        """Who assigns the ids a read position of `conversation` names: our server for a chat, the room for a
        group chat; None for a private chat with an occupant (XEP-0490 has no place for those)."""
        if conversation.kind is ConversationKind.CHAT:
            return self._state.jid
        if conversation.kind is ConversationKind.GROUPCHAT:
            return conversation.jid
        return None

    async def load(self) -> None:
        """A new session: what our other clients displayed while we were away (after the archive catch-up,
        so that the messages the positions name are held)."""
        assert self._ctx.client is not None
        iq = self._ctx.client.make_iq_get(ito=self._state.jid)
        pep.fill_items_query(iq.xml, pep.DISPLAYED_NODE)
        try:
            result = await iq.send(timeout=self._ctx.account.timeout)
        except IqError as exc:
            log.info("no read positions read: %s", translate.error_text(exc.iq))  # item-not-found: none yet
            return
        except IqTimeout:
            log.info("no read positions read: the server did not answer")
            return
        self._apply_read_positions(pep.result_items(result.xml))

    def on_change(self, change: pep.NodeChange) -> None:
        """A notification: one of our clients (perhaps this one) published a read position."""
        self._apply_read_positions(change.published)

    def _apply_read_positions(self, items: list[tuple[str, Any]]) -> None:
        for item_id, payload in items:
            position = pep.displayed_up_to(item_id, payload)
            conversation = self._state.conversations.get(position.conversation) if position else None
            if position is None or conversation is None or self.archive_of(conversation) != position.by:
                continue
            conversation.read_position = position.stanza_id
            if conversation.read_up_to(position.stanza_id):
                self._ctx.emit(UnreadChanged(conversation.jid, conversation.unread))

    def share(self, conversation: Conversation) -> None:
        """The user has seen `conversation` up to its newest message: tell our other clients, shortly (a room
        read live would otherwise publish once per line), once per position."""
        if self.archive_of(conversation) is not None and conversation.jid not in self._read_shares:
            self._read_shares[conversation.jid] = asyncio.get_running_loop().call_later(
                READ_SHARE_DELAY, self._publish_read_position_now, conversation)

    def flush(self) -> None:
        """Publish the read positions still waiting (the app is quitting)."""
        for jid, handle in list(self._read_shares.items()):
            handle.cancel()
            conversation = self._state.conversations.get(jid)
            if conversation is not None:
                self._publish_read_position_now(conversation)
        self._read_shares.clear()

    def _publish_read_position_now(self, conversation: Conversation) -> None:
        self._read_shares.pop(conversation.jid, None)
        by = self.archive_of(conversation)
        latest = conversation.last_archived()
        if by is None or latest is None or latest.stanza_id == conversation.read_position or not self._ctx.online:
            return
        conversation.read_position = latest.stanza_id
        position = pep.DisplayedUpTo(conversation.jid, latest.stanza_id, by)
        self._ctx.spawn(self._publish_read_position(position, conversation), "sharing a read position")

    async def _publish_read_position(self, position: pep.DisplayedUpTo, conversation: Conversation) -> None:
        try:
            await self._pep.publish(pep.DISPLAYED_NODE, position.conversation,
                                    lambda item: pep.fill_displayed(item, position))
            return
        except PepError as exc:
            log.info("read position of %s not shared: %s", conversation.jid, exc)
        if conversation.read_position == position.stanza_id:
            conversation.read_position = ""  # try again the next time it is shown
