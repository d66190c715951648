"""Run the benchmarks: `python -m benchmarks` (full sizes) or `python -m benchmarks --quick`.

Each section runs in a fresh interpreter of its own (`--section NAME`), so one section's leftovers (100,000
messages, caches, a bigger heap for the garbage collector to walk) cannot slow the next; the parent
gathers their rows and prints one table (measure | value | baseline | ratio | target | pass/fail) and the
notes. A missed target is a figure, not an error: the exit status is 0 whatever the figures, and 1 only
if a benchmark itself broke.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

from benchmarks import burst, chat_log, history, preview, rooms, roster, startup, support, terminal, upload, wire

SECTIONS = {
    "chat": chat_log,
    "roster": roster,
    "burst": burst,
    "startup": startup,
    "history": history,
    "rooms": rooms,
    "upload": upload,
    "preview": preview,
    "terminal": terminal,
    "wire": wire,
}


def _sections(text: str) -> list[str]:
    """`--only burst,startup`: the sections named, each one known."""
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in SECTIONS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"unknown section {', '.join(unknown) or text!r}: choose from "
                                         f"{', '.join(SECTIONS)}")
    return names


def _run_section(name: str, sizes: support.Sizes) -> tuple[list[support.Row], bool]:
    """In this process: (rows, broke)."""
    module = SECTIONS[name]
    with support.isolated_user_dirs():
        try:
            return asyncio.run(module.run(sizes)), False
        except Exception as exc:
            traceback.print_exc()
            return [support.Row(module.SECTION, "benchmark failed to run", None, "",
                                text=f"{type(exc).__name__}: {exc}"[:100], error=True)], True
        finally:
            support.SERVER.stop()


def _section_in_child(name: str, quick: bool) -> tuple[list[support.Row], bool]:
    with tempfile.TemporaryDirectory(prefix="xmpptui-bench-") as root:
        out = Path(root) / "rows.json"
        argv = [sys.executable, "-m", "benchmarks", "--section", name, "--rows-json", str(out)]
        result = subprocess.run([*argv, "--quick"] if quick else argv, cwd=str(support.REPO), check=False)
        if not out.exists():
            return [support.Row(SECTIONS[name].SECTION, "benchmark failed to run", None, "",
                                text=f"section process exited with {result.returncode}", error=True)], True
        data = json.loads(out.read_text())
        return [support.Row(**row) for row in data["rows"]], data["broke"] or result.returncode != 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: checks the suite works (< 60 s)")
    parser.add_argument("--only", action="append", type=_sections, metavar="SECTION[,SECTION]",
                        help=f"run only these sections (comma-separated, repeatable): {', '.join(SECTIONS)}")
    parser.add_argument("--section", choices=sorted(SECTIONS), help=argparse.SUPPRESS)
    parser.add_argument("--rows-json", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    sizes = support.QUICK if args.quick else support.FULL

    if args.section:  # a child: run one section, hand the rows back
        rows, broke = _run_section(args.section, sizes)
        if args.rows_json is None:
            print(support.table(rows))
        else:
            args.rows_json.write_text(json.dumps({"rows": [dataclasses.asdict(row) for row in rows],
                                                  "broke": broke}))
        return 1 if broke else 0

    rows: list[support.Row] = []
    broken = False
    started = time.monotonic()
    for name in SECTIONS:
        if args.only and name not in {section for sections in args.only for section in sections}:
            continue
        section_start = time.monotonic()
        print(f"running {name} ...", file=sys.stderr, flush=True)
        section_rows, broke = _section_in_child(name, args.quick)
        rows += section_rows
        broken |= broke
        print(f"  {name}: {time.monotonic() - section_start:.1f} s", file=sys.stderr, flush=True)

    mode = "quick" if args.quick else "full"
    print(f"\nxmpptui benchmarks ({mode}, {time.monotonic() - started:.0f} s; "
          "each figure against a baseline measured in this run)\n")
    print(support.table(rows))
    notes = [(row, row.note) for row in rows if row.note]
    if notes:
        print("\nnotes:")
        for row, note in notes:
            print(f"  [{row.section}] {row.measure}: {note}")
    failed = [row for row in rows if row.passed is False]
    print(f"\n{sum(row.passed is True for row in rows)} PASS, {len(failed)} FAIL, "
          f"{sum(row.error for row in rows)} ERROR")
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
