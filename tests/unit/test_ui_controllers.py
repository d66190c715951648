"""The UI's feature controllers (#16): each is given a slice of the `Session` that the real session and the UI
tests' fake both satisfy, and the main screen's command table refuses a command claimed twice."""

from __future__ import annotations

import inspect
from typing import Protocol

import pytest

from tests.ui.fake_session import FakeSession
from xmpptui.config import UiConfig
from xmpptui.session import Session
from xmpptui.ui.chat.controller import ChatSession
from xmpptui.ui.chat.search import ContextSession
from xmpptui.ui.contacts.blocked import BlocklistSession
from xmpptui.ui.contacts.controller import ContactSession
from xmpptui.ui.contacts.details import DetailsSession
from xmpptui.ui.main.presence import PresenceSession
from xmpptui.ui.main.screen import MainScreen
from xmpptui.ui.rooms.controller import RoomSession
from xmpptui.ui.rooms.joining import JoinSession
from xmpptui.ui.rooms.panes import OccupantSession

SLICES = [ChatSession, ContextSession, ContactSession, DetailsSession, BlocklistSession, PresenceSession,
          RoomSession, JoinSession, OccupantSession]


def members(protocol: type) -> dict[str, object]:
    return {name: value for name, value in vars(protocol).items()
            if not name.startswith("_") and (callable(value) or isinstance(value, property))}


@pytest.mark.parametrize("protocol", SLICES, ids=lambda p: p.__name__)
def test_each_slice_is_a_part_of_the_session_protocol_with_the_same_signatures(protocol: type[Protocol]) -> None:
    declared = members(protocol)
    assert declared, "the slice lists what it uses"
    session = members(Session)
    for name, member in declared.items():
        assert name in session, f"{protocol.__name__}.{name} is not in the Session protocol"
        if isinstance(member, property):
            assert isinstance(session[name], property)
            continue
        assert inspect.signature(member) == inspect.signature(session[name]), f"{protocol.__name__}.{name}"
        assert inspect.iscoroutinefunction(member) == inspect.iscoroutinefunction(session[name]), name


@pytest.mark.parametrize("protocol", SLICES, ids=lambda p: p.__name__)
def test_the_ui_tests_fake_session_has_every_member_of_each_slice(protocol: type) -> None:
    missing = [name for name in members(protocol) if not hasattr(FakeSession, name)]
    assert missing == []


def test_a_command_claimed_by_two_controllers_is_refused_when_the_screen_is_built(monkeypatch) -> None:
    from xmpptui.ui.rooms.controller import RoomController

    original = RoomController.commands
    monkeypatch.setattr(RoomController, "commands", lambda self: {**original(self), "close": lambda args: None})
    with pytest.raises(ValueError, match="close"):
        MainScreen(UiConfig())


def test_the_command_table_maps_names_to_each_controllers_handlers() -> None:
    screen = MainScreen(UiConfig())
    table = screen.command_table
    assert table["chat"] == screen.chat.command_chat
    assert table["kick"].__self__ is screen.rooms
    assert table["join"].__self__ is screen.joining
    assert table["block"].__self__ is screen.contacts
    assert table["status"].__self__ is screen.presence
