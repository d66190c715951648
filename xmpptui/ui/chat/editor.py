"""Writing a message in the user's own editor ($VISUAL, else $EDITOR, else vi): the app steps out of the
terminal while it runs, and the text saved comes back (the caller puts it in the composer; nothing is sent)."""

from __future__ import annotations

import logging
import os
import subprocess
import tempfile
from pathlib import Path

from textual.app import App, SuspendNotSupported

log = logging.getLogger(__name__)


class EditorError(Exception):
    """The editor could not be run, or it failed; the message says which in words."""


def editor_command() -> list[str]:
    """The editor to run, as words (the variables may hold options, e.g. `code --wait`)."""
    import shlex  # (only when an editor is opened, #20)

    chosen = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    try:
        words = shlex.split(chosen)
    except ValueError as exc:
        raise EditorError(f"$VISUAL / $EDITOR {chosen!r} cannot be read as a command: {exc}") from None
    if not words:
        raise EditorError("$VISUAL / $EDITOR is empty")
    return words


def edit(app: App[object], text: str) -> str:
    """The text after the user edited it in their editor, with the app suspended meanwhile. Raises
    EditorError (the text typed is then still the caller's to keep)."""
    command = editor_command()
    # A private file (0600, in a 0700 directory): a draft may be as private as the conversation.
    with tempfile.TemporaryDirectory(prefix="xmpptui-") as directory:
        path = Path(directory) / "message.txt"
        path.touch(mode=0o600)
        path.write_text(text, encoding="utf-8")
        try:
            with app.suspend():
                returncode = _run(command, path)
        except SuspendNotSupported:
            if not app.is_headless:
                raise EditorError("this terminal cannot hand over to an editor (the app cannot be suspended "
                                  "here)") from None
            returncode = _run(command, path)  # tests: no terminal to hand over, the editor needs none
        if returncode != 0:
            raise EditorError(f"the editor {command[0]} exited with status {returncode}: the composer is "
                              "unchanged")
        try:
            edited = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise EditorError(f"the edited text could not be read back: {exc}") from None
    # Editors end a file with a newline; a message does not.
    return edited[:-1] if edited.endswith("\n") else edited


def _run(command: list[str], path: Path) -> int:
    try:
        return subprocess.run([*command, str(path)], check=False).returncode
    except OSError as exc:
        log.warning("editor %s could not be started: %s", command[0], exc)
        raise EditorError(f"the editor {command[0]!r} could not be started: {exc.strerror or exc}; set $VISUAL "
                          "or $EDITOR") from None
