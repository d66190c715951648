"""UploadController: `/upload PATH` (`/attach`) sends a file to the conversation on screen (HTTP File Upload);
the upload's progress on the line under the log; Escape or `/cancel` stops it. An upload that failed for a
reason a retry can fix (cut off, not connected, the server failing) is offered again: the line says so and the
composer is given back the command as typed, so that Enter retries it."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from rich.text import Text
from textual.widgets import Static

from xmpptui.model.events import Event, UploadEnded, UploadProgressed
from xmpptui.model.state import ClientState
from xmpptui.text import size_words
from xmpptui.ui.shared import render
from xmpptui.ui.shared.controller import CommandLine, CommandTable, ScreenTools


class UploadSession(Protocol):
    @property
    def state(self) -> ClientState: ...

    async def upload_file(self, jid: str, path: str) -> None: ...

    def cancel_upload(self, jid: str) -> bool: ...


class UploadComposer(CommandLine, Protocol):
    """The composer as the upload controller sees it: it may also be given a command to send again."""

    def offer(self, text: str) -> Any: ...


@dataclass(frozen=True)
class FailedUpload:
    """An upload a retry may fix: its file's name, why it failed, and the command as the user typed it."""

    name: str
    error: str
    command: str


def progress_line(name: str, sent: int, total: int, elapsed: float = 0.0, width: int = 20) -> Text:
    """`⇧ name [█████░░░░░] 42% 1.3 MiB of 3.0 MiB, 2.1 MiB/s, 1 s left · Esc or /cancel stops it`; the rate and
    time left once `elapsed` seconds have passed. The name is the user's own file name, which may still hold
    anything a file name can: control characters are shown as `?`."""
    fraction = sent / total if total else 1.0
    filled = round(fraction * width)
    line = Text("⇧ ", style="bold")
    line.append(name.translate({code: "?" for code in range(32)}), style="bold")
    line.append(" [")
    line.append("█" * filled, style="green")
    line.append("░" * (width - filled), style="dim")
    line.append(f"] {int(fraction * 100)}% {size_words(sent)} of {size_words(total)}")
    if elapsed > 0 and sent > 0:
        rate = sent / elapsed
        line.append(f", {size_words(int(rate))}/s, {_duration((total - sent) / rate)} left")
    line.append(" · Esc or /cancel stops it", style="dim")
    return line


def failure_line(failed: FailedUpload, offered: bool) -> Text:
    """`⇧ name was not sent: why · press Enter to retry` (`offered`: the composer holds the command again), else
    the command to type; the error names the file first, which is not repeated."""
    line = Text("⇧ ", style="bold")
    line.append(failed.name.translate({code: "?" for code in range(32)}), style="bold")
    reason = failed.error.removeprefix(f"{failed.name}:").removeprefix(failed.name).strip()
    line.append(" was not sent: ", style="red")
    line.append_text(render.plain(reason, "red", single_line=True))  # (it may hold the upload server's words)
    line.append(" · press Enter to retry, Esc to forget it" if offered else f" · retry: {failed.command}",
                style="dim")
    return line


def _duration(seconds: float) -> str:
    whole = max(0, round(seconds))
    return f"{whole} s" if whole < 60 else f"{whole // 60} min {whole % 60:02d} s"


