"""A room's crowd: many plain slixmpp clients in one process of their own, the other occupants of the rooms
the `rooms` benchmark joins (so their traffic never shares the app's loop).

    python -m benchmarks.room_crowd '{"host": ..., "port": ..., "ca": ..., "accounts": [[jid, password], ...],
                                      "resources": R}'

Logs in R resources of each account (one connection each), then prints `READY <seconds>` and obeys lines on
stdin:

- `ROOM <room> <count> <subject…>`: the first client joins `room` (creating it: the owner), sets the subject
  and waits for it to come back; then the next `count - 1` clients join at once, each with a nick of its own,
  and each waits for its self-presence (status 110). Prints `JOINED <seconds>` when all `count` are in.
- `QUIT`: exits (without leaving politely: the server is stopped after the benchmark anyway).

Kept cheap, as the crowd is not what is measured:

- the clients keep no roster: slixmpp's own presence handler (which files every occupant's presence in the
  client's roster) is replaced by one that only notices self-presences; the crowd receives every other
  occupant's join (N² presences for a room of N);
- they share one TLS context (the test CA, hostnames checked) instead of loading the system's CA bundle
  twice per client (~40 ms each);
- SCRAM's salted password is computed once per account: slixmpp derives it in pure Python (10,000 HMACs,
  ~45 ms) on every login, with the same password, salt and iteration count for every resource.
"""

from __future__ import annotations

import asyncio
import json
import os
import ssl
import sys
import time
from pathlib import Path
from xml.etree import ElementTree as ET

import slixmpp
from slixmpp.util.sasl import mechanisms
from slixmpp.xmlstream.handler import Callback
from slixmpp.xmlstream.matcher import MatchXPath

from benchmarks.support import _FIRST

MUC = "http://jabber.org/protocol/muc"
MUC_USER = f"{MUC}#user"
_SELF = f"{{{MUC_USER}}}x/{{{MUC_USER}}}status[@code='110']"


def nick(index: int) -> str:
    """A name-like nick of its own for every client: `Alice`, `Bob`, …, then `Alice-30`, …"""
    name = _FIRST[index % len(_FIRST)]
    return name if index < len(_FIRST) else f"{name}-{index}"


_derive = mechanisms.SCRAM.Hi
_salted: dict[tuple[str, bytes, bytes, int], bytes] = {}


def _salted_once(self: mechanisms.SCRAM, text: bytes, salt: bytes, iterations: int) -> bytes:
    key = (self.hash_name, bytes(text), bytes(salt), iterations)
    if key not in _salted:
        _salted[key] = _derive(self, text, salt, iterations)
    return _salted[key]


mechanisms.SCRAM.Hi = _salted_once  # type: ignore[method-assign]


class Member:
    """One connection of the crowd."""

    def __init__(self, jid: str, password: str, tls: ssl.SSLContext) -> None:
        self.client = slixmpp.ClientXMPP(jid, password, ssl_context=tls)
        self.client.roster.auto_authorize = None
        self.client.roster.auto_subscribe = False
        self.client.remove_handler("Presence")
        self.client.register_handler(Callback("own room presence", MatchXPath("{jabber:client}presence"),
                                              self._on_presence))
        self.client.register_handler(Callback("room subject", MatchXPath("{jabber:client}message"),
                                              self._on_message))
        self._joins: dict[str, asyncio.Future[None]] = {}
        self._subjects: dict[str, asyncio.Future[None]] = {}

    async def connect(self, host: str, port: int) -> None:
        started = asyncio.get_running_loop().create_future()
        self.client.add_event_handler("session_start", lambda _: started.done() or started.set_result(None))
        self.client.add_event_handler(
            "failed_all_auth", lambda _: started.done() or started.set_exception(RuntimeError("crowd auth failed")))
        self.client.connect(host, port)
        await asyncio.wait_for(started, 60)

    def _on_presence(self, presence: slixmpp.Presence) -> None:
        room = presence.xml.get("from", "").partition("/")[0]
        waiter = self._joins.get(room)
        if waiter is None or waiter.done():
            return
        if presence.xml.get("type") == "error":
            waiter.set_exception(RuntimeError(f"{self.client.boundjid} could not join {room}"))
        elif presence.xml.find(_SELF) is not None:
            waiter.set_result(None)

    def _on_message(self, message: slixmpp.Message) -> None:
        room = message.xml.get("from", "").partition("/")[0]
        waiter = self._subjects.get(room)
        if waiter is not None and not waiter.done() and message.xml.find("{jabber:client}subject") is not None:
            waiter.set_result(None)

    async def join(self, room: str, nick: str) -> None:
        self._joins[room] = asyncio.get_running_loop().create_future()
        presence = self.client.make_presence(pto=f"{room}/{nick}")
        ET.SubElement(presence.xml, f"{{{MUC}}}x")
        presence.send()
        await asyncio.wait_for(self._joins[room], 120)

    async def set_subject(self, room: str, subject: str) -> None:
        self._subjects[room] = asyncio.get_running_loop().create_future()
        self.client.make_message(mto=room, msubject=subject, mtype="groupchat").send()
        await asyncio.wait_for(self._subjects[room], 30)


async def main(config: dict[str, object]) -> None:
    loop = asyncio.get_running_loop()
    started = time.monotonic()
    tls = ssl.create_default_context(cafile=Path(str(config["ca"])))
    accounts = config["accounts"]
    assert isinstance(accounts, list)
    members = [Member(f"{jid}/crowd{resource}", password, tls)
               for resource in range(int(str(config["resources"]))) for jid, password in accounts]
    host, port = str(config["host"]), int(str(config["port"]))
    await asyncio.gather(*(member.connect(host, port) for member in members))
    print(f"READY {time.monotonic() - started!r}", flush=True)
    while True:
        line = (await loop.run_in_executor(None, sys.stdin.readline)).split(maxsplit=3)
        if not line or line[0] == "QUIT":
            break
        if line[0] == "ROOM":
            begun = time.monotonic()
            room, count, subject = line[1], int(line[2]), line[3] if len(line) > 3 else ""
            if count > len(members):
                raise SystemExit(f"a room of {count} needs more than the {len(members)} clients here")
            owner = members[0]
            await owner.join(room, nick(0))
            if subject:
                await owner.set_subject(room, subject)
            await asyncio.gather(*(member.join(room, nick(index)) for index, member in enumerate(members[1:count], 1)))
            print(f"JOINED {time.monotonic() - begun!r}", flush=True)
    sys.stdout.flush()
    os._exit(0)  # hundreds of polite disconnects would only make the server broadcast hundreds of leaves


if __name__ == "__main__":
    asyncio.run(main(json.loads(sys.argv[1])))
