"""The profile in a data directory: one running copy per directory (a lock file holding its pid), and this
installation's own resource (`xmpptui.` and a random suffix, made once and kept)."""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import secrets
from pathlib import Path

from xmpptui import paths

LOCK_FILE = "lock"
RESOURCE_FILE = "resource"
_RESOURCE = re.compile(r"xmpptui\.[0-9a-f]{8}")


class ProfileInUse(Exception):
    """Another running xmpptui holds the lock on this data directory."""

    def __init__(self, data_dir: Path, pid: str) -> None:
        holder = f"pid {pid}" if pid else "another process"
        super().__init__(f"the profile in {data_dir} is in use by another xmpptui ({holder}); quit that one, or "
                         "give this one other data (XDG_DATA_HOME)")
        self.data_dir, self.pid = data_dir, pid


class ProfileLock:
    """Held for as long as the process runs (the kernel lets go of it when the process ends, however it ends)."""

    def __init__(self, fd: int, path: Path) -> None:
        self._fd, self.path = fd, path

    def release(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


def lock(data_dir: Path) -> ProfileLock:
    """Take the data directory for this process; ProfileInUse if another copy has it, OSError if it cannot be
    written."""
    path = data_dir / LOCK_FILE
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        pid = os.read(fd, 32).decode("ascii", "replace").strip()
        os.close(fd)
        raise ProfileInUse(data_dir, pid) from None
    except OSError:
        os.close(fd)
        raise
    os.ftruncate(fd, 0)
    os.write(fd, f"{os.getpid()}\n".encode())
    return ProfileLock(fd, path)


def new_resource() -> str:
    return f"xmpptui.{secrets.token_hex(4)}"


def installation_resource(data_dir: Path | None) -> str:
    """This installation's resource: two copies on one account then never bind the same one and replace each
    other. Made once and kept 0600 in the data directory; a fresh one each run if it cannot be kept there."""
    if data_dir is None:
        return new_resource()
    path = data_dir / RESOURCE_FILE
    try:
        kept = path.read_text(encoding="ascii").strip()
        if _RESOURCE.fullmatch(kept):
            return kept
    except (OSError, UnicodeDecodeError):
        pass
    resource = new_resource()
    # (Not writable: that was said already, and this run still gets a resource of its own.)
    with contextlib.suppress(OSError):
        paths.write_private(path, resource + "\n")
    return resource
