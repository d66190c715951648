"""Model values -> rich Text. The one place remote strings are made inert (never markup, no controls)."""

from __future__ import annotations

import colorsys
import hashlib
import time

from rich.style import Style
from rich.text import Text

from xmpptui.model.contacts import PendingRequest
from xmpptui.model.conversation import WRITTEN_KINDS, Attachment, ChatMessage, DeliveryState, Direction, MessageKind
from xmpptui.model.links import find_links
from xmpptui.model.presence import OFFLINE, Presence, Show
from xmpptui.model.room import Bookmark, RoomState
from xmpptui.model.roster import Contact, Subscription
from xmpptui.model.state import ConnectionState, ConnectionStatus
from xmpptui.text import sanitize, size_words
from xmpptui.ui.shared.styling import styled


def plain(value: str, style: str = "", *, single_line: bool = False) -> Text:
    """Remote text as an inert `Text`: markup stays literal, controls are visible placeholders."""
    return Text(sanitize(value, single_line=single_line), style=style, end="")


# Presence --------------------------------------------------------------------------------------

PRESENCE_GLYPHS = {
    Show.CHAT: "★",
    Show.ONLINE: "●",
    Show.AWAY: "◐",
    Show.XA: "◌",
    Show.DND: "⊘",
    Show.OFFLINE: "○",
}
"""One distinct shape per show, so presence reads without colour."""
NO_PERMISSION_GLYPH = "?"

PRESENCE_STYLES = {
    Show.CHAT: "bold green",
    Show.ONLINE: "green",
    Show.AWAY: "yellow",
    Show.XA: "dark_orange",
    Show.DND: "red",
    Show.OFFLINE: "bright_black",
}

SHOW_WORDS = {
    Show.CHAT: "free for chat",
    Show.ONLINE: "online",
    Show.AWAY: "away",
    Show.XA: "extended away",
    Show.DND: "do not disturb",
    Show.OFFLINE: "offline",
}


def presence_glyph(presence: Presence, contact: Contact | None = None) -> Text:
    if contact is not None and not contact.subscription.can_see_presence and not presence.available:
        return Text(NO_PERMISSION_GLYPH, style="bright_black")
    return Text(PRESENCE_GLYPHS[presence.show], style=PRESENCE_STYLES[presence.show])


def subscription_mark(contact: Contact) -> str:
    """Compact roster mark: nothing for `both`; arrows for one-way; `…` while a request is pending."""
    marks = {Subscription.BOTH: "", Subscription.TO: "→", Subscription.FROM: "←", Subscription.NONE: "×"}
    return marks.get(contact.subscription, "") + ("…" if contact.pending_out else "")


def contact_line(contact: Contact, presence: Presence, unread: int = 0, *, blocked: bool = False) -> Text:
    line = Text(end="", no_wrap=True, overflow="ellipsis")
    line.append_text(presence_glyph(presence, contact))
    line.append(" ")
    line.append_text(plain(contact.display_name, "bold" if presence.available else "", single_line=True))
    mark = subscription_mark(contact)
    if mark:
        line.append(f" {mark}", style="bright_black")
    if contact.pending_out:
        line.append(" waiting for approval", style="italic")
    if blocked:
        line.append(" ⊗ blocked", style="bold red")
    if unread:
        line.append(f" ({unread})", style="bold magenta")
    if presence.status:
        line.append(" ")
        line.append_text(plain(presence.status, "italic bright_black", single_line=True))
    return line


def bookmark_line(bookmark: Bookmark, state: RoomState | None) -> Text:
    """A bookmarked room in the roster: its name (else its JID), whether we are in it (`state`: None when
    we hold no such room), whether it is joined on login, and the JID after a name."""
    joined = state is RoomState.JOINED
    line = Text("  ", end="", no_wrap=True, overflow="ellipsis")
    line.append("# ", style="bold green" if joined else "bright_black")
    line.append_text(plain(bookmark.name or bookmark.room, "bold" if joined else "", single_line=True))
    if joined:
        line.append(" · joined", style="green")
    elif state is RoomState.JOINING:
        line.append(" · joining", style="italic")
    if bookmark.autojoin:
        line.append(" · autojoin", style="italic bright_black")
    if bookmark.name:  # last: in a narrow pane the address is what is cut off
        line.append(" ")
        line.append_text(plain(bookmark.room, "bright_black", single_line=True))
    return line


