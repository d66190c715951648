"""Composition root: CLI -> config -> data directory (lock, resource) -> logging -> history -> app.run();
`--demo` hands over to xmpptui/demo instead."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from xmpptui.profile import ProfileLock
    from xmpptui.storage.history import History
    from xmpptui.ui.app import SessionFactory, XmppTuiApp


@dataclass
class Prepared:
    """Everything `main` runs, built and checked before the first frame."""

    app: XmppTuiApp
    session_factory: SessionFactory
    history: History | None
    lock: ProfileLock | None
    notices: list[str] = field(default_factory=list)
    """What could not be set up, in words, for the screen (the app was built with them)."""

    def close(self) -> None:
        if self.history is not None:
            self.history.shutdown()
        if self.lock is not None:
            self.lock.release()


def prepare(argv: list[str] | None = None) -> Prepared | int:
    """Build the app, or the exit code of a start that must not go on (a config error, a profile in use)."""
    from xmpptui import cli

    options = cli.parse(argv)  # --help/--version exit here, before Textual or slixmpp are imported

    import platformdirs

    from xmpptui import config as config_mod
    from xmpptui import logs, paths, profile
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
        from xmpptui.ui.shared import keymap  # [keys] names our bindings and Textual's keys: checked where they live

        if problem := keymap.check(config.keys, config.path):
            raise config_mod.ConfigError(problem)
    except config_mod.ConfigError as exc:
        print(f"xmpptui: {exc}", file=sys.stderr)
        return 2

    notices: list[str] = []
    data_dir = platformdirs.user_data_path(paths.APP)
    lock = None
    try:
        paths.data_dir()
        lock = profile.lock(data_dir)
    except profile.ProfileInUse as exc:
        # Before the TUI, and before anything in that directory is touched: the other copy owns it.
        print(f"xmpptui: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        notices.append(f"the data directory {data_dir} cannot be used ({exc.strerror}): running without history "
                       "(and nothing else is kept there)")
    usable_data = lock is not None

    try:
        logs.setup(paths.log_file(), options.debug)
    except OSError as exc:
        logs.setup_none()
        notices.append(f"no log file: {platformdirs.user_log_path(paths.APP)} cannot be written "
                       f"({exc.strerror}); running without a log")
    for notice in notices:
        logs.log_startup_problem(notice)

    from xmpptui.model.roster import Contact
    from xmpptui.pins import default_store
    from xmpptui.storage.contact_store import ContactStore
    from xmpptui.storage.history import History
    from xmpptui.ui.app import XmppTuiApp

    history = History(data_dir / "history.sqlite3") if usable_data else None
    resource = profile.installation_resource(data_dir if usable_data else None)

    # The roster cache of the last login is read now, so that the first frame shows it; the first session for
    # that account starts from it (a later one reads the file again: a login since may have rewritten it).
    cached_roster: list[tuple[str, str, list[Contact]]] = []
    if account is not None and usable_data:
        version, contacts = ContactStore.default(account.bare_jid.lower()).load_roster()
        if version is not None:
            cached_roster.append((account.bare_jid.lower(), version, contacts))

    def session_factory(account_: config_mod.Account, password: Secret) -> Session:
        # slixmpp is imported on first use, after the first frame is on screen.
        from xmpptui.xmpp.session import XmppSession

        if not account_.resource:  # (one set in the config wins)
            account_ = replace(account_, resource=resource)
        cached = None
        if cached_roster:
            jid, version, contacts = cached_roster.pop()
            cached = (version, contacts) if jid == account_.bare_jid.lower() else None
        return XmppSession(account_, password, pins=default_store(), history=history, files=config.files,
                           cached_roster=cached)

    app = XmppTuiApp(config, account, session_factory, save_accounts=not options.jid, history=history,
                     startup_notices=notices, cached_roster=cached_roster[0][2] if cached_roster else ())
    return Prepared(app, session_factory, history, lock, notices)


def main(argv: list[str] | None = None) -> int:
    from xmpptui import cli

    options = cli.parse(argv)
    if options.demo:
        from xmpptui.demo.run import run

        return run(debug=options.debug, server_only=options.server_only)
    # No collection until the first frame (ui/app.py then freezes the start-up heap, sets calm thresholds and
    # enables the collector): the imports leave ~50,000 tracked objects and next to no garbage (~500 objects), yet
    # the default thresholds ran ~100 young and one full collection over them (~25-40 ms of the launch, #20).
    import gc

    gc.disable()
    prepared = prepare(argv)
    if isinstance(prepared, int):
        return prepared
    try:
        prepared.app.run()
    finally:
        prepared.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
