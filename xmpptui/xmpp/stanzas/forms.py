"""Data forms (XEP-0004) between stanzas and model/forms.py values: read a form, write its answers."""

from __future__ import annotations

from xml.etree import ElementTree as ET

from xmpptui.model.forms import MULTI_VALUED, DataForm, FieldType, FormField, FormOption

NS_DATA = "jabber:x:data"
_MAX_FIELDS = 500
"""A form with more fields (or a field with more options) than any real one is cut there: a hostile
service could send thousands."""


def _text(element: ET.Element, name: str) -> str:
    return (element.findtext(f"{{{NS_DATA}}}{name}") or "").strip()


def form_from_element(x: ET.Element) -> DataForm:
    """A `<x xmlns='jabber:x:data'/>` element as a form (fields in the order the service sent them)."""
    fields = []
    for element in x.findall(f"{{{NS_DATA}}}field")[:_MAX_FIELDS]:
        kind = FieldType.parse(element.get("type"))
        values = tuple(value.text or "" for value in element.findall(f"{{{NS_DATA}}}value"))
        if kind not in MULTI_VALUED:
            values = values[:1]
        options = tuple(FormOption(_text(option, "value"), option.get("label", ""))
                        for option in element.findall(f"{{{NS_DATA}}}option")[:_MAX_FIELDS])
        fields.append(FormField(element.get("var", ""), kind, element.get("label", ""), _text(element, "desc"),
                                values, options, element.find(f"{{{NS_DATA}}}required") is not None))
    instructions = "\n".join((i.text or "").strip() for i in x.findall(f"{{{NS_DATA}}}instructions"))
    return DataForm(_text(x, "title"), instructions.strip(), tuple(fields))


def find_form(parent: ET.Element) -> DataForm | None:
    """The first data form directly inside `parent` (e.g. an owner query), or None."""
    x = parent.find(f"{{{NS_DATA}}}x")
    return form_from_element(x) if x is not None else None


def submit_element(form: DataForm) -> ET.Element:
    """The answers to a form (XEP-0004 3.1 type='submit'): every field with a name but the fixed ones,
    each with its values; a boolean as "1" or "0"."""
    x = ET.Element(f"{{{NS_DATA}}}x", type="submit")
    for field in form.fields:
        if not field.var or field.type is FieldType.FIXED:
            continue
        element = ET.SubElement(x, f"{{{NS_DATA}}}field", var=field.var)
        values = ("1" if field.checked else "0",) if field.type is FieldType.BOOLEAN else field.values
        for value in values:
            ET.SubElement(element, f"{{{NS_DATA}}}value").text = value
    return x


def cancel_element() -> ET.Element:
    """The answer that declines to fill in a form (XEP-0004 3.1 type='cancel')."""
    return ET.Element(f"{{{NS_DATA}}}x", type="cancel")
