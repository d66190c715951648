"""Selecting a message in the chat log and acting on it with one key, driven as a user does (keys pressed as a
terminal sends them, widgets read): Alt+Up selects, arrows move, Escape leaves; reply, react, retract,
moderate, correct, copy, open, details, report, go to the original. Keys that do not apply say why."""

from __future__ import annotations

from textual.pilot import Pilot

from tests.e2e.helpers import until
from tests.ui.fake_session import FIXED_TIME, FakeSession
from tests.ui.terminal_keys import press
from tests.ui.test_keys import BOB, README, ROOM, logged_in, make
from xmpptui.model.conversation import ChatMessage, ConversationKind, Direction, MessageKind, Reply
from xmpptui.model.events import ConversationOpened, MessageAdded, RoomChanged
from xmpptui.model.room import Occupant, Role, Room, RoomState
from xmpptui.ui.app import XmppTuiApp
from xmpptui.ui.chat import message_keys
from xmpptui.ui.chat.conversation_log import ConversationLog
from xmpptui.ui.chat.message_details import MessageDetails
from xmpptui.ui.chat.reactions import ReactionPicker, resolve
from xmpptui.ui.main.help import key_rows
from xmpptui.ui.shared.dialogs import ConfirmScreen, PromptScreen
from xmpptui.ui.shared.keymap import key_words

SIZE = (120, 36)
STRANGER = "mallory@example.net"


def add(session: FakeSession, jid: str, body: str, *, own: bool = False, id: str = "", minute: int = 0,
        kind: MessageKind = MessageKind.CHAT, sender: str = "", reply_to: Reply | None = None) -> ChatMessage:
    """A message in `jid`'s conversation as the session adds one (indexed by its id), then MessageAdded."""
    conversation, created = session.state.conversations.open(jid)
    if created:
        session.emit(ConversationOpened(jid, by_user=False))
    message = ChatMessage(jid, sender or (session.jid if own else jid), body, FIXED_TIME + 60 * minute,
                          Direction.OUT if own else Direction.IN, kind, id=id, reply_to=reply_to,
                          stanza_id=id if kind is MessageKind.GROUPCHAT else "")
    conversation.add(message)
    session.emit(MessageAdded(message))
    return message


async def in_chat(pilot: Pilot[None], app: XmppTuiApp, jid: str) -> ConversationLog:
    app.main_screen.switch_to(jid)
    log = app.main_screen.chat_log(jid)
    await until(pilot, lambda: app.main_screen.active == jid and log is not None and log.line_width > 0,
                what="the conversation on screen")
    assert log is not None
    return log


def notified(app: XmppTuiApp, words: str) -> bool:
    return any(words in str(notification.message) for notification in app._notifications)


async def selected(pilot: Pilot[None], app: XmppTuiApp, log: ConversationLog, message: ChatMessage) -> None:
    await until(pilot, lambda: log.selected is message and app.focused is log, what=f"{message.body!r} selected")


async def test_alt_up_selects_the_newest_arrows_move_escape_goes_back_to_the_composer() -> None:
    app, session = make()
    async with app.run_test(size=SIZE) as pilot:
        composer = await logged_in(pilot, app, session)
        first = add(session, BOB, "first", id="m1")
        second = add(session, BOB, "second", id="m2", minute=1)
        add(session, BOB, "is now offline", kind=MessageKind.NOTICE, minute=2)  # (a client line: stepped over)
        third = add(session, BOB, "third", id="m3", minute=3)
        log = await in_chat(pilot, app, BOB)
        await press(pilot, "alt+up")
        await selected(pilot, app, log, third)
        highlighted = [log.render_line(y) for y in range(log.size.height)]
        marked = [strip.text for strip in highlighted
                  if any(s.style and s.style.bgcolor and s.style.bgcolor.name == "grey27" for s in strip)]
        assert any("third" in line for line in marked) and not any("second" in line for line in marked)
        await press(pilot, "up")
        await selected(pilot, app, log, second)
        await press(pilot, "up", "up")
        await selected(pilot, app, log, first)  # (the oldest held: it stays)
        await press(pilot, "pagedown")
        await selected(pilot, app, log, third)
        await press(pilot, "pageup")
        await selected(pilot, app, log, first)
        await press(pilot, "down")
        await selected(pilot, app, log, second)
        newer = add(session, BOB, "a newer one", id="m4", minute=5)
        await until(pilot, lambda: any("a newer one" in line for line in log.plain_lines()), what="it arrived")
        assert log.selected is second, "the selection keeps its place as messages arrive"
        assert any("second" in log.render_line(y).text for y in range(log.size.height)), "and stays in view"
        await press(pilot, "escape")
        await until(pilot, lambda: app.focused is composer and log.selected is None, what="Escape: the composer")
        assert composer.text == "" and newer in session.state.conversations.get(BOB).messages


