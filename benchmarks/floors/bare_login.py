"""A bare slixmpp client: connect (STARTTLS, the CA in argv trusted), SASL, bind, fetch the roster, print its
first names sorted, and stay. No UI, no plugins, no storage: the floor of "launch → roster visible" for any
client built on slixmpp. argv: JID HOST PORT CA_FILE; the password in BENCH_PASSWORD."""

from __future__ import annotations

import asyncio
import os
import ssl
import sys

import slixmpp


class BareClient(slixmpp.ClientXMPP):
    def __init__(self, jid: str, password: str, ca_file: str) -> None:
        super().__init__(jid, password)
        self.ssl_context = ssl.create_default_context(cafile=ca_file)
        self.add_event_handler("session_start", self.start)

    async def start(self, _event: object) -> None:
        await self.get_roster()
        names = sorted(self.client_roster[jid]["name"] or jid for jid in self.client_roster)
        print("\n".join(names[:5]), flush=True)


def main() -> None:
    jid, host, port, ca_file = sys.argv[1:5]
    client = BareClient(jid, os.environ["BENCH_PASSWORD"], ca_file)
    client.connect(host, int(port))
    asyncio.get_event_loop().run_forever()


if __name__ == "__main__":
    main()
