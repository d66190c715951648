"""Checking the config's [keys] table: every id must name one of our bindings, every key one Textual knows.

This lives in the UI layer, not in config.py: the binding ids are declared on the widgets and screens,
and the key names are Textual's, so checking here can never drift from either (config.py may not import
Textual). The composition root runs it before the app starts and reports a problem like any config error.
"""

from __future__ import annotations

import difflib
import importlib
import unicodedata
from collections.abc import Mapping
from pathlib import Path

from textual.binding import Binding
from textual.dom import DOMNode
from textual.keys import KEY_ALIASES, REPLACED_KEYS, Keys

import xmpptui.ui

MODIFIERS = ("ctrl", "alt", "shift", "meta", "super", "hyper")
_NAMED_KEYS = sorted({key.value.rsplit("+", 1)[-1] for key in Keys if not key.value.startswith("<")}
                     | set(KEY_ALIASES) | {alias for aliases in KEY_ALIASES.values() for alias in aliases}
                     | set(REPLACED_KEYS))


def binding_ids() -> list[str]:
    """Every binding id declared by the app's screens and widgets."""
    import pkgutil  # (only for a config with a [keys] table, #20)

    for module in pkgutil.walk_packages(xmpptui.ui.__path__, "xmpptui.ui."):
        importlib.import_module(module.name)
    ids: set[str] = set()
    pending: list[type] = [DOMNode]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls.__module__.startswith("xmpptui.ui."):
            ids.update(b.id for b in getattr(cls, "BINDINGS", ()) if isinstance(b, Binding) and b.id)
    return sorted(ids)


def _key_problem(key: str) -> str | None:
    """Why `key` is not a key name Textual knows, or None if it is one."""
    if not key:
        return "an empty key name"
    *modifiers, base = key.split("+") if len(key) > 1 else [key]
    unknown = [m for m in modifiers if m not in MODIFIERS]
    if unknown:
        close = difflib.get_close_matches(unknown[0], MODIFIERS, n=1)
        return f"{unknown[0]!r} is not a modifier" + (f"; did you mean {close[0]!r}?" if close else
                                                       f" ({', '.join(MODIFIERS)})")
    if len(base) == 1 or base in _NAMED_KEYS:
        return None
    try:
        unicodedata.lookup(base.replace("_", " "))  # Textual names symbols by Unicode: question_mark, plus_sign
        return None
    except KeyError:
        pass
    close = difflib.get_close_matches(base, _NAMED_KEYS, n=1)
    hint = f"did you mean {close[0]!r}?" if close else "e.g. f5, ctrl+n, alt+right, pageup, question_mark"
    return f"{base!r} is not a key name; {hint}"


def check(keys: Mapping[str, str], path: Path | None) -> str | None:
    """The first problem in a [keys] table, in words naming the file and the entry; None if it is sound."""
    if not keys:
        return None
    where = f"{path}: [keys]" if path else "[keys]"
    ids = binding_ids()
    for binding_id, value in keys.items():
        if binding_id not in ids:
            close = difflib.get_close_matches(binding_id, ids, n=1)
            hint = f"did you mean {close[0]!r}?" if close else "F1 in the app lists every id"
            return f"{where}: unknown binding id {binding_id!r}; {hint}"
        for key in (part.strip() for part in value.split(",")):
            problem = _key_problem(key)
            if problem is not None:
                return f"{where}: {binding_id} = {value!r}: {problem}"
    return None


_KEY_WORDS = {"pageup": "PageUp", "pagedown": "PageDown", "escape": "Escape", "enter": "Enter", "tab": "Tab",
              "space": "Space", "backspace": "Backspace", "delete": "Delete", "insert": "Insert", "home": "Home",
              "end": "End", "up": "Up", "down": "Down", "left": "Left", "right": "Right"}


def key_words(keys: str) -> str:
    """Key names as a person reads them (`ctrl+n,alt+right` -> `Ctrl+N, Alt+Right`; `question_mark` -> `?`;
    `shift+enter` -> `Shift+Enter`), for the help and the README."""
    shown = []
    for key in (part.strip() for part in keys.split(",")):
        *modifiers, base = key.split("+") if len(key) > 1 else [key]
        if base in _KEY_WORDS:
            word = _KEY_WORDS[base]
        elif len(base) == 1:
            word = base.upper() if modifiers else base
        elif base[0] == "f" and base[1:].isdigit():
            word = base.upper()
        else:
            try:  # Textual names symbols by Unicode: question_mark, plus_sign
                word = unicodedata.lookup(base.replace("_", " "))
            except KeyError:
                word = base.replace("_", " ").title()
        shown.append("+".join([*(m.title() for m in modifiers), word]))
    return ", ".join(shown)


def report_alt_digits() -> None:
    """Let Alt+1…Alt+9 arrive as `alt+1`…`alt+9` in every terminal.

    Terminals without the kitty keyboard protocol (xterm, VTE, tmux, screen) send Alt+1 as ESC `1`, and
    Textual maps ESC + digit to the characters macOS WezTerm means by Option+digit (`¡`, `™`, `£`, …): the
    conversation keys never fired and the composer got a `¡`. Without those entries its parser reads ESC +
    digit as it reads ESC + letter, as `alt+<digit>`. (A character typed as itself, a Spanish `¡`, is not
    affected: it comes without ESC.)"""
    from textual._ansi_sequences import ANSI_SEQUENCES_KEYS

    for digit in "0123456789":
        ANSI_SEQUENCES_KEYS.pop(f"\x1b{digit}", None)
