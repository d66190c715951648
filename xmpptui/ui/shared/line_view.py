"""LineView: a ScrollView drawn line by line (the chat log, the roster, the occupant list) whose lines start from
the widget's own style."""

from __future__ import annotations

from rich.style import Style
from textual.geometry import Region
from textual.scroll_view import ScrollView
from textual.strip import Strip


class LineView(ScrollView):
    _pass_style: Style | None = None

    def render_lines(self, crop: Region) -> list[Strip]:
        # Textual's `rich_style` walks the styles of every ancestor on each call (0.1 ms measured, during a flood
        # a tenth of a repaint when asked once a line): ask once a render pass.
        self._pass_style = self.rich_style
        try:
            return super().render_lines(crop)
        finally:
            self._pass_style = None

    @property
    def line_style(self) -> Style:
        """The widget's style, for its lines (the one of this render pass while one runs)."""
        return self._pass_style if self._pass_style is not None else self.rich_style
