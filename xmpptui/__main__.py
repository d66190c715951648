"""Composition root: CLI -> config -> logging -> session factory -> app.run()."""

from __future__ import annotations

import sys
from dataclasses import replace


def main(argv: list[str] | None = None) -> int:
    from xmpptui import cli

    options = cli.parse(argv)  # --help/--version exit here, before Textual or slixmpp are imported

    from xmpptui import config as config_mod
    from xmpptui import logs, paths
    from xmpptui.passwords import Secret
    from xmpptui.session import Session

    try:
        config = config_mod.load(options.config)
        account = config.account
        if options.jid:
            account = config_mod.Account(jid=options.jid)
        if account is not None:
            overrides = {
                "host": options.host, "port": options.port, "ca_file": options.ca_file,
                "tls": "direct" if options.direct_tls else None,
            }
            account = config_mod.validate_account(
                replace(account, **{k: v for k, v in overrides.items() if v is not None}), "command line")
        from xmpptui.ui import keymap  # [keys] names our bindings and Textual's keys: checked where they live

        if problem := keymap.check(config.keys, config.path):
            raise config_mod.ConfigError(problem)
    except config_mod.ConfigError as exc:
        print(f"xmpptui: {exc}", file=sys.stderr)
        return 2
    logs.setup(paths.log_file(), options.debug)

    from xmpptui.pins import default_store
    from xmpptui.storage.history import History
    from xmpptui.ui.app import XmppTuiApp

    history = History(paths.data_dir() / "history.sqlite3")

    def session_factory(account_: config_mod.Account, password: Secret) -> Session:
        # slixmpp is imported on first use, after the first frame is on screen.
        from xmpptui.xmpp.session import XmppSession

        return XmppSession(account_, password, pins=default_store(), history=history)

    app = XmppTuiApp(config, account, session_factory, save_accounts=not options.jid)
    try:
        app.run()
    finally:
        history.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
