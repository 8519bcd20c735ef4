"""Settings sections as form fields: a small declarative description of a section's shape, rendered as
widgets for templates/admin/_fields.html and read back from the posted form into the settings document.

Field names are the settings' own paths ("delay_rules.stalled.days", "transit.0.days"), so the errors
the settings validator returns land next to the field they are about. Reading a form never judges a
value: text that is not a number is passed on for the validator to reject with its own message, and a
re-rendered form shows what was sent. An empty optional field is left out of the document, so the
setting goes back to its default (shown as the field's placeholder).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

MAX_ROWS = 200  # rows of a list read from one form: more than any section allows
SPLIT = re.compile(r"[\s,]+")


@dataclass(frozen=True)
class Field:
    """One value. kind: bool | int | number | decimal | text | textarea | time | code | codes | lines |
    choices | days | range | keyed."""

    key: str  # dotted path relative to the section (or to the row)
    label: str
    kind: str = "text"
    help: str = ""
    options: tuple[tuple[str, str], ...] = ()  # choices and keyed: (value, label)
    default: Any = None  # shown as the placeholder; a bool's state when nothing is saved
    optional: bool = False  # empty means "left out": the default applies
    maxlength: int | None = None


@dataclass(frozen=True)
class Rows:
    """A list of objects edited as table rows, with `blank` empty rows to add more."""

    key: str
    label: str
    fields: tuple[Field, ...]
    help: str = ""
    blank: int = 2


@dataclass(frozen=True)
class Locales:
    """A map from locale code to a text, or (with `names`) to a map of named texts."""

    key: str
    label: str
    help: str = ""
    names: tuple[str, ...] = ()
    placeholders: dict = field(default_factory=dict)  # locale -> text, or locale -> {name: text}
    suggested: tuple[str, ...] = ("en", "ko", "id")  # rows offered even when empty
    multiline: bool = True


Spec = Field | Rows | Locales
EMPTY = object()


# ---- reading values out of the document ------------------------------------------------------------

def lookup(document: Any, path: str) -> Any:
    for part in path.split("."):
        if isinstance(document, dict) and part in document:
            document = document[part]
        elif isinstance(document, list) and part.isdigit() and int(part) < len(document):
            document = document[int(part)]
        else:
            return EMPTY
    return document


def place(document: dict, path: str, value: Any) -> None:
    *parents, last = path.split(".")
    for part in parents:
        document = document.setdefault(part, {})
    document[last] = value


# ---- rendering -------------------------------------------------------------------------------------

def text_of(value: Any) -> str:
    if value is EMPTY or value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _widget(f: Field, name: str, value: Any, errors: dict) -> dict:
    w = {"kind": f.kind, "name": name, "label": f.label, "help": f.help, "error": errors.get(name, ""),
         "placeholder": "" if f.default is None else text_of(f.default), "maxlength": f.maxlength,
         "options": f.options, "shown": [name]}
    if f.kind == "bool":
        w["checked"] = (f.default is True) if value is EMPTY else value is True
    elif f.kind in ("choices",):
        w["selected"] = value if isinstance(value, list) else []
    elif f.kind == "codes":
        w["value"] = ", ".join(map(str, value)) if isinstance(value, list) else text_of(value)
    elif f.kind == "lines":
        w["value"] = "\n".join(map(str, value)) if isinstance(value, list) else text_of(value)
    elif f.kind == "days":
        w["value"] = ("none" if value == [] else ", ".join(map(str, value))) if isinstance(value, list) else ""
    elif f.kind == "range":
        pair = value if isinstance(value, list) and len(value) == 2 else ["", ""]
        w["low"], w["high"] = text_of(pair[0]), text_of(pair[1])
        default = f.default if isinstance(f.default, list) else ["", ""]
        w["low_placeholder"], w["high_placeholder"] = text_of(default[0]), text_of(default[1])
    elif f.kind == "keyed":  # value is the enclosing object; the option chosen is the key present in it
        chosen = next((k for k, _ in f.options if isinstance(value, dict) and k in value), f.options[0][0])
        w["chosen"], w["value"] = chosen, text_of(value.get(chosen) if isinstance(value, dict) else "")
    else:
        w["value"] = text_of(value)
    return w


def _row_widgets(fields: tuple[Field, ...], prefix: str, row: Any, errors: dict) -> list[dict]:
    return [_widget(f, f"{prefix}.{f.key}", row if f.kind == "keyed" else lookup(row, f.key), errors)
            for f in fields]


def _rows(spec: Rows, name: str, value: Any, errors: dict) -> dict:
    items = value if isinstance(value, list) else []
    rows = []
    for i, item in enumerate([*items, *([None] * spec.blank)]):
        prefix = f"{name}.{i}"
        widgets = _row_widgets(spec.fields, prefix, item if item is not None else {}, errors)
        rows.append({"widgets": widgets, "error": errors.get(prefix, ""),
                     "shown": [prefix, *(p for w in widgets for p in w["shown"])]})
    return {"kind": "rows", "name": name, "label": spec.label, "help": spec.help, "error": errors.get(name, ""),
            "headers": [f.label for f in spec.fields], "rows": rows, "count": len(rows),
            "shown": [name, *(p for r in rows for p in r["shown"])]}


def _locales(spec: Locales, name: str, value: Any, errors: dict) -> dict:
    given = value if isinstance(value, dict) else {}
    codes = [*given, *(c for c in spec.suggested if c not in given), ""]
    rows = []
    for i, code in enumerate(codes):
        texts = given.get(code, {} if spec.names else "")
        at = f"{name}.{code}"
        if spec.names:
            cells = [{"name": f"{name}.{i}.{n}", "label": n.replace("_", " "), "error": errors.get(f"{at}.{n}", ""),
                      "value": text_of(lookup(texts, n)) if isinstance(texts, dict) else "",
                      "placeholder": text_of(lookup(spec.placeholders, f"{code}.{n}")) if code else ""}
                     for n in spec.names]
            shown = [at, *(f"{at}.{n}" for n in spec.names)]
        else:
            cells = [{"name": f"{name}.{i}.text", "label": spec.label, "error": "", "value": text_of(texts),
                      "placeholder": text_of(spec.placeholders.get(code)) if code else ""}]
            shown = [at]
        rows.append({"locale_name": f"{name}.{i}.locale", "locale": code, "cells": cells,
                     "error": errors.get(at, ""), "shown": shown})
    return {"kind": "locales", "name": name, "label": spec.label, "help": spec.help, "error": errors.get(name, ""),
            "rows": rows, "count": len(rows), "multiline": spec.multiline,
            "shown": [name, *(p for r in rows for p in r["shown"])]}


def render(specs: tuple[Spec, ...], document: dict, errors: dict, prefix: str = "") -> tuple[list[dict], list[str]]:
    """(widgets, the error paths they show); the rest of the errors belong in a list above the form."""
    widgets = []
    for spec in specs:
        name = f"{prefix}{spec.key}"
        value = lookup(document, name)
        if isinstance(spec, Rows):
            widgets.append(_rows(spec, name, value, errors))
        elif isinstance(spec, Locales):
            widgets.append(_locales(spec, name, value, errors))
        else:
            widgets.append(_widget(spec, name, value, errors))
    return widgets, [p for w in widgets for p in w["shown"]]


# ---- reading the form ------------------------------------------------------------------------------

def number_of(raw: str) -> Any:
    """An int or float for the validator; text that is not a number is passed on for it to reject."""
    try:
        number = float(raw)
    except ValueError:
        return raw
    return int(number) if number.is_integer() and "." not in raw else number


def _value(f: Field, form, name: str) -> Any:
    """The field's value, or EMPTY when it is left out of the document."""
    if f.kind == "bool":
        return form.get(name) == "1"
    if f.kind == "choices":
        chosen = form.getlist(name)
        return [v for v, _ in f.options if v in chosen]
    if f.kind == "range":
        low, high = form.get(f"{name}.min", "").strip(), form.get(f"{name}.max", "").strip()
        if f.optional and not low and not high:
            return EMPTY
        return [number_of(low), number_of(high)]
    if f.kind == "keyed":
        return EMPTY  # placed by _row from its own select
    raw = form.get(name, "")
    raw = raw.strip() if f.kind not in ("textarea",) else raw.strip("\r\n")
    if f.optional and not raw.strip():
        return EMPTY
    if f.kind in ("int", "number"):
        return number_of(raw)
    if f.kind == "code":
        return raw.upper()
    if f.kind == "codes":
        return [c.upper() if c != "*" else c for c in SPLIT.split(raw) if c]
    if f.kind == "lines":
        return [line.strip() for line in raw.splitlines() if line.strip()]
    if f.kind == "days":
        return [] if raw.lower() == "none" else [d.lower() for d in SPLIT.split(raw) if d]
    return raw


