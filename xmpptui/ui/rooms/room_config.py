"""RoomConfigScreen: a room's configuration form (XEP-0045 10.2), one widget per field, built from the
form the room sent; dismissed with the filled-in form, or None to cancel."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Input, Label, Select, SelectionList, Static, TextArea

from xmpptui.model.forms import DataForm, FieldType, FormField
from xmpptui.ui.shared import render
from xmpptui.ui.shared.keys_now import KeyOrderInput


def _field_id(index: int) -> str:
    return f"config-field-{index}"  # field names hold '#', '{' and ':', which ids cannot


def _option_label(label: str, value: str) -> Text:
    return render.plain(label or value or "(none)", single_line=True)


class RoomConfigScreen(ModalScreen[DataForm | None]):
    """Ctrl+S (or the Save button) submits; Escape cancels. Labels, descriptions and options are the
    room's text: shown as plain text."""

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="room_config_save", priority=True),
        Binding("escape", "cancel", "Cancel", id="room_config_cancel"),
    ]

    def __init__(self, room: str, form: DataForm) -> None:
        super().__init__()
        self._room = room
        self._form = form

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="room-config-dialog"):
            yield Label(render.plain(f"Configure {self._room} (Ctrl+S saves, Escape cancels)", single_line=True),
                        classes="dialog-title")
            if self._form.title or self._form.instructions:
                yield Static(render.plain("\n".join(t for t in (self._form.title, self._form.instructions) if t)),
                             id="room-config-instructions")
            with VerticalScroll(id="room-config-fields"):
                for index, field in enumerate(self._form.fields):
                    yield from self._field_widgets(index, field)
            yield Static("", id="room-config-error", classes="dialog-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Save (Ctrl+S)", id="room-config-save", variant="primary")
                yield Button("Cancel (Escape)", id="room-config-cancel")

    def _field_widgets(self, index: int, field: FormField) -> ComposeResult:
        if field.type is FieldType.HIDDEN:
            return
        label = render.plain(field.label or field.var, "bold" if field.required else "", single_line=True)
        if field.required:
            label.append(" *", style="bold")
        if field.type is FieldType.FIXED:
            text = render.plain("\n".join(field.values) or field.label)
            yield Static(text, classes="room-config-fixed")
            return
        if field.type is FieldType.BOOLEAN:
            yield Checkbox(label, field.checked, id=_field_id(index), classes="room-config-input")
        else:
            yield Label(label, classes="room-config-label")
            yield self._input(index, field)
        if field.desc:
            yield Static(render.plain(field.desc, "italic"), classes="room-config-desc")

    @staticmethod
    def _input(index: int, field: FormField) -> Widget:
        widget_id, classes = _field_id(index), "room-config-input"
        if field.type is FieldType.LIST_SINGLE:
            options = [(_option_label(o.label, o.value), o.value) for o in field.options]
            if field.value and field.value not in {o.value for o in field.options}:
                options.append((_option_label("", field.value), field.value))  # what it is now stays a choice
            return Select(options, prompt="(none)", allow_blank=not field.value,
                          value=field.value if field.value else Select.NULL, id=widget_id, classes=classes)
        if field.type is FieldType.LIST_MULTI:
            chosen = set(field.values)
            return SelectionList[str](*((_option_label(o.label, o.value), o.value, o.value in chosen)
                                        for o in field.options), id=widget_id, classes=classes)
        if field.type in (FieldType.TEXT_MULTI, FieldType.JID_MULTI):
            hint = "one address per line" if field.type is FieldType.JID_MULTI else ""
            return TextArea("\n".join(field.values), placeholder=hint, id=widget_id, classes=classes)
        return KeyOrderInput(field.value, password=field.type is FieldType.TEXT_PRIVATE, id=widget_id, classes=classes)

    def widget_for(self, var: str) -> Widget | None:
        """The widget that edits the field named `var` (None for hidden and fixed fields)."""
        for index, field in enumerate(self._form.fields):
            if field.var == var and field.editable:
                return self.query_one(f"#{_field_id(index)}")
        return None

    # Answers ----------------------------------------------------------------------------------

    def answers(self) -> dict[str, tuple[str, ...]]:
        """The value of every editable field as the widgets now hold it."""
        answers: dict[str, tuple[str, ...]] = {}
        for index, field in enumerate(self._form.fields):
            if not field.editable:
                continue
            widget = self.query_one(f"#{_field_id(index)}")
            if isinstance(widget, Checkbox):
                answers[field.var] = ("1" if widget.value else "0",)
            elif isinstance(widget, Select):
                answers[field.var] = () if widget.value is Select.NULL else (str(widget.value),)
            elif isinstance(widget, SelectionList):
                answers[field.var] = tuple(str(value) for value in widget.selected)
            elif isinstance(widget, TextArea):
                answers[field.var] = tuple(line.strip() for line in widget.text.splitlines() if line.strip())
            elif isinstance(widget, Input):
                answers[field.var] = (widget.value,) if widget.value or field.values else ()
        return answers

    def action_save(self) -> None:
        answers = self.answers()
        missing = [f.label or f.var for f in self._form.fields
                   if f.required and f.editable and not any(v.strip() for v in answers.get(f.var, ()))]
        if missing:
            self.query_one("#room-config-error", Static).update(render.plain(f"fill in: {', '.join(missing)}"))
            return
        self.dismiss(self._form.with_values(answers))

    def action_cancel(self) -> None:
        self.dismiss(None)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "room-config-save":
            self.action_save()
        else:
            self.action_cancel()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()  # Enter in a text field moves on; it does not save half a form
        self.focus_next()
