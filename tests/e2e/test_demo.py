"""`xmpptui --demo` from a pipx-style install: the demo's server, contacts and bot come from the package alone.

The install is what pipx does: a fresh venv of its own (no system site-packages) and `pip install` of a copy of
this checkout's project files (not `-e`, and no tests/ or scripts/ in it), so slixmpp and Textual are the
venv's own. The app then runs from the venv's console script in a real terminal (tmux).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.terminal_app import ROOT, TerminalApp, xdg_environment

INSTALL_HINT = "sudo apt install prosody lua-unbound openssl"


@pytest.fixture(scope="module")
def pipx_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("pipx")
    project = base / "project"
    project.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, project / name)
    shutil.copytree(ROOT / "xmpptui", project / "xmpptui", ignore=shutil.ignore_patterns("__pycache__"))
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True, timeout=120)
    installed = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--disable-pip-version-check",
                                "-q", str(project)], capture_output=True, text=True, timeout=600)
    assert installed.returncode == 0, f"pip install failed:\n{installed.stdout}\n{installed.stderr}"
    where = subprocess.run([str(venv / "bin" / "python"), "-c", "import xmpptui, slixmpp, textual; "
                            "print(xmpptui.__file__); print(slixmpp.__file__); print(textual.__file__)"],
                           capture_output=True, text=True, check=True, cwd=base)
    assert all(line.startswith(str(venv)) for line in where.stdout.split()), where.stdout  # all the venv's own
    return venv


def _environment(home: Path, path: str) -> dict[str, str]:
    """The user's environment as a shell gives it: no PYTHONPATH pointing at this checkout, no test variables."""
    environment = {key: value for key, value in os.environ.items()
                   if not key.startswith(("XDG_", "TMUX", "PYTEST_", "PYTHON")) and key != "XMPPTUI_PASSWORD"}
    return {**environment, **xdg_environment(home), "PATH": path}


@pytest.mark.timeout(600)
def test_the_demo_runs_from_a_pipx_install_and_quits_with_ctrl_q(pipx_venv: Path, tmp_path: Path) -> None:
    if shutil.which("prosody") is None or shutil.which("tmux") is None:
        pytest.fail("the demo test needs prosody and tmux (.ci/run installs them)")
    path = os.pathsep.join([str(pipx_venv / "bin"), os.environ.get("PATH", "")])
    home = tmp_path / "home"  # the user's own profile: the demo must leave it untouched
    temp = tmp_path / "temp"  # $TMPDIR: where the demo makes its temp dir (server, config, data, logs)
    temp.mkdir()
    environment = {**_environment(home, path), "TMPDIR": str(temp)}
    with TerminalApp([str(pipx_venv / "bin" / "xmpptui"), "--demo"], environment, home) as term, \
            contextlib.ExitStack() as cleanup:
        # However the test ends, the demo is asked to stop (as SIGTERM does), so that its Prosody does not
        # outlive it: closing the terminal app kills with SIGKILL, which leaves no chance to clean up.
        cleanup.callback(lambda: term.alive() and (term.signal(signal.SIGTERM), term.wait_exit(20)))
        contacts = ("Echo Bot", "Alice Martin", "Priya Raman")
        screen = term.wait_for(lambda s: "connected" in s and "Alice Martin (1)" in s, timeout=90)
        if not all(name in screen for name in contacts):
            term.send_keys("F12")  # a terminal under 100 columns folds the roster away: F12 shows it
        screen = term.wait_for(lambda s: all(name in s for name in contacts), timeout=30)
        assert len(list(temp.iterdir())) == 1, "the demo runs in one temp dir of its own"
        assert "demo@localhost" in screen
        term.wait_for("Alice Martin (1)", timeout=30)  # Alice's greeting, unread: the contacts talk
        term.type("/chat echo@localhost")  # the composer has the focus after login
        term.wait_for("/chat echo@localhost")
        term.send_keys("Enter")
        term.wait_for(lambda s: "2:Echo Bot" in s and "/chat echo@localhost" not in s)
        term.type("ping from the test")
        term.wait_for("ping from the test")
        term.send_keys("Enter")
        term.wait_for(lambda s: s.count("ping from the test") == 2, timeout=30)  # ours, and Echo Bot's answer
        term.send_keys("C-q")
        assert term.wait_exit(30) == 0
        after = term.screen()
    assert "stopping the contacts and Prosody" in after
    assert list(temp.iterdir()) == [], "the demo's temp dir is removed at exit"
    assert not home.exists(), "nothing was written to the user's own config, data or state dirs"


def test_the_demo_names_the_install_command_when_prosody_is_missing(pipx_venv: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    # The venv's bin only: python and xmpptui, but no prosody, prosodyctl or openssl.
    result = subprocess.run([str(pipx_venv / "bin" / "xmpptui"), "--demo"], capture_output=True, text=True,
                            timeout=60, env=_environment(home, str(pipx_venv / "bin")))
    assert result.returncode == 2
    assert INSTALL_HINT in result.stderr
    assert "prosody" in result.stderr.split("\n")[0] and "openssl" in result.stderr.split("\n")[0]
    assert "Traceback" not in result.stderr + result.stdout
    assert not home.exists()
