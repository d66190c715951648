"""InputHistory: what was typed and sent (messages and commands) in each conversation, to bring back into the
composer newest first; the text being typed when browsing started comes back past the newest entry."""

from __future__ import annotations

from collections import deque


class InputHistory:
    LIMIT = 200
    """Entries kept per conversation (this run only: the chat history keeps what was said)."""

    def __init__(self) -> None:
        self._entries: dict[str | None, deque[str]] = {}
        self._position: int | None = None
        """How far back the composer shows (0: the newest entry); None while not browsing."""
        self._draft = ""
        self._key: str | None = None

    def record(self, conversation: str | None, text: str) -> None:
        """`text` was sent in `conversation` (None: no conversation was open); browsing starts over."""
        entries = self._entries.setdefault(conversation, deque(maxlen=self.LIMIT))
        if text.strip() and (not entries or entries[0] != text):
            entries.appendleft(text)
        self._position = None

    def step(self, conversation: str | None, current: str, older: bool) -> str | None:
        """The text to show one entry older (or newer) than what the composer shows (`current`); None when
        there is nothing further that way."""
        if self._key != conversation:
            self._position = None
            self._key = conversation
        entries = self._entries.get(conversation, ())
        if self._position is None:
            if not older or not entries:
                return None
            self._draft = current
            self._position = 0
            return entries[0]
        position = self._position + (1 if older else -1)
        if position >= len(entries):
            return None
        if position < 0:
            self._position = None
            return self._draft
        self._position = position
        return entries[position]

    def stop_browsing(self) -> None:
        """The user edited what was shown: it is a new text, browsing starts over from it."""
        self._position = None
