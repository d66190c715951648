"""MessageDetails: what is known of one message (`i` on a selection): when it was sent and received, ids,
delivery state, sender, resource and occupant id, what it answers, who reacted with what, the texts its
corrections replaced (its edit history), whether it was retracted."""

from __future__ import annotations

import time
from collections.abc import Mapping

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from xmpptui.model.conversation import ChatMessage, Direction
from xmpptui.ui.shared import render


def _when(timestamp: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S %Z", time.localtime(timestamp))


def details(message: ChatMessage, own_reactor: str = "",
            nicks: Mapping[str, str] | None = None) -> list[tuple[str, str]]:
    """(what, value) pairs, remote values as they came (made inert where shown); `nicks`: a room's occupant ids
    with the nick they last wrote under (a reactor known by its occupant id is named by it)."""
    ours = message.direction is Direction.OUT
    rows = [("from", "you" + (" (another of your clients)" if message.carbon else "") if ours else message.sender)]
    if message.delayed:
        rows.append(("sent", f"{_when(message.timestamp)} (the sender's time: it was delivered later, XEP-0203)"))
        if message.received is not None:
            rows.append(("received", _when(message.received)))
    else:
        rows.append(("time", f"{_when(message.timestamp)} ({'sent' if ours else 'received'})"))
    rows.append(("id", message.id or "(none)"))
    rows.append(("archive id", message.stanza_id or "(none yet)"))
    if message.occupant_id:
        rows.append(("occupant id", message.occupant_id))
    if ours:
        rows.append(("delivery", message.state.value + (f": {message.error}" if message.error else "")))
    rows.append(("kind", message.kind.value))
    if message.reply_to is not None:
        reply = message.reply_to
        rows.append(("answers", f"{reply.to or '?'} (id {reply.id}): {reply.quote}"))
    for reactor, emojis in sorted(message.reactions.items()):
        occupant = reactor.removeprefix("o:") if reactor.startswith("o:") else ""
        who = ("you" if reactor == own_reactor else (nicks or {}).get(occupant, f"occupant {occupant}") if occupant
               else reactor.removeprefix("n:"))
        rows.append(("reaction", f"{' '.join(sorted(emojis))} by {who}"))
    rows.append(("edited", "yes (XEP-0308: the text shown is the latest)" if message.edited else "no"))
    for edit in message.edits:  # (oldest first: the story of the text, up to the one shown)
        rows.append(("earlier text", f"{edit.text!r}, replaced {_when(edit.replaced_at)}"))
    if message.retracted:
        rows.append(("retracted", message.retracted))
    if message.attachment is not None:
        rows.append(("file", message.attachment.url))
    return rows


class MessageDetails(ModalScreen[None]):
    BINDINGS = [Binding("escape,enter,q,i", "close", "Close", id="details_close")]

    def __init__(self, message: ChatMessage, own_reactor: str = "", nicks: Mapping[str, str] | None = None) -> None:
        super().__init__()
        self._rows = details(message, own_reactor, nicks)

    def compose(self) -> ComposeResult:
        text = Text()
        for what, value in self._rows:
            text.append(f"{what}: ", style="bold")
            text.append_text(render.plain(value, single_line=True))
            text.append("\n")
        with VerticalScroll(classes="dialog", id="details-dialog"):
            yield Label("Message details", classes="dialog-title")
            yield Static(text, id="details-text")
            yield Label("Escape, Enter, q or i: close", classes="dialog-keys", markup=False)

    def plain_text(self) -> str:
        return "\n".join(f"{what}: {value}" for what, value in self._rows)

    def action_close(self) -> None:
        self.dismiss(None)
