"""Logging to a file (never the screen), with SASL payloads and passwords redacted from every record."""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path

from xmpptui.text import sanitize

_SECRETS = [
    # SASL exchanges carry the password (PLAIN) or proofs (SCRAM) in base64.
    (re.compile(r"(<(auth|response|challenge|success)\b[^>]*>)[^<]*(</\2>)", re.S), r"\1[redacted]\3"),
    (re.compile(r"(<password\b[^>]*>)[^<]*(</password>)", re.S), r"\1[redacted]\2"),
    (re.compile(r"(password\s*[=:]\s*)\S+", re.I), r"\1[redacted]"),
]


def redact(text: str) -> str:
    for pattern, replacement in _SECRETS:
        text = pattern.sub(replacement, text)
    return text


class RedactingFormatter(logging.Formatter):
    """Secrets redacted, and control characters made visible: a remote string with ESC sequences in it
    must not drive the terminal of whoever reads the log."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(sanitize(super().format(record)))


def setup(path: Path, debug: bool) -> None:
    """Send every log record to `path` (created 0600); nothing goes to stderr over the TUI."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if debug else logging.INFO)
    # slixmpp logs every stanza at DEBUG; only --debug wants them.
    logging.getLogger("slixmpp").setLevel(logging.DEBUG if debug else logging.WARNING)


def setup_none() -> None:
    """No log file could be made: records go nowhere (never to stderr, which is under the TUI)."""
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(logging.NullHandler())
    logging.getLogger("slixmpp").setLevel(logging.WARNING)


def log_startup_problem(text: str) -> None:
    logging.getLogger("xmpptui").error("%s", text)
