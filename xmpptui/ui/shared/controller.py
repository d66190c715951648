"""What the main screen lends each feature's controller (a plain object, not a widget): `ScreenTools` to run a
session call in a named worker, tell the user and open a dialog; `CommandLine`, the composer as a controller
sees it; and the shape of a slash-command table."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

CommandHandler = Callable[[str], None]
"""A slash command's handler, given the text after the command's name."""
CommandTable = dict[str, CommandHandler]
"""Handlers by the name `commands.parse` gives (aliases are resolved there)."""


class RunCall(Protocol):
    def __call__(self, work: Awaitable[object], name: str, on_success: Callable[[], None] | None = None) -> None:
        """Run a session call in a worker named `name`, then `on_success` if it succeeded; a failure becomes
        words on screen (XmppTuiApp.on_worker_state_changed)."""


@dataclass(frozen=True)
class ScreenTools:
    run: RunCall
    notify: Callable[..., None]
    """`App.notify`, as plain text unless `markup=True` is given (usage lines name optional parts in brackets);
    remote text must be sanitised."""
    push_screen: Callable[..., Any]
    """`App.push_screen`: a dialog, and the callback that receives its answer."""


class CommandLine(Protocol):
    """The composer as a controller sees it: what is typed, clearing it once it is taken, the focus."""

    @property
    def text(self) -> str: ...

    def clear(self) -> Any: ...

    def focus(self, scroll_visible: bool = True) -> Any: ...


def run_then_clear(tools: ScreenTools, composer: CommandLine, work: Awaitable[object], name: str) -> None:
    """Run a session call typed as a command; once it succeeded, clear the composer if it still holds what was
    typed (a failure keeps it, to be corrected and sent again)."""
    typed = composer.text

    def done() -> None:
        if composer.text == typed:
            composer.clear()

    tools.run(work, name, done)
