"""Keys as a terminal sends them: Alt+letter arrives as ESC + the letter, which Textual reads as `alt+x` *with*
the character `x` (a TextArea types it unless the binding has priority). Pilot.press leaves the character out and
so hides that; tests that check keys from the composer press them through here."""

from __future__ import annotations

from textual import events
from textual._xterm_parser import XTermParser
from textual.app import App
from textual.pilot import Pilot

_TERMINAL_BYTES = {"question_mark": "?"}


async def press(pilot: Pilot[None], *keys: str) -> None:
    """Press keys as a terminal without the kitty protocol sends them (as tmux does). Alt+letter / Alt+digit
    and printable keys go through Textual's own terminal parser (ESC + `a` becomes `alt+a` *with* the
    character `a`, which a TextArea takes as text unless the binding has priority; Pilot.press leaves the
    character out, and would hide that). Other keys carry no printable character: Pilot.press sends them."""
    for key in keys:
        modifier, plus, base = key.rpartition("+")
        data = None
        if modifier == "alt" and len(base) == 1:
            data = "\x1b" + base
        elif not plus and (len(key) == 1 or key in _TERMINAL_BYTES):
            data = _TERMINAL_BYTES.get(key, key)
        if data is None:
            await pilot.press(key)
            continue
        parser = XTermParser()
        for event in [*parser.feed(data), *parser.feed("")]:
            assert isinstance(event, events.Key)
            pilot.app.post_message(event)
        await pilot.pause()


def one_read(app: App[object], data: str) -> list[str]:
    """Hand the app every key of `data` as one terminal read does: all queued before the first is handled, as
    the driver's input thread does when a busy loop lets keys pile up. Returns the keys' names."""
    parser = XTermParser()
    keys = [event for event in [*parser.feed(data), *parser.feed("")] if isinstance(event, events.Key)]
    for event in keys:
        app.post_message(event)
    return [event.key for event in keys]
