"""The session's events in batches (ui/main/batches.py): the pace a flood sets, the wait for the typing to pause
during a flood, and the events that end a room's join, which go on the next loop turn whatever the pace (#20)."""

from __future__ import annotations

import asyncio
import time

import pytest

from xmpptui.model.conversation import ChatMessage
from xmpptui.model.events import Event, MessageAdded, RoomChanged
from xmpptui.model.room import Occupant, Room, RoomState
from xmpptui.model.state import ClientState
from xmpptui.ui.main import batches as batches_module
from xmpptui.ui.main.batches import FLOOD_MESSAGES, EventBatches, RoomsSettled

ROOM = "lounge@conference.example.org"


async def turns(count: int = 3) -> None:
    for _ in range(count):
        await asyncio.sleep(0)


async def test_a_join_completing_goes_on_the_next_loop_turn_even_under_the_flood_pace() -> None:
    delivered: list[list[Event]] = []
    batches = EventBatches(delivered.append)
    flood = [MessageAdded(ChatMessage("bob@example.org", "Bob", f"flood {n}", 0.0)) for n in range(FLOOD_MESSAGES)]
    for event in flood:
        batches.add(event)
    await turns()
    assert delivered == [flood], "a lone batch after a quiet spell goes at once"
    paced = RoomChanged(ROOM)
    batches.add(paced)  # an occupant's presence: held for the flood's pace (1/15 s)
    await turns()
    assert len(delivered) == 1, "held for the pace"
    joined = RoomChanged(ROOM)
    batches.add(joined, at_once=True)
    await turns()
    assert delivered[1:] == [[paced, joined]], "the join's batch (with what waited) went on the next turns"
    batches.add(RoomChanged(ROOM))
    await turns()
    assert len(delivered) == 2, "after it, the pace holds again"


def flood_of(count: int) -> list[Event]:
    return [MessageAdded(ChatMessage("bob@example.org", "Bob", f"flood {n}", 0.0)) for n in range(count)]


async def flood_for(batches: EventBatches, seconds: float) -> list[Event]:
    """Ten messages every 10 ms for `seconds`: ~1,000 a second, well above a flood's 20 per 1/15 s (300 a second),
    so that it stays a flood even on a slow machine."""
    added: list[Event] = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        for event in flood_of(10):
            batches.add(event)
            added.append(event)
        await asyncio.sleep(0.01)
    return added


async def in_a_flood() -> tuple[EventBatches, list[tuple[float, list[Event]]]]:
    """Batches whose first batch, a flood's, has gone; what they deliver, with the time of each."""
    delivered: list[tuple[float, list[Event]]] = []
    batches = EventBatches(lambda events: delivered.append((time.monotonic(), events)))
    for event in flood_of(FLOOD_MESSAGES):
        batches.add(event)
    await turns()
    assert len(delivered) == 1, "not typing: the flood's first batch goes at once"
    return batches, delivered


async def until_delivered(delivered: list, count: int) -> None:
    while len(delivered) < count:
        await asyncio.sleep(0.005)


async def test_while_typing_during_a_flood_a_batch_goes_right_after_a_key_is_shown(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(batches_module, "TYPING_WINDOW", 5.0)
    monkeypatch.setattr(batches_module, "TYPING_HOLD_MAX", 0.5)
    batches, delivered = await in_a_flood()
    batches.key_shown()
    await turns()
    assert len(delivered) == 1, "nothing waits: nothing goes"
    held = await flood_for(batches, 0.2)
    assert len(delivered) == 1, "held while the user types (the pace alone would have sent it after 1/15 s)"
    batches.key_shown()
    shown = time.monotonic()
    await until_delivered(delivered, 2)
    assert [events for _, events in delivered[1:]] == [held]
    assert batches_module.AFTER_KEY <= delivered[1][0] - shown < 0.2, "sent shortly after a key was shown"
    flooding = asyncio.ensure_future(flood_for(batches, 2.0))
    try:
        await until_delivered(delivered, 3)
    finally:
        flooding.cancel()
    assert 0.5 - 0.01 <= delivered[2][0] - delivered[1][0] < 1.5, "with no key shown, held for the longest hold"


async def test_while_typing_what_a_flood_brought_shows_once_it_pauses(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(batches_module, "TYPING_WINDOW", 5.0)
    monkeypatch.setattr(batches_module, "TYPING_HOLD_MAX", 5.0)
    batches, delivered = await in_a_flood()
    batches.key_shown()
    await asyncio.sleep(0.05)
    tail = flood_of(FLOOD_MESSAGES)
    for event in tail:
        batches.add(event)
    last_added = time.monotonic()
    await until_delivered(delivered, 2)
    assert delivered[1][1] == tail
    assert batches_module.FLOOD_FRAME - 0.01 <= delivered[1][0] - last_added < 1.0, \
        "the flood's last messages went a flood frame after it stopped, not at the next key or the longest hold"


async def test_when_the_typing_stops_the_flood_keeps_its_pace(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(batches_module, "TYPING_WINDOW", 0.2)
    batches, delivered = await in_a_flood()
    batches.key_shown()
    typed = time.monotonic()
    flooding = asyncio.ensure_future(flood_for(batches, 2.0))
    try:
        await until_delivered(delivered, 3)
    finally:
        flooding.cancel()
    assert delivered[1][0] - typed >= 0.2 - 0.01, "held until the typing window closed"
    assert delivered[2][0] - delivered[1][0] < 0.4, "then the pace again (1/15 s), not held for the flood's 2 s"


async def test_outside_a_flood_typing_holds_nothing() -> None:
    delivered: list[list[Event]] = []
    batches = EventBatches(delivered.append)
    batches.key_shown()
    message = flood_of(1)
    batches.add(message[0])
    await turns()
    assert delivered == [message]


def test_rooms_settled_says_which_room_changes_end_a_join() -> None:
    state = ClientState(jid="alice@example.org", resource="xmpptui")
    settles = RoomsSettled(lambda: state)
    assert not settles(RoomChanged(ROOM)), "a room we do not hold"
    room = state.rooms.add(Room(ROOM, "alice"))
    assert not settles(RoomChanged(ROOM)), "joining"
    room.occupants["bob"] = Occupant("bob")
    assert not settles(RoomChanged(ROOM)), "an occupant while joining"
    room.state = RoomState.JOINED
    assert settles(RoomChanged(ROOM)), "joined"
    assert not settles(RoomChanged(ROOM)), "an occupant once joined"
    room.subject = "Release planning"
    assert settles(RoomChanged(ROOM)), "the subject came"
    assert not settles(MessageAdded(ChatMessage(ROOM, "bob", "hi", 0.0))), "not a room's change"
    room.state = RoomState.LEFT
    assert not settles(RoomChanged(ROOM)), "left"
    room.state = RoomState.JOINED
    assert settles(RoomChanged(ROOM)), "joined again"
    assert RoomsSettled(lambda: None)(RoomChanged(ROOM)) is False, "no session yet"
