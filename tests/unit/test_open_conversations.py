"""The open conversations kept for the next start: written 0600, read back in order, a damaged file read as
nothing to reopen; rooms we are no longer in are not saved, and the conversation on screen is."""

from __future__ import annotations

import stat
from pathlib import Path
from types import SimpleNamespace

from xmpptui.model.conversation import ConversationKind
from xmpptui.model.room import Room, RoomState
from xmpptui.model.state import ClientState
from xmpptui.storage.open_conversations import OpenConversation, OpenConversations, OpenConversationsStore
from xmpptui.xmpp.reopening import Reopening

ROOM = "room@conference.example.org"


def test_saved_and_read_back_in_order_privately(tmp_path: Path) -> None:
    store = OpenConversationsStore(tmp_path / "data", "alice@example.org")
    saved = OpenConversations((OpenConversation("bob@example.org", ConversationKind.CHAT),
                               OpenConversation(ROOM, ConversationKind.GROUPCHAT, "alicia"),
                               OpenConversation(f"{ROOM}/carol", ConversationKind.PRIVATE)), shown=ROOM)
    store.save(saved)
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    assert store.load() == saved
    assert OpenConversationsStore(tmp_path / "data", "other@example.org").load() == OpenConversations()


def test_a_damaged_file_reopens_nothing(tmp_path: Path) -> None:
    store = OpenConversationsStore(tmp_path, "alice@example.org")
    for text in ("{not json", "[1, 2]", '{"conversations": [{"jid": 5, "kind": "chat"}, {"jid": "x", "kind": "?"}]}'):
        store.path.write_text(text)
        assert store.load().conversations == ()


def test_rooms_we_left_are_not_saved_and_the_shown_one_is(tmp_path: Path) -> None:
    state = ClientState(jid="alice@example.org")
    state.conversations.open("bob@example.org")
    state.conversations.open(ROOM, ConversationKind.GROUPCHAT)
    state.conversations.open("left@conference.example.org", ConversationKind.GROUPCHAT)
    state.rooms.add(Room(ROOM, "alicia", state=RoomState.JOINED))
    state.rooms.add(Room("left@conference.example.org", "alicia", state=RoomState.LEFT))
    store = OpenConversationsStore(tmp_path, state.jid)
    reopening = Reopening(SimpleNamespace(state=state), store,  # type: ignore[arg-type]
                          open_conversation=lambda jid, kind: None, join_room=lambda address: None)
    reopening.shown(ROOM)
    reopening.save()
    assert store.load() == OpenConversations((OpenConversation("bob@example.org", ConversationKind.CHAT),
                                              OpenConversation(ROOM, ConversationKind.GROUPCHAT, "alicia")), ROOM)
    reopening.shown("left@conference.example.org")
    reopening.save()
    assert store.load().shown is None, "a conversation not reopened is not shown"