def request_line(request: PendingRequest) -> Text:
    """A pending subscription request in the roster: who, their nick and text, all literal."""
    line = Text("  ", end="", no_wrap=True, overflow="ellipsis")
    line.append("✉ ", style="bold yellow")
    line.append_text(plain(request.jid, "bold", single_line=True))
    if request.nick:
        line.append(" (")
        line.append_text(plain(request.nick, single_line=True))
        line.append(")")
    line.append(" asks to see your presence", style="italic")
    if request.status:
        line.append(": ")
        line.append_text(plain(request.status, "italic bright_black", single_line=True))
    return line


# Messages --------------------------------------------------------------------------------------

def _wheel(steps: int) -> tuple[str, ...]:
    """`steps` colours evenly around the hue circle, light and saturated enough for dark and light themes."""
    colours = []
    for step in range(steps):
        red, green, blue = colorsys.hls_to_rgb(step / steps, 0.62, 0.7)
        colours.append(f"#{round(red * 255):02x}{round(green * 255):02x}{round(blue * 255):02x}")
    return tuple(colours)


NICK_COLOURS = _wheel(36)
"""The hue circle in 10° steps: every nick colour is one of these."""


def nick_style(nick: str) -> str:
    """A stable colour per nick, the same in every run and close to other clients': the hue angle of
    XEP-0392 (consistent colour generation: SHA-1 of the nick, its first two bytes little-endian, as a
    fraction of the circle), rounded to the nearest of `NICK_COLOURS`."""
    digest = hashlib.sha1(nick.encode("utf-8", "replace"), usedforsecurity=False).digest()
    angle = int.from_bytes(digest[:2], "little") / 65536
    return NICK_COLOURS[round(angle * len(NICK_COLOURS)) % len(NICK_COLOURS)]


def day_of(timestamp: float) -> tuple[int, int, int]:
    local = time.localtime(timestamp)
    return local.tm_year, local.tm_mon, local.tm_mday


def day_separator(timestamp: float) -> Text:
    return Text(time.strftime(" %A %d %B %Y ", time.localtime(timestamp)), style="bold bright_black", end="")


DELIVERY_MARKS = {
    DeliveryState.PENDING: ("◷", "yellow"),  # not yet acknowledged by the server
    DeliveryState.SENT: ("✓", "bright_black"),  # the server has it
    DeliveryState.DELIVERED: ("✓✓", "bright_black"),  # the recipient's client has it (receipt)
    DeliveryState.DISPLAYED: ("◉", "green"),  # the recipient has seen it (marker)
}
"""After our own name: how far each message has got. Failed ones say why under the text instead."""
EDITED_MARK = " (edited)"

ACTION_PREFIX = "/me "
"""A message starting with this is an action (XEP-0245): `* bob waves`."""


def is_action(message: ChatMessage) -> bool:
    return message.kind in (MessageKind.CHAT, MessageKind.GROUPCHAT, MessageKind.NORMAL) and \
        message.body.startswith(ACTION_PREFIX)


def shown_body(message: ChatMessage) -> str:
    """The body as the log shows it (an action without its `/me `)."""
    return message.body[len(ACTION_PREFIX):] if is_action(message) else message.body


_CLIENT_MARKS = {MessageKind.ERROR: "!", MessageKind.NOTICE: "*", MessageKind.HEADLINE: "»", MessageKind.OCCUPANT: "·"}


