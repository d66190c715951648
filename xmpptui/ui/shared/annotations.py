"""What shows around a message's body: the quote line of the message it answers (XEP-0461) and its reactions
aggregated (XEP-0444). Remote text made inert, as everywhere (render.plain)."""

from __future__ import annotations

from collections import Counter

from rich.text import Text

from xmpptui.model.conversation import ChatMessage, MessageKind, Reply
from xmpptui.ui.shared.render import plain

QUOTE_STYLE = "dim italic"
OWN_REACTION_STYLE = "reverse"
"""Our own reactions among the others (a mark that needs no colour)."""


def reply_name(message: ChatMessage, reply: Reply, own_label: str) -> str:
    """Who wrote the message `reply` answers: a room's nick; in a chat the peer's local part, or `own_label` when
    it was ours (the address it names is not the conversation's)."""
    if message.kind is MessageKind.GROUPCHAT:
        return reply.to.partition("/")[2] or reply.to
    if not reply.to:
        return ""
    bare = reply.to.partition("/")[0]
    return (bare.partition("@")[0] or bare) if bare == message.conversation else own_label


def reply_line(message: ChatMessage, own_label: str, width: int) -> Text:
    """`↱ NAME: quote…`, one line at most `width` cells, dimmed."""
    reply = message.reply_to
    if reply is None:
        return Text("")
    name = reply_name(message, reply, own_label)
    line = Text("↱ ", style=QUOTE_STYLE, end="")
    line.append_text(plain(f"{name}: " if name else "", f"bold {QUOTE_STYLE}", single_line=True))
    line.append_text(plain(reply.quote or "…", QUOTE_STYLE, single_line=True))
    line.truncate(max(width, 1), overflow="ellipsis")
    return line


def reaction_counts(message: ChatMessage) -> Counter[str]:
    """Each emoji and how many reacted with it, most first (then in the order they came)."""
    return Counter(emoji for emojis in message.reactions.values() for emoji in sorted(emojis))


def reactions_line(message: ChatMessage, own_reactor: str) -> Text:
    """`👍 2  🎉 1`: each emoji and how many reacted with it; ours marked."""
    ours = message.reactions.get(own_reactor, frozenset()) if own_reactor else frozenset()
    line = Text(end="")
    for number, (emoji, count) in enumerate(reaction_counts(message).most_common()):
        if number:
            line.append("  ")
        line.append_text(plain(f"{emoji} {count}", OWN_REACTION_STYLE if emoji in ours else "", single_line=True))
    return line
