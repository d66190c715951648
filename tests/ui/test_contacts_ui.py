"""Contact management keys, dialogs and commands against a scripted session: what each asks the session
for, and what the roster shows."""

from __future__ import annotations

from textual.widgets import Input

from tests.e2e.helpers import until
from tests.ui.fake_session import FakeSession
from tests.ui.test_app_ui import CONTACTS, Factory, make
from xmpptui.model.presence import Presence, Show
from xmpptui.model.roster import Contact, Subscription
from xmpptui.ui.contacts.blocked import BlockedScreen
from xmpptui.ui.contacts.details import ContactDetailsScreen
from xmpptui.ui.contacts.forms import AddContactScreen, AnswerRequestScreen
from xmpptui.ui.shared.dialogs import ConfirmScreen, PromptScreen

SIZE = (120, 36)


def _rows(app) -> list[str]:
    roster = app.main_screen.roster
    return [roster.row_text(i) for i in range(roster.row_count)]


async def _started(pilot, factory) -> None:
    await until(pilot, lambda: ("start", None) in factory.session.calls, what="session started")
    await pilot.pause()


async def test_a_request_shows_on_top_and_block_from_the_answer_dialog() -> None:
    app, factory = make()
    async with app.run_test(size=SIZE) as pilot:
        await _started(pilot, factory)
        factory.session.request("eve@example.org", nick="Eve")
        await until(pilot, lambda: _rows(app)[0].startswith("▾ Pending requests (1)"), what="requests section")
        assert _rows(app)[1] == "  ✉ eve@example.org (Eve) asks to see your presence"
        await pilot.press("ctrl+r", *"eve", "enter")
        await until(pilot, lambda: isinstance(app.screen, AnswerRequestScreen), what="answer dialog")
        await pilot.press("b")
        await until(pilot, lambda: ("block", "eve@example.org") in factory.session.calls, what="block")
        await until(pilot, lambda: not any("Pending" in row for row in _rows(app)), what="section gone")


async def test_accepting_a_request_from_a_contact_keeps_its_name_and_groups() -> None:
    """The add-back dialog rewrites the whole roster item: what it does not show pre-filled, Enter drops."""
    factory = Factory(FakeSession(contacts=[*CONTACTS, Contact("dave@example.org", "Dave", ("Work", "Old friends"),
                                                                   Subscription.TO)]))
    app, _ = make(factory=factory)
    async with app.run_test(size=SIZE) as pilot:
        await _started(pilot, factory)
        factory.session.request("dave@example.org", nick="D")
        await until(pilot, lambda: _rows(app)[0].startswith("▾ Pending requests (1)"), what="requests section")
        await pilot.press("ctrl+r", *"dave", "enter")
        await until(pilot, lambda: isinstance(app.screen, AnswerRequestScreen), what="answer dialog")
        await pilot.press("a")
        await until(pilot, lambda: isinstance(app.screen, AddContactScreen), what="add-back dialog")
        assert app.screen.query_one("#contact-name", Input).value == "Dave"
        assert app.screen.query_one("#contact-groups", Input).value == "Work, Old friends"
        await pilot.press("enter")
        await until(pilot, lambda: any(c[0] == "add_contact" for c in factory.session.calls), what="added back")
        assert ("authorize", "dave@example.org") in factory.session.calls
        assert ("add_contact", ("dave@example.org", "Dave", ("Work", "Old friends"), False)) in factory.session.calls


async def test_add_dialog_validates_and_sends_name_groups_and_subscribe() -> None:
    app, factory = make()
    async with app.run_test(size=SIZE) as pilot:
        await _started(pilot, factory)
        await pilot.press(*"/add", "enter")
        await until(pilot, lambda: isinstance(app.screen, AddContactScreen), what="add dialog")
        await pilot.press(*"not a jid", "enter")
        assert "not a JID" in str(app.screen.query_one("#contact-error").render())
        await pilot.press(*("backspace",) * 9, *"dave@example.org", "tab", *"Dave", "tab", *"Work, Friends", "enter")
        await until(pilot, lambda: any(c[0] == "add_contact" for c in factory.session.calls), what="add")
        assert ("add_contact", ("dave@example.org", "Dave", ("Work", "Friends"), True)) in factory.session.calls
        await until(pilot, lambda: any("Dave" in row and "waiting for approval" in row for row in _rows(app)))


async def test_roster_keys_rename_regroup_remove_and_details() -> None:
    app, factory = make()
    async with app.run_test(size=SIZE) as pilot:
        await _started(pilot, factory)
        await pilot.press("ctrl+r", *"bob", "alt+g")
        await until(pilot, lambda: isinstance(app.screen, PromptScreen), what="groups prompt")
        await pilot.press("end", *", Family", "enter")
        await until(pilot, lambda: ("update_contact", ("bob@example.org", None, ("Friends", "Family")))
                    in factory.session.calls, what="groups set")
        await pilot.press("delete")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="confirmation")
        await pilot.press("enter")
        await until(pilot, lambda: ("remove_contact", "bob@example.org") in factory.session.calls, what="removed")
        await pilot.press("escape", "alt+i")  # the filter is cleared; the cursor is on Carol
        await until(pilot, lambda: isinstance(app.screen, ContactDetailsScreen), what="details")
        assert "subscription: both" in app.screen.plain_text()
        await pilot.press("u")
        await until(pilot, lambda: ("unsubscribe", "carol@example.org") in factory.session.calls)


async def test_contact_commands_check_their_arguments_in_words() -> None:
    app, factory = make()
    async with app.run_test(size=SIZE) as pilot:
        await _started(pilot, factory)
        for typed, words in (("/rename", "a JID is needed"), ("/authorize nodomain", "not a JID: 'nodomain'"),
                             ("/presence bob@example.org", "usage: /presence JID")):
            await pilot.press(*typed, "enter")
            await until(pilot, lambda w=words: any(w in str(n.message) for n in app._notifications), what=words)
            assert app.main_screen.composer.text == typed, "nothing lost"
            app.main_screen.composer.clear()
        await pilot.press(*"/presence bob@example.org dnd busy", "enter")
        await until(pilot, lambda: ("send_directed_presence", ("bob@example.org", Presence(Show.DND, "busy")))
                    in factory.session.calls, what="directed presence")
        await pilot.press(*"/block carol@example.org", "enter")
        await until(pilot, lambda: any("⊗ blocked" in row for row in _rows(app)), what="blocked mark")
        await pilot.press(*"/blocked", "enter")
        await until(pilot, lambda: isinstance(app.screen, BlockedScreen), what="block list")
        await pilot.press("u")
        await until(pilot, lambda: ("unblock", "carol@example.org") in factory.session.calls, what="unblocked")
        await until(pilot, lambda: "nobody is blocked" in str(app.screen.query_one("#blocked-list")
                                                               .get_option_at_index(0).prompt))
