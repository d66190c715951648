"""NotificationController: which new messages notify (rules per conversation, /notify, quiet in dnd, the text
of a private conversation never shown), once per batch of session events; the terminal bell; and the unread
count in the terminal's title."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from xmpptui.config import NOTIFY_LEVELS, ConfigError, NotifyConfig
from xmpptui.model.conversation import ChatMessage, ConversationKind, Direction, MessageKind
from xmpptui.model.presence import Show
from xmpptui.model.state import ClientState
from xmpptui.ui.shared.controller import CommandLine, CommandTable, ScreenTools
from xmpptui.ui.shared.notifications import Notifier

APP_TITLE = "xmpptui"


class NotifySession(Protocol):
    @property
    def state(self) -> ClientState: ...


def level_for(settings: NotifyConfig, state: ClientState, jid: str, kind: MessageKind | None = None) -> str:
    """The rule of the conversation `jid`, else the default for rooms (a groupchat message, or a room's
    conversation) or for chats."""
    conversation = state.conversations.get(jid)
    in_room = conversation is not None and conversation.kind is ConversationKind.GROUPCHAT
    room = kind is MessageKind.GROUPCHAT or in_room
    return settings.level(jid, room)


def notifies(message: ChatMessage, level: str, *, on_screen: bool, dnd: bool) -> bool:
    """A live message from someone else, not on screen, under the conversation's rule; nothing while dnd. In a
    chat every message is for us, so "mentions" lets it through; in a room only one that names us."""
    if (dnd or level == "none" or on_screen or message.direction is not Direction.IN or message.delayed
            or message.kind not in (MessageKind.CHAT, MessageKind.NORMAL, MessageKind.GROUPCHAT)):
        return False
    return level == "all" or message.kind is not MessageKind.GROUPCHAT or message.mention


def is_private(settings: NotifyConfig, jid: str) -> bool:
    """Listed in `[notify] private`: the conversation, or the room an occupant's private chat goes through."""
    return jid in settings.private or jid.split("/", 1)[0] in settings.private


def title_for_unread(count: int) -> str:
    return f"({count}) {APP_TITLE}" if count else APP_TITLE


@dataclass(frozen=True)
class NotificationHooks:
    """What the app lends notifications (the defaults do nothing: a screen without an app, as in tests)."""

    settings: Callable[[], NotifyConfig] = NotifyConfig
    """`[notify]` as it is now."""
    save_rule: Callable[[str, str], None] = lambda _jid, _level: None
    """Keep a /notify rule (JID, level) for this run and the next; raises OSError or ConfigError if it could
    not be written."""
    notifier: Callable[[], Notifier | None] = lambda: None
    """Where notifications go (None: off)."""
    set_title: Callable[[str], None] = lambda _title: None
    bell: Callable[[], None] = lambda: None
    app_focused: Callable[[], bool] = lambda: True


class NotificationController:
    def __init__(self, tools: ScreenTools, composer: CommandLine, hooks: NotificationHooks, *,
                 active: Callable[[], str | None], rings_for: Callable[[ChatMessage], bool]) -> None:
        """`active`: the conversation on screen; `rings_for`: the bell's own rule (`[ui] bell`)."""
        self._tools = tools
        self._composer = composer
        self._hooks = hooks
        self._settings = hooks.settings
        self._active = active
        self._rings_for = rings_for
        self.session: NotifySession | None = None
        self._waiting: dict[str, list[ChatMessage]] = {}
        """This batch's messages that notify, by conversation (a burst is one notification per conversation)."""
        self._ring = False
        self._title = ""

    def commands(self) -> CommandTable:
        return {"notify": self._command_notify}

    def message_added(self, message: ChatMessage) -> None:
        if self.session is None:
            return
        state = self.session.state
        dnd = state.own_presence.show is Show.DND  # (do not disturb: no bell either)
        self._ring = self._ring or (not dnd and self._rings_for(message))
        on_screen = message.conversation == self._active() and self._hooks.app_focused()
        level = level_for(self._settings(), state, message.conversation, message.kind)
        if notifies(message, level, on_screen=on_screen, dnd=dnd):
            self._waiting.setdefault(message.conversation, []).append(message)

    def batch_done(self) -> None:
        """Once per batch of session events: one notification per conversation, one bell, the title."""
        if self._ring:
            self._ring = False
            self._hooks.bell()
        waiting, self._waiting = self._waiting, {}
        notifier = self._hooks.notifier() if waiting else None
        for jid, messages in waiting.items():
            if notifier is not None:
                notifier(*self._text(jid, messages))
        self.show_unread()

    def _text(self, jid: str, messages: list[ChatMessage]) -> tuple[str, str]:
        last = messages[-1]
        room = last.kind is MessageKind.GROUPCHAT
        title = f"{last.sender} in {self._label(jid)}" if room else (last.sender or self._label(jid))
        if is_private(self._settings(), jid):
            body = "new message" if len(messages) == 1 else f"{len(messages)} new messages"
        else:
            body = last.body if len(messages) == 1 else f"{last.body} (+{len(messages) - 1} more)"
        return title, body

    def _label(self, jid: str) -> str:
        contact = self.session.state.roster.get(jid) if self.session is not None else None
        return contact.display_name if contact is not None else jid

    def show_unread(self) -> None:
        """`(3) xmpptui` while 3 messages are unread; written only when it changes."""
        count = sum(c.unread for c in self.session.state.conversations) if self.session is not None else 0
        title = title_for_unread(count)
        if title != self._title:
            self._title = title
            self._hooks.set_title(title)

    def _command_notify(self, args: str) -> None:
        jid = self._active()
        level = args.strip().lower()
        if level not in NOTIFY_LEVELS:
            current = f" (here: {level_for(self._settings(), self.session.state, jid)})" if jid and self.session else ""
            self._tools.notify(f"usage: /notify all|mentions|none{current}", severity="warning")
            return
        if jid is None:
            self._tools.notify("no conversation is open: /notify sets the rule of the one on screen",
                               severity="warning")
            return
        try:
            self._hooks.save_rule(jid, level)
        except (OSError, ConfigError) as exc:  # (ConfigError: the file was broken while we ran)
            reason = exc.strerror if isinstance(exc, OSError) else str(exc)
            self._tools.notify(f"the rule holds until you quit, but could not be saved: {reason}", severity="error")
        self._composer.clear()
        self._tools.notify(f"notifications for {self._label(jid)}: {_SAID[level]}")


_SAID = {"all": "every message", "mentions": "messages that name you (and every chat message)", "none": "none"}
