"""Starting where the data or log directory cannot be used: the app runs and says so in words, never a
traceback. A path under a regular file is used to make a directory unusable: the suite runs as root (CI does),
for whom chmod 0500 stops nothing."""

from __future__ import annotations

import gc
import logging
import os
from pathlib import Path

import pytest

from tests.e2e.helpers import until
from xmpptui.__main__ import Prepared, prepare
from xmpptui.ui.login.account import AccountScreen


def _blocked(tmp_path: Path, variable: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    blocker = tmp_path / f"not-a-directory-{variable}"
    blocker.write_text("a regular file where a directory should be\n")
    monkeypatch.setenv(variable, str(blocker))
    return blocker


async def _notices_after_start(prepared: Prepared) -> list[str]:
    app = prepared.app
    try:
        async with app.run_test(size=(120, 36)) as pilot:
            await until(pilot, lambda: isinstance(app.screen, AccountScreen) and app.screen.query("#account-tls"),
                        what="the app running (no account: it asks for one)")
            await pilot.pause()
            await until(pilot, lambda: app._notifications, what="a notice")
            shown = [str(n.message) for n in app._notifications]
            assert app.is_running
        return shown
    finally:
        prepared.close()


async def test_an_unusable_data_directory_runs_without_history_and_says_so(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = _blocked(tmp_path, "XDG_DATA_HOME", monkeypatch)
    prepared = prepare([])
    assert isinstance(prepared, Prepared) and prepared.history is None and prepared.lock is None
    (shown,) = await _notices_after_start(prepared)
    assert shown.startswith(f"the data directory {blocker / 'xmpptui'} cannot be used (Not a directory): "
                            "running without history")
    log = Path(os.environ["XDG_STATE_HOME"]) / "xmpptui" / "log" / "xmpptui.log"
    assert "running without history" in log.read_text(), "the log says it too"
    assert blocker.read_text().startswith("a regular file"), "nothing written over it"


async def test_an_unusable_log_directory_runs_without_a_log_file_and_says_so(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]) -> None:
    blocker = _blocked(tmp_path, "XDG_STATE_HOME", monkeypatch)
    prepared = prepare([])
    assert isinstance(prepared, Prepared) and prepared.history is not None
    try:
        (shown,) = await _notices_after_start(prepared)
        assert shown == (f"no log file: {blocker / 'xmpptui' / 'log'} cannot be written (Not a directory); "
                         "running without a log")
        logging.getLogger("xmpptui.test").error("an error with no log file")
        assert "an error with no log file" not in capfd.readouterr().err, "nothing goes to the terminal"
    finally:
        logging.getLogger().handlers.clear()


async def test_a_history_file_that_cannot_be_opened_is_named_and_the_app_goes_on_without_history() -> None:
    where = Path(os.environ["XDG_DATA_HOME"]) / "xmpptui" / "history.sqlite3"
    where.mkdir(parents=True)  # (a directory where the file should be: root can open anything else)
    prepared = prepare([])
    assert isinstance(prepared, Prepared)
    (shown,) = await _notices_after_start(prepared)
    assert shown == (f"the history file {where} cannot be used: unable to open database file: running without "
                     "history")
    log = Path(os.environ["XDG_STATE_HOME"]) / "xmpptui" / "log" / "xmpptui.log"
    assert f"the history file {where} cannot be used" in log.read_text()


async def test_the_collector_main_keeps_off_for_the_launch_is_on_after_the_first_frame() -> None:
    """`main` disables the garbage collector before the imports (#20); the app must enable it again, or cycles
    would never be collected in a long session."""
    gc.disable()
    try:
        prepared = prepare([])
        assert isinstance(prepared, Prepared)
        app = prepared.app
        try:
            async with app.run_test(size=(120, 36)) as pilot:
                await until(pilot, lambda: isinstance(app.screen, AccountScreen) and app.screen.query("#account-tls"),
                            what="the first screen")
                await until(pilot, gc.isenabled, what="the collector enabled after the first frame")
                await pilot.pause()
                assert gc.get_threshold()[0] == 50_000, "with the calm thresholds"
        finally:
            prepared.close()
    finally:
        gc.enable()
