"""A conversation's messages by the id replies, reactions and retractions name (XEP-0461/0444/0424), and what
waits for a message not held: the spoofing rule (only the author retracts), sets that replace, bounded pending."""

from __future__ import annotations

from xmpptui.model.conversation import RETRACTED, ChatMessage, Conversation, Direction, MessageKind
from xmpptui.model.references import MAX_PENDING, MODERATOR, author_key, reference_id

ROOM = "room@conference.example.org"


def room_message(stanza_id: str, nick: str = "carol", occupant_id: str = "") -> ChatMessage:
    return ChatMessage(ROOM, nick, "hello", 1.0, kind=MessageKind.GROUPCHAT, id="client-id", stanza_id=stanza_id,
                       occupant_id=occupant_id)


def test_a_room_message_is_named_by_the_rooms_stanza_id_and_a_chat_message_by_its_id() -> None:
    assert reference_id(room_message("room-sid")) == "room-sid"
    assert reference_id(ChatMessage("bob@example.org", "bob", "hi", 1.0, id="abc", stanza_id="ours")) == "abc"


def test_the_author_is_the_occupant_id_where_offered_else_the_nick_and_in_a_chat_the_direction() -> None:
    assert author_key(room_message("s", occupant_id="occ1")) == "o:occ1"
    assert author_key(room_message("s")) == "n:carol"
    assert author_key(ChatMessage("bob@example.org", "me", "hi", 1.0, Direction.OUT, id="x")) == "out"


def test_a_new_set_of_reactions_replaces_the_old_and_an_empty_set_removes_it() -> None:
    conversation = Conversation(ROOM)
    message = room_message("s1")
    conversation.add(message)
    assert conversation.references.react("s1", "o:occ2", frozenset({"👍"})) is message
    assert conversation.references.react("s1", "o:occ2", frozenset({"👍"})) is None, "nothing changed"
    conversation.references.react("s1", "o:occ2", frozenset({"🎉"}))
    assert message.reactions == {"o:occ2": frozenset({"🎉"})}
    conversation.references.react("s1", "o:occ2", frozenset())
    assert message.reactions == {}


def test_updates_for_a_message_not_held_wait_for_it_and_then_apply() -> None:
    conversation = Conversation(ROOM)
    assert conversation.references.react("s1", "o:occ2", frozenset({"👍"})) is None
    assert conversation.references.react("nope", "o:occ2", frozenset({"👍"})) is None
    message = room_message("s1")
    conversation.add(message)
    assert message.reactions == {"o:occ2": frozenset({"👍"})}


def test_only_the_author_or_a_moderator_retracts() -> None:
    conversation = Conversation(ROOM)
    message = room_message("s1", occupant_id="occ-carol")
    conversation.add(message)
    assert conversation.references.retract("s1", "o:occ-eve", RETRACTED) is None
    assert conversation.references.retract("s1", "n:carol", RETRACTED) is None, "a nick is not enough with ids"
    assert message.body == "hello" and not message.retracted
    assert conversation.references.retract("s1", "o:occ-carol", RETRACTED) is message
    assert (message.body, message.retracted) == ("", RETRACTED)
    other = room_message("s2", nick="spammer")
    conversation.add(other)
    conversation.references.retract("s2", MODERATOR, "removed by a moderator (spam)")
    assert other.retracted == "removed by a moderator (spam)"


def test_a_spoofed_retraction_waiting_for_a_message_changes_nothing_when_it_arrives() -> None:
    conversation = Conversation("bob@example.org")
    conversation.references.retract("id1", "in", RETRACTED)  # (the peer names our message)
    ours = ChatMessage("bob@example.org", "me", "mine", 1.0, Direction.OUT, id="id1")
    conversation.add(ours)
    assert (ours.body, ours.retracted) == ("mine", "")


def test_what_waits_is_bounded() -> None:
    conversation = Conversation(ROOM)
    for n in range(MAX_PENDING + 10):
        conversation.references.react(f"s{n}", "o:x", frozenset({"👍"}))
    first, last = room_message("s0"), room_message(f"s{MAX_PENDING + 9}")
    conversation.add(first)
    conversation.add(last)
    assert (first.reactions, last.reactions) == ({}, {"o:x": frozenset({"👍"})})
