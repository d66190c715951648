"""The escape sequences a notification is written as, the method chosen from the environment, and the
`[notify]` settings as read from config.toml."""

from __future__ import annotations

import asyncio
import sys
import types
from pathlib import Path

import pytest

from xmpptui import config
from xmpptui.config import ConfigError, NotifyConfig
from xmpptui.ui.shared.notifications import choose_method, escape_sequence, make_notifier, title_sequence


def test_each_method_writes_its_sequence() -> None:
    assert escape_sequence("osc777", "Bob", "hi", {}) == "\x1b]777;notify;Bob;hi\x07"
    assert escape_sequence("osc9", "Bob", "hi", {}) == "\x1b]9;Bob: hi\x07"
    assert escape_sequence("osc9", "4;1", "hi", {}) == "\x1b]9; 4,1: hi\x07", "never read as a progress bar"
    assert escape_sequence("osc99", "Bob", "hi", {}, ident=7) == (
        "\x1b]99;i=7:d=0;Bob\x1b\\\x1b]99;i=7:d=1:p=body;hi\x1b\\")
    assert title_sequence("(3) xmpptui") == "\x1b]2;(3) xmpptui\x07"


def test_inside_tmux_the_sequence_is_wrapped_with_its_escapes_doubled() -> None:
    assert escape_sequence("osc777", "Bob", "hi", {"TMUX": "/tmp/tmux-0/default,1,0"}) == (
        "\x1bPtmux;\x1b\x1b]777;notify;Bob;hi\x07\x1b\\")


def test_remote_text_cannot_end_the_sequence() -> None:
    sequence = escape_sequence("osc777", "B;o\x07b", "x\x1b\\\x1b]2;owned\x07\x9c" + "y" * 500, {})
    body = sequence[len("\x1b]777;notify;"):-1]
    assert not any(ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F for ch in body)
    assert body.startswith("B,o b;x \\ ]2;owned") and len(body) < 300


@pytest.mark.parametrize(("configured", "env", "desktop", "chosen"), [
    ("auto", {}, True, "desktop"),
    ("auto", {"SSH_CONNECTION": "1 2 3 4"}, True, "osc777"),  # the desktop there is not the user's
    ("auto", {}, False, "osc777"),
    ("auto", {"TERM": "xterm-kitty"}, False, "osc99"),
    ("auto", {"TERM_PROGRAM": "iTerm.app"}, False, "osc9"),
    ("desktop", {"TERM": "xterm-kitty"}, False, "osc99"),
    ("osc9", {"TERM": "xterm-kitty"}, True, "osc9"),
    ("off", {}, True, "off"),
])
def test_the_method_follows_the_config_and_the_environment(configured: str, env: dict[str, str], desktop: bool,
                                                            chosen: str) -> None:
    assert choose_method(configured, env, desktop) == chosen


def test_without_a_desktop_session_the_terminal_is_used() -> None:
    written: list[str] = []
    notifier = make_notifier("desktop", written.append, lambda work: None, {"TERM": "xterm"})
    assert notifier is not None
    notifier("Bob", "hi")
    assert written == ["\x1b]777;notify;Bob;hi\x07"]
    assert make_notifier("off", written.append, lambda work: None, {}) is None


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_notify_settings_are_read_and_checked(tmp_path: Path) -> None:
    loaded = config.load(write(tmp_path, '[notify]\nrooms = "all"\nprivate = ["a@b.c"]\nmethod = "osc99"\n'
                                         '[notify.rules]\n"r@conference.b.c" = "none"\n'))
    assert loaded.notify == NotifyConfig(rooms="all", private=("a@b.c",), method="osc99",
                                         rules={"r@conference.b.c": "none"})
    with pytest.raises(ConfigError, match=r"notify\.chats must be one of all, mentions, none, not 'loud'"):
        config.load(write(tmp_path, '[notify]\nchats = "loud"\n'))
    with pytest.raises(ConfigError, match=r"\[notify\.rules\] maps a JID to one of all, mentions, none"):
        config.load(write(tmp_path, '[notify.rules]\n"a@b.c" = "sometimes"\n'))
    with pytest.raises(ConfigError, match=r"unknown key notify\.'privat'; did you mean 'private'"):
        config.load(write(tmp_path, '[notify]\nprivat = []\n'))


class FakeDesktopNotifier:
    """Stands in for desktop_notifier.DesktopNotifier (there is no D-Bus session here)."""

    sent: list[tuple[str, str]] = []
    fail = False

    def __init__(self, app_name: str) -> None:
        assert app_name == "xmpptui"

    async def send(self, title: str, message: str) -> None:
        if self.fail:
            raise ConnectionError("the bus went away")
        self.sent.append((title, message))


def test_with_a_desktop_session_desktop_notifier_is_called_and_a_failure_falls_back_to_the_terminal(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "desktop_notifier", types.SimpleNamespace(DesktopNotifier=FakeDesktopNotifier))
    written: list[str] = []
    env = {"DBUS_SESSION_BUS_ADDRESS": "unix:path=/run/user/1000/bus", "TERM": "xterm"}
    notifier = make_notifier("auto", written.append, asyncio.run, env)
    assert notifier is not None
    notifier("Bob", "hi\x1b]2;x\x07")
    assert FakeDesktopNotifier.sent == [("Bob", "hi ]2;x")] and written == []

    FakeDesktopNotifier.fail = True
    notifier("Bob", "again")
    assert written == ["\x1b]777;notify;Bob;again\x07"], "the terminal takes over"
    FakeDesktopNotifier.fail = False
    notifier("Bob", "later")
    assert FakeDesktopNotifier.sent == [("Bob", "hi ]2;x")] and len(written) == 2, "and keeps it"
