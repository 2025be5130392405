"""A new report written in one statement, on PostgreSQL.

The door writes a new case as four rows: the case, its "submit" event, the reporter as
follower and the reporter's "received" message in the outbox. Written one INSERT at a
time, each waits for the one before (the event needs the case's id, the message the
event's). PostgreSQL can do all four in one statement, each INSERT a data-modifying
common table expression reading the ids the one before returned; the client then pays
for one statement instead of four (on the bench machine a report's Python CPU went from
3.9–4.6 ms to 3.3–3.6 ms, and submissions from ~290/s to ~340/s: bench/bench_resident.py).
SQLite cannot run an INSERT inside WITH, so it keeps the four statements; a test
(tests/integration/test_report_statement.py) compares the rows both ways write.

The values are the door's own (``cases.submit`` builds the same objects for both ways):
here they only travel in one statement. Parameters are named after their table and
column: ``c_<column>`` for the case, ``e_<column>`` for the event, ``o_<column>`` for the
message; ``contact_id`` and ``since`` for the follower.
"""

from __future__ import annotations

from sqlalchemy import String, bindparam, cast, exists, literal, select, true
from sqlalchemy.dialects.postgresql import insert

from app.models import Case, CaseEvent, CaseFollower, OutboxMessage, SmsOptOut

CASE = Case.__table__
EVENT = CaseEvent.__table__
FOLLOWER = CaseFollower.__table__
OUTBOX = OutboxMessage.__table__

#: Columns whose value comes from the statement itself (the ids just made).
FROM_STATEMENT = {"case": frozenset(), "event": frozenset({"case_id"}),
                  "outbox": frozenset({"case_id", "event_id", "dedupe_key"})}


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
    """SELECT case id, event id, message id (NULL when the number opted out) after
    writing them; no row when the case's code was taken (nothing written, draw again).
    ``*_columns``: the columns given for each row (``given``).

    ``message_columns``: the reporter left a number, so they follow the case and get the
    message (its dedupe key is ``e<event id>`` followed by the parameter ``o_key_tail``,
    ``:c<contact id>``, as ``notifications`` makes it)."""
    case = (insert(CASE).values({col.key: p for col, p in _params(CASE, "c", case_columns)})
            .on_conflict_do_nothing(index_elements=["code"])
            .returning(CASE.c.id).cte("new_case"))
    event_params = _params(EVENT, "e", event_columns)
    event = (EVENT.insert().from_select(
        ["case_id", *(col.key for col, _ in event_params)],
        select(case.c.id, *(p for _, p in event_params)))
        .returning(EVENT.c.id).cte("new_event"))
    ids = select(case.c.id, event.c.id).select_from(case).join(event, true())
    if message_columns is None:
        return ids
    contact_id = bindparam("contact_id", type_=FOLLOWER.c.contact_id.type)
    follower = FOLLOWER.insert().from_select(
        ["case_id", "contact_id", "kind", "since"],
        select(case.c.id, contact_id, literal("reporter", String),
               bindparam("since", type_=FOLLOWER.c.since.type))).cte("new_follower")
    outbox_params = _params(OUTBOX, "o", message_columns)
    phone = dict(outbox_params)[OUTBOX.c.to_phone]
    message = (OUTBOX.insert().from_select(
        ["case_id", "event_id", "dedupe_key", *(col.key for col, _ in outbox_params)],
        select(case.c.id, event.c.id,
               literal("e", String) + cast(event.c.id, String)
               + bindparam("o_key_tail", type_=String),
               *(p for _, p in outbox_params))
        .select_from(case).join(event, true())
        # A number that texted TD/退订/STOP gets no message.
        .where(~exists().where(SmsOptOut.__table__.c.phone == phone)))
        .returning(OUTBOX.c.id).cte("new_message"))
    return (select(case.c.id, event.c.id, select(message.c.id).scalar_subquery())
            .select_from(case).join(event, true()).add_cte(follower))


def parameters(case: dict, event: dict, message: dict | None = None,
               contact_id: int | None = None, since=None, key_tail: str = "") -> dict:
    """The statement's parameters from the rows' values ({column: value}); NULLs are
    left out, as the statement leaves their columns out."""
    values = {f"c_{k}": case[k] for k in given(case, "case")}
    values.update((f"e_{k}", event[k]) for k in given(event, "event"))
    if message is not None:
        values.update((f"o_{k}", message[k]) for k in given(message, "outbox"))
        values.update(contact_id=contact_id, since=since, o_key_tail=key_tail)
    return values
