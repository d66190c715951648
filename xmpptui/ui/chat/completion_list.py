"""CompletionList: the candidates Tab found, shown just over the composer while there are several (the one in
the composer marked); Tab / Shift+Tab move through them, Escape closes the list. It never takes the focus."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static


class CompletionList(Static):
    DEFAULT_CSS = """
    CompletionList {
        height: auto;
        max-height: 8;
        padding: 0 1;
        background: $boost;
        display: none;
    }
    """

    ROWS = 7
    """At most this many candidates are listed at once; the rest scroll in around the chosen one."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id)
        self.can_focus = False
        self.candidates: tuple[str, ...] = ()
        self.index = 0

    def show(self, candidates: tuple[str, ...], index: int) -> None:
        """List the candidates with `index` marked; a single candidate needs no list."""
        self.candidates, self.index = candidates, index
        self.display = len(candidates) > 1
        if not self.display:
            return
        first = max(0, min(index - self.ROWS // 2, len(candidates) - self.ROWS))
        shown = candidates[first:first + self.ROWS]
        text = Text(no_wrap=True, overflow="ellipsis", end="")
        for offset, candidate in enumerate(shown):
            if offset:
                text.append("\n")
            # Candidates are names from the roster and rooms: plain text, never markup.
            text.append(candidate.rstrip(), style="reverse" if first + offset == index else "")
        more = len(candidates) - len(shown)
        if more:
            text.append(f"\n{index + 1}/{len(candidates)} · Tab / Shift+Tab · Esc closes", style="italic")
        self.update(text)

    def close(self) -> None:
        self.candidates = ()
        self.display = False

    def plain(self) -> list[str]:
        """The candidates listed (what a test reads)."""
        return [candidate.rstrip() for candidate in self.candidates] if self.display else []
