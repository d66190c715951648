"""The links found in a message's text (model/links.py) and how the log shows them (ui/shared/render.py)."""

from __future__ import annotations

import pytest
from rich.console import Console
from textual.strip import Strip

from xmpptui.model.conversation import Attachment, ChatMessage
from xmpptui.model.links import MAX_LINK, find_links, is_safe_link
from xmpptui.text import size_words
from xmpptui.ui.shared.render import attachment_line, linked, message_body


def urls(text: str) -> list[str]:
    return [link.url for link in find_links(text)]


@pytest.mark.parametrize(("text", "expected"), [
    ("see https://a.example/x.", ["https://a.example/x"]),
    ("(see https://a.example/x).", ["https://a.example/x"]),
    ("https://en.example/wiki/X_(y), then", ["https://en.example/wiki/X_(y)"]),
    ("[http://a.example/]", ["http://a.example/"]),
    ("HTTPS://A.example/p?q=1#f!", ["HTTPS://A.example/p?q=1#f"]),
    ("mailto:a@b.example, xmpp:room@conf.example?join and geo:37.786971,-122.399677;u=35?",
     ["mailto:a@b.example", "xmpp:room@conf.example?join", "geo:37.786971,-122.399677;u=35"]),
    ("<https://a.example/x>", ["https://a.example/x"]),
    ('"https://a.example/x"', ["https://a.example/x"]),
])
def test_links_end_before_the_punctuation_around_them(text: str, expected: list[str]) -> None:
    assert urls(text) == expected


@pytest.mark.parametrize("text", [
    "javascript:alert(1)", "file:///etc/passwd", "data:text/html,<b>x</b>", "ftp://a.example/x",
    "vbscript:msgbox", "xhttps://a.example", "http://", "https:///path", "mailto:", "xmpp:",
    "about:blank", "https://" + "a" * MAX_LINK,
])
def test_other_schemes_and_empty_or_huge_links_are_not_links(text: str) -> None:
    assert urls(text) == []


def test_a_link_stops_at_whitespace_controls_and_bidi_overrides() -> None:
    assert urls("https://a.example/x\u202eevil") == ["https://a.example/x"]
    assert urls("https://a.example/x\x1b]8;;evil") == ["https://a.example/x"]
    assert urls("https://a.example/x\tnext https://b.example") == ["https://a.example/x", "https://b.example"]


def test_positions_point_at_the_link_in_the_text() -> None:
    text = "go to https://a.example/x."
    (link,) = find_links(text)
    assert text[link.start:link.end] == link.url == "https://a.example/x"


def test_is_safe_link_takes_one_whole_link_only() -> None:
    assert is_safe_link("https://a.example/x")
    assert is_safe_link("xmpp:bob@example.org")
    assert not is_safe_link("https://a.example/x y")
    assert not is_safe_link("javascript:alert(1)")
    assert not is_safe_link("https://a.example/x.")


def test_links_are_styled_as_links_and_marked_without_osc8() -> None:
    text = linked("see https://a.example/x and javascript:alert(1) [b]not markup[/b]")
    assert text.plain == "see https://a.example/x and javascript:alert(1) [b]not markup[/b]"
    links = [(text.plain[span.start:span.end], span.style) for span in text.spans]
    assert len(links) == 1
    shown, style = links[0]
    assert shown == "https://a.example/x"
    assert not isinstance(style, str)
    assert style.link == "https://a.example/x" and style.underline and style.color is not None
    # Rendered for a terminal: an OSC 8 hyperlink around the link's text, nothing around the rest.
    console = Console(force_terminal=True, color_system="truecolor", width=200)
    with console.capture() as captured:
        console.print(text, end="")
    assert "\x1b]8;id=" in captured.get() and ";https://a.example/x\x1b\\" in captured.get()
    assert captured.get().count("\x1b]8;id=") == 1
    # And as Textual writes a log line (Strip.render): the same hyperlink, with its underline and colour.
    written = Strip(list(text.render(console))).render(console)
    assert ";https://a.example/x\x1b\\" in written and "\x1b[4;" in written


def test_text_around_links_is_still_made_inert() -> None:
    text = linked("a\x1b[31m https://a.example/x \u202eb")
    assert "\x1b" not in text.plain and "\u202e" not in text.plain
    assert "https://a.example/x" in text.plain


def test_an_attachment_shows_a_line_under_the_body() -> None:
    message = ChatMessage("bob@example.org", "bob@example.org", "https://up.example/f/cat.png", 0.0,
                          attachment=Attachment("https://up.example/f/cat.png", "cat\x1b[2J.png", 1536, "image/png"))
    lines = message_body(message).plain.split("\n")
    assert lines == ["https://up.example/f/cat.png", "📎 cat␛[2J.png · 1.5 KiB · image/png"]
    message.attachment = Attachment("https://up.example/f/cat.png", "cat.png", local_path="/home/a/cat.png")
    assert attachment_line(message.attachment).plain == "📎 cat.png · saved: /home/a/cat.png"


def test_file_sizes_in_words() -> None:
    assert [size_words(size) for size in (0, 1023, 1024, 5 * 1024 * 1024, 3 * 1024 ** 3)] == \
        ["0 bytes", "1023 bytes", "1.0 KiB", "5.0 MiB", "3.0 GiB"]


@pytest.mark.parametrize(("text", "expected"), [
    ("[see https://a.example/x] then", ["https://a.example/x"]),
    ("https://evil]y[/link]", ["https://evil"]),
    ("*https://a.example/b* and _https://c.example_", ["https://a.example/b", "https://c.example"]),
    ("https://en.example/wiki/A_(b)[c]", ["https://en.example/wiki/A_(b)[c]"]),
])
def test_a_bracket_the_link_did_not_open_ends_it_and_styling_markers_are_not_part_of_it(
        text: str, expected: list[str]) -> None:
    assert [link.url for link in find_links(text)] == expected
