"""The keys of a selected message (Alt+Up in the composer selects the newest): moving the selection, leaving it,
and one key per action on the message. A chat log carries these bindings and posts `SelectionKey` with the
binding id; `SelectionController` (ui/chat/selection.py) carries the action out."""

from __future__ import annotations

from textual.binding import Binding
from textual.message import Message
from textual.widget import Widget


def _key(keys: str, binding_id: str, description: str) -> Binding:
    return Binding(keys, f"selection('{binding_id}')", description, show=False, id=binding_id)


BINDINGS: list[Binding] = [
    _key("up", "select_previous", "Select the message before"),
    _key("down", "select_next", "Select the message after"),
    _key("pageup", "select_page_up", "Select a screen of messages back"),
    _key("pagedown", "select_page_down", "Select a screen of messages on"),
    _key("escape", "leave_selection", "Leave the selection (back to the composer)"),
    _key("r", "reply_to_message", "Reply to the selected message"),
    _key("e", "react_to_message", "React to the selected message with an emoji"),
    _key("d,delete", "retract_message", "Retract your selected message for everyone (asks first)"),
    _key("m", "moderate_message", "Remove the selected room message as a moderator (reason, then asks)"),
    _key("c", "correct_message", "Correct your selected message (your latest only)"),
    _key("y", "copy_message", "Copy the selected message's text (OSC 52)"),
    _key("o", "open_message_link", "Open the selected message's link"),
    _key("i", "message_details", "Details of the selected message"),
    _key("exclamation_mark", "report_message", "Report a stranger's selected message and block them"),
    _key("g", "jump_to_original", "Go to the message the selected reply answers"),
]

SCROLLING = {"select_previous": "scroll_up", "select_next": "scroll_down", "select_page_up": "page_up",
             "select_page_down": "page_down"}
"""What the moving keys do in a log where nothing is selected (the log was focused some other way): scroll."""


class SelectionKey(Message):
    """A selection key was pressed in a chat log: `action` is its binding id."""

    def __init__(self, log: Widget, action: str) -> None:
        super().__init__()
        self.log = log
        self.action = action
