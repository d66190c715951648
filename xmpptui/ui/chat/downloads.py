"""DownloadController: `/open [N]` opens the Nth latest link of the conversation on screen (in the browser, or an
`xmpp:` one in the app), `/download [N]` saves it; the download's progress on the line under the log; Escape or
`/cancel` stops it. Nothing is opened or fetched unless the user types one of these."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Protocol
from urllib.parse import unquote

from rich.text import Text
from textual.widgets import Static

from xmpptui.model.conversation import ChatMessage
from xmpptui.model.events import DownloadEnded, DownloadProgressed, Event
from xmpptui.model.links import SAFE_SCHEMES, recent_links
from xmpptui.model.state import ClientState
from xmpptui.text import size_words
from xmpptui.ui.shared.controller import CommandHandler, CommandLine, CommandTable, ScreenTools
from xmpptui.ui.shared.render import plain


class DownloadSession(Protocol):
    @property
    def state(self) -> ClientState: ...

    async def download_file(self, jid: str, message: ChatMessage, url: str) -> str: ...

    def cancel_download(self, jid: str) -> bool: ...


def download_line(name: str, received: int, total: int, width: int = 20) -> Text:
    """`⇩ name [█████░░░░░] 42% 1.3 MiB of 3.0 MiB · Esc or /cancel stops it` (no bar while the size is not
    known); the name is the sender's, shown inert."""
    line = Text("⇩ ", style="bold")
    line.append_text(plain(name, "bold", single_line=True))
    if total:
        filled = round(received / total * width)
        line.append(" [")
        line.append("█" * filled, style="green")
        line.append("░" * (width - filled), style="dim")
        line.append(f"] {int(received / total * 100)}% {size_words(received)} of {size_words(total)}")
    else:
        line.append(f" {size_words(received)}")
    line.append(" · Esc or /cancel stops it", style="dim")
    return line


class DownloadController:
    """Links are numbered from the latest (1) in the conversation on screen: a message's file, then the links in
    its text. One download at a time per conversation; the line under the log shows the one on screen."""

    def __init__(self, tools: ScreenTools, composer: CommandLine, line: Static, active: Callable[[], str | None],
                 open_in_app: Callable[[str, str], None]) -> None:
        """`open_in_app(jid, action)`: an `xmpp:` link's chat (action "") or room ("join")."""
        self._tools = tools
        self._composer = composer
        self._line = line
        self._active = active
        self._open_in_app = open_in_app
        self.session: DownloadSession | None = None
        self._progress: dict[str, tuple[str, int, int]] = {}
        line.display = False

    def commands(self) -> CommandTable:
        return {"open": self._command_open, "download": self._command_download}

    def _pick(self, command: str, args: str) -> tuple[str, ChatMessage, str] | None:
        """The conversation, message and link `/command N` names; None (the user told why) when there is none."""
        jid = self._active()
        if self.session is None or jid is None:
            self._tools.notify(f"open a conversation first: /{command} takes a link shown there", severity="warning")
            return None
        word = args.strip() or "1"
        if not word.isdigit() or int(word) < 1:
            self._tools.notify(f"/{command} N: N is a link's place from the latest (1, the default), not {word!r}",
                               severity="warning", markup=False)
            return None
        number = int(word)
        conversation = self.session.state.conversations.get(jid)
        links = recent_links(conversation.messages if conversation is not None else [], number)
        if len(links) < number:
            have = f"only {len(links)} link{'s' if len(links) != 1 else ''}" if links else "no links"
            self._tools.notify(f"/{command} {number}: this conversation has {have} on screen", severity="warning")
            return None
        message, url = links[number - 1]
        return jid, message, url

    def _command_open(self, args: str) -> None:
        picked = self._pick("open", args)
        if picked is None:
            return
        self.open_url(picked[2], clear_composer=True)

    def open_url(self, url: str, clear_composer: bool = False) -> None:
        """Open a link shown in a conversation: in the browser, or an `xmpp:` one in the app (`/open`, or `o` on a
        selected message); `clear_composer`: it was typed as /open."""
        scheme = url.partition(":")[0].lower()
        if scheme not in SAFE_SCHEMES:
            self._tools.notify(f"{scheme}: links are not opened", severity="warning", markup=False)
            return
        if clear_composer:
            self._composer.clear()
        if scheme == "xmpp":
            address, _, query = url[len("xmpp:"):].lstrip("/").partition("?")
            self._open_in_app(unquote(address), "join" if query.split(";")[0].lower() == "join" else "")
            return
        self._tools.run(self._browse(url), "open-link")

    async def _browse(self, url: str) -> None:
        # The platform's opener ($BROWSER first) may wait for the browser to start: off the UI loop. Imported
        # here: webbrowser (with shlex) is not needed until a link is opened (#20).
        import webbrowser

        if not await asyncio.to_thread(lambda: webbrowser.open(url)):
            self._tools.notify("no browser could be started: set $BROWSER to one", severity="warning")

    def _command_download(self, args: str) -> None:
        picked = self._pick("download", args)
        if picked is None or self.session is None:
            return
        jid, message, url = picked
        if url.partition(":")[0].lower() not in ("http", "https"):
            self._tools.notify("only http and https links can be downloaded: /open opens the others",
                               severity="warning")
            return
        self._composer.clear()
        self._tools.run(self.session.download_file(jid, message, url), "download")

    def cancel_command(self, otherwise: CommandHandler) -> CommandHandler:
        """`/cancel`: the download on screen if there is one, else `otherwise` (the upload's)."""

        def cancel(args: str) -> None:
            if self.cancel():
                self._composer.clear()
            else:
                otherwise(args)

        return cancel

    def cancel(self) -> bool:
        jid = self._active()
        if self.session is None or jid is None or jid not in self._progress:
            return False
        return self.session.cancel_download(jid)

    def route(self, events: list[Event]) -> None:
        changed = False
        for event in events:
            match event:
                case DownloadProgressed(conversation=jid, name=name, received=received, total=total):
                    self._progress[jid] = (name, received, total)
                    changed = True
                case DownloadEnded(conversation=jid, name=name, path=path):
                    self._progress.pop(jid, None)
                    changed = True
                    if path:  # (a failure is said by the worker that ran /download)
                        self._tools.notify(Text.assemble("saved: ", plain(path, single_line=True)).plain)
        if changed:
            self.show()

    def show(self) -> None:
        jid = self._active()
        progress = self._progress.get(jid) if jid is not None else None
        self._line.display = progress is not None
        if progress is not None:
            self._line.update(download_line(*progress))

    @property
    def line_text(self) -> str:
        return str(self._line.render()) if self._line.display else ""
