"""Room UI against a scripted session: the join dialog, commands routed to the room, hidden join noise,
the occupant pane and subject line."""

from __future__ import annotations

import pytest

from tests.e2e.helpers import until
from tests.ui.fake_session import FIXED_TIME, FakeSession
from xmpptui.config import Account, Config, UiConfig
from xmpptui.model.conversation import ChatMessage, ConversationKind, MessageKind
from xmpptui.model.events import ConversationOpened, MessageAdded, RoomChanged
from xmpptui.model.forms import DataForm, FieldType, FormField, FormOption
from xmpptui.model.room import Affiliation, Occupant, Role, Room, RoomState
from xmpptui.passwords import Secret
from xmpptui.ui.app import XmppTuiApp
from xmpptui.ui.rooms.join import JoinRoomScreen
from xmpptui.ui.rooms.occupant_list import OccupantList
from xmpptui.ui.shared.dialogs import ConfirmScreen

SIZE = (120, 36)
ROOM = "lounge@conference.example.org"


def make(ui: UiConfig | None = None) -> tuple[XmppTuiApp, FakeSession]:
    session = FakeSession()
    app = XmppTuiApp(Config(ui=ui or UiConfig()), Account(jid="alice@example.org"), lambda _a, _p: session,
                     password_resolver=lambda _a: Secret("pw"), save_accounts=False)
    return app, session


def enter_room(session: FakeSession) -> None:
    """Script the session's side of a successful join, with two lines in the log."""
    room = session.state.rooms.add(Room(ROOM, "alice", state=RoomState.JOINED, subject="[b]Release[/b] day"))
    room.occupants.update({"bob": Occupant("bob", Role.MODERATOR, Affiliation.OWNER),
                           "alice": Occupant("alice"), "vic": Occupant("vic", Role.VISITOR)})
    conversation, _ = session.state.conversations.open(ROOM, ConversationKind.GROUPCHAT)
    session.emit(ConversationOpened(ROOM, by_user=True))
    for body, kind in (("carol joined", MessageKind.OCCUPANT), ("hello all", MessageKind.GROUPCHAT)):
        message = ChatMessage(ROOM, "bob" if kind is MessageKind.GROUPCHAT else "", body, FIXED_TIME, kind=kind)
        conversation.add(message)
        session.emit(MessageAdded(message))
    session.emit(RoomChanged(ROOM))


async def test_join_dialog_and_commands_go_to_the_room() -> None:
    app, session = make()
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: ("start", None) in session.calls)
        await pilot.press("alt+j")
        await until(pilot, lambda: isinstance(app.screen, JoinRoomScreen))
        await pilot.press(*"not-a-room", "enter")
        assert isinstance(app.screen, JoinRoomScreen), "a bad address is refused in the dialog"
        app.screen.query_one("#join-room").value = ROOM
        await pilot.press("tab", *"Al", "tab", *"pw", "enter")
        await until(pilot, lambda: ("join_room", (f"{ROOM}/Al", "pw")) in session.calls)

        enter_room(session)
        await until(pilot, lambda: app.main_screen.active == ROOM)
        for text in ("hi all", "/me waves", "/msg bob psst", "/subject New", "/kick vic bye", "/nick Al2",
                     "/role vic participant", "/part gone"):
            await pilot.press(*text, "enter")
            await pilot.pause()
        await until(pilot, lambda: ("leave_room", (ROOM, "gone")) in session.calls)
        assert [call for call in session.calls if call[0] not in ("start", "join_room", "room_exists", "typing")] == [
            ("send_groupchat", (ROOM, "hi all")),
            ("send_groupchat", (ROOM, "/me waves")),
            ("send_private", (f"{ROOM}/bob", "psst")),
            ("set_subject", (ROOM, "New")),
            ("kick", (ROOM, "vic", "bye")),
            ("change_nick", (ROOM, "Al2")),
            ("set_role", (ROOM, "vic", Role.PARTICIPANT)),
            ("leave_room", (ROOM, "gone")),
        ]


