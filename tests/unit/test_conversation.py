"""Conversation: where archived messages go among those held, and the states a sent message moves through."""

from __future__ import annotations

from xmpptui.model.conversation import ChatMessage, Conversation, DeliveryState, Direction


def line(body: str, stamp: float, stanza_id: str = "") -> ChatMessage:
    return ChatMessage(conversation="room@muc.example", sender="bob", body=body, timestamp=stamp, stanza_id=stanza_id)


def test_an_archive_run_keeps_its_order_within_a_second_and_the_list_is_changed_in_place() -> None:
    conversation = Conversation("room@muc.example")
    held_list = conversation.messages  # what a chat log holds on to
    early, late = line("notice", 5.0), line("live", 20.0)
    history = [line(f"m{n}", 10.0, f"s{n}") for n in (3, 4)]  # the room's join history: the last two
    conversation.messages.extend([early, *history, late])
    archived = [line(f"m{n}", 10.0, f"s{n}") for n in (0, 1, 2)] + history  # same second, archive order
    conversation.merge_archive(archived)
    assert conversation.messages is held_list
    assert [m.body for m in conversation.messages] == ["notice", "m0", "m1", "m2", "m3", "m4", "live"]


def test_insert_puts_older_messages_in_time_order() -> None:
    conversation = Conversation("bob@example.org")
    conversation.messages.extend([line("a", 1.0), line("c", 3.0)])
    assert conversation.insert([line("b", 2.0)]) is True
    assert [m.body for m in conversation.messages] == ["a", "b", "c"]
    assert conversation.insert([line("d", 4.0)]) is False


def test_a_sent_message_only_moves_forward() -> None:
    sent = ChatMessage("bob@example.org", "me", "hi", 1.0, Direction.OUT, id="x", state=DeliveryState.PENDING)
    assert sent.advance(DeliveryState.DELIVERED)
    assert not sent.advance(DeliveryState.SENT), "a late server ack does not undo a receipt"
    assert sent.advance(DeliveryState.DISPLAYED)
    failed = ChatMessage("bob@example.org", "me", "hi", 1.0, Direction.OUT, id="y", state=DeliveryState.FAILED)
    assert not failed.advance(DeliveryState.DELIVERED)
