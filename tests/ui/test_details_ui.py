"""The last pieces of acting on a selected message, driven as a user does: the details (`i`) show when a delayed
message was sent and when it reached us, and the texts a correction replaced; a pending subscription request is
reported and blocked in one step; `g` on a reply whose original is not held pages older history in until it is."""

from __future__ import annotations

import time

from tests.e2e.helpers import until
from tests.ui.fake_session import FIXED_TIME
from tests.ui.terminal_keys import press
from tests.ui.test_keys import BOB, logged_in, make
from tests.ui.test_selection_ui import SIZE, add, in_chat, selected
from xmpptui.model.conversation import ChatMessage, Direction
from xmpptui.model.events import MessageAdded
from xmpptui.ui.chat.message_details import MessageDetails


def when(timestamp: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(timestamp))


async def test_details_show_when_it_was_sent_and_received_and_the_texts_a_correction_replaced() -> None:
    app, session = make()
    async with app.run_test(size=SIZE) as pilot:
        composer = await logged_in(pilot, app, session)
        conversation, _ = session.state.conversations.open(BOB)
        late = ChatMessage(BOB, BOB, "written offline", FIXED_TIME, Direction.IN, id="d1", delayed=True,
                           received=FIXED_TIME + 3600)
        conversation.add(late)
        session.emit(MessageAdded(late))
        mine = add(session, BOB, "teh plan", own=True, id="o1", minute=2)
        log = await in_chat(pilot, app, BOB)
        await press(pilot, "alt+up", "up", "i")
        await until(pilot, lambda: isinstance(app.screen, MessageDetails), what="i: the details")
        text = app.screen.plain_text()
        assert f"sent: {when(FIXED_TIME)}" in text and "the sender's time" in text
        assert f"received: {when(FIXED_TIME + 3600)}" in text
        await press(pilot, "escape")
        await until(pilot, lambda: app.screen is app.main_screen)
        await press(pilot, "alt+up")
        await selected(pilot, app, log, mine)
        await press(pilot, "c")
        await until(pilot, lambda: composer.correcting and composer.text == "teh plan", what="c: in the composer")
        await press(pilot, "ctrl+u", *"the plan", "enter")
        await until(pilot, lambda: mine.body == "the plan", what="corrected")
        await press(pilot, "alt+up")
        await selected(pilot, app, log, mine)
        await press(pilot, "i")
        await until(pilot, lambda: isinstance(app.screen, MessageDetails), what="i: the details")
        text = app.screen.plain_text()
        assert "edited: yes" in text
        assert f"earlier text: 'teh plan', replaced {when(FIXED_TIME + 600)}" in text
        assert "received:" not in text, "a message sent live has one time"
