"""What importing the protocol layer loads (#20: peak memory): slixmpp without aiodns or importlib.metadata (nor
what they pull in), its version still the installed one; aiodns given back to slixmpp for an account that needs
SRV lookups (no host, no port), and only then."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import asyncio, json, sys
import xmpptui.xmpp.transport.client as client_module
from slixmpp.xmlstream import resolver
import slixmpp
loaded = {name: name in sys.modules for name in ("aiodns", "pycares", "importlib.metadata", "email", "pygments")}
from xmpptui.config import Account
async def build(**where):
    return client_module.Client(Account(jid="alice@example.org", **where), "pw", asyncio.get_running_loop())
asyncio.run(build(host="127.0.0.1"))
with_host = resolver.AIODNS_AVAILABLE
asyncio.run(build(port=5222))
with_port = resolver.AIODNS_AVAILABLE
asyncio.run(build())
srv = resolver.AIODNS_AVAILABLE and resolver.default_resolver(loop=asyncio.new_event_loop()) is not None
import importlib.metadata
print(json.dumps({"loaded": loaded, "version": slixmpp.__version__, "info": list(slixmpp.__version_info__),
                  "installed": importlib.metadata.version("slixmpp"), "with_host": with_host,
                  "with_port": with_port, "srv": srv}))
"""


def test_slixmpp_comes_without_aiodns_and_metadata_and_gets_aiodns_back_for_srv() -> None:
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, cwd=ROOT, timeout=60,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}, check=True)
    seen = json.loads(done.stdout)
    assert seen["loaded"] == {"aiodns": False, "pycares": False, "importlib.metadata": False, "email": False,
                              "pygments": False}, seen
    assert seen["version"] == seen["installed"] and seen["info"] == [int(part) for part in
                                                                       seen["installed"].split(".")[:3]]
    assert (seen["with_host"], seen["with_port"]) == (False, False), "no DNS library where no SRV lookup is made"
    assert seen["srv"] is True, "an account without host or port resolves SRV records with aiodns, as before"
    assert done.stderr == "", "no warning (slixmpp warns when it cannot tell its version)"
