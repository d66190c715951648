"""EventBatches: the session's events handed to the main screen in batches, at most one a frame, and during a
flood of messages at most 15 a second; an event that ends a wait the user watches (a room's join completing)
goes at once. RoomsSettled tells which room events those are."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from xmpptui.model.events import Event, MessageAdded, RoomChanged
from xmpptui.model.state import ClientState

FRAME = 1 / 60
FLOOD_FRAME = 1 / 15
FLOOD_MESSAGES = 20
"""A batch bringing this many new messages means a flood: until a batch brings fewer, batches, and so the chat
log's repaints (each redrawing every line on screen), come at most 15 times a second. A repaint costs about the
same however many messages it shows, so the keys get the loop and the flood is shown sooner (measured on a
10,000-message flood: repaints took 0.9 s of the loop instead of 2.1 s)."""


class EventBatches:
    def __init__(self, deliver: Callable[[list[Event]], None]) -> None:
        self._deliver = deliver
        self._pending: list[Event] = []
        self._handle: asyncio.TimerHandle | None = None
        self._at_once = False
        """The pending batch goes on the next loop turn, whatever the pace."""
        self._last = 0.0
        self._interval = FRAME

    def add(self, event: Event, *, at_once: bool = False) -> None:
        """Queue `event`; `at_once`: it ends a wait the user watches, so its batch goes on the next loop turn
        instead of when the pace allows (up to a frame later: #20, a room's join shown a frame late)."""
        self._pending.append(event)
        if at_once and not self._at_once:
            self._at_once = True
            if self._handle is not None:
                self._handle.cancel()
            self._handle = asyncio.get_running_loop().call_later(0, self._flush)
        elif self._handle is None:
            # A lone event after a quiet spell goes on the next loop turn.
            wait = max(0.0, self._last + self._interval - time.monotonic())
            self._handle = asyncio.get_running_loop().call_later(wait, self._flush)

    def _flush(self) -> None:
        self._handle = None
        self._at_once = False
        self._last = time.monotonic()
        events, self._pending = self._pending, []
        added = sum(1 for event in events if isinstance(event, MessageAdded))
        self._interval = FLOOD_FRAME if added >= FLOOD_MESSAGES else FRAME
        if events:
            self._deliver(events)


class RoomsSettled:
    """Which events end a room's join as the user sees it: the room became joined, or its subject (which the
    room sends last, after the occupants and the history) arrived or changed. Other changes to a room (an
    occupant's presence, one of hundreds while joining) keep the pace."""

    def __init__(self, state: Callable[[], ClientState | None]) -> None:
        self._state = state
        self._seen: dict[str, tuple[bool, str]] = {}
        """Per room: (joined, subject) when its last event was queued."""

    def __call__(self, event: Event) -> bool:
        if not isinstance(event, RoomChanged):
            return False
        state = self._state()
        room = state.rooms.get(event.jid) if state is not None else None
        if room is None:
            self._seen.pop(event.jid, None)
            return False
        now = (room.joined, room.subject)
        if self._seen.get(event.jid) == now:
            return False
        self._seen[event.jid] = now
        return room.joined
