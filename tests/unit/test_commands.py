"""Slash-command parsing of composer input."""

from __future__ import annotations

from pathlib import Path

import pytest

from xmpptui import commands
from xmpptui.commands import ALIASES, COMMANDS, CommandError, ParsedCommand, parse


@pytest.mark.parametrize(("text", "expected"), [
    ("/chat bob@x", ParsedCommand("chat", "bob@x")),
    ("/chat   bob@example.org  ", ParsedCommand("chat", "bob@example.org")),
    ("/CHAT bob@x", ParsedCommand("chat", "bob@x")),
    ("/close", ParsedCommand("close", "")),
    ("/status away gone to lunch", ParsedCommand("status", "away gone to lunch")),
    ("/priority -5", ParsedCommand("priority", "-5")),
    ("/help", ParsedCommand("help", "")),
    ("/quit", ParsedCommand("quit", "")),
])
def test_parse_commands(text: str, expected: ParsedCommand) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("/q", ParsedCommand("quit", "")),
    ("/exit", ParsedCommand("quit", "")),
    ("/topic new topic", ParsedCommand("subject", "new topic")),
    ("/leave bye", ParsedCommand("part", "bye")),
    ("/query bob@x", ParsedCommand("chat", "bob@x")),
    ("/away", ParsedCommand("status", "away")),
    ("/away back at 3", ParsedCommand("status", "away back at 3")),
    ("/prio 10", ParsedCommand("priority", "10")),
])
def test_aliases(text: str, expected: ParsedCommand) -> None:
    assert parse(text) == expected


def test_every_alias_names_a_command() -> None:
    names = {spec.name for spec in COMMANDS}
    assert {target.split(" ", 1)[0] for target in ALIASES.values()} <= names


def test_every_listed_command_parses_and_has_usage() -> None:
    for spec in COMMANDS:
        assert parse(f"/{spec.name}") == ParsedCommand(spec.name, "")
        assert spec.usage.startswith(f"/{spec.name}") and spec.help


@pytest.mark.parametrize("text", ["hello", "", " /chat bob", "//chat bob", "//", "bob: /chat"])
def test_messages_are_not_commands(text: str) -> None:
    assert parse(text) is None


@pytest.mark.parametrize(("text", "sent"), [("//chat bob", "/chat bob"), ("// x", "/ x"), ("hello", "hello"),
                                            ("/not-doubled", "/not-doubled"), ("", "")])
def test_message_text(text: str, sent: str) -> None:
    assert commands.message_text(text) == sent


@pytest.mark.parametrize(("text", "hint"), [
    ("/chta bob", "did you mean /chat?"),
    ("/stauts away", "did you mean /status?"),
    ("/quti", "did you mean /quit?"),
    ("/prioirty 5", "did you mean /priority?"),
])
def test_unknown_command_suggests_the_closest(text: str, hint: str) -> None:
    with pytest.raises(CommandError) as info:
        parse(text)
    assert hint in str(info.value)
    assert str(info.value).startswith(f"unknown command {text.split(' ')[0].lower()}:")


@pytest.mark.parametrize("text", ["/xyzzy", "/"])
def test_unknown_command_without_a_close_match_points_to_help(text: str) -> None:
    with pytest.raises(CommandError, match="type /help for the list"):
        parse(text)


def test_every_command_is_in_the_readme() -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    missing = [spec.name for spec in COMMANDS if f"`/{spec.name}" not in readme]
    assert not missing, f"commands missing from the README: {missing}"
