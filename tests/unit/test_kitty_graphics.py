"""Kitty graphics (ui/chat/kitty_graphics.py): the escape sequences that send and delete an image (chunked base64,
ids, quiet), the placeholder cells that show it (row and column diacritics, the id as the colour), which terminals
get it, and the store that sends each image once per size and deletes what it lets go."""

from __future__ import annotations

import base64
import io
import re
import unicodedata

import pytest
from PIL import Image  # (the test extra installs Pillow: these never skip)
from rich.cells import cell_len
from rich.color import Color

from xmpptui.ui.chat import kitty_graphics
from xmpptui.ui.chat.kitty_graphics import KittyImages, choose_graphics
from xmpptui.ui.chat.thumbnail import Thumbnail

APC = re.compile(r"\x1b_G([^;]*);([^\x1b]*)\x1b\\")


def commands(sequence: str) -> list[tuple[dict[str, str], str]]:
    """The graphics commands in `sequence`: their keys and payloads; nothing else may be in it."""
    found = APC.findall(sequence)
    assert "".join(f"\x1b_G{keys};{payload}\x1b\\" for keys, payload in found) == sequence
    return [(dict(pair.split("=", 1) for pair in keys.split(",")), payload) for keys, payload in found]


def test_a_large_image_is_sent_in_base64_chunks_of_at_most_4096_bytes_all_but_the_last_saying_more() -> None:
    png = bytes(range(256)) * 40  # 10,240 bytes: 13,656 in base64, four chunks
    sent = commands(kitty_graphics.transmit_sequence(0x123456, png, 12, 5))
    assert len(sent) == 4
    assert [len(payload) for _, payload in sent] == [4096, 4096, 4096, 1368]
    assert base64.b64decode("".join(payload for _, payload in sent)) == png
    assert [keys["m"] for keys, _ in sent] == ["1", "1", "1", "0"]
    first = sent[0][0]
    assert first == {"a": "T", "U": "1", "f": "100", "t": "d", "q": "2", "i": str(0x123456), "c": "12", "r": "5",
                     "m": "1"}, "transmit with a virtual placement of 12×5 cells, a PNG, no reply"
    assert all(keys == {"m": keys["m"], "q": "2"} for keys, _ in sent[1:]), "later chunks carry m and q only"


def test_a_small_image_is_one_sequence_and_delete_frees_its_data_quietly() -> None:
    sent = commands(kitty_graphics.transmit_sequence(7, b"\x89PNG", 1, 1))
    assert [(keys["i"], keys["m"], base64.b64decode(payload)) for keys, payload in sent] == [("7", "0", b"\x89PNG")]
    assert kitty_graphics.delete_sequence(7) == "\x1b_Ga=d,d=I,i=7,q=2\x1b\\"


def test_placeholder_cells_name_their_row_and_column_and_carry_the_id_as_24_bit_colour() -> None:
    strips = kitty_graphics.placeholder_strips(0x0A0B0C, 3, 2)
    assert [strip.cell_length for strip in strips] == [3, 3]
    for row, strip in enumerate(strips):
        cells = list(strip)
        assert [cell.text for cell in cells] == [
            "\U0010EEEE" + kitty_graphics.DIACRITICS[row] + kitty_graphics.DIACRITICS[column] for column in range(3)]
        assert all(cell.style is not None and cell.style.color == Color.from_rgb(0x0A, 0x0B, 0x0C) for cell in cells)
        assert all(cell_len(cell.text) == 1 for cell in cells), "one cell each: Textual lays them out as text"


def test_the_diacritics_are_kittys_combining_marks_above_in_its_order() -> None:
    assert kitty_graphics.DIACRITICS[:5] == ("\u0305", "\u030d", "\u030e", "\u0310", "\u0312")
    assert kitty_graphics.DIACRITICS[63] == "\u0658"
    assert len(set(kitty_graphics.DIACRITICS)) == 64 >= 48, "every column of the widest thumbnail"
    assert all(unicodedata.combining(mark) == 230 for mark in kitty_graphics.DIACRITICS)


def test_the_grid_is_what_half_blocks_would_take_keeping_the_shape() -> None:
    assert kitty_graphics.grid(192, 128, 48) == (48, 16), "the largest thumbnail: 48 cells, 32 half-block pixels"
    assert kitty_graphics.grid(192, 128, 24) == (24, 8), "a narrow log halves it"
    assert kitty_graphics.grid(8, 8, 48) == (8, 4), "a small image is not enlarged: as in half blocks"
    assert kitty_graphics.grid(100, 400, 48) == (8, 16), "a tall one: 32 half-block pixels tall"
    assert kitty_graphics.grid(3, 1, 48) == (3, 1)