def _count(form, name: str) -> int:
    try:
        return max(0, min(int(form.get(f"{name}.count", "0")), MAX_ROWS))
    except ValueError:
        return 0


def _row(fields: tuple[Field, ...], form, prefix: str) -> dict | None:
    """One row as an object, or None when every field of it is empty (a blank row)."""
    row: dict = {}
    for f in fields:
        name = f"{prefix}.{f.key}"
        if f.kind == "keyed":
            chosen = form.get(f"{name}.kind", "")
            row[chosen if chosen in dict(f.options) else f.options[0][0]] = form.get(name, "").strip()
            continue
        value = _value(f, form, name)
        if value is not EMPTY:
            place(row, f.key, value)
    blank = all(v in ("", [], ["", ""], False) for v in _leaves(row))
    return None if blank else row


def _leaves(value: Any):
    if isinstance(value, dict):
        for v in value.values():
            yield from _leaves(v)
    else:
        yield value


def _read_locales(spec: Locales, form, name: str, errors: dict) -> dict:
    out: dict = {}
    for i in range(_count(form, name)):
        code = form.get(f"{name}.{i}.locale", "").strip()
        if spec.names:
            texts = {n: form.get(f"{name}.{i}.{n}", "").strip() for n in spec.names}
            texts = {n: t for n, t in texts.items() if t}
        else:
            texts = form.get(f"{name}.{i}.text", "").strip()
        if not texts:
            continue
        if code in out:
            errors[f"{name}.{code}"] = "appears twice: one text per language"
        out[code] = texts
    return out


def parse(specs: tuple[Spec, ...], form, prefix: str = "") -> tuple[dict, dict]:
    """(the section's document as the form gives it, errors found while reading it)."""
    document: dict = {}
    errors: dict = {}
    for spec in specs:
        name = f"{prefix}{spec.key}"
        if isinstance(spec, Rows):
            rows = (_row(spec.fields, form, f"{name}.{i}") for i in range(_count(form, name)))
            place(document, name, [r for r in rows if r is not None])
        elif isinstance(spec, Locales):
            place(document, name, _read_locales(spec, form, name, errors))
        else:
            value = _value(spec, form, name)
            if value is not EMPTY:
                place(document, name, value)
    return document, errors
