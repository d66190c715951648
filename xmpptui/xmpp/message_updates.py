"""Reactions (XEP-0444), retractions (XEP-0424), moderation (XEP-0425) and corrections (XEP-0308) applied to the
message they name, in its conversation and in the history, whichever way they come (live, a carbon, the archive): a
reaction or retraction that names a message not held waits for it, in memory and in the history. Who may retract or
correct what is decided here, from the author key the receiving service gives (`model.references.author_key`); the
receiving services call this, never each other."""

from __future__ import annotations

import logging
from functools import partial

from xmpptui.model.conversation import RETRACTED, moderated_words
from xmpptui.model.events import MessageUpdated
from xmpptui.model.references import MODERATOR
from xmpptui.storage import edits, reactions
from xmpptui.xmpp.context import SessionContext
from xmpptui.xmpp.conversations import Conversations
from xmpptui.xmpp.stanzas import messaging

log = logging.getLogger(__name__)


class MessageUpdates:
    def __init__(self, ctx: SessionContext, conversations: Conversations) -> None:
        self._ctx = ctx
        self._state = ctx.state
        self._conversations = conversations

    def apply(self, jid: str, about: messaging.About, author: str, reactor: str, may_moderate: bool = False) -> None:
        """`about` came for the conversation `jid` from `author` (its author key: "in" or "out" in a chat, "o:id"
        or "n:nick" in a room) who reacts as `reactor`; `may_moderate`: it came from the room itself."""
        conversation = self._state.conversations.get(jid)
        account = self._state.jid
        match about:
            case messaging.Reactions(target, emojis):
                changed = conversation.references.react(target, reactor, emojis) if conversation else None
                self._conversations.store_change(jid, partial(
                    reactions.set_reactions, account=account, conversation=jid, target=target, reactor=reactor,
                    emojis=emojis))
            case messaging.Retraction(target, moderated, reason):
                if moderated and not may_moderate:
                    log.warning("moderation of %r in %r not from the room itself ignored", target, jid)
                    return
                who, words = (MODERATOR, moderated_words(reason)) if moderated else (author, RETRACTED)
                changed = conversation.references.retract(target, who, words) if conversation else None
                self._conversations.store_change(jid, partial(
                    reactions.retract, account=account, conversation=jid, target=target, author=who, words=words))
        if changed is not None:
            self._ctx.emit(MessageUpdated(changed))

    def ids_learned(self, jid: str, message_id: str, stanza_id: str, occupant_id: str) -> None:
        """Our room message came back from the room with the room's id for it (and our occupant id)."""
        self._conversations.store_change(jid, partial(reactions.set_room_ids, account=self._state.jid,
                                                      conversation=jid, message_id=message_id, stanza_id=stanza_id,
                                                      occupant_id=occupant_id))

    def correct(self, jid: str, replaces: str, author: str, body: str, at: float, archived: bool = False) -> bool:
        """A correction from `author` (its author key) of the message `replaces` in the conversation `jid`, sent at
        `at`: whether that message is held (then it shows `body`, and keeps its reactions and the text replaced,
        unless it says so already, is retracted, or a later correction was applied: archive pages come newest
        first). `archived`: one not held in memory is corrected in the history, if held there."""
        conversation = self._state.conversations.get(jid)
        original = conversation.find_corrected(replaces, author) if conversation is not None else None
        if original is None:
            if archived and body:
                self._conversations.store_change(jid, partial(
                    edits.correct_stored, account=self._state.jid, conversation=jid, message_id=replaces,
                    author=author, body=body, at=at))
            return False
        if original.retracted or original.body == body or (original.edits and original.edits[-1].replaced_at > at):
            return True
        edit = original.correct(body, at)
        self._conversations.store_correction(original, edit)
        self._ctx.emit(MessageUpdated(original))
        return True
