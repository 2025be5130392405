"""Every kind of message the city sends, with the values it is written from.

Twilio and the console send the rendered text (``body``). A gateway that sends only
approved templates (Tencent Cloud SMS) needs the same message as data: which kind it is
and the values that fill it. So each place that writes a message text tags it with its
kind and parameters (``tagged``): the result is still the same ``str`` everywhere else,
and the outbox row keeps the kind and parameters beside the body.

``KINDS`` is the complete list: the template mapping must cover each one before a
template gateway may be switched on (``sms_templates.missing``)."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class Kind:
    name: str
    params: tuple[str, ...]
    title: object  # a lazy translated string: what the message is for


def _kinds(*rows: tuple[str, tuple[str, ...], object]) -> dict[str, Kind]:
    return {name: Kind(name, params, title) for name, params, title in rows}


KINDS: dict[str, Kind] = _kinds(
    # To residents, when their case moves (services/notifications.py).
    ("receipt", ("code", "category", "link"), _l("Report received (web, app, hotline)")),
    ("receipt_sms", ("code", "category", "place"), _l("Report received by SMS, placed")),
    ("receipt_sms_unplaced", ("code", "category"), _l("Report received by SMS, not placed")),
    ("receipt_sms_muted", ("code", "category", "place"),
     _l("Report received by SMS, placed; the number had opted out")),
    ("receipt_sms_unplaced_muted", ("code", "category"),
     _l("Report received by SMS, not placed; the number had opted out")),
    ("dispatched", ("code", "unit", "due"), _l("Case dispatched")),
    ("rectified", ("code", "unit"), _l("Case fixed, to be checked")),
    ("rejected", ("code", "reason"), _l("Report not accepted")),
    ("closed", ("code",), _l("Case closed, please rate")),
    ("closed_link", ("code", "link"), _l("Case closed, please rate (with a rating link)")),
    ("reopened", ("code",), _l("Case reopened")),
    ("rating_link", ("code", "link"), _l("Rating link asked for on the tracking page")),
    ("photo_rejected", ("code", "reason"), _l("A photo sent by MMS could not be used")),
    # To staff.
    ("staff_new_case", ("code", "category", "place", "due"), _l("New case for a unit")),
    ("reminder", ("pct", "what", "code", "due"), _l("Time limit reminder")),
    ("escalation", ("level", "code", "due"), _l("Overdue case escalated")),
    # Replies to a resident's text message (services/sms.py).
    ("reply_help", (), _l("Reply: how to report")),
    ("reply_stopped", (), _l("Reply: messages stopped (TD)")),
    ("reply_resumed", (), _l("Reply: messages resumed (START)")),
    ("reply_no_case", ("code",), _l("Reply: no case has this code")),
    ("reply_no_report", (), _l("Reply: no report from this number")),
    ("reply_status", ("code", "category", "state"), _l("Reply: a case's state")),
    ("reply_status_due", ("code", "category", "state", "due"),
     _l("Reply: a case's state and time limit")),
    ("reply_status_closed", ("code", "category", "date"), _l("Reply: a case was closed")),
    ("reply_status_merged", ("code", "category", "other"), _l("Reply: a case was merged")),
    ("reply_not_awaiting_rating", ("code",), _l("Reply: this case awaits no rating")),
    ("reply_no_rating_due", (), _l("Reply: no case awaits a rating")),
    ("reply_rated", ("code",), _l("Reply: thanks for the rating")),
    ("reply_rated_unhappy", ("code",), _l("Reply: thanks, a supervisor will follow up")),
    ("reply_over_limit", (), _l("Reply: too many reports from this number")),
    ("reply_duplicate", ("code", "category"), _l("Reply: already reported")),
    ("reply_moved", ("code", "place"), _l("Reply: a case was moved to another place")),
    ("reply_ask_category", (), _l("Question: what is the problem?")),
    ("reply_ask_place", (), _l("Question: where is it?")),
    ("reply_ask_both", (), _l("Question: what and where?")),
    ("reply_ask_section", ("road",), _l("Question: which part of the road?")),
    ("reply_refused", ("problem",), _l("Reply: the request was refused")),
    # A text known only as text (a reply recorded before kinds were kept).
    ("text", ("text",), _l("Any other message, as one text")),
)


class Text(str):
    """A message text that also knows its kind and the values it was written from."""

    kind: str
    params: dict[str, str]


def tagged(kind: str, text: str, **params) -> Text:
    """``text`` tagged with its kind and parameters (stored as strings)."""
    if kind not in KINDS:  # a programming error: every kind is declared above
        raise KeyError(f"unknown message kind {kind!r}")
    result = Text(text)
    result.kind = kind
    result.params = {name: "" if value is None else str(value)
                     for name, value in params.items()}
    return result


def kind_of(text: str) -> tuple[str, dict[str, str]]:
    """The kind and parameters of a message text; an untagged text is kind "text"."""
    if isinstance(text, Text):
        return text.kind, text.params
    return "text", {"text": str(text)}