def sender_name(message: ChatMessage, own_label: str, style: str = "bold") -> Text:
    """Who wrote a message, one name everywhere (log, search): our nick in a room, `own_label` in a chat (the
    sender of our own chat messages is our JID, which is not how we call ourselves), else the sender."""
    if message.direction is Direction.OUT and not (message.kind is MessageKind.GROUPCHAT and message.sender):
        return Text(own_label, style=style, end="")
    return plain(message.sender, style, single_line=True)


def delivery_mark(message: ChatMessage) -> Text:
    """How far our message got (◷ ✓ ✓✓ ◉), and ⇆ if it was sent from another of our clients; empty for
    others' messages."""
    mark = Text(end="")
    if message.direction is Direction.OUT:
        if message.state in DELIVERY_MARKS:
            mark.append(*DELIVERY_MARKS[message.state])
        if message.carbon:
            mark.append("⇆", style="bright_black")
    return mark


def message_prefix(message: ChatMessage, own_label: str, timestamp_format: str) -> Text:
    """`12:01 bob ` (or `12:01 * ` for notices, `12:01 * bob ` for actions): what stands before the body. Our
    own messages carry their delivery mark after the name; an action carries it after its text (`* me waves
    ✓`), where it does not read as part of the name."""
    prefix = Text(end="", no_wrap=True)
    prefix.append(time.strftime(timestamp_format, time.localtime(message.timestamp)),
                  style="bright_black italic" if message.delayed else "bright_black")
    prefix.append(" ")
    if message.kind in _CLIENT_MARKS:
        prefix.append(_CLIENT_MARKS[message.kind], style="bold red" if message.kind is MessageKind.ERROR else
                      "bright_black" if message.kind is MessageKind.OCCUPANT else "bold")
        prefix.append(" ")
        return prefix
    if is_action(message):
        prefix.append("* ", style="bold")
    if message.direction is Direction.OUT:
        prefix.append_text(sender_name(message, own_label))
        if not is_action(message):
            prefix.append_text(delivery_mark(message))
    else:
        style = f"bold {nick_style(message.sender)}" + (" reverse" if message.mention else "")
        prefix.append_text(plain(message.sender, style, single_line=True))
    prefix.append(" ")
    return prefix


def typing_line(name: str, chat_state: str) -> Text:
    """What the peer is doing, for the conversation header (XEP-0085); empty when nothing to say."""
    words = {"composing": "is typing…", "paused": "stopped typing", "inactive": "is not looking"}.get(chat_state)
    if words is None:
        return Text("")
    line = plain(name, "bold", single_line=True)
    line.append(f" {words}", style="italic")
    return line


LINK_STYLE = "underline bright_blue"
"""How a link looks where the terminal does not make it clickable (no OSC 8): still told apart from text."""


def linked(value: str, style: str = "") -> Text:
    """Remote text as `plain` does, with each link of a safe scheme (model/links.py) styled as a link: Textual
    writes a segment whose style has a `link` as an OSC 8 hyperlink (textual/strip.py `render_style`), which
    terminals without OSC 8 ignore, so it is also underlined and coloured. A link holds no control or bidi
    character (find_links stops at them), so its text is shown as it is."""
    text = Text(end="", style=style)
    at = 0
    for link in find_links(value):
        if link.start > at:
            text.append(sanitize(value[at:link.start]))
        text.append(link.url, Style.parse(LINK_STYLE) + Style(link=link.url))
        at = link.end
    text.append(sanitize(value[at:]))
    return text


def attachment_line(attachment: Attachment) -> Text:
    """`📎 name · 1.2 MiB · image/png · saved: /path`: the file a message shares, under its text. The name and
    type are the sender's claims, shown inert; the path is ours."""
    line = Text("📎 ", end="")
    line.append_text(plain(attachment.name or "(no name)", "bold", single_line=True))
    if attachment.size is not None:
        line.append(f" · {size_words(attachment.size)}")
    if attachment.media_type:
        line.append(" · ")
        line.append_text(plain(attachment.media_type, single_line=True))
    if attachment.local_path:
        line.append(" · saved: ", style="green")
        line.append_text(plain(attachment.local_path, single_line=True))
    return line


