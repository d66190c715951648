"""Text for people, shared by the screen and the session: remote text neutralised (one function for the screen,
ui/shared/render.py, and the log file alike), and sizes in words."""

from __future__ import annotations

import re

# C0 controls except tab and newline, DEL, C1 controls, and the bidi embedding/override/isolate
# characters that can make text read differently from what it is (Trojan Source).
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\u061c]")


def _placeholder(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x20:
        return chr(0x2400 + code)  # the Unicode "control picture" for the C0 code: ␛ for ESC
    if code == 0x7F:
        return "\u2421"
    return f"<U+{code:04X}>"


def sanitize(value: str, *, single_line: bool = False) -> str:
    """Replace every control and bidi-override character with a visible placeholder."""
    lines = value.replace("\r\n", "\n").replace("\r", "\n")
    if single_line:
        lines = lines.replace("\n", " ")
    return _UNSAFE.sub(_placeholder, lines).replace("\t", "    ")


def size_words(size: int) -> str:
    """A size as people read it: bytes, KiB, MiB or GiB (`10 bytes`, `2.0 KiB`, `5.0 GiB`)."""
    value = float(size)
    for unit in ("bytes", "KiB", "MiB"):
        if value < 1024:
            return f"{size} bytes" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GiB"
