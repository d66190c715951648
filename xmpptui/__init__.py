"""xmpptui: a keyboard-driven terminal XMPP client."""

__version__ = "0.1.0"
