"""Conversations: opening and closing them, paging their stored history, searching it, and writing what they
receive to it (one batch per event-loop turn, archive positions in the same transaction)."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Awaitable, Callable
from functools import partial

from xmpptui.model import jid as jids
from xmpptui.model.conversation import ChatMessage, Conversation, ConversationKind, SearchHit
from xmpptui.model.events import (
    ConversationClosed,
    ConversationOpened,
    HistoryLoaded,
    Notice,
    Severity,
    UnreadChanged,
)
from xmpptui.model.message import Edit
from xmpptui.session import ConversationError
from xmpptui.storage import edits
from xmpptui.storage.history import History, HistoryWriteError
from xmpptui.storage.rows import dedup_key
from xmpptui.xmpp.context import SessionContext

log = logging.getLogger(__name__)

HISTORY_PAGE = 200
"""Messages paged in from the history at a time (when a conversation opens, and on each scroll to the top)."""
MAX_STRANGER_CONVERSATIONS = 100
"""Conversations that senders outside the roster may open by writing to us; past it their messages are
dropped (and counted in a notice), so a spam flood cannot grow memory or the conversation bar without end."""

ArchivePosition = Callable[[ChatMessage], "tuple[str, str] | None"]
"""For a live message being stored: (archive, id) when its archive id moves that archive's position on."""


