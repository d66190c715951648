"""The session's stanza handlers on stanzas built from XML (no server): floods stay bounded."""

from __future__ import annotations

from slixmpp import Message
from slixmpp.xmlstream import ET

from xmpptui.config import Account
from xmpptui.model.events import Notice
from xmpptui.passwords import Secret
from xmpptui.xmpp.context import NoticeThrottle
from xmpptui.xmpp.conversations import MAX_STRANGER_CONVERSATIONS
from xmpptui.xmpp.session import XmppSession


def _message(sender: str, body: str, kind: str = "chat") -> Message:
    return Message(xml=ET.fromstring(
        f"<message xmlns='jabber:client' from='{sender}' to='alice@example.org/x' type='{kind}'>"
        f"<body>{body}</body></message>"))


def test_strangers_open_a_bounded_number_of_conversations_and_the_drop_is_said() -> None:
    session = XmppSession(Account(jid="alice@example.org"), Secret("pw"))
    events: list[object] = []
    session.context.sink = events.append
    for n in range(MAX_STRANGER_CONVERSATIONS + 50):
        session.inbound(_message(f"spam{n}@evil.example/r", "buy now"))
    assert len(session.state.conversations) == MAX_STRANGER_CONVERSATIONS
    notices = [e for e in events if isinstance(e, Notice)]
    assert 1 <= len(notices) <= 3, "the drops are said, but throttled"
    assert "dropped" in notices[0].text


def test_throttle_counts_what_it_held_back() -> None:
    now = [0.0]
    throttle = NoticeThrottle(lambda: now[0], burst=2, window=10)
    assert throttle.admit("k", "a") == "a"
    assert throttle.admit("k", "b") == "b"
    assert throttle.admit("k", "c") is None
    assert throttle.admit("k", "d") is None
    assert throttle.admit("other", "x") == "x"
    now[0] = 11
    assert throttle.admit("k", "e") == "e (and 2 more like it)"


async def test_a_conversation_kept_out_of_the_history_is_never_stored(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import asyncio

    from xmpptui.storage.history import History

    history = History(tmp_path / "history.sqlite3")
    try:
        session = XmppSession(Account(jid="alice@example.org", no_history=("Secret@example.org",)), Secret("pw"),
                              history=history)
        session.context.sink = lambda event: None
        session.inbound(_message("secret@example.org/r", "off the record"))
        session.inbound(_message("bob@example.org/r", "on the record"))
        session.conversations.save_unsaved()
        await session.context.settle()
        assert [m.body for m in session.state.conversations.get("secret@example.org").messages] == ["off the record"]
        assert await history.count("alice@example.org", "secret@example.org") == 0
        assert await history.count("alice@example.org", "bob@example.org") == 1
    finally:
        await asyncio.to_thread(history.shutdown)


async def test_a_carbon_is_keyed_by_the_archive_id_our_server_gave_it_and_no_one_else() -> None:
    """The archive catch-up keys what it brings by the XEP-0359 id (by our bare JID): a live carbon keyed the same
    way is the same message; an id claimed by anyone else is not ours to trust."""
    import slixmpp

    from xmpptui.storage.rows import dedup_key

    slixmpp.ClientXMPP("x@example.org", "x").register_plugin("xep_0280")  # carbons' stanza classes, as the app's

    session = XmppSession(Account(jid="alice@example.org"), Secret("pw"))
    session.context.sink = lambda event: None
    for n, by in enumerate(("alice@example.org", "bob@example.org")):
        carbon = Message(xml=ET.fromstring(
            "<message xmlns='jabber:client' from='alice@example.org' to='alice@example.org/xmpptui' type='chat'>"
            "<received xmlns='urn:xmpp:carbons:2'><forwarded xmlns='urn:xmpp:forward:0'>"
            f"<message xmlns='jabber:client' from='bob@example.org/r' to='alice@example.org/phone' type='chat' "
            f"id='m{n}'><body>hi {n}</body><stanza-id xmlns='urn:xmpp:sid:0' by='{by}' id='arch{n}'/></message>"
            "</forwarded></received></message>"))
        session.inbound(carbon)
    ours, claimed = session.state.conversations.get("bob@example.org").messages
    assert (ours.stanza_id, dedup_key(ours)) == ("arch0", "s:arch0")
    assert claimed.stanza_id == ""


async def test_a_stream_resumed_on_a_connection_lost_meanwhile_does_not_go_online() -> None:
    """Seen with a server shutting down: the stream resumes, the connection drops while the resumption is set up
    (the login attempt is given up, the reconnect loop goes on): the session must not then say "online"."""
    import asyncio
    from types import SimpleNamespace

    from xmpptui.config import Account
    from xmpptui.model.state import ConnectionState
    from xmpptui.passwords import Secret
    from xmpptui.xmpp.session import XmppSession

    session = XmppSession(Account(jid="alice@example.org"), Secret("pw"))
    session.context.sink = lambda event: None
    queue: asyncio.Queue[object] = asyncio.Queue()
    session.context.client = SimpleNamespace(waiting_queue=queue, transport=None,  # type: ignore[assignment]
                                             plugin={"xep_0198": SimpleNamespace(unacked_queue=[])})
    session.state.connection = session.state.connection.__class__(ConnectionState.RECONNECTING)
    # No login attempt under way: it was given up, the connection was lost during the resumption.
    session.stream_resumed(None)
    await session.context.settle()
    assert session.state.connection.state is ConnectionState.RECONNECTING


def test_an_unavailable_presence_from_a_contact_already_offline_emits_nothing() -> None:
    """#20: a login with 5,000 contacts brings an unavailable presence from each offline one; none is a change."""
    from slixmpp import Presence

    from xmpptui.model.events import PresenceChanged
    from xmpptui.model.roster import Contact, Subscription

    session = XmppSession(Account(jid="alice@example.org"), Secret("pw"))
    session.state.roster.replace([Contact("bob@example.org", "Bob", subscription=Subscription.BOTH)])
    events: list[object] = []
    session.context.sink = events.append

    def presence(sender: str, kind: str = "") -> None:
        kind_attribute = f" type='{kind}'" if kind else ""
        session.presence.on_presence(Presence(xml=ET.fromstring(
            f"<presence xmlns='jabber:client' from='{sender}' to='alice@example.org/x'{kind_attribute}/>")))

    presence("bob@example.org", "unavailable")
    presence("bob@example.org/phone", "unavailable")
    assert events == [], "already offline: nothing changed"
    presence("bob@example.org/phone")
    assert events == [PresenceChanged("bob@example.org")] and session.state.presence.best("bob@example.org").available
    presence("bob@example.org/phone", "unavailable")
    assert events == [PresenceChanged("bob@example.org")] * 2, "going offline is a change"
    assert not session.state.presence.best("bob@example.org").available
    presence("bob@example.org", "unavailable")
    assert len(events) == 2
