"""The session's events in batches (ui/main/batches.py): the pace a flood sets, and the events that end a room's
join, which go on the next loop turn whatever the pace (#20)."""

from __future__ import annotations

import asyncio

from xmpptui.model.conversation import ChatMessage
from xmpptui.model.events import Event, MessageAdded, RoomChanged
from xmpptui.model.room import Occupant, Room, RoomState
from xmpptui.model.state import ClientState
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
