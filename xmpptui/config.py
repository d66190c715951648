"""config.toml -> frozen dataclasses. Reading never writes; every error names the file, the key and a fix."""

from __future__ import annotations

import difflib
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from xmpptui import paths


class ConfigError(Exception):
    """A config problem explained in words for the user."""


TLS_MODES = ("starttls", "direct")


@dataclass(frozen=True)
class Account:
    jid: str
    """Bare JID to log in as."""
    host: str = ""
    """Server host name or address; empty means the JID's domain (DNS SRV)."""
    port: int = 0
    """0 means the default for the TLS mode (5222 for STARTTLS, 5223 for direct TLS)."""
    tls: str = "starttls"
    """`starttls` (required, the default) or `direct` (XEP-0368)."""
    allow_plaintext: bool = False
    """Carry on unencrypted if the server offers no TLS. Shown as insecure in the status bar."""
    ca_file: str = ""
    """A CA certificate (PEM) to trust for this server, e.g. a self-hosted one."""
    resource: str = ""
    """Empty: this installation's own, `xmpptui.` and a random suffix kept in the data directory (two copies on
    one account must not bind the same resource)."""
    nick: str = ""
    password_command: str = ""
    """A command whose first output line is the password, e.g. `pass show xmpp/alice`."""
    password_command_timeout: float = 60.0
    """Seconds to wait for `password_command` (e.g. while you type a passphrase into pinentry)."""
    password: str = field(default="", repr=False)
    """Only if you explicitly chose to keep the password in this file; the keyring is preferred."""
    timeout: float = 20.0
    """Seconds to wait for a login to settle before reporting a timeout."""
    history: bool = True
    """Keep every message of this account in the local history (SQLite in the data dir)."""
    no_history: tuple[str, ...] = ()
    """Bare JIDs whose conversations are never written to the history (the rest of the account's are)."""
    chat_states: bool = True
    """Tell contacts when you are typing (XEP-0085)."""
    receipts: bool = True
    """Tell contacts when their messages arrived and when you read them (XEP-0184 receipts, XEP-0333 markers)."""
    max_stanza_bytes: int = 1024 * 1024
    """A message, presence or iq larger than this is dropped alone, and the user told (memory stays bounded); any
    other stream element larger than this closes the stream."""
    max_room_occupants: int = 5000
    """Occupants held per room; beyond it the least recently active are let go (memory stays bounded)."""

    @property
    def bare_jid(self) -> str:
        return self.jid.split("/", 1)[0]


@dataclass(frozen=True)
class UiConfig:
    timestamp_format: str = "%H:%M"
    """strftime format of message times in the chat log."""
    show_joins: bool = True
    """Show occupants joining and leaving in room logs (false hides that noise; kicks, bans and nick
    changes are always shown)."""
    bell: str = "mentions"
    """Ring the terminal bell for a message you are not looking at: "mentions" (chats, private messages and
    room messages that name you), "all" (every room message too) or "off"."""
    confirm_lines: int = 10
    """Enter asks before sending a message of more lines than this (a paste gone to the wrong place)."""
    theme: str = ""
    """The theme picked in the command palette (saved when picked); empty: Textual's default."""
    preview: str = "roster"
    """Which received images are fetched to show a thumbnail under them (fetching tells the server that holds the
    image your address): "roster" (chats with contacts in the roster), "all" (strangers and rooms too) or
    "off" (none, not even your own uploads). `/preview on|off` changes it for one conversation."""
    graphics: str = "auto"
    """How thumbnails are drawn: "kitty" (the kitty graphics protocol: kitty, Ghostty), "halfblocks" (coloured
    `▀` cells, any colour terminal) or "auto" (kitty where the environment names such a terminal and true colour,
    outside tmux and screen; half blocks elsewhere)."""
    styling: bool = True
    """Show message styling (XEP-0393: *bold*, _italic_, ~strike~, `code`, ``` blocks, > quotes), the markers
    kept and dimmed; false shows every body as plain text."""


BELL_MODES = ("mentions", "all", "off")
PREVIEW_MODES = ("roster", "all", "off")
GRAPHICS_MODES = ("auto", "kitty", "halfblocks")
NOTIFY_LEVELS = ("all", "mentions", "none")
NOTIFY_METHODS = ("auto", "desktop", "osc777", "osc9", "osc99", "off")


@dataclass(frozen=True)
class NotifyConfig:
    chats: str = "all"
    """What notifies in a chat (or a private message through a room) without a rule of its own."""
    rooms: str = "mentions"
    """What notifies in a room without a rule of its own: "all", "mentions" (a message naming you) or "none"."""
    private: tuple[str, ...] = ()
    """Conversations (bare JIDs, rooms) whose notifications say "new message" and never the text."""
    method: str = "auto"
    """"desktop" (desktop-notifier, over D-Bus or macOS), a terminal escape sequence ("osc777", "osc9",
    "osc99"), "auto" (the desktop where there is one and this is not over SSH, else by $TERM) or "off"."""
    rules: dict[str, str] = field(default_factory=dict)
    """Per conversation, set with /notify: JID -> all | mentions | none."""

    def level(self, jid: str, room: bool) -> str:
        return self.rules.get(jid, self.rooms if room else self.chats)


