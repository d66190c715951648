"""MainScreen: roster | conversations + composer, status bar. Routes session events down into widgets
and turns widget intents into session calls (in named workers)."""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import ContentSwitcher, Footer, Static

from xmpptui import commands
from xmpptui.config import UiConfig
from xmpptui.model import events as ev
from xmpptui.model.conversation import ChatMessage, ConversationKind, Direction, MessageKind
from xmpptui.model.presence import Presence, Show, parse_priority
from xmpptui.session import Session
from xmpptui.ui.chat.chat_log import ChatLog
from xmpptui.ui.chat.composer import Composer
from xmpptui.ui.chat.conversation_bar import ConversationBar
from xmpptui.ui.contacts.controller import ContactCommands
from xmpptui.ui.contacts.roster_view import RosterView
from xmpptui.ui.main.status_bar import StatusBar
from xmpptui.ui.rooms import controller as room_commands
from xmpptui.ui.rooms.occupant_list import OccupantList
from xmpptui.ui.shared import render
from xmpptui.ui.shared.dialogs import PromptScreen
from xmpptui.ui.shared.messages import HelpRequested, QuitRequested, SessionEvents

_SHOW_KEYS = (
    ("f2", Show.ONLINE, "go_online", "Online"),
    ("f3", Show.CHAT, "go_chat", "Free for chat"),
    ("f4", Show.AWAY, "go_away", "Away"),
    ("f5", Show.XA, "go_xa", "Extended away"),
    ("f6", Show.DND, "go_dnd", "Do not disturb"),
    ("f7", Show.OFFLINE, "go_offline", "Go offline"),
)


_log_ids = itertools.count(1)


