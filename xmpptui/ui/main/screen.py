"""MainScreen: roster | conversations + composer | occupants, status bar. It builds the feature controllers
(chat, contacts, rooms, own presence), routes session events down to them and their widgets, hands widget
intents and key bindings to the controller that carries them out, and runs slash commands from one table."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import ActiveBinding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import ContentSwitcher, Footer, Static

from xmpptui import commands
from xmpptui.config import UiConfig
from xmpptui.model import events as ev
from xmpptui.model.presence import PresenceBook
from xmpptui.model.roster import Contact, Roster
from xmpptui.session import Session
from xmpptui.ui.chat.chat_log import ChatLog
from xmpptui.ui.chat.composer import Composer
from xmpptui.ui.chat.controller import ChatController
from xmpptui.ui.chat.conversation_bar import ConversationBar
from xmpptui.ui.chat.conversation_log import ConversationLog
from xmpptui.ui.chat.downloads import DownloadController
from xmpptui.ui.chat.header import ChatHeader
from xmpptui.ui.chat.message_keys import SelectionKey
from xmpptui.ui.chat.preview import PreviewController
from xmpptui.ui.chat.selection import SelectionController
from xmpptui.ui.chat.uploads import UploadController
from xmpptui.ui.contacts.controller import ContactController
from xmpptui.ui.contacts.roster_view import RosterView
from xmpptui.ui.main import keys
from xmpptui.ui.main.layout import PaneLayout, compose_main
from xmpptui.ui.main.notifications import NotificationController, NotificationHooks
from xmpptui.ui.main.presence import PresenceController
from xmpptui.ui.main.status_bar import StatusBar
from xmpptui.ui.rooms.controller import RoomController
from xmpptui.ui.rooms.joining import RoomJoining
from xmpptui.ui.rooms.occupant_list import OccupantList
from xmpptui.ui.rooms.panes import RoomPanes
from xmpptui.ui.shared import render
from xmpptui.ui.shared.controller import CommandTable, ScreenTools
from xmpptui.ui.shared.messages import ConsoleRequested, HelpRequested, QuitRequested, SessionEvents


class MainScreen(Screen[None]):
    BINDINGS = keys.BINDINGS
    """Its keys and what they do: ui/main/keys.py."""

    def __init__(self, ui_config: UiConfig, notifications: NotificationHooks | None = None,
                 cached_roster: Sequence[Contact] = ()) -> None:
        """`cached_roster`: the contacts of the roster cache, shown (offline) in the first frame, before any
        session exists; the session attached later starts from the same cache."""
        super().__init__()
        self.session: Session | None = None
        self._first_roster: RosterView | None = None
        if cached_roster:
            roster = Roster()
            roster.replace(cached_roster)
            self._first_roster = RosterView(roster, PresenceBook(), id="roster")
        # The widgets the controllers drive are made here, so that each controller is given its own.
        self._composer = Composer(id="composer")
        self._logs = ContentSwitcher(id="logs", initial="welcome")
        self._chat_state = Static("", id="chat-state")
        self._upload_line = Static("", id="upload-progress")
        self._download_line = Static("", id="download-progress")
        self._bar = ConversationBar(id="conversations")
        self._header = ChatHeader(id="chat-header")
        self._subject = Static("", id="room-subject")
        self._occupants = OccupantList(id="occupants")
        self._occupant_pane = Vertical(id="occupant-pane")
        tools = ScreenTools(run=self._run, notify=lambda *a, **k: self.app.notify(*a, **{"markup": False, **k}),
                            push_screen=lambda *a, **k: self.app.push_screen(*a, **k))
        active = lambda: self.chat.active  # noqa: E731 (read when called: the chat controller is made below)
        self.panes = RoomPanes(tools, self._composer, self._subject, self._occupant_pane, self._occupants, active)
        self.joining = RoomJoining(tools, self._composer, active=active, show_conversation=self.switch_to,
                                   bookmark_shelf=self._roster_if_shown)
        self.rooms = RoomController(tools, self._composer, active=active, configure=self.joining.configure,
                                    chat_command=lambda args: self.chat.command_chat(args))
        self.previews = PreviewController(ui_config, tools, self._composer, active=active,
                                          log_of=lambda jid: self.chat.chat_log(jid), console=lambda: self.app.console,
                                          write=lambda data: self.app.write_terminal(data))
        self.chat = ChatController(ui_config, tools, composer=self._composer, logs=self._logs,
                                   chat_state=self._chat_state, bar=self._bar, label=self.rooms.conversation_label,
                                   active_changed=self._active_changed, app_focused=lambda: self.app.app_focus,
                                   previews=self.previews)
        self.contacts = ContactController(tools, self._composer, roster=lambda: self.roster, active=active,
                                          top_screen=lambda: self.app.screen)
        self.presence = PresenceController(tools, self._composer)
        self.uploads = UploadController(tools, self._composer, self._upload_line, active)
        self.downloads = DownloadController(tools, self._composer, self._download_line, active,
                                            open_in_app=self._open_xmpp_link)
        self.selection = SelectionController(tools, self._composer, active=active, log_of=self.chat.chat_log,
                                             copy=lambda text: self.app.copy_to_clipboard(text),
                                             open_link=self.downloads.open_url)
        self.notifications = NotificationController(tools, self._composer, notifications or NotificationHooks(),
                                                    active=active, rings_for=self.chat.rings_for)
        self.pane_layout = PaneLayout(Vertical(id="roster-pane"), self.panes, self._composer)
        self.command_table = self._build_command_table()
        """Every slash command's handler, by the name `commands.parse` gives (aliases are resolved there)."""
        self.key_actions = self._build_key_actions()

    # Layout -----------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield from compose_main(self.pane_layout.roster_pane, (self._bar, self._header, self._subject), self._logs,
                                (self._upload_line, self._download_line, self._chat_state, self._composer),
                                self._occupant_pane,
                                self._occupants, roster=self._first_roster)
        yield StatusBar(id="status-bar")
        yield Footer(show_command_palette=False)  # (Ctrl+P is in the help: 80 columns hold the rest)

    def on_mount(self) -> None:
        self._composer.focus()
        if self._first_roster is not None:
            self._first_roster.load()  # (rows for the first frame)
        self.watch(self.app, "app_focus", self.chat.terminal_focus_changed, init=False)

    def attach(self, session: Session) -> None:
        """Show a (new) session's state; called before the session starts."""
        self.session = session
        for controller in (self.panes, self.joining, self.rooms, self.contacts, self.presence, self.notifications,
                           self.uploads, self.downloads, self.previews, self.selection):
            controller.session = session
        self.chat.attach(session)
        existing = self.query(RosterView)
        if existing:
            existing.first().show_roster(session.state.roster, session.state.presence)
        else:
            placeholder = self.query_one("#roster-placeholder")
            self.query_one("#roster-pane").mount(RosterView(session.state.roster, session.state.presence,
                                                            id="roster"), before=placeholder)
            placeholder.display = False
        self.query_one(StatusBar).show_state(session.state)
        self.joining.show_bookmarks()

    def on_resize(self) -> None:
        self.pane_layout.resized(self.size.width)

    def _active_changed(self) -> None:
        self.panes.show()
        self.uploads.show()
        self.downloads.show()
        self._header.show_for(self.session.state if self.session else None, self.chat.active)

    def show_notice(self, text: str) -> None:
        """A line in the status bar until a session's state replaces it."""
        self.query_one(StatusBar).show_notice(text)

    # What tests and the app read --------------------------------------------------------------

    @property
    def roster(self) -> RosterView:
        return self.query_one(RosterView)

    def _roster_if_shown(self) -> RosterView | None:
        shown = self.query(RosterView)
        return shown.first() if shown else None

    @property
    def composer(self) -> Composer:
        return self._composer

    @property
    def active(self) -> str | None:
        """The conversation on screen."""
        return self.chat.active

    def chat_log(self, jid: str) -> ConversationLog | None:
        return self.chat.chat_log(jid)

    def switch_to(self, jid: str) -> None:
        self.chat.switch_to(jid)

    def open_chat(self, jid: str) -> None:
        """Open (or switch to) the conversation with `jid` and put the cursor in the composer."""
        self.chat.open_chat(jid)

    @property
    def chat_state_line(self) -> str:
        return self.chat.chat_state_line

    def occupant_list_text(self) -> str:
        return self.panes.text()

    # Session events ---------------------------------------------------------------------------

    def on_session_events(self, message: SessionEvents) -> None:
        if self.session is None:
            return
        state = self.session.state
        chat = self.chat
        changed_contacts: set[str] = set()
        unread: dict[str, int] = {}
        """The latest count per conversation (a burst brings one per message: the roster takes the last)."""
        logs_to_sync: set[str] = set()
        conversations_changed = room_shown_changed = bookmarks_changed = False
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
                    chat.ensure_log(jid)
                    conversations_changed = True
                    if by_user:
                        chat.switch_to(jid)
                case ev.ConversationClosed(jid=jid):
                    conversations_changed = True
                    chat.drop_log(jid)
                case ev.MessageAdded(message=chat_message):
                    logs_to_sync.add(chat_message.conversation)
                    if chat_message.mention and not chat_message.delayed:
                        self.rooms.mentioned(chat_message)
                    self.notifications.message_added(chat_message)
                case ev.HistoryLoaded(jid=jid, count=count):
                    log = chat.chat_log(jid)
                    if log is not None:
                        log.prepended(count)
                case ev.MessagesInserted(jid=jid):
                    log = chat.chat_log(jid)
                    if log is not None:
                        log.reset()
                case ev.MessageUpdated(message=chat_message):
                    log = chat.chat_log(chat_message.conversation)
                    if log is not None:
                        log.message_changed(chat_message)
                case ev.UnreadChanged(jid=jid, unread=count):
                    unread[jid] = count
                    conversations_changed = True
                case ev.ChatStateChanged(jid=jid) if jid == chat.active:
                    chat.show_chat_state()
                case ev.Notice(text=text, severity=severity):
                    self.app.notify(render.sanitize(text), severity=severity.value, markup=False)
                case ev.RoomChanged(jid=jid):
                    self.joining.room_changed(jid)
                    conversations_changed = bookmarks_changed = True
                    room_shown_changed = room_shown_changed or jid == chat.active
                case ev.BookmarksChanged():
                    bookmarks_changed = True
                case ev.RoomJoinFailed() | ev.InvitationReceived():
                    self.joining.room_event(event)
        for jid, count in unread.items():
            self.roster.set_unread(jid, count)
        if changed_contacts:
            self.roster.contacts_changed(changed_contacts)
        self.contacts.route(message.events)
        self.uploads.route(message.events)
        self.downloads.route(message.events)
        chat.sync_logs(logs_to_sync)
        if conversations_changed:
            chat.refresh_conversations()
        if bookmarks_changed:
            self.joining.show_bookmarks()
        self.notifications.batch_done()  # one bell, one notification per conversation, however many arrived
        if room_shown_changed:
            self.panes.show()  # once per batch: a big room's join brings hundreds of presences at once
        self._header.show_for(state, chat.active)  # presence, name or locked resource may have changed

    # Intents from widgets ---------------------------------------------------------------------

    @on(RosterView.ContactSelected)
    def _open_from_roster(self, message: RosterView.ContactSelected) -> None:
        self.chat.open_chat(message.jid)

    @on(RosterView.FilterChanged)
    def _show_filter(self, message: RosterView.FilterChanged) -> None:
        label = self.query_one("#roster-filter", Static)
        label.update(Text.assemble(("filter: ", "italic"), message.text, (" (Esc clears)", "italic")))
        label.display = bool(message.text)

    @on(RosterView.ContactAction)
    def _contact_action(self, message: RosterView.ContactAction) -> None:
        message.stop()
        self.contacts.contact_action(message)

    @on(RosterView.RequestSelected)
    def _request_selected(self, message: RosterView.RequestSelected) -> None:
        message.stop()
        self.contacts.request_selected(message)

    @on(RosterView.BookmarkSelected)
    def _bookmark_selected(self, message: RosterView.BookmarkSelected) -> None:
        self.joining.bookmark_selected(message.room)

    @on(OccupantList.Chosen)
    def _occupant_chosen(self, message: OccupantList.Chosen) -> None:
        self.panes.occupant_chosen(message)

    @on(ConversationBar.Clicked)
    def _open_from_bar(self, message: ConversationBar.Clicked) -> None:
        self.chat.switch_to(message.jid)

    @on(ChatLog.OlderRequested)
    def _page_older(self, message: ChatLog.OlderRequested) -> None:
        self.chat.page_older(message.log)

    @on(SelectionKey)
    def _selection_key(self, message: SelectionKey) -> None:
        if isinstance(message.log, ConversationLog):
            self.selection.key(message.log, message.action)

    @on(Composer.ScrollRequested)
    def _scroll_log(self, message: Composer.ScrollRequested) -> None:
        self.chat.scroll_log(message.direction)

    @on(Composer.Changed)
    def _typed(self, message: Composer.Changed) -> None:
        self.chat.typed(message.text_area.text)

    @on(Composer.EditLastRequested)
    def _edit_last(self, _message: Composer.EditLastRequested) -> None:
        self.chat.edit_last()

    @on(Composer.Submitted)
    def _submitted(self, message: Composer.Submitted) -> None:
        if message.correction:
            self.chat.correct(message.text)
            return
        try:
            command = commands.parse(message.text.strip())
        except commands.CommandError as exc:
            self.app.notify(str(exc), severity="warning", markup=False)
            return
        if command is None:  # (a reply started with `r` on a selected message, else a new message)
            (self.selection.send_reply if message.reply else self.chat.send)(commands.message_text(message.text))
            return
        self.command_table[command.name](command.args)

    def _run(self, work: Awaitable[object], name: str, on_success: Callable[[], None] | None = None) -> None:
        """Run a session call in a named worker; a failure becomes a notification (XmppTuiApp)."""

        async def call() -> None:
            await work
            if on_success is not None:
                on_success()

        # On the app, whose on_worker_state_changed reports failures (the message does not bubble).
        self.app.run_worker(call(), name=name, group="session-calls", exit_on_error=False)

    # Commands ---------------------------------------------------------------------------------

    def _build_command_table(self) -> CommandTable:
        """The handlers of this screen and of each controller, in one table; a name claimed twice is a bug."""
        table: CommandTable = {}
        own = {"help": self._command_help, "quit": lambda _args: self.post_message(QuitRequested()),
               "console": lambda _args: self.post_message(ConsoleRequested())}
        parts = (own, self.chat.commands(), self.presence.commands(), self.contacts.commands(),
                 self.joining.commands(), self.rooms.commands(), self.notifications.commands(),
                 self.uploads.commands(), self.downloads.commands(), self.previews.commands())
        for part in parts:
            clash = table.keys() & part.keys()
            if clash:
                raise ValueError(f"slash commands handled twice: {sorted(clash)}")
            table.update(part)
        table["cancel"] = self.downloads.cancel_command(otherwise=table["cancel"])  # (a download here, else upload)
        return table

    def _open_xmpp_link(self, jid: str, action: str) -> None:
        """An `xmpp:` link opened with /open: its room joined (`?join`), else a chat with it, as typed."""
        self.command_table["join" if action == "join" else "chat"](jid)

    def _command_help(self, _args: str) -> None:
        self._composer.clear()
        self.post_message(HelpRequested())

    # Key bindings -----------------------------------------------------------------------------

    @property
    def active_bindings(self) -> dict[str, ActiveBinding]:
        """In the footer's order: a fixed part first, whatever has the focus (ui/main/keys.py)."""
        return keys.footer_order(super().active_bindings)

    def action_main_key(self, binding_id: str) -> None:
        self.key_actions.run(binding_id)

    def _build_key_actions(self) -> keys.KeyActions:
        def focus_roster() -> None:
            self.pane_layout.show_roster()
            if self.query(RosterView):
                self.roster.focus()

        return keys.KeyActions(chat=self.chat, presence=self.presence, panes=self.panes, joining=self.joining,
                               select_message=self.selection.enter,
                               uploads=self.uploads, downloads=self.downloads, focus_roster=focus_roster,
                               focus_composer=self._composer.focus,
                               toggle_roster=self.pane_layout.toggle_roster,
                               help=lambda: self.post_message(HelpRequested()))
