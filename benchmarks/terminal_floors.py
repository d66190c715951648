"""The floors under the terminal section's #20 targets, measured the same way in the same run: what no client
built on the same pieces could beat, whatever it did.

- keystroke echo of the terminal alone: `cat` in the pane, the tty echoing what is typed (no program between
  the key and the screen but the kernel and tmux): the harness's own share of every echo figure.
- keystroke echo of a bare Textual app (`benchmarks/floors/bare_textual.py`: a screen of text over a focused
  `Input`): what Textual costs a key before any of xmpptui's code (it paints a key at its next frame).
- launch → roster printed by a bare slixmpp client (`benchmarks/floors/bare_login.py`: connect, STARTTLS,
  SASL, bind, roster; no UI, no plugins, no storage) at the section's two target sizes: the floor for any
  client built on slixmpp, xmpptui's session included.
- launch → first frame of the bare Textual app, and → `print` of `python -c`: the floors of the UI and of the
  interpreter.

Report only (no target): the #20 notes read the targets against them. Each is the median (echo: p50 / p95)
of several runs in the section's tmux panes, with fresh accounts.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks import support, terminal
from benchmarks.support import Row, Sizes, median, ms, percentile

SECTION = terminal.SECTION


def _env(home: Path, **extra: str) -> dict[str, str]:
    env = terminal.Client.base_env(home)
    env["PYTHONPATH"] = str(support.REPO)
    env.update(extra)
    return env


async def _launch(argv: list[str], env: dict[str, str], shown: Callable[[str], object]) -> float:
    """Seconds from `tmux new-window` to the first capture where `shown(screen)`."""
    pane = terminal.Pane(env)
    try:
        started = pane.launch(argv)
        at, _ = await terminal.wait_screen(pane, shown, 30, f"{argv[-1]} on screen")
        return at - started
    finally:
        pane.close()


async def _echo(argv: list[str], env: dict[str, str], probes: int, interval: float) -> list[float]:
    pane = terminal.Pane(env)
    try:
        pane.launch(argv)
        await terminal.wait_screen(pane, lambda screen: pane.alive(), 30, f"{argv[-1]} running")
        pane.type(terminal.SENTINEL)
        await terminal.wait_screen(pane, lambda screen: terminal.SENTINEL in screen, 30, f"{argv[-1]} echoing")
        latencies, _, _ = await terminal.probe_echo(pane, probes, interval)
        return latencies
    finally:
        pane.close()


async def measure(server: Any, sizes: Sizes, contacts: tuple[int, int]) -> list[Row]:
    runs = 1 if sizes.quick else 3
    probes = 10 if sizes.quick else 30
    python = sys.executable
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="xmpptui-bench-floor-") as root:
        env = _env(Path(root))
        bare_textual = [python, "-m", "benchmarks.floors.bare_textual"]
        for name, argv in (("the terminal alone (cat: the tty echoes)", ["cat"]),
                           ("a bare Textual app (a focused Input)", bare_textual)):
            values: list[float] = []
            for _ in range(runs):
                values.extend(await _echo(argv, env, probes, sizes.echo_probe_interval))
            rows.append(Row(SECTION, f"floor: keystroke echo of {name} p95 ({len(values)} probes; p50 "
                                     f"{ms(percentile(values, 50)):.1f} ms)", ms(percentile(values, 95)), "ms"))
        for size in contacts:
            values = []
            for _ in range(runs):
                owner = terminal._account_with_roster(server, size)
                login = [python, "-m", "benchmarks.floors.bare_login", owner.jid, server.host,
                         str(server.c2s_port), str(server.ca_file)]
                values.append(await _launch(login, _env(Path(root), BENCH_PASSWORD=owner.password),
                                            terminal._marker_shown))
            rows.append(Row(SECTION, f"floor: launch → roster printed by a bare slixmpp client, {size:,} contacts "
                                     "(no UI)", ms(median(values)), "ms", note=f"{runs} run(s)"))
        for name, argv in (("first frame of a bare Textual app", bare_textual),
                           ("`print` of `python -c` (the interpreter)", [python, "-c", f"print({terminal.MARKER!r})"])):
            values = [await _launch(argv, env, terminal._marker_shown) for _ in range(runs)]
            rows.append(Row(SECTION, f"floor: launch → {name}", ms(median(values)), "ms", note=f"{runs} run(s)"))
    return rows
