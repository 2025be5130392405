"""Fill a PostgreSQL database with the demo city and N cases (default 1,000,000) for the
performance benchmarks, by bulk SQL on the server (minutes, not hours).

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench \
        .venv/bin/python bench/make_million.py [N]

The schema is built by the real migrations and the city by ``seed-demo --no-history``;
the cases are spread over two years, every area, category and state, each with its
events (submit, dispatch, sign for, rectify, verify), a reporter and a follower row, so
that queue, tracking and report queries meet realistic tables. Idempotent per database:
it refuses to run twice on a database that already holds bulk cases."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"

# state by i % 100: most closed, every open state present
STATE_SQL = """
CASE WHEN m < 84 THEN 'closed' WHEN m < 88 THEN 'rejected' WHEN m < 91 THEN 'in_progress'
     WHEN m < 94 THEN 'dispatched' WHEN m < 96 THEN 'submitted' WHEN m < 98 THEN 'rectified'
     WHEN m < 99 THEN 'returned' ELSE 'on_hold' END"""


def code_sql(expr: str) -> str:
    parts = [f"substr('{ALPHABET}', ((({expr}) >> {5 * k}) & 31)::int + 1, 1)" for k in range(7)]
    return "'Z' || " + " || ".join(parts)


def main(n: int) -> None:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres", "postgresql")):
        sys.exit("set DATABASE_URL to a PostgreSQL database")
    from app import create_app
    from app.demo import seed as demo
    from app.extensions import db

    app = create_app()
    t = time.perf_counter()
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        demo.seed(history=False)
        db.session.commit()
        raw = db.engine.raw_connection()  # plain psycopg: '%' is the modulo operator here
        cur = raw.cursor()

        def scalar(sql: str):
            cur.execute(sql)
            return cur.fetchone()[0]

        if scalar("SELECT count(*) FROM \"case\" WHERE code LIKE 'Z%'"):
            sys.exit("this database already holds bulk cases")
        print(f"schema and demo city ready in {time.perf_counter() - t:.1f}s")
        first_id = scalar('SELECT coalesce(max(id), 0) FROM "case"')
        steps = [
            ("areas", """CREATE TEMP TABLE a AS SELECT row_number() OVER (ORDER BY ar.id) - 1 AS k,
                ar.id, ar.street_id, s.district_id, ar.road_chief_id, ar.polygon
                FROM area ar JOIN street s ON s.id = ar.street_id"""),
            ("categories", """CREATE TEMP TABLE c AS SELECT row_number() OVER (ORDER BY id) - 1
                AS k, id, handler,
                (SELECT id FROM time_limit_rule r WHERE r.category_id = category.id
                  AND r.kind = 'rectify' AND r.urgency = 'normal' AND r.valid_to IS NULL) AS rule
                FROM category"""),
            ("contacts", f"""INSERT INTO contact (phone, language, created_at)
                SELECT '+86135' || lpad(g::text, 8, '0'), 'zh_Hans_CN', now() - interval '3 years'
                FROM generate_series(1, {max(1000, n // 5)}) g ON CONFLICT DO NOTHING"""),
            ("cases", f"""
                WITH src AS (
                  SELECT g::bigint AS i, g % 100 AS m,
                    now() - (g % 730) * interval '1 day' - (g % 1440) * interval '1 minute'
                      - interval '2 hours' AS created
                  FROM generate_series(1, {n}) g)
                INSERT INTO "case" (code, category_id, urgency, description, lat, lng, address,
                  channel, area_id, street_id, district_id, reporter_contact_id, anonymous,
                  state, assignee_user_id, assignee_agency_id, limit_rule_id, limit_unit,
                  dispatched_at, response_due_at, due_at, held_seconds_left, signed_at,
                  rectified_at, closed_at, extension_count, rework_count, escalation_level,
                  overdue, created_at, updated_at, version)
                SELECT {code_sql('src.i')}, c.id, 'normal', '批量基准测试案件 #' || src.i,
                  30.55 + (src.i % 997) * 0.0001, 114.28 + (src.i % 991) * 0.0001, '基准路',
                  'web', a.id, a.street_id, a.district_id,
                  (SELECT min(id) FROM contact) + src.i % {max(1000, n // 5)},
                  src.m = 7, st.state,
                  CASE WHEN st.state IN ('submitted', 'rejected', 'returned') THEN NULL
                       WHEN c.handler = 'road_chief' THEN a.road_chief_id END,
                  CASE WHEN st.state IN ('submitted', 'rejected', 'returned') THEN NULL
                       WHEN c.handler <> 'road_chief' THEN (SELECT ag.id FROM agency ag
                         WHERE ag.handler = c.handler AND ag.district_id = a.district_id) END,
                  c.rule, 'working_days',
                  CASE WHEN st.state NOT IN ('submitted', 'rejected', 'returned')
                       THEN src.created + interval '20 minutes' END,
                  CASE WHEN st.state NOT IN ('submitted', 'rejected', 'returned')
                       THEN src.created + interval '3 hours' END,
                  CASE WHEN st.state NOT IN ('submitted', 'rejected', 'returned')
                       THEN src.created + interval '2 days' END,
                  CASE WHEN st.state = 'on_hold' THEN 36000 END,
                  CASE WHEN st.state IN ('in_progress', 'rectified', 'closed', 'on_hold')
                       THEN src.created + interval '1 hour' END,
                  CASE WHEN st.state IN ('rectified', 'closed')
                       THEN src.created + CASE WHEN src.m % 20 = 3 THEN interval '3 days'
                                               ELSE interval '1 day' END END,
                  CASE WHEN st.state IN ('closed', 'rejected')
                       THEN src.created + interval '30 hours' END,
                  0, 0, 0, false, src.created, src.created, 1
                FROM src
                JOIN a ON a.k = (src.i * 7919) % (SELECT count(*) FROM a)
                JOIN c ON c.k = (src.i * 31) % (SELECT count(*) FROM c)
                CROSS JOIN LATERAL (SELECT {STATE_SQL} AS state) st"""),
            ("followers", f"""INSERT INTO case_follower (case_id, contact_id, kind, since)
                SELECT id, reporter_contact_id, 'reporter', created_at FROM "case"
                WHERE id > {first_id} AND reporter_contact_id IS NOT NULL"""),
            ("events: submit", f"""INSERT INTO case_event (case_id, at, action, from_state,
                to_state, actor_role, data, version)
                SELECT id, created_at, 'submit', NULL, 'submitted', 'resident', '{{}}', 1
                FROM "case" WHERE id > {first_id}"""),
            ("events: dispatch", f"""INSERT INTO case_event (case_id, at, action, from_state,
                to_state, actor_role, data, version)
                SELECT id, dispatched_at, 'dispatch', 'submitted', 'dispatched', 'dispatcher',
                  '{{"route": "auto"}}', 2 FROM "case"
                WHERE id > {first_id} AND dispatched_at IS NOT NULL"""),
            ("events: sign_for", f"""INSERT INTO case_event (case_id, at, action, from_state,
                to_state, actor_role, data, version)
                SELECT id, signed_at, 'sign_for', 'dispatched', 'in_progress', 'road_chief',
                  '{{}}', 3 FROM "case" WHERE id > {first_id} AND signed_at IS NOT NULL"""),
            ("events: rectify", f"""INSERT INTO case_event (case_id, at, action, from_state,
                to_state, actor_role, data, version)
                SELECT id, rectified_at, 'rectify', 'in_progress', 'rectified', 'road_chief',
                  '{{}}', 4 FROM "case" WHERE id > {first_id} AND rectified_at IS NOT NULL"""),
            ("events: close", f"""INSERT INTO case_event (case_id, at, action, from_state,
                to_state, actor_role, data, version)
                SELECT id, closed_at, CASE state WHEN 'closed' THEN 'verify_pass' ELSE 'reject'
                  END, CASE state WHEN 'closed' THEN 'rectified' ELSE 'submitted' END, state,
                  'inspector', '{{}}', 5 FROM "case"
                WHERE id > {first_id} AND closed_at IS NOT NULL"""),
            ("versions", f"""UPDATE "case" SET version = CASE state WHEN 'submitted' THEN 1
                WHEN 'dispatched' THEN 2 WHEN 'in_progress' THEN 3 WHEN 'on_hold' THEN 3
                WHEN 'rectified' THEN 4 WHEN 'returned' THEN 1 ELSE 5 END
                WHERE id > {first_id}"""),
            ("ratings", f"""INSERT INTO rating (case_id, contact_id, score, comment, channel, at,
                needs_follow_up, closure_at)
                SELECT id, reporter_contact_id, 1 + (id % 10 = 0)::int + (id % 13 = 0)::int,
                  '', 'web', closed_at + interval '2 hours', id % 13 = 0, closed_at FROM "case"
                WHERE id > {first_id} AND state = 'closed' AND id % 4 <> 0"""),
        ]
        for label, sql in steps:
            s = time.perf_counter()
            cur.execute(sql)
            rows = cur.rowcount if cur.rowcount and cur.rowcount > 0 else ""
            raw.commit()
            print(f"{label}: {rows} rows in {time.perf_counter() - s:.1f}s")
        # The "versions" UPDATE left a dead copy of every case row; a live database has
        # had autovacuum clean such rows (and this machine's PostgreSQL runs without it).
        s = time.perf_counter()
        raw.driver_connection.autocommit = True  # VACUUM runs outside a transaction
        cur.execute("VACUUM (ANALYZE)")
        print(f"vacuum and analyze: {time.perf_counter() - s:.1f}s")
        total = scalar('SELECT count(*) FROM "case"')
        print(f"done: {total} cases in {time.perf_counter() - t:.0f}s")
        raw.close()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
