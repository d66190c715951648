"""The layering of ARCHITECTURE.md, checked by importing each package in a fresh interpreter."""

from __future__ import annotations

import subprocess
import sys

import pytest

NEITHER = ["xmpptui.model.events", "xmpptui.model.state", "xmpptui.config", "xmpptui.paths", "xmpptui.session",
           "xmpptui.cli", "xmpptui.commands", "xmpptui.passwords", "xmpptui.logs", "xmpptui.text"]


def _loaded_after_import(module: str) -> set[str]:
    code = f"import sys, {module}; print(' '.join(sorted(m.split('.')[0] for m in sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return set(out.split())


@pytest.mark.parametrize("module", NEITHER)
def test_pure_modules_import_neither_textual_nor_slixmpp(module: str) -> None:
    loaded = _loaded_after_import(module)
    assert "textual" not in loaded and "slixmpp" not in loaded


def test_protocol_layer_does_not_load_textual() -> None:
    assert "textual" not in _loaded_after_import("xmpptui.xmpp.session")


def test_ui_does_not_load_slixmpp() -> None:
    assert "slixmpp" not in _loaded_after_import("xmpptui.ui.app")


def test_version_and_help_do_not_import_the_heavy_parts() -> None:
    code = ("import sys\nfrom xmpptui.__main__ import main\n"
            "try:\n    main(['--version'])\nexcept SystemExit:\n    pass\n"
            "print('textual' in sys.modules, 'slixmpp' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split()[-2:] == ["False", "False"]
    assert "xmpptui 0." in out


def test_the_session_loads_no_http_client_until_a_file_is_sent_or_fetched() -> None:
    """aiohttp took ~100 ms of every launch, on the way to the roster, though only files use it; pygments only
    coloured slixmpp's debug log (#20)."""
    loaded = _loaded_after_import("xmpptui.xmpp.session")
    assert "slixmpp" in loaded  # (the import worked)
    assert "aiohttp" not in loaded
    assert "pygments" not in loaded
