"""Pure stanza <-> value code: no state, no client; each module one family of stanzas. The stanza types the
services name (in annotations, and JIDs to validate) are re-exported here, so that services speak of stanzas
through this package rather than through slixmpp."""

from slixmpp import JID, Iq, Message
from slixmpp import Presence as PresenceStanza
from slixmpp.jid import InvalidJID

__all__ = ["JID", "InvalidJID", "Iq", "Message", "PresenceStanza"]
