"""File names others chose, made safe to create (model/file_names.py), and created without overwriting
anything (xmpp/files/download.py `create_exclusive`)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from xmpptui.model.file_names import FALLBACK, MAX_BYTES, numbered, safe_file_name
from xmpptui.xmpp.files.download import create_exclusive


@pytest.mark.parametrize(("hostile", "safe"), [
    ("../../x", "_.._x"),
    ("a/b", "a_b"),
    ("a\\b", "a_b"),
    ("/etc/passwd", "_etc_passwd"),
    ("report\x00\x1b[2J\x07.pdf", "report[2J.pdf"),
    ("invoice\u202efdp.exe", "invoicefdp.exe"),
    ("zero\u200bwidth.txt", "zerowidth.txt"),
    ("line\nbreak.txt", "line break.txt"),
    (".", FALLBACK),
    ("..", FALLBACK),
    ("", FALLBACK),
    ("   ", FALLBACK),
    (".bashrc", "bashrc"),
    ("cat.png. ", "cat.png"),
])
def test_hostile_names_become_one_harmless_name(hostile: str, safe: str) -> None:
    assert safe_file_name(hostile) == safe


@pytest.mark.parametrize("length", [256, 10_000])
@pytest.mark.parametrize("char", ["x", "é", "猫"])
def test_long_names_are_cut_to_255_bytes_keeping_the_extension(length: int, char: str) -> None:
    name = safe_file_name(char * length + ".png")
    assert len(name.encode()) <= MAX_BYTES and name.endswith(".png") and name.startswith(char)
    name.encode().decode("utf-8")  # (cut on a character boundary)
    again = numbered(name, 12)
    assert len(again.encode()) <= MAX_BYTES and again.endswith(" (12).png")


def test_numbered_names_go_before_the_extension() -> None:
    assert numbered("cat.png", 1) == "cat (1).png"
    assert numbered("README", 2) == "README (2)"


def test_created_files_are_new_private_and_never_an_existing_one(tmp_path: Path) -> None:
    (tmp_path / "cat.png").write_bytes(b"mine")
    os.symlink(tmp_path / "elsewhere", tmp_path / "cat (1).png")  # (a link is not followed, nor replaced)
    fd, path = create_exclusive(tmp_path, "cat.png")
    os.close(fd)
    assert path == tmp_path / "cat (2).png"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert (tmp_path / "cat.png").read_bytes() == b"mine"
    assert not (tmp_path / "elsewhere").exists()