def message_body(message: ChatMessage, *, styling: bool = True) -> Text:
    """The text under a message's prefix; `styling`: apply its XEP-0393 styling (`[ui] styling`)."""
    if message.retracted:  # (its text is gone: the words saying so, from the model, instead)
        return plain(message.retracted, "italic bright_black")
    style = {MessageKind.ERROR: "red", MessageKind.NOTICE: "italic", MessageKind.HEADLINE: "italic",
             MessageKind.OCCUPANT: "italic bright_black"}.get(message.kind, "")
    if message.mention:
        style = "bold"
    elif is_action(message):
        style = "italic"
    body = linked(shown_body(message), style)
    if styling and message.kind in WRITTEN_KINDS:
        styled(body)
    if message.edited:
        body.append(EDITED_MARK, style="italic bright_black")
    if is_action(message) and message.direction is Direction.OUT and (mark := delivery_mark(message)).plain:
        body.append(" ")
        body.append_text(mark)
    if message.attachment is not None:
        body.append("\n")
        body.append_text(attachment_line(message.attachment))
    if message.state is DeliveryState.FAILED:
        body.append("\n")
        body.append_text(plain(f"✗ not delivered: {message.error}", "bold red"))
    return body


def chat_header(name: str, jid: str, presence: Presence, resource: str) -> Text:
    """`Bob  bob@example.org  ◐ away · at the ball  → laptop`: a 1:1 chat's header. `name`: the roster's
    name (may be empty); `resource`: the one the conversation is locked to, empty when it goes to the bare JID
    (the server picks)."""
    line = Text(end="", no_wrap=True, overflow="ellipsis")
    if name and name != jid:
        line.append_text(plain(name, "bold", single_line=True))
        line.append("  ")
        line.append_text(plain(jid, "bright_black", single_line=True))
    else:
        line.append_text(plain(jid, "bold", single_line=True))
    line.append("  ")
    line.append_text(presence_glyph(presence))
    line.append(f" {SHOW_WORDS[presence.show]}")
    if presence.status:
        line.append(" · ")
        line.append_text(plain(presence.status, "italic", single_line=True))
    line.append("  → ", style="bright_black")
    if resource:
        line.append_text(plain(resource, single_line=True))
    else:
        line.append("any client", style="italic bright_black")  # the bare JID: the server picks
    return line


# Status bar ------------------------------------------------------------------------------------

CONNECTION_STYLES = {
    ConnectionState.ONLINE: "green",
    ConnectionState.CONNECTING: "yellow",
    ConnectionState.RECONNECTING: "yellow",
    ConnectionState.OFFLINE: "red",
}
CONNECTION_WORDS = {
    ConnectionState.ONLINE: "connected",
    ConnectionState.CONNECTING: "connecting",
    ConnectionState.RECONNECTING: "reconnecting",
    ConnectionState.OFFLINE: "disconnected",
}
"""The connection's state in other words than a presence's, so the status bar never says "online" or
"offline" twice (our presence is beside it)."""


def status_line(jid: str, presence: Presence, connection: ConnectionStatus) -> Text:
    line = Text(end="", no_wrap=True, overflow="ellipsis")
    line.append_text(plain(jid, "bold", single_line=True))
    if connection.state is not ConnectionState.ONLINE:
        presence = OFFLINE  # without a session nobody sees our presence, whatever it will be when we are back
    line.append("  ")
    line.append_text(presence_glyph(presence))
    line.append(f" {SHOW_WORDS[presence.show]}")
    if presence.status:
        line.append(" · ")
        line.append_text(plain(presence.status, "italic", single_line=True))
    line.append(f" · priority {presence.priority}")
    line.append("  │  ")
    line.append(CONNECTION_WORDS[connection.state], style=CONNECTION_STYLES[connection.state])
    if connection.state is ConnectionState.ONLINE and not connection.secure:
        line.append(" ⚠ INSECURE (no TLS)", style="bold red")
    if connection.reason:
        line.append(": ")
        line.append_text(plain(connection.reason, single_line=True))
    return line
