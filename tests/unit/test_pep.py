"""Our own PEP nodes without a server: notifications -> values (xmpp/pep.py), read positions (XEP-0490) in
the model, and what the session accepts (only our own account speaks for our nodes)."""

from __future__ import annotations

from slixmpp import Iq, Message
from slixmpp.xmlstream import ET

from xmpptui.config import Account
from xmpptui.model.conversation import ChatMessage, Conversation, ConversationKind, Direction
from xmpptui.model.room import Bookmark
from xmpptui.passwords import Secret
from xmpptui.xmpp import pep_publish
from xmpptui.xmpp.session import XmppSession
from xmpptui.xmpp.stanzas import bookmarks, pep

ME = "alice@example.org"
EVENT = "http://jabber.org/protocol/pubsub#event"
ROOM = "lounge@conference.example.org"


def notification(sender: str, inner: str) -> Message:
    return Message(xml=ET.fromstring(
        f"<message xmlns='jabber:client' from='{sender}' to='{ME}/tui' type='headline'>"
        f"<event xmlns='{EVENT}'>{inner}</event></message>"))


def displayed(item_id: str, stanza_id: str, by: str) -> str:
    return (f"<item id='{item_id}'><displayed xmlns='urn:xmpp:mds:displayed:0'>"
            f"<stanza-id xmlns='urn:xmpp:sid:0' id='{stanza_id}' by='{by}'/></displayed></item>")


def test_a_notification_lists_what_was_published_and_retracted() -> None:
    change = pep.node_change(notification(ME, (
        f"<items node='urn:xmpp:bookmarks:1'><item id='{ROOM}'><conference xmlns='urn:xmpp:bookmarks:1' "
        "autojoin='true'><nick>Al</nick></conference></item><item id='empty@x'/>"
        "<retract id='old@conference.example.org'/></items>")).xml)
    assert change is not None and change.node == "urn:xmpp:bookmarks:1"
    assert [item_id for item_id, _ in change.published] == [ROOM], "an item without a payload carries nothing"
    assert change.retracted == ["old@conference.example.org"]
    assert bookmarks.bookmarks_from_published(change.published) == [Bookmark(ROOM, nick="Al", autojoin=True)]
    assert pep.node_change(Message(xml=ET.fromstring("<message xmlns='jabber:client'><body>hi</body></message>"))
                           .xml) is None


def test_read_positions_parse_and_malformed_ones_are_dropped() -> None:
    change = pep.node_change(notification(ME, (
        "<items node='urn:xmpp:mds:displayed:0'>"
        + displayed("Bob@Example.org", "s1", "alice@example.org")
        + displayed("bob@example.org/phone", "s2", ME)  # a full JID names no conversation
        + displayed("a@@b", "s3", ME)
        + "<item id='carol@example.org'><displayed xmlns='urn:xmpp:mds:displayed:0'/></item>"  # no stanza-id
        + "<item id='dave@example.org'><other xmlns='urn:x'/></item>"
        + displayed("erin@example.org", "", ME)
        + "</items>")).xml)
    assert change is not None
    positions = [pep.displayed_up_to(item_id, payload) for item_id, payload in change.published]
    assert positions == [pep.DisplayedUpTo("bob@example.org", "s1", ME), None, None, None, None, None]


def test_a_read_position_round_trips_through_a_publish() -> None:
    iq = Iq(xml=ET.fromstring("<iq xmlns='jabber:client' type='set' id='p1'/>"))
    item = pep.fill_publish(iq.xml, pep.DISPLAYED_NODE, ROOM, pep_publish.REQUIRED_OPTIONS)
    pep.fill_displayed(item, pep.DisplayedUpTo(ROOM, "room-sid-9", ROOM))
    assert iq.xml.find(".//{http://jabber.org/protocol/pubsub}publish").get("node") == "urn:xmpp:mds:displayed:0"
    assert pep.displayed_up_to(item.get("id"), item[0]) == pep.DisplayedUpTo(ROOM, "room-sid-9", ROOM)
    options = {field.get("var"): field.findtext("{jabber:x:data}value")
               for field in iq.xml.iter("{jabber:x:data}field")}
    assert options == {"FORM_TYPE": "http://jabber.org/protocol/pubsub#publish-options",
                       "pubsub#persist_items": "true", "pubsub#access_model": "whitelist"}


