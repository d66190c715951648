"""Thumbnails through the kitty graphics protocol's Unicode placeholders, for terminals that speak it (kitty,
Ghostty): the image is sent once to the terminal as a PNG with a virtual placement of so many cells (`a=T,U=1`),
and the log shows ordinary text cells, U+10EEEE with a diacritic for the row and one for the column and the
image's id as their 24-bit foreground colour, which the terminal draws as that part of the image. Such cells are
text to Textual: laid out, cached, scrolled and redrawn like any other line of the log.
https://sw.kovidgoyal.net/kitty/graphics-protocol/#unicode-placeholders

Sixel and iTerm2 images have no placeholders: they are drawn at the cursor, over whatever is there, and a
virtualised log that redraws lines one at a time cannot hold them; those terminals get half blocks."""

from __future__ import annotations

import base64
import io
import math
import os
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from rich.color import Color
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from xmpptui.ui.chat.thumbnail import MAX_ROWS, Thumbnail

PLACEHOLDER = "\U0010EEEE"
DIACRITICS = tuple(chr(code) for code in (
    0x0305, 0x030D, 0x030E, 0x0310, 0x0312, 0x033D, 0x033E, 0x033F, 0x0346, 0x034A, 0x034B, 0x034C, 0x0350,
    0x0351, 0x0352, 0x0357, 0x035B, 0x0363, 0x0364, 0x0365, 0x0366, 0x0367, 0x0368, 0x0369, 0x036A, 0x036B,
    0x036C, 0x036D, 0x036E, 0x036F, 0x0483, 0x0484, 0x0485, 0x0486, 0x0487, 0x0592, 0x0593, 0x0594, 0x0595,
    0x0597, 0x0598, 0x0599, 0x059C, 0x059D, 0x059E, 0x059F, 0x05A0, 0x05A1, 0x05A8, 0x05A9, 0x05AB, 0x05AC,
    0x05AF, 0x05C4, 0x0610, 0x0611, 0x0612, 0x0613, 0x0614, 0x0615, 0x0616, 0x0617, 0x0657, 0x0658))
"""Row and column numbers 0, 1, 2, ... as kitty reads them (the first 64 of its rowcolumn-diacritics.txt: a
thumbnail is at most 48 cells wide and 16 lines tall)."""
CHUNK = 4096
"""Base64 bytes an escape sequence carries at most (the protocol's limit)."""
SCALE = 4
"""Image pixels for one half-block pixel: a cell is about 8×16 screen pixels, two half-block pixels tall, so
this is half the screen's resolution, at a quarter of the bytes to send."""
LIVE_IMAGES = 64
"""Images kept in the terminal; beyond it the least recently seen is deleted (sent again if seen again)."""
KEPT_IMAGES = 256
"""Images whose PNG is kept to send again; beyond it the oldest is forgotten (its log lines use half blocks)."""
_MAX_ID = 0xFFFFFF
"""Ids fit the 24 bits of a foreground colour (a fourth byte would need a third diacritic)."""


def choose_graphics(configured: str, env: Mapping[str, str]) -> str:
    """`[ui] graphics` made concrete: "kitty" or "halfblocks". "auto" takes kitty where the environment names a
    terminal that speaks it, and not inside tmux or screen (they swallow the images' escape sequences), nor
    without `$COLORTERM` saying true colour: Textual would draw the cells in 256 colours, and the id with them."""
    if configured != "auto":
        return configured
    if env.get("TMUX") or env.get("STY") or env.get("TERM", "").startswith(("screen", "tmux")):
        return "halfblocks"
    if env.get("COLORTERM", "").strip().lower() not in ("truecolor", "24bit"):
        return "halfblocks"
    # ($TERM alone is what an SSH session passes on)
    if (env.get("TERM") in ("xterm-kitty", "xterm-ghostty") or env.get("KITTY_WINDOW_ID")
            or env.get("TERM_PROGRAM") == "ghostty"):
        return "kitty"
    return "halfblocks"


def encode_png(image: Thumbnail) -> bytes:
    """The thumbnail as a PNG (blocking: run it where the decoding runs)."""
    from PIL import Image  # (the images extra; imported by the decoder already)

    out = io.BytesIO()
    Image.frombytes("RGB", (image.width, image.height), image.rgb).save(out, "PNG", compress_level=1)
    return out.getvalue()


def grid(width: int, height: int, columns: int) -> tuple[int, int]:
    """Cells (columns, lines) an image of `width` × `height` pixels takes at most `columns` wide: what its half
    blocks would take (fitted into `columns` × `2 * MAX_ROWS` half-block pixels, never enlarged), so that a
    small image is as small as in half blocks and a large one, decoded at `SCALE` times, as large."""
    scale = min(1.0, columns / max(1, width), 2 * MAX_ROWS / max(1, height))
    cells = max(1, round(width * scale))
    return cells, max(1, math.ceil(max(1, round(height * scale)) / 2))


