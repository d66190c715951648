"""The last pieces of acting on a selected message, driven as a user does: the details (`i`) show when a delayed
message was sent and when it reached us, and the texts a correction replaced; a pending subscription request is
reported and blocked in one step; `g` on a reply whose original is not held pages older history in until it is."""

from __future__ import annotations

import time

from textual.widgets import Static

from tests.e2e.helpers import until
from tests.ui.fake_session import FIXED_TIME
from tests.ui.terminal_keys import press
from tests.ui.test_keys import BOB, logged_in, make
from tests.ui.test_selection_ui import SIZE, add, in_chat, notified, selected
from xmpptui.model.conversation import ChatMessage, Direction
from xmpptui.model.events import MessageAdded
from xmpptui.ui.chat.message_details import MessageDetails
from xmpptui.ui.contacts.forms import AnswerRequestScreen
from xmpptui.ui.shared.dialogs import ConfirmScreen, PromptScreen

SPAMMER = "pills@spam.example"


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


async def test_r_on_a_subscription_request_reports_it_and_blocks_in_one_step() -> None:
    app, session = make()
    async with app.run_test(size=SIZE) as pilot:
        await logged_in(pilot, app, session)
        session.request(SPAMMER, nick="Cheap Pills")
        roster = app.main_screen.roster
        await until(pilot, lambda: roster.row_count and roster.row_text(0).startswith("▾ Pending requests (1)"),
                    what="the request in the roster")
        await press(pilot, "ctrl+r", *"pills", "enter")
        await until(pilot, lambda: isinstance(app.screen, AnswerRequestScreen), what="the answer dialog")
        await press(pilot, "r")
        await until(pilot, lambda: isinstance(app.screen, PromptScreen), what="r: spam or abuse?")
        await press(pilot, *"nonsense", "enter")
        await until(pilot, lambda: "start with spam or abuse" in str(app.screen.query_one("#prompt-error",
                                                                                          Static).render()),
                    what="a wrong kind is refused in words")
        await press(pilot, "ctrl+u", *"spam sells pills", "enter")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="then asks")
        await press(pilot, "escape")
        await until(pilot, lambda: app.screen is app.main_screen)
        assert not any(call[0] == "report" for call in session.calls), "Escape refuses"
        assert session.state.requests.get(SPAMMER) is not None, "the request still waits"
        await press(pilot, "ctrl+r", "enter")  # (the roster's cursor is still on the request)
        await until(pilot, lambda: isinstance(app.screen, AnswerRequestScreen), what="the answer dialog again")
        await press(pilot, "r", *"spam sells pills", "enter", "enter")
        await until(pilot, lambda: ("report", SPAMMER, "spam", "sells pills") in session.calls, what="reported")
        assert SPAMMER in session.state.blocked
        await until(pilot, lambda: not any("Pending" in roster.row_text(i) for i in range(roster.row_count)),
                    what="the request answered by the block")
        await until(pilot, lambda: notified(app, f"{SPAMMER} reported and blocked"), what="said so")
