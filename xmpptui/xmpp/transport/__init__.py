"""The stream: the slixmpp client and its plugins, SASL, the stream guard, certificate probing. A request's two
ways to fail (an error answer, no answer) are re-exported here for the services that handle them themselves."""

from slixmpp.exceptions import IqError, IqTimeout

__all__ = ["IqError", "IqTimeout"]
