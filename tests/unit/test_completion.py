"""What Tab completes, without a widget: command names, arguments by kind, nicks, fuzzy order, file paths."""

from __future__ import annotations

from pathlib import Path

from xmpptui.ui.chat.completion import CompletionSources, complete, fuzzy

SOURCES = CompletionSources(jids=lambda: ["bob@example.org", "carol@example.org"],
                            rooms=lambda: ["lounge@conference.example.org"])


def candidates(line: str, sources: CompletionSources = SOURCES, row: int = 0) -> tuple[str, ...]:
    found = complete(line, row, sources)
    return found.candidates if found is not None else ()


def test_prefix_matches_come_before_letters_in_order() -> None:
    assert fuzzy("bo", ["rob", "Bobby", "bob", "abbot", "carol"]) == ["bob", "Bobby", "abbot"]
    assert fuzzy("", ["b", "a"]) == ["a", "b"]
    assert fuzzy("xyz", ["bob"]) == []


def test_command_names_and_arguments() -> None:
    assert candidates("/sta") == ("status ",)
    assert candidates("/status ") == tuple(f"{w} " for w in ("away", "chat", "dnd", "offline", "online", "xa"))
    assert candidates("/presence c") == ("carol@example.org ",)
    assert candidates("/presence carol@example.org a") == ("away ", "chat ", "xa "), "a show value"
    assert candidates("/presence carol@example.org away bac") == (), "free text after the last argument"
    assert candidates("/join lo") == ("lounge@conference.example.org ",)
    assert candidates("/affiliation bob@example.org m") == ("member ", "admin ")
    assert candidates("/nosuch ") == ()
    assert candidates("//sta") == (), "`//` starts a message"


def test_nicks_only_in_a_room() -> None:
    assert candidates("hi ca") == ()
    room = CompletionSources(nicks=lambda: ["carol", "Cam"])
    assert candidates("ca", room) == ("Cam: ", "carol: ")
    assert candidates("hi ca", room) == ("Cam ", "carol ")
    assert candidates("ca", room, row=1) == ("Cam ", "carol "), "`nick: ` only at the start of the message"
    assert candidates("/msg c", room) == ("Cam ", "carol "), "/msg in a room takes a nick"
    assert candidates("/msg c") == ("carol@example.org ",), "elsewhere a JID"


def test_file_paths(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import xmpptui.commands as commands

    monkeypatch.setitem(commands.ARGUMENTS, "upload", ("path",))
    (tmp_path / "photos").mkdir()
    (tmp_path / "photo.jpg").write_text("x")
    (tmp_path / ".hidden").write_text("x")
    sources = CompletionSources(home=lambda: tmp_path)
    assert candidates("/upload pho", sources) == ("photo.jpg ", "photos/")
    assert candidates(f"/upload {tmp_path}/photos", sources) == (f"{tmp_path}/photos/",)
    assert candidates("/upload ", sources) == ("photo.jpg ", "photos/"), "hidden files only when asked for"
    assert candidates("/upload .h", sources) == (".hidden ",)
    assert candidates("/upload nowhere/x", sources) == ()
