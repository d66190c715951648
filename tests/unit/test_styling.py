"""ui/shared/styling.py: XEP-0393 message styling found by the rules (every example of the XEP's §5 blocks and
§6 spans), shown as spans on inert Text with the markers dimmed, in linear time; `[ui] styling = false`."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from rich.console import Console
from rich.style import Style
from rich.text import Text

from xmpptui import config
from xmpptui.config import ConfigError
from xmpptui.model.conversation import ChatMessage, MessageKind
from xmpptui.ui.chat.message_lines import MessageLines
from xmpptui.ui.shared import render
from xmpptui.ui.shared.styling import Kind, spans, styled

STRONG, EMPHASIS, STRIKE, PRE, QUOTE, MARKER = (Kind.STRONG, Kind.EMPHASIS, Kind.STRIKE, Kind.PRE, Kind.QUOTE,
                                                Kind.MARKER)
CONSOLE = Console(width=80, color_system="truecolor", force_terminal=True, legacy_windows=False)


def parts(body: str) -> list[tuple[str, str]]:
    """The styled stretches of `body` other than markers, as (text, kind), in order."""
    found = sorted(((start, end, kind) for start, end, kind in spans(body) if kind != MARKER),
                   key=lambda span: span[0])
    return [(body[start:end], kind) for start, end, kind in found]


def markers(body: str) -> list[int]:
    """Where the markers are: every offset they cover but whitespace (a quote's marker takes the space trimmed
    after its `>` with it)."""
    return sorted(offset for start, end, kind in spans(body) if kind == MARKER for offset in range(start, end)
                  if not body[offset].isspace())


def style_at(text: Text, offset: int) -> Style:
    return text.get_style_at_offset(CONSOLE, offset)


# §6 Spans --------------------------------------------------------------------------------------

@pytest.mark.parametrize(("body", "expected"), [
    ("plain span", []),
    ("*strong span*", [("*strong span*", STRONG)]),
    ("plain _emphasis_ plain", [("_emphasis_", EMPHASIS)]),
    ("`pre` plain *strong*", [("`pre`", PRE), ("*strong*", STRONG)]),
    ("*strong*plain*", [("*strong*", STRONG)]),
    ("* plain *strong*", [("*strong*", STRONG)]),
])
def test_spans_the_xep_styles(body: str, expected: list[tuple[str, str]]) -> None:
    assert parts(body) == expected


@pytest.mark.parametrize("body", ["not strong*", "*not strong", "*not \n strong*", "*not *strong", "**", "***",
                                  "****"])
def test_spans_the_xep_leaves_plain(body: str) -> None:
    assert spans(body) == []


@pytest.mark.parametrize(("body", "expected"), [
    ("Two spans, both *alike in dignity*", [("*alike in dignity*", STRONG)]),  # §6.1
    ("The full title is _Twelfth Night, or What You Will_ but\n_most_ people shorten it.",  # §6.2
     [("_Twelfth Night, or What You Will_", EMPHASIS), ("_most_", EMPHASIS)]),
    ('The full title is "Twelfth Night, or What You Will" but\n*most* people shorten it.',  # §6.3
     [("*most*", STRONG)]),
    ("Everyone ~dis~likes cake.", [("~dis~", STRIKE)]),  # §6.4
    ("This is `monospace`", [("`monospace`", PRE)]),  # §6.5
    ("This is `*monospace*`", [("`*monospace*`", PRE)]),  # no strong inside a preformatted span
    ("This is *`monospace and bold`*", [("*`monospace and bold`*", STRONG), ("`monospace and bold`", PRE)]),
    ("Wow, I can write in `monospace`!", [("`monospace`", PRE)]),
])
def test_span_sections_examples(body: str, expected: list[tuple[str, str]]) -> None:
    assert parts(body) == expected


def test_markers_are_the_directives_of_each_span() -> None:
    body = "a *b* _c_ ~d~ `e`"
    assert [body[offset] for offset in markers(body)] == list("**__~~``")


@pytest.mark.parametrize(("body", "expected"), [
    # Lazily matched: the first valid closer closes, so a span never holds another of its own directive.
    ("*a *b* c*", [("*a *b*", STRONG)]),
    # Spans nest but never overlap: a child cannot close outside its parent.
    ("*this cannot _overlap*_", [("*this cannot _overlap*", STRONG)]),
    ("_*both*_", [("_*both*_", EMPHASIS), ("*both*", STRONG)]),
    ("*_~`all`~_*", [("*_~`all`~_*", STRONG), ("_~`all`~_", EMPHASIS), ("~`all`~", STRIKE), ("`all`", PRE)]),
    ("_no pre `with *children*`_", [("_no pre `with *children*`_", EMPHASIS), ("`with *children*`", PRE)]),
    # An opener that never closes is no directive, and does not hide a later span.
    ("*a _b_ c", [("_b_", EMPHASIS)]),
    # The opener comes at the start, after whitespace (any Unicode whitespace) or after another opener.
    ("a*b*", []),
    ("x *y*z", [("*y*", STRONG)]),
    ("(*no*)", []),
    ("\u3000*wide space*", [("*wide space*", STRONG)]),
    ("_*a*", []),
    # Whitespace inside the directives, and empty spans, are not spans.
    ("* a*", []),
    ("*a *", []),
    ("*a\u00a0*", []),
    ("__", []),
    ("``", []),
    # A span never crosses a line.
    ("*a\nb*", []),
    ("_one_\n_two_", [("_one_", EMPHASIS), ("_two_", EMPHASIS)]),
    # No escapes in XEP-0393: a backslash is text, and the `*` after it is no opener.
    ("\\*not\\*", []),
])
def test_nesting_and_matching_rules(body: str, expected: list[tuple[str, str]]) -> None:
    assert parts(body) == expected


# §5 Blocks -------------------------------------------------------------------------------------

def test_plain_blocks_spans_do_not_escape_their_line() -> None:
    body = "There are three blocks in this body, one per line,\nbut there is no *formatting\nas spans* may not " \
           "escape blocks."
    assert spans(body) == []


def test_preformatted_block() -> None:
    body = '```ignored\n(println "Hello, world!")\n```\n\nThis should show up as monospace, preformatted text ⤴'
    assert parts(body) == [('(println "Hello, world!")', PRE)]
    assert [body[offset] for offset in markers(body)] == list("```ignored```")  # both fence lines, whole


def test_preformatted_block_without_closing_line_ends_with_its_quote() -> None:
    body = '> ```\n> (println "Hello, world!")\n\nThe entire blockquote is a preformatted text block, but this ' \
           'line\nis *plaintext*!'
    assert parts(body) == [("```", QUOTE), ('(println "Hello, world!")', QUOTE), ('(println "Hello, world!")', PRE),
                           ("*plaintext*", STRONG)]


def test_preformatted_block_holds_no_spans_quotes_or_fences_but_its_own() -> None:
    body = "```\n*not bold*\n> not a quote\n``` \ncode ```\n```\n*bold*"
    assert parts(body) == [("*not bold*", PRE), ("> not a quote", PRE), ("``` ", PRE), ("code ```", PRE),
                           ("*bold*", STRONG)]


def test_preformatted_block_runs_to_the_end_of_the_body() -> None:
    assert parts("````\na\n*b*") == [("a", PRE), ("*b*", PRE)]
    assert parts("```\na```") == [("a```", PRE)]


def test_quotation() -> None:
    body = "> That that is, is.\n\nSaid the old hermit of Prague."
    assert parts(body) == [("That that is, is.", QUOTE)]
    assert markers(body) == [0]


def test_nested_quotation() -> None:
    body = ">> That that is, is.\n> Said the old hermit of Prague.\n\nWho?"
    assert parts(body) == [("That that is, is.", QUOTE), ("Said the old hermit of Prague.", QUOTE)]
    second = body.index("\n") + 1
    assert markers(body) == [0, 1, second]  # `>>` and `>`, each dimmed


def test_quote_children_are_blocks_and_spans() -> None:
    body = "> *bold* in a quote\n> ```\n>> not nested: preformatted\n> ```\n> _after_"
    assert parts(body) == [("*bold* in a quote", QUOTE), ("*bold*", STRONG), ("```", QUOTE),
                           ("> not nested: preformatted", QUOTE), ("> not nested: preformatted", PRE),
                           ("```", QUOTE), ("_after_", QUOTE), ("_after_", EMPHASIS)]


def test_quote_trims_only_the_first_whitespace_character() -> None:
    # ">  ```" is a quote of " ```", which does not start with the fence: no preformatted block.
    assert parts(">  ```\n> *b*") == [(" ```", QUOTE), ("*b*", QUOTE), ("*b*", STRONG)]
    assert parts(">*b*") == [("*b*", QUOTE), ("*b*", STRONG)]


def test_quote_ends_at_a_line_without_its_marker() -> None:
    body = ">> deep\nplain\n> again"
    assert parts(body) == [("deep", QUOTE), ("again", QUOTE)]


# How it looks ----------------------------------------------------------------------------------

def test_styles_with_markers_dimmed() -> None:
    text = styled(Text("*bold* _it_ ~gone~ `code`"))
    assert text.plain == "*bold* _it_ ~gone~ `code`"  # nothing added or removed
    bold_marker, bold_letter = style_at(text, 0), style_at(text, 1)
    assert bold_letter.bold and bold_letter.color is None
    assert bold_marker.bold and bold_marker.color is not None and bold_marker.color.name == "bright_black"
    assert style_at(text, 8).italic
    assert style_at(text, 13).strike
    code = style_at(text, 20)
    assert code.color is not None and code.color.name == "green"
    assert style_at(text, 6) == Style()  # the plain space between spans


def test_quote_marker_dimmed_and_text_italic() -> None:
    text = styled(Text("> said\nme"))
    marker, said, mine = style_at(text, 0), style_at(text, 2), style_at(text, 7)
    assert marker.color is not None and marker.color.name == "bright_black"
    assert said.italic
    assert not mine.italic


def test_base_style_is_kept_under_the_styling() -> None:
    text = styled(Text("hey *you*", style="red"))
    assert style_at(text, 0).color.name == "red"  # type: ignore[union-attr]
    assert style_at(text, 5).bold and style_at(text, 5).color.name == "red"  # type: ignore[union-attr]


# Hostile input ---------------------------------------------------------------------------------

def body_of(raw: str, kind: MessageKind = MessageKind.CHAT, styling: bool = True) -> Text:
    message = ChatMessage(conversation="bob@example.org", sender="bob@example.org", body=raw, timestamp=0.0,
                          kind=kind)
    return render.message_body(message, styling=styling)


def test_markup_stays_literal_and_is_never_parsed() -> None:
    raw = "[bold]x[/bold] *[link=https://evil]y[/link]* [/foo] [@click=app.quit]z[/]"
    text = body_of(raw)
    assert text.plain == raw
    assert not style_at(text, 1).bold  # "[bold]" did nothing
    assert style_at(text, raw.index("y")).bold  # the styling did
    assert style_at(text, raw.index("y")).link is None
    assert "".join(segment.text for segment in text.render(CONSOLE)) == raw


def test_styling_is_computed_on_the_sanitised_body() -> None:
    raw = "\x1b[31m *red* \u202e_x_ \x1b*no*"
    text = body_of(raw)
    assert text.plain == "␛[31m *red* <U+202E>_x_ ␛*no*"  # the controls are placeholders
    assert style_at(text, text.plain.index("red")).bold  # offsets are those of the shown text
    assert not style_at(text, text.plain.index("x")).italic  # "_" after ">" of the placeholder: no opener
    assert not style_at(text, text.plain.index("no")).bold


def test_client_lines_are_not_styled() -> None:
    for kind in (MessageKind.NOTICE, MessageKind.ERROR, MessageKind.OCCUPANT):
        text = body_of("*bob_1* joined", kind=kind)
        assert not style_at(text, 1).bold, kind
    assert style_at(body_of("*hi*", kind=MessageKind.GROUPCHAT), 1).bold


def _best_times(small: str, large: str) -> tuple[float, float]:
    """The best of five timings of the parser on each, taken in turn, in CPU time of this thread: time spent
    waiting while other processes run (a shared machine) is not the parser's."""
    small_times, large_times = [], []
    for _ in range(5):
        for body, times in ((small, small_times), (large, large_times)):
            started = time.thread_time()
            spans(body)
            times.append(time.thread_time() - started)
    return min(small_times), min(large_times)


