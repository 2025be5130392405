"""Benchmarks for the staff intake channels (issue 22), on PostgreSQL filled by
bench/make_million.py (the demo city and N cases).

Targets, p95 of server time: a hotline suggestion (one request per keystroke) < 30 ms; a
patrol report with one 2 MB photo < 500 ms.

    DATABASE_URL=postgresql://... .venv/bin/python bench/make_million.py 1000000   # once
    DATABASE_URL=postgresql://... .venv/bin/python bench/bench_intake.py [--requests 200]

Each figure is a whole request served in-process through Flask's test client (session
cookie, role check, every query, the JSON or redirect; no network), by the demo city's
``operator`` and ``patrol`` accounts signed in by session so that argon2 is not timed.

* **suggestion**: the operator types realistic calls one character at a time; every
  prefix is one GET /hotline/suggest.json, as the console's script asks.
* **patrol report**: a camera-sized JPEG of about 2 MB carrying a GPS tag. Two ways:
  as the patrol page's script sends it (the photo was kept when it was taken, through
  /patrol/photo-place.json, timed separately; the report is the small form), and as a
  browser without JavaScript sends it (the photo inside the report's POST). Each report
  makes a case (channel patrol) through the one door, with its photo and thumbnail
  written under UPLOAD_DIR (a temporary folder here).
"""

from __future__ import annotations

import argparse
import io
import os
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_work import machine  # noqa: E402

TARGETS_MS = {"suggestion per keystroke": 30, "patrol report (photo kept first)": 500,
              "patrol report (photo in the form)": 500}
CALLS = [
    "您好，我要反映一下黄浦路上有辆车停在人行道上，堵了好几天了",
    "解放大道公交站旁边的电线杆上贴满了小广告，麻烦派人清理一下",
    "中山大道那边晚上施工太吵了，半夜还在打桩，睡不着",
    "我们小区门口的井盖没了，很危险，老人小孩容易掉下去",
    "江汉路步行街有人摆地摊卖水果，占道经营",
    "There are shared bikes parked all over the pavement on Jiefang Avenue",
]