def test_kitty_and_ghostty_get_kitty_graphics_tmux_screen_and_others_half_blocks_unless_forced() -> None:
    true = {"COLORTERM": "truecolor"}
    assert choose_graphics("auto", {**true, "TERM": "xterm-kitty"}) == "kitty"
    assert choose_graphics("auto", {**true, "TERM": "xterm-256color", "KITTY_WINDOW_ID": "1"}) == "kitty"
    assert choose_graphics("auto", {**true, "TERM": "xterm-256color", "TERM_PROGRAM": "ghostty"}) == "kitty"
    assert choose_graphics("auto", {"COLORTERM": "24bit", "TERM": "xterm-ghostty"}) == "kitty", \
        "over SSH: $TERM comes along"
    assert choose_graphics("auto", {"TERM": "xterm-kitty"}) == "halfblocks", \
        "no $COLORTERM: the id would be drawn in 256 colours"
    assert choose_graphics("auto", {**true, "TERM": "tmux-256color", "TMUX": "/tmp/tmux-0/default,1,0",
                                    "KITTY_WINDOW_ID": "1"}) == "halfblocks", "tmux inside kitty"
    assert choose_graphics("auto", {**true, "TERM": "screen", "STY": "1.pts", "KITTY_WINDOW_ID": "1"}) \
        == "halfblocks"
    assert choose_graphics("auto", {**true, "TERM": "xterm-256color", "TERM_PROGRAM": "iTerm.app"}) == "halfblocks"
    assert choose_graphics("auto", {}) == "halfblocks"
    assert choose_graphics("kitty", {"TMUX": "x"}) == "kitty", "forced"
    assert choose_graphics("halfblocks", {**true, "TERM": "xterm-kitty"}) == "halfblocks"


def test_the_png_is_the_thumbnails_pixels() -> None:
    red = Thumbnail(2, 1, bytes((255, 0, 0, 0, 0, 255)))
    with Image.open(io.BytesIO(kitty_graphics.encode_png(red))) as image:
        assert image.format == "PNG" and image.size == (2, 1)
        assert [image.getpixel((0, 0)), image.getpixel((1, 0))] == [(255, 0, 0), (0, 0, 255)]


def test_each_image_is_sent_once_per_size_with_a_stable_id_and_deleted_on_the_way_out() -> None:
    written: list[str] = []
    images = KittyImages(written.append, first_id=100)
    images.add("https://x/a.png", b"A", 8, 8)
    first = images.strips("https://x/a.png", 48)
    again = images.strips("https://x/a.png", 48)
    assert len(first) == 4 and [list(s) for s in first] == [list(s) for s in again]
    assert [keys["i"] for keys, _ in commands("".join(written))] == ["100"], "sent once"
    narrow = images.strips("https://x/a.png", 4)
    assert len(narrow) == 2
    assert [(keys["i"], keys["c"], keys["r"]) for keys, _ in commands(written[-1])] == [("101", "4", "2")]
    written.clear()
    images.delete_all()
    assert written == [kitty_graphics.delete_sequence(100) + kitty_graphics.delete_sequence(101)]


def test_an_image_let_go_is_deleted_from_the_terminal_and_sent_again_with_its_id_when_seen() -> None:
    written: list[str] = []
    images = KittyImages(written.append, first_id=1)
    for number in range(kitty_graphics.LIVE_IMAGES + 1):
        images.add(f"https://x/{number}.png", b"P", 8, 8)
        images.strips(f"https://x/{number}.png", 48)
    assert written[-1] == kitty_graphics.delete_sequence(1), "the least recently seen one deleted"
    written.clear()
    images.seen("https://x/0.png")
    assert [keys["i"] for keys, _ in commands(written[0])] == ["1"], "sent again, the cells on screen still fit"
    assert written[1] == kitty_graphics.delete_sequence(2)


def test_inside_tmux_each_command_goes_through_its_passthrough_with_escapes_doubled() -> None:
    written: list[str] = []
    images = KittyImages(written.append, first_id=5, tmux=True)
    images.add("https://x/a.png", bytes(4000), 8, 8)  # (5,336 bytes of base64: two commands)
    images.strips("https://x/a.png", 48)
    wrapped = re.findall(r"\x1bPtmux;(.*?)(?<!\x1b)\x1b\\", written[0], re.DOTALL)
    assert "".join(f"\x1bPtmux;{inner}\x1b\\" for inner in wrapped) == written[0]
    inner = [command.replace("\x1b\x1b", "\x1b") for command in wrapped]
    assert inner == [command + "\x1b\\" for command in kitty_graphics.transmit_sequence(5, bytes(4000), 8, 4)
                     .split("\x1b\\") if command]


def test_beyond_the_images_kept_the_oldest_is_deleted_and_forgotten(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kitty_graphics, "KEPT_IMAGES", 2)
    written: list[str] = []
    images = KittyImages(written.append, first_id=9)
    images.add("https://x/a.png", b"A", 8, 8)
    images.strips("https://x/a.png", 48)
    images.add("https://x/b.png", b"B", 8, 8)
    assert "https://x/a.png" in images
    images.add("https://x/c.png", b"C", 8, 8)
    assert "https://x/a.png" not in images, "forgotten: its log lines fall back to half blocks"
    assert written[-1] == kitty_graphics.delete_sequence(9)
    written.clear()
    images.seen("https://x/a.png")
    images.delete_all()
    assert written == [], "nothing of it left to send or delete"
