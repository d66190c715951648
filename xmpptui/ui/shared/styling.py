"""Message styling (XEP-0393): `*strong*`, `_emphasis_`, `~strike~`, `` `pre` ``, ```` ``` ```` blocks and `>`
quotes, found in a body's plain text and applied to an inert `Text` as spans (never as markup, the markers kept).

The parser is one left-to-right pass over each line: blocks (quote prefixes, preformatted fences) are found
with a small state (the quote depth and the level of an open preformatted block) instead of recursion, and
spans with a per-directive list of the places a span may close, walked forward only, so any input (100,000
asterisks, 50,000 nested-looking openers) takes time linear in its length."""

from __future__ import annotations

import re

from rich.text import Span, Text

_FENCE = "```"
_QUOTE = ">"


class Kind:
    """What a stretch of the body is, in styling terms (plain strings: they are hashed once per span)."""

    MARKER = "marker"
    """A styling directive itself: span delimiters, a quote's `>`, a preformatted block's fence lines."""
    STRONG = "strong"
    EMPHASIS = "emphasis"
    STRIKE = "strike"
    PRE = "pre"
    """A preformatted span (`` `x` ``) or a line inside a preformatted block: no styling inside."""
    QUOTE = "quote"
    """The text of a quoted line (after its `>` and the one space trimmed with it)."""


_SPAN_KINDS = {"*": Kind.STRONG, "_": Kind.EMPHASIS, "~": Kind.STRIKE, "`": Kind.PRE}
_ANY_DIRECTIVE = re.compile(r"[*_~`>]")
"""Every span and block starts with one of these: a body without any has no styling (most bodies, found in one
C-speed scan instead of the parse: a flood's repaints render a few dozen new bodies each)."""

STYLES = {
    Kind.QUOTE: "italic cyan",
    Kind.PRE: "green",
    Kind.STRONG: "bold",
    Kind.EMPHASIS: "italic",
    Kind.STRIKE: "strike",
    Kind.MARKER: "bright_black",
}
"""How each kind looks. Applied in this order, so a later one wins where they meet: the markers are always dim,
even inside a bold span or a quote. Every kind differs by more than a colour (italic, bold, strike, the markers
themselves stay visible) except preformatted text, which in a terminal is monospace anyway."""

Styled = tuple[int, int, str]
"""`(start, end, kind)`: offsets into the string parsed, end excluded."""


def spans(value: str) -> list[Styled]:
    """The styling of `value` as spans, by the rules of XEP-0393 (§5 blocks, §6 spans). `value` should be the
    text as shown (sanitised), so the offsets are those of the `Text` they are applied to."""
    if _ANY_DIRECTIVE.search(value) is None:
        return []
    found: list[Styled] = []
    pre_level: int | None = None  # the quote level of an open preformatted block
    start = 0
    length = len(value)
    while start <= length:
        end = value.find("\n", start)
        if end < 0:
            end = length
        position, level = start, 0
        in_pre = False
        while True:
            if pre_level == level:
                in_pre = True  # a preformatted block holds everything at its level, `>` included
                break
            if position < end and value[position] == _QUOTE:
                position += 1
                level += 1
                if position < end and value[position].isspace():
                    position += 1  # §5.3: the first leading whitespace character is trimmed
                continue
            break
        if level:  # the `>`s (and the spaces trimmed after them) as one marker, whatever the depth
            found.append((start, position, Kind.MARKER))
            found.append((position, end, Kind.QUOTE))
        line = value[position:end]
        if in_pre:
            if line == _FENCE:
                found.append((position, end, Kind.MARKER))
                pre_level = None
            else:
                found.append((position, end, Kind.PRE))
        else:
            # A quote that this line does not continue has ended, and with it a preformatted block in it.
            if pre_level is not None and pre_level > level:
                pre_level = None
            if line.startswith(_FENCE):
                found.append((position, end, Kind.MARKER))
                pre_level = level
            elif line:
                _line_spans(value, position, end, found)
        start = end + 1
    return found


