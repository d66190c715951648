"""A file name someone else chose, made safe to create on our disk: no path separators, no `.`/`..` or hidden
names, no control, format or bidi characters, at most 255 bytes of UTF-8 with the extension kept, and the
`name (1).ext` form for a name that is taken. Pure: the caller creates the file (O_EXCL)."""

from __future__ import annotations

import re
import unicodedata

MAX_BYTES = 255
"""What Linux, macOS and Windows file systems take in one name."""
FALLBACK = "download"
_MAX_EXTENSION = 16
"""Characters after the last dot kept as an extension; a longer "extension" is part of the name."""
_SPACES = re.compile(r"\s+")


def _allowed(char: str) -> bool:
    # Cc: controls; Cf: format characters (bidi overrides and isolates, zero-width ones); Cs, Co, Cn: surrogates,
    # private use, unassigned; Zl, Zp: line and paragraph separators.
    return unicodedata.category(char) not in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp")


def safe_file_name(name: str) -> str:
    """`name` made into one harmless file name (FALLBACK when nothing is left of it)."""
    name = "".join(char for char in _SPACES.sub(" ", name) if _allowed(char))
    name = name.replace("/", "_").replace("\\", "_").replace(":", "_")
    name = _SPACES.sub(" ", name).strip(" .")  # (leading dots: hidden or `..`; trailing: Windows drops them)
    return bounded(name) or FALLBACK


def bounded(name: str, suffix: str = "") -> str:
    """`name` with `suffix` before its extension, cut to MAX_BYTES of UTF-8 (the stem is what is cut)."""
    stem, dot, extension = name.rpartition(".")
    if not dot or not stem or len(extension) > _MAX_EXTENSION:
        stem, extension = name, ""
    tail = f"{suffix}.{extension}" if extension else suffix
    room = MAX_BYTES - len(tail.encode())
    cut = stem.encode()[:room].decode("utf-8", "ignore")
    if len(cut) < len(stem):
        cut = cut.rstrip(" .")  # (a cut that ends in a dot or a space would read as one name and be another)
    return f"{cut}{tail}" if cut else name.encode()[:MAX_BYTES].decode("utf-8", "ignore")


def numbered(name: str, number: int) -> str:
    """The name to try when `name` is taken: `name (1).ext`, `name (2).ext`, ..."""
    return bounded(name, f" ({number})")
