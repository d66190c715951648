"""The protocol layer: the only package that imports slixmpp."""

import sys

if "pygments" not in sys.modules:
    # slixmpp imports pygments (and with it importlib.metadata, email) only to colour stanzas in its debug log,
    # and does without it when it is missing: ~2.7 MB and ~8 ms of every launch (#20). Hidden while slixmpp is
    # imported, so that anything else that wants pygments later still gets it.
    sys.modules["pygments"] = None  # type: ignore[assignment]
    try:
        import slixmpp  # noqa: F401
    finally:
        del sys.modules["pygments"]
