"""How long the WeChat callback takes to answer (WeChat waits 5 s for a passive reply, then
retries the same MsgId).

What it does:
1. rebuilds the schema of the database in DATABASE_URL (default: the local rc_wechat
   database — its tables are dropped!) with the migrations and loads the demo city
   (places, people, catalogue; no history);
2. serves the real app in-process (Flask's test client: everything the app does for a
   request, without an HTTP server) in the encrypted (安全) mode, in-process delivery off
   (as with a worker);
3. each resident (a new OpenID) sends, one request at a time, one of: a whole report from
   the labelled SMS set; the problem, then a location (GCJ-02); a photo, then the report;
   and every 10th message again (WeChat's redelivery of the same MsgId);
4. prints the latency percentiles per kind of message.

Run: ``DATABASE_URL=postgresql://postgres@127.0.0.1:5432/rc_wechat .venv/bin/python
bench/bench_wechat.py [--residents 300]``.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def prepare_database(url: str) -> None:
    from sqlalchemy import create_engine, text

    if url.startswith("postgresql"):
        engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    env = {**os.environ, "DATABASE_URL": url}
    env.pop("REDIS_URL", None)
    flask = [str(ROOT / ".venv" / "bin" / "flask"), "--app", "wsgi"]
    subprocess.run([*flask, "db", "upgrade"], env=env, check=True, cwd=ROOT,
                   capture_output=True)
    subprocess.run([*flask, "seed-demo", "--no-history"], env=env, check=True, cwd=ROOT,
                   capture_output=True)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--residents", type=int, default=300)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/rc_wechat")
    os.environ["DATABASE_URL"] = url
    os.environ.pop("REDIS_URL", None)
    prepare_database(url)

    from app import create_app
    from app.extensions import db
    from app.models import Area
    from app.services import coordinates
    from tests import wechat_helpers as wx

    app = create_app({"OUTBOX_DELIVERY": False, "RATELIMIT_ENABLED": False})
    wx.configure(app, None, encrypted=True)
    logging.disable(logging.INFO)  # one log line per request would be most of the output
    rows = [line.split("\t") for line in (ROOT / "tests" / "data" / "sms_labelled.tsv")
            .read_text(encoding="utf-8").splitlines()
            if line and not line.startswith(("#", "message\t"))]
    timings: dict[str, list[float]] = {}
    refused = 0

    with app.app_context():
        import shapely

        from workflows.geo import parse_polygon

        spots = [parse_polygon(a.polygon).representative_point()
                 for a in db.session.scalars(db.select(Area).order_by(Area.code).limit(50))]
        client = app.test_client()

        def send(kind: str, xml: str) -> None:
            nonlocal refused
            started = time.perf_counter()
            sent = wx.post_encrypted(client, xml)
            timings.setdefault(kind, []).append(time.perf_counter() - started)
            if sent.response.status_code != 200 or not sent.reply:
                refused += 1

        post_plain_first = wx.post_encrypted(client, wx.text_xml("帮助"))  # warm the caches
        assert post_plain_first.reply
        for i in range(args.residents):
            openid = f"oBench{i:022d}"
            body = rows[i % len(rows)][0]
            if i % 3 == 0:
                send("text: whole report", wx.text_xml(body, openid=openid))
            elif i % 3 == 1:
                send("text: problem only", wx.text_xml("门口有人占道经营", openid=openid))
                spot: shapely.Point = spots[i % len(spots)]
                send("location", wx.location_xml(*coordinates.wgs84_to_gcj02(spot.x, spot.y),
                                                 label="湖北省武汉市", openid=openid))
            else:
                send("image", wx.image_xml(f"MEDIA{i:08d}", openid=openid))
                send("text: answer", wx.text_xml(body, openid=openid))
            if i % 10 == 0:
                xml = wx.text_xml(body, openid=f"oReplay{i:021d}")
                send("text: whole report", xml)
                send("redelivery (same MsgId)", xml)
        from app.models import Case

        made = db.session.scalar(db.select(db.func.count()).select_from(Case))
        placed = db.session.scalar(db.select(db.func.count()).select_from(Case)
                                   .where(Case.channel == "wechat", Case.lat.is_not(None),
                                          Case.area_id.is_not(None)))

    print(f"WeChat callback, encrypted mode, in-process, {args.residents} residents, "
          f"database {url.split('@')[-1]}")
    print(f"{'message':28} {'n':>5} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    everything = []
    for kind, values in timings.items():
        everything += values
        print(f"{kind:28} {len(values):5d} {statistics.median(values) * 1000:8.1f} "
              f"{percentile(values, 0.95) * 1000:8.1f} {max(values) * 1000:8.1f}")
    print(f"{'all':28} {len(everything):5d} {statistics.median(everything) * 1000:8.1f} "
          f"{percentile(everything, 0.95) * 1000:8.1f} {max(everything) * 1000:8.1f}")
    print(f"answered without a reply or refused: {refused}; cases made: {made}, of which "
          f"placed by a location: {placed}")


if __name__ == "__main__":
    main()