async def test_alt_up_with_nothing_to_select_says_so() -> None:
    app, session = make()
    async with app.run_test(size=SIZE) as pilot:
        composer = await logged_in(pilot, app, session)
        await press(pilot, "alt+up")
        await until(pilot, lambda: notified(app, "no conversation is open"), what="said in words")
        assert app.focused is composer


async def test_r_replies_enter_sends_the_reply_escape_cancels_it() -> None:
    app, session = make()
    async with app.run_test(size=SIZE) as pilot:
        composer = await logged_in(pilot, app, session)
        asked = add(session, BOB, "are you coming [b]tonight[/b]?", id="q1")
        log = await in_chat(pilot, app, BOB)
        await press(pilot, "alt+up")
        await selected(pilot, app, log, asked)
        await press(pilot, "r")
        await until(pilot, lambda: app.focused is composer and composer.replying, what="r: replying, in the composer")
        assert "replying to bob@example.org: are you coming [b]tonight[/b]?" in composer._border_title.plain
        await press(pilot, *"yes!", "enter")
        await until(pilot, lambda: ("reply", BOB, "q1", "yes!") in session.calls, what="sent as a reply")
        await until(pilot, lambda: composer.text == "" and not composer.replying, what="the composer is free again")
        await press(pilot, "alt+up", "r", *"draft")
        await until(pilot, lambda: composer.replying and composer.text == "draft")
        await press(pilot, "escape")
        await until(pilot, lambda: not composer.replying, what="Escape cancels the reply")
        assert composer.text == "draft", "what was typed stays"
        await press(pilot, "enter")
        await until(pilot, lambda: ("send_chat", (BOB, "draft")) in session.calls, what="a plain message now")


async def test_e_reacts_from_the_picker_and_choosing_it_again_takes_it_back() -> None:
    app, session = make()
    async with app.run_test(size=SIZE) as pilot:
        await logged_in(pilot, app, session)
        message = add(session, BOB, "we won", id="w1")
        log = await in_chat(pilot, app, BOB)
        await press(pilot, "alt+up", "e")
        await until(pilot, lambda: isinstance(app.screen, ReactionPicker), what="e: the picker")
        await press(pilot, "escape")
        await until(pilot, lambda: app.screen is app.main_screen and app.focused is log, what="cancelled")
        assert not any(call[0] == "react" for call in session.calls)
        await press(pilot, "e", "down", "enter")  # the second common choice
        await until(pilot, lambda: ("react", BOB, "w1", frozenset({"❤️"})) in session.calls, what="reacted")
        await until(pilot, lambda: any("❤️ 1" in line for line in log.plain_lines()), what="shown under it")
        await press(pilot, "e", *":tada:", "enter")
        await until(pilot, lambda: ("react", BOB, "w1", frozenset({"❤️", "🎉"})) in session.calls,
                    what="a :shortcode: adds to the set")
        await press(pilot, "e", *":nosuchcode:", "enter")
        picker = app.screen
        await until(pilot, lambda: "no shortcode :nosuchcode:" in str(picker.query_one("#reaction-error").render()),
                    what="an unknown shortcode is said in words")
        await press(pilot, "escape")
        await until(pilot, lambda: app.screen is app.main_screen)
        await press(pilot, "e", "enter")  # the recent one, first: 🎉, already ours
        await until(pilot, lambda: ("react", BOB, "w1", frozenset({"❤️"})) in session.calls and
                    message.reactions == {session.jid: frozenset({"❤️"})}, what="choosing ours again removes it")


def test_typed_reactions_are_one_emoji_or_a_shortcode() -> None:
    assert resolve(":+1:") == ("👍", "") and resolve(" 🎉 ") == ("🎉", "") and resolve("👍🏽") == ("👍🏽", "")
    assert resolve("hello")[1] and resolve("")[1] and resolve(":nope:")[1] and resolve("\x1b[31m")[1]


async def test_d_retracts_only_your_own_after_a_confirmation() -> None:
    app, session = make()
    async with app.run_test(size=SIZE) as pilot:
        await logged_in(pilot, app, session)
        theirs = add(session, BOB, "their words", id="t1")
        mine = add(session, BOB, "oops, wrong window", own=True, id="o1", minute=1)
        log = await in_chat(pilot, app, BOB)
        await press(pilot, "alt+up")
        await selected(pilot, app, log, mine)
        await press(pilot, "d")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="d asks first")
        await press(pilot, "escape")
        await until(pilot, lambda: app.screen is app.main_screen)
        assert not any(call[0] == "retract" for call in session.calls), "Escape refuses"
        await press(pilot, "delete")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="Delete asks too")
        await press(pilot, "y")
        await until(pilot, lambda: ("retract", BOB, "o1") in session.calls, what="retracted")
        await until(pilot, lambda: any("message retracted" in line for line in log.plain_lines()) and
                    not any("wrong window" in line for line in log.plain_lines()), what="its words replaced")
        await press(pilot, "up", "d")
        await selected(pilot, app, log, theirs)
        await until(pilot, lambda: notified(app, "only your own messages can be retracted"), what="said why")
        assert app.screen is app.main_screen


