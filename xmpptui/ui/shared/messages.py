"""Textual messages: the session events carried into the UI, and the requests that go up to the app."""

from __future__ import annotations

from textual.message import Message

from xmpptui.model.events import Event


class SessionEvents(Message):
    """Every session event since the last frame, in order: one message (and one refresh) per batch."""

    def __init__(self, events: list[Event]) -> None:
        super().__init__()
        self.events = events


# Requests up to the app: what a screen or the command palette asks of the app, which owns the session's lifetime
# and the screen stack (so nothing below the app calls into it).


class HelpRequested(Message):
    """Show the help screen (the /help command)."""


class ConsoleRequested(Message):
    """Open the XML console (the /console command)."""


class QuitRequested(Message):
    """Log out and quit (the /quit command)."""


class ChatRequested(Message):
    """Open (or switch to) the conversation with `jid` on the main screen (the command palette)."""

    def __init__(self, jid: str) -> None:
        super().__init__()
        self.jid = jid
