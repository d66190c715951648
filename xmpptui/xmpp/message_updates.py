"""Reactions (XEP-0444), retractions (XEP-0424) and moderation (XEP-0425) applied to the message they name, in
its conversation and in the history, whichever comes first (live, a carbon, the archive): one that names a message
not held waits for it, in memory and in the history. Who may retract what is decided here, from the author key
the receiving service gives (`model.references.author_key`); the receiving services call this, never each other."""

from __future__ import annotations

import logging
from functools import partial

from xmpptui.model.conversation import RETRACTED, moderated_words
from xmpptui.model.events import MessageUpdated
from xmpptui.model.references import MODERATOR
from xmpptui.storage import reactions
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
