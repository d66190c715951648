"""ui/shared/render.py: remote strings become inert rich Text; glyphs, contact lines, messages, the status line."""

from __future__ import annotations

import time

import pytest
from rich.errors import MarkupError
from rich.text import Text

from xmpptui.model.conversation import ChatMessage, DeliveryState, Direction, MessageKind
from xmpptui.model.presence import Presence, Show
from xmpptui.model.roster import Contact, Subscription
from xmpptui.model.state import ConnectionState, ConnectionStatus
from xmpptui.ui.shared import render


@pytest.mark.parametrize(("raw", "shown"), [
    ("\x1b[31mred", "␛[31mred"),
    ("a\x00b", "a␀b"),
    ("bell\x07", "bell␇"),
    ("\x7f", "␡"),
    ("next\x85line", "next<U+0085>line"),
    ("\x9b31m", "<U+009B>31m"),
    ("abc\u202edcba", "abc<U+202E>dcba"),
    ("\u2066x\u2069", "<U+2066>x<U+2069>"),
    ("\u200fx", "<U+200F>x"),
    ("a\tb", "a    b"),
    ("plain text, ünïcödé, 漢字", "plain text, ünïcödé, 漢字"),
])
def test_sanitize_makes_controls_visible(raw: str, shown: str) -> None:
    assert render.sanitize(raw) == shown


def test_sanitize_single_line_joins_lines() -> None:
    assert render.sanitize("a\nb\n\nc", single_line=True) == "a b  c"
    assert render.sanitize("a\nb") == "a\nb"





def test_sanitize_normalises_crlf_and_cr_to_newlines() -> None:
    assert render.sanitize("one\r\ntwo\rthree\nfour") == "one\ntwo\nthree\nfour"



def test_sanitize_single_line_turns_crlf_and_cr_into_spaces() -> None:
    assert render.sanitize("a\r\nb\nc\rd", single_line=True) == "a b c d"


def test_sanitize_never_leaves_a_carriage_return() -> None:
    assert "\r" not in render.sanitize("a\r\nb\rc")
    assert "\r" not in render.sanitize("a\r\nb\rc", single_line=True)


@pytest.mark.parametrize("raw", ["[bold red]x[/]", "[/foo]", "[@click=app.quit]click me[/]", "[link=http://x]y",
                                 "\\[escaped]", ":smile:", "[red]unclosed"])
def test_plain_never_interprets_markup(raw: str) -> None:
    text = render.plain(raw)
    assert text.plain == raw
    assert text.spans == []
    assert str(text.style) == ""


def test_plain_survives_what_markup_parsing_rejects() -> None:
    with pytest.raises(MarkupError):
        Text.from_markup("[/foo]")  # shows that the input is hostile to markup parsing
    assert render.plain("[/foo]").plain == "[/foo]"


def test_plain_applies_only_the_given_style() -> None:
    text = render.plain("[bold]x[/bold]", "italic")
    assert text.style == "italic" and text.spans == []


def test_presence_glyphs_are_distinct_per_show() -> None:
    glyphs = [render.presence_glyph(Presence(show)).plain for show in Show]
    assert len(set(glyphs)) == len(Show)
    assert render.NO_PERMISSION_GLYPH not in glyphs
    assert set(render.PRESENCE_GLYPHS) == set(Show)


def test_contact_without_permission_shows_a_question_mark_until_presence_arrives() -> None:
    contact = Contact("bob@example.org", subscription=Subscription.NONE)
    assert render.presence_glyph(Presence(Show.OFFLINE), contact).plain == render.NO_PERMISSION_GLYPH
    assert render.presence_glyph(Presence(Show.AWAY), contact).plain == render.PRESENCE_GLYPHS[Show.AWAY]
    both = Contact("bob@example.org", subscription=Subscription.BOTH)
    assert render.presence_glyph(Presence(Show.OFFLINE), both).plain == render.PRESENCE_GLYPHS[Show.OFFLINE]


def test_contact_line_shows_name_marks_unread_and_status_inertly() -> None:
    contact = Contact("bob@example.org", "Bob [bold]\x1b", subscription=Subscription.TO, pending_out=True)
    line = render.contact_line(contact, Presence(Show.DND, "busy\nreally [red]"), unread=3)
    assert line.plain == f"{render.PRESENCE_GLYPHS[Show.DND]} Bob [bold]␛ →… waiting for approval (3) busy really [red]"
    assert "\n" not in line.plain


