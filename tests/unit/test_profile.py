"""The profile in a data directory: one copy per directory (a lock another process sees), and a resource of
this installation's own, kept across restarts."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from xmpptui import profile

ROOT = Path(__file__).resolve().parents[2]


def run_app(data_home: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """`python -m xmpptui` from this checkout, with its own dirs under tmp_path and data under `data_home`."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "XDG_DATA_HOME": str(data_home),
           "XDG_CONFIG_HOME": str(tmp_path / "config"), "XDG_STATE_HOME": str(tmp_path / "state")}
    return subprocess.run([sys.executable, "-m", "xmpptui"], env=env, capture_output=True, text=True, timeout=30,
                          stdin=subprocess.DEVNULL)


def test_a_second_copy_on_the_same_data_directory_says_it_is_in_use_and_exits(tmp_path: Path) -> None:
    data_dir = tmp_path / "data" / "xmpptui"
    data_dir.mkdir(parents=True)
    held = profile.lock(data_dir)  # (this test's process is the first copy)
    try:
        second = run_app(tmp_path / "data", tmp_path)
    finally:
        held.release()
    assert second.returncode == 1
    assert second.stderr.strip() == (f"xmpptui: the profile in {data_dir} is in use by another xmpptui "
                                     f"(pid {os.getpid()}); quit that one, or give this one other data "
                                     "(XDG_DATA_HOME)")
    assert "Traceback" not in second.stderr and second.stdout == "", "nothing drawn: it stopped before the TUI"
    assert sorted(p.name for p in data_dir.iterdir()) == ["lock"], "the history is left alone"


def test_the_lock_is_seen_by_another_process_and_let_go_when_its_holder_ends(tmp_path: Path) -> None:
    code = ("import sys; from pathlib import Path; from xmpptui import profile\n"
            "try:\n    profile.lock(Path(sys.argv[1]))\n"
            "except profile.ProfileInUse as exc:\n    print('in use', exc.pid)\n"
            "else:\n    print('locked')\n")

    def other_process(directory: Path) -> str:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        return subprocess.run([sys.executable, "-c", code, str(directory)], env=env, capture_output=True,
                              text=True, check=True, timeout=30).stdout.strip()

    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir()
    two.mkdir()
    held = profile.lock(one)
    assert other_process(one) == f"in use {os.getpid()}"
    assert other_process(two) == "locked", "separate data directories do not get in each other's way"
    held.release()
    assert other_process(one) == "locked"
    assert stat.S_IMODE((one / "lock").stat().st_mode) == 0o600


def test_each_installation_keeps_a_resource_of_its_own(tmp_path: Path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    first = profile.installation_resource(one)
    assert first.startswith("xmpptui.") and len(first) == len("xmpptui.") + 8
    assert profile.installation_resource(one) == first, "the same on every start"
    assert profile.installation_resource(two) != first, "another installation has another"
    assert stat.S_IMODE((one / "resource").stat().st_mode) == 0o600
    (one / "resource").write_text("garbage\n")
    assert profile.installation_resource(one) not in (first, "garbage")


def test_no_resource_is_kept_where_nothing_can_be_written(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    resources = {profile.installation_resource(blocker / "data"), profile.installation_resource(None)}
    assert len(resources) == 2 and all(r.startswith("xmpptui.") for r in resources)


@pytest.mark.parametrize("configured", ["", "desk"])
def test_the_session_gets_the_installations_resource_unless_the_config_names_one(
        tmp_path: Path, configured: str) -> None:
    from xmpptui.__main__ import Prepared, prepare
    from xmpptui.config import Account
    from xmpptui.passwords import Secret

    sessions = []
    for _ in range(2):  # two starts
        prepared = prepare([])
        assert isinstance(prepared, Prepared)
        try:
            account = Account(jid="alice@localhost", resource=configured)
            sessions.append(prepared.session_factory(account, Secret("pw")).state.resource)
        finally:
            prepared.close()
    kept = (Path(os.environ["XDG_DATA_HOME"]) / "xmpptui" / "resource").read_text().strip()
    assert sessions == [configured or kept] * 2
