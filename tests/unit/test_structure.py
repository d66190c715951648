"""The shape of the code, checked by machine (issue #16): the slash-command table, /help and the README agree;
no module over 400 lines; no mixins."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from xmpptui import commands
from xmpptui.config import UiConfig
from xmpptui.ui.main.help import HelpScreen
from xmpptui.ui.main.screen import MainScreen

README = Path(__file__).resolve().parents[2] / "README.md"


def command_table() -> dict[str, object]:
    return dict(MainScreen(UiConfig()).command_table)


def help_commands() -> set[str]:
    """The command names /help shows: the first word of each row of its commands table, as rendered."""
    text = HelpScreen([]).plain_text()
    listed = text[text.index("Commands (type in the composer)"):]
    return {match.group(1) for match in re.finditer(r"^\s*/([a-z]+)\b.*│", listed, re.MULTILINE)}


def readme_commands() -> set[str]:
    """Every `/name` in the first column of the README's Commands table (aliases in brackets included)."""
    section = README.read_text(encoding="utf-8").split("### Commands", 1)[1].split("\n### ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `/")]
    first_columns = [re.split(r"(?<!\\)\|", row)[1] for row in rows]
    return {name for column in first_columns for name in re.findall(r"`/([a-z]+)", column)}


def test_the_command_table_has_exactly_the_commands_help_lists() -> None:
    listed = help_commands()
    assert len(listed) == len(commands.COMMANDS), "every command of /help is read back from its text"
    assert set(command_table()) == listed


def test_every_alias_names_a_command_in_the_table() -> None:
    table = command_table()
    for alias, target in commands.ALIASES.items():
        parsed = commands.parse(f"/{alias}")
        assert parsed is not None and parsed.name in table, f"/{alias} -> {target}"


def test_every_command_in_the_readme_is_in_the_table_and_every_command_is_in_the_readme() -> None:
    documented = readme_commands()
    assert len(documented) > 30, "the README's command table is read"
    table = command_table()
    resolved = set()
    for name in documented:
        parsed = commands.parse(f"/{name}")  # an unknown name raises CommandError, naming it
        assert parsed is not None
        resolved.add(parsed.name)
    assert resolved <= set(table)
    assert set(table) - resolved == set(), "commands the README does not list"


# Module size and composition ---------------------------------------------------------------------------------

PACKAGE = Path(__file__).resolve().parents[2] / "xmpptui"
MAX_MODULE_LINES = 400


def test_every_module_is_at_most_400_lines() -> None:
    sizes = {path.relative_to(PACKAGE.parent).as_posix(): len(path.read_text(encoding="utf-8").splitlines())
             for path in PACKAGE.rglob("*.py")}
    assert len(sizes) > 50, "the package's modules are found"
    assert {name: lines for name, lines in sizes.items() if lines > MAX_MODULE_LINES} == {}


def test_no_class_has_more_than_one_xmpptui_base_class() -> None:
    """Features are composed services and controllers, not mixins: a class inherits from at most one class of
    ours (read from the source, so that Protocols and classes never imported are checked too)."""
    ours = {node.name for path in PACKAGE.rglob("*.py")
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))) if isinstance(node, ast.ClassDef)}
    mixed = {}
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                bases = [ast.unparse(base).rpartition(".")[2] for base in node.bases]
                if len([base for base in bases if base in ours]) > 1:
                    mixed[f"{path.relative_to(PACKAGE.parent).as_posix()}:{node.name}"] = bases
    assert len(ours) > 100, "the package's classes are found"
    assert mixed == {}
