"""A new report written in one statement, on PostgreSQL.

The door writes a new report as up to five rows: the reporter's contact (for a number
first seen now), the case, its "submit" event, the reporter as follower and the
reporter's "received" message in the outbox. Written one INSERT at a time, each waits for
the one before (the case needs the contact's id, the event the case's, the message the
event's). PostgreSQL can do all of them in one statement, each INSERT a data-modifying
common table expression reading the ids the one before returned. The statement is the
whole transaction, so it runs outside one (``direct``): one round trip instead of
four (BEGIN, contact, the rest, COMMIT). SQLite cannot run an INSERT inside WITH, so it
keeps the separate statements; a test (tests/integration/test_report_statement.py)
compares the rows both ways write.

The reporter: ``INSERT ... ON CONFLICT (phone) DO NOTHING RETURNING`` gives the contact
made now, and a plain read of the table (which, in the statement's snapshot, does not
see that row) the one that was there, so exactly one of the two has a row. A number
that another transaction adds this instant gives neither: then nothing at all is
written and the caller runs the statement again (it sees the row then). The "received"
text is in the contact's language, which the statement learns only as it runs: it is
given the text in every language the app speaks (``o_bodies``) and takes the contact's
(a contact kept in another language, which none is, gets the report's).

The values are the door's own (``cases.submit`` builds the same objects for both ways):
here they only travel in one statement. Every INSERT names all the columns it writes
(``include_defaults=False``), each with a value given: ``direct`` runs the statement
without SQLAlchemy's execution, which would fill column defaults. Parameters are named
after their table and column: ``c_<column>`` for the case, ``e_<column>`` for the event,
``o_<column>`` for the message, ``r_<column>`` for the contact; ``since`` for the
follower.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    String,
    bindparam,
    cast,
    exists,
    func,
    literal,
    select,
    true,
    union_all,
)
from sqlalchemy import case as case_
from sqlalchemy.dialects.postgresql import JSONB, insert

from app.models import Case, CaseEvent, CaseFollower, Contact, OutboxMessage, SmsOptOut
from app.services.notifications import CONTACT_KEY, EVENT_KEY

CASE = Case.__table__
EVENT = CaseEvent.__table__
FOLLOWER = CaseFollower.__table__
OUTBOX = OutboxMessage.__table__
CONTACT = Contact.__table__

#: Columns whose value comes from the statement itself (the ids just made, and what the
#: reporter's contact holds).
FROM_STATEMENT = {"case": frozenset({"reporter_contact_id"}),
                  "event": frozenset({"case_id", "actor_contact_id"}),
                  "outbox": frozenset({"case_id", "event_id", "dedupe_key", "contact_id"})}
#: The message's columns that hold the contact's choice: given in the language of the
#: report, taken only for a contact whose language has no text (none has).
CHOSEN = ("language", "body")
CONTACT_COLUMNS = ("phone", "language", "created_at")


def _params(table, prefix: str, columns):
    """(column, typed bind parameter) of these columns."""
    return [(table.c[key], bindparam(f"{prefix}_{key}", type_=table.c[key].type))
            for key in columns]


def given(row: dict, table: str) -> tuple[str, ...]:
    """The columns of a row that hold a value and are not made by the statement itself.
    The statement names only those: a column left out is NULL (no column of these tables
    has a server-side default), and a short statement is one psycopg keeps parsed (at
    most 4096 characters and 50 parameters)."""
    made = FROM_STATEMENT[table]
    return tuple(k for k, v in row.items() if v is not None and k not in made)


def build(case_columns, event_columns, message_columns=None):
    """SELECT case id, event id, message id (NULL when the number opted out), contact id
    after writing them; no row when no case was written: its code was taken, or the
    number is being added by another transaction (draw again and run again). A contact
    made by a run that wrote no case stays (PostgreSQL runs every part of the statement)
    and is found by the next run.
    ``*_columns``: the columns given for each row (``given``).

    ``message_columns``: the reporter left a number (``r_phone``), so they follow the
    case and get the message (its dedupe key is ``e<event id>:c<contact id>``, as
    ``notifications.resident_key`` makes it)."""
    reporter = None
    if message_columns is not None:
        r = {key: bindparam(f"r_{key}", type_=CONTACT.c[key].type) for key in CONTACT_COLUMNS}
        made = (insert(CONTACT).values(r).on_conflict_do_nothing(index_elements=["phone"])
                .returning(CONTACT.c.id, CONTACT.c.language).cte("new_contact"))
        reporter = union_all(
            select(made.c.id, made.c.language),
            select(CONTACT.c.id, CONTACT.c.language).where(CONTACT.c.phone == r["phone"]),
        ).cte("reporter")
    case_params = _params(CASE, "c", case_columns)
    case_select = select(*(p for _, p in case_params))
    case_keys = [col.key for col, _ in case_params]
    if reporter is not None:
        case_select = select(reporter.c.id, *case_select.selected_columns)
        case_keys = ["reporter_contact_id", *case_keys]
    case = (insert(CASE).from_select(case_keys, case_select, include_defaults=False)
            .on_conflict_do_nothing(index_elements=["code"])
            .returning(CASE.c.id).cte("new_case"))
    event_params = _params(EVENT, "e", event_columns)
    event_keys = ["case_id", *(col.key for col, _ in event_params)]
    event_select = select(case.c.id, *(p for _, p in event_params))
    if reporter is not None:  # the reporter is the event's actor
        event_keys.append("actor_contact_id")
        event_select = event_select.add_columns(reporter.c.id).join(reporter, true())
    event = (EVENT.insert().from_select(event_keys, event_select, include_defaults=False)
             .returning(EVENT.c.id).cte("new_event"))
    if reporter is None:
        return select(case.c.id, event.c.id).select_from(case).join(event, true())
    follower = FOLLOWER.insert().from_select(
        ["case_id", "contact_id", "kind", "since"],
        select(case.c.id, reporter.c.id, literal("reporter", String),
               bindparam("since", type_=FOLLOWER.c.since.type)).join(reporter, true()),
        include_defaults=False).cte("new_follower")
    outbox_params = _params(OUTBOX, "o", [c for c in message_columns if c not in CHOSEN])
    phone = dict(outbox_params)[OUTBOX.c.to_phone]
    fallback = dict(_params(OUTBOX, "o", CHOSEN))
    text = cast(bindparam("o_bodies", type_=JSON), JSONB)[reporter.c.language].astext
    body = func.coalesce(text, fallback[OUTBOX.c.body])
    language = case_((text.is_(None), fallback[OUTBOX.c.language]), else_=reporter.c.language)
    message = (OUTBOX.insert().from_select(
        ["case_id", "event_id", "dedupe_key", "contact_id", "language", "body",
         *(col.key for col, _ in outbox_params)],
        select(case.c.id, event.c.id,
               literal(EVENT_KEY, String) + cast(event.c.id, String)
               + literal(CONTACT_KEY, String) + cast(reporter.c.id, String),
               reporter.c.id, language, body,
               *(p for _, p in outbox_params))
        .select_from(case).join(event, true()).join(reporter, true())
        # A number that texted TD/退订/STOP gets no message.
        .where(~exists().where(SmsOptOut.__table__.c.phone == phone)),
        include_defaults=False).returning(OUTBOX.c.id).cte("new_message"))
    return (select(case.c.id, event.c.id, select(message.c.id).scalar_subquery(),
                   reporter.c.id)
            .select_from(case).join(event, true()).join(reporter, true()).add_cte(follower))


def parameters(case: dict, event: dict, message: dict | None = None, contact: dict | None = None,
               bodies: dict | None = None, since=None) -> dict:
    """The statement's parameters from the rows' values ({column: value}); NULLs are
    left out, as the statement leaves their columns out. ``contact``: the reporter's
    contact as it is made if new; ``bodies``: the message's text by language."""
    values = {f"c_{k}": case[k] for k in given(case, "case")}
    values.update((f"e_{k}", event[k]) for k in given(event, "event"))
    if message is not None:
        values.update((f"o_{k}", message[k]) for k in given(message, "outbox"))
        values.update((f"r_{k}", contact[k]) for k in CONTACT_COLUMNS)
        values.update(o_bodies=bodies, since=since)
    return values
