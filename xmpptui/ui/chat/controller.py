"""ChatController: the conversations. One chat log per open conversation (the one on screen is the active
one), the conversation bar and the typing line, sending, correcting and retrying messages, paging older
history in, the bell, and the commands /chat, /close, /me, /correct, /retry, /search, /find and /edit."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Protocol

from rich.text import Text
from textual.widgets import ContentSwitcher, Static

from xmpptui import commands
from xmpptui.config import UiConfig
from xmpptui.model.conversation import ChatMessage, Conversation, ConversationKind, Direction, MessageKind, SearchHit
from xmpptui.model.state import ClientState
from xmpptui.ui.chat.chat_log import ChatLog
from xmpptui.ui.chat.completion import room_names
from xmpptui.ui.chat.composer import Composer
from xmpptui.ui.chat.conversation_bar import ConversationBar
from xmpptui.ui.chat.conversation_log import ConversationLog
from xmpptui.ui.chat.message_lines import Previews
from xmpptui.ui.chat.selection import own_reactor
from xmpptui.ui.shared import render
from xmpptui.ui.shared.controller import CommandTable, ScreenTools

_log_ids = itertools.count(1)


class ChatSession(Protocol):
    """The part of the `Session` conversations use."""

    @property
    def state(self) -> ClientState: ...

    def open_conversation(self, jid: str) -> None: ...

    def close_conversation(self, jid: str) -> None: ...

    def mark_read(self, jid: str) -> None: ...

    def typing(self, jid: str, composing: bool) -> None: ...

    async def load_older(self, jid: str) -> None: ...

    async def send_chat(self, to: str, body: str) -> None: ...

    async def send_groupchat(self, room: str, body: str) -> None: ...

    async def send_private(self, occupant: str, body: str) -> None: ...

    async def correct_last(self, jid: str, body: str) -> None: ...

    async def retry(self, jid: str) -> None: ...

    async def search(self, query: str, jid: str | None = None) -> list[SearchHit]: ...

    async def search_context(self, hit: SearchHit) -> list[ChatMessage]: ...


class ChatController:
    def __init__(self, ui_config: UiConfig, tools: ScreenTools, *, composer: Composer, logs: ContentSwitcher,
                 chat_state: Static, bar: ConversationBar, label: Callable[[Conversation], str],
                 active_changed: Callable[[], None], app_focused: Callable[[], bool],
                 previews: Previews | None = None) -> None:
        """`logs`: where the chat logs are shown, one at a time (its first child is the welcome text);
        `chat_state`: the typing line over the composer; `label`: what the bar calls a conversation that is not
        a contact's; `active_changed`: told when another conversation (or none) is on screen; `app_focused`:
        whether the terminal has the focus (a message seen there is read); `previews`: what shows under a message
        that shares an image."""
        self._ui = ui_config
        self._tools = tools
        self._composer = composer
        self._switcher = logs
        self._chat_state = chat_state
        self._bar = bar
        self._label = label
        self._active_changed = active_changed
        self._app_focused = app_focused
        self._previews = previews
        self.session: ChatSession | None = None
        self.active: str | None = None
        """The conversation on screen (its bare JID, or an occupant's room JID)."""
        self._logs: dict[str, ConversationLog] = {}
        """The chat log of each open conversation, by JID."""
        self._last_log_width = 0
        composer.conversation = lambda: self.active
        composer.confirm_lines = ui_config.confirm_lines
        composer.sources.jids = lambda: [c.jid for c in self.session.state.roster] if self.session else []
        composer.sources.rooms = lambda: room_names(self.session.state) if self.session else []

    def commands(self) -> CommandTable:
        """The slash commands of conversations, by name (for MainScreen's command table)."""
        return {
            "chat": self.command_chat,
            "close": self._command_close,
            "me": self._command_me,
            "correct": self._command_correct,
            "retry": self._command_retry,
            "search": self._command_search,
            "find": self._command_find,
            "edit": lambda args: self._composer.edit_externally(args),
        }

    def attach(self, session: ChatSession) -> None:
        """A (new) session: the previous one's conversations go."""
        self.session = session
        self.active = None
        if self._logs:
            for log in self._logs.values():
                log.remove()
            self._logs.clear()
            self._switcher.current = "welcome"
        self.refresh_conversations()

    # Logs -------------------------------------------------------------------------------------

    def chat_log(self, jid: str) -> ConversationLog | None:
        return self._logs.get(jid)

    def ensure_log(self, jid: str) -> None:
        if self.chat_log(jid) is not None or self.session is None:
            return
        conversation = self.session.state.conversations.get(jid)
        if conversation is None:
            return
        # A fresh id per log: a closed conversation's log may still be leaving the DOM when it reopens.
        hidden = frozenset() if self._ui.show_joins else frozenset({MessageKind.OCCUPANT})
        session = self.session
        log = ConversationLog(conversation.messages, own_label="me", timestamp_format=self._ui.timestamp_format,
                              width_hint=self._log_width, hidden=hidden, previews=self._previews,
                              styling=self._ui.styling, own_reactor=lambda: own_reactor(session.state, jid), name=jid,
                              id=f"log-{next(_log_ids)}")
        self._logs[jid] = log
        # ContentSwitcher hides only the children it started with; a later one is hidden here until it is
        # made current. (Its add_content() does the same, but mounts later, after switch_to may need it.)
        log.display = False
        self._switcher.mount(log)

    @property
    def _log_width(self) -> int:
        """The content width of a chat log, as last laid out (0 before the first)."""
        for log in self._logs.values():
            if log.line_width:
                self._last_log_width = log.line_width
                break
        return self._last_log_width

    def drop_log(self, jid: str) -> None:
        """A conversation was closed: its log goes; if it was on screen, the newest other one comes."""
        log = self._logs.pop(jid, None)
        if log is not None:
            self._last_log_width = log.line_width or self._last_log_width
            log.remove()
        if self.active == jid:
            self.active = None
            remaining = list(self.session.state.conversations) if self.session else []
            if remaining:
                self.switch_to(remaining[-1].jid)
            else:
                self._switcher.current = "welcome"
                self._active_changed()

    def sync_logs(self, jids: set[str]) -> None:
        """New messages were added to these conversations; the one on screen is read if the user sees it."""
        for jid in jids:
            log = self.chat_log(jid)
            if log is not None:
                log.sync()
        if self.active in jids and self._app_focused() and self.session is not None:
            self.session.mark_read(self.active)

    def switch_to(self, jid: str) -> None:
        """Show this conversation."""
        if self.session is None or jid not in self.session.state.conversations:
            return
        self.ensure_log(jid)
        if self.active != jid and (self._composer.correcting or self._composer.replying):
            self._composer.clear()  # a correction or a reply belongs to the conversation it was started in
        left = self.chat_log(self.active) if self.active not in (None, jid) else None
        if left is not None:
            left.mark_unread(0)  # read, and moved on from: its "new messages" line goes
            left.selected = None  # (and its selection: Alt+Up selects afresh where the user is)
            if left.has_focus:
                self._composer.focus()
        arriving = self.active != jid
        self.active = jid
        self.show_chat_state()
        log = self.chat_log(jid)
        if log is not None:
            self._switcher.current = log.id
            log.sync()
            log.show_newest()
            if arriving:
                conversation = self.session.state.conversations.get(jid)
                log.mark_unread(conversation.unread if conversation is not None else 0)
        self.session.mark_read(jid)
        self.refresh_conversations()
        self._active_changed()

    def open_chat(self, jid: str) -> None:
        """Open (or switch to) the conversation with `jid` and put the cursor in the composer."""
        if self.session is not None:
            self.session.open_conversation(jid)
            self._composer.focus()

    def terminal_focus_changed(self, focused: bool) -> None:
        if focused and self.session is not None and self.active is not None:
            self.session.mark_read(self.active)  # read only once the user can actually see it

    def rings_for(self, message: ChatMessage) -> bool:
        """Whether a new message rings the terminal bell (`[ui] bell`): one the user is not looking at, from
        someone else, live (not history), and in a chat or naming us unless every room message rings."""
        if (message.direction is not Direction.IN or message.delayed or self._ui.bell == "off"
                or message.kind not in (MessageKind.CHAT, MessageKind.NORMAL, MessageKind.GROUPCHAT)
                or (message.conversation == self.active and self._app_focused())):
            return False
        return self._ui.bell == "all" or message.kind is not MessageKind.GROUPCHAT or message.mention

    # The lines around the log -----------------------------------------------------------------

    @property
    def chat_state_line(self) -> str:
        """What the header over the composer says about the active peer (empty when hidden)."""
        return str(self._chat_state.render()) if self._chat_state.display else ""

    def show_chat_state(self) -> None:
        """The active peer's chat state (XEP-0085) on the line over the composer, shown only when there is one."""
        conversation = self.session.state.conversations.get(self.active) if self.session and self.active else None
        line = Text("")
        if conversation is not None and self.session is not None:
            contact = self.session.state.roster.get(conversation.jid)
            line = render.typing_line(contact.display_name if contact else conversation.jid, conversation.chat_state)
        self._chat_state.update(line)
        self._chat_state.display = bool(line.plain)

    def refresh_conversations(self) -> None:
        """The conversation bar: every open conversation, its unread count, the active one marked."""
        if self.session is None:
            return
        state = self.session.state
        entries = []
        for conversation in state.conversations:
            contact = state.roster.get(conversation.jid)
            label = contact.display_name if contact is not None else self._label(conversation)
            entries.append((conversation.jid, label, conversation.unread))
        self._bar.show(entries, self.active)

    # Intents from the log and the composer ----------------------------------------------------

    def page_older(self, log: ChatLog) -> None:
        if self.session is not None and log.name:
            def answered() -> None:
                log.loading_older = False  # (prepended() has done so if a page came; none may have)

            self._tools.run(self.session.load_older(log.name), "load older history", answered)

    def scroll_log(self, direction: int) -> None:
        log = self.chat_log(self.active) if self.active else None
        if log is None:
            return
        if direction > 0:
            log.scroll_page_down(animate=False)
        else:
            log.scroll_up_or_older()

    def typed(self, text: str) -> None:
        if self.session is not None and self.active is not None:
            self.session.typing(self.active, bool(text.strip()) and commands.is_message(text))

    def edit_last(self) -> None:
        conversation = self.session.state.conversations.get(self.active) if self.session and self.active else None
        last = conversation.last_sent() if conversation is not None else None
        if last is None:
            self._tools.notify("no message of yours to correct in this conversation", severity="warning")
            return
        self._composer.start_correction(last.body)

    def _clear_composer(self, sent: str) -> None:
        if self._composer.text == sent:
            self._composer.clear()

    def send(self, body: str) -> None:
        """Send to the active conversation (a chat, a room, or an occupant through its room)."""
        if self.session is None:
            return
        if self.active is None:
            self._tools.notify("no conversation is open: Enter on a contact, or /chat JID", severity="warning")
            return
        text = self._composer.text
        conversation = self.session.state.conversations.get(self.active)
        if conversation is not None and conversation.kind is ConversationKind.GROUPCHAT:
            sending = self.session.send_groupchat(conversation.jid, body)
        elif conversation is not None and conversation.kind is ConversationKind.PRIVATE:
            sending = self.session.send_private(conversation.jid, body)
        else:
            sending = self.session.send_chat(conversation.address if conversation is not None else self.active, body)
        self._tools.run(sending, "send message", lambda: self._clear_composer(text))

    def correct(self, body: str) -> None:
        """Replace the text of our last message in the active conversation."""
        if self.session is None or self.active is None:
            return
        text = self._composer.text
        self._tools.run(self.session.correct_last(self.active, body.strip()), "correct message",
                        lambda: self._clear_composer(text))

    # Keys -------------------------------------------------------------------------------------

    def retry(self) -> None:
        if self.session is not None and self.active is not None:
            self._tools.run(self.session.retry(self.active), "retry")

    def cycle(self, step: int) -> None:
        jids_open = [c.jid for c in self.session.state.conversations] if self.session else []
        if not jids_open:
            return
        index = jids_open.index(self.active) if self.active in jids_open else -1
        self.switch_to(jids_open[(index + step) % len(jids_open)])

    def next_unread(self) -> None:
        if self.session is None:
            return
        unread = [c.jid for c in self.session.state.conversations if c.unread]
        if unread:
            self.switch_to(unread[0])

    def close_conversation(self) -> None:
        if self.session is not None and self.active is not None:
            self.session.close_conversation(self.active)

    # Commands ---------------------------------------------------------------------------------

    def command_chat(self, args: str) -> None:
        """/chat JID (also what /msg is outside a room)."""
        jid = args.split()[0] if args.split() else ""
        local, at, domain = jid.partition("@")
        if not jid or (at and (not local or not domain)) or (not at and "." not in jid and jid != "localhost"):
            self._tools.notify("usage: /chat JID, e.g. /chat bob@example.org", severity="warning")
            return
        self._composer.clear()
        self.open_chat(jid)

    def _command_close(self, _args: str) -> None:
        self._composer.clear()
        self.close_conversation()

    def _command_me(self, args: str) -> None:
        if not args:
            self._tools.notify("usage: /me TEXT", severity="warning")
            return
        self.send(f"/me {args}")

    def _command_correct(self, args: str) -> None:
        if not args:
            self._tools.notify("usage: /correct TEXT (or Up in an empty composer)", severity="warning")
            return
        if self.active is None:
            self._tools.notify("no conversation is open", severity="warning")
            return
        self.correct(args)

    def _command_retry(self, _args: str) -> None:
        self._composer.clear()
        self.retry()

    def _command_search(self, args: str) -> None:
        self._search(args, None)

    def _command_find(self, args: str) -> None:
        if self.active is None:
            self._tools.notify("no conversation is open: /search TEXT searches all of them", severity="warning")
            return
        self._search(args, self.active)

    def _search(self, query: str, jid: str | None) -> None:
        if not query.strip():
            self._tools.notify("usage: /search TEXT (all conversations) or /find TEXT (this one)",
                               severity="warning")
            return
        if self.session is None:
            return
        session = self.session
        self._composer.clear()

        async def search() -> None:
            hits = await session.search(query, jid)
            from xmpptui.ui.chat.search import SearchScreen  # (not needed for the first frame)

            self._tools.push_screen(SearchScreen(session, query, hits, self._ui.timestamp_format,
                                                  styling=self._ui.styling))

        self._tools.run(search(), "search")
