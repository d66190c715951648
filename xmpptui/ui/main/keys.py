"""The main screen's keys: its bindings (each with an id, remappable in the config's [keys] table) and
`KeyActions`, what each one does, by binding id.

Priority: after login the composer (a TextArea) has the focus, and a TextArea takes any key that carries a
printable character as text. A terminal sends Alt+A as ESC `a`, which Textual reports as `alt+a` *with* the
character `a`, so without priority Alt+letter and Alt+digit typed letters into the composer, and F6 / F7 are
the TextArea's own selection keys. Those bindings have priority; keys that carry no printable character
(Ctrl+letter, Alt+arrows) need none, and `?` must not have it: it types `?` in the composer and opens the
help only where nothing takes text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from textual.binding import ActiveBinding, Binding

from xmpptui.model.conversation import Conversation
from xmpptui.model.presence import Show
from xmpptui.ui.chat.controller import ChatController
from xmpptui.ui.chat.downloads import DownloadController
from xmpptui.ui.chat.uploads import UploadController
from xmpptui.ui.main.presence import PresenceController
from xmpptui.ui.rooms.joining import RoomJoining
from xmpptui.ui.rooms.panes import RoomPanes

_SHOW_KEYS = (
    ("f2", Show.ONLINE, "go_online", "Online"),
    ("f3", Show.CHAT, "go_chat", "Free for chat"),
    ("f4", Show.AWAY, "go_away", "Away"),
    ("f5", Show.XA, "go_xa", "Extended away"),
    ("f6", Show.DND, "go_dnd", "Do not disturb"),
    ("f7", Show.OFFLINE, "go_offline", "Go offline"),
)
_PRESENCE = Binding.Group("presence")
"""F2-F7 in the footer as one item (`F2F3F4F5F6F7 presence`): all six shown, and it fits in 80 columns."""


def _key(keys: str, binding_id: str, description: str, *, show: bool = False, priority: bool = False,
         group: Binding.Group | None = None) -> Binding:
    return Binding(keys, f"main_key('{binding_id}')", description, show=show, priority=priority, id=binding_id,
                   group=group)


BINDINGS: list[Binding] = [
    *(_key(key, binding_id, label, show=True, priority=True, group=_PRESENCE)
      for key, _show, binding_id, label in _SHOW_KEYS),
    _key("f8", "edit_status", "Status", show=True, priority=True),
    _key("f9", "edit_priority", "Priority", priority=True),
    _key("f10", "reconnect_now", "Reconnect now", priority=True),
    _key("alt+r", "retry_failed", "Retry failed", priority=True),
    _key("ctrl+n,alt+right", "next_conversation", "Next conversation"),
    _key("ctrl+b,alt+left", "previous_conversation", "Previous conversation"),
    *(_key(f"alt+{n}", f"go_to_{n}", f"Conversation {n}", priority=True) for n in range(1, 10)),
    _key("alt+a", "next_unread", "Next unread", priority=True),
    _key("alt+m", "next_mention", "Next mention", priority=True),
    _key("alt+w", "close_conversation", "Close conversation", priority=True),
    _key("alt+up", "select_message", "Select a message (then its keys: see the help)"),
    _key("question_mark", "help_key", "Help (outside the composer)"),
    _key("ctrl+r", "focus_roster", "Roster", show=True),
    _key("ctrl+t", "focus_composer", "Composer"),
    _key("f12", "toggle_roster", "Show / hide the roster", priority=True),
    _key("ctrl+o", "toggle_occupants", "Show / hide occupants", priority=True),
    _key("alt+j", "join_room", "Join", show=True, priority=True),
    _key("alt+o", "focus_occupants", "Occupants", priority=True),
    # (no priority: the composer's own Escape, closing completions or a correction, comes first)
    _key("escape", "cancel_upload", "Cancel the upload or download"),
]

FOOTER_ORDER = ("help", *(binding_id for _key_name, _show, binding_id, _label in _SHOW_KEYS), "edit_status",
                "focus_roster", "join_room", "quit")
"""The footer's fixed part, in this order whatever has the focus; the focused widget's own keys follow it."""


def footer_order(active: dict[str, ActiveBinding]) -> dict[str, ActiveBinding]:
    """`active` (focused widget first, then its parents, the screen, the app: an order that moves with the
    focus) with the fixed part first, in `FOOTER_ORDER`."""
    rank = {binding_id: index for index, binding_id in enumerate(FOOTER_ORDER)}
    fixed = sorted((item for item in active.items() if item[1].binding.id in rank),
                   key=lambda item: rank[str(item[1].binding.id)])
    return dict(fixed) | {key: value for key, value in active.items() if value.binding.id not in rank}


def next_after(jids: list[str], current: str | None, wanted: Iterable[str]) -> str | None:
    """The first of `wanted` after `current` in `jids` (the conversation bar's order), wrapping around."""
    targets = set(wanted)
    start = jids.index(current) + 1 if current in jids else 0
    for jid in jids[start:] + jids[:start]:
        if jid in targets:
            return jid
    return None


class KeyActions:
    """What each main-screen key does, by binding id: a call into the controller that carries it out."""

    def __init__(self, *, chat: ChatController, presence: PresenceController, panes: RoomPanes,
                 joining: RoomJoining, uploads: UploadController, downloads: DownloadController,
                 select_message: Callable[[], None],
                 focus_roster: Callable[[], None],
                 focus_composer: Callable[[], object],
                 toggle_roster: Callable[[], None], help: Callable[[], None]) -> None:
        self._chat = chat

        def set_show(show: Show) -> Callable[[], None]:
            return lambda: presence.set_presence(show=show)

        def go_to(number: int) -> Callable[[], None]:
            return lambda: self.go_to(number)

        self._actions: dict[str, Callable[[], object]] = {
            **{binding_id: set_show(show) for _key_name, show, binding_id, _label in _SHOW_KEYS},
            "edit_status": presence.edit_status, "edit_priority": presence.edit_priority,
            "reconnect_now": presence.reconnect_now, "retry_failed": chat.retry,
            "next_conversation": lambda: chat.cycle(1), "previous_conversation": lambda: chat.cycle(-1),
            **{f"go_to_{n}": go_to(n) for n in range(1, 10)},
            "next_unread": chat.next_unread, "next_mention": self.next_mention,
            "close_conversation": chat.close_conversation, "select_message": select_message, "help_key": help,
            "focus_roster": focus_roster,
            "focus_composer": focus_composer, "toggle_roster": toggle_roster, "toggle_occupants": panes.toggle,
            "focus_occupants": panes.focus_occupants, "join_room": joining.join_dialog,
            "cancel_upload": lambda: downloads.cancel() or uploads.cancel(),
        }
        missing = {str(binding.id) for binding in BINDINGS} - self._actions.keys()
        if missing:
            raise ValueError(f"main-screen keys with nothing to do: {sorted(missing)}")

    def run(self, binding_id: str) -> None:
        self._actions[binding_id]()

    def _conversations(self) -> list[Conversation]:
        """The open conversations in the conversation bar's order."""
        session = self._chat.session
        return list(session.state.conversations) if session is not None else []

    def go_to(self, number: int) -> None:
        """The conversation at this place (from 1) in the conversation bar; nothing if there are fewer."""
        jids = [conversation.jid for conversation in self._conversations()]
        if 0 < number <= len(jids):
            self._chat.switch_to(jids[number - 1])

    def next_mention(self) -> None:
        """The next conversation (after the one on screen, in the bar's order) with unread messages naming us."""
        conversations = self._conversations()
        target = next_after([c.jid for c in conversations], self._chat.active,
                            (c.jid for c in conversations if c.mentions))
        if target is not None:
            self._chat.switch_to(target)
