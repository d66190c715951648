"""Where xmpptui keeps its files (platformdirs, XDG variables honoured); directories made on use, 0700."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import platformdirs

APP = "xmpptui"


def _private_dir(path: Path) -> Path:
    """Make `path` and every missing directory above it 0700 (as the XDG base directory spec asks).

    `mkdir(parents=True, mode=0o700)` gives the mode to the last directory only and the parents the umask's
    0755: the log file's directory (`~/.local/state/xmpptui/log`) was 0700 while `~/.local/state/xmpptui`
    above it, made on the way, was 0755. Directories that already exist are left as they are."""
    missing = [path, *(parent for parent in path.parents if not parent.exists())]
    for directory in reversed(missing):
        directory.mkdir(mode=0o700, exist_ok=True)
    return path


def config_dir() -> Path:
    return platformdirs.user_config_path(APP)


def config_file() -> Path:
    return config_dir() / "config.toml"


def data_dir(create: bool = True) -> Path:
    path = platformdirs.user_data_path(APP)
    return _private_dir(path) if create else path


def log_file() -> Path:
    return _private_dir(platformdirs.user_log_path(APP)) / "xmpptui.log"


def downloads_dir(configured: str = "") -> Path:
    """Where /download saves files: `configured` (`[files] download_dir`), else the platform's downloads
    directory; made (0700) if missing."""
    path = Path(configured).expanduser() if configured else platformdirs.user_downloads_path()
    return _private_dir(path)


def write_private(path: Path, text: str | Iterable[str]) -> None:
    """Write a file that only the user can read (0600, in a 0700 directory), atomically; `text` whole or in
    parts (a big file written part by part never exists whole in memory)."""
    _private_dir(path.parent)
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        if isinstance(text, str):
            handle.write(text)
        else:
            handle.writelines(text)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)
