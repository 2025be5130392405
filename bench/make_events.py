"""Fill a PostgreSQL database with years of a city's history for ``bench/bench_scale.py``:
the demo city and cases arriving at a steady ``--per-day`` rate, back in time from now,
until the database holds ``--events`` case events (issue 23: tens of millions).

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/rc_bench30m \\
        nice .venv/bin/python bench/make_events.py --events 1000000      # ~40 days
    DATABASE_URL=... nice .venv/bin/python bench/make_events.py --events 30000000  # ~3 years

Run it again with a larger ``--events`` and it adds *older* days to the same database, so
that one city with the same daily load is measured with a short and with a long history
(the open work, the queues and a month's dashboard rows stay those of the same city; only
the history grows). Everything is bulk SQL on the server (``INSERT … SELECT
generate_series``), with the secondary indexes dropped while loading and built again after.

Each day's cases are spread over 06:00–23:00 local time, every area (busier and quieter
ones), category and channel. A case older than two weeks is final (94 % closed, 4 %
rejected; a few stuck in progress or on hold), a newer one in the mix of the live
loop. Events per case as the door writes them: submit, dispatch, sign for, rectify,
verify (or reject), rate; about 5.4 a case. ``metric_case`` gets each case's facts by SQL
(close to ``workflows.metrics.facts``, which the dashboard's speed does not depend on)
and the daily tables are rolled up by the application's own ``metrics_rebuild._roll_up``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
CONTACTS = 1_000_000
EVENTS_PER_CASE = 5.4  # measured on the output; only used to size a stage
TABLES = ("case", "case_event", "case_follower", "rating", "metric_case")


def code_sql(expr: str) -> str:
    parts = [f"substr('{ALPHABET}', ((({expr}) >> {5 * k}) & 31)::int + 1, 1)" for k in range(7)]
    return "'Y' || " + " || ".join(parts)


# m = i % 100 for a case of the last two weeks: the live loop's mix (most closed).
RECENT_STATE = """CASE WHEN m < 80 THEN 'closed' WHEN m < 84 THEN 'rejected'
     WHEN m < 89 THEN 'in_progress' WHEN m < 92 THEN 'dispatched' WHEN m < 95 THEN 'submitted'
     WHEN m < 98 THEN 'rectified' WHEN m < 99 THEN 'returned' ELSE 'on_hold' END"""
OLD_STATE = """CASE WHEN i % 997 = 0 THEN 'in_progress' WHEN i % 1499 = 0 THEN 'on_hold'
     WHEN m < 4 THEN 'rejected' ELSE 'closed' END"""


def chunk_sql(lo: int, hi: int, stage: tuple[int, int, int], per_day: int,
              contact_lo: int, before: int) -> list[str]:
    """The statements that add cases lo+1..hi (numbered back in time from the newest day)
    with their followers, ratings, events and facts. ``stage``: the days already filled,
    the cases already there and the largest case id when this run started (which keeps
    the codes apart); ``before``: the largest case id so far."""
    done_days, start_i, base = stage
    rated = "k.state = 'closed' AND k.reporter_contact_id IS NOT NULL AND k.id % 4 <> 0"
    score = "1 + (k.id % 10 = 0)::int + (k.id % 13 = 0)::int"
    assigned = "k.assignee_user_id IS NULL"
    return [
        f"""WITH src AS (
              SELECT g::bigint AS i, g % 100 AS m,
                (date_trunc('day', now() AT TIME ZONE 'Asia/Shanghai')
                  - ({done_days} + (g - {start_i} - 1) / {per_day}) * interval '1 day'
                  + interval '6 hours'
                  + ((g * 0.6180339887) - floor(g * 0.6180339887)) * interval '17 hours')
                  AT TIME ZONE 'Asia/Shanghai' AS created
              FROM generate_series({lo + 1}, {hi}) g),
            aged AS (SELECT * FROM src WHERE created < now() - interval '5 minutes'),
            placed AS (
              SELECT aged.*, a.id AS area_id, a.street_id, a.district_id, a.road_chief_id,
                c.id AS category_id, c.handler, c.rule,
                CASE WHEN aged.created < now() - interval '14 days' THEN {OLD_STATE}
                     ELSE {RECENT_STATE} END AS state
              FROM aged
              JOIN a ON a.k = (aged.i * 7919) % (SELECT count(*) FROM a)
              JOIN c ON c.k = (aged.i * 31) % (SELECT count(*) FROM c)),
            timed AS (
              SELECT p.*, p.state NOT IN ('submitted', 'rejected', 'returned') AS live,
                p.created + interval '20 minutes' AS t_dispatch,
                p.created + interval '1 hour' AS t_sign,
                p.created + CASE WHEN p.m % 20 = 3 THEN interval '3 days'
                                 ELSE interval '1 day' END AS t_rectify,
                p.created + interval '30 hours'
                  + CASE WHEN p.m % 20 = 3 THEN interval '2 days' ELSE interval '0' END
                  AS t_close
              FROM placed p)
            INSERT INTO "case" (code, category_id, urgency, description, lat, lng, address,
              channel, area_id, street_id, district_id, reporter_contact_id, anonymous,
              state, assignee_user_id, assignee_agency_id, limit_rule_id, limit_unit,
              dispatched_at, response_due_at, due_at, verify_due_at, held_seconds_left,
              signed_at, rectified_at, closed_at, extension_count, rework_count,
              escalation_level, overdue, next_check_at, created_at, updated_at, version)
            SELECT {code_sql(f't.i + {100 * base}')}, t.category_id, 'normal',
              '规模基准案件 #' || t.i,
              30.55 + (t.i % 997) * 0.0001, 114.28 + (t.i % 991) * 0.0001, '基准路',
              CASE WHEN t.m < 55 THEN 'web' WHEN t.m < 80 THEN 'sms'
                   WHEN t.m < 95 THEN 'staff' ELSE 'open311' END,
              t.area_id, t.street_id, t.district_id,
              CASE WHEN t.i % 5 <> 0 THEN {contact_lo} + t.i % {CONTACTS} END,
              t.m = 7, t.state,
              CASE WHEN t.live AND t.handler = 'road_chief' THEN t.road_chief_id END,
              CASE WHEN t.live AND t.handler <> 'road_chief' THEN (SELECT ag.id FROM ag
                WHERE ag.handler = t.handler AND ag.district_id = t.district_id) END,
              CASE WHEN t.live THEN t.rule END, CASE WHEN t.live THEN 'working_days' END,
              CASE WHEN t.live THEN least(t.t_dispatch, now()) END,
              CASE WHEN t.live THEN t.created + interval '3 hours' END,
              CASE WHEN t.live THEN t.created + interval '2 days' END,
              CASE WHEN t.state = 'rectified' THEN least(t.t_rectify, now()) + interval '1 day'
                END,
              CASE WHEN t.state = 'on_hold' THEN 36000 END,
              CASE WHEN t.state IN ('in_progress', 'rectified', 'closed', 'on_hold')
                   THEN least(t.t_sign, now()) END,
              CASE WHEN t.state IN ('rectified', 'closed') THEN least(t.t_rectify, now()) END,
              CASE WHEN t.state = 'closed' THEN least(t.t_close, now())
                   WHEN t.state = 'rejected' THEN least(t.created + interval '40 minutes',
                                                        now()) END,
              0, 0, 0,
              t.state IN ('dispatched', 'in_progress') AND t.created + interval '2 days' < now(),
              CASE WHEN t.state IN ('dispatched', 'in_progress')
                   THEN t.created + interval '2 days' END,
              t.created, t.created,
              CASE t.state WHEN 'submitted' THEN 1 WHEN 'returned' THEN 3
                WHEN 'rejected' THEN 2 WHEN 'dispatched' THEN 2 WHEN 'in_progress' THEN 3
                WHEN 'on_hold' THEN 4 WHEN 'rectified' THEN 4 ELSE 5 END
            FROM timed t ORDER BY t.created""",
        f"""INSERT INTO case_follower (case_id, contact_id, kind, since)
            SELECT id, reporter_contact_id, 'reporter', created_at FROM "case"
            WHERE id > {before} AND reporter_contact_id IS NOT NULL""",
        f"""INSERT INTO rating (case_id, contact_id, score, comment, channel, at,
              needs_follow_up, origin, closure_at)
            SELECT k.id, k.reporter_contact_id, {score}, '', 'web',
              least(k.closed_at + interval '2 hours', now()), k.id % 13 = 0, 'web', k.closed_at
            FROM "case" k WHERE k.id > {before} AND {rated}""",
        # The events, in time order as the door writes them (ids rise with time).
        f"""INSERT INTO case_event (case_id, at, action, from_state, to_state,
              actor_role, actor_user_id, actor_contact_id, reason, note, data, version)
            SELECT e.* FROM "case" k CROSS JOIN LATERAL (VALUES
              (k.id, k.created_at, 'submit', NULL, 'submitted', 'resident', NULL::int,
               k.reporter_contact_id, NULL, NULL,
               json_build_object('channel', k.channel, 'area_id', k.area_id,
                                 'category_id', k.category_id), 1),
              (k.id, k.dispatched_at, 'dispatch', 'submitted', 'dispatched', 'dispatcher',
               NULL, NULL, NULL, NULL,
               json_build_object('route', 'auto', 'area_id', k.area_id,
                                 'assignee_user_id', k.assignee_user_id,
                                 'assignee_agency_id', k.assignee_agency_id,
                                 'due_at', k.due_at), 2),
              (k.id, k.signed_at, 'sign_for', 'dispatched', 'in_progress',
               CASE WHEN {assigned} THEN 'agency_staff' ELSE 'road_chief' END,
               k.assignee_user_id, NULL, NULL, NULL, '{{}}'::json, 3),
              (k.id, k.rectified_at, 'rectify', 'in_progress', 'rectified',
               CASE WHEN {assigned} THEN 'agency_staff' ELSE 'road_chief' END,
               k.assignee_user_id, NULL, NULL, '已现场整改完毕',
               json_build_object('on_time', k.rectified_at <= k.due_at), 4),
              (k.id, CASE WHEN k.state IN ('closed', 'rejected') THEN k.closed_at END,
               CASE k.state WHEN 'closed' THEN 'verify_pass' ELSE 'reject' END,
               CASE k.state WHEN 'closed' THEN 'rectified' ELSE 'submitted' END, k.state,
               CASE k.state WHEN 'closed' THEN 'inspector' ELSE 'dispatcher' END,
               NULL, NULL, CASE WHEN k.state = 'rejected' THEN '不属于城市管理职责范围' END,
               CASE WHEN k.state = 'closed' THEN '核查通过' END, '{{}}'::json,
               CASE k.state WHEN 'closed' THEN 5 ELSE 2 END),
              (k.id, CASE WHEN {rated}
                          THEN least(k.closed_at + interval '2 hours', now()) END,
               'rate', 'closed', 'closed', 'resident', NULL, k.reporter_contact_id, NULL, NULL,
               json_build_object('score', {score}), 6)
            ) AS e(case_id, at, action, from_state, to_state, actor_role, actor_user_id,
                   actor_contact_id, reason, note, data, version)
            WHERE k.id > {before} AND e.at IS NOT NULL
            ORDER BY e.at, e.case_id, e.version""",
        # Each case's facts (workflows.metrics.facts, simplified to these histories).
        f"""INSERT INTO metric_case (case_id, district_id, street_id,
              area_id, category_id, assignee_user_id, assignee_agency_id, channel, due_day,
              on_time, extended, response_s, handling_s, closed_day, reworked, with_contact,
              r1, r2, r3)
            SELECT k.id, k.district_id, k.street_id, k.area_id, k.category_id,
              coalesce(k.assignee_user_id, 0), coalesce(k.assignee_agency_id, 0), k.channel,
              CASE WHEN k.rectified_at IS NOT NULL OR k.due_at < now()
                   THEN (least(k.rectified_at, k.due_at) AT TIME ZONE 'Asia/Shanghai')::date
                   END,
              (k.rectified_at IS NOT NULL AND k.rectified_at <= k.due_at)::int, 0,
              extract(epoch FROM k.signed_at - k.dispatched_at)::int,
              extract(epoch FROM k.rectified_at - k.dispatched_at)::int,
              CASE WHEN k.state = 'closed'
                   THEN (k.closed_at AT TIME ZONE 'Asia/Shanghai')::date END,
              0, (k.state = 'closed' AND k.reporter_contact_id IS NOT NULL)::int,
              CASE WHEN {rated} THEN ({score} = 1)::int ELSE 0 END,
              CASE WHEN {rated} THEN ({score} = 2)::int ELSE 0 END,
              CASE WHEN {rated} THEN ({score} = 3)::int ELSE 0 END
            FROM "case" k
            WHERE k.id > {before} AND (k.dispatched_at IS NOT NULL OR k.state = 'closed')""",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, required=True, help="events to reach")
    parser.add_argument("--per-day", type=int, default=5000, help="new cases a day")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres", "postgresql")):
        sys.exit("set DATABASE_URL to a PostgreSQL database")
    from app import create_app
    from app.demo import seed as demo
    from app.extensions import db
    from app.services import metrics_rebuild

    app = create_app({"OUTBOX_DELIVERY": False})
    t0 = time.perf_counter()
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        if not db.session.execute(db.text("SELECT 1 FROM area LIMIT 1")).first():
            demo.seed(history=False)
            db.session.commit()
        raw = db.engine.raw_connection()  # plain psycopg: '%' is the modulo operator here
        cur = raw.cursor()

        def scalar(sql: str):
            cur.execute(sql)
            return cur.fetchone()[0]

        events = scalar("SELECT count(*) FROM case_event")
        if events >= args.events:
            print(f"already {events:,} events")
            return
        done_days = scalar("SELECT count(DISTINCT (created_at AT TIME ZONE 'UTC' "
                           "AT TIME ZONE 'Asia/Shanghai')::date) FROM \"case\" "
                           "WHERE code LIKE 'Y%'") if events else 0
        start_i = scalar("SELECT count(*) FROM \"case\" WHERE code LIKE 'Y%'")
        days = max(1, round((args.events - events) / EVENTS_PER_CASE / args.per_day))
        n = days * args.per_day
        print(f"{events:,} events, {done_days} days of history; adding {days} older days "
              f"({n:,} cases) in {time.perf_counter() - t0:.0f}s", flush=True)
        cur.execute("SET maintenance_work_mem = '1GB'")
        cur.execute("SET work_mem = '256MB'")
        if not scalar("SELECT count(*) FROM contact WHERE phone LIKE '+86137%'"):
            cur.execute(f"""INSERT INTO contact (phone, language, created_at)
                SELECT '+86137' || lpad(g::text, 8, '0'), 'zh_Hans_CN', now() - interval '4 years'
                FROM generate_series(1, {CONTACTS}) g""")
        contact_lo = scalar("SELECT min(id) FROM contact WHERE phone LIKE '+86137%'")
        first_case = scalar('SELECT coalesce(max(id), 0) FROM "case"')
        raw.commit()

        cur.execute("""SELECT indexname, indexdef FROM pg_indexes
                       WHERE schemaname = current_schema() AND tablename = ANY(%s)
                         AND indexname LIKE 'ix_%%'""", (list(TABLES),))
        indexes = cur.fetchall()
        for name, _ in indexes:
            cur.execute(f'DROP INDEX "{name}"')
        raw.commit()
        cur.execute("SET session_replication_role = replica")  # no FK triggers while loading

        # Areas weighted 1..4 (busier and quieter), categories in turn.
        for sql in (
            """CREATE TEMP TABLE a AS
                SELECT row_number() OVER (ORDER BY x.id) - 1 AS k, x.* FROM (
                  SELECT ar.id, ar.street_id, s.district_id, ar.road_chief_id
                  FROM area ar JOIN street s ON s.id = ar.street_id
                  CROSS JOIN generate_series(1, 1 + ar.id % 4)) x""",
            """CREATE TEMP TABLE c AS SELECT row_number() OVER (ORDER BY id) - 1
                AS k, id, handler,
                (SELECT id FROM time_limit_rule r WHERE r.category_id = category.id
                  AND r.kind = 'rectify' AND r.urgency = 'normal' AND r.valid_to IS NULL) AS rule
                FROM category WHERE active""",
            """CREATE TEMP TABLE ag AS SELECT DISTINCT ON (d.id, x.handler) d.id AS district_id,
                x.handler, x.id FROM district d CROSS JOIN agency x
                WHERE x.district_id = d.id OR x.district_id IS NULL
                ORDER BY d.id, x.handler, x.district_id IS NULL, x.id""",
        ):
            cur.execute(sql)
        cur.execute('ALTER TABLE "case" DROP CONSTRAINT uq_case_code')
        raw.commit()
        chunk_days = 30
        for day0 in range(0, days, chunk_days):
            lo = start_i + day0 * args.per_day
            hi = start_i + min(days, day0 + chunk_days) * args.per_day
            before = scalar('SELECT coalesce(max(id), 0) FROM "case"')
            s = time.perf_counter()
            for sql in chunk_sql(lo, hi, (done_days, start_i, first_case), args.per_day,
                                 contact_lo, before):
                cur.execute(sql)
            raw.commit()
            made = scalar(f'SELECT count(*) FROM "case" WHERE id > {before}')
            print(f"days {done_days + day0}..{done_days + min(days, day0 + chunk_days)} back: "
                  f"{made:,} cases in {time.perf_counter() - s:.0f}s", flush=True)
        s = time.perf_counter()
        cur.execute('ALTER TABLE "case" ADD CONSTRAINT uq_case_code UNIQUE (code)')
        raw.commit()
        print(f"unique codes: {time.perf_counter() - s:.0f}s", flush=True)
        cur.execute("SET session_replication_role = DEFAULT")
        for name, definition in indexes:
            s = time.perf_counter()
            cur.execute(definition)
            raw.commit()
            print(f"index {name}: {time.perf_counter() - s:.0f}s", flush=True)
        raw.close()

        s = time.perf_counter()
        db.session.execute(db.text("DELETE FROM metric_day"))
        db.session.execute(db.text("DELETE FROM metric_day_street"))
        db.session.execute(db.text("DELETE FROM metric_day_agency"))
        db.session.execute(db.text("DELETE FROM metric_day_street_category"))
        metrics_rebuild._roll_up()
        db.session.commit()
        print(f"daily tables rolled up in {time.perf_counter() - s:.0f}s", flush=True)
    # VACUUM outside a transaction: the clock UPDATE left a dead copy of every new case.
    import psycopg

    url = os.environ["DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url, autocommit=True) as conn:
        s = time.perf_counter()
        for table in ("case", "case_event", "case_follower", "rating", "contact",
                      "metric_case", "metric_day", "metric_day_street",
                      "metric_day_street_category"):
            conn.execute(f'VACUUM (ANALYZE) "{table}"')
        print(f"vacuum and analyze: {time.perf_counter() - s:.0f}s", flush=True)
        total_events = conn.execute("SELECT count(*) FROM case_event").fetchone()[0]
        total_cases = conn.execute('SELECT count(*) FROM "case"').fetchone()[0]
        size = conn.execute("SELECT pg_size_pretty(pg_database_size(current_database()))"
                            ).fetchone()[0]
    print(f"done: {total_cases:,} cases, {total_events:,} events ({total_events / total_cases:.2f}"
          f" a case), database {size}, in {time.perf_counter() - t0:.0f}s", flush=True)


if __name__ == "__main__":
    main()