async def test_subject_occupants_and_hidden_joins() -> None:
    app, session = make(UiConfig(show_joins=False))
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: ("start", None) in session.calls)
        enter_room(session)
        await until(pilot, lambda: app.main_screen.active == ROOM)
        await pilot.pause()
        screen = app.main_screen
        assert "[b]Release[/b] day" in str(screen.query_one("#room-subject").render()), "subject as plain text"
        occupants = screen.occupant_list_text()
        assert occupants.index("Moderators (1)") < occupants.index("Participants (1)") < occupants.index("Visitors")
        assert "~bob" in occupants
        lines = "\n".join(screen.chat_log(ROOM).plain_lines())
        assert "hello all" in lines and "carol joined" not in lines, "join noise hidden by [ui] show_joins"
        await pilot.press("ctrl+o")
        assert not screen.query_one("#occupant-pane").display
        await pilot.press("ctrl+o")
        assert screen.query_one("#occupant-pane").display


async def test_occupants_coming_and_going_leave_the_subject_line_alone() -> None:
    """The subject line is rewritten only when what it says changed, and never asks for a layout of the whole
    screen (one row high whatever it says): it did with every batch of presences, 200 of them on joining a big
    room (#20). A new subject is shown."""
    from textual.widgets import Static

    app, session = make()
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: ("start", None) in session.calls)
        enter_room(session)
        await until(pilot, lambda: app.main_screen.active == ROOM)
        await pilot.pause()
        line = app.main_screen.query_one("#room-subject", Static)
        updates: list[bool] = []
        update = line.update

        def counted(content: object = "", *, layout: bool = True) -> None:
            updates.append(layout)
            update(content, layout=layout)  # type: ignore[arg-type]

        line.update = counted  # type: ignore[method-assign]
        room = session.state.rooms.get(ROOM)
        assert room is not None
        for n in range(5):
            room.occupants[f"guest{n}"] = Occupant(f"guest{n}")
            session.emit(RoomChanged(ROOM))
            await until(pilot, lambda n=n: f"guest{n}" in app.main_screen.occupant_list_text(), what="an occupant")
        assert updates == [], "the subject line untouched by occupants"
        room.subject = "Planning day"
        session.emit(RoomChanged(ROOM))
        await until(pilot, lambda: "Planning day" in str(line.render()), what="the new subject")
        assert updates == [False], "rewritten once, without a layout"


async def test_occupant_list_actions_by_key() -> None:
    app, session = make()
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: ("start", None) in session.calls)
        enter_room(session)
        await until(pilot, lambda: app.main_screen.active == ROOM)
        await pilot.press("alt+o")
        occupants = app.main_screen.query_one(OccupantList)
        assert occupants.has_focus and occupants.cursor == "bob"
        await pilot.press("enter")
        await until(pilot, lambda: ("open_private", (ROOM, "bob")) in session.calls)
        await pilot.press("alt+o", "down", "down")
        assert occupants.cursor == "vic"
        await pilot.press("v")
        await until(pilot, lambda: ("set_role", (ROOM, "vic", Role.PARTICIPANT)) in session.calls)
        await pilot.press("k")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("escape")
        await pilot.press("k", "y")
        await until(pilot, lambda: ("kick", (ROOM, "vic", "")) in session.calls)
        assert [call for call in session.calls if call[0] == "kick"] == [("kick", (ROOM, "vic", ""))], \
            "refusing the confirmation kicks nobody"


async def test_bookmarks_listed_to_join() -> None:
    from xmpptui.model.room import Bookmark
    from xmpptui.ui.rooms.picker import RoomPickerScreen

    app, session = make()
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: ("start", None) in session.calls)
        await pilot.press(*"/bookmarks", "enter")
        assert not isinstance(app.screen, RoomPickerScreen), "none yet: said in words"
        session.state.rooms.bookmarks[ROOM] = Bookmark(ROOM, "Lounge", "Al", "pw", autojoin=True)
        app.main_screen.composer.clear()
        await pilot.press(*"/bookmarks", "enter")
        await until(pilot, lambda: isinstance(app.screen, RoomPickerScreen))
        await pilot.press("enter")
        await until(pilot, lambda: ("join_room", (f"{ROOM}/Al", "pw")) in session.calls)


