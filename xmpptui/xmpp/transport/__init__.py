"""The stream: the slixmpp client and its plugins, SASL, the stream guard, certificate probing."""
