"""EventBatches: the session's events handed to the main screen in batches, at most one a frame; during a flood
of messages at most 15 a second, or, while the user types, just after each key; an event that ends a wait the
user watches (a room's join completing) goes at once. RoomsSettled tells which room events those are."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from xmpptui.model.events import Event, MessageAdded, RoomChanged
from xmpptui.model.state import ClientState

FRAME = 1 / 60
FLOOD_FRAME = 1 / 15
FLOOD_MESSAGES = 20
"""A batch bringing this many new messages means a flood: until messages come slower than this many per
FLOOD_FRAME, batches, and so the chat log's repaints (each redrawing every line on screen), come at most 15 times
a second. A repaint costs about the same however many messages it shows, so the keys get the loop and the flood
is shown sooner (measured on a 10,000-message flood: repaints took 0.9 s of the loop instead of 2.1 s)."""
TYPING_WINDOW = 0.5
TYPING_HOLD_MAX = 1.0
AFTER_KEY = 0.015
"""During a flood, while the user types (a key shown in the composer within TYPING_WINDOW seconds), a batch goes
AFTER_KEY seconds after a key is shown, or TYPING_HOLD_MAX after the last batch, or once no event came for
FLOOD_FRAME (the flood paused or ended: what it brought shows), not at the pace. Each batch ends
in a repaint of the chat log that holds the loop for tens of ms (every line on screen is new): at the pace, a key
typed meanwhile showed only after it (#20, echo during a flood). Shortly after a key, the repaint is done before
the typist's next key comes (~100-200 ms later); not at once, for the key's paint is written to the terminal by
Textual's output thread, which needs the interpreter's lock the repaint would hold. The messages are in the model
and the history already."""


class EventBatches:
    def __init__(self, deliver: Callable[[list[Event]], None]) -> None:
        self._deliver = deliver
        self._typing_until = 0.0
        """Until when the user counts as typing (TYPING_WINDOW after the last key shown)."""
        self._added_at = 0.0
        """When the last event came (a flood that stops for FLOOD_FRAME has paused or ended)."""
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
        self._added_at = time.monotonic()
        if at_once:
            self._flush_soon()
        elif self._handle is None:
            # A lone event after a quiet spell goes on the next loop turn.
            wait = max(0.0, self._last + self._interval - time.monotonic())
            self._handle = asyncio.get_running_loop().call_later(wait, self._flush)

    def key_shown(self) -> None:
        """A key typed into the composer is on screen: during a flood, what waits goes AFTER_KEY later."""
        self._typing_until = time.monotonic() + TYPING_WINDOW
        if self._pending and self._interval == FLOOD_FRAME:
            self._flush_soon(AFTER_KEY)

    def _flush_soon(self, delay: float = 0.0) -> None:
        """The pending batch goes on the next loop turn (or after `delay` seconds), whatever the pace."""
        if not self._at_once:
            self._at_once = True
            if self._handle is not None:
                self._handle.cancel()
            self._handle = asyncio.get_running_loop().call_later(delay, self._flush)

    def _flush(self) -> None:
        self._handle = None
        now = time.monotonic()
        if not self._at_once and self._interval == FLOOD_FRAME and now < self._typing_until:
            # Typing during a flood: the batch waits for the next key shown, the longest hold, or a pause.
            wait = min(self._typing_until, self._last + TYPING_HOLD_MAX, self._added_at + FLOOD_FRAME) - now
            if wait > 0:
                self._handle = asyncio.get_running_loop().call_later(wait, self._flush)
                return
        events, self._pending = self._pending, []
        added = sum(1 for event in events if isinstance(event, MessageAdded))
        if self._interval == FLOOD_FRAME:  # (a flood goes on while messages come at its rate, whenever batches go)
            flood = added * FLOOD_FRAME >= FLOOD_MESSAGES * (now - self._last)
        else:
            flood = added >= FLOOD_MESSAGES
        self._interval = FLOOD_FRAME if flood else FRAME
        self._at_once = False
        self._last = now
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
