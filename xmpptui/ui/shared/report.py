"""The report flow (XEP-0377) shared by a stranger's message (`!` on a selection) and a pending subscription
request (`r` when answering it): ask spam or abuse and any words for the server, confirm (y or Enter; Escape
refuses), then hand over to the session call that reports and blocks in one step."""

from __future__ import annotations

from collections.abc import Callable

from xmpptui.ui.shared.controller import ScreenTools
from xmpptui.ui.shared.dialogs import ConfirmScreen, PromptScreen

REPORT_KINDS = ("spam", "abuse")


def ask_report(tools: ScreenTools, jid: str, report: Callable[[str, str], None]) -> None:
    """Ask what to report `jid` for; once confirmed, `report(kind, text)` (kind: one of REPORT_KINDS)."""

    def checked(value: str) -> str | None:
        kind = value.split(maxsplit=1)[0].lower() if value.split() else ""
        return None if kind in REPORT_KINDS else "start with spam or abuse, then any words for the server"

    def confirmed(kind: str, text: str) -> Callable[[bool | None], None]:
        def answered(yes: bool | None) -> None:
            if yes:
                report(kind, text)
        return answered

    def typed(value: str | None) -> None:
        if value is not None:
            kind, _, text = value.strip().partition(" ")
            question = f"Report {jid} for {kind.lower()} to your server, and block them?"
            tools.push_screen(ConfirmScreen(question), confirmed(kind.lower(), text.strip()))

    tools.push_screen(PromptScreen(f"Report {jid} to your server, and block them",
                                   placeholder="spam or abuse, then any words for the server", validate=checked),
                      typed)
