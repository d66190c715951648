"""A bare Textual app: a screen of text over an `Input` that has the focus. The floor of "launch → first frame"
(argv `frame`: it shows the launch marker) and of keystroke echo (Textual paints a key at its next frame) for
any client built on Textual."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Input, Static


class BareApp(App[None]):
    def compose(self) -> ComposeResult:
        yield Static("Contacts\nAardvark Marker\n" + "chat log\n" * 30)
        yield Input(id="composer")

    def on_mount(self) -> None:
        self.query_one(Input).focus()


if __name__ == "__main__":
    BareApp().run()
