"""The protocol layer: the only package that imports slixmpp."""

import importlib.util
import sys
import types
from pathlib import Path


def _slixmpp_version() -> str | None:
    """slixmpp's version as importlib.metadata would give it (from its dist-info directory's name), without
    importing importlib.metadata; None where it is not installed that way."""
    spec = importlib.util.find_spec("slixmpp")
    for location in (spec.submodule_search_locations or []) if spec is not None else []:
        for info in sorted(Path(location).parent.glob("slixmpp-*.dist-info")):
            return info.name.removeprefix("slixmpp-").removesuffix(".dist-info")
    return None


def _metadata_answering(version: str) -> types.ModuleType:
    """What slixmpp's version.py takes from importlib.metadata, answering for slixmpp alone."""
    stand_in = types.ModuleType("importlib.metadata")

    class PackageNotFoundError(ModuleNotFoundError):
        pass

    def slixmpps_version(name: str) -> str:
        if name != "slixmpp":
            raise PackageNotFoundError(name)
        return version

    stand_in.PackageNotFoundError = PackageNotFoundError  # type: ignore[attr-defined]
    stand_in.version = slixmpps_version  # type: ignore[attr-defined]
    return stand_in


# Hidden while slixmpp is imported, so that anything else that wants them later still gets them (#20):
# - pygments: slixmpp uses it only to colour stanzas in its debug log, and does without it (~2.7 MB, ~8 ms);
# - aiodns (with pycares, cffi, idna; ~1.4 MB): slixmpp needs it only for SRV lookups, i.e. for an account
#   without a host or port; transport.client.srv_lookups_on gives it back to slixmpp for those;
# - importlib.metadata (with email, zipfile, csv; ~1.2 MB), which slixmpp imports only to read its own version:
#   answered from the dist-info directory's name, where there is one.
_hidden: dict[str, types.ModuleType | None] = {}
for _name in ("pygments", "aiodns"):
    if _name not in sys.modules:
        _hidden[_name] = None
_version = None if "importlib.metadata" in sys.modules else _slixmpp_version()
if _version is not None:
    _hidden["importlib.metadata"] = _metadata_answering(_version)
sys.modules.update(_hidden)  # type: ignore[arg-type]
try:
    import slixmpp  # noqa: F401
finally:
    for _name in _hidden:
        del sys.modules[_name]


def srv_lookups_on() -> None:
    """Give slixmpp aiodns, hidden above, for the SRV lookups of an account without a host or port (RFC 6120
    3.2.1); without it slixmpp would connect to the domain itself. Idempotent."""
    from slixmpp.xmlstream import resolver

    if resolver.AIODNS_AVAILABLE:
        return
    try:
        import aiodns
    except ImportError:
        return  # (not installed: slixmpp does without, as it would have)
    resolver.aiodns, resolver.AIODNS_AVAILABLE = aiodns, True
