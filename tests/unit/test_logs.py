"""logs.redact and logs.setup: secrets never reach the log file, which only the user can read."""

from __future__ import annotations

import logging
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from xmpptui import logs

SASL = "urn:ietf:params:xml:ns:xmpp-sasl"
SECRET = "AGFsaWNlAGh1bnRlcjI="  # base64("\0alice\0hunter2")


@pytest.mark.parametrize("stanza", [
    f'<auth xmlns="{SASL}" mechanism="PLAIN">{SECRET}</auth>',
    f"<response xmlns='{SASL}'>{SECRET}</response>",
    f"<challenge xmlns='{SASL}'>{SECRET}</challenge>",
    f"<success xmlns='{SASL}'>{SECRET}</success>",
    f"SEND: <auth xmlns='{SASL}'\n mechanism='SCRAM-SHA-1'>{SECRET}\n</auth> trailing",
])
def test_redact_removes_sasl_payloads(stanza: str) -> None:
    redacted = logs.redact(stanza)
    assert SECRET not in redacted
    assert "[redacted]" in redacted
    assert redacted.split("[redacted]")[0] == stanza.split(SECRET)[0], "the element itself stays readable"


def test_redact_handles_several_exchanges_in_one_record() -> None:
    text = f"<challenge xmlns='{SASL}'>c1</challenge><response xmlns='{SASL}'>r1</response>"
    assert logs.redact(text) == (f"<challenge xmlns='{SASL}'>[redacted]</challenge>"
                                 f"<response xmlns='{SASL}'>[redacted]</response>")


def test_redact_removes_in_band_registration_passwords() -> None:
    text = "<query xmlns='jabber:iq:register'><username>a</username><password>hunter2</password></query>"
    assert "hunter2" not in logs.redact(text)
    assert "<password>[redacted]</password>" in logs.redact(text)


@pytest.mark.parametrize("text", ["password=hunter2", "login with password = hunter2 now", "Password: hunter2",
                                  "PASSWORD:hunter2"])
def test_redact_removes_password_assignments(text: str) -> None:
    redacted = logs.redact(text)
    assert "hunter2" not in redacted
    assert "[redacted]" in redacted


@pytest.mark.parametrize("text", ["<message to='bob@x'><body>hi there</body></message>", "connected to example.org",
                                  "<authors>not sasl</authors>"])
def test_redact_leaves_other_text_alone(text: str) -> None:
    assert logs.redact(text) == text


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    slix = logging.getLogger("slixmpp")
    saved = (list(root.handlers), root.level, slix.level)
    yield
    for handler in list(root.handlers):
        if handler not in saved[0]:
            handler.close()
        root.removeHandler(handler)
    for handler in saved[0]:
        root.addHandler(handler)
    root.setLevel(saved[1])
    slix.setLevel(saved[2])


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.usefixtures("restore_logging")
def test_setup_creates_a_private_file_and_redacts(tmp_path: Path) -> None:
    path = tmp_path / "state" / "xmpptui" / "log" / "xmpptui.log"
    logs.setup(path, debug=False)
    assert path.is_file()
    assert _mode(path) == 0o600
    assert _mode(path.parent) == 0o700
    logging.getLogger("xmpptui.test").info("sending password=hunter2 and <auth mechanism='PLAIN'>%s</auth>", SECRET)
    logging.getLogger("xmpptui.test").debug("not logged without --debug")
    logging.getLogger("slixmpp.test").info("slixmpp chatter below WARNING is dropped")
    for handler in logging.getLogger().handlers:
        handler.flush()
    written = path.read_text(encoding="utf-8")
    assert "password=[redacted]" in written
    assert "hunter2" not in written and SECRET not in written
    assert "not logged without --debug" not in written
    assert "slixmpp chatter" not in written


@pytest.mark.usefixtures("restore_logging")
def test_setup_makes_an_existing_file_private_and_debug_logs_stanzas(tmp_path: Path) -> None:
    path = tmp_path / "xmpptui.log"
    path.write_text("old line\n")
    path.chmod(0o644)
    logs.setup(path, debug=True)
    assert _mode(path) == 0o600
    logging.getLogger("slixmpp.xmlstream").debug("SEND: <response>%s</response>", SECRET)
    for handler in logging.getLogger().handlers:
        handler.flush()
    written = path.read_text(encoding="utf-8")
    assert written.startswith("old line\n"), "the log is appended to, not truncated"
    assert "SEND: <response>[redacted]</response>" in written
    assert SECRET not in written
    assert logging.getLogger().level == logging.DEBUG


def test_log_lines_neutralise_escape_sequences(tmp_path) -> None:
    import logging

    from xmpptui import logs as logs_mod

    formatter = logs_mod.RedactingFormatter("%(message)s")
    record = logging.LogRecord("x", logging.WARNING, __file__, 1, "body %r then %s", ("\x1b]0;pwned\x07", "\x1b[2J"),
                               None)
    line = formatter.format(record)
    assert "\x1b" not in line and "\x07" not in line
    assert "␛[2J" in line
