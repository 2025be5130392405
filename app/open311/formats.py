"""GeoReport records as JSON or XML. XML follows the specification's elements: a root
(``services``, ``service_definition``, ``service_requests``, ``discovery``, ``errors``),
one element per field in the given order, empty elements for empty values.

XML is built as an element tree and serialized by the library, never by joining strings:
every name and text is escaped by construction, and characters XML 1.0 cannot carry at all
(control characters an older record may hold) are left out of the text, so an answer is
always well-formed. The library is lxml (its tree and serializer are C: a thousand records
serialize in a few milliseconds, where the standard library's Python serializer took tens).
JSON is encoded by orjson (C as well: a thousand records in a third of a millisecond, where
the standard library's encoder took five), as compact UTF-8 without escapes, like
``json.dumps(..., ensure_ascii=False)`` without the spaces."""

from __future__ import annotations

import copy
from typing import Any

import orjson
from flask import Response
from lxml import etree as ET

from app.services.plain_text import xml_safe

CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
#: The element name of each item of a list, by the list's own name.
ITEM = {"services": "service", "service_requests": "request", "errors": "error",
        "endpoints": "endpoint", "formats": "format", "attributes": "attribute",
        "values": "value", "service_request_updates": "request_update"}
DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _set_text(element, value: Any) -> None:
    """The element's text; lxml refuses a character XML 1.0 cannot carry (a ValueError),
    and only then is the text cleaned (the usual text is checked once, by lxml in C)."""
    text = value if type(value) is str else _text(value)
    if text is None:
        return
    try:
        element.text = text
    except ValueError:  # also UnicodeEncodeError: a lone surrogate
        element.text = xml_safe(text)


def _fill_fields(element, items) -> None:
    """Each (element, value) pair: the value as the element's text, or inside it."""
    for child, (key, inner) in items:
        if type(inner) is str:  # most fields: no call more
            try:
                child.text = inner
            except ValueError:
                child.text = xml_safe(inner)
        elif isinstance(inner, dict | list):
            _fill(child, key, inner)
        elif inner is not None:
            _set_text(child, inner)


def _fill(element, name: str, value: Any) -> None:
    if isinstance(value, dict):
        sub = ET.SubElement
        _fill_fields(element, ((sub(element, key), (key, inner))
                               for key, inner in value.items()))
    elif isinstance(value, list):
        item = ITEM[name]
        # The records of a list share their fields: each is a copy (made in C) of an empty
        # record with those elements, then filled; a record with other fields is built
        # element by element.
        keys: list | None = None
        template = None
        for inner in value:
            if isinstance(inner, dict):
                fields = list(inner)
                if fields != keys:
                    keys, template = fields, ET.Element(item)
                    for key in fields:
                        ET.SubElement(template, key)
                record = copy.deepcopy(template)
                element.append(record)
                _fill_fields(record, zip(record, inner.items(), strict=True))
            else:
                _fill(ET.SubElement(element, item), item, inner)
    else:
        _set_text(element, value)


def to_xml(root: str, data: Any) -> str:
    element = ET.Element(root)
    _fill(element, root, data)
    return DECLARATION + ET.tostring(element, encoding="unicode")


def render(fmt: str, root: str, data: Any, status: int = 200) -> Response:
    """``data`` is a dict (a single record: discovery, a service definition) or a list of
    records under ``root``."""
    # default=str: a lazily translated string (or any other text-like value) as its text
    body = orjson.dumps(data, default=str) if fmt == "json" else to_xml(root, data)
    return Response(body, status=status, content_type=CONTENT_TYPES[fmt])


def errors(fmt: str, status: int, description: str) -> Response:
    return render(fmt, "errors", [{"code": status, "description": description}], status)
