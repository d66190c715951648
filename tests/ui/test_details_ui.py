"""The last pieces of acting on a selected message, driven as a user does: the details (`i`) show when a delayed
message was sent and when it reached us, and the texts a correction replaced; a pending subscription request is
reported and blocked in one step; `g` on a reply whose original is not held pages older history in until it is."""

from __future__ import annotations

import asyncio
import time

from textual.widgets import Static

from tests.e2e.helpers import until
from tests.ui.fake_session import FIXED_TIME, FakeSession
from tests.ui.terminal_keys import press
from tests.ui.test_keys import BOB, logged_in, make
from tests.ui.test_selection_ui import SIZE, add, in_chat, notified, selected
from xmpptui.model.conversation import ChatMessage, Direction, Reply
from xmpptui.model.events import MessageAdded
from xmpptui.ui.chat.message_details import MessageDetails
from xmpptui.ui.chat.original_finder import FindingOriginal
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


PAGE = 30


def older_history(session: FakeSession, pages: int, original: ChatMessage | None) -> None:
    """`pages` pages of PAGE of Bob's older messages, `original` the newest of the oldest page (so that once it is
    selected in the middle of the view, the log is not at its top: that would page older history in by itself),
    paged in one step at a time (the test releases `session.older_steps` once a page)."""
    start = FIXED_TIME - 86_400
    history = [ChatMessage(BOB, BOB, f"older {n}", start + 60 * n, id=f"old{n}") for n in range(pages * PAGE)]
    if original is not None:
        history[PAGE - 1] = original
    session.older_pages[BOB] = [history[page * PAGE:(page + 1) * PAGE] for page in range(pages)]
    session.older_steps = asyncio.Semaphore(0)


async def test_g_pages_older_history_in_until_the_original_is_held_then_selects_it() -> None:
    app, session = make()
    async with app.run_test(size=SIZE) as pilot:
        await logged_in(pilot, app, session)
        original = ChatMessage(BOB, BOB, "the plan, four pages back", FIXED_TIME - 86_400 + 60 * (PAGE - 1), id="o1")
        older_history(session, 4, original)
        reply = add(session, BOB, "yes, that plan", id="a1", reply_to=Reply("o1", BOB, "the plan, four pages back"))
        log = await in_chat(pilot, app, BOB)
        await press(pilot, "alt+up")
        await selected(pilot, app, log, reply)
        await press(pilot, "g")
        await until(pilot, lambda: isinstance(app.screen, FindingOriginal), what="g: looking, in a dialog")
        assert "the plan, four pages back" in app.screen.query_one("#finding-quote", Static).render().plain
        for page in (1, 2, 3):
            session.older_steps.release()  # type: ignore[union-attr]
            words = f"{page} page{'s' if page > 1 else ''} of older history read, {1 + PAGE * page} messages held"
            await until(pilot, lambda words=words: isinstance(app.screen, FindingOriginal)  # type: ignore[misc]
                        and words in app.screen.progress_text(), what=f"progress after page {page}")
        session.older_steps.release()  # type: ignore[union-attr]
        await until(pilot, lambda: app.screen is app.main_screen and log.selected is original,
                    what="the original paged in and selected")
        assert session.calls.count(("load_older", BOB)) == 4, "no page more than needed"
        assert any("the plan, four pages back" in line for line in log.plain_lines())
        visible = [log.render_line(y).text for y in range(log.size.height)]
        assert any("the plan, four pages back" in line for line in visible), "scrolled into view"


async def test_escape_stops_looking_for_the_original_and_keeps_what_was_paged_in() -> None:
    app, session = make()
    async with app.run_test(size=SIZE) as pilot:
        await logged_in(pilot, app, session)
        older_history(session, 5, None)
        reply = add(session, BOB, "that one?", id="a1", reply_to=Reply("long-gone", BOB, "an old one"))
        log = await in_chat(pilot, app, BOB)
        await press(pilot, "alt+up", "g")
        await until(pilot, lambda: isinstance(app.screen, FindingOriginal), what="g: looking")
        session.older_steps.release()  # type: ignore[union-attr]
        await until(pilot, lambda: "1 page of older history read" in app.screen.progress_text(),  # type: ignore[attr-defined]
                    what="one page read")
        await press(pilot, "escape")
        await until(pilot, lambda: app.screen is app.main_screen, what="Escape closes the dialog")
        session.older_steps.release()  # type: ignore[union-attr]  (the page asked for before Escape comes)
        await until(pilot, lambda: notified(app, "stopped looking for the message it answers"), what="said so")
        conversation = session.state.conversations.get(BOB)
        assert conversation is not None and len(conversation.messages) == 1 + 2 * PAGE, "what was paged in stays"
        assert session.calls.count(("load_older", BOB)) == 2, "no page asked for after Escape"
        assert log.selected is reply


async def test_g_gives_up_after_pages_that_bring_nothing_and_says_so() -> None:
    app, session = make()
    async with app.run_test(size=SIZE) as pilot:
        await logged_in(pilot, app, session)
        session.older_pages[BOB] = [[], [], [], [], []]  # (pages of reactions only: nothing older to show)
        reply = add(session, BOB, "that one?", id="a1", reply_to=Reply("long-gone", BOB, "an old one"))
        log = await in_chat(pilot, app, BOB)
        await press(pilot, "alt+up", "g")
        await until(pilot, lambda: notified(app, "the last 3 pages asked for brought no older message"),
                    what="gave up, in words")
        assert app.screen is app.main_screen and log.selected is reply
        assert session.calls.count(("load_older", BOB)) == 3