DEFAULT_MAX_DOWNLOAD = 100 * 1024 * 1024


@dataclass(frozen=True)
class FilesConfig:
    download_dir: str = ""
    """Where /download saves files (`~` is your home); empty: the platform's downloads directory."""
    max_download_size: int = DEFAULT_MAX_DOWNLOAD
    """Bytes: a larger file is refused before it is fetched (by its declared size) and cut off while it comes."""


@dataclass(frozen=True)
class Config:
    account: Account | None = None
    keys: dict[str, str] = field(default_factory=dict)
    """Binding id -> keys (comma separated), e.g. `go_away = "f3"`; see `xmpptui` help screen."""
    ui: UiConfig = field(default_factory=UiConfig)
    notify: NotifyConfig = field(default_factory=NotifyConfig)
    files: FilesConfig = field(default_factory=FilesConfig)
    path: Path | None = None


def _check_keys(table: dict[str, Any], allowed: list[str], where: str, path: Path) -> None:
    for key in table:
        if key not in allowed:
            close = difflib.get_close_matches(key, allowed, n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"known keys: {', '.join(allowed)}"
            raise ConfigError(f"{path}: unknown key {where}{key!r}; {hint}")


def _build(cls: type, table: object, section: str, path: Path) -> Any:
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: {section} must be a table ([{section}]), not {table!r}")
    allowed = [f.name for f in fields(cls)]
    _check_keys(table, allowed, f"{section}.", path)
    kwargs = {}
    for f in fields(cls):
        if f.name not in table:
            continue
        value = table[f.name]
        if f.type == "tuple[str, ...]":
            if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
                raise ConfigError(f"{path}: {section}.{f.name} must be a list of strings, not {value!r}")
            kwargs[f.name] = tuple(value)
            continue
        expected = {"str": str, "int": int, "bool": bool, "float": (int, float)}[str(f.type)]
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            raise ConfigError(f"{path}: {section}.{f.name} must be a {f.type}, not {value!r}")
        kwargs[f.name] = float(value) if f.type == "float" else value
    return cls(**kwargs)


def validate_account(account: Account, where: str = "account") -> Account:
    jid = account.jid.strip()
    local, at, domain = jid.partition("@")
    if not at or not local or not domain.split("/", 1)[0] or "/" in local or " " in jid:
        raise ConfigError(f"{where}: jid {account.jid!r} is not a JID like alice@example.org")
    if account.tls not in TLS_MODES:
        raise ConfigError(f"{where}: tls must be one of {', '.join(TLS_MODES)}, not {account.tls!r}")
    if not 0 <= account.port <= 65535:
        raise ConfigError(f"{where}: port {account.port} is not a TCP port (1-65535)")
    for name in ("timeout", "password_command_timeout"):
        if not getattr(account, name) > 0:
            raise ConfigError(f"{where}: {name} must be a number of seconds above 0, not {getattr(account, name)!r}"
                              f"; e.g. {name} = {getattr(Account(jid=account.jid), name):g}")
    if account.resource and (not account.resource.strip() or any(ch in account.resource for ch in "\0\n\r\t")
                             or len(account.resource.encode()) > 1023):
        raise ConfigError(f"{where}: resource {account.resource!r} cannot be a resource; leave it out for the "
                          f"default or give a name like \"laptop\"")
    if account.max_room_occupants < 1:
        raise ConfigError(f"{where}: max_room_occupants must be at least 1, not {account.max_room_occupants}")
    if account.ca_file and not Path(account.ca_file).expanduser().is_file():
        raise ConfigError(f"{where}: ca_file {account.ca_file!r} does not exist")
    return replace(account, jid=jid)


def load(path: Path | None = None) -> Config:
    """Read the config file; a missing default file is an empty config, a missing --config file an error."""
    explicit = path is not None
    path = path or paths.config_file()
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        if explicit:
            raise ConfigError(f"{path}: no such config file") from None
        return Config(path=path)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    _check_keys(data, ["account", "keys", "ui", "notify", "files"], "", path)
    account = None
    if "account" in data:
        if isinstance(data["account"], dict) and "jid" not in data["account"]:
            raise ConfigError(f"{path}: [account] needs jid = \"you@example.org\"")
        if data["account"].get("resource") == "":
            raise ConfigError(f"{path}: [account]: resource '' cannot be a resource; leave it out for the default "
                              "or give a name like \"laptop\"")
        account = validate_account(_build(Account, data["account"], "account", path), f"{path}: [account]")
    keys = data.get("keys", {})
    if not isinstance(keys, dict) or not all(isinstance(v, str) for v in keys.values()):
        raise ConfigError(f"{path}: [keys] maps binding ids to key names, e.g. go_away = \"f3\"")
    ui = _build(UiConfig, data.get("ui", {}), "ui", path)
    if ui.bell not in BELL_MODES:
        raise ConfigError(f"{path}: ui.bell must be one of {', '.join(BELL_MODES)}, not {ui.bell!r}")
    if ui.preview not in PREVIEW_MODES:
        raise ConfigError(f"{path}: ui.preview must be one of {', '.join(PREVIEW_MODES)}, not {ui.preview!r}")
    if ui.graphics not in GRAPHICS_MODES:
        raise ConfigError(f"{path}: ui.graphics must be one of {', '.join(GRAPHICS_MODES)}, not {ui.graphics!r}")
    if ui.confirm_lines < 1:
        raise ConfigError(f"{path}: ui.confirm_lines must be 1 or more, not {ui.confirm_lines!r}")
    return Config(account=account, keys=dict(keys), ui=ui, notify=_notify(data.get("notify", {}), path),
                  files=_files(data.get("files", {}), path), path=path)


def _files(table: object, path: Path) -> FilesConfig:
    files = _build(FilesConfig, table, "files", path)
    if files.max_download_size < 1:
        raise ConfigError(f"{path}: files.max_download_size must be a number of bytes above 0, not "
                          f"{files.max_download_size!r}; e.g. max_download_size = {DEFAULT_MAX_DOWNLOAD}")
    directory = Path(files.download_dir).expanduser()
    if files.download_dir and directory.exists() and not directory.is_dir():
        raise ConfigError(f"{path}: files.download_dir {files.download_dir!r} is not a directory")
    if files.download_dir and not directory.is_absolute():
        raise ConfigError(f"{path}: files.download_dir {files.download_dir!r} must be an absolute path (or start "
                          "with ~)")
    return files


def _notify(table: object, path: Path) -> NotifyConfig:
    rules = table.pop("rules", {}) if isinstance(table, dict) else {}
    notify = _build(NotifyConfig, table, "notify", path)
    for name, allowed in (("chats", NOTIFY_LEVELS), ("rooms", NOTIFY_LEVELS), ("method", NOTIFY_METHODS)):
        if getattr(notify, name) not in allowed:
            raise ConfigError(f"{path}: notify.{name} must be one of {', '.join(allowed)}, "
                              f"not {getattr(notify, name)!r}")
    if not isinstance(rules, dict) or not all(isinstance(v, str) and v in NOTIFY_LEVELS for v in rules.values()):
        raise ConfigError(f"{path}: [notify.rules] maps a JID to one of {', '.join(NOTIFY_LEVELS)}, "
                          f"e.g. \"room@conference.example.org\" = \"all\"")
    return replace(notify, rules=dict(rules))


def _non_defaults(value: Any, defaults: Any) -> dict[str, Any]:
    return {f.name: getattr(value, f.name) for f in fields(value)
            if getattr(value, f.name) != getattr(defaults, f.name)}


def _write(config: Config) -> Config:
    """Write every setting of `config` that is not a default into its file (0600, atomically)."""
    path = config.path or paths.config_file()
    data: dict[str, Any] = {}
    if config.account is not None:
        data["account"] = {"jid": config.account.jid, **_non_defaults(config.account, Account(config.account.jid))}
    if config.keys:
        data["keys"] = dict(config.keys)
    for name, value, defaults in (("ui", config.ui, UiConfig()), ("notify", config.notify, NotifyConfig()),
                                  ("files", config.files, FilesConfig())):
        table = _non_defaults(value, defaults)
        if table:
            data[name] = table
    import tomli_w  # (only when the config is written, #20)

    paths.write_private(path, tomli_w.dumps(data))
    return replace(config, path=path)


def save_account(config: Config, account: Account) -> Config:
    """Write the account into the config file (0600), keeping the other tables."""
    return _write(replace(config, account=account))


def _saved(config: Config, change: Callable[[Config], Config]) -> Config:
    """Change one setting in the file as it is now (edits made while we ran are kept), and in `config`."""
    path = config.path or paths.config_file()
    on_disk = load(path) if path.exists() else Config(path=path)
    _write(change(on_disk))
    return change(replace(config, path=path))


def save_theme(config: Config, theme: str) -> Config:
    """Keep the theme picked in the palette for the next start (`[ui] theme`)."""
    return _saved(config, lambda c: replace(c, ui=replace(c.ui, theme=theme)))


def save_notify_rule(config: Config, jid: str, level: str) -> Config:
    """Keep a conversation's notification rule (`[notify.rules]`)."""
    return _saved(config, lambda c: replace(c, notify=replace(c.notify, rules={**c.notify.rules, jid: level})))
