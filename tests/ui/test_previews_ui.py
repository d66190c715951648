"""Inline image previews driven by keys against a scripted session: our upload's thumbnail from the file we
sent, received images fetched only where `[ui] preview` or `/preview on` allows, placeholders in words; with
`[ui] graphics = "kitty"`, the image sent to the terminal once and the log's lines its placeholder cells."""

from __future__ import annotations

import base64
import io
import os
import re
from pathlib import Path

import pytest
from PIL import Image  # (the test extra installs Pillow: these never skip)
from rich.color import Color

from tests.e2e.helpers import until
from tests.ui.fake_session import FakeSession
from tests.ui.test_app_ui import CONTACTS, SIZE, Factory, make
from xmpptui.config import Config, UiConfig
from xmpptui.model.conversation import Attachment
from xmpptui.ui.app import XmppTuiApp
from xmpptui.ui.chat import kitty_graphics, preview

BOB = "bob@example.org"
STRANGER = "mallory@elsewhere.example"
URL = "https://files.example.net/abc/cat.png"


@pytest.fixture(autouse=True)
def _not_in_kitty(monkeypatch: pytest.MonkeyPatch) -> None:
    """`[ui] graphics = "auto"` draws half blocks here, whichever terminal runs the tests."""
    for name in ("KITTY_WINDOW_ID", "TERM_PROGRAM", "TMUX", "STY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")


def png(colour: tuple[int, int, int], size: tuple[int, int] = (8, 8)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return out.getvalue()


def lines(app: XmppTuiApp, jid: str) -> list[str]:
    log = app.main_screen.chat_log(jid)
    return [] if log is None else log.plain_lines()


def text(app: XmppTuiApp, jid: str) -> str:
    """The log's words, its wrapped lines joined."""
    return " ".join(line.strip() for line in lines(app, jid))


def thumbnail_rows(app: XmppTuiApp, jid: str) -> list[str]:
    return [line.strip() for line in lines(app, jid) if line.strip() and set(line.strip()) == {"▀"}]


def fetches(session: FakeSession) -> list[object]:
    return [call for call in session.calls if call[0] == "fetch_image"]


async def _open(pilot, factory: Factory, jid: str) -> None:  # type: ignore[no-untyped-def]
    await until(pilot, lambda: factory.made, what="session started")
    await pilot.press(*f"/chat {jid}", "enter")
    await until(pilot, lambda: pilot.app.main_screen.chat.active == jid, what=f"chat with {jid}")


async def test_our_uploaded_png_shows_a_thumbnail_under_the_message_from_the_file_sent(tmp_path: Path) -> None:
    file = tmp_path / "red.png"
    file.write_bytes(png((255, 0, 0)))
    session = FakeSession(contacts=list(CONTACTS))
    app, factory = make(factory=Factory(session=session))
    async with app.run_test(size=SIZE) as pilot:
        await _open(pilot, factory, BOB)
        await pilot.press(*f"/upload {file}", "enter")
        await until(pilot, lambda: "red.png" in app.main_screen.uploads.line_text, what="under way")
        session.finish_upload(BOB, "https://upload.example.org/x/red.png")
        await until(pilot, lambda: thumbnail_rows(app, BOB), what="the thumbnail")
        shown = lines(app, BOB)
        link = next(i for i, line in enumerate(shown) if "https://upload.example.org/x/red.png" in line)
        assert "📎 red.png" in shown[link + 1], "the file's line under the link"
        top = next(i for i in range(link + 1, len(shown)) if "▀" in shown[i])  # (after the file's line, wrapped)
        assert shown[top:top + 4] == [" " * (len(shown[top]) - 8) + "▀" * 8] * 4, \
            "8×8 pixels: 8 cells by 4 lines, under the message, indented as its body"
        ours = session.state.conversations.get(BOB).messages[-1]  # type: ignore[union-attr]
        assert ours.attachment is not None and ours.attachment.local_path == str(file)
        cells = [segment for strip in app.main_screen.previews.lines(ours, 60) for segment in strip]
        red = Color.from_rgb(255, 0, 0)
        assert cells and all(cell.style is not None and cell.style.color == red and cell.style.bgcolor == red
                             for cell in cells), "upper and lower pixels red"
        assert fetches(session) == [], "our own file is read, nothing fetched"


async def test_a_strangers_image_is_not_fetched_under_roster_until_preview_on() -> None:
    session = FakeSession(contacts=list(CONTACTS), images={URL: png((0, 0, 255), (16, 4))})
    app, factory = make(factory=Factory(session=session))
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: factory.made, what="session started")
        session.receive(STRANGER, URL, attachment=Attachment(URL, "cat.png", 100, "image/png"))
        await _open(pilot, factory, STRANGER)
        await until(pilot, lambda: "image not previewed: /preview on" in text(app, STRANGER),
                    what="the line saying why there is no preview")
        await pilot.pause()
        assert fetches(session) == [] and thumbnail_rows(app, STRANGER) == []
        await pilot.press(*"/preview on", "enter")
        await until(pilot, lambda: thumbnail_rows(app, STRANGER) == ["▀" * 16] * 2, what="the thumbnail")
        assert fetches(session) == [("fetch_image", (STRANGER, URL, preview.thumbnail.MAX_BYTES))]
        assert "image not previewed" not in text(app, STRANGER)
        assert app.main_screen.composer.text == ""
        await pilot.press(*"/preview off", "enter")
        await until(pilot, lambda: thumbnail_rows(app, STRANGER) == [], what="the thumbnail gone")
        assert len(fetches(session)) == 1


