"""PresenceController: our own presence. /status and /priority, the F2-F7 show keys, the status text and
priority prompts (F8, F9), and F10 (reconnect now)."""

from __future__ import annotations

from typing import Protocol

from xmpptui.model.presence import Presence, Show, parse_priority
from xmpptui.model.state import ClientState
from xmpptui.ui.shared.controller import CommandLine, CommandTable, ScreenTools
from xmpptui.ui.shared.dialogs import PromptScreen


class PresenceSession(Protocol):
    """The part of the `Session` own presence uses."""

    @property
    def state(self) -> ClientState: ...

    async def set_presence(self, presence: Presence) -> None: ...

    def reconnect_now(self) -> None: ...


class PresenceController:
    def __init__(self, tools: ScreenTools, composer: CommandLine) -> None:
        self._tools = tools
        self._composer = composer
        self.session: PresenceSession | None = None

    def commands(self) -> CommandTable:
        """The slash commands of our own presence, by name (for MainScreen's command table)."""
        return {"status": self._command_status, "priority": self._command_priority}

    def set_presence(self, show: Show | None = None, status: str | None = None, priority: int | None = None) -> None:
        """Change what is given, keep the rest; going online again from offline comes back as plain online."""
        if self.session is None:
            return
        current = self.session.state.own_presence
        wanted_show = show or (current.show if current.show is not Show.OFFLINE else Show.ONLINE)
        wanted = Presence(wanted_show, current.status if status is None else status,
                          current.priority if priority is None else priority)
        self._tools.run(self.session.set_presence(wanted), "set presence")

    def _command_status(self, args: str) -> None:
        word, _, text = args.partition(" ")
        try:
            show = Show.parse(word)
        except ValueError as exc:
            self._tools.notify(str(exc), severity="warning", markup=False)
            return
        self._composer.clear()
        self.set_presence(show=show, status=text.strip())

    def _command_priority(self, args: str) -> None:
        try:
            priority = parse_priority(args)
        except ValueError as exc:
            self._tools.notify(str(exc), severity="warning", markup=False)
            return
        self._composer.clear()
        self.set_presence(priority=priority)

    def reconnect_now(self) -> None:
        if self.session is not None:
            self.session.reconnect_now()

    def edit_status(self) -> None:
        if self.session is None:
            return

        def done(text: str | None) -> None:
            if text is not None:
                self.set_presence(status=text.strip())

        self._tools.push_screen(PromptScreen("Status text (Enter sets, Escape cancels)",
                                             value=self.session.state.own_presence.status), done)

    def edit_priority(self) -> None:
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
                self.set_presence(priority=parse_priority(text))

        self._tools.push_screen(PromptScreen("Priority, -128 to 127 (Enter sets, Escape cancels)",
                                             value=str(self.session.state.own_presence.priority),
                                             validate=validate), done)
