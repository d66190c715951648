"""ContactDetailsScreen: one contact's JID, name, groups, subscription in words, every online resource,
and on demand its vCard (XEP-0054) and last activity (XEP-0012). Management keys dismiss the screen with
the action for the main screen to carry out."""

from __future__ import annotations

import time
from typing import Protocol

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from xmpptui.model import jid as jids
from xmpptui.model.contacts import ClientVersion, LastActivity, VCardBasics, duration_words, subscription_words
from xmpptui.model.state import ClientState
from xmpptui.ui.shared import render


class DetailsSession(Protocol):
    """The part of the `Session` the details screen uses."""

    @property
    def state(self) -> ClientState: ...

    async def fetch_vcard(self, jid: str) -> VCardBasics: ...

    async def fetch_last_activity(self, jid: str) -> LastActivity: ...

    async def fetch_client_version(self, jid: str) -> ClientVersion: ...


ContactChoice = tuple[str, str]
"""(action, JID): e.g. ("chat", "bob@example.org/phone"), ("rename", "bob@example.org")."""


class ContactDetailsScreen(ModalScreen[ContactChoice | None]):
    BINDINGS = [
        Binding("escape,q", "close", "Close", id="details_close"),
        Binding("c", "choose('chat')", "Chat", id="details_chat"),
        Binding("v", "vcard", "vCard", id="details_vcard"),
        Binding("l", "last_activity", "Last activity", id="details_last"),
        Binding("i", "client_version", "Client of the resource", id="details_client"),
        Binding("r", "choose('rename')", "Rename", id="details_rename"),
        Binding("g", "choose('group')", "Groups", id="details_group"),
        Binding("x,delete", "choose('remove')", "Remove", id="details_remove"),
        Binding("s", "choose('subscribe')", "Request presence", id="details_subscribe"),
        Binding("u", "choose('unsubscribe')", "Unsubscribe", id="details_unsubscribe"),
        Binding("a", "choose('authorize')", "Authorize", id="details_authorize"),
        Binding("d", "choose('deny')", "Deny / revoke", id="details_deny"),
        Binding("b", "choose('block')", "Block / unblock", id="details_block"),
    ]

    def __init__(self, session: DetailsSession, jid: str) -> None:
        super().__init__()
        self._session = session
        self.jid = jid
        self._vcard: VCardBasics | None = None
        self._last: LastActivity | None = None
        self._clients: dict[str, ClientVersion] = {}
        """Client software by resource, as each answered (XEP-0092)."""

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog", id="contact-details"):
            yield Static(id="details-summary")
            yield Static(Text("Online resources (Enter opens a conversation with that one):", style="bold"))
            yield OptionList(id="details-resources")
            yield Static(id="details-extra")
            yield Static(Text("c chat · Enter chat with the resource · i its client · v vCard · l last activity · "
                              "r rename · g groups · x remove · s request presence · u unsubscribe · "
                              "a authorize · d deny/revoke · b block/unblock · Escape close", style="italic"))

    def on_mount(self) -> None:
        self.refresh_details()
        self.query_one(OptionList).focus()

    def refresh_details(self) -> None:
        """Show the contact as the state now holds it (called again when it changes)."""
        state = self._session.state
        contact = state.roster.get(self.jid)
        summary = Text(end="")
        summary.append_text(render.plain(contact.display_name if contact else self.jid, "bold", single_line=True))
        summary.append("\nJID: ")
        summary.append_text(render.plain(self.jid, single_line=True))
        if contact is None:
            summary.append("\nnot in your roster")
        else:
            summary.append("\nname: ")
            summary.append_text(render.plain(contact.name or "(none)", single_line=True))
            summary.append("\ngroups: ")
            summary.append_text(render.plain(", ".join(contact.groups) or "(none)", single_line=True))
            summary.append(f"\nsubscription: {subscription_words(contact)}")
        if self.jid in state.requests:
            summary.append("\nthey asked to see your presence: a authorizes, d denies")
        if self.jid in state.blocked:
            summary.append("\nBLOCKED: nothing of theirs reaches you", style="bold red")
        conversation = state.conversations.get(self.jid)
        if conversation is not None and conversation.messages:
            stamp = time.strftime("%Y-%m-%d %H:%M", time.localtime(conversation.messages[-1].timestamp))
            summary.append(f"\nlast message: {stamp}")
        self.query_one("#details-summary", Static).update(summary)
        resources = self.query_one(OptionList)
        highlighted = resources.highlighted
        resources.clear_options()
        online = sorted(state.presence.resources(self.jid).items(), key=lambda item: -item[1].priority)
        best = state.presence.best_resource(self.jid)
        for resource, presence in online:
            line = Text(end="")
            line.append_text(render.presence_glyph(presence))
            line.append(" ")
            line.append_text(render.plain(resource or "(bare)", "bold", single_line=True))
            line.append(f"  {render.SHOW_WORDS[presence.show]} · priority {presence.priority}")
            if resource == best:
                line.append(" · preferred")
            if presence.status:
                line.append(" · ")
                line.append_text(render.plain(presence.status, "italic", single_line=True))
            if resource in self._clients:
                line.append(" · client ")
                line.append_text(render.plain(str(self._clients[resource]), single_line=True))
            resources.add_option(Option(line, id=resource))
        if not online:
            no_permission = contact is not None and not contact.subscription.can_see_presence
            resources.add_option(Option(Text(
                "no permission to see their presence" if no_permission else "none online", style="italic"),
                disabled=True))
        else:
            resources.highlighted = min(highlighted or 0, len(online) - 1)
        self._show_extra()

    def _show_extra(self) -> None:
        extra = Text(end="")
        if self._vcard is not None:
            extra.append("vCard:", style="bold")
            if self._vcard.empty:
                extra.append(" (empty)")
            for label, value in (("full name", self._vcard.full_name), ("nickname", self._vcard.nickname),
                                 ("email", self._vcard.email), ("note", self._vcard.note)):
                if value:
                    extra.append(f"\n  {label}: ")
                    extra.append_text(render.plain(value, single_line=True))
            extra.append("\n")
        if self._last is not None:
            online = bool(self._session.state.presence.resources(self.jid))
            extra.append("last activity: " if online else "last seen: ", style="bold")
            extra.append(f"{duration_words(self._last.seconds)} ago")
            if self._last.status:
                extra.append(" · ")
                extra.append_text(render.plain(self._last.status, "italic", single_line=True))
        self.query_one("#details-extra", Static).update(extra)

    def plain_text(self) -> str:
        """Everything shown, as plain text (for tests and screen readers)."""
        parts = [str(self.query_one("#details-summary", Static).render())]
        options = self.query_one(OptionList)
        parts += [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        parts.append(str(self.query_one("#details-extra", Static).render()))
        return "\n".join(parts)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id is not None:
            self.dismiss(("chat", jids.with_resource(self.jid, event.option.id)))

    def action_choose(self, action: str) -> None:
        self.dismiss((action, self.jid))

    def action_close(self) -> None:
        self.dismiss(None)

    def action_vcard(self) -> None:
        async def fetch() -> None:
            self._vcard = await self._session.fetch_vcard(self.jid)
            self._show_extra()

        self.app.run_worker(fetch(), name="fetch vCard", group="session-calls", exit_on_error=False)

    def action_client_version(self) -> None:
        options = self.query_one(OptionList)
        option = options.get_option_at_index(options.highlighted) if options.highlighted is not None else None
        if option is None or option.id is None:
            self.app.notify("no resource online to ask", severity="warning")
            return
        resource = option.id

        async def fetch() -> None:
            self._clients[resource] = await self._session.fetch_client_version(jids.with_resource(self.jid, resource))
            self.refresh_details()

        self.app.run_worker(fetch(), name="fetch client version", group="session-calls", exit_on_error=False)

    def action_last_activity(self) -> None:
        async def fetch() -> None:
            state = self._session.state
            best = state.presence.best_resource(self.jid)
            # Online: ask the resource how long it has been idle; offline: ask the server when they left.
            self._last = await self._session.fetch_last_activity(jids.with_resource(self.jid, best or ""))
            self._show_extra()

        self.app.run_worker(fetch(), name="fetch last activity", group="session-calls", exit_on_error=False)