def _message(sid: str, direction: Direction = Direction.IN, mention: bool = False) -> ChatMessage:
    return ChatMessage("bob@example.org", "Bob", sid, 0.0, direction=direction, stanza_id=sid, mention=mention)


def test_read_up_to_recounts_only_what_follows_the_position_and_never_raises_the_count() -> None:
    conversation = Conversation("bob@example.org")
    conversation.messages = [_message("a"), _message("b", mention=True), _message("c", Direction.OUT),
                             _message("d", mention=True), _message("")]
    conversation.unread, conversation.mentions = 4, 2
    assert conversation.read_up_to("b")
    assert (conversation.unread, conversation.mentions) == (2, 1), "d and the last one; c is ours"
    assert not conversation.read_up_to("zzz"), "a position we do not hold changes nothing"
    assert not conversation.read_up_to("a"), "an older position cannot make read messages unread again"
    assert (conversation.unread, conversation.mentions) == (2, 1)
    assert conversation.last_archived() is conversation.messages[3]


def _session() -> XmppSession:
    return XmppSession(Account(jid=ME), Secret("pw"))


def test_only_our_own_account_changes_our_bookmarks_and_read_positions() -> None:
    session = _session()
    conversation, _ = session.state.conversations.open("bob@example.org")
    conversation.messages = [_message("s1"), _message("s2")]
    conversation.unread = 2
    bookmark_item = (f"<items node='urn:xmpp:bookmarks:1'><item id='{ROOM}'>"
                     "<conference xmlns='urn:xmpp:bookmarks:1' autojoin='false'/></item></items>")
    read_item = "<items node='urn:xmpp:mds:displayed:0'>" + displayed("bob@example.org", "s2", ME) + "</items>"
    for spoofer in ("bob@example.org", f"{ME}/other", "example.org", ""):
        session.inbound(notification(spoofer, bookmark_item))
        session.inbound(notification(spoofer, read_item))
    assert session.state.rooms.bookmarks == {} and conversation.unread == 2

    # A position assigned by someone other than our own archive names no message of a chat.
    session.inbound(notification(ME, "<items node='urn:xmpp:mds:displayed:0'>"
                                          + displayed("bob@example.org", "s2", "bob@example.org") + "</items>"))
    assert conversation.unread == 2

    session.inbound(notification(ME, bookmark_item))
    session.inbound(notification(ME, read_item))
    assert session.state.rooms.bookmarks == {ROOM: Bookmark(ROOM)}
    assert conversation.unread == 0 and conversation.read_position == "s2"
    assert session.read_sync.archive_of(session.state.conversations.open(ROOM, ConversationKind.GROUPCHAT)[0]) == ROOM


async def test_read_positions_wait_a_moment_one_publish_per_conversation_and_quitting_flushes_them() -> None:
    session = _session()
    conversation, _ = session.state.conversations.open("bob@example.org")
    conversation.messages = [_message("s1")]
    session.read_sync.share(conversation)
    session.read_sync.share(conversation)  # a room read live: once per while, not once per line
    assert list(session.read_sync.pending_shares) == ["bob@example.org"]
    private, _ = session.state.conversations.open(f"{ROOM}/bob", ConversationKind.PRIVATE)
    session.read_sync.share(private)
    assert list(session.read_sync.pending_shares) == ["bob@example.org"], "XEP-0490 has no place for private chats"
    session.read_sync.flush()
    assert session.read_sync.pending_shares == {}
    assert conversation.read_position == "", "offline: nothing was said, so it is said when next shown"
