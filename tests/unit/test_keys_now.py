"""`paint_now` and `run_binding_now` lean on Textual privates (checked against Textual 8.2): each one they use is
named here, so a Textual upgrade that drops or renames one fails this test by name instead of making keystrokes
silently wait for the next frame (or raise mid-keystroke)."""

from __future__ import annotations

import textual
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Input, Static

from xmpptui.ui.shared.keys_now import _layout_may_move, paint_now, run_binding_now

PRIVATE_APP = ("_batch_count", "_background_screens", "_display")
PRIVATE_SCREEN = ("_compositor", "_dirty_widgets", "_layout_required", "_layout_widgets", "_scroll_required")
PRIVATE_WIDGET = ("_repaint_required", "_layout_required", "_scroll_required")
COMPOSITOR = ("visible_widgets", "update_widgets", "render_update")


class OneInput(App[None]):
    BINDINGS = [Binding("f5", "note", "Note")]
    CSS = "#box { height: 3; }"

    def __init__(self) -> None:
        super().__init__()
        self.notes = 0

    def compose(self) -> ComposeResult:
        with Vertical(id="box"):
            yield Static("above", id="above")
        yield Input(id="field")

    def action_note(self) -> None:
        self.notes += 1


def _missing(owner: object, names: tuple[str, ...]) -> list[str]:
    return [f"{type(owner).__name__}.{name}" for name in names if not hasattr(owner, name)]


async def test_the_textual_privates_paint_now_uses_are_there() -> None:
    app = OneInput()
    async with app.run_test() as pilot:
        field = app.query_one(Input)
        screen = app.screen
        missing = [*_missing(app, PRIVATE_APP), *_missing(screen, PRIVATE_SCREEN), *_missing(field, PRIVATE_WIDGET),
                   *_missing(getattr(screen, "_compositor", None), COMPOSITOR)]
        assert not missing, (f"Textual {textual.__version__} lacks what xmpptui.ui.shared.keys_now.paint_now uses: "
                             f"{', '.join(missing)}; keystroke echo would wait for the next frame (issue #20)")
        assert isinstance(screen, Screen)
        await pilot.pause()
        field.refresh()
        assert paint_now(field), "a refreshed, visible widget is painted at once"
        assert not field._repaint_required, "and the frame does not paint it again"
        assert not paint_now(field), "nothing left to paint"

        screen._scroll_required = True  # another widget scrolled (a chat log following a flood), frame not yet drawn
        field.refresh()
        assert paint_now(field), "another widget's pending scroll does not hold the keystroke back"
        screen._scroll_required = False

        field.refresh(layout=True)
        assert not paint_now(field), "a layout pending: the frame does it (positions may move)"


async def test_run_binding_now_runs_the_binding_the_app_would() -> None:
    app = OneInput()
    async with app.run_test() as pilot:
        field = app.query_one(Input)
        field.focus()
        await pilot.pause()
        assert await run_binding_now(field, "f5")
        assert app.notes == 1
        assert not await run_binding_now(field, "f6"), "no binding: the key goes its usual way"


async def test_only_a_layout_that_may_move_the_widget_holds_its_paint_back() -> None:
    """Set by hand here (the frame would clear it first): which pending layouts hold a keystroke's paint back."""
    app = OneInput()
    async with app.run_test() as pilot:
        await pilot.pause()
        field, box, screen = app.query_one(Input), app.query_one("#box"), app.screen
        screen._layout_required = True
        screen._layout_widgets = {box: {app.query_one("#above")}}
        assert not _layout_may_move(field, screen), "a fixed-size box elsewhere lays out its inside only"
        screen._layout_widgets = {screen: {box}}
        assert _layout_may_move(field, screen), "the screen laid out again may move anything"
        screen._layout_widgets = {}
        assert _layout_may_move(field, screen), "a layout nobody asked for (a resize): anything may move"
        screen._layout_required = False
        assert not _layout_may_move(field, screen)
