"""Slash commands typed in the composer: the list users see in /help and the README, and their parsing."""

from __future__ import annotations

import difflib
from dataclasses import dataclass


@dataclass(frozen=True)
class CommandSpec:
    name: str
    usage: str
    help: str


COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec("chat", "/chat JID", "open a conversation with any JID (in the roster or not)"),
    CommandSpec("close", "/close", "close the current conversation"),
    CommandSpec("status", "/status online|chat|away|xa|dnd|offline [text]", "set your presence and status text"),
    CommandSpec("priority", "/priority N", "set your presence priority (-128 to 127)"),
    CommandSpec("msg", "/msg NICK TEXT", "in a room: a private message to an occupant; elsewhere /msg JID is /chat"),
    CommandSpec("me", "/me TEXT", "send an action (shown as `* you TEXT`)"),
    CommandSpec("join", "/join room@service[/nick] [password]", "join a group chat room (no argument: a dialog)"),
    CommandSpec("rooms", "/rooms [service]", "list a chat service's rooms to pick one to join"),
    CommandSpec("part", "/part [reason]", "leave the current room (the conversation stays open)"),
    CommandSpec("nick", "/nick NEWNICK", "change your nick in the current room"),
    CommandSpec("subject", "/subject TEXT", "change the current room's subject (empty clears it)"),
    CommandSpec("bookmark", "/bookmark [noautojoin]",
                "bookmark the current room on the server (joined on login unless noautojoin)"),
    CommandSpec("bookmarks", "/bookmarks", "list your bookmarked rooms to pick one to join"),
    CommandSpec("unbookmark", "/unbookmark", "remove the current room's bookmark"),
    CommandSpec("invite", "/invite JID [reason]", "invite someone to the current room (XEP-0249)"),
    CommandSpec("voice", "/voice", "as a visitor, ask the room's moderators for voice"),
    CommandSpec("kick", "/kick NICK [reason]", "remove an occupant from the room (moderators)"),
    CommandSpec("ban", "/ban NICK [reason]", "ban an occupant from the room (admins)"),
    CommandSpec("role", "/role NICK moderator|participant|visitor|none", "change an occupant's role"),
    CommandSpec("affiliation", "/affiliation JID owner|admin|member|outcast|none",
                "change someone's affiliation with the room"),
    CommandSpec("help", "/help", "list commands and keys"),
    CommandSpec("quit", "/quit", "log out and quit"),
)
ALIASES = {"q": "quit", "exit": "quit", "query": "chat", "away": "status away", "prio": "priority",
           "topic": "subject", "leave": "part", "j": "join"}


class CommandError(Exception):
    """A command the user typed could not be understood; the message says how to fix it."""


@dataclass(frozen=True)
class ParsedCommand:
    name: str
    args: str
    """Everything after the command name, stripped."""


def parse(text: str) -> ParsedCommand | None:
    """None when the text is a message to send (including `//text`, which sends `/text`)."""
    if not text.startswith("/") or text.startswith("//"):
        return None
    word, _, rest = text[1:].partition(" ")
    word = word.strip().lower()
    alias = ALIASES.get(word)
    if alias is not None:
        word, _, extra = alias.partition(" ")
        rest = f"{extra} {rest}".strip() if extra else rest
    names = [spec.name for spec in COMMANDS]
    if word not in names:
        close = difflib.get_close_matches(word, names, n=1)
        hint = f"did you mean /{close[0]}?" if close else "type /help for the list"
        raise CommandError(f"unknown command /{word}: {hint}")
    return ParsedCommand(word, rest.strip())


def message_text(text: str) -> str:
    """The text to send for composer input that is not a command (`//x` sends `/x`)."""
    return text[1:] if text.startswith("//") else text
