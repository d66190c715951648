"""Data forms (XEP-0004) as plain values: what a room's configuration form (XEP-0045 10.2) asks, and the
answers the user gives. The stanza side lives in xmpp/stanzas/forms.py; the dialog in ui/rooms/room_config.py."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from enum import Enum


class FieldType(Enum):
    BOOLEAN = "boolean"
    FIXED = "fixed"
    HIDDEN = "hidden"
    JID_MULTI = "jid-multi"
    JID_SINGLE = "jid-single"
    LIST_MULTI = "list-multi"
    LIST_SINGLE = "list-single"
    TEXT_MULTI = "text-multi"
    TEXT_PRIVATE = "text-private"
    TEXT_SINGLE = "text-single"

    @classmethod
    def parse(cls, word: str | None) -> FieldType:
        """XEP-0004 3.3: a field without a type (or with one we do not know) is text-single."""
        try:
            return cls(word) if word else cls.TEXT_SINGLE
        except ValueError:
            return cls.TEXT_SINGLE


MULTI_VALUED = frozenset({FieldType.JID_MULTI, FieldType.LIST_MULTI, FieldType.TEXT_MULTI})
READ_ONLY = frozenset({FieldType.FIXED, FieldType.HIDDEN})
"""Shown (fixed) or kept (hidden) as the service sent them; the user does not change them."""


def truthy(value: str) -> bool:
    """A boolean field's value: "1" and "true" are true (XEP-0004 3.3)."""
    return value.strip().lower() in ("1", "true")


@dataclass(frozen=True, slots=True)
class FormOption:
    value: str
    label: str = ""


@dataclass(frozen=True, slots=True)
class FormField:
    var: str
    """The field's name; "" only for fixed fields (which are text, not questions)."""
    type: FieldType = FieldType.TEXT_SINGLE
    label: str = ""
    """Remote text: plain, never markup."""
    desc: str = ""
    values: tuple[str, ...] = ()
    options: tuple[FormOption, ...] = ()
    required: bool = False

    @property
    def value(self) -> str:
        return self.values[0] if self.values else ""

    @property
    def checked(self) -> bool:
        return truthy(self.value)

    @property
    def editable(self) -> bool:
        return self.type not in READ_ONLY and bool(self.var)


@dataclass(frozen=True, slots=True)
class DataForm:
    title: str = ""
    instructions: str = ""
    fields: tuple[FormField, ...] = ()

    @property
    def form_type(self) -> str:
        field = self.field("FORM_TYPE")
        return field.value if field is not None else ""

    def field(self, var: str) -> FormField | None:
        return next((f for f in self.fields if f.var == var), None)

    def with_values(self, changes: Mapping[str, tuple[str, ...]]) -> DataForm:
        """The same form with these fields' values replaced (read-only fields keep theirs)."""
        unknown = set(changes) - {f.var for f in self.fields if f.editable}
        if unknown:
            raise KeyError(f"no editable field {sorted(unknown)[0]!r} in the form")
        return replace(self, fields=tuple(
            replace(f, values=tuple(changes[f.var])) if f.var in changes else f for f in self.fields))