async def test_m_moderates_a_room_message_with_a_reason_when_we_are_a_moderator() -> None:
    app, session = make()
    async with app.run_test(size=SIZE) as pilot:
        await logged_in(pilot, app, session)
        room = session.state.rooms.add(Room(ROOM, "alice", state=RoomState.JOINED))
        room.occupants.update({"alice": Occupant("alice", Role.PARTICIPANT), "spammer": Occupant("spammer")})
        session.state.conversations.open(ROOM, ConversationKind.GROUPCHAT)
        session.emit(ConversationOpened(ROOM, by_user=False))
        session.emit(RoomChanged(ROOM))
        add(session, ROOM, "hello all", id="c1", kind=MessageKind.GROUPCHAT, sender="carol").occupant_id = "occ-c"
        spam = add(session, ROOM, "buy cheap pills", id="s1", kind=MessageKind.GROUPCHAT, sender="spammer", minute=1)
        spam.reactions = {"o:occ-c": frozenset({"👎"}), "o:occ-x": frozenset({"👎"}), "n:alice": frozenset({"🤔"})}
        room.occupant_id = ""
        log = await in_chat(pilot, app, ROOM)
        await press(pilot, "alt+up")
        await selected(pilot, app, log, spam)
        await press(pilot, "i")
        await until(pilot, lambda: isinstance(app.screen, MessageDetails), what="i: the details")
        text = app.screen.plain_text()
        assert "👎 by carol" in text and "👎 by occupant occ-x" in text and "🤔 by you" in text, text
        await press(pilot, "escape")
        await until(pilot, lambda: app.screen is app.main_screen)
        await press(pilot, "m")
        await until(pilot, lambda: notified(app, "you are not a moderator"), what="a participant is told why")
        room.occupants["alice"] = Occupant("alice", Role.MODERATOR)
        await press(pilot, "m")
        await until(pilot, lambda: isinstance(app.screen, PromptScreen), what="m: the reason")
        await press(pilot, *"spam", "enter")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="then asks")
        await press(pilot, "enter")
        await until(pilot, lambda: ("moderate", ROOM, "s1", "spam") in session.calls, what="removed")
        await until(pilot, lambda: any("removed by a moderator (spam)" in line for line in log.plain_lines()))


async def test_c_corrects_your_latest_y_copies_o_opens_its_link() -> None:
    app, session = make()
    async with app.run_test(size=SIZE) as pilot:
        composer = await logged_in(pilot, app, session)
        older = add(session, BOB, "an older one of mine", own=True, id="o1")
        theirs = add(session, BOB, "join us: xmpp:carol@example.org", id="l1", minute=1)
        latest = add(session, BOB, "teh latest", own=True, id="o2", minute=2)
        log = await in_chat(pilot, app, BOB)
        await press(pilot, "alt+up", "up", "up")
        await selected(pilot, app, log, older)
        await press(pilot, "c")
        await until(pilot, lambda: notified(app, "only your latest message can be corrected"), what="said why")
        await press(pilot, "down", "y")
        await selected(pilot, app, log, theirs)
        await until(pilot, lambda: app.clipboard == "join us: xmpp:carol@example.org", what="y copies the text")
        await press(pilot, "o")
        await until(pilot, lambda: ("open_conversation", "carol@example.org") in session.calls, what="o opens its link")
        await until(pilot, lambda: app.main_screen.active == "carol@example.org" and log.selected is None,
                    what="the chat it names, on screen; the selection left behind")
        log = await in_chat(pilot, app, BOB)
        await press(pilot, "alt+up")
        await selected(pilot, app, log, latest)
        await press(pilot, "c")
        await until(pilot, lambda: app.focused is composer and composer.correcting and composer.text == "teh latest",
                    what="c: corrected in the composer")