_OPENER = re.compile(r"(?<!\S)([*_~`])(?!\1)(?=\S)")
"""A directive that may open a span (§6): after whitespace, followed by text that is neither whitespace nor the
same directive (`**` would be an empty span: neither of its directives is valid). One character class and
fixed-width look-arounds: no backtracking, so the scan is linear."""
_CLOSER = re.compile(r"(?<=\S)[*_~`]")
"""A directive that may close a span: not after whitespace."""


def _opens_at_start(value: str, index: int, region_end: int) -> bool:
    """Whether the directive at `index`, the start of a block or right after an opening directive, opens a span:
    what `_OPENER` checks, but with no character before it to look at."""
    if value[index] not in _SPAN_KINDS or index + 1 >= region_end:
        return False
    after = value[index + 1]
    return not after.isspace() and after != value[index]


def _line_spans(value: str, start: int, end: int, found: list[Styled]) -> None:
    """The spans of one plain line, `value[start:end]` (§6), lazily matched from the left."""
    # Where a span may open or close does not depend on the spans around it (except an opener right after
    # another's, checked apart), and the places are asked for in increasing order (a child span lies between
    # its parent's opener and closer, and the parent's scan resumes after that closer): one forward cursor per
    # list answers "the first one at or after p" for the whole line in linear time.
    openers = [match.start() for match in _OPENER.finditer(value, start, end)]
    closers: dict[str, list[int]] = {directive: [] for directive in _SPAN_KINDS}
    for match in _CLOSER.finditer(value, start + 1, end):
        closers[match.group()].append(match.start())
    cursor = dict.fromkeys(closers, 0)
    next_opener = 0

    def first_closer(directive: str, at_least: int, before: int) -> int:
        places = closers[directive]
        place = cursor[directive]
        while place < len(places) and places[place] < at_least:
            place += 1
        cursor[directive] = place
        return places[place] if place < len(places) and places[place] < before else -1

    # Regions still to scan, innermost last: (start, end, whether its start is that of a block or of a span's
    # text). Nesting is at most four deep: a span cannot hold another of its own directive, whose closer would
    # have closed it.
    regions = [(start, end, True)]
    while regions:
        region_start, region_end, at_start = regions.pop()
        opener = region_start if at_start and _opens_at_start(value, region_start, region_end) else -1
        search_from = region_start + 1 if at_start else region_start
        while True:
            if opener < 0:
                while next_opener < len(openers) and openers[next_opener] < search_from:
                    next_opener += 1
                if next_opener == len(openers) or openers[next_opener] >= region_end:
                    break
                opener = openers[next_opener]
            directive = value[opener]
            closer = first_closer(directive, opener + 2, region_end)
            if closer >= 0:
                kind = _SPAN_KINDS[directive]
                found.append((opener, closer + 1, kind))
                found.append((opener, opener + 1, Kind.MARKER))
                found.append((closer, closer + 1, Kind.MARKER))
                if region_end > closer + 1:
                    regions.append((closer + 1, region_end, False))
                if kind != Kind.PRE:  # §6.6: a preformatted span holds only plain text
                    regions.append((opener + 1, closer, True))
                break
            search_from, opener = opener + 1, -1


def styled(text: Text) -> Text:
    """`text` (an inert, sanitised body) with its XEP-0393 styling applied as spans; the characters are not
    changed, so its length and wrapping stay those of the plain text. Returns `text` itself."""
    found = spans(text.plain)
    if not found:
        return text
    by_kind: dict[str, list[tuple[int, int]]] = {kind: [] for kind in STYLES}
    for span_start, span_end, kind in found:
        if span_end > span_start:
            by_kind[kind].append((span_start, span_end))
    for kind, style in STYLES.items():
        merged: list[tuple[int, int]] = []
        for span_start, span_end in sorted(by_kind[kind]):
            if merged and span_start <= merged[-1][1]:  # e.g. `>>>`: one span, not three
                merged[-1] = (merged[-1][0], max(merged[-1][1], span_end))
            else:
                merged.append((span_start, span_end))
        text.spans.extend(Span(span_start, span_end, style) for span_start, span_end in merged)
    return text
