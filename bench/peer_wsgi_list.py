"""A stand-in "peer" for the Open311 list benchmark: a minimal plain-WSGI GeoReport list
over the same PostgreSQL table, with no framework, no ORM and no rate limiter. It is NOT
a Django peer: it is what a hand-written list costs at least, to set beside
bench_open311_list.py's figures.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/<db> \\
        .venv/bin/python bench/peer_wsgi_list.py [--repeat 7]

It answers ``/requests.json?page_size=N`` (newest first, the last 90 days) and
``/requests/<code>.json`` with the GeoReport fields a client reads: id, status, service
code and name, agency (the district's command centre), times in the city's zone, place
and position. It leaves out what roadchief adds: the time-limit notice, state names in
the reader's language, rejected and merged cases' notes, photos and last change of
status (it uses ``updated_at``). Both are measured the same way: in-process CPU per
answer through werkzeug's test client, one answer at a time (the inverse is the
throughput one core gives to Python; PostgreSQL's CPU is in neither)."""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from urllib.parse import parse_qs
from zoneinfo import ZoneInfo

import psycopg
from werkzeug.test import Client

ZONE = ZoneInfo("Asia/Shanghai")
CLOSED = {"closed", "rejected", "merged"}
COLUMNS = """c.code, c.state, cat.code, cat.name_zh, d.name_zh, c.created_at, c.updated_at,
             c.due_at, a.name_zh, a.code, c.lat, c.lng"""
FROM = """FROM "case" c JOIN category cat ON cat.id = c.category_id
          LEFT JOIN area a ON a.id = c.area_id LEFT JOIN district d ON d.id = c.district_id"""


def w3c(moment):
    return None if moment is None else moment.astimezone(ZONE).isoformat(timespec="seconds")


def record(row) -> dict:
    code, state, service_code, service_name, district, created, updated, due, area, \
        area_code, lat, lng = row
    return {"service_request_id": f"{code[:4]}-{code[4:]}",
            "status": "closed" if state in CLOSED else "open", "status_notes": state,
            "service_name": service_name, "service_code": service_code, "description": None,
            "agency_responsible": f"{district}指挥中心" if district else None,
            "service_notice": None, "requested_datetime": w3c(created),
            "updated_datetime": w3c(updated), "expected_datetime": w3c(due),
            "address": area, "address_id": area_code, "zipcode": None, "lat": lat,
            "long": lng, "media_url": None}


def make_app(url: str):
    conn = psycopg.connect(url, autocommit=True)

    def app(environ, start_response):
        path = environ["PATH_INFO"]
        with conn.cursor() as cur:
            if path.startswith("/requests/"):
                code = path[len("/requests/"):].removesuffix(".json").replace("-", "")
                cur.execute(f"SELECT {COLUMNS} {FROM} WHERE c.code = %s", (code,))
            else:
                args = parse_qs(environ.get("QUERY_STRING", ""))
                size = min(1000, int(args.get("page_size", ["1000"])[0]))
                cur.execute(f"SELECT {COLUMNS} {FROM} WHERE c.created_at >= now() - "
                            f"interval '90 days' ORDER BY c.created_at DESC, c.id DESC "
                            f"LIMIT %s", (size,))
            body = json.dumps([record(r) for r in cur.fetchall()], ensure_ascii=False)
        start_response("200 OK", [("Content-Type", "application/json; charset=utf-8")])
        return [body.encode()]

    return app


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres", "postgresql")):
        sys.exit("set DATABASE_URL to the database bench_open311_list.py reads")
    url = url.replace("postgresql+psycopg://", "postgresql://")
    client = Client(make_app(url))
    with psycopg.connect(url) as conn:
        code = conn.execute('SELECT code FROM "case" ORDER BY id DESC LIMIT 1').fetchone()[0]
        total = conn.execute('SELECT count(*) FROM "case"').fetchone()[0]
    print(f"plain-WSGI peer stand-in · {total:,} cases · median of {args.repeat} answers")
    print(f"{'answer':38} {'records':>8} {'SQL':>5} {'CPU ms':>8} {'ms/record':>10}")
    for name, path in (("default list (90 days, up to 1000)", "/requests.json"),
                       ("page_size=100", "/requests.json?page_size=100"),
                       ("one record", f"/requests/{code}.json")):
        client.get(path)
        cpu = []
        for _ in range(args.repeat):
            started = time.process_time()
            response = client.get(path)
            cpu.append((time.process_time() - started) * 1000)
        records = len(json.loads(response.get_data()))
        median = statistics.median(cpu)
        print(f"{name:38} {records:8} {1:5} {median:8.1f} {median / max(1, records):10.3f}")


if __name__ == "__main__":
    main()