class MainScreen(ContactCommands, room_commands.RoomCommandsMixin, Screen[None]):
    BINDINGS = [
        # Priority bindings: the composer (a TextArea) would otherwise take F6 and F7 for selection.
        *(Binding(key, f"set_show('{show.value}')", label, id=binding_id, priority=True,
                  show=show in (Show.ONLINE, Show.AWAY, Show.DND))
          for key, show, binding_id, label in _SHOW_KEYS),
        Binding("f8", "edit_status", "Status text", id="edit_status", priority=True),
        Binding("f9", "edit_priority", "Priority", id="edit_priority", priority=True),
        Binding("f10", "reconnect_now", "Reconnect now", id="reconnect_now", show=False, priority=True),
        Binding("alt+r", "retry", "Retry failed", id="retry_failed", show=False),
        Binding("ctrl+n,alt+right", "cycle(1)", "Next chat", id="next_conversation", show=False),
        Binding("ctrl+b,alt+left", "cycle(-1)", "Prev chat", id="previous_conversation", show=False),
        Binding("alt+a", "next_unread", "Next unread", id="next_unread", show=False),
        Binding("alt+w", "close_conversation", "Close chat", id="close_conversation", show=False),
        Binding("question_mark", "app.help", "Help", id="help_key", show=False),
        Binding("ctrl+r", "focus_roster", "Roster", id="focus_roster"),
        Binding("ctrl+t", "focus_composer", "Composer", id="focus_composer", show=False),
        Binding("ctrl+o", "toggle_occupants", "Occupants", id="toggle_occupants", show=False, priority=True),
        Binding("alt+j", "join_room", "Join room", id="join_room", show=False),
        Binding("alt+o", "focus_occupants", "Occupants", id="focus_occupants", show=False),
    ]

    def __init__(self, ui_config: UiConfig) -> None:
        super().__init__()
        self._ui = ui_config
        self.session: Session | None = None
        self.active: str | None = None
        self._logs: dict[str, ChatLog] = {}
        self._last_log_width = 0
        """The chat log of each open conversation, by bare JID."""
        self._configure_once_joined = set()
        self.command_table = self._build_command_table()
        """Every slash command's handler, by the name `commands.parse` gives (aliases are resolved there)."""

    # Layout -----------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Horizontal(id="body"):
            with Vertical(id="roster-pane"):
                yield Static(Text("Contacts", style="bold"), id="roster-title")
                yield Static("", id="roster-filter")
                yield Static(Text("connecting…", style="italic"), id="roster-placeholder")
            with Vertical(id="chat-pane"):
                yield ConversationBar(id="conversations")
                yield Static("", id="room-subject")
                with ContentSwitcher(id="logs", initial="welcome"):
                    yield Static(Text("Select a contact and press Enter, or type /chat JID.\n"
                                      "F1 lists every key and command.", style="italic"), id="welcome")
                yield Static("", id="chat-state")
                yield Composer(id="composer")
            with Vertical(id="occupant-pane"):
                yield OccupantList(id="occupants")
        yield StatusBar(id="status-bar")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#roster-filter").display = False
        self.query_one("#chat-state").display = False
        self.query_one("#room-subject").display = False
        self.query_one("#occupant-pane").display = False
        self.query_one(Composer).focus()
        self.watch(self.app, "app_focus", self._terminal_focus_changed, init=False)

    def _rings_for(self, message: ChatMessage) -> bool:
        """Whether a new message rings the terminal bell (`[ui] bell`): one the user is not looking at, from
        someone else, live (not history), and in a chat or naming us unless every room message rings."""
        if (message.direction is not Direction.IN or message.delayed or self._ui.bell == "off"
                or message.kind not in (MessageKind.CHAT, MessageKind.NORMAL, MessageKind.GROUPCHAT)
                or (message.conversation == self.active and self.app.app_focus)):
            return False
        return self._ui.bell == "all" or message.kind is not MessageKind.GROUPCHAT or message.mention

    def _terminal_focus_changed(self, focused: bool) -> None:
        if focused and self.session is not None and self.active is not None:
            self.session.mark_read(self.active)  # read only once the user can actually see it

    def attach(self, session: Session) -> None:
        """Show a (new) session's state; called before the session starts."""
        self.session = session
        self.active = None
        if self._logs:  # the previous session's conversations
            for log in self._logs.values():
                log.remove()
            self._logs.clear()
            self.query_one("#logs", ContentSwitcher).current = "welcome"
        existing = self.query(RosterView)
        if existing:
            existing.first().show_roster(session.state.roster, session.state.presence)
        else:
            placeholder = self.query_one("#roster-placeholder")
            self.query_one("#roster-pane").mount(RosterView(session.state.roster, session.state.presence,
                                                            id="roster"), before=placeholder)
            placeholder.display = False
        self.query_one(StatusBar).show_state(session.state)
        self._refresh_conversations()
        self.show_bookmarks()

    def show_notice(self, text: str) -> None:
        """A line in the status bar until a session's state replaces it."""
        self.query_one(StatusBar).show_notice(text)

    @property
    def roster(self) -> RosterView:
        return self.query_one(RosterView)

    @property
    def composer(self) -> Composer:
        return self.query_one(Composer)

    def chat_log(self, jid: str) -> ChatLog | None:
        return self._logs.get(jid)

    # Session events ---------------------------------------------------------------------------

    def on_session_events(self, message: SessionEvents) -> None:
        if self.session is None:
            return
        state = self.session.state
        changed_contacts: set[str] = set()
        unread: dict[str, int] = {}
        """The latest count per conversation (a burst brings one per message: the roster takes the last)."""
        logs_to_sync: set[str] = set()
        conversations_changed = room_shown_changed = bookmarks_changed = ring = False
        for event in message.events:
            match event:
                case ev.ConnectionChanged() | ev.OwnPresenceChanged():
                    self.query_one(StatusBar).show_state(state)
                case ev.RosterReplaced():
                    self.roster.load()
                    changed_contacts.clear()
                case ev.ContactChanged(jid=jid) | ev.PresenceChanged(jid=jid):
                    changed_contacts.add(jid)
                case ev.ConversationOpened(jid=jid, by_user=by_user):
                    self._ensure_log(jid)
                    conversations_changed = True
                    if by_user:
                        self.switch_to(jid)
                case ev.ConversationClosed(jid=jid):
                    conversations_changed = True
                    self._drop_log(jid)
                case ev.MessageAdded(message=chat_message):
                    logs_to_sync.add(chat_message.conversation)
                    if chat_message.mention and not chat_message.delayed:
                        self.mentioned(chat_message)
                    ring = ring or self._rings_for(chat_message)
                case ev.HistoryLoaded(jid=jid, count=count):
                    log = self.chat_log(jid)
                    if log is not None:
                        log.prepended(count)
                case ev.MessagesInserted(jid=jid):
                    log = self.chat_log(jid)
                    if log is not None:
                        log.reset()
                case ev.MessageUpdated(message=chat_message):
                    log = self.chat_log(chat_message.conversation)
                    if log is not None:
                        log.message_changed(chat_message)
                case ev.UnreadChanged(jid=jid, unread=count):
                    unread[jid] = count
                    conversations_changed = True
                case ev.ChatStateChanged(jid=jid) if jid == self.active:
                    self._show_chat_state()
                case ev.Notice(text=text, severity=severity):
                    self.app.notify(render.sanitize(text), severity=severity.value, markup=False)
                case ev.RoomChanged(jid=jid):
                    self.room_changed(jid)
                    conversations_changed = bookmarks_changed = True
                    room_shown_changed = room_shown_changed or jid == self.active
                case ev.BookmarksChanged():
                    bookmarks_changed = True
                case ev.RoomJoinFailed() | ev.InvitationReceived():
                    self.room_event(event)
        if unread:
            roster = self.roster
            for jid, count in unread.items():
                roster.set_unread(jid, count)
        if changed_contacts:
            self.roster.contacts_changed(changed_contacts)
        self._route_contact_events(message.events)
        for jid in logs_to_sync:
            log = self.chat_log(jid)
            if log is not None:
                log.sync()
        if self.active in logs_to_sync and self.app.app_focus:
            self.session.mark_read(self.active)
        if conversations_changed:
            self._refresh_conversations()
        if bookmarks_changed:
            self.show_bookmarks()
        if ring:
            self.app.bell()  # once per batch, however many arrived
        if room_shown_changed:
            self.show_room_panes()  # once per batch: a big room's join brings hundreds of presences at once

    def _ensure_log(self, jid: str) -> None:
        if self.chat_log(jid) is not None or self.session is None:
            return
        conversation = self.session.state.conversations.get(jid)
        if conversation is None:
            return
        # A fresh id per log: a closed conversation's log may still be leaving the DOM when it reopens.
        hidden = frozenset() if self._ui.show_joins else frozenset({MessageKind.OCCUPANT})
        log = ChatLog(conversation.messages, own_label="me", timestamp_format=self._ui.timestamp_format,
                      width_hint=self._log_width, hidden=hidden, name=jid, id=f"log-{next(_log_ids)}")
        self._logs[jid] = log
        # ContentSwitcher hides only the children it started with; a later one is hidden here until it is
        # made current. (Its add_content() does the same, but mounts later, after switch_to may need it.)
        log.display = False
        self.query_one("#logs", ContentSwitcher).mount(log)

    @property
    def _log_width(self) -> int:
        """The content width of a chat log, as last laid out (0 before the first)."""
        for log in self._logs.values():
            if log.line_width:
                self._last_log_width = log.line_width
                break
        return self._last_log_width

    def _drop_log(self, jid: str) -> None:
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
                self.query_one("#logs", ContentSwitcher).current = "welcome"
                self.show_room_panes()

    def switch_to(self, jid: str) -> None:
        if self.session is None or jid not in self.session.state.conversations:
            return
        self._ensure_log(jid)
        if self.active != jid and self.composer.correcting:
            self.composer.clear()  # a correction belongs to the conversation it was started in
        self.active = jid
        self._show_chat_state()
        log = self.chat_log(jid)
        if log is not None:
            self.query_one("#logs", ContentSwitcher).current = log.id
            log.sync()
            log.show_newest()
        self.session.mark_read(jid)
        self._refresh_conversations()
        self.show_room_panes()

    @property
    def chat_state_line(self) -> str:
        """What the header over the composer says about the active peer (empty when hidden)."""
        header = self.query_one("#chat-state", Static)
        return str(header.render()) if header.display else ""

    def _show_chat_state(self) -> None:
        """The active peer's chat state (XEP-0085) on the line over the composer, shown only when there is one."""
        conversation = self.session.state.conversations.get(self.active) if self.session and self.active else None
        line = Text("")
        if conversation is not None and self.session is not None:
            contact = self.session.state.roster.get(conversation.jid)
            line = render.typing_line(contact.display_name if contact else conversation.jid, conversation.chat_state)
        header = self.query_one("#chat-state", Static)
        header.update(line)
        header.display = bool(line.plain)

    def _refresh_conversations(self) -> None:
        if self.session is None:
            return
        state = self.session.state
        entries = []
        for conversation in state.conversations:
            contact = state.roster.get(conversation.jid)
            label = contact.display_name if contact is not None else room_commands.conversation_label(
                conversation, state.rooms.get(conversation.jid))
            entries.append((conversation.jid, label, conversation.unread))
        self.query_one(ConversationBar).show(entries, self.active)

    # Intents from widgets ---------------------------------------------------------------------

    def open_chat(self, jid: str) -> None:
        """Open (or switch to) the conversation with `jid` and put the cursor in the composer."""
        if self.session is not None:
            self.session.open_conversation(jid)
            self.composer.focus()

    @on(RosterView.ContactSelected)
    def _open_from_roster(self, message: RosterView.ContactSelected) -> None:
        self.open_chat(message.jid)

    @on(RosterView.FilterChanged)
    def _show_filter(self, message: RosterView.FilterChanged) -> None:
        label = self.query_one("#roster-filter", Static)
        label.update(Text.assemble(("filter: ", "italic"), message.text, (" (Esc clears)", "italic")))
        label.display = bool(message.text)

    @on(ConversationBar.Clicked)
    def _open_from_bar(self, message: ConversationBar.Clicked) -> None:
        self.switch_to(message.jid)

    @on(ChatLog.OlderRequested)
    def _page_older(self, message: ChatLog.OlderRequested) -> None:
        log = message.log
        if self.session is not None and log.name:
            def answered() -> None:
                log.loading_older = False  # (prepended() has done so if a page came; none may have)

            self._run(self.session.load_older(log.name), "load older history", answered)

    @on(Composer.ScrollRequested)
    def _scroll_log(self, message: Composer.ScrollRequested) -> None:
        log = self.chat_log(self.active) if self.active else None
        if log is None:
            return
        if message.direction > 0:
            log.scroll_page_down(animate=False)
        else:
            log.scroll_up_or_older()

    @on(Composer.Changed)
    def _typed(self, message: Composer.Changed) -> None:
        if self.session is not None and self.active is not None:
            text = message.text_area.text
            self.session.typing(self.active, bool(text.strip()) and commands.is_message(text))

    @on(Composer.EditLastRequested)
    def _edit_last(self, _message: Composer.EditLastRequested) -> None:
        conversation = self.session.state.conversations.get(self.active) if self.session and self.active else None
        last = conversation.last_sent() if conversation is not None else None
        if last is None:
            self.app.notify("no message of yours to correct in this conversation", severity="warning")
            return
        self.composer.start_correction(last.body)

    @on(Composer.Submitted)
    def _submitted(self, message: Composer.Submitted) -> None:
        if message.correction:
            self._correct(message.text)
            return
        try:
            command = commands.parse(message.text.strip())
        except commands.CommandError as exc:
            self.app.notify(str(exc), severity="warning", markup=False)
            return
        if command is None:
            self._send(commands.message_text(message.text))
            return
        self.command_table[command.name](command.args)

    def _run(self, work: Awaitable[object], name: str, on_success=None) -> None:
        """Run a session call in a named worker; a failure becomes a notification (XmppTuiApp)."""

        async def call() -> None:
            await work
            if on_success is not None:
                on_success()

        # On the app, whose on_worker_state_changed reports failures (the message does not bubble).
        self.app.run_worker(call(), name=name, group="session-calls", exit_on_error=False)


    def _clear_composer(self, sent: str) -> None:
        if self.composer.text == sent:
            self.composer.clear()

    def _send(self, body: str) -> None:
        if self.session is None:
            return
        if self.active is None:
            self.app.notify("no conversation is open: Enter on a contact, or /chat JID", severity="warning")
            return
        text = self.composer.text
        conversation = self.session.state.conversations.get(self.active)
        if conversation is not None and conversation.kind is ConversationKind.GROUPCHAT:
            sending = self.session.send_groupchat(conversation.jid, body)
        elif conversation is not None and conversation.kind is ConversationKind.PRIVATE:
            sending = self.session.send_private(conversation.jid, body)
        else:
            sending = self.session.send_chat(conversation.address if conversation is not None else self.active, body)
        self._run(sending, "send message", lambda: self._clear_composer(text))

    def _correct(self, body: str) -> None:
        if self.session is None or self.active is None:
            return
        text = self.composer.text
        self._run(self.session.correct_last(self.active, body.strip()), "correct message",
                  lambda: self._clear_composer(text))

    # Commands ---------------------------------------------------------------------------------

    def _build_command_table(self) -> dict[str, Callable[[str], None]]:
        """The handlers of this screen and of each part, in one table; a name claimed twice is a bug."""
        table: dict[str, Callable[[str], None]] = {}
        for part in (self.screen_commands(), self.contact_commands(), self.room_commands()):
            clash = table.keys() & part.keys()
            assert not clash, f"commands handled twice: {sorted(clash)}"
            table.update(part)
        return table

    def screen_commands(self) -> dict[str, Callable[[str], None]]:
        """The slash commands of conversations, presence and the app, by name."""
        return {
            "chat": self._command_chat,
            "close": self._command_close,
            "status": self._command_status,
            "priority": self._command_priority,
            "correct": self._command_correct,
            "retry": self._command_retry,
            "search": self._command_search,
            "find": self._command_find,
            "help": self._command_help,
            "quit": self._command_quit,
        }

    def _command_correct(self, args: str) -> None:
        if not args:
            self.app.notify("usage: /correct TEXT (or Up in an empty composer)", severity="warning")
            return
        if self.active is None:
            self.app.notify("no conversation is open", severity="warning")
            return
        self._correct(args)

    def _command_retry(self, _args: str) -> None:
        self.composer.clear()
        self.action_retry()

    def action_retry(self) -> None:
        if self.session is not None and self.active is not None:
            self._run(self.session.retry(self.active), "retry")

    def _command_search(self, args: str) -> None:
        self._search(args, None)

    def _command_find(self, args: str) -> None:
        if self.active is None:
            self.app.notify("no conversation is open: /search TEXT searches all of them", severity="warning")
            return
        self._search(args, self.active)

    def _search(self, query: str, jid: str | None) -> None:
        if not query.strip():
            self.app.notify("usage: /search TEXT (all conversations) or /find TEXT (this one)", severity="warning")
            return
        if self.session is None:
            return
        session = self.session
        self.composer.clear()

        async def search() -> None:
            hits = await session.search(query, jid)
            from xmpptui.ui.chat.search import SearchScreen  # (not needed for the first frame)

            self.app.push_screen(SearchScreen(session, query, hits, self._ui.timestamp_format))

        self._run(search(), "search")

    def _command_chat(self, args: str) -> None:
        jid = args.split()[0] if args.split() else ""
        local, at, domain = jid.partition("@")
        if not jid or (at and (not local or not domain)) or (not at and "." not in jid and jid != "localhost"):
            self.app.notify("usage: /chat JID, e.g. /chat bob@example.org", severity="warning")
            return
        self.composer.clear()
        self.open_chat(jid)

    def _command_close(self, _args: str) -> None:
        self.composer.clear()
        self.action_close_conversation()

    def _command_status(self, args: str) -> None:
        word, _, text = args.partition(" ")
        try:
            show = Show.parse(word)
        except ValueError as exc:
            self.app.notify(str(exc), severity="warning", markup=False)
            return
        self.composer.clear()
        self._set_presence(show=show, status=text.strip())

    def _command_priority(self, args: str) -> None:
        try:
            priority = parse_priority(args)
        except ValueError as exc:
            self.app.notify(str(exc), severity="warning", markup=False)
            return
        self.composer.clear()
        self._set_presence(priority=priority)

    def _command_help(self, _args: str) -> None:
        self.composer.clear()
        self.post_message(HelpRequested())

    def _command_quit(self, _args: str) -> None:
        self.post_message(QuitRequested())

    # Presence ---------------------------------------------------------------------------------

    def _set_presence(self, show: Show | None = None, status: str | None = None,
                      priority: int | None = None) -> None:
        if self.session is None:
            return
        current = self.session.state.own_presence
        wanted_show = show or (current.show if current.show is not Show.OFFLINE else Show.ONLINE)
        wanted = Presence(wanted_show, current.status if status is None else status,
                          current.priority if priority is None else priority)
        self._run(self.session.set_presence(wanted), "set presence")

    def action_set_show(self, show: str) -> None:
        self._set_presence(show=Show(show))

    def action_reconnect_now(self) -> None:
        if self.session is not None:
            self.session.reconnect_now()

    def action_edit_status(self) -> None:
        if self.session is None:
            return

        def done(text: str | None) -> None:
            if text is not None:
                self._set_presence(status=text.strip())

        self.app.push_screen(PromptScreen("Status text (Enter sets, Escape cancels)",
                                          value=self.session.state.own_presence.status), done)

    def action_edit_priority(self) -> None:
        if self.session is None:
            return

        def validate(text: str) -> str | None:
            try:
                parse_priority(text)
            except ValueError as exc:
                return str(exc)
            return None

        def done(text: str | None) -> None:
            if text is not None:
                self._set_presence(priority=parse_priority(text))

        self.app.push_screen(PromptScreen("Priority, -128 to 127 (Enter sets, Escape cancels)",
                                          value=str(self.session.state.own_presence.priority),
                                          validate=validate), done)

    # Navigation -------------------------------------------------------------------------------

    def _conversation_jids(self) -> list[str]:
        return [c.jid for c in self.session.state.conversations] if self.session else []

    def action_cycle(self, step: int) -> None:
        jids_open = self._conversation_jids()
        if not jids_open:
            return
        index = jids_open.index(self.active) if self.active in jids_open else -1
        self.switch_to(jids_open[(index + step) % len(jids_open)])

    def action_next_unread(self) -> None:
        if self.session is None:
            return
        unread = [c.jid for c in self.session.state.conversations if c.unread]
        if unread:
            self.switch_to(unread[0])

    def action_close_conversation(self) -> None:
        if self.session is not None and self.active is not None:
            self.session.close_conversation(self.active)

    def action_focus_roster(self) -> None:
        if self.query(RosterView):
            self.roster.focus()

    def action_focus_composer(self) -> None:
        self.composer.focus()
