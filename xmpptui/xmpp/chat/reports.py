"""Chat states (XEP-0085), receipts (XEP-0184) and displayed markers (XEP-0333) we send: only to contacts allowed
to see our presence, and only if the user has not turned them off (`SessionContext.may_report`)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from xml.etree import ElementTree as ET

from xmpptui.model.conversation import Conversation
from xmpptui.xmpp.context import SessionContext
from xmpptui.xmpp.stanzas import outgoing

PAUSED_AFTER = 5.0
"""Seconds without a keystroke after which `composing` becomes `paused` (XEP-0085 suggests about 5 s)."""


class ChatReports:
    """What we tell a peer about its messages and about our typing."""

    def __init__(self, ctx: SessionContext) -> None:
        self._ctx = ctx
        self._state = ctx.state
        self._typing: dict[str, asyncio.TimerHandle | None] = {}
        """Conversations we told `composing`, each with the timer that will say `paused`."""

    def mark_displayed(self, conversation: Conversation) -> None:
        """The user has seen the conversation: a displayed marker for its newest markable message, once."""
        latest = conversation.last_markable()
        if latest is not None and latest.id != conversation.marked and self._ctx.may_report(conversation.jid) \
                and self._ctx.online:
            conversation.marked = latest.id
            self._send_report(conversation.address, latest.id, outgoing.fill_displayed)

    def end_composing(self, bare_jid: str) -> bool:
        """A message of ours to `bare_jid` is going out, and it ends any `composing`: True when it should carry
        `active` (chat states are on and the peer may see them)."""
        if not self._ctx.account.chat_states or not self._ctx.may_report(bare_jid):
            return False
        timer = self._typing.pop(bare_jid, None)
        if timer is not None:
            timer.cancel()
        return True

    def typing(self, jid: str, composing: bool) -> None:
        """The user typed in (or emptied) the composer of the conversation with `jid` (XEP-0085)."""
        if not self._ctx.account.chat_states or not self._ctx.online or not self._ctx.may_report(jid):
            return
        timer = self._typing.get(jid)
        if timer is not None:
            timer.cancel()
        if composing:
            if jid not in self._typing:
                self._send_chat_state(jid, "composing")
            self._typing[jid] = asyncio.get_running_loop().call_later(PAUSED_AFTER, self._paused, jid)
        elif self._typing.pop(jid, False) is not False:
            self._send_chat_state(jid, "active")

    def _paused(self, jid: str) -> None:
        self._typing.pop(jid, None)
        if self._ctx.online:
            self._send_chat_state(jid, "paused")

    def _send_chat_state(self, jid: str, state: str) -> None:
        assert self._ctx.client is not None
        conversation = self._state.conversations.get(jid)
        stanza = self._ctx.client.make_message(mto=conversation.address if conversation else jid, mtype="chat")
        outgoing.fill_chat_state(stanza.xml, state)
        stanza.send()

    def send_receipt(self, to: str, message_id: str) -> None:
        """A receipt for the peer's message `message_id` (it asked for one): a message with no body."""
        self._send_report(to, message_id, outgoing.fill_receipt)

    def _send_report(self, to: str, message_id: str, fill: Callable[[ET.Element, str], None]) -> None:
        assert self._ctx.client is not None
        stanza = self._ctx.client.make_message(mto=to, mtype="chat")
        fill(stanza.xml, message_id)
        stanza.send()
