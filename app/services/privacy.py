"""What staff may see of a resident.

A reporter's phone number is personal data. Staff screens never show it in full: they
show it masked (``139****1111``: enough to tell two reporters apart or to read back on a
call the resident makes) and show nothing at all when the resident chose to stay
anonymous. Only the system (sending SMS) and the resident themself see the full number.
Public pages show no phone number in any form."""

from __future__ import annotations

from app.models import Case
from app.services.actors import Actor
from workflows.lifecycle import Role


def mask_phone(phone: str | None) -> str:
    """``+8613900001111`` -> ``139****1111``; other numbers keep their first 3 and last 4
    digits. Empty for no number."""
    if not phone:
        return ""
    if phone.startswith("wx-"):  # a WeChat identity, not a number
        return f"wx-…{phone[-4:]}"
    digits = phone[3:] if phone.startswith("+86") else phone.lstrip("+")
    if len(digits) <= 7:
        return "*" * len(digits)
    return f"{digits[:3]}{'*' * (len(digits) - 7)}{digits[-4:]}"


def reporter_phone_for(actor: Actor, case: Case) -> str | None:
    """The reporter's number as this actor may see it: None when the case is anonymous
    or has no number; masked for staff; in full for the system and the reporter."""
    contact = case.reporter
    if contact is None:
        return None
    if actor.role is Role.SYSTEM:
        return contact.phone
    if actor.role is Role.RESIDENT:
        return contact.phone if actor.contact and actor.contact.id == contact.id else None
    if case.anonymous:
        return None
    return mask_phone(contact.phone)
