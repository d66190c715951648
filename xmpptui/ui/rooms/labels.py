"""How the UI names and addresses rooms: a room conversation's label, the room a conversation belongs to, and
the nick at the start of a command's arguments."""

from __future__ import annotations

from xmpptui.model import jid as jids
from xmpptui.model.conversation import Conversation, ConversationKind
from xmpptui.model.room import Room, RoomState
from xmpptui.model.state import ClientState


def conversation_label(conversation: Conversation, room: Room | None) -> str:
    """What the conversation bar calls a conversation that is not a contact's."""
    if conversation.kind is ConversationKind.GROUPCHAT:
        label = conversation.jid.partition("@")[0]
        if room is None or room.state is RoomState.LEFT:
            label += " (not joined)"
        elif room.state is RoomState.JOINING:
            label += " (joining)"
        return label + (f" @{conversation.mentions}" if conversation.mentions else "")
    if conversation.kind is ConversationKind.PRIVATE:
        room_jid, nick = jids.bare(conversation.jid), jids.resource(conversation.jid)
        return f"{nick} ({room_jid.partition('@')[0]})"
    return conversation.jid


def room_of(state: ClientState, active: str | None) -> str | None:
    """The room of the active conversation (a room's, or a private chat through it); None for others."""
    if active is None:
        return None
    conversation = state.conversations.get(active)
    if conversation is None:
        return None
    if conversation.kind is ConversationKind.GROUPCHAT:
        return conversation.jid
    if conversation.kind is ConversationKind.PRIVATE:
        return jids.bare(conversation.jid)
    return None


def nicks_in(state: ClientState, room: str) -> list[str]:
    """The nicks of a room's occupants (empty if we do not hold the room)."""
    held = state.rooms.get(room)
    return list(held.occupants) if held is not None else []


def split_nick(args: str, nicks: list[str]) -> tuple[str, str]:
    """`nick rest` -> (nick, rest); the longest occupant nick the text starts with wins (nicks may hold spaces)."""
    for nick in sorted(nicks, key=len, reverse=True):
        if args == nick or args.startswith(f"{nick} "):
            return nick, args[len(nick):].strip()
    nick, _, rest = args.partition(" ")
    return nick, rest.strip()
