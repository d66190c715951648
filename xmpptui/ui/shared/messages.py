"""Textual messages that carry session events into the UI."""

from __future__ import annotations

from textual.message import Message

from xmpptui.model.events import Event


class SessionEvents(Message):
    """Every session event since the last frame, in order: one message (and one refresh) per batch."""

    def __init__(self, events: list[Event]) -> None:
        super().__init__()
        self.events = events