async def test_tab_completes_nicks_in_a_room() -> None:
    app, session = make()
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: ("start", None) in session.calls)
        room = session.state.rooms.add(Room(ROOM, "alice", state=RoomState.JOINED))
        room.occupants.update({nick: Occupant(nick) for nick in ("bob", "Bobby", "carol")})
        session.state.conversations.open(ROOM, ConversationKind.GROUPCHAT)
        session.emit(ConversationOpened(ROOM, by_user=True))
        await until(pilot, lambda: app.main_screen.active == ROOM)
        composer = app.main_screen.composer
        await pilot.press("b", "o", "tab")
        assert composer.text == "bob: "
        await pilot.press("tab")
        assert composer.text == "Bobby: ", "Tab again: the next match"
        await pilot.press(*"hi ca", "tab")
        assert composer.text == "Bobby: hi carol "
        await pilot.press("enter")
        await until(pilot, lambda: ("send_groupchat", (ROOM, "Bobby: hi carol ")) in session.calls)
        await until(pilot, lambda: composer.text == "")
        await pilot.press("c", "tab")
        assert composer.text == "carol: ", "still completes after a message was sent (the composer was cleared)"


async def test_a_mention_in_another_conversation_is_notified() -> None:
    app, session = make()
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: ("start", None) in session.calls)
        enter_room(session)
        session.open_conversation("bob@example.org")
        await until(pilot, lambda: app.main_screen.active == "bob@example.org")
        conversation = session.state.conversations.get(ROOM)
        said = ChatMessage(ROOM, "bob", "alice: [b]look[/b]", FIXED_TIME, kind=MessageKind.GROUPCHAT, mention=True)
        conversation.add(said)
        session.emit(MessageAdded(said))
        await until(pilot, lambda: any("bob in lounge: alice: [b]look[/b]" in str(n.message)
                                       for n in app._notifications))


async def test_joining_a_missing_room_asks_first() -> None:
    app, session = make()
    session.missing_rooms.add(ROOM)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: ("start", None) in session.calls)
        await pilot.press(*f"/join {ROOM}/Al", "enter")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await until(pilot, lambda: ("join_room", (f"{ROOM}/Al", "")) in session.calls)
        await until(pilot, lambda: app.main_screen.composer.text == "")


def room_form() -> DataForm:
    return DataForm("Configuration for the lounge", "Complete and submit this form.", (
        FormField("FORM_TYPE", FieldType.HIDDEN, values=("http://jabber.org/protocol/muc#roomconfig",)),
        FormField("", FieldType.FIXED, values=("[red]General[/red]",)),
        FormField("muc#roomconfig_roomname", label="[b]Title[/b]", values=("Lounge",)),
        FormField("muc#roomconfig_roomsecret", FieldType.TEXT_PRIVATE, "Password"),
        FormField("muc#roomconfig_membersonly", FieldType.BOOLEAN, "[@click=app.quit]Only[/] members", values=("0",)),
        FormField("muc#roomconfig_whois", FieldType.LIST_SINGLE, "Who sees addresses", values=("moderators",),
                  options=(FormOption("moderators", "Moderators only"), FormOption("anyone", "[i]Anyone[/i]"))),
        FormField("muc#roomconfig_presencebroadcast", FieldType.LIST_MULTI, "Presence of", values=("moderator",),
                  options=(FormOption("moderator"), FormOption("participant"), FormOption("visitor"))),
        FormField("muc#roomconfig_roomadmins", FieldType.JID_MULTI, "Admins"),
        FormField("muc#roomconfig_roomdesc", FieldType.TEXT_MULTI, "Description", values=("one", "two")),
    ))


