"""EventBatches: the session's events handed to the main screen in batches, at most one a frame, and during a
flood of messages at most 15 a second."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from xmpptui.model.events import Event, MessageAdded

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
        self._last = 0.0
        self._interval = FRAME

    def add(self, event: Event) -> None:
        self._pending.append(event)
        if self._handle is None:
            # A lone event after a quiet spell goes on the next loop turn.
            wait = max(0.0, self._last + self._interval - time.monotonic())
            self._handle = asyncio.get_running_loop().call_later(wait, self._flush)

    def _flush(self) -> None:
        self._handle = None
        self._last = time.monotonic()
        events, self._pending = self._pending, []
        added = sum(1 for event in events if isinstance(event, MessageAdded))
        self._interval = FLOOD_FRAME if added >= FLOOD_MESSAGES else FRAME
        if events:
            self._deliver(events)