class Conversations:
    """`ClientState.conversations` and the history behind them. `position_of` and `older_from_archive` are the
    archive sync's, given by the façade: a live message's archive id is stored with it, and paging past the
    local history asks the archive."""

    def __init__(self, ctx: SessionContext, history: History | None, no_history: set[str],
                 position_of: ArchivePosition, older_from_archive: Callable[[Conversation], Awaitable[None]]) -> None:
        self._ctx = ctx
        self._state = ctx.state
        self._history = history
        self._no_history = no_history
        self._position_of = position_of
        self._older_from_archive = older_from_archive
        self._unsaved: list[ChatMessage] = []
        self._unsaved_older: list[ChatMessage] = []
        self._unsaved_positions: dict[str, str] = {}
        """Archive positions ({our JID or a room: the newest id of it we hold}), written with the next batch."""
        self._save_scheduled = False
        self._history_failing = False
        """The last write to the history failed (and the user was told)."""

    @property
    def history(self) -> History | None:
        return self._history

    def keep_position(self, archive: str, archive_id: str) -> None:
        """The newest id of `archive` we hold, stored with the next batch of messages, in its transaction (never
        ahead of them)."""
        self._unsaved_positions[archive] = archive_id
        self.schedule_save()
    def open(self, bare_jid: str, by_user: bool, kind: ConversationKind = ConversationKind.CHAT) -> Conversation:
        """The conversation with `bare_jid`; a new one is announced and its stored history paged in."""
        conversation, created = self._state.conversations.open(bare_jid, kind)
        if created:
            self._ctx.emit(ConversationOpened(bare_jid, by_user=by_user))
            if self._history is not None:
                self._ctx.spawn(self.load_older(bare_jid))
        return conversation

    def open_conversation(self, jid: str) -> None:
        bare_jid = jids.bare(jid)
        if bare_jid in self._state.conversations or self._history is None:
            conversation = self.open(bare_jid, by_user=True)
            if jids.resource(jid):
                conversation.reply_to = jid
            self._ctx.emit(ConversationOpened(bare_jid, by_user=True))  # (again, to focus it)
            return
        # Read the latest page first, then announce the conversation with it: one frame shows both.
        self._ctx.spawn(self._open_with_history(bare_jid, jid))

    async def _open_with_history(self, bare_jid: str, jid: str) -> None:
        assert self._history is not None
        page, older = await self._history.page(self._state.jid, bare_jid, HISTORY_PAGE)
        conversation, created = self._state.conversations.open(bare_jid)
        if created:
            conversation.prepend(page)
            conversation.older, conversation.history_loaded = older, True
        if jids.resource(jid):
            conversation.reply_to = jid
        self._ctx.emit(ConversationOpened(bare_jid, by_user=True))

    async def load_older(self, jid: str) -> None:
        conversation = self._state.conversations.get(jid)
        if conversation is None:
            return
        if self._history is None or (conversation.history_loaded and conversation.older is None):
            if self._ctx.online and not conversation.archive_exhausted:
                await self._older_from_archive(conversation)
            return
        before = conversation.older if conversation.history_loaded else None
        page, conversation.older = await self._history.page(self._state.jid, jid, HISTORY_PAGE, before)
        conversation.history_loaded = True
        # On the first page, messages that arrived while it was read may be in it too.
        held = {dedup_key(m) for m in conversation.messages} if before is None else set()
        older = [m for m in page if dedup_key(m) not in held]
        if older:
            conversation.prepend(older)
            self._ctx.emit(HistoryLoaded(jid, len(older)))

    async def search(self, query: str, jid: str | None = None) -> list[SearchHit]:
        if self._history is None:
            raise ConversationError("history is off for this account: there is nothing to search")
        self.save_unsaved()  # what arrived this very moment is found too
        return await self._history.search(self._state.jid, query, jid)

    async def search_context(self, hit: SearchHit) -> list[ChatMessage]:
        if self._history is None:
            return [hit.message]
        return await self._history.around(self._state.jid, hit)

    def persist(self, message: ChatMessage, older: bool = False) -> None:
        """Queue a message for the history; one insert per event-loop turn however many arrive. `older`: from an
        archive page before everything held (stored before it, not after)."""
        if self._history is None or message.conversation in self._no_history:
            return
        if older:
            self._unsaved_older.append(message)
        else:
            self._unsaved.append(message)
            position = self._position_of(message) if message.stanza_id and not message.delayed else None
            if position is not None:  # a live message's archive id moves the position on, stored with it
                self._unsaved_positions[position[0]] = position[1]
        self.schedule_save()

    def schedule_save(self) -> None:
        if not self._save_scheduled:
            self._save_scheduled = True
            asyncio.get_running_loop().call_soon(self.save_unsaved)

    def save_unsaved(self) -> None:
        self._save_scheduled = False
        batch, self._unsaved = self._unsaved, []
        older, self._unsaved_older = self._unsaved_older, []
        positions, self._unsaved_positions = self._unsaved_positions, {}
        if self._history is not None and (batch or older or positions):
            self._ctx.spawn(self._store(self._history, batch, older, positions))

    async def _store(self, history: History, batch: list[ChatMessage], older: list[ChatMessage],
                     positions: dict[str, str]) -> None:
        """One write; positions go with the messages they cover, so neither gets ahead of the other. A failed
        write is kept by the history and retried with the next one; the user is told once, not per batch."""
        try:
            await history.add(self._state.jid, batch, positions, older)
        except HistoryWriteError as exc:
            self.write_failed(exc)
            return
        if self._history_failing:
            self._history_failing = False
            log.info("history is written again to %s", history.path)

    def write_failed(self, exc: HistoryWriteError) -> None:
        if not self._history_failing:
            self._history_failing = True
            log.error("%s", exc)
            self._ctx.emit(Notice(f"{exc}; new messages are shown but not kept", Severity.ERROR))

    def keeps(self, jid: str) -> bool:
        """Whether the history keeps what is said with `jid`."""
        return self._history is not None and jid not in self._no_history

    def store_update(self, message: ChatMessage) -> None:
        if self._history is not None and message.conversation not in self._no_history:
            self._ctx.spawn(self._history.update(self._state.jid, message))

    def store_correction(self, message: ChatMessage, edit: Edit) -> None:
        """A correction replaced `message`'s text: its new text stored, and the one replaced kept (`edit`)."""
        self.store_update(message)
        self.store_change(message.conversation, partial(
            edits.keep, account=self._state.jid, conversation=message.conversation, message_id=message.id,
            direction=message.direction.value, edit=edit))

    def store_change(self, jid: str, work: Callable[[sqlite3.Connection], object]) -> None:
        """A change to what is stored (`storage.reactions`), written after the messages queued before it."""
        if self._history is not None and jid not in self._no_history:
            self.save_unsaved()
            self._ctx.spawn(self._history.write(work))

    def may_open(self, bare_jid: str) -> bool:
        if bare_jid in self._state.conversations or bare_jid in self._state.roster:
            return True
        strangers = sum(1 for c in self._state.conversations if c.jid not in self._state.roster)
        return strangers < MAX_STRANGER_CONVERSATIONS

    def close(self, jid: str) -> None:
        if self._state.conversations.close(jid) is not None:
            self._ctx.emit(ConversationClosed(jid))

    def clear_unread(self, jid: str) -> Conversation | None:
        """The user has seen the conversation: nothing in it is unread any more."""
        conversation = self._state.conversations.get(jid)
        if conversation is not None and conversation.unread:
            conversation.unread = conversation.mentions = 0
            self._ctx.emit(UnreadChanged(jid, 0))
        return conversation
