"""What Tab completes in the composer: the word before the cursor, as a command name, one of a command's
arguments (its kind is in `commands.ARGUMENTS`) or, in a room, a nick; candidates matched fuzzily (prefix
matches first, then the others that hold the typed letters in order). Pure: no widget, no session."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from xmpptui import commands
from xmpptui.model.state import ClientState

Names = Callable[[], Iterable[str]]


def _none() -> list[str]:
    return []


@dataclass
class CompletionSources:
    """Where completion candidates come from (set by the controllers that know the session)."""

    jids: Names = _none
    """The roster's JIDs."""
    rooms: Names = _none
    """Bookmarked rooms and the rooms we are in."""
    nicks: Names | None = None
    """The active room's nicks; None outside a room (a plain word is then not completed)."""
    home: Callable[[], Path] = field(default=Path.cwd)
    """Where a relative file path starts."""


@dataclass(frozen=True)
class Completion:
    start: int
    """The column where the word being completed starts (on the cursor's row)."""
    typed: str
    candidates: tuple[str, ...]
    """Full replacements for the typed word, best first, each with what follows it (a space, `: `, `/`)."""


def room_names(state: ClientState) -> list[str]:
    """The rooms `/join` completes: the bookmarked ones and the ones we are in."""
    return [*state.rooms.bookmarks, *(room.jid for room in state.rooms)]


def fuzzy(typed: str, names: Iterable[str]) -> list[str]:
    """The names that start with `typed` (case-insensitively, in alphabetical order), then the others holding
    its letters in order; an empty `typed` matches every name."""
    wanted = typed.casefold()
    prefix: list[str] = []
    subsequence: list[str] = []
    for name in sorted(set(names), key=lambda n: (n.casefold(), n)):
        folded = name.casefold()
        if folded.startswith(wanted):
            prefix.append(name)
        elif _holds_in_order(folded, wanted):
            subsequence.append(name)
    return prefix + subsequence


def _holds_in_order(text: str, letters: str) -> bool:
    position = 0
    for letter in letters:
        position = text.find(letter, position) + 1
        if position == 0:
            return False
    return True


def complete(line: str, row: int, sources: CompletionSources) -> Completion | None:
    """What the word ending at the end of `line` (the cursor's row up to the cursor) completes to; None when
    nothing does (Tab then keeps its ordinary meaning)."""
    if row == 0 and line.startswith("/") and not line.startswith("//"):
        return _complete_command(line, sources)
    if sources.nicks is None:
        return None
    start = max(line.rfind(" "), line.rfind("\t")) + 1
    typed = line[start:]
    if not typed:
        return None
    suffix = ": " if row == 0 and start == 0 else " "
    return _found(start, typed, [nick + suffix for nick in fuzzy(typed, sources.nicks())])


def _complete_command(line: str, sources: CompletionSources) -> Completion | None:
    name, space, rest = line[1:].partition(" ")
    if not space:
        names = [spec.name for spec in commands.COMMANDS]
        return _found(1, name, [candidate + " " for candidate in fuzzy(name, names)])
    kinds = commands.ARGUMENTS.get(commands.resolve(name), ())
    words = rest.split(" ")
    index = len(words) - 1
    if index >= len(kinds):
        return None
    typed = words[-1]
    start = len(line) - len(typed)
    if kinds[index] == "path":
        return _found(start, typed, _paths(typed, sources.home()))
    names: list[str] = []
    for kind in kinds[index].split("|"):
        names.extend(_argument_names(kind, sources))
    if kinds[index] == "nick|jid" and sources.nicks is not None:
        names = list(sources.nicks())  # in a room /msg takes a nick; elsewhere a JID
    return _found(start, typed, [candidate + " " for candidate in fuzzy(typed, names)])


def _argument_names(kind: str, sources: CompletionSources) -> Iterable[str]:
    if kind == "jid":
        return sources.jids()
    if kind == "room":
        return sources.rooms()
    if kind == "nick":
        return sources.nicks() if sources.nicks is not None else ()
    return commands.argument_words(kind)


def _paths(typed: str, home: Path) -> list[str]:
    """Files and directories whose names complete the last part of `typed` (`~` is the home directory);
    directories end in `/` so that Tab goes on into them."""
    head, _, tail = typed.rpartition("/")
    directory = Path(os.path.expanduser(head or ("/" if typed.startswith("/") else ".")))
    if not directory.is_absolute():
        directory = home / directory
    try:
        entries = {entry.name: entry.is_dir() for entry in os.scandir(directory)
                   if tail.startswith(".") or not entry.name.startswith(".")}
    except OSError:
        return []
    prefix = f"{head}/" if head or typed.startswith("/") else ""
    return [prefix + name + ("/" if entries[name] else " ") for name in fuzzy(tail, entries)]


def _found(start: int, typed: str, candidates: list[str]) -> Completion | None:
    return Completion(start, typed, tuple(candidates)) if candidates else None