async def test_previews_all_in_the_config_fetch_a_strangers_image_at_once() -> None:
    session = FakeSession(contacts=list(CONTACTS), images={URL: png((0, 0, 255), (16, 4))})
    app, factory = make(Config(ui=UiConfig(preview="all")), factory=Factory(session=session))
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: factory.made, what="session started")
        session.receive(STRANGER, URL, attachment=Attachment(URL, "cat.png", 100, "image/png"))
        await _open(pilot, factory, STRANGER)
        await until(pilot, lambda: thumbnail_rows(app, STRANGER) == ["▀" * 16] * 2, what="the thumbnail")
        assert len(fetches(session)) == 1


async def test_a_contacts_image_is_fetched_at_once_and_a_broken_one_is_a_placeholder() -> None:
    broken = "https://files.example.net/broken.png"
    noise = io.BytesIO()
    Image.frombytes("RGB", (32, 32), os.urandom(32 * 32 * 3)).save(noise, "PNG")
    truncated = noise.getvalue()[:len(noise.getvalue()) // 2]
    session = FakeSession(contacts=list(CONTACTS), images={URL: png((0, 255, 0)), broken: truncated})
    app, factory = make(factory=Factory(session=session))
    async with app.run_test(size=SIZE) as pilot:
        await _open(pilot, factory, BOB)
        session.receive(BOB, URL, attachment=Attachment(URL, "cat.png", None, ""))  # (by its extension)
        session.receive(BOB, broken, attachment=Attachment(broken, "broken.png", None, "image/png"))
        await until(pilot, lambda: len(thumbnail_rows(app, BOB)) == 4, what="the good one's thumbnail")
        await until(pilot, lambda: "image could not be shown: the image is damaged" in text(app, BOB),
                    what="the broken one's placeholder")
        assert {call[1][1] for call in fetches(session)} == {URL, broken}  # type: ignore[index]
        assert not app._notifications or all("could not" not in str(n.message) for n in app._notifications), \
            "no error notification: a line in the log"
        assert app.is_running


async def test_previews_off_in_the_config_fetch_nothing_and_say_nothing() -> None:
    session = FakeSession(contacts=list(CONTACTS), images={URL: png((0, 255, 0))})
    app, factory = make(Config(ui=UiConfig(preview="off")), factory=Factory(session=session))
    async with app.run_test(size=SIZE) as pilot:
        await _open(pilot, factory, BOB)
        session.receive(BOB, URL, attachment=Attachment(URL, "cat.png", 100, "image/png"))
        session.receive(BOB, "after it")
        await until(pilot, lambda: any("after it" in line for line in lines(app, BOB)), what="both shown")
        await pilot.pause()
        assert fetches(session) == [] and thumbnail_rows(app, BOB) == []
        assert not any("image" in line and "📎" not in line for line in lines(app, BOB)), \
            "nothing but the file's own line (its type) says image"


async def test_without_pillow_an_image_says_previews_need_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(preview.thumbnail, "pillow_available", lambda: False)
    session = FakeSession(contacts=list(CONTACTS), images={URL: png((0, 255, 0))})
    app, factory = make(factory=Factory(session=session))
    async with app.run_test(size=SIZE) as pilot:
        await _open(pilot, factory, BOB)
        session.receive(BOB, URL, attachment=Attachment(URL, "cat.png", 100, "image/png"))
        await until(pilot, lambda: "pipx install 'xmpptui[images]'" in text(app, BOB),
                    what="the line naming the extra")
        assert fetches(session) == []


TRANSMIT = re.compile(r"\x1b_G(a=T,[^;]*);([^\x1b]*)\x1b\\")


async def test_with_kitty_graphics_the_thumbnail_is_placeholder_cells_and_the_image_is_sent_once(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLORTERM", "truecolor")  # (as kitty sets it: Textual draws 24-bit colours)
    session = FakeSession(contacts=list(CONTACTS), images={URL: png((0, 255, 0), (16, 4))})
    app, factory = make(Config(ui=UiConfig(graphics="kitty")), factory=Factory(session=session))
    written: list[str] = []
    app.write_terminal = written.append
    async with app.run_test(size=SIZE) as pilot:
        await _open(pilot, factory, BOB)
        session.receive(BOB, URL, attachment=Attachment(URL, "cat.png", 100, "image/png"))
        await until(pilot, lambda: any(kitty_graphics.PLACEHOLDER in line for line in lines(app, BOB)),
                    what="the placeholder cells")
        shown = [line.strip() for line in lines(app, BOB) if kitty_graphics.PLACEHOLDER in line]
        marks = kitty_graphics.DIACRITICS
        assert shown == ["".join(kitty_graphics.PLACEHOLDER + marks[row] + marks[column] for column in range(16))
                         for row in range(2)], "16×4 pixels: 16 cells by 2 lines, as half blocks would take"
        assert thumbnail_rows(app, BOB) == [], "no half blocks"
        message = session.state.conversations.get(BOB).messages[-1]  # type: ignore[union-attr]
        colours = {segment.style.color for strip in app.main_screen.previews.lines(message, 60)
                   for segment in strip if segment.style is not None}
        sent = [match for chunk in written for match in TRANSMIT.findall(chunk)]
        assert len(sent) == 1, "the image went to the terminal once"
        keys = dict(pair.split("=", 1) for pair in sent[0][0].split(","))
        assert (keys["U"], keys["f"], keys["q"], keys["c"], keys["r"]) == ("1", "100", "2", "16", "2")
        image_id = int(keys["i"])
        assert colours == {Color.from_rgb(image_id >> 16, (image_id >> 8) & 0xFF, image_id & 0xFF)}, \
            "every cell names the image by its colour"
        with Image.open(io.BytesIO(base64.b64decode(sent[0][1]))) as image:
            assert image.size == (16, 4) and image.getpixel((0, 0)) == (0, 255, 0), "the image's own pixels"
        colour = f"38;2;{image_id >> 16};{(image_id >> 8) & 0xFF};{image_id & 0xFF}"
        cells = [kitty_graphics.PLACEHOLDER + marks[1] + marks[column] for column in range(16)]
        drawn = re.compile("".join(r"\x1b\[[0-9;]*" + colour + r"[0-9;]*m" + re.escape(cell) + r"\x1b\[0m"
                                   for cell in cells))
        # (the screen as Textual writes it to a terminal: the headless driver writes nothing)
        frame = app.screen._compositor.render_update(full=True).render_segments(app.console)
        assert drawn.search(frame), "the second row drawn cell by cell in the image's colour, diacritics intact"
        session.receive(BOB, "after it")  # (the log lays out and draws again)
        await until(pilot, lambda: any("after it" in line for line in lines(app, BOB)), what="the next message")
        await pilot.resize_terminal(100, 30)
        await pilot.pause()
        assert len([match for chunk in written for match in TRANSMIT.findall(chunk)]) == 1, "and only once"
        assert fetches(session) == [("fetch_image", (BOB, URL, preview.thumbnail.MAX_BYTES))]
    assert kitty_graphics.delete_sequence(image_id) in written[-3:], "deleted from the terminal on the way out"
