"""Archive sync (XEP-0313): the catch-up on login, the rooms' archives on joining, and older pages past what is
held. Results are deduplicated against what is held and stored, and keep the archive's order."""

from __future__ import annotations

import logging
from collections.abc import Callable

from xmpptui.model import jid as jids
from xmpptui.model.conversation import (
    ChatMessage,
    Conversation,
    ConversationKind,
    DeliveryState,
    Direction,
    MessageKind,
)
from xmpptui.model.events import HistoryLoaded, MessageAdded, MessagesInserted, Severity, UnreadChanged
from xmpptui.model.room import Room
from xmpptui.storage.rows import dedup_key
from xmpptui.xmpp.archive import MAX_PAGES, ArchiveQueries
from xmpptui.xmpp.context import SessionContext
from xmpptui.xmpp.conversations import Conversations
from xmpptui.xmpp.message_updates import MessageUpdates
from xmpptui.xmpp.stanzas import messaging, translate
from xmpptui.xmpp.transport import IqError, IqTimeout

log = logging.getLogger(__name__)


class ArchiveSync:
    """Reads our server's archive and the rooms'. `waiting` lists our messages waiting to be sent again and
    `acked` settles one the archive shows arrived (the chat service's, given by the façade)."""

    def __init__(self, ctx: SessionContext, conversations: Conversations, archive: ArchiveQueries,
                 waiting: Callable[[], list[ChatMessage]], acked: Callable[[ChatMessage], None],
                 updates: MessageUpdates) -> None:
        self._ctx = ctx
        self._updates = updates
        self._state = ctx.state
        self._conversations = conversations
        self._archive = archive
        self._waiting = waiting
        self._acked = acked
        self._archive_position: str | None = None
        """The newest id of our server's archive that we hold (a catch-up continues after it)."""
        self._rooms_caught_up: set[str] = set()
        """Rooms whose archive has been read since they were last joined: their live lines move the position on."""

    def live_position(self, message: ChatMessage) -> tuple[str, str] | None:
        """The archive position a live message with an archive id moves on: ours for a chat (once we know ours),
        the room's for a room caught up with since it was joined (a room's ids are its own)."""
        if message.kind in (MessageKind.CHAT, MessageKind.NORMAL):
            if self._archive_position is None:
                return None
            self._archive_position = message.stanza_id
            return self._state.jid, message.stanza_id
        if message.kind is MessageKind.GROUPCHAT and message.conversation in self._rooms_caught_up:
            return message.conversation, message.stanza_id
        return None

    def room_joined(self, room_jid: str) -> None:
        """A room just joined (said once per join) has its archive fetched."""
        self._ctx.spawn(self._room_catch_up(room_jid), f"reading the archive of {room_jid}")

    def room_left(self, room_jid: str) -> None:
        """A room no longer joined: its live lines no longer move its archive position on."""
        self._rooms_caught_up.discard(room_jid)

    def caught_up(self, room_jid: str) -> bool:
        """The room's archive has been read since it was last joined."""
        return room_jid in self._rooms_caught_up

    def _archived_up_to(self, archive_id: str) -> None:
        """Our server's archive holds nothing newer for us than `archive_id` that we do not have ("": it held
        nothing at all). Stored with the next batch of messages, in its transaction: never ahead of them."""
        self._archive_position = archive_id
        self._conversations.keep_position(self._state.jid, archive_id)

    async def catch_up(self) -> None:
        """Fetch the 1:1 messages our server archived since the newest we hold (the latest page on a first run),
        page by page, and put them in their conversations in their original order."""
        assert self._ctx.client is not None
        history = self._conversations.history
        if self._archive_position is None and history is not None:
            self._archive_position = await history.archive_position(self._state.jid, self._state.jid)
        fetched: list[translate.ArchivedMessage] = []
        start = self._archive_position  # None: never synced, so only the latest page; "": from the beginning
        position = start or ""
        try:
            for _ in range(MAX_PAGES):
                page = await self._archive.query(self._ctx.client, self._state.jid, own=True, after=position,
                                                 before=None if start is not None else "",
                                                 timeout=self._ctx.account.timeout)
                fetched += page.results
                position = page.last or position
                if start is None or page.complete:
                    break
        except IqError as exc:
            if exc.iq["error"]["condition"] == "item-not-found" and self._archive_position:
                log.info("our archive no longer holds %s: catching up from its latest page", self._archive_position)
                self._archive_position = ""
                await self.catch_up()
                return
            log.info("no archive catch-up: %s", translate.error_text(exc.iq))
        except IqTimeout:
            self._ctx.notice("archive", "the server's archive did not answer: messages from while you were away may "
                                    "be missing", Severity.WARNING)
        self.take_archived(fetched)
        if start is None or position != start:
            self._archived_up_to(position)

    def take_archived(self, fetched: list[translate.ArchivedMessage], older_than: Conversation | None = None) -> None:
        """File archived 1:1 messages into their conversations (stored, deduplicated).
        With `older_than`, they are a page from before what that conversation holds and are prepended to it."""
        by_peer: dict[str, list[ChatMessage]] = {}
        waiting = {message.id: message for message in self._waiting()}
        about = [result for result in fetched if result.message.about is not None or result.message.replaces]
        for result in fetched:
            message = self._archived_message(result)
            if message is None:
                continue
            if message.direction is Direction.OUT and (ours := waiting.get(message.id)) is not None:
                # Ours, waiting to be sent again (not acknowledged before the app or the stream stopped), but the
                # archive has it: it reached the server, and sending it again would double it.
                self._acked(ours)
                continue
            by_peer.setdefault(message.conversation, []).append(message)
        for peer, messages in by_peer.items():
            conversation = self._state.conversations.get(peer)
            if conversation is not None:
                held = self._held_keys(conversation, messages[0].timestamp, messages[-1].timestamp)
                messages = [m for m in messages if dedup_key(m) not in held]
            elif not self._conversations.may_open(peer):
                continue
            if not messages:
                continue
            for message in messages:
                self._conversations.persist(message, older=older_than is not None)
            self._conversations.save_unsaved()  # stored before a conversation opened below reads its history
            if conversation is None:  # (which reads them back from the history)
                conversation = self._conversations.open(peer, False,
                                          ConversationKind.PRIVATE if jids.resource(peer) else ConversationKind.CHAT)
                if self._conversations.history is None:
                    conversation.insert(messages)
                    for message in messages:
                        self._ctx.emit(MessageAdded(message))
            elif older_than is conversation:
                conversation.prepend(messages)
                self._ctx.emit(HistoryLoaded(peer, len(messages)))
            else:
                # After what is held, in the archive's order, as the history stores them: their whole-second
                # stamps may be earlier than those of lines received live (another clock). A first page of
                # history still being read goes before them (without what it shares with them).
                for message in messages:
                    conversation.add(message)
                    self._ctx.emit(MessageAdded(message))
            for message in messages:
                if message.direction is Direction.IN:
                    conversation.seen_before(message.stanza_id, message.body)  # so a copy delivered live is not
            if older_than is None:
                unread = sum(1 for m in messages if m.direction is Direction.IN)
                if unread:
                    conversation.unread += unread
                    self._ctx.emit(UnreadChanged(peer, conversation.unread))
        for result in about:  # (in the archive's order, after the messages they name, or waiting for them)
            self._apply_archived(result, older=older_than is not None)

    def _apply_archived(self, result: translate.ArchivedMessage, older: bool) -> None:
        """An archived reaction, retraction or correction in a chat. From an older page no reactions: a reaction
        set there may since have been replaced by one already applied (the newest set is the one that counts)."""
        incoming, about = result.message, result.message.about
        sent = jids.bare(incoming.sender) == self._state.jid
        other = result.to if sent else incoming.sender
        peer, author = jids.bare(other), (Direction.OUT if sent else Direction.IN).value
        if (about is None and not incoming.body) or (older and isinstance(about, messaging.Reactions)) or not peer \
                or peer == self._state.jid or peer in self._state.blocked or self._through_room(result, other):
            return
        if about is None:  # (our correction may replace only ours, the peer's only the peer's)
            self._updates.correct(peer, incoming.replaces, author, incoming.body, incoming.timestamp, archived=True)
        else:
            self._updates.apply(peer, about, author=author, reactor=self._state.jid if sent else peer)

    def _apply_room_archived(self, room: Room | None, fetched: list[translate.ArchivedMessage], older: bool) -> None:
        """Archived reactions, retractions, moderations (only from the room itself) and corrections (only from the
        line's occupant) in a room."""
        for result in fetched:
            incoming, about = result.message, result.message.about
            nick = jids.resource(incoming.sender)
            if room is None or (about is None and not (incoming.replaces and incoming.body and nick)) or \
                    (older and isinstance(about, messaging.Reactions)) or \
                    incoming.kind is not MessageKind.GROUPCHAT or jids.bare(incoming.sender).lower() != room.jid:
                continue
            author = room.author(nick, incoming.occupant_id) if nick else ""
            if about is None:
                self._updates.correct(room.jid, incoming.replaces, author, incoming.body, incoming.timestamp,
                                      archived=True)
            elif nick or isinstance(about, messaging.Retraction):
                self._updates.apply(room.jid, about, author=author, reactor=author, may_moderate=not nick)

    @staticmethod
    def _held_keys(conversation: Conversation, first: float, last: float, slack: float = 5.0) -> set[str]:
        """Keys of the held messages from about `first` to `last` (those an archive page can overlap): scanned
        from both ends of the list, which is in time order but for a few seconds' disorder."""
        low, high = first - slack, last + slack
        keys = set()
        for message in reversed(conversation.messages):
            if message.timestamp < low:
                break
            if message.timestamp <= high:
                keys.add(dedup_key(message))
        for message in conversation.messages:
            if message.timestamp > high:
                break
            if message.timestamp >= low:
                keys.add(dedup_key(message))
        return keys

    def _archived_message(self, result: translate.ArchivedMessage) -> ChatMessage | None:
        incoming = result.message
        if incoming.kind not in (MessageKind.CHAT, MessageKind.NORMAL) or not incoming.body or incoming.replaces:
            return None
        sent = jids.bare(incoming.sender) == self._state.jid
        other = result.to if sent else incoming.sender
        peer = jids.bare(other)
        if not peer or peer == self._state.jid or peer in self._state.blocked:
            return None
        private = self._through_room(result, other)
        if private:
            # With a room occupant: its own conversation under its room JID, as when it arrives live.
            nick = jids.resource(other)
            room = self._state.rooms.get(peer.lower())
            peer = f"{peer.lower()}/{nick}"
            sender = (room.nick if room else self._state.jid.partition("@")[0]) if sent else nick
        else:
            sender = self._state.jid if sent else self._ctx.display_name(peer)
        return ChatMessage(conversation=peer, sender=sender,
                           body=incoming.body, timestamp=incoming.timestamp,
                           direction=Direction.OUT if sent else Direction.IN, kind=incoming.kind, id=incoming.id,
                           state=DeliveryState.SENT if sent else DeliveryState.NONE, delayed=True,
                           carbon=sent, stanza_id=incoming.stanza_id, markable=incoming.markable,
                           attachment=incoming.attachment, reply_to=incoming.reply)

    def _through_room(self, result: translate.ArchivedMessage, other: str) -> bool:
        """Whether an archived message was a private one with the room occupant `other` (room@service/nick):
        it says so (muc#user), or `other` has a nick in a room we are in or have bookmarked. A contact's
        messages stay in the chat with the contact, whatever they carry."""
        room = jids.bare(other).lower()
        if not jids.resource(other) or room in self._state.roster:
            return False
        return result.through_room or room in self._state.rooms or room in self._state.rooms.bookmarks

    async def _room_catch_up(self, room_jid: str) -> None:
        """What the room's archive holds since we last read it (its latest page on a first join), merged with what
        the room sent as join history: in time order, each message once."""
        assert self._ctx.client is not None
        history = self._conversations.history
        position = await history.archive_position(self._state.jid, room_jid) if history is not None else None
        fetched: list[translate.ArchivedMessage] = []
        last = position or ""
        try:
            for _ in range(MAX_PAGES):
                page = await self._archive.query(self._ctx.client, room_jid, own=False, after=last,
                                                 before=None if position is not None else "",
                                                 timeout=self._ctx.account.timeout)
                fetched += page.results
                last = page.last or last
                if position is None or page.complete:
                    break
        except IqError as exc:
            log.info("no archive for room %s: %s", room_jid, translate.error_text(exc.iq))
            return
        except IqTimeout:
            self._ctx.notice("archive", f"the archive of {room_jid} did not answer: earlier messages may be missing",
                         Severity.WARNING)
            return
        room = self._state.rooms.get(room_jid)
        conversation = self._state.conversations.get(room_jid)
        if room is None or conversation is None:
            return
        archived = [m for m in (self._room_message(room_jid, room, r) for r in fetched) if m is not None]
        # Held already (the room's join history, our own lines, the local history): by the room's stanza-id, by
        # our id, or by who, what and when.
        held: dict[object, ChatMessage] = {}
        for message in conversation.messages[-2000:]:
            if message.kind is MessageKind.GROUPCHAT:
                for key in (message.stanza_id, message.id if message.direction is Direction.OUT else "",
                            (message.sender, message.body, int(message.timestamp))):
                    if key:
                        held.setdefault(key, message)
        sequence, new = [], []
        for message in archived:
            same = held.get(message.stanza_id) or (held.get(message.id) if message.direction is Direction.OUT
                                                   else None) or held.get((message.sender, message.body,
                                                                           int(message.timestamp)))
            if same is None:
                new.append(message)
            elif same.direction is Direction.OUT and not same.stanza_id and message.stanza_id:
                # Ours, held since we sent it: the room's id for it is what others name it by.
                same.stanza_id, same.occupant_id = message.stanza_id, message.occupant_id
                conversation.references.index(same)
                self._updates.ids_learned(room_jid, same.id, same.stanza_id, same.occupant_id)
            sequence.append(same or message)
        for message in new:
            self._conversations.persist(message)
        if new:
            conversation.merge_archive(list(dict.fromkeys(sequence)))
            self._ctx.emit(MessagesInserted(room_jid))
        self._apply_room_archived(room, fetched, older=False)
        if (position is None or last != position) and self._conversations.history is not None:
            # ("" when the archive held nothing yet: the next join reads it from its beginning), stored with
            # the messages just persisted, in their transaction.
            self._conversations.keep_position(room_jid, last)
        self._rooms_caught_up.add(room_jid)

    @staticmethod
    def _room_message(room_jid: str, room: Room | None, result: translate.ArchivedMessage) -> ChatMessage | None:
        """An archived line of the room (from room@service/nick); anything else in its archive is left out."""
        incoming = result.message
        sender = jids.resource(incoming.sender)
        if incoming.kind is not MessageKind.GROUPCHAT or not (incoming.body or incoming.removed) or not sender or \
                incoming.replaces or jids.bare(incoming.sender).lower() != room_jid:  # (a tombstone is the line)
            return None
        own = room is not None and sender == room.nick
        occupant = incoming.occupant_id if room is not None and room.offers_occupant_ids else ""
        return ChatMessage(conversation=room_jid, sender=sender, body=incoming.body,
                           timestamp=incoming.timestamp, direction=Direction.OUT if own else Direction.IN,
                           kind=MessageKind.GROUPCHAT, id=incoming.id,
                           state=DeliveryState.SENT if own else DeliveryState.NONE, delayed=True,
                           stanza_id=incoming.stanza_id, attachment=incoming.attachment, reply_to=incoming.reply,
                           occupant_id=occupant, retracted=incoming.removed)

    async def older(self, conversation: Conversation) -> None:
        """Past the local history: ask the archive (our server's, or the room's) for the page before the oldest
        message held."""
        assert self._ctx.client is not None
        if conversation.kind is ConversationKind.PRIVATE:
            await self._private_older(conversation)
            return
        in_room = conversation.kind is ConversationKind.GROUPCHAT
        anchor, oldest = self._oldest_held(conversation)
        try:
            page = await self._archive.query(self._ctx.client, conversation.jid if in_room else self._state.jid,
                                             own=not in_room, with_jid="" if in_room else conversation.jid,
                                             before=anchor, end=oldest, timeout=self._ctx.account.timeout)
        except (IqError, IqTimeout) as exc:
            conversation.archive_exhausted = True
            log.info("no older messages from the archive: %r", exc)
            return
        conversation.archive_exhausted = page.complete
        if not in_room:
            self.take_archived(page.results, older_than=conversation)
            return
        room = self._state.rooms.get(conversation.jid)
        archived = [m for m in (self._room_message(conversation.jid, room, r) for r in page.results) if m is not None]
        if archived:
            held = self._held_keys(conversation, archived[0].timestamp, archived[-1].timestamp)
            older = [m for m in archived if dedup_key(m) not in held]
            for message in older:
                self._conversations.persist(message, older=True)
            if older:
                conversation.prepend(older)
                self._ctx.emit(HistoryLoaded(conversation.jid, len(older)))
        self._apply_room_archived(room, page.results, older=True)

    @staticmethod
    def _oldest_held(conversation: Conversation) -> tuple[str, float | None]:
        """Where an older page ends: the archive's own id where we have one (many messages may share a
        second), else the oldest time held."""
        anchor = next((m.stanza_id for m in conversation.messages[:500] if m.stanza_id), "")
        oldest = conversation.messages[0].timestamp if conversation.messages and not anchor else None
        return anchor, oldest

    async def _private_older(self, conversation: Conversation) -> None:
        """Older private messages with a room occupant. Our server's archive keeps them under the room's bare
        JID (Prosody's mod_mam files every message by the bare JID of the other side), so pages of everything
        said privately in that room are read back until one holds some with this occupant (at most MAX_PAGES)."""
        assert self._ctx.client is not None
        before, oldest = self._oldest_held(conversation)
        mine: list[translate.ArchivedMessage] = []
        exhausted = False
        try:
            for _ in range(MAX_PAGES):
                page = await self._archive.query(self._ctx.client, self._state.jid, own=True,
                                                 with_jid=jids.bare(conversation.jid), before=before, end=oldest,
                                                 timeout=self._ctx.account.timeout)
                mine = [r for r in page.results
                        if (m := self._archived_message(r)) is not None and m.conversation == conversation.jid]
                if page.complete or not page.results:
                    exhausted = True
                    break
                if mine:
                    break
                before = page.results[0].archive_id
        except (IqError, IqTimeout) as exc:
            log.info("no older private messages from the archive: %r", exc)
            exhausted = True
        conversation.archive_exhausted = exhausted
        self.take_archived(mine, older_than=conversation)