async def test_the_configuration_form_edits_every_kind_of_field_and_submits_them() -> None:
    from textual.widgets import Checkbox, Input, Label, Select, SelectionList, Static, TextArea

    from xmpptui.ui.rooms.room_config import RoomConfigScreen

    app, session = make()
    session.room_form = room_form()
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: ("start", None) in session.calls)
        enter_room(session)
        await until(pilot, lambda: app.main_screen.active == ROOM)
        await pilot.press(*"/configure", "enter")
        await until(pilot, lambda: isinstance(app.screen, RoomConfigScreen))
        dialog = app.screen
        await pilot.pause()
        texts = [str(w.render()) for w in dialog.query(Label)] + [str(w.render()) for w in dialog.query(Static)]
        assert any("[b]Title[/b]" in t for t in texts) and any("[red]General[/red]" in t for t in texts), \
            "the room's labels are plain text, not markup"
        assert dialog.widget_for("FORM_TYPE") is None, "hidden fields are not shown"
        name, secret = dialog.widget_for("muc#roomconfig_roomname"), dialog.widget_for("muc#roomconfig_roomsecret")
        assert isinstance(name, Input) and name.value == "Lounge"
        assert isinstance(secret, Input) and secret.password
        name.value = "Den"
        secret.value = "s3cret"
        members = dialog.widget_for("muc#roomconfig_membersonly")
        assert isinstance(members, Checkbox) and not members.value
        assert "[@click=app.quit]Only[/] members" in str(members.label), "a box's label is plain text too"
        members.value = True
        whois = dialog.widget_for("muc#roomconfig_whois")
        assert isinstance(whois, Select) and whois.value == "moderators"
        whois.value = "anyone"
        broadcast = dialog.widget_for("muc#roomconfig_presencebroadcast")
        assert isinstance(broadcast, SelectionList) and broadcast.selected == ["moderator"]
        broadcast.select("visitor")
        admins, desc = dialog.widget_for("muc#roomconfig_roomadmins"), dialog.widget_for("muc#roomconfig_roomdesc")
        assert isinstance(admins, TextArea) and isinstance(desc, TextArea) and desc.text == "one\ntwo"
        admins.text = "bob@example.org\n\n carol@example.org "
        await pilot.press("ctrl+s")
        await until(pilot, lambda: any(c[0] == "configure_room" for c in session.calls))
        (_, (room, sent)), = [c for c in session.calls if c[0] == "configure_room"]
        assert room == ROOM and isinstance(sent, DataForm)
        assert {f.var: f.values for f in sent.fields} == {
            "FORM_TYPE": ("http://jabber.org/protocol/muc#roomconfig",),
            "": ("[red]General[/red]",),
            "muc#roomconfig_roomname": ("Den",),
            "muc#roomconfig_roomsecret": ("s3cret",),
            "muc#roomconfig_membersonly": ("1",),
            "muc#roomconfig_whois": ("anyone",),
            "muc#roomconfig_presencebroadcast": ("moderator", "visitor"),
            "muc#roomconfig_roomadmins": ("bob@example.org", "carol@example.org"),
            "muc#roomconfig_roomdesc": ("one", "two"),
        }
        assert not isinstance(app.screen, RoomConfigScreen)

        app.main_screen.composer.clear()
        await pilot.press(*"/config", "enter")
        await until(pilot, lambda: isinstance(app.screen, RoomConfigScreen))
        await pilot.press("escape")
        await until(pilot, lambda: ("configure_room", (ROOM, None)) in session.calls, what="Escape cancels")


async def test_configuring_a_room_we_do_not_own_is_refused_in_words() -> None:
    from xmpptui.ui.rooms.room_config import RoomConfigScreen

    app, session = make()
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: ("start", None) in session.calls)
        await pilot.press(*"/configure", "enter")
        assert any("this is not a room" in str(n.message) for n in app._notifications)
        app.main_screen.composer.clear()
        enter_room(session)
        await until(pilot, lambda: app.main_screen.active == ROOM)
        await pilot.press(*"/configure", "enter")
        await until(pilot, lambda: any(f"you are not allowed to configure {ROOM}" in str(n.message)
                                       for n in app._notifications))
        assert not isinstance(app.screen, RoomConfigScreen) and app.is_running


