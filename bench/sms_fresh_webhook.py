"""The fresh resident messages (tests/data/sms_fresh.tsv) through the real channel: the
signed Twilio webhook, gunicorn with several workers, PostgreSQL. Each message comes from
its own phone; the case each made is read back from the database and compared with the
intended category, district and responsibility area, per part of the set (the tuned parts
and the held-out part). Every request is then sent again (Twilio's retry): nothing may
change and every reply must be the same.

Run: ``DATABASE_URL=postgresql://postgres@127.0.0.1:5432/rc_sms .venv/bin/python
bench/sms_fresh_webhook.py [--workers 3]`` (the database's tables are dropped!).
"""

from __future__ import annotations

import argparse
import http.client
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_sms import PUBLIC, TOKEN, prepare_database  # noqa: E402
from sms_accuracy import rows  # noqa: E402


def signed(i: int, body: str) -> tuple[bytes, str]:
    from twilio.request_validator import RequestValidator

    params = {"MessageSid": f"SMfresh{i:026d}", "AccountSid": "AC" + "0" * 32,
              "From": f"+86137{i:08d}", "To": "+15005550006", "Body": body, "NumMedia": "0"}
    signature = RequestValidator(TOKEN).compute_signature(f"{PUBLIC}/sms/inbound", params)
    return urllib.parse.urlencode(params).encode(), signature


def send_all(port: int, requests: list) -> list[bytes]:
    replies = []
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    for body, signature in requests:
        conn.request("POST", "/sms/inbound", body, {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": signature})
        response = conn.getresponse()
        replies.append(response.read())
    conn.close()
    return replies


def outcomes(url: str) -> tuple[dict[str, tuple], dict[str, int]]:
    from sqlalchemy import create_engine, text

    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as conn:
        found = {r.message_sid: (r.code, r.area, r.district) for r in conn.execute(text(
            "SELECT i.message_sid, c.code, a.code AS area, d.code AS district "
            "FROM sms_inbound i LEFT JOIN \"case\" k ON k.id = i.case_id "
            "LEFT JOIN category c ON c.id = k.category_id LEFT JOIN area a ON a.id = k.area_id "
            "LEFT JOIN district d ON d.id = k.district_id"))}
        counts = {t: conn.execute(text(f'SELECT count(*) FROM "{t}"')).scalar()
                  for t in ("case", "case_event", "sms_inbound", "sms_conversation",
                            "outbox_message")}
    engine.dispose()
    return found, counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--port", type=int, default=18766)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/rc_sms")
    if not url.startswith(("postgres://", "postgresql://")):
        print("set DATABASE_URL=postgresql://...")
        return 2
    env = dict(os.environ, DATABASE_URL=url, ROADCHIEF_INSTANCE=tempfile.mkdtemp(),
               TWILIO_AUTH_TOKEN=TOKEN, PUBLIC_BASE_URL=PUBLIC, REDIS_URL="",
               SECRET_KEY="bench", SMS_OUTBOX_LOG=os.devnull)
    env.pop("TWILIO_ACCOUNT_SID", None)
    print("preparing the database (migrations + demo city with its landmarks) ...", flush=True)
    prepare_database(url, env)
    data = rows()
    requests = [signed(i, message) for i, (_p, message, *_rest) in enumerate(data)]
    gunicorn = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "-w", str(args.workers), "-b",
         f"127.0.0.1:{args.port}", "--log-level", "warning", "--pythonpath", str(ROOT / "bench"),
         "bench_sms_app:app"], env=env, cwd=ROOT)
    try:
        for _ in range(200):
            try:
                http.client.HTTPConnection("127.0.0.1", args.port, timeout=1).request(
                    "GET", "/healthz")
                break
            except OSError:
                time.sleep(0.1)
        first = send_all(args.port, requests)
        found, before = outcomes(url)
        again = send_all(args.port, requests)
        _found, after = outcomes(url)
    finally:
        gunicorn.send_signal(signal.SIGTERM)
        gunicorn.wait(30)
    report: dict[str, list[int]] = {}
    for i, (part, _message, category, district, area) in enumerate(data):
        code, got_area, got_district = found.get(f"SMfresh{i:026d}", (None, None, None))
        r = report.setdefault(part, [0, 0, 0, 0])
        r[0] += 1
        r[1] += code == category
        r[2] += got_area == area
        r[3] += got_district == district
    print(f"{len(data)} fresh messages through the signed webhook, gunicorn {args.workers} "
          "workers, PostgreSQL (a message answered with a question has no case yet: a miss)")
    for part, (n, cat, ar, dis) in sorted(report.items(), key=lambda kv: (kv[0] == "held",
                                                                            kv[0])):
        print(f"{part}: {n} — category {cat}/{n} ({100 * cat / n:.1f} %), area {ar}/{n} "
              f"({100 * ar / n:.1f} %), district {dis}/{n} ({100 * dis / n:.1f} %)")
    same = sum(a == b for a, b in zip(first, again, strict=True))
    print(f"replayed: {same}/{len(first)} replies identical; rows before {before}, "
          f"after {after}: {'unchanged' if before == after else 'CHANGED'}")
    return 0 if before == after and same == len(first) else 1


if __name__ == "__main__":
    sys.exit(main())
