"""The burst's sender: a plain slixmpp client in its own process, so sending never shares the receiver's loop.

    python -m benchmarks.peer_sender '{"host": ..., "port": ..., "ca": ..., "jid": ..., "password": ...}'

Prints `READY` once logged in (roster fetched, presence sent), then obeys lines on stdin:

- `BURST <to> <count> <tag> <seed>`: sends `count` chat messages whose bodies are `<tag> <index:05d> ` +
  a body from `support.message_body` (seeded, so every receiver gets the same texts), printing
  `FIRST <time.monotonic()>` as the first of them is written to the socket (`send_raw`), then waits until
  slixmpp's send queue is empty and prints `SENT <time.monotonic()>`.
- `QUIT`: logs out and exits.
"""

from __future__ import annotations

import asyncio
import json
import random
import sys
import time
from pathlib import Path

import slixmpp

from benchmarks.support import message_body


def burst_body(tag: str, index: int, rng: random.Random) -> str:
    return f"{tag} {index:05d} {message_body(rng)}"


async def burst(client: slixmpp.ClientXMPP, to: str, count: int, tag: str, seed: int) -> None:
    rng = random.Random(seed)
    bodies = [burst_body(tag, index, rng) for index in range(count)]
    first_write = True
    send_raw = client.send_raw

    def stamped_send_raw(data: str | bytes) -> None:
        nonlocal first_write
        if first_write:
            first_write = False
            print(f"FIRST {time.monotonic()!r}", flush=True)
        send_raw(data)

    client.send_raw = stamped_send_raw  # type: ignore[method-assign]
    for body in bodies:
        client.send_message(mto=to, mbody=body, mtype="chat")
    await client.waiting_queue.join()
    client.send_raw = send_raw  # type: ignore[method-assign]
    print(f"SENT {time.monotonic()!r}", flush=True)


async def main(config: dict[str, object]) -> None:
    loop = asyncio.get_running_loop()
    client = slixmpp.ClientXMPP(f"{config['jid']}/sender", str(config["password"]))
    client.ca_certs = Path(str(config["ca"]))
    client.roster.auto_authorize = None
    client.roster.auto_subscribe = False
    started = loop.create_future()
    client.add_event_handler("session_start", lambda _: started.done() or started.set_result(None))
    client.add_event_handler("failed_all_auth",
                             lambda _: started.done() or started.set_exception(RuntimeError("sender auth failed")))
    client.connect(str(config["host"]), int(str(config["port"])))
    await asyncio.wait_for(started, 30)
    await client.get_roster()
    client.send_presence()
    print("READY", flush=True)
    while True:
        line = (await loop.run_in_executor(None, sys.stdin.readline)).split()
        if not line or line[0] == "QUIT":
            break
        if line[0] == "BURST":
            await burst(client, line[1], int(line[2]), line[3], int(line[4]))
    if client.transport is not None:
        await client.disconnect(wait=1.0)


if __name__ == "__main__":
    asyncio.run(main(json.loads(sys.argv[1])))
