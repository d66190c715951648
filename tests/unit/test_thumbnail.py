"""Image thumbnails (ui/chat/thumbnail.py): half blocks with the pixels' colours, sized to fit; damaged and
oversized images refused in words before they are decoded; decoding off the event loop."""

from __future__ import annotations

import io
import os
import struct
import threading
import zlib

import pytest
from PIL import Image  # (the test extra installs Pillow: these never skip)
from rich.color import Color

from xmpptui.ui.chat import thumbnail

RED, GREEN, BLUE, WHITE = (255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 255)


def png(image: object) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")  # type: ignore[attr-defined]
    return out.getvalue()


def stripes(width: int = 4, colours: tuple[tuple[int, int, int], ...] = (RED, GREEN, BLUE, WHITE)) -> bytes:
    """A PNG whose pixel rows are these colours, top to bottom."""
    image = Image.new("RGB", (width, len(colours)))
    for y, colour in enumerate(colours):
        for x in range(width):
            image.putpixel((x, y), colour)
    return png(image)


def cells(strip: object) -> list[tuple[str, Color | None, Color | None]]:
    return [(char, segment.style.color, segment.style.bgcolor)  # type: ignore[union-attr]
            for segment in strip for char in segment.text]  # type: ignore[attr-defined]


def test_half_blocks_draw_two_pixel_rows_a_line_upper_as_foreground_lower_as_background() -> None:
    strips = thumbnail.half_blocks(thumbnail.decode(stripes()))
    assert [strip.cell_length for strip in strips] == [4, 4]
    assert cells(strips[0]) == [("▀", Color.from_rgb(*RED), Color.from_rgb(*GREEN))] * 4
    assert cells(strips[1]) == [("▀", Color.from_rgb(*BLUE), Color.from_rgb(*WHITE))] * 4


def test_an_odd_last_pixel_row_has_the_terminal_background_under_it() -> None:
    strips = thumbnail.half_blocks(thumbnail.decode(stripes(2, (RED, GREEN, BLUE))))
    assert cells(strips[1]) == [("▀", Color.from_rgb(*BLUE), None)] * 2


def test_a_large_image_is_made_to_fit_48_cells_by_16_lines_keeping_its_shape() -> None:
    wide = thumbnail.decode(png(Image.new("RGB", (960, 320), GREEN)))
    assert (wide.width, wide.height) == (48, 16)
    tall = thumbnail.half_blocks(thumbnail.decode(png(Image.new("RGB", (100, 400), GREEN))))
    assert len(tall) == 16 and tall[0].cell_length == 8
    narrow = thumbnail.half_blocks(wide, columns=24)  # a narrow log
    assert len(narrow) == 4 and {strip.cell_length for strip in narrow} == {24}


def test_a_transparent_png_is_drawn_on_black() -> None:
    image = Image.new("RGBA", (2, 2), (255, 0, 0, 0))
    assert thumbnail.decode(png(image)).pixel(0, 0) == (0, 0, 0)


def test_a_truncated_png_is_refused_in_words() -> None:
    noise = png(Image.frombytes("RGB", (64, 64), os.urandom(64 * 64 * 3)))
    with pytest.raises(thumbnail.PreviewFailed, match=r"damaged .*truncated"):
        thumbnail.decode(noise[:len(noise) // 2])


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def test_a_40000_by_40000_png_is_refused_from_its_header_without_decoding_it(monkeypatch: pytest.MonkeyPatch) -> None:
    header = struct.pack(">IIBBBBB", 40000, 40000, 8, 2, 0, 0, 0)
    bomb = (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(b"\0" * 4096))
            + _chunk(b"IEND", b""))
    loaded = []
    monkeypatch.setattr(Image.Image, "load", lambda self: loaded.append(self))
    with pytest.raises(thumbnail.PreviewFailed, match="40000×40000 pixels, more than a preview decodes"):
        thumbnail.decode(bomb)
    assert loaded == [], "no pixel was decoded"


def test_a_file_over_the_byte_cap_is_refused_before_pillow_reads_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(thumbnail, "MAX_BYTES", 1000)
    opened = []
    monkeypatch.setattr(Image, "open", lambda *args, **kwargs: opened.append(args))
    with pytest.raises(thumbnail.PreviewFailed, match="larger than"):
        thumbnail.decode(b"\x89PNG" + bytes(2000))
    assert opened == []


def test_not_an_image_is_said_so() -> None:
    with pytest.raises(thumbnail.PreviewFailed, match="not a PNG, JPEG, GIF or WebP image"):
        thumbnail.decode(b"<html>not found</html>")


def test_a_gif_shows_its_first_frame() -> None:
    frames = [Image.new("RGB", (4, 4), colour) for colour in (RED, BLUE)]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=100)
    first = thumbnail.decode(out.getvalue())
    assert first.pixel(0, 0) == RED


def test_a_4000_by_3000_jpeg_is_decoded_at_a_reduced_size() -> None:
    out = io.BytesIO()
    Image.new("RGB", (4000, 3000), BLUE).save(out, "JPEG")
    from PIL.JpegImagePlugin import JpegImageFile

    drafts: list[object] = []
    real_draft = JpegImageFile.draft

    def draft(self: object, mode: str | None, size: tuple[int, int] | None) -> object:
        result = real_draft(self, mode, size)  # type: ignore[arg-type]
        drafts.append(self.size)  # type: ignore[attr-defined]
        return result

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(JpegImageFile, "draft", draft)
        small = thumbnail.decode(out.getvalue())
    assert (small.width, small.height) == (43, 32)
    assert drafts and drafts[0] == (500, 375), "the JPEG was decoded at 1/8 of its size"


async def test_decoding_runs_off_the_event_loop_thread() -> None:
    seen: list[threading.Thread] = []
    real = thumbnail.decode

    def decode(data: bytes) -> thumbnail.Thumbnail:
        seen.append(threading.current_thread())
        return real(data)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(thumbnail, "decode", decode)
        result = await thumbnail.decode_off_loop(stripes())
    assert result.width == 4 and seen and seen[0] is not threading.current_thread()


async def test_a_decode_that_takes_too_long_is_given_up_in_words() -> None:
    release = threading.Event()

    def slow(data: bytes) -> thumbnail.Thumbnail:
        release.wait(5)
        raise AssertionError("not reached in time")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(thumbnail, "decode", slow)
        try:
            with pytest.raises(thumbnail.PreviewFailed, match=r"longer than 0\.05 s"):
                await thumbnail.decode_off_loop(b"", timeout=0.05)
        finally:
            release.set()


def test_the_decoding_thread_runs_at_a_lower_priority_than_the_ui_thread() -> None:
    def priority() -> int:
        return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    executor = thumbnail.decoding_thread()
    try:
        assert executor.submit(priority).result(10) >= min(priority() + 10, 19)
    finally:
        executor.shutdown()
