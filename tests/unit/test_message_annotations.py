"""A message's reply quote line, reactions and retraction as the log lays them out: counted as rendered, inert,
ours marked (ui/shared/annotations.py, ui/chat/message_lines.py)."""

from __future__ import annotations

from rich.cells import cell_len

from tests.unit.test_chat_log_lines import BOB, at, incoming, outgoing
from xmpptui.model.conversation import RETRACTED, ChatMessage, MessageKind, Reply, moderated_words
from xmpptui.ui.chat.message_lines import MessageLines
from xmpptui.ui.shared import annotations

ME = "alice@example.org"
ROOM = "lounge@conference.example.org"


def laid_out(messages: list[ChatMessage], width: int = 50) -> tuple[MessageLines, list[list[str]]]:
    from rich.console import Console

    console = Console(width=width, color_system=None)
    layout = MessageLines(messages, lambda: console, own_label="me", timestamp_format="%H:%M", hidden=frozenset(),
                          highlighted=None, own_reactor=lambda: ME)
    return layout, [[strip.text.rstrip() for strip in layout.lines(i, width)] for i in range(len(messages))]


def test_replies_reactions_and_retractions_are_counted_as_they_are_rendered() -> None:
    question = outgoing("shall we go to the [b]ball[/b]?", at(1, 10, 0))
    answer = incoming("yes", at(1, 10, 1))
    answer.reply_to = Reply("out-1", ME, "shall we go to the [b]ball[/b]? " * 5)
    answer.reactions = {ME: frozenset({"👍"}), "carol@example.org": frozenset({"👍", "🎉"}),
                        "x": frozenset({"\x1b[2J"})}
    gone = incoming("a secret", at(1, 10, 2))
    gone.body, gone.retracted = "", RETRACTED
    removed = incoming("", at(1, 10, 3))
    removed.retracted = moderated_words("a very long reason that will have to wrap over more than one line here")
    messages = [question, answer, gone, removed]
    for width in (40, 50, 120):  # (the prefix and the narrowest body fit in 40)
        layout, lines = laid_out(messages, width)
        assert [layout.count(i, width) for i in range(len(messages))] == [len(shown) for shown in lines]
        assert all(cell_len(line) <= width for shown in lines for line in shown)
    _, lines = laid_out(messages)
    assert lines[1][0].lstrip() == "↱ me: shall we go to the [b…", "one line, cut to the body's width, markup inert"
    assert "yes" in lines[1][1]
    assert lines[1][2].strip() == "👍 2  🎉 1  ␛[2J 1", "aggregated, most first; a control shown, not run"
    assert lines[2][-1].endswith("message retracted") and "secret" not in " ".join(lines[2])
    assert "removed by a moderator (a" in lines[3][0] and len(lines[3]) == 4, "wrapped under its prefix"


def test_our_reactions_are_marked_and_a_rooms_reply_names_the_nick() -> None:
    message = ChatMessage(ROOM, "bob", "ok", at(1, 9, 0), kind=MessageKind.GROUPCHAT,
                          reply_to=Reply("s1", f"{ROOM}/carol", "lunch?"))
    message.reactions = {"o:me": frozenset({"👍"}), "n:dave": frozenset({"🎉"})}
    line = annotations.reactions_line(message, "o:me")
    assert line.plain == "👍 1  🎉 1"
    assert [span.style for span in line.spans if line.plain[span.start:span.end].startswith("👍")] == ["reverse"]
    assert annotations.reply_line(message, "me", 40).plain == "↱ carol: lunch?"
    assert annotations.reply_name(incoming("x", 0.0), Reply("1", BOB), "me") == "bob"