@pytest.mark.parametrize("unit", ["*", "_", "~", "`", ">", "*a ", "*a", " *", "_a *b ~c `d ", "*_~`a`~_* ",
                                  "> *x*\n", "```\n", "> ```\n>> x\n"])
def test_linear_time(unit: str) -> None:
    """Worst cases for a naive parser (openers that never close, each rescanning the line; deep quotes; many
    spans) stay linear: 100,000 characters styled well under a second, and parsing ten times the input takes
    under twenty times the time. CPU time, not wall time: on a shared, loaded machine (the suite runs three
    workers on two cores) the wall clock measures the neighbours; `test_one_hundred_thousand_asterisks` keeps
    a wall-clock bound, with a wide margin."""
    small = unit * (10_000 // len(unit))
    large = unit * (100_000 // len(unit))
    started = time.thread_time()
    styled(Text(large))
    assert time.thread_time() - started < 1.0
    small_time, large_time = _best_times(small, large)
    # A floor under the small time, so timer noise on a tiny figure cannot fail the ratio.
    assert large_time < 20 * max(small_time, 0.002), (small_time, large_time)


@pytest.mark.parametrize("directive", ["*", "_"])
def test_one_hundred_thousand_asterisks_or_underscores(directive: str) -> None:
    started = time.perf_counter()
    text = styled(Text(directive * 100_000))
    assert time.perf_counter() - started < 1.0
    assert text.spans == []


# Config and the chat log -----------------------------------------------------------------------

def test_styling_off_gives_the_plain_body() -> None:
    raw = "*bold* > _not_ `x`"
    off = body_of(raw, styling=False)
    assert off.plain == raw and off.spans == []
    assert body_of(raw).spans  # (and on, it is styled)


def test_config_styling_defaults_on_and_is_validated(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("[ui]\n")
    assert config.load(path).ui.styling is True
    path.write_text("[ui]\nstyling = false\n")
    assert config.load(path).ui.styling is False
    path.write_text('[ui]\nstyling = "no"\n')
    with pytest.raises(ConfigError, match=r"ui\.styling must be a bool, not 'no'"):
        config.load(path)
    path.write_text("[ui]\nstyle = false\n")
    with pytest.raises(ConfigError, match="did you mean 'styling'"):
        config.load(path)


STYLED_BODIES = [
    "a *bold* _statement_ with ~struck~ `code` " * 6,  # one long printable line: counted without rendering
    "> quoted *bold*\n>> deeper _it_\nplain *again*",
    "```python\ndef f():\n    return '*not bold*'\n```\nand `code` after" + " word" * 30,
    "*" * 300,
]


@pytest.mark.parametrize("styling", [True, False])
def test_line_counts_match_the_rendered_lines(styling: bool) -> None:
    messages = [ChatMessage(conversation="bob@example.org", sender="bob@example.org", body=body,
                            timestamp=1_700_000_000.0 + index) for index, body in enumerate(STYLED_BODIES)]
    layout = MessageLines(messages, lambda: CONSOLE, own_label="me", timestamp_format="%H:%M", hidden=frozenset(),
                          highlighted=None, styling=styling)
    plain = MessageLines(messages, lambda: CONSOLE, own_label="me", timestamp_format="%H:%M", hidden=frozenset(),
                         highlighted=None, styling=False)
    for width in (24, 37, 61, 80, 200):
        for index in range(len(messages)):
            lines = layout.lines(index, width)
            assert layout.count(index, width) == len(lines), (index, width)
            # Styling changes how the text looks, never where it wraps.
            assert [line.text for line in lines] == [line.text for line in plain.lines(index, width)]


def test_chat_log_lines_carry_the_styles() -> None:
    message = ChatMessage(conversation="bob@example.org", sender="bob@example.org", body="so *very* nice",
                          timestamp=1_700_000_000.0)
    for styling, bold in ((True, True), (False, False)):
        layout = MessageLines([message], lambda: CONSOLE, own_label="me", timestamp_format="%H:%M",
                              hidden=frozenset(), highlighted=None, styling=styling)
        segments = [segment for line in layout.lines(0, 80) for segment in line]
        very = next(segment for segment in segments if "very" in segment.text)
        assert bool(very.style and very.style.bold) is bold
