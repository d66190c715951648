"""ChatHeader: the line over a 1:1 chat's log: who the contact is, their presence and status text, and the
resource our messages go to (the conversation is locked to the one that last wrote, RFC 6121 5.1)."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from xmpptui.model.conversation import ConversationKind
from xmpptui.model.state import ClientState
from xmpptui.ui.shared import render


class ChatHeader(Static):
    DEFAULT_CSS = """
    ChatHeader { height: 1; padding: 0 1; background: $boost; display: none; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id)
        self._shown: Text | None = None
        """The line on screen: a batch of events that changes nothing about it does not repaint it."""

    def show_for(self, state: ClientState | None, jid: str | None) -> None:
        """The header of conversation `jid` if it is a 1:1 chat; hidden for rooms, private chats and none."""
        conversation = state.conversations.get(jid) if state is not None and jid else None
        if state is None or conversation is None or conversation.kind is not ConversationKind.CHAT:
            self.display = False
            self._shown = None
            return
        contact = state.roster.get(conversation.jid)
        _bare, slash, resource = conversation.reply_to.partition("/")
        line = render.chat_header(contact.display_name if contact else "", conversation.jid,
                                  state.presence.best(conversation.jid), resource if slash else "")
        self.display = True
        if line != self._shown:
            self._shown = line
            self.update(line)

    @property
    def plain(self) -> str:
        """What the header says (empty when hidden)."""
        return self._shown.plain if self._shown is not None and self.display else ""
