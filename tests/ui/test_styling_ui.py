"""Message styling in the app's chat log, driven by keys: shown by default, plain with `[ui] styling = false`."""

from __future__ import annotations

import pytest

from tests.e2e.helpers import until
from tests.ui.test_app_ui import SIZE, make
from xmpptui.config import Config, UiConfig

BOB = "bob@example.org"
BODY = "the *bold* _plan_\n> quoted"


@pytest.mark.parametrize("styling", [True, False])
async def test_received_styling_is_shown_unless_turned_off(styling: bool) -> None:
    app, factory = make(Config(ui=UiConfig(styling=styling)))
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: factory.made)
        factory.session.receive(BOB, BODY, name="Bob")
        await pilot.press("alt+a")
        await until(pilot, lambda: app.main_screen.active == BOB, what="the conversation opened")
        log = app.main_screen.chat_log(BOB)
        await until(pilot, lambda: log is not None and any("quoted" in line for line in log.plain_lines()),
                    what="the message shown")
        assert log is not None
        rows = [log.render_line(y) for y in range(log.size.height)]
        segments = [segment for row in rows for segment in row if segment.text.strip()]
        shown = "".join(row.text for row in rows)
        assert "the *bold* _plan_" in shown and "> quoted" in shown  # the markers stay, either way

        def styled_as(word: str) -> list[bool]:
            return [bool(segment.style and (segment.style.bold or segment.style.italic))
                    for segment in segments if word in segment.text]

        assert styled_as("bold") == [styling]
        assert styled_as("plan") == [styling]
        assert styled_as("quoted") == [styling]
