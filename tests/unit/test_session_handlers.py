"""The session's stanza handlers on stanzas built from XML (no server): floods stay bounded."""

from __future__ import annotations

from slixmpp import Message
from slixmpp.xmlstream import ET

from xmpptui.config import Account
from xmpptui.model.events import Notice
from xmpptui.passwords import Secret
from xmpptui.xmpp.session import MAX_STRANGER_CONVERSATIONS, NoticeThrottle, XmppSession


def _message(sender: str, body: str, kind: str = "chat") -> Message:
    return Message(xml=ET.fromstring(
        f"<message xmlns='jabber:client' from='{sender}' to='alice@example.org/x' type='{kind}'>"
        f"<body>{body}</body></message>"))


def test_strangers_open_a_bounded_number_of_conversations_and_the_drop_is_said() -> None:
    session = XmppSession(Account(jid="alice@example.org"), Secret("pw"))
    events: list[object] = []
    session._sink = events.append
    for n in range(MAX_STRANGER_CONVERSATIONS + 50):
        session._on_message(_message(f"spam{n}@evil.example/r", "buy now"))
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