def two_mb_jpeg(lat: float, lng: float, target: int = 2 * 1024 * 1024) -> bytes:
    """A 3000x2250 photo of mixed texture (noise over gradients, like foliage and walls)
    saved at the quality that lands near ``target`` bytes, with a GPS tag."""
    from PIL import Image
    from PIL.ExifTags import GPS, IFD
    from PIL.TiffImagePlugin import IFDRational

    rng = random.Random(7)
    w, h = 3000, 2250
    base = Image.linear_gradient("L").resize((w, h)).convert("RGB")
    noise = Image.frombytes("RGB", (w // 4, h // 4), rng.randbytes(w // 4 * h // 4 * 3))
    image = Image.blend(base, noise.resize((w, h), Image.Resampling.BICUBIC), 0.5)

    def dms(v: float):
        d = int(v)
        m = int((v - d) * 60)
        return (IFDRational(d, 1), IFDRational(m, 1),
                IFDRational(round(((v - d) * 60 - m) * 60 * 1000), 1000))

    exif = Image.Exif()
    exif[IFD.GPSInfo] = {GPS.GPSLatitudeRef: "N", GPS.GPSLatitude: dms(lat),
                         GPS.GPSLongitudeRef: "E", GPS.GPSLongitude: dms(lng)}
    best = b""
    for quality in (70, 75, 80, 85, 88, 90, 92, 94, 96):
        buf = io.BytesIO()
        image.save(buf, "JPEG", quality=quality, exif=exif)
        best = buf.getvalue()
        if len(best) >= target * 0.95:
            break
    return best


def summary(label: str, times: list[float]) -> dict:
    times = sorted(times)
    q = statistics.quantiles(times, n=100)
    result = {"label": label, "n": len(times), "p50": q[49], "p95": q[94], "p99": q[98],
              "max": times[-1]}
    target = TARGETS_MS.get(label)
    verdict = "" if target is None else (
        f"  target p95 < {target} ms: {'MET' if result['p95'] < target else 'MISSED'}")
    print(f"  {label:<36} n={result['n']:<5} p50 {result['p50']:6.1f}  p95 "
          f"{result['p95']:6.1f}  p99 {result['p99']:6.1f}  max {result['max']:6.1f} ms{verdict}")
    return result


def client_for(app, session_id: str):
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = session_id  # a server-side staff session (staff_sessions.start)
        session["_fresh"] = True
        session["lang"] = "zh_Hans_CN"
    return client


def timed(call) -> tuple[float, object]:
    start = time.perf_counter()
    response = call()
    return (time.perf_counter() - start) * 1000, response


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=100, help="patrol reports each way")
    parser.add_argument("--calls", type=int, default=20, help="calls typed for suggestions")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres", "postgresql")):
        sys.exit("set DATABASE_URL to a PostgreSQL database filled by bench/make_million.py")

    from sqlalchemy import select, text

    from app import create_app
    from app.extensions import db
    from app.models import Area, User
    from app.services import demo_intake, staff_sessions

    uploads = tempfile.mkdtemp(prefix="bench-intake-")
    app = create_app({"TESTING": False, "WTF_CSRF_ENABLED": False, "UPLOAD_DIR": uploads,
                      "RATELIMIT_ENABLED": False, "OUTBOX_DELIVERY": False})
    with app.app_context():
        total = db.session.scalar(text('SELECT count(*) FROM "case"'))
        demo_intake.seed_rules()
        operator = staff_sessions.start(
            db.session.scalar(select(User).where(User.username == "operator")))
        inspector = db.session.scalar(select(User).where(User.username == "patrol"))
        area = db.session.scalar(select(Area).where(Area.street_id == inspector.street_id)
                                 .order_by(Area.code))
        from shapely.geometry import shape

        point = shape(area.polygon).representative_point()
        lat, lng, inspector_id = round(point.y, 6), round(point.x, 6), \
            staff_sessions.start(inspector)
        db.session.remove()
    print(f"{machine()}; {total:,} cases")

    op = client_for(app, operator)
    times = []
    rng = random.Random(3)
    for i in range(args.calls):
        call = CALLS[i % len(CALLS)]
        for k in range(1, len(call) + 1):
            if rng.random() < 0.15:
                continue  # a few keystrokes come faster than the console asks
            ms, response = timed(lambda k=k, call=call: op.get(
                "/hotline/suggest.json", query_string={"text": call[:k]}))
            if response.status_code != 200:
                sys.exit(f"suggest answered {response.status_code}")
            if i > 0:  # the first call warms the understanding engine and the pool
                times.append(ms)
    summary("suggestion per keystroke", times)

    photo = two_mb_jpeg(lat, lng)
    print(f"  photo: {len(photo) / 1024 / 1024:.2f} MB JPEG, 3000x2250, with a GPS tag")
    inspector_client = client_for(app, inspector_id)
    kept, sent, in_form = [], [], []
    for i in range(args.requests + 5):
        ms_keep, response = timed(lambda: inspector_client.post(
            "/patrol/photo-place.json", data={"photo": (io.BytesIO(photo), "IMG.jpg")},
            content_type="multipart/form-data"))
        token = response.get_json()["token"]
        note = f"巡查发现 {i}"
        ms, response = timed(lambda token=token, note=note: inspector_client.post("/patrol/", data={
            "category": "LD02", "urgency": "normal", "note": note, "held": token,
            "lat": f"{lat}", "lng": f"{lng}", "action": "send"}))
        if response.status_code != 303:
            sys.exit(f"patrol report answered {response.status_code}: "
                     f"{re.sub(r'<[^>]+>', ' ', response.get_data(as_text=True))[:400]}")
        ms_form, response = timed(lambda note=note: inspector_client.post("/patrol/", data={
            "category": "LD02", "urgency": "normal", "note": note,
            "photos": (io.BytesIO(photo), "IMG.jpg"), "lat": f"{lat}", "lng": f"{lng}",
            "action": "send"}, content_type="multipart/form-data"))
        if response.status_code != 303:
            sys.exit(f"patrol report answered {response.status_code}")
        if i >= 5:
            kept.append(ms_keep)
            sent.append(ms)
            in_form.append(ms_form)
    summary("photo kept when taken (photo-place)", kept)
    summary("patrol report (photo kept first)", sent)
    summary("patrol report (photo in the form)", in_form)


if __name__ == "__main__":
    main()
