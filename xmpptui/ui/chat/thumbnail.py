"""Image thumbnails for the chat log: an image's bytes decoded with Pillow (the optional `images` extra), bounded
in bytes, pixels and time and off the UI loop, into a few dozen pixels, drawn as Unicode half blocks (`▀`: the
upper pixel is the foreground, the lower one the background) in Strips the line-based log shows as they are.

Why half blocks and not textual-image (0.12.0, the last release for Python 3.11): its Kitty and Sixel output is a
widget of its own (Sixel data injected into a child widget's render, terminal cell sizes queried on stdin before
Textual starts), while our log is one virtualised Line API widget whose lines scroll in and out of view one at a
time; its half-block renderable is the same drawing as this one, through a Rich console on the UI loop, with no
bound on decoding. Half blocks work in every colour terminal, over SSH and in tmux."""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import io
import os
import threading
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass

from rich.color import Color
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

MAX_BYTES = 16 * 1024 * 1024
"""Files larger than this are not previewed (refused before a byte is decoded; a fetch stops there too)."""
MAX_PIXELS = 50_000_000
"""Images with more pixels than this (as the header says) are not decoded: a 4000×3000 photo is 12 million."""
DECODE_SECONDS = 10.0
"""A decode that takes longer is given up (a placeholder says so)."""
MAX_COLUMNS = 48
MAX_ROWS = 16
"""A thumbnail is at most this many cells: 48 × 32 pixels, two pixels a cell."""
FORMATS = ("PNG", "JPEG", "GIF", "WEBP")


class PreviewFailed(Exception):
    """An image that cannot be shown; the text says why, in words."""


@dataclass(frozen=True)
class Thumbnail:
    """An image made small: `width` × `height` RGB pixels, row by row (3 bytes a pixel)."""

    width: int
    height: int
    rgb: bytes

    def pixel(self, x: int, y: int) -> tuple[int, int, int]:
        start = 3 * (y * self.width + x)
        red, green, blue = self.rgb[start:start + 3]
        return red, green, blue


def pillow_available() -> bool:
    """Whether the `images` extra (Pillow) is installed; found without importing it (a slow import)."""
    return importlib.util.find_spec("PIL") is not None


def decode(data: bytes, max_columns: int = MAX_COLUMNS, max_rows: int = MAX_ROWS) -> Thumbnail:
    """The image in `data` made to fit `max_columns` × `2 * max_rows` pixels (never enlarged); the first frame of
    an animation. Blocking: run it off the UI loop (`decode_off_loop`). PreviewFailed says why it cannot be."""
    if len(data) > MAX_BYTES:
        raise PreviewFailed(f"the file is larger than {MAX_BYTES // (1024 * 1024)} MiB")
    from PIL import Image  # (here: the import takes a while, and this runs in a worker thread)

    # Our cap, checked on the header before anything is decoded, stands for Pillow's, whose warning for a large
    # image would be printed over the screen.
    Image.MAX_IMAGE_PIXELS = None
    try:
        with Image.open(io.BytesIO(data), formats=FORMATS) as image:
            width, height = image.size  # (from the header: nothing is decoded yet)
            if width * height > MAX_PIXELS:
                raise PreviewFailed(f"it is {width}×{height} pixels, more than a preview decodes")
            # thumbnail() asks a JPEG to decode at 1/2, 1/4 or 1/8 of its size (draft) before resizing.
            image.thumbnail((max_columns, 2 * max_rows), Image.Resampling.BILINEAR, reducing_gap=2.0)
            if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
                rgba = image.convert("RGBA")
                flat = Image.new("RGB", rgba.size, (0, 0, 0))  # transparent parts on a dark terminal
                flat.paste(rgba, mask=rgba.getchannel("A"))
            else:
                flat = image.convert("RGB")
            return Thumbnail(flat.width, flat.height, flat.tobytes())
    except PreviewFailed:
        raise
    except Image.UnidentifiedImageError:
        raise PreviewFailed("not a PNG, JPEG, GIF or WebP image") from None
    except (OSError, SyntaxError, ValueError, EOFError, IndexError) as exc:
        # Pillow's words for a damaged file ("image file is truncated", "broken data stream ...").
        raise PreviewFailed(f"the image is damaged ({exc})") from None


def _yield_to_the_ui() -> None:
    """A decoding thread's own scheduling priority lowered (Linux sets it per thread), so that while it decodes
    the UI thread gets the core first: keys echo on time on a busy machine."""
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)


def decoding_thread() -> Executor:
    """One thread of low priority to decode in (one image at a time)."""
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="image-decode", initializer=_yield_to_the_ui)


async def decode_off_loop(data: bytes, timeout: float = DECODE_SECONDS, executor: Executor | None = None,
                          decoder: Callable[[bytes], Thumbnail] | None = None) -> Thumbnail:
    """`decoder` (`decode` unless given: another size of it) in a worker thread (`executor`'s, else the loop's
    default), given up after `timeout` seconds (the thread ends by itself: the pixel cap bounds it)."""
    work = decoder or decode
    try:
        return await asyncio.wait_for(asyncio.get_running_loop().run_in_executor(executor, work, data), timeout)
    except TimeoutError:
        raise PreviewFailed(f"decoding it took longer than {timeout:g} s") from None


def fitted(thumbnail: Thumbnail, columns: int) -> Thumbnail:
    """The thumbnail no wider than `columns` (nearest pixels: it is small already), keeping its shape."""
    if thumbnail.width <= columns:
        return thumbnail
    width = max(1, columns)
    height = max(1, round(thumbnail.height * width / thumbnail.width))
    rows = bytearray()
    for y in range(height):
        source_y = min(thumbnail.height - 1, y * thumbnail.height // height)
        for x in range(width):
            rows.extend(thumbnail.pixel(min(thumbnail.width - 1, x * thumbnail.width // width), source_y))
    return Thumbnail(width, height, bytes(rows))


def half_blocks(thumbnail: Thumbnail, columns: int = MAX_COLUMNS) -> list[Strip]:
    """The thumbnail as lines of `▀`, at most `columns` cells wide: two pixel rows a line (an odd last row has
    the terminal's background under it). A few milliseconds for a full-size one: done in the decoding thread."""
    image = fitted(thumbnail, columns)
    colours: dict[tuple[int, int, int], Color] = {}

    def colour(rgb: tuple[int, int, int]) -> Color:
        known = colours.get(rgb)
        if known is None:
            known = colours[rgb] = Color.from_rgb(*rgb)
        return known

    strips = []
    for top in range(0, image.height, 2):
        segments = []
        for x in range(image.width):
            lower = colour(image.pixel(x, top + 1)) if top + 1 < image.height else None
            segments.append(Segment("▀", Style.from_color(colour(image.pixel(x, top)), lower)))
        strips.append(Strip(Segment.simplify(segments), image.width))
    return strips
