"""ConversationLog: an open conversation's chat log, where a message can be selected and acted on with one key
(ui/chat/message_keys.py); a search's context log is a plain ChatLog, whose arrows only scroll."""

from __future__ import annotations

from xmpptui.model.conversation import ChatMessage
from xmpptui.ui.chat import message_keys
from xmpptui.ui.chat.chat_log import ChatLog


class ConversationLog(ChatLog):
    BINDINGS = message_keys.BINDINGS

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
            self.message_changed(changed)
        self.following = self.following and message is None
        self._reveal_highlighted()

    def action_selection(self, action: str) -> None:
        """A selection key, for the screen to act on the selected message; with none selected (the log was
        focused some other way) the moving keys scroll, as in any log."""
        if self.selected is None and action in message_keys.SCROLLING:
            getattr(self, f"action_{message_keys.SCROLLING[action]}")()
        else:
            self.post_message(message_keys.SelectionKey(self, action))
