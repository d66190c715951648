"""Keys in the dialogs' one-line inputs, as a terminal delivers them: editing keys read together with the letters
typed around them apply in the order typed (the race the composer had, issue #20), and what is typed shows at
once."""

from __future__ import annotations

import contextlib

from tests.e2e.helpers import until
from tests.ui.terminal_keys import one_read
from tests.ui.test_composer import BURST, BURST_KEYS, BURST_TYPED, make, started
from xmpptui.ui.shared.dialogs import PromptScreen
from xmpptui.ui.shared.keys_now import KeyOrderInput

SIZE = (120, 36)


async def test_editing_keys_arriving_with_letters_apply_in_the_order_typed_in_a_dialog() -> None:
    app, session = make()
    answers: list[str | None] = []
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot, session)
        app.push_screen(PromptScreen("Your nick in the room"), answers.append)
        await until(pilot, lambda: isinstance(app.focused, KeyOrderInput), what="the prompt's input focused")
        field = app.focused
        assert isinstance(field, KeyOrderInput)
        assert one_read(app, BURST) == BURST_KEYS
        with contextlib.suppress(AssertionError):  # the assertion below says what the input holds instead
            await until(pilot, lambda: field.value == BURST_TYPED, timeout=5)
        await pilot.pause()
        assert field.value == BURST_TYPED, "every key applied, in the order typed"
        assert field.cursor_position == len(BURST_TYPED)

        one_read(app, "\x7f\x7fok\r")  # Backspace twice, "ok", Enter: the answer holds what was typed, in order
        await until(pilot, lambda: answers, what="the prompt answered")
        assert answers == ["xZok"]
