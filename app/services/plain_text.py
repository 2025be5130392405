"""Text received from outside, made fit to store and to show: control characters other
than tab and line breaks are removed (they are invisible, break XML 1.0 answers and
terminal logs, and PostgreSQL refuses NUL outright)."""

from __future__ import annotations

import re

#: C0 controls except tab, line feed and carriage return; DEL; C1 controls.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
#: What XML 1.0 cannot carry at all, even escaped (controls, lone surrogates, U+FFFE/F).
NOT_XML = re.compile("[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def without_controls(text: str) -> str:
    return CONTROL.sub("", text)


def has_controls(text: str) -> bool:
    return CONTROL.search(text) is not None


def xml_safe(text: str) -> str:
    return NOT_XML.sub("", text)
