"""Group chat (XEP-0045): joining, occupants, messages, bookmarks, administration, composed by `RoomService`.

The session's router hands `RoomService` the stanzas of rooms we hold (and invitations); groupchat from any
other room never reaches it. Stanzas are read in `xmpp/stanzas/muc.py` and written in `stanzas/muc_requests.py`.

  service.py     RoomService: the parts composed; the Session protocol's room methods; the session's hooks
  writer.py      RoomWriter: lines into a room's conversation, failed messages, RoomChanged and joined/left hooks
  joining.py     join, join watch, rejoin (never re-creating a vanished room), self-ping, leave, nick, own presence
  occupants.py   occupant presence, floods bounded, our own presence in the room (kicked, banned, dropped)
  messages.py    groupchat, private messages through a room, subjects, the room's errors; sending
  outbox.py      our messages waiting for their room (outages, rejoins, restart), sent once the join completes
  bookmarks.py   XEP-0402 / XEP-0048 bookmarks: load, autojoin, other clients' changes, save, remove
  admin.py       kick, ban, role, affiliation, configuration, invite, decline, voice request, disco
  address.py     room and JID addresses as typed, in words when wrong
"""

from xmpptui.xmpp.rooms.address import RoomAddress, parse_room_address
from xmpptui.xmpp.rooms.joining import SELF_PING_INTERVAL
from xmpptui.xmpp.rooms.occupants import MAX_OCCUPANTS
from xmpptui.xmpp.rooms.service import RoomService

__all__ = ["MAX_OCCUPANTS", "SELF_PING_INTERVAL", "RoomAddress", "RoomService", "parse_room_address"]