async def test_i_shows_the_details_g_goes_to_the_original() -> None:
    app, session = make()
    async with app.run_test(size=SIZE) as pilot:
        await logged_in(pilot, app, session)
        original = add(session, BOB, "shall we?", own=True, id="o1")
        answer = add(session, BOB, "yes", id="a1", minute=1, reply_to=Reply("o1", session.jid, "shall we?"))
        answer.reactions = {session.jid: frozenset({"👍"}), "carol@example.org": frozenset({"👍", "🎉"})}
        log = await in_chat(pilot, app, BOB)
        assert any("↱ me: shall we?" in line for line in log.plain_lines()), "the quote line above the reply"
        assert any("👍 2  🎉 1" in line for line in log.plain_lines()), "reactions aggregated under it"
        await press(pilot, "alt+up", "i")
        await until(pilot, lambda: isinstance(app.screen, MessageDetails), what="i: the details")
        text = app.screen.plain_text()
        assert "id: a1" in text and "answers: alice@example.org (id o1)" in text
        assert "reaction: 👍 by you" in text and "reaction: 🎉 👍 by carol@example.org" in text
        await press(pilot, "escape")
        await until(pilot, lambda: app.screen is app.main_screen)
        await press(pilot, "g")
        await selected(pilot, app, log, original)
        await press(pilot, "g")
        await until(pilot, lambda: notified(app, "not a reply"), what="g on a message that answers nothing")
        orphan = add(session, BOB, "me too", id="a2", minute=2, reply_to=Reply("long-gone", BOB, "an old one"))
        await press(pilot, "escape", "alt+up")
        await selected(pilot, app, log, orphan)
        await press(pilot, "g")
        await until(pilot, lambda: notified(app, "nothing older exists") and ("load_older", BOB) in session.calls,
                    what="not held: older history asked for, and none found said")
        assert log.selected is orphan


async def test_report_a_strangers_message_and_block_them_in_one_step() -> None:
    app, session = make()
    async with app.run_test(size=SIZE) as pilot:
        await logged_in(pilot, app, session)
        spam = add(session, STRANGER, "cheap pills here", id="x1")
        contact = add(session, BOB, "hi", id="b1")
        log = await in_chat(pilot, app, BOB)
        await press(pilot, "alt+up")
        await selected(pilot, app, log, contact)
        await press(pilot, "exclamation_mark")
        await until(pilot, lambda: notified(app, "is in your contacts"), what="a contact is not reported")
        await press(pilot, "escape")
        log = await in_chat(pilot, app, STRANGER)
        await press(pilot, "alt+up")
        await selected(pilot, app, log, spam)
        await press(pilot, "exclamation_mark")
        await until(pilot, lambda: isinstance(app.screen, PromptScreen), what="!: spam or abuse")
        await press(pilot, *"spam pills ad", "enter")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="then asks")
        await press(pilot, "escape")
        await until(pilot, lambda: app.screen is app.main_screen)
        assert not any(call[0] == "report" for call in session.calls), "Escape refuses"
        await press(pilot, "exclamation_mark", *"abuse threats", "enter", "y")
        await until(pilot, lambda: ("report", STRANGER, "abuse", "threats") in session.calls, what="reported")
        assert STRANGER in session.state.blocked


def test_the_readme_table_of_a_selected_messages_keys_is_the_bindings() -> None:
    section = README.read_text(encoding="utf-8").split("### Messages: reply, react, retract\n", 1)[1]
    rows = [line for line in section.split("\n### ", 1)[0].splitlines()
            if line.startswith("| ") and not line.startswith(("| key", "| ---"))]
    documented: dict[str, str] = {}
    for row in rows:
        keys_column, ids_column = (cell.strip(" |`") for cell in row.split(" | ")[:2])
        ids = [binding_id.strip("`") for binding_id in ids_column.split(", ")]
        shown = keys_column.split(" / ") if len(ids) > 1 else [keys_column]
        documented.update(zip(ids, shown, strict=True))
    assert documented == {str(b.id): key_words(b.key) for b in message_keys.BINDINGS}


def test_the_help_lists_a_selected_messages_keys() -> None:
    rows = {binding_id: (shown, description) for binding_id, shown, description in key_rows([], {})}
    assert rows["reply_to_message"] == ("r", "Reply to the selected message")
    assert rows["select_message"][0] == "Alt+Up" and rows["report_message"][0] == "!"


async def test_a_selection_far_up_a_long_log_stays_in_view_while_messages_arrive() -> None:
    app, session = make()
    async with app.run_test(size=SIZE) as pilot:
        await logged_in(pilot, app, session)
        messages = [add(session, BOB, f"message number {n}", id=f"n{n}", minute=n) for n in range(80)]
        log = await in_chat(pilot, app, BOB)
        await press(pilot, "alt+up", *["up"] * 50)
        await selected(pilot, app, log, messages[29])

        def in_view() -> bool:
            return any("message number 29" in log.render_line(y).text for y in range(log.size.height))

        assert in_view() and log.scroll_y < log.max_scroll_y, "scrolled up to it"
        for n in range(80, 100):
            add(session, BOB, f"message number {n}", id=f"n{n}", minute=n)
        await until(pilot, lambda: log.line_count > 0 and len(log.plain_lines()) > 100, what="they arrived")
        await pilot.pause()
        assert log.selected is messages[29] and in_view(), "the view did not follow the new messages"
        await press(pilot, "escape")
        await until(pilot, lambda: any("message number 99" in log.render_line(y).text for y in range(log.size.height)),
                    what="leaving the selection shows the newest again")
