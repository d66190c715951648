"""Command-line options. Imports neither Textual nor slixmpp, so --help and --version stay instant."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

from xmpptui import __version__


@dataclass(frozen=True)
class Options:
    jid: str | None
    host: str | None
    port: int | None
    ca_file: str | None
    direct_tls: bool
    config: Path | None
    debug: bool
    demo: bool = False
    """Start the demo (xmpptui/demo) instead of logging in to an account."""
    server_only: bool = False
    """With `demo`: start only the demo's server and print how to log in to it."""


def parse(argv: list[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(
        prog="xmpptui",
        description="A keyboard-driven terminal XMPP (Jabber) client.",
        epilog="The password is taken from $XMPPTUI_PASSWORD if set, else from the account's password_command "
               "or the system keyring, else asked for. Config: config.toml in the platform config dir "
               "(e.g. ~/.config/xmpptui/). Keys and commands: F1 inside the app.",
    )
    parser.add_argument("--jid", help="log in as this JID without a config file (e.g. alice@example.org)")
    parser.add_argument("--host", help="server host to connect to (default: from the JID's domain via DNS)")
    parser.add_argument("--port", type=int, help="server port (default 5222, or 5223 with --direct-tls)")
    parser.add_argument("--ca-file", metavar="CA.pem", help="trust this CA certificate for the server")
    parser.add_argument("--direct-tls", action="store_true", help="use direct TLS (XEP-0368) instead of STARTTLS")
    parser.add_argument("--config", type=Path, metavar="PATH", help="use this config file instead of the default")
    parser.add_argument("--debug", action="store_true", help="log stanzas (credentials redacted) to the log file")
    parser.add_argument("--demo", action="store_true",
                        help="try xmpptui without an account: a private Prosody (needs the prosody and openssl "
                             "packages) with a demo account, contacts and an echo bot, in a temp dir removed at exit")
    parser.add_argument("--server-only", action="store_true",
                        help="with --demo: start only the demo's server and print how to log in to it")
    parser.add_argument("--version", action="version", version=f"xmpptui {__version__}")
    args = parser.parse_args(argv)
    if args.port is not None and not 1 <= args.port <= 65535:
        parser.error(f"--port {args.port} is not a TCP port (1-65535)")
    if args.server_only and not args.demo:
        parser.error("--server-only goes with --demo")
    if args.demo and (args.jid or args.host or args.port or args.ca_file or args.direct_tls or args.config):
        parser.error("--demo logs in to its own server: it takes no --jid, --host, --port, --ca-file, "
                     "--direct-tls or --config")
    return Options(args.jid, args.host, args.port, args.ca_file, args.direct_tls, args.config, args.debug,
                   args.demo, args.server_only)
