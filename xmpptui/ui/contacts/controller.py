"""ContactController: contact management. The contact slash commands (/add, /remove, /block, /info, ...), the
roster's management keys, answering a subscription request, the add, details and block-list dialogs, and
keeping the roster's requests and block marks (and an open dialog) in step with the session's state."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING, Protocol

from xmpptui.model import events as ev
from xmpptui.model.contacts import ClientVersion, LastActivity, VCardBasics, parse_groups
from xmpptui.model.presence import Presence, Show
from xmpptui.model.state import ClientState
from xmpptui.ui.contacts.roster_view import RosterView
from xmpptui.ui.shared.controller import CommandLine, CommandTable, ScreenTools
from xmpptui.ui.shared.dialogs import ConfirmScreen, PromptScreen
from xmpptui.ui.shared.report import ask_report

if TYPE_CHECKING:
    from xmpptui.model.conversation import ChatMessage
    from xmpptui.ui.contacts.details import ContactChoice
    from xmpptui.ui.contacts.forms import NewContact


class ContactSession(Protocol):
    """The part of the `Session` contact management uses (the details and block-list dialogs included)."""

    @property
    def state(self) -> ClientState: ...

    def open_conversation(self, jid: str) -> None: ...

    async def add_contact(self, jid: str, name: str = "", groups: tuple[str, ...] = (),
                          subscribe: bool = True) -> None: ...

    async def update_contact(self, jid: str, name: str | None = None,
                             groups: tuple[str, ...] | None = None) -> None: ...

    async def remove_contact(self, jid: str) -> None: ...

    async def authorize(self, jid: str) -> None: ...

    async def deny(self, jid: str) -> None: ...

    async def subscribe(self, jid: str) -> None: ...

    async def unsubscribe(self, jid: str) -> None: ...

    async def block(self, jid: str) -> None: ...

    async def unblock(self, jid: str) -> None: ...

    async def report(self, jid: str, kind: str, text: str = "", message: ChatMessage | None = None) -> None: ...

    async def send_directed_presence(self, jid: str, presence: Presence) -> None: ...

    async def fetch_vcard(self, jid: str) -> VCardBasics: ...

    async def fetch_last_activity(self, jid: str) -> LastActivity: ...

    async def fetch_client_version(self, jid: str) -> ClientVersion: ...


class ContactController:
    def __init__(self, tools: ScreenTools, composer: CommandLine, *, roster: Callable[[], RosterView],
                 active: Callable[[], str | None], top_screen: Callable[[], object]) -> None:
        """`roster`: the roster view (there once a session is attached); `active`: the JID of the conversation on
        screen; `top_screen`: the screen on top (an open details or block-list dialog follows the state)."""
        self._tools = tools
        self._composer = composer
        self._roster = roster
        self._active = active
        self._top_screen = top_screen
        self.session: ContactSession | None = None

    def commands(self) -> CommandTable:
        """The slash commands of contacts, by name (for MainScreen's command table)."""
        return {
            "add": self._command_add,
            "rename": self._command_rename,
            "group": self._command_group,
            "remove": self._command_remove,
            "authorize": self._command_authorize,
            "deny": self._command_deny,
            "subscribe": self._command_subscribe,
            "unsubscribe": self._command_unsubscribe,
            "block": self._command_block,
            "unblock": self._command_unblock,
            "blocked": self._command_blocked,
            "info": self._command_info,
            "presence": self._command_presence,
        }

    # Events -----------------------------------------------------------------------------------------

    def route(self, events: Iterable[ev.Event]) -> None:
        """Requests, block list and open dialogs follow the session's state."""
        if self.session is None:
            return
        state = self.session.state
        touched: set[str] = set()
        requests = blocked = everything = False  # everything: the change may concern any contact
        for event in events:
            match event:
                case ev.RequestsChanged(jid=jid):
                    requests = True
                    touched.add(jid)
                    everything = everything or not jid  # loaded at start
                case ev.BlocklistChanged():
                    blocked = everything = True
                case ev.ContactChanged(jid=jid) | ev.PresenceChanged(jid=jid):
                    touched.add(jid)
                case ev.RosterReplaced():
                    requests = blocked = everything = True
        # Once per batch: a flood of requests re-flattens a large roster once, not once per request.
        if requests:
            self._roster().show_requests(state.requests)
        # The dialogs are imported when first needed, not before the first frame.
        from xmpptui.ui.contacts.blocked import BlockedScreen
        from xmpptui.ui.contacts.details import ContactDetailsScreen

        if blocked:
            self._roster().show_blocked(state.blocked)
        screen = self._top_screen()
        if blocked and isinstance(screen, BlockedScreen):
            screen.refresh_list()
        if isinstance(screen, ContactDetailsScreen) and (everything or screen.jid in touched):
            screen.refresh_details()

    # Helpers ----------------------------------------------------------------------------------------

    def _warn(self, text: str) -> None:
        self._tools.notify(text, severity="warning", markup=False)

    def _call(self, work: Callable[[ContactSession], Awaitable[object]], name: str, done: str = "") -> None:
        """Run a session call (the command typed was understood: the composer is cleared); say `done` when
        it succeeded. A failure becomes a notification in words."""
        if self.session is None:
            return
        if self._composer.text.startswith("/"):
            self._composer.clear()
        self._tools.run(work(self.session), name, (lambda: self._tools.notify(done, markup=False)) if done else None)

    def _jid_arg(self, args: str, usage: str) -> tuple[str, str] | None:
        """(JID, the rest) from command arguments; a warning with the usage if the JID is missing or bad."""
        jid, _, rest = args.strip().partition(" ")
        from xmpptui.ui.contacts.forms import jid_problem

        problem = jid_problem(jid)
        if problem:
            self._warn(f"{problem}; usage: {usage}")
            return None
        return jid.lower(), rest.strip()

    # Commands ---------------------------------------------------------------------------------------

    def _command_add(self, args: str) -> None:
        if not args.strip():
            self._composer.clear()
            self._add_dialog()
            return
        parsed = self._jid_arg(args, "/add JID [name]")
        if parsed is not None:
            jid, name = parsed
            self._call(lambda s: s.add_contact(jid, name), "add contact",
                       f"{jid} added; waiting for their approval")

    def _command_rename(self, args: str) -> None:
        parsed = self._jid_arg(args, "/rename JID name")
        if parsed is not None:
            jid, name = parsed
            self._call(lambda s: s.update_contact(jid, name=name), "rename contact")

    def _command_group(self, args: str) -> None:
        parsed = self._jid_arg(args, "/group JID group[, group…]")
        if parsed is not None:
            jid, groups = parsed
            self._call(lambda s: s.update_contact(jid, groups=parse_groups(groups)), "set groups")

    def _command_remove(self, args: str) -> None:
        parsed = self._jid_arg(args, "/remove JID")
        if parsed is not None:
            self._composer.clear()
            self._confirm_remove(parsed[0])

    def _simple(self, action: str, args: str) -> None:
        parsed = self._jid_arg(args, f"/{action} JID")
        if parsed is not None:
            self._contact_action(action, parsed[0])

    def _command_authorize(self, args: str) -> None:
        self._simple("authorize", args)

    def _command_deny(self, args: str) -> None:
        self._simple("deny", args)

    def _command_subscribe(self, args: str) -> None:
        self._simple("subscribe", args)

    def _command_unsubscribe(self, args: str) -> None:
        self._simple("unsubscribe", args)

    def _command_block(self, args: str) -> None:
        self._simple("block", args)

    def _command_unblock(self, args: str) -> None:
        self._simple("unblock", args)

    def _command_blocked(self, _args: str) -> None:
        if self.session is not None:
            self._composer.clear()
            from xmpptui.ui.contacts.blocked import BlockedScreen

            self._tools.push_screen(BlockedScreen(self.session))

    def _command_info(self, args: str) -> None:
        if not args.strip() and self._active() is not None:
            args = self._active()
        parsed = self._jid_arg(args, "/info JID")
        if parsed is not None:
            self._composer.clear()
            self._details(parsed[0])

    def _command_presence(self, args: str) -> None:
        usage = "/presence JID online|chat|away|xa|dnd|offline [text]"
        parts = args.split(None, 2)
        if len(parts) < 2:
            self._warn(f"usage: {usage}")
            return
        to, word = parts[0], parts[1]
        try:
            show = Show.parse(word)
        except ValueError as exc:
            self._warn(str(exc))
            return
        own = self.session.state.own_presence if self.session else Presence()
        presence = Presence(show, parts[2].strip() if len(parts) > 2 else "", own.priority)
        self._call(lambda s: s.send_directed_presence(to, presence), "directed presence",
                   f"presence sent to {to}")

    # Roster keys and dialogs ------------------------------------------------------------------------

    def contact_action(self, message: RosterView.ContactAction) -> None:
        """A management key in the roster."""
        if message.action == "add":
            self._add_dialog()
        elif message.jid is None:
            self._warn("select a contact first (arrows in the roster)")
        else:
            self._contact_action(message.action, message.jid)

    def request_selected(self, message: RosterView.RequestSelected) -> None:
        """Enter on a pending request: answer it."""
        request = self.session.state.requests.get(message.jid) if self.session else None
        if request is None:
            return

        def answered(answer: str | None) -> None:
            if answer == "accept":
                self._accept(request.jid, request.nick)
            elif answer in ("deny", "block"):
                self._contact_action(answer, request.jid)
            elif answer == "report":
                ask_report(self._tools, request.jid, lambda kind, text: self._call(
                    lambda s: s.report(request.jid, kind, text), "report", f"{request.jid} reported and blocked"))

        from xmpptui.ui.contacts.forms import AnswerRequestScreen

        self._tools.push_screen(AnswerRequestScreen(request), answered)

    def _accept(self, jid: str, nick: str) -> None:
        """Send `subscribed`, then offer to add them (name, groups) and see their presence in one step."""
        if self.session is None:
            return
        self._call(lambda s: s.authorize(jid), "authorize", f"{jid} can now see your presence")
        contact = self.session.state.roster.get(jid)
        sees = contact is not None and contact.subscription.can_see_presence

        def add(entry: NewContact | None) -> None:
            if entry is not None:
                self._call(lambda s: s.add_contact(entry.jid, entry.name, entry.groups, entry.subscribe),
                           "add contact")

        from xmpptui.ui.contacts.forms import AddContactScreen

        self._tools.push_screen(AddContactScreen(
            f"{jid} can now see your presence. Add them to your roster too? (Escape: no)", jid=jid,
            name=contact.name if contact is not None and contact.name else nick,
            groups=contact.groups if contact is not None else (), fixed_jid=True, subscribe=not sees), add)

    def _add_dialog(self) -> None:
        def add(entry: NewContact | None) -> None:
            if entry is not None:
                self._call(lambda s: s.add_contact(entry.jid.lower(), entry.name, entry.groups, entry.subscribe),
                           "add contact", f"{entry.jid} added" + ("; waiting for their approval"
                                                                   if entry.subscribe else ""))

        from xmpptui.ui.contacts.forms import AddContactScreen

        self._tools.push_screen(AddContactScreen(), add)

    def _details(self, jid: str) -> None:
        if self.session is not None:
            from xmpptui.ui.contacts.details import ContactDetailsScreen

            self._tools.push_screen(ContactDetailsScreen(self.session, jid), self._details_chosen)

    def _details_chosen(self, choice: ContactChoice | None) -> None:
        if choice is None:
            return
        action, jid = choice
        if action == "chat" and self.session is not None:
            self.session.open_conversation(jid)
            self._composer.focus()
        else:
            self._contact_action(action, jid)

    def _confirm_remove(self, jid: str) -> None:
        def answered(yes: bool | None) -> None:
            if yes:
                self._call(lambda s: s.remove_contact(jid), "remove contact", f"{jid} removed from your roster")

        self._tools.push_screen(ConfirmScreen(f"Remove {jid} from your roster? This also cancels the presence "
                                           "subscriptions both ways."), answered)

    def _contact_action(self, action: str, jid: str) -> None:
        """One management action on a contact, from a key, the details screen or a command."""
        if self.session is None:
            return
        contact = self.session.state.roster.get(jid)
        if action == "info":
            self._details(jid)
        elif action == "chat":
            self.session.open_conversation(jid)
        elif action == "remove":
            self._confirm_remove(jid)
        elif action in ("rename", "group"):
            if contact is None:
                self._warn(f"{jid} is not in your roster")
                return
            current = contact.name if action == "rename" else ", ".join(contact.groups)

            def entered(text: str | None) -> None:
                if text is None:
                    return
                if action == "rename":
                    self._call(lambda s: s.update_contact(jid, name=text.strip()), "rename contact")
                else:
                    self._call(lambda s: s.update_contact(jid, groups=parse_groups(text)), "set groups")

            title = (f"Name for {jid} (Enter sets, Escape cancels)" if action == "rename"
                     else f"Groups for {jid}, comma separated (empty: ungrouped)")
            self._tools.push_screen(PromptScreen(title, value=current), entered)
        elif action == "block" and jid in self.session.state.blocked:
            self._call(lambda s: s.unblock(jid), "unblock", f"{jid} unblocked")
        else:
            calls: dict[str, tuple[Callable[[ContactSession], Awaitable[object]], str]] = {
                "authorize": (lambda s: s.authorize(jid), f"{jid} may see your presence"),
                "deny": (lambda s: s.deny(jid), f"{jid} may not see your presence"),
                "subscribe": (lambda s: s.subscribe(jid), f"asked {jid} to let you see their presence"),
                "unsubscribe": (lambda s: s.unsubscribe(jid), f"you no longer see {jid}'s presence"),
                "block": (lambda s: s.block(jid), f"{jid} blocked"),
                "unblock": (lambda s: s.unblock(jid), f"{jid} unblocked"),
            }
            call, done = calls[action]
            self._call(call, action, done)
