"""Reopening: the conversations open at the last quit are opened again at the start, in their order, rooms we
were in joined again (through the rooms' own join, which waits for the session and then rejoins only a room that
still exists), and the one that was on screen shown. Saved when the session stops."""

from __future__ import annotations

import logging
from collections.abc import Callable

from xmpptui.model.conversation import ConversationKind
from xmpptui.model.events import ConversationOpened
from xmpptui.model.room import RoomState
from xmpptui.session import SessionError
from xmpptui.storage.open_conversations import OpenConversation, OpenConversations, OpenConversationsStore
from xmpptui.xmpp.context import SessionContext

log = logging.getLogger(__name__)


class Reopening:
    """Given the account's store and the two ways to reopen (a chat, a room); the façade calls it at start and
    stop, and tells it which conversation is on screen."""

    def __init__(self, ctx: SessionContext, store: OpenConversationsStore, *,
                 open_conversation: Callable[[str, ConversationKind], object],
                 join_room: Callable[[str], None]) -> None:
        self._ctx = ctx
        self._store = store
        self._open = open_conversation
        self._join = join_room
        self._shown: str | None = None

    def shown(self, jid: str) -> None:
        """The UI marks read only what is on screen: the last one marked is the one shown."""
        self._shown = jid

    def restore(self) -> None:
        """Before the login: reopen what was open at the last quit (nothing if this session opened anything)."""
        saved = self._store.load()
        if len(self._ctx.state.conversations):
            return
        for conversation in saved.conversations:
            try:
                if conversation.kind is ConversationKind.GROUPCHAT:
                    self._join(f"{conversation.jid}/{conversation.nick}" if conversation.nick else conversation.jid)
                else:
                    self._open(conversation.jid, conversation.kind)
            except SessionError as exc:  # (a file edited by hand: that one is skipped)
                log.warning("%s not reopened: %s", conversation.jid, exc)
        if saved.shown is not None and saved.shown in self._ctx.state.conversations:
            self._shown = saved.shown
            self._ctx.emit(ConversationOpened(saved.shown, by_user=True))  # (the last word: it is shown)

    def save(self) -> None:
        state = self._ctx.state
        opened: list[OpenConversation] = []
        for conversation in state.conversations:
            if conversation.kind is ConversationKind.GROUPCHAT:
                room = state.rooms.get(conversation.jid)
                if room is None or room.state is RoomState.LEFT:
                    continue  # (not in it: nothing to join again)
                opened.append(OpenConversation(conversation.jid, conversation.kind, room.nick))
            else:
                opened.append(OpenConversation(conversation.jid, conversation.kind))
        shown = self._shown if self._shown in {c.jid for c in opened} else None
        self._store.save(OpenConversations(tuple(opened), shown))