def transmit_sequence(image_id: int, png: bytes, columns: int, rows: int) -> str:
    """The escape sequences that send `png` as image `image_id` with a virtual placement of `columns` × `rows`
    cells (`U=1`, shown where placeholder cells name it), quietly (`q=2`: no reply comes back on stdin)."""
    data = base64.standard_b64encode(png).decode("ascii")
    chunks = [data[start:start + CHUNK] for start in range(0, len(data), CHUNK)] or [""]
    parts = []
    for number, chunk in enumerate(chunks):
        more = int(number < len(chunks) - 1)
        # (later chunks carry only m and q)
        keys = f"a=T,U=1,f=100,t=d,q=2,i={image_id},c={columns},r={rows},m={more}" if number == 0 else f"m={more},q=2"
        parts.append(f"\x1b_G{keys};{chunk}\x1b\\")
    return "".join(parts)


def through_tmux(sequence: str) -> str:
    """Each graphics command wrapped in tmux's passthrough (`set -g allow-passthrough on`), which hands it to the
    terminal outside; the placeholder cells are text tmux keeps like any other."""
    commands = [command + "\x1b\\" for command in sequence.split("\x1b\\") if command]
    return "".join(f"\x1bPtmux;{command.replace(chr(27), chr(27) * 2)}\x1b\\" for command in commands)


def delete_sequence(image_id: int) -> str:
    """Delete image `image_id`, its placements and its data from the terminal."""
    return f"\x1b_Ga=d,d=I,i={image_id},q=2\x1b\\"


def placeholder_strips(image_id: int, columns: int, rows: int) -> list[Strip]:
    """`rows` lines of `columns` placeholder cells, each naming its row and column, all coloured with the id."""
    style = Style(color=Color.from_rgb((image_id >> 16) & 0xFF, (image_id >> 8) & 0xFF, image_id & 0xFF))
    return [Strip([Segment(PLACEHOLDER + DIACRITICS[row] + DIACRITICS[column], style) for column in range(columns)],
                  columns)
            for row in range(rows)]


@dataclass
class _Image:
    png: bytes
    width: int
    height: int
    placements: dict[tuple[int, int], int] = field(default_factory=dict)
    """(columns, rows) -> image id."""
    live: set[int] = field(default_factory=set)
    """The ids the terminal holds now."""


class KittyImages:
    """Images by URL: their PNG, their ids (one per size, stable for the run), which the terminal holds; sends
    and deletes through `write` (the terminal)."""

    def __init__(self, write: Callable[[str], None], first_id: int | None = None, tmux: bool = False) -> None:
        """`tmux`: we run inside tmux (`graphics = "kitty"` forced there): commands go through its passthrough."""
        self._write = (lambda data: write(through_tmux(data))) if tmux else write
        # Ids start somewhere of this process's own: other programs in the same window number theirs too.
        self._next_id = first_id if first_id is not None else 0x100000 + (os.getpid() * 7919) % 0xE00000
        self._images: OrderedDict[str, _Image] = OrderedDict()
        self._live: OrderedDict[str, None] = OrderedDict()

    def add(self, url: str, png: bytes, width: int, height: int) -> None:
        """Keep an image's PNG (made off the loop) to send when a log shows it."""
        self._images[url] = _Image(png, width, height)
        self._images.move_to_end(url)
        while len(self._images) > KEPT_IMAGES:
            old_url = next(iter(self._images))
            self._delete(old_url)
            del self._images[old_url]
            self._live.pop(old_url, None)

    def __contains__(self, url: str) -> bool:
        return url in self._images

    def strips(self, url: str, columns: int) -> list[Strip]:
        """The image's placeholder lines at most `columns` wide, sent to the terminal first if it lacks them."""
        image = self._images[url]
        size = grid(image.width, image.height, columns)
        image_id = image.placements.get(size)
        if image_id is None:
            image_id = image.placements[size] = self._new_id()
        if image_id not in image.live:
            self._write(transmit_sequence(image_id, image.png, *size))
            image.live.add(image_id)
        self._seen(url)
        return placeholder_strips(image_id, *size)

    def seen(self, url: str) -> None:
        """A log shows the image again: the terminal gets back what an eviction deleted (same ids)."""
        image = self._images.get(url)
        if image is None:
            return
        for size, image_id in image.placements.items():
            if image_id not in image.live:
                self._write(transmit_sequence(image_id, image.png, *size))
                image.live.add(image_id)
        if image.live:
            self._seen(url)

    def delete_all(self) -> None:
        """Every image ours deleted from the terminal (on the way out)."""
        for url in list(self._live):
            self._delete(url)
        self._live.clear()

    def _seen(self, url: str) -> None:
        self._live[url] = None
        self._live.move_to_end(url)
        while len(self._live) > LIVE_IMAGES:
            old_url, _ = self._live.popitem(last=False)
            self._delete(old_url)

    def _delete(self, url: str) -> None:
        image = self._images.get(url)
        live = image.live if image is not None else set()
        if live:
            self._write("".join(delete_sequence(image_id) for image_id in sorted(live)))
            live.clear()

    def _new_id(self) -> int:
        image_id = self._next_id
        self._next_id = self._next_id + 1 if self._next_id < _MAX_ID else 0x100000
        return image_id
