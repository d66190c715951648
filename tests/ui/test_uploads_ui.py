"""/upload and /cancel driven by keys against a scripted session: the progress line, Escape, errors in words."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.helpers import until
from tests.ui.fake_session import FakeSession
from tests.ui.test_app_ui import CONTACTS, SIZE, Factory, make
from xmpptui.session import UploadError
from xmpptui.text import size_words
from xmpptui.ui.chat.uploads import progress_line

BOB = "bob@example.org"


def test_progress_line_says_percent_and_bytes() -> None:
    line = progress_line("a\x1b[31mb.png", 1536 * 1024, 3 * 1024 * 1024).plain
    assert line.startswith("⇧ a?[31mb.png [") and "] 50% 1.5 MiB of 3.0 MiB" in line
    assert "Esc or /cancel" in line and "/s" not in line, "no rate before time has passed"
    timed = progress_line("a.png", 1024 * 1024, 3 * 1024 * 1024, elapsed=2.0).plain
    assert "33% 1.0 MiB of 3.0 MiB, 512.0 KiB/s, 4 s left" in timed
    assert "1 bytes/s, 2 min 00 s left" in progress_line("a", 1, 121, elapsed=1.0).plain
    assert [size_words(10), size_words(2048), size_words(5 * 1024**3)] == ["10 bytes", "2.0 KiB", "5.0 GiB"]


async def _in_chat_with_bob(pilot, factory: Factory) -> None:  # type: ignore[no-untyped-def]
    await until(pilot, lambda: factory.made, what="session started")
    await pilot.press(*f"/chat {BOB}", "enter")
    await until(pilot, lambda: pilot.app.main_screen.chat.active == BOB, what="chat with bob")


async def test_upload_shows_progress_then_sends_the_link(tmp_path: Path) -> None:
    file = tmp_path / "photo.png"
    file.write_bytes(b"x" * 4096)
    session = FakeSession(contacts=list(CONTACTS))
    app, factory = make(factory=Factory(session=session))
    async with app.run_test(size=SIZE) as pilot:
        await _in_chat_with_bob(pilot, factory)
        await pilot.press(*f"/attach {file}", "enter")
        screen = app.main_screen
        await until(pilot, lambda: "photo.png" in screen.uploads.line_text, what="the progress line")
        assert "0% 0 bytes of 4.0 KiB" in screen.uploads.line_text
        assert screen.composer.text == "", "once the upload is under way the composer is free to type in"
        session.upload_progress(BOB, "photo.png", 2048, 4096)
        await until(pilot, lambda: "50% 2.0 KiB of 4.0 KiB" in screen.uploads.line_text)
        session.finish_upload(BOB, "https://upload.example.org/photo.png")
        await until(pilot, lambda: ("send_chat", (BOB, "https://upload.example.org/photo.png")) in session.calls,
                    what="the link sent")
        await until(pilot, lambda: not screen.uploads.line_text, what="the line goes")
        assert ("upload_file", (BOB, str(file))) in session.calls


async def test_escape_and_cancel_stop_the_upload_and_say_so(tmp_path: Path) -> None:
    file = tmp_path / "big.iso"
    file.write_bytes(b"x" * 100)
    session = FakeSession(contacts=list(CONTACTS))
    app, factory = make(factory=Factory(session=session))
    async with app.run_test(size=SIZE) as pilot:
        await _in_chat_with_bob(pilot, factory)
        screen = app.main_screen
        for stop in (("escape",), (*"/cancel", "enter")):
            await pilot.press(*f"/upload {file}", "enter")
            await until(pilot, lambda: "big.iso" in screen.uploads.line_text, what="under way")
            await pilot.press(*stop)
            await until(pilot, lambda: not screen.uploads.line_text, what="the line goes")
            await until(pilot, lambda: any("upload cancelled, nothing was sent" in str(n.message)
                                           for n in app._notifications), what="said in words")
            app.clear_notifications()
        assert [call for call in session.calls if call[0] == "cancel_upload"] == [("cancel_upload", BOB)] * 2
        assert not [call for call in session.calls if call[0] == "send_chat"], "nothing sent"
        await pilot.press(*"/cancel", "enter")
        await until(pilot, lambda: any("no upload under way" in str(n.message) for n in app._notifications))
        assert app.is_running


async def test_a_missing_file_is_refused_in_words_and_the_command_kept(tmp_path: Path) -> None:
    session = FakeSession(contacts=list(CONTACTS))
    app, factory = make(factory=Factory(session=session))
    async with app.run_test(size=SIZE) as pilot:
        await _in_chat_with_bob(pilot, factory)
        typed = f"/upload {tmp_path}/nothing here.txt"
        await pilot.press(*typed, "enter")
        await until(pilot, lambda: any("no such file" in str(n.message) for n in app._notifications),
                    what="the refusal in words")
        assert app.main_screen.composer.text == typed, "nothing typed is lost"
        assert not app.main_screen.uploads.line_text


async def test_upload_outside_a_conversation_says_where_to_go(tmp_path: Path) -> None:
    app, factory = make()
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: factory.made)
        await pilot.press(*f"/upload {tmp_path}", "enter")
        await until(pilot, lambda: any("open a conversation first" in str(n.message) for n in app._notifications))


async def test_tab_completes_a_path_after_upload(tmp_path: Path) -> None:
    (tmp_path / "report-2026.pdf").write_bytes(b"%PDF")
    app, factory = make()
    async with app.run_test(size=SIZE) as pilot:
        await _in_chat_with_bob(pilot, factory)
        await pilot.press(*f"/attach {tmp_path}/rep", "tab")
        await until(pilot, lambda: app.main_screen.composer.text == f"/attach {tmp_path}/report-2026.pdf ",
                    what="the file name completed")


async def test_a_cut_upload_is_offered_again_and_enter_retries_it(tmp_path: Path) -> None:
    file = tmp_path / "archive.tar"
    file.write_bytes(b"x" * 4096)
    session = FakeSession(contacts=list(CONTACTS))
    app, factory = make(factory=Factory(session=session))
    async with app.run_test(size=SIZE) as pilot:
        await _in_chat_with_bob(pilot, factory)
        screen = app.main_screen
        typed = f"/upload   {file}"  # (given back exactly as typed, spaces and all)
        await pilot.press(*typed, "enter")
        await until(pilot, lambda: "archive.tar [" in screen.uploads.line_text, what="under way")
        assert screen.composer.text == ""
        session.fail_upload(BOB, UploadError("archive.tar: the upload was cut off (the upload server closed the "
                                             "connection); nothing was sent, try again", retry=True))
        await until(pilot, lambda: "press Enter to retry" in screen.uploads.line_text, what="the retry offered")
        assert screen.uploads.line_text.startswith("⇧ archive.tar was not sent: the upload was cut off (the upload "
                                                   "server closed the connection)")
        assert screen.composer.text == typed and screen.composer.has_focus
        assert any("cut off" in str(n.message) for n in app._notifications), "said in words as well"

        await pilot.press("enter")
        await until(pilot, lambda: "archive.tar [" in screen.uploads.line_text, what="under way again")
        assert [call for call in session.calls if call[0] == "upload_file"] == [("upload_file", (BOB, str(file)))] * 2
        session.finish_upload(BOB, "https://upload.example.org/archive.tar")
        await until(pilot, lambda: not screen.uploads.line_text, what="the line goes")
        assert [call for call in session.calls if call[0] == "send_chat"] == [
            ("send_chat", (BOB, "https://upload.example.org/archive.tar"))], "the link sent once"


async def test_a_refusal_is_not_offered_again_and_escape_forgets_a_failure(tmp_path: Path) -> None:
    file = tmp_path / "big.iso"
    file.write_bytes(b"x" * 100)
    session = FakeSession(contacts=list(CONTACTS))
    app, factory = make(factory=Factory(session=session))
    async with app.run_test(size=SIZE) as pilot:
        await _in_chat_with_bob(pilot, factory)
        screen = app.main_screen
        await pilot.press(*f"/upload {file}", "enter")
        await until(pilot, lambda: "big.iso [" in screen.uploads.line_text, what="under way")
        session.fail_upload(BOB, UploadError("big.iso was refused by the upload server: HTTP 403 Forbidden; "
                                             "nothing was sent"))
        await until(pilot, lambda: not screen.uploads.line_text, what="the line goes")
        await until(pilot, lambda: any("HTTP 403" in str(n.message) for n in app._notifications), what="in words")
        assert screen.composer.text == "", "no retry offered for a refusal"

        # Something typed meanwhile is not replaced: the line names the command instead; Escape forgets it.
        await pilot.press(*f"/upload {file}", "enter")
        await until(pilot, lambda: "big.iso [" in screen.uploads.line_text, what="under way")
        await pilot.press(*"hello")
        session.fail_upload(BOB, UploadError("big.iso was refused by the upload server: HTTP 503 Service "
                                             "Unavailable; nothing was sent, try again", retry=True))
        await until(pilot, lambda: f"retry: /upload {file}" in screen.uploads.line_text, what="the retry named")
        assert screen.composer.text == "hello", "nothing typed is lost"
        await pilot.press("escape")
        await until(pilot, lambda: not screen.uploads.line_text, what="forgotten")
        assert screen.composer.text == "hello" and app.is_running