class UploadController:
    """One upload at a time per conversation (the session refuses a second); the line under the log shows the
    one in the conversation on screen."""

    def __init__(self, tools: ScreenTools, composer: UploadComposer, line: Static,
                 active: Callable[[], str | None], clock: Callable[[], float] = time.monotonic) -> None:
        self._tools = tools
        self._composer = composer
        self._line = line
        self._active = active
        self._clock = clock
        self._started: dict[str, float] = {}
        """Per conversation: when its upload's first byte went (for the rate)."""
        self.session: UploadSession | None = None
        self._progress: dict[str, tuple[str, int, int]] = {}
        """Per conversation: the file under way, bytes sent, its size."""
        self._typed: dict[str, str] = {}
        """Per conversation: the /upload command as typed, kept in the composer until the upload starts (a
        refusal before then leaves it there to correct) and cleared then, so that the user can type on."""
        self._commands: dict[str, str] = {}
        """Per conversation: the /upload command as typed, until its upload ends (to offer it again)."""
        self._failed: dict[str, FailedUpload] = {}
        """Per conversation: the last upload, if it failed for a reason a retry can fix (until retried or
        forgotten with Escape)."""
        self._to_offer: set[str] = set()
        """Conversations whose failed upload's command goes back into the composer once it is on screen (with
        the composer empty: nothing typed is replaced)."""
        line.display = False

    def commands(self) -> CommandTable:
        return {"upload": self._command_upload, "cancel": self._command_cancel}

    def _command_upload(self, args: str) -> None:
        jid = self._active()
        if self.session is None or jid is None:
            self._tools.notify("open a conversation first: /upload sends the file there", severity="warning")
            return
        path = args.strip()
        if len(path) >= 2 and path[0] == path[-1] and path[0] in "\"'":
            path = path[1:-1]  # (a path pasted with quotes around it, as file managers copy one)
        if not path:
            self._tools.notify("usage: /upload PATH (Tab completes file names)", severity="warning")
            return
        self._typed[jid] = self._commands[jid] = self._composer.text
        self._forget_failure(jid)
        self.show()
        self._tools.run(self.session.upload_file(jid, os.path.expanduser(path)), "upload")

    def _command_cancel(self, _args: str) -> None:
        if not self.cancel():
            self._tools.notify("no upload under way in this conversation", severity="warning")
            return
        self._composer.clear()

    def cancel(self) -> bool:
        """Stop the upload in the conversation on screen (Escape, /cancel), or forget the failed one offered
        for a retry (and its command in the composer); False when there is neither."""
        jid = self._active()
        if self.session is None or jid is None:
            return False
        failed = self._failed.get(jid)
        if jid not in self._progress and failed is not None:
            if self._composer.text == failed.command:
                self._composer.clear()
            self._forget_failure(jid)
            self.show()
            return True
        if jid not in self._progress:
            return False
        return self.session.cancel_upload(jid)

    def _forget_failure(self, jid: str) -> None:
        self._failed.pop(jid, None)
        self._to_offer.discard(jid)

    def route(self, events: list[Event]) -> None:
        """The session's upload events of one batch; the line shows the latest state."""
        changed = False
        for event in events:
            match event:
                case UploadProgressed(conversation=jid, name=name, sent=sent, total=total):
                    self._progress[jid] = (name, sent, total)
                    if sent == 0:
                        self._started[jid] = self._clock()
                    changed = True
                    typed = self._typed.pop(jid, None)
                    if typed is not None and self._composer.text == typed:
                        self._composer.clear()
                case UploadEnded(conversation=jid, name=name, error=error, retry=retry):
                    # (a failure is said by the worker that ran /upload too: UploadError in words)
                    self._progress.pop(jid, None)
                    self._typed.pop(jid, None)
                    self._started.pop(jid, None)
                    command = self._commands.pop(jid, None)
                    if error and retry and command:
                        self._failed[jid] = FailedUpload(name, error, command)
                        self._to_offer.add(jid)
                    changed = True
        if changed:
            self.show()

    def show(self) -> None:
        """The line for the conversation on screen: the upload under way, or the failed one a retry may fix
        (hidden when there is neither)."""
        jid = self._active()
        progress = self._progress.get(jid) if jid is not None else None
        failed = self._failed.get(jid) if jid is not None else None
        if progress is None and failed is not None and jid is not None:
            if jid in self._to_offer and not self._composer.text.strip():
                self._composer.offer(failed.command)
            self._to_offer.discard(jid)
            self._line.update(failure_line(failed, offered=self._composer.text == failed.command))
            self._line.display = True
            return
        if progress is None:
            self._line.display = False
            return
        started = self._started.get(jid) if jid is not None else None
        self._line.update(progress_line(*progress, elapsed=self._clock() - started if started is not None else 0.0))
        self._line.display = True

    @property
    def line_text(self) -> str:
        return str(self._line.render()) if self._line.display else ""