def test_contact_line_without_name_uses_the_jid() -> None:
    line = render.contact_line(Contact("carol@example.org", subscription=Subscription.BOTH), Presence())
    assert line.plain == f"{render.PRESENCE_GLYPHS[Show.ONLINE]} carol@example.org"


def test_nick_style_is_stable_and_from_the_palette() -> None:
    assert render.nick_style("bob@example.org") == render.nick_style("bob@example.org")
    assert render.nick_style("bob@example.org") in render.NICK_COLOURS


def _message(**kwargs: object) -> ChatMessage:
    defaults: dict[str, object] = {"conversation": "bob@example.org", "sender": "bob@example.org/desk",
                                   "body": "hi", "timestamp": time.mktime((2024, 5, 1, 9, 5, 0, 0, 0, -1))}
    defaults.update(kwargs)
    return ChatMessage(**defaults)  # type: ignore[arg-type]


def test_message_prefix_for_incoming_outgoing_and_notices() -> None:
    assert render.message_prefix(_message(), "me", "%H:%M").plain == "09:05 bob@example.org/desk "
    assert render.message_prefix(_message(direction=Direction.OUT), "me", "%H:%M").plain == "09:05 me "
    assert render.message_prefix(_message(kind=MessageKind.NOTICE), "me", "%H:%M").plain == "09:05 * "
    assert render.message_prefix(_message(kind=MessageKind.ERROR), "me", "%H:%M").plain == "09:05 ! "


def test_message_prefix_sanitises_the_sender() -> None:
    prefix = render.message_prefix(_message(sender="bob\u202e@x/\x1b[2J"), "me", "%H:%M")
    assert prefix.plain == "09:05 bob<U+202E>@x/␛[2J "


def test_message_body_is_inert_and_failed_messages_say_why() -> None:
    body = render.message_body(_message(body="[bold]x[/] \x1b"))
    assert body.plain == "[bold]x[/] ␛"
    assert body.spans == []
    failed = render.message_body(_message(direction=Direction.OUT, state=DeliveryState.FAILED,
                                          error="service-unavailable: recipient is offline"))
    assert failed.plain == "hi\n✗ not delivered: service-unavailable: recipient is offline"


def test_day_separator_names_the_day() -> None:
    stamp = time.mktime((2024, 5, 1, 23, 59, 0, 0, 0, -1))
    assert render.day_separator(stamp).plain.strip() == "Wednesday 01 May 2024"
    assert render.day_of(stamp) == (2024, 5, 1)


ONLINE = ConnectionStatus(ConnectionState.ONLINE)


def test_status_line_shows_insecure_when_online_without_tls() -> None:
    line = render.status_line("alice@example.org", Presence(Show.AWAY, "lunch", 2),
                              ConnectionStatus(ConnectionState.ONLINE, secure=False))
    assert "INSECURE" in line.plain
    assert line.plain.startswith(f"alice@example.org  {render.PRESENCE_GLYPHS[Show.AWAY]} away · lunch · priority 2")


@pytest.mark.parametrize("status", [ONLINE, ConnectionStatus(ConnectionState.CONNECTING, secure=False),
                                    ConnectionStatus(ConnectionState.OFFLINE, secure=False)])
def test_status_line_is_not_insecure_when_secure_or_not_online(status: ConnectionStatus) -> None:
    line = render.status_line("alice@example.org", Presence(), status)
    assert "INSECURE" not in line.plain
    assert render.CONNECTION_WORDS[status.state] in line.plain


def test_status_line_shows_the_reason_inertly() -> None:
    line = render.status_line("alice@example.org", Presence(Show.OFFLINE),
                              ConnectionStatus(ConnectionState.OFFLINE, reason="[bold]bad\nthing\x1b"))
    assert line.plain.endswith("disconnected: [bold]bad thing␛")


@pytest.mark.parametrize("state", list(ConnectionState))
def test_status_line_says_each_word_once(state: ConnectionState) -> None:
    """Our presence and the connection are in different words: never "online · … │ online" (#17)."""
    line = render.status_line("alice@example.org", Presence(Show.ONLINE), ConnectionStatus(state))
    assert line.plain.count("online") <= 1 and line.plain.count("offline") <= 1, line.plain
