"""ConversationLog: an open conversation's chat log, where a message can be selected and acted on with one key
(ui/chat/message_keys.py); a search's context log is a plain ChatLog, whose arrows only scroll."""

from __future__ import annotations

from xmpptui.model.conversation import ChatMessage
from xmpptui.ui.chat import message_keys
from xmpptui.ui.chat.chat_log import ChatLog


class ConversationLog(ChatLog):
    BINDINGS = message_keys.BINDINGS
    _select_when_counted: ChatMessage | None = None
    """A message paged in to be selected once the log has counted it (its page's event comes after the session
    holds it)."""

    def select_when_counted(self, message: ChatMessage | None) -> None:
        """Select `message` now if the log has counted every message held, else once it has (None: forget it)."""
        self._select_when_counted = message
        self._select_if_counted()

    def _select_if_counted(self) -> None:
        message = self._select_when_counted
        if message is not None and self._width and len(self._offsets) == len(self._messages):
            self._select_when_counted = None
            self.selected = message

    def prepended(self, count: int) -> None:
        super().prepended(count)
        self._select_if_counted()

    def sync(self) -> None:
        super().sync()
        self._select_if_counted()

    def reset(self) -> None:
        super().reset()
        self._select_if_counted()

    @property
    def selected(self) -> ChatMessage | None:
        """The message the user selected (shown highlighted, as a search shows its hit), if any."""
        return self._layout.highlighted

    @selected.setter
    def selected(self, message: ChatMessage | None) -> None:
        """Select `message` (None: nothing): it is highlighted, scrolled into view and stays where it is while
        newer messages arrive."""
        previous, self._layout.highlighted = self._layout.highlighted, message
        for changed in {id(m): m for m in (previous, message) if m is not None}.values():
            self.restyled(changed)  # (a highlight changes no height: nothing is counted again)
        self.following = self.following and message is None
        self._reveal_highlighted()

    def action_selection(self, action: str) -> None:
        """A selection key, for the screen to act on the selected message; with none selected (the log was
        focused some other way) the moving keys scroll, as in any log."""
        if self.selected is None and action in message_keys.SCROLLING:
            getattr(self, f"action_{message_keys.SCROLLING[action]}")()
        else:
            self.post_message(message_keys.SelectionKey(self, action))
