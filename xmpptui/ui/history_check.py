"""The history file checked as the app starts: a file that cannot be used is said in words; a damaged one is set
aside (never changed) for a fresh history only if the user agrees, else the app runs without history."""

from __future__ import annotations

from typing import TYPE_CHECKING

from xmpptui.ui.shared import render
from xmpptui.ui.shared.dialogs import ConfirmScreen

if TYPE_CHECKING:
    from collections.abc import Awaitable

    from textual.app import App

    from xmpptui.storage.history import History, HistoryProblem


async def check_history(app: App[None], history: History, opened: Awaitable[HistoryProblem | None]) -> None:
    """Run in a worker; the login does not wait for it. `opened`: `history.check()`, begun before the first frame."""
    problem = await opened
    if problem is None:
        return
    if not problem.damaged:
        app.notify(render.sanitize(f"{problem}: running without history"), severity="error", markup=False, timeout=15)
        return
    question = (f"{problem}.\n\nKeep it aside as {problem.path.name}.damaged-<date> (it is not changed) and "
                "start a fresh history? No: go on without history, leaving the file as it is.")

    def answered(yes: bool | None) -> None:
        app.run_worker(_settle(app, history, bool(yes)), name="history", exit_on_error=False)

    app.push_screen(ConfirmScreen(question), answered)


async def _settle(app: App[None], history: History, fresh: bool) -> None:
    if fresh:
        try:
            aside = await history.set_aside_and_start_fresh()
        except OSError as exc:
            await history.go_without()
            app.notify(render.sanitize(f"the damaged history file could not be set aside ({exc.strerror}): running "
                                       "without history"), severity="error", markup=False, timeout=15)
            return
        app.notify(render.sanitize(f"the damaged history file was kept as {aside}; a fresh history is started"),
                   markup=False, timeout=10)
    else:
        await history.go_without()
        app.notify(render.sanitize(f"running without history: {history.path} is left as it is"),
                   severity="warning", markup=False, timeout=10)
