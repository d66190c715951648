"""config.load / save_account on files written to tmp_path (XDG dirs are isolated by tests/conftest.py)."""

from __future__ import annotations

import re
import stat
from pathlib import Path

import pytest

from xmpptui import config, paths
from xmpptui.config import Account, Config, ConfigError, UiConfig


def write(tmp_path: Path, text: str, name: str = "config.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_valid_account_and_tables(tmp_path: Path) -> None:
    ca = write(tmp_path, "-----BEGIN CERTIFICATE-----\n", "ca.pem")
    path = write(tmp_path, f"""
[account]
jid = "  alice@example.org "
host = "xmpp.example.org"
port = 5223
tls = "direct"
allow_plaintext = false
ca_file = "{ca}"
resource = "laptop"
password_command = "pass show xmpp/alice"
timeout = 5

[ui]
timestamp_format = "%H:%M:%S"

[keys]
go_away = "f3"
""")
    loaded = config.load(path)
    assert loaded.path == path
    assert loaded.account == Account(jid="alice@example.org", host="xmpp.example.org", port=5223, tls="direct",
                                     ca_file=str(ca), resource="laptop", password_command="pass show xmpp/alice",
                                     timeout=5.0)
    assert isinstance(loaded.account.timeout, float)
    assert loaded.account.bare_jid == "alice@example.org"
    assert loaded.ui == UiConfig(timestamp_format="%H:%M:%S")
    assert loaded.keys == {"go_away": "f3"}


def test_defaults_for_a_minimal_account(tmp_path: Path) -> None:
    loaded = config.load(write(tmp_path, '[account]\njid = "bob@example.org"\n'))
    assert loaded.account is not None
    assert (loaded.account.tls, loaded.account.port, loaded.account.host) == ("starttls", 0, "")
    assert loaded.account.allow_plaintext is False
    assert loaded.keys == {} and loaded.ui == UiConfig()


@pytest.mark.parametrize(("text", "suggestion"), [
    ('[account]\njid = "a@example.org"\nhots = "x"\n', "did you mean 'host'?"),
    ('[account]\njid = "a@example.org"\npasword_command = "x"\n', "did you mean 'password_command'?"),
    ('[acount]\njid = "a@example.org"\n', "did you mean 'account'?"),
    ('[ui]\ntimestamp_fromat = "%H"\n', "did you mean 'timestamp_format'?"),
])
def test_unknown_key_suggests_the_known_one(tmp_path: Path, text: str, suggestion: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        config.load(path)
    message = str(info.value)
    assert suggestion in message
    assert str(path) in message
    assert "unknown key" in message


def test_unknown_key_with_no_close_match_lists_known_keys(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="known keys: timestamp_format"):
        config.load(write(tmp_path, '[ui]\nzzzzzzzz = 1\n'))


@pytest.mark.parametrize(("line", "key"), [
    ('port = "5222"', "account.port"),
    ("port = true", "account.port"),  # a bool is not an int here, although Python says it is
    ("port = 52.5", "account.port"),
    ("allow_plaintext = 1", "account.allow_plaintext"),
    ('timeout = "20"', "account.timeout"),
    ("host = 5", "account.host"),
])
def test_wrong_type_names_the_key(tmp_path: Path, line: str, key: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(key) + " must be a "):
        config.load(write(tmp_path, f'[account]\njid = "a@example.org"\n{line}\n'))


def test_jid_of_wrong_type(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"account\.jid must be a str"):
        config.load(write(tmp_path, "[account]\njid = 5\n"))


def test_keys_must_map_to_strings(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"\[keys\]"):
        config.load(write(tmp_path, "[keys]\ngo_away = 3\n"))


def test_ui_that_is_not_a_table_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        config.load(write(tmp_path, "ui = 5\n"))


def test_the_bell_is_one_of_its_modes(tmp_path: Path) -> None:
    assert config.load(write(tmp_path, '[ui]\nbell = "all"\n')).ui.bell == "all"
    with pytest.raises(ConfigError, match=r"ui\.bell must be one of mentions, all, off, not 'loud'"):
        config.load(write(tmp_path, '[ui]\nbell = "loud"\n'))


def test_image_previews_are_for_the_roster_unless_set_to_all_or_off(tmp_path: Path) -> None:
    assert config.load(write(tmp_path, "")).ui.preview == "roster"
    assert config.load(write(tmp_path, '[ui]\npreview = "all"\n')).ui.preview == "all"
    with pytest.raises(ConfigError, match=r"ui\.preview must be one of roster, all, off, not 'everyone'"):
        config.load(write(tmp_path, '[ui]\npreview = "everyone"\n'))


def test_thumbnails_are_drawn_by_the_terminal_graphics_auto_unless_forced(tmp_path: Path) -> None:
    assert config.load(write(tmp_path, "")).ui.graphics == "auto"
    assert config.load(write(tmp_path, '[ui]\ngraphics = "kitty"\n')).ui.graphics == "kitty"
    assert config.load(write(tmp_path, '[ui]\ngraphics = "halfblocks"\n')).ui.graphics == "halfblocks"
    with pytest.raises(ConfigError, match=r"ui\.graphics must be one of auto, kitty, halfblocks, not 'sixel'"):
        config.load(write(tmp_path, '[ui]\ngraphics = "sixel"\n'))


def test_account_without_jid(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="needs jid"):
        config.load(write(tmp_path, '[account]\nhost = "example.org"\n'))


@pytest.mark.parametrize("jid", ["alice", "alice@", "@example.org", "al ice@example.org", ""])
def test_bad_jid(tmp_path: Path, jid: str) -> None:
    with pytest.raises(ConfigError, match=r"is not a JID like alice@example\.org"):
        config.load(write(tmp_path, f'[account]\njid = "{jid}"\n'))


def test_jid_with_empty_domain_before_resource(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="is not a JID"):
        config.load(write(tmp_path, '[account]\njid = "alice@/laptop"\n'))


@pytest.mark.parametrize("tls", ["ssl", "STARTTLS", "plain", ""])
def test_bad_tls(tmp_path: Path, tls: str) -> None:
    with pytest.raises(ConfigError, match="tls must be one of starttls, direct"):
        config.load(write(tmp_path, f'[account]\njid = "a@example.org"\ntls = "{tls}"\n'))


@pytest.mark.parametrize("port", [-1, 65536])
def test_port_out_of_range(tmp_path: Path, port: int) -> None:
    with pytest.raises(ConfigError, match="is not a TCP port"):
        config.load(write(tmp_path, f'[account]\njid = "a@example.org"\nport = {port}\n'))


def test_missing_ca_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.pem"
    with pytest.raises(ConfigError, match=r"ca_file .* does not exist"):
        config.load(write(tmp_path, f'[account]\njid = "a@example.org"\nca_file = "{missing}"\n'))


def test_invalid_toml(tmp_path: Path) -> None:
    path = write(tmp_path, "[account\njid = ")
    with pytest.raises(ConfigError, match="not valid TOML") as info:
        config.load(path)
    assert str(path) in str(info.value)


def test_missing_explicit_config_file_is_an_error(tmp_path: Path) -> None:
    missing = tmp_path / "missing.toml"
    with pytest.raises(ConfigError, match="no such config file") as info:
        config.load(missing)
    assert str(missing) in str(info.value)


def test_missing_default_file_is_an_empty_config_and_nothing_is_written() -> None:
    assert not paths.config_file().exists()
    loaded = config.load()
    assert loaded == Config(path=paths.config_file())
    assert loaded.account is None
    assert not paths.config_dir().exists(), "reading the config must never create files or directories"


def test_default_file_is_read(isolated_dirs: Path) -> None:
    default = paths.config_file()
    assert default.is_relative_to(isolated_dirs)
    default.parent.mkdir(parents=True)
    default.write_text('[account]\njid = "carol@example.org"\n')
    loaded = config.load()
    assert loaded.account is not None and loaded.account.jid == "carol@example.org"
    assert loaded.path == default


def test_save_account_is_private_and_reads_back_equal(isolated_dirs: Path) -> None:
    account = Account(jid="alice@example.org", host="localhost", port=5223, tls="direct", allow_plaintext=True,
                      resource="desk", nick="Alice", password_command="pass show xmpp", timeout=7.5)
    saved = config.save_account(config.load(), account)
    path = paths.config_file()
    assert saved.path == path
    assert path.is_file() and path.is_relative_to(isolated_dirs)
    assert mode(path) == 0o600
    assert mode(path.parent) == 0o700
    assert not list(path.parent.glob(".*.tmp")), "the temporary file of the atomic write is left behind"
    assert config.load() == saved
    assert config.load().account == account


def test_save_account_keeps_keys_and_ui_and_writes_only_non_defaults(tmp_path: Path) -> None:
    path = write(tmp_path, '[keys]\ngo_away = "f3"\n\n[ui]\ntimestamp_format = "%H:%M:%S"\n')
    before = config.load(path)
    saved = config.save_account(before, Account(jid="bob@example.org"))
    assert saved.path == path
    text = path.read_text()
    assert "tls" not in text and "timeout" not in text, text
    reread = config.load(path)
    assert reread == saved
    assert reread.keys == {"go_away": "f3"}
    assert reread.ui.timestamp_format == "%H:%M:%S"
    assert reread.account == Account(jid="bob@example.org")
    assert mode(path) == 0o600


def test_save_account_replaces_a_world_readable_file_with_a_private_one(tmp_path: Path) -> None:
    path = write(tmp_path, '[account]\njid = "old@example.org"\n')
    path.chmod(0o644)
    config.save_account(config.load(path), Account(jid="new@example.org", password="hunter2"))
    assert mode(path) == 0o600
    reread = config.load(path)
    assert reread.account is not None
    assert (reread.account.jid, reread.account.password) == ("new@example.org", "hunter2")


def test_conversation_lists_and_message_report_switches(tmp_path: Path) -> None:
    path = write(tmp_path, """
[account]
jid = "alice@example.org"
no_history = ["secret@example.org", "other@example.org"]
chat_states = false
receipts = false
""")
    account = config.load(path).account
    assert account is not None
    assert account.no_history == ("secret@example.org", "other@example.org")
    assert (account.chat_states, account.receipts) == (False, False)
    saved = config.save_account(Config(path=tmp_path / "saved.toml"), account)
    assert config.load(saved.path).account == account


def test_a_list_key_needs_a_list_of_strings(tmp_path: Path) -> None:
    path = write(tmp_path, '[account]\njid = "alice@example.org"\nno_history = "secret@example.org"\n')
    with pytest.raises(ConfigError, match="no_history must be a list of strings"):
        config.load(path)


def test_room_settings(tmp_path: Path) -> None:
    path = write(tmp_path, '[account]\njid = "alice@example.org"\nnick = "Al"\n\n[ui]\nshow_joins = false\n')
    loaded = config.load(path)
    assert loaded.account is not None and loaded.account.nick == "Al"
    assert loaded.ui == UiConfig(show_joins=False)


def test_occupants_held_per_room(tmp_path: Path) -> None:
    assert Account(jid="alice@example.org").max_room_occupants == 5000
    path = write(tmp_path, '[account]\njid = "alice@example.org"\nmax_room_occupants = 300\n')
    loaded = config.load(path)
    assert loaded.account is not None and loaded.account.max_room_occupants == 300
    with pytest.raises(ConfigError, match="max_room_occupants must be at least 1, not 0"):
        config.load(write(tmp_path, '[account]\njid = "alice@example.org"\nmax_room_occupants = 0\n'))


@pytest.mark.parametrize(("line", "words"), [
    ("timeout = -5", "timeout must be a number of seconds above 0, not -5.0; e.g. timeout = 20"),
    ("timeout = 0", "timeout must be a number of seconds above 0"),
    ("password_command_timeout = -1", "password_command_timeout must be a number of seconds above 0, not -1.0; "
                                      "e.g. password_command_timeout = 60"),
    ('resource = ""', "resource '' cannot be a resource; leave it out for the default or give a name like"),
    ('resource = "  "', "resource '  ' cannot be a resource"),
    ('resource = "a\\nb"', "cannot be a resource"),
])
def test_account_values_out_of_range_name_the_file_the_key_and_a_fix(tmp_path: Path, line: str, words: str) -> None:
    path = write(tmp_path, f'[account]\njid = "a@example.org"\n{line}\n')
    with pytest.raises(ConfigError) as caught:
        config.load(path)
    assert str(caught.value).startswith(f"{path}: [account]: ")
    assert words in str(caught.value)


def test_password_command_timeout_is_read(tmp_path: Path) -> None:
    path = write(tmp_path, '[account]\njid = "a@example.org"\npassword_command_timeout = 5\n')
    assert config.load(path).account == Account(jid="a@example.org", password_command_timeout=5.0)


@pytest.mark.parametrize(("table", "words"), [
    ('go_awya = "f4"', "unknown binding id 'go_awya'; did you mean 'go_away'?"),
    ('frobnicate = "f4"', "unknown binding id 'frobnicate'; F1 in the app lists every id"),
    ('go_away = "f44"', "go_away = 'f44': 'f44' is not a key name; did you mean 'f4'?"),
    ('go_away = "ctlr+a"', "go_away = 'ctlr+a': 'ctlr' is not a modifier; did you mean 'ctrl'?"),
    ('next_conversation = "ctrl+n,alt+rigth"', "'rigth' is not a key name; did you mean 'right'?"),
    ('go_away = "f4,"', "an empty key name"),
])
def test_keys_name_our_bindings_and_keys_textual_knows(tmp_path: Path, table: str, words: str,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    from xmpptui.__main__ import main

    path = write(tmp_path, f"[keys]\n{table}\n")
    assert main(["--config", str(path)]) == 2, "refused before the app starts"
    error = capsys.readouterr().err
    assert error.startswith(f"xmpptui: {path}: [keys]: ")
    assert words in error


def test_sound_keys_pass() -> None:
    from xmpptui.ui.shared import keymap

    good = {"go_away": "f10", "next_conversation": "ctrl+n,alt+right", "help_key": "question_mark",
            "quit": "ctrl+q", "log_page_up": "shift+pageup", "roster_remove": "delete", "newline": "ctrl+j, alt+enter"}
    assert keymap.check(good, None) is None
    ids = keymap.binding_ids()
    assert {"quit", "go_away", "roster_open", "newline"} <= set(ids)


def test_confirm_lines_is_a_positive_count(tmp_path: Path) -> None:
    assert config.load(write(tmp_path, "[ui]\nconfirm_lines = 3\n")).ui.confirm_lines == 3
    with pytest.raises(ConfigError, match=r"ui\.confirm_lines must be 1 or more, not 0"):
        config.load(write(tmp_path, "[ui]\nconfirm_lines = 0\n"))


def test_files_table_sets_where_downloads_go_and_their_cap(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[files]\ndownload_dir = "~/Incoming"\nmax_download_size = 1048576\n')
    files = config.load(path).files
    assert files.download_dir == "~/Incoming" and files.max_download_size == 1_048_576
    assert config.load(write(tmp_path, "", "empty.toml")).files.max_download_size == 100 * 1024 * 1024
    for bad, words in (("max_download_size = 0", "above 0"), ('download_dir = "relative/dir"', "absolute"),
                       ('download_dir = 3', "must be a str"), ("max_size = 1", "did you mean 'max_download_size'")):
        path.write_text(f"[files]\n{bad}\n")
        with pytest.raises(config.ConfigError, match=words):
            config.load(path)
