"""insert_now: one plain INSERT for a new row on the hot write paths, leaving the object
in the session exactly as a flush would (persistent, clean, Python defaults applied)."""

from sqlalchemy import inspect, select

from app.extensions import db, insert_now
from app.models import Contact, OutboxMessage
from app.services import clock


def test_the_row_is_written_at_once_and_the_object_is_clean_and_persistent(ctx):
    message = OutboxMessage(dedupe_key="k1", to_phone="+8613900001111", language="en",
                            body="hello", created_at=clock.now())
    assert insert_now(message) is True
    state = inspect(message)
    assert state.persistent and message.id is not None
    assert not db.session.dirty and not db.session.new  # nothing left for a flush
    # Python defaults applied, as a flush would have
    assert (message.channel, message.status, message.attempts) == ("sms", "pending", 0)
    row = db.session.execute(select(OutboxMessage.__table__).where(
        OutboxMessage.__table__.c.id == message.id)).one()
    assert (row.status, row.body, row.attempts) == ("pending", "hello", 0)
    db.session.commit()
    assert db.session.get(OutboxMessage, message.id) is message


def test_a_skipped_insert_leaves_the_object_out_of_the_session(ctx):
    from app.extensions import upsert

    table = Contact.__table__
    stmt = upsert(table).on_conflict_do_nothing(index_elements=["phone"]).returning(table.c.id)
    first = Contact(phone="+8613900002222", created_at=clock.now())
    again = Contact(phone="+8613900002222", created_at=clock.now())
    assert insert_now(first, stmt) is True and first.language == "zh_Hans_CN"
    assert insert_now(again, stmt) is False
    assert inspect(again).transient
    db.session.commit()
    assert db.session.scalar(select(Contact.id).where(Contact.phone == "+8613900002222")) \
        == first.id
