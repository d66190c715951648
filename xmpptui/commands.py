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
    CommandSpec("correct", "/correct TEXT", "replace your last message here (or press Up in an empty composer)"),
    CommandSpec("retry", "/retry", "send this conversation's failed messages again (Alt+R)"),
    CommandSpec("search", "/search TEXT", "search the history of all conversations"),
    CommandSpec("find", "/find TEXT", "search the history of this conversation"),
    CommandSpec("upload", "/upload PATH", "send a file here (HTTP File Upload): its link goes as a message once it "
                "is up; `~` is your home directory, Tab completes; one cut off is offered again (Enter retries)"),
    CommandSpec("cancel", "/cancel", "stop the download or upload under way here (or Escape); nothing is kept "
                "or sent"),
    CommandSpec("open", "/open [N]", "open the Nth latest link here (1, the default) in the browser ($BROWSER); "
                "an xmpp: link opens its chat or room here"),
    CommandSpec("download", "/download [N]", "save the Nth latest file or link here (1, the default) in the "
                "downloads directory, with progress; Escape or /cancel stops it"),
    CommandSpec("preview", "/preview on|off", "show this conversation's images as thumbnails, or not (fetching "
                "tells their server your address)"),
    CommandSpec("edit", "/edit [TEXT]", "write the message in $VISUAL / $EDITOR (Alt+E); it comes back here, unsent"),
    CommandSpec("add", "/add [JID [name]]", "add a contact and ask to see their presence (no JID: a dialog with "
                "name and groups)"),
    CommandSpec("rename", "/rename JID name", "rename a contact"),
    CommandSpec("group", "/group JID group[, group…]", "put a contact in these groups (none: ungrouped)"),
    CommandSpec("remove", "/remove JID", "remove a contact (asks first; cancels subscriptions both ways)"),
    CommandSpec("authorize", "/authorize JID", "let JID see your presence (accept a request, or grant it again)"),
    CommandSpec("deny", "/deny JID", "refuse a request, or stop JID seeing your presence"),
    CommandSpec("subscribe", "/subscribe JID", "ask to see JID's presence (again)"),
    CommandSpec("unsubscribe", "/unsubscribe JID", "stop seeing JID's presence (they keep seeing yours)"),
    CommandSpec("block", "/block JID", "block JID (XEP-0191): nothing of theirs reaches you"),
    CommandSpec("unblock", "/unblock JID", "unblock JID"),
    CommandSpec("blocked", "/blocked", "list blocked JIDs (u unblocks)"),
    CommandSpec("info", "/info [JID]", "contact details: subscription, resources, vCard, last activity"),
    CommandSpec("presence", "/presence JID online|chat|away|xa|dnd|offline [text]",
                "send your presence to one JID only"),
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
    CommandSpec("invite", "/invite JID [reason]",
                "invite someone to the current room (through the room if it is members-only, else directly)"),
    CommandSpec("configure", "/configure", "edit the current room's configuration (owners)"),
    CommandSpec("voice", "/voice", "as a visitor, ask the room's moderators for voice"),
    CommandSpec("kick", "/kick NICK [reason]", "remove an occupant from the room (moderators)"),
    CommandSpec("ban", "/ban NICK [reason]", "ban an occupant from the room (admins)"),
    CommandSpec("role", "/role NICK moderator|participant|visitor|none", "change an occupant's role"),
    CommandSpec("affiliation", "/affiliation JID owner|admin|member|outcast|none",
                "change someone's affiliation with the room"),
    CommandSpec("notify", "/notify all|mentions|none", "which messages here notify you (saved in the config)"),
    CommandSpec("console", "/console", "the XML console: stanzas in and out, filtered; send a raw stanza (Alt+X)"),
    CommandSpec("help", "/help", "list commands and keys"),
    CommandSpec("quit", "/quit", "log out and quit"),
)
ALIASES = {"q": "quit", "exit": "quit", "query": "chat", "away": "status away", "prio": "priority",
           "whois": "info", "sub": "subscribe", "unsub": "unsubscribe", "auth": "authorize",
           "topic": "subject", "leave": "part", "j": "join", "config": "configure", "attach": "upload"}


SHOW_VALUES = ("online", "chat", "away", "xa", "dnd", "offline")
ROLE_VALUES = ("moderator", "participant", "visitor", "none")
AFFILIATION_VALUES = ("owner", "admin", "member", "outcast", "none")

ARGUMENTS: dict[str, tuple[str, ...]] = {
    "chat": ("jid",), "add": ("jid",), "rename": ("jid",), "group": ("jid",), "remove": ("jid",),
    "authorize": ("jid",), "deny": ("jid",), "subscribe": ("jid",), "unsubscribe": ("jid",), "block": ("jid",),
    "unblock": ("jid",), "info": ("jid",), "invite": ("jid",), "presence": ("jid", "show"), "status": ("show",),
    "msg": ("nick|jid",), "kick": ("nick",), "ban": ("nick",), "role": ("nick", "role"),
    "affiliation": ("jid", "affiliation"), "join": ("room",), "bookmark": ("noautojoin",), "upload": ("path",),
    "preview": ("toggle",),
}
"""What Tab completes in each argument of a command, by position: `jid` (the roster), `room` (bookmarks and
rooms we are in), `nick` (the current room's occupants), `path` (files), `a|b` both, or a fixed list of words
(`show`, `role`, `affiliation`, or the word itself); arguments after the last listed are free text."""


def argument_words(kind: str) -> tuple[str, ...]:
    """The fixed words an argument kind stands for (empty for kinds completed from the session or the disk)."""
    fixed = {"show": SHOW_VALUES, "role": ROLE_VALUES, "affiliation": AFFILIATION_VALUES, "toggle": ("on", "off")}
    if kind in fixed:
        return fixed[kind]
    return () if kind in ("jid", "room", "nick", "path") or "|" in kind else (kind,)


def resolve(word: str) -> str:
    """The command a (possibly aliased) name typed after `/` stands for, lower-cased; unknown names unchanged."""
    word = word.strip().lower()
    return ALIASES.get(word, word).partition(" ")[0]


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


def is_message(text: str) -> bool:
    """Whether composer text is (the start of) a message rather than a command."""
    return not text.startswith("/") or text.startswith("//")


def message_text(text: str) -> str:
    """The text to send for composer input that is not a command (`//x` sends `/x`)."""
    return text[1:] if text.startswith("//") else text
