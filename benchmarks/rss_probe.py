"""Peak RSS of the real XmppTuiApp holding a roster and a conversation (run in its own process):

    python -m benchmarks.rss_probe CONTACTS MESSAGES

Builds a `FakeSession` with CONTACTS contacts (30 % online) and, if MESSAGES > 0, one conversation with
MESSAGES messages opened by the user; runs the app headless at 120x36 until the roster and the log are on
screen, pages the log up 20 times and back to the end (so the line cache fills), then prints
`RSS <VmHWM in KiB> <ru_maxrss in KiB>`.

VmHWM (/proc/self/status) is the peak RSS of this process image. `ru_maxrss` is printed too, but on Linux
it keeps the high-water mark of the process that forked us across `exec`, so under a large parent it
reports the parent's size rather than ours.
"""

from __future__ import annotations

import asyncio
import resource
import sys

from benchmarks import support

PEER = "bob@localhost"


async def main(contacts: int, messages: int) -> None:
    from xmpptui.model.roster import Contact, Subscription

    roster = [*support.make_contacts(contacts), Contact(PEER, "Bob", ("Friends",), Subscription.BOTH)]
    conversations = {PEER: support.make_messages(messages, peer=PEER)} if messages else {}
    session = support.FakeSession(contacts=roster, conversations=conversations, active=PEER if messages else None)
    support.seed_presence(session.state)
    app = support.fake_app(session)
    async with app.run_test(size=support.APP_SIZE) as pilot:
        screen = app.main_screen
        await support.until(lambda: screen.query("RosterView") and screen.roster.row_count > 0, 120, "roster")
        if messages:
            await support.until(lambda: screen.chat_log(PEER) is not None and screen.chat_log(PEER).line_count > 0,
                                120, "chat log")
            for _ in range(20):
                await pilot.press("pageup")
            await pilot.press("pagedown")
        await support.settle(pilot, 0.5)
    with open("/proc/self/status") as status:
        hwm = next(line.split()[1] for line in status if line.startswith("VmHWM:"))
    print(f"RSS {hwm} {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}", flush=True)


if __name__ == "__main__":
    with support.isolated_user_dirs():
        asyncio.run(main(int(sys.argv[1]), int(sys.argv[2])))
