"""Keys that take effect, and show, as soon as the focused editor has them: a non-priority binding run in
order with the letters around it, and one widget painted to the terminal without waiting for the next frame.

The first uses Textual's public API; the second reaches into Textual's privates (checked against Textual 8.2),
all of them in that one function, and `tests/unit/test_keys_now.py` fails by name if one of them disappears.
"""

from __future__ import annotations

import logging
from typing import Any

from textual import events
from textual.widget import Widget
from textual.widgets import Input

log = logging.getLogger(__name__)


async def run_binding_now(widget: Widget, key: str) -> bool:
    """Run the (non-priority) binding of `key` now, as the app would once the key has bubbled up to it;
    True if one ran.

    Textual runs such bindings (Backspace, Ctrl+U, the arrows...) only when the key event has travelled back up
    from the focused widget through each ancestor's message queue, while an editor inserts a letter at once:
    a letter typed right after Backspace overtook it whenever the loop was busy (a message flood), and the
    Backspace deleted that letter instead of the one before it (issue #20: probe keys "lost" in tmux).
    Priority bindings have already been tried by the app before the key came to the widget."""
    active = widget.app.screen.active_bindings.get(key)
    if active is None or active.binding.priority or not active.enabled:
        return False
    return await widget.app.run_action(active.binding.action, active.node)


def paint_now(widget: Widget) -> bool:
    """Write `widget`'s pending repaint to the terminal now instead of at the screen's next frame; True if it
    was painted here.

    Textual (8.2) paints in frames: a refreshed widget tells its screen on its next idle, the screen marks it
    dirty and resumes an update timer (at most `TEXTUAL_FPS` a second), and that timer renders every dirty
    widget together. For a keystroke that is three more trips through the event loop, and on a busy loop each
    waits behind whatever came first (issue #20: echo behind the anchors). Only this widget is painted here:
    what else is dirty (a chat log under a message flood) stays for the frame, still drawn at most once per
    frame. When a layout that may move the widget must be recomputed first (the widget grew, a pane moved) or
    the widget itself scrolled, the frame does it, as before. Another widget's pending scroll or layout (the
    chat log following a flood: nearly always pending then) does not hold the keystroke back: it moves an
    editor only from a scrolling container around it (a long form scrolled by Tab, not by typing), and the
    frame right after draws any such move."""
    app: Any = widget.app
    screen: Any = widget.screen
    # (Headless, as under Pilot, the same path runs and `App._display` writes nothing.)
    if (app._batch_count or app.is_inline
            or screen is not app.screen or not widget._repaint_required
            or widget._layout_required or widget._scroll_required or _layout_may_move(widget, screen)):
        return False
    compositor = screen._compositor
    if widget not in compositor.visible_widgets:
        return False
    widget._repaint_required = False  # (its next idle would send the screen an Update)
    screen._dirty_widgets.discard(widget)
    try:
        compositor.update_widgets({widget})
        app._display(screen, compositor.render_update(screen_stack=app._background_screens))
    except Exception:  # (Textual's internals moved under us: the frame paints it, as it always did)
        log.exception("painting a keystroke at once failed; it waits for the next frame")
        widget.refresh()
        return False
    return True


def _layout_may_move(widget: Widget, screen: Any) -> bool:
    """Whether the screen's pending layout may move or resize `widget`. A layout a widget asks for is confined
    to its nearest ancestor of fixed size (Textual records that ancestor as the one to lay out): one inside
    another box (the chat log's, once per flood message) leaves `widget` where it is. A layout of the whole
    screen (a resize, a mount) or of a box holding `widget` may move it."""
    if not screen._layout_required:
        return False
    boxes = screen._layout_widgets
    if not boxes:
        return True
    holding = widget.ancestors_with_self
    return any(box in holding for box in boxes)


class KeyOrderInput(Input):
    """A Textual `Input` whose editing keys (Backspace, Ctrl+U, the arrows...) apply in the order typed with the
    letters read in the same terminal read, as the composer's do (`run_binding_now`), and show at once."""

    async def _on_key(self, event: events.Key) -> None:
        await super()._on_key(event)  # a letter goes in here; every key restarts the cursor's blink
        if not event.is_printable and await run_binding_now(self, event.key):
            event.stop()
            event.prevent_default()
        paint_now(self)