async def test_bookmarks_in_the_roster_pane_join_or_show_their_room() -> None:
    from tests.e2e.helpers import roster_rows
    from xmpptui.model.events import BookmarksChanged
    from xmpptui.model.room import Bookmark

    den = "den@conference.example.org"
    app, session = make()
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: ("start", None) in session.calls)
        session.state.rooms.bookmarks.update({ROOM: Bookmark(ROOM, "Lounge", "Al", "pw", autojoin=True),
                                              den: Bookmark(den)})
        session.emit(BookmarksChanged())
        await until(pilot, lambda: "▾ Bookmarks (0/2)" in roster_rows(app))
        assert roster_rows(app)[:3] == ["▾ Bookmarks (0/2)", f"  # {den}", f"  # Lounge · autojoin {ROOM}"]
        await pilot.press("ctrl+r", "home", "down", "down")
        assert app.main_screen.roster.selected_room == ROOM
        await pilot.press("enter")
        await until(pilot, lambda: ("join_room", (f"{ROOM}/Al", "pw")) in session.calls)

        enter_room(session)  # the room answers: we are in
        await until(pilot, lambda: roster_rows(app)[0] == "▾ Bookmarks (1/2)")
        assert roster_rows(app)[2] == f"  # Lounge · joined · autojoin {ROOM}"
        session.open_conversation("bob@example.org")
        await until(pilot, lambda: app.main_screen.active == "bob@example.org")
        joins = len([c for c in session.calls if c[0] == "join_room"])
        await pilot.press("ctrl+r", "home", "down", "down", "enter")
        await until(pilot, lambda: app.main_screen.active == ROOM)
        assert len([c for c in session.calls if c[0] == "join_room"]) == joins, "in the room: shown, not rejoined"
        assert app.main_screen.composer.has_focus

        del session.state.rooms.bookmarks[den]
        session.emit(BookmarksChanged())
        await until(pilot, lambda: roster_rows(app)[0] == "▾ Bookmarks (1/1)")


@pytest.mark.parametrize(("mode", "expected"), [("mentions", [1, 0, 1, 0, 1]), ("all", [1, 1, 1, 0, 1]),
                                              ("off", [0, 0, 0, 0, 0])])
async def test_the_bell_rings_for_what_the_user_is_not_looking_at(mode: str, expected: list[int]) -> None:
    from xmpptui.model.events import MessageAdded

    app, session = make(UiConfig(bell=mode))
    rings: list[int] = []
    app.bell = lambda: rings.append(1)  # type: ignore[method-assign]
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: ("start", None) in session.calls)
        enter_room(session)
        await until(pilot, lambda: app.main_screen.active == ROOM)
        await pilot.pause()
        rings.clear()  # (the room's own lines on entering)
        got = []
        for message in (
                ChatMessage("bob@example.org", "Bob", "a chat", FIXED_TIME),  # another conversation
                ChatMessage("den@conference.example.org", "dan", "room chatter", FIXED_TIME,
                            kind=MessageKind.GROUPCHAT),
                ChatMessage("den@conference.example.org", "dan", "alice: look", FIXED_TIME,
                            kind=MessageKind.GROUPCHAT, mention=True),
                ChatMessage(ROOM, "bob", "in the room on screen", FIXED_TIME, kind=MessageKind.GROUPCHAT,
                            mention=True),
                ChatMessage("bob@example.org", "Bob", "while unfocused", FIXED_TIME)):
            if message.body == "while unfocused":
                app.app_focus = False
            before = len(rings)
            session.emit(MessageAdded(message))
            await pilot.pause()
            got.append(len(rings) - before)
        assert got == expected
        app.app_focus = True
        for n in range(30):  # a burst rings once
            session.emit(MessageAdded(ChatMessage("bob@example.org", "Bob", f"burst {n}", FIXED_TIME)))
        await pilot.pause()
        assert len(rings) - sum(got) == (0 if mode == "off" else 1)


async def test_a_command_without_its_arguments_says_its_usage_with_brackets_shown() -> None:
    """Usage lines name optional parts in brackets (`[/nick]`, `[reason]`): text, not markup (a closing tag
    with no opening one would end the app)."""
    app, session = make()
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: ("start", None) in session.calls)
        enter_room(session)
        await until(pilot, lambda: app.main_screen.active == ROOM)
        for typed in ("/join lounge", "/invite", "/kick", "/bookmark x y"):
            app.main_screen.composer.clear()
            await pilot.press(*typed, "enter")
        await pilot.pause()
        from textual.content import Content

        said = [(Content.from_markup(n.message) if n.markup else Content(n.message)).plain  # as the toast shows it
                for n in app._notifications]
        assert "usage: /join room@service[/nick] [password]" in said
        assert "usage: /invite JID [reason]" in said
        assert "usage: /kick NICK [reason]" in said
        assert app.is_running
