"""ReactionPicker: choosing the emoji to react with (XEP-0444): the recent and common ones as choices (Up / Down,
Enter), or typed: any emoji, or a `:shortcode:` from a small built-in table. One already set is marked: choosing
it again takes it back."""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from xmpptui.ui.shared import render
from xmpptui.ui.shared.keys_now import KeyOrderInput

COMMON = ("👍", "❤️", "😂", "😮", "😢", "🙏", "🎉", "👎")
"""The choices offered after the recent ones (the set most clients offer first)."""

SHORTCODES = {
    "+1": "👍", "thumbsup": "👍", "-1": "👎", "thumbsdown": "👎", "heart": "❤️", "joy": "😂", "laughing": "😆",
    "smile": "😄", "slightly_smiling_face": "🙂", "wink": "😉", "heart_eyes": "😍", "rofl": "🤣", "sob": "😭",
    "cry": "😢", "open_mouth": "😮", "thinking": "🤔", "pray": "🙏", "clap": "👏", "wave": "👋", "ok_hand": "👌",
    "tada": "🎉", "fire": "🔥", "eyes": "👀", "rocket": "🚀", "100": "💯", "white_check_mark": "✅",
    "check": "✅", "x": "❌", "star": "⭐", "coffee": "☕", "shrug": "🤷", "muscle": "💪", "sparkles": "✨",
}
"""`:shortcode:` -> emoji: the common ones, with the names Slack, GitHub and Conversations use."""

MAX_EMOJI = 16
"""Characters in one reaction at most (an emoji with its modifiers and joiners; the protocol layer checks too)."""


def resolve(typed: str) -> tuple[str, str]:
    """(the emoji `typed` names, "") or ("", why it names none): a `:shortcode:` or the emoji itself."""
    text = typed.strip()
    if text.startswith(":") and text.endswith(":") and len(text) > 2:
        emoji = SHORTCODES.get(text[1:-1].lower())
        if emoji is None:
            return "", f"no shortcode {text} here: try {', '.join(f':{name}:' for name in list(SHORTCODES)[:6])}…"
        return emoji, ""
    if not text:
        return "", "type an emoji or a :shortcode:, or choose one with Up / Down"
    if len(text) > MAX_EMOJI or any(c.isascii() and (c.isalnum() or c.isspace()) for c in text) or \
            not text.isprintable():
        return "", "a reaction is one emoji (or a :shortcode:), not text"
    return text, ""


def choices(recent: Iterable[str]) -> list[str]:
    """The recent emojis, newest first, then the common ones not among them."""
    chosen = list(dict.fromkeys(recent))
    return chosen + [emoji for emoji in COMMON if emoji not in chosen]


class ReactionPicker(ModalScreen[str | None]):
    """Dismissed with the emoji chosen (None: cancelled). The caller turns it into the user's new set."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="reaction_cancel"),
        Binding("up", "move(-1)", "Previous choice", show=False, id="reaction_previous"),
        Binding("down", "move(1)", "Next choice", show=False, id="reaction_next"),
    ]

    HINT = "↑/↓ choose · or type an emoji or :shortcode: · Enter: react (on one of yours: take it back) · Esc: cancel"

    def __init__(self, title: str, offered: list[str], ours: frozenset[str]) -> None:
        super().__init__()
        self._title = title
        self._offered = offered
        self._ours = ours

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="reaction-dialog"):
            yield Label(render.plain(self._title, single_line=True), classes="dialog-title")
            options = OptionList(*(Option(self._prompt(emoji), id=str(index))
                                   for index, emoji in enumerate(self._offered)), id="reaction-choices")
            options.can_focus = False  # (the typing goes to the input; Up / Down move here)
            yield options
            yield KeyOrderInput(placeholder=":shortcode: or an emoji", id="reaction-input")
            yield Static("", id="reaction-error", classes="dialog-error")
            yield Label(self.HINT, classes="dialog-keys", markup=False)

    def _prompt(self, emoji: str) -> Text:
        prompt = render.plain(emoji)
        if emoji in self._ours:
            prompt.append("  yours: Enter takes it back", style="italic")
        return prompt

    def on_mount(self) -> None:
        self.query_one(OptionList).highlighted = 0 if self._offered else None
        self.query_one(Input).focus()

    def action_move(self, step: int) -> None:
        options = self.query_one(OptionList)
        if self._offered:
            options.highlighted = ((options.highlighted or 0) + step) % len(self._offered)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        highlighted = self.query_one(OptionList).highlighted
        if not event.value.strip() and highlighted is not None:
            self.dismiss(self._offered[highlighted])
            return
        emoji, error = resolve(event.value)
        if error:
            self.query_one("#reaction-error", Static).update(render.plain(error))
            return
        self.dismiss(emoji)

    def action_cancel(self) -> None:
        self.dismiss(None)
