"""Benchmarks for administration at a city's scale.

1. The area map: overlaps and gaps among 5,000 areas (shapely, server-side SVG).
2. Importing 2,000 areas from GeoJSON: dry run, then apply.
3. Importing 500 staff accounts from CSV (each new account's password is hashed with
   argon2, which dominates).
4. Handing an area with 300 open cases to a new road chief (one event per case, one
   transaction).

Run: ``.venv/bin/python bench/bench_admin.py`` (a fresh SQLite file), or with
``DATABASE_URL=postgresql://...`` for a database it may wipe. Prints the figures, the
machine and the data sizes."""

from __future__ import annotations

import json
import os
import platform
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("ROADCHIEF_INSTANCE", tempfile.mkdtemp(prefix="rc-bench-admin-"))
if not os.environ.get("DATABASE_URL"):
    os.environ["DATABASE_URL"] = f"sqlite:///{os.environ['ROADCHIEF_INSTANCE']}/bench.sqlite3"

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_core import grid_areas  # noqa: E402


def timed(label: str, fn):
    start = time.perf_counter()
    result = fn()
    print(f"{label:<58} {time.perf_counter() - start:8.2f} s")
    return result


def main() -> None:
    from flask_migrate import upgrade
    from sqlalchemy import text

    from app import create_app
    from app.extensions import db

    app = create_app({"UPLOAD_DIR": os.environ["ROADCHIEF_INSTANCE"] + "/uploads"})
    with app.app_context():
        with db.engine.begin() as conn:
            if db.engine.dialect.name == "postgresql":
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade()
        run(db)


def run(db) -> None:
    from sqlalchemy import func, select

    from app.demo.seed import seed_agencies, seed_catalogue
    from app.models import Case, District, Street, User
    from app.services import cases
    from app.services.actors import Actor
    from app.services.admin import area_map, imports, people
    from app.services.calendar import load_official_years

    print(f"machine: {platform.node()} {platform.machine()} {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}, {db.engine.dialect.name}")
    load_official_years([2025, 2026])
    seed_catalogue()
    district = District(code="BD", name_zh="基准区", name_en="Bench")
    db.session.add(district)
    db.session.flush()
    db.session.add(Street(code="BD01", district_id=district.id, name_zh="街", name_en="St"))
    seed_agencies()
    admin = User(username="admin", display_name="admin", role="admin", password_hash="x")
    db.session.add(admin)
    db.session.commit()

    rng = random.Random(9)
    areas, _box = grid_areas(5000, rng)
    rows = [(f"A{i}", "", poly, 1) for i, poly in areas]
    result = timed("map: overlaps and gaps among 5,000 areas", lambda: area_map.analyse(rows))
    print(f"  found {len(result.overlaps)} overlaps, {len(result.gaps)} gaps")
    timed("map: the same areas again (cached)", lambda: area_map.analyse(rows))

    features = [{"type": "Feature", "geometry": poly,
                 "properties": {"code": f"BD01-{i:04d}", "street": "BD01",
                                "name_zh": f"区域{i}", "roads": [f"路{i}"]}}
                for i, poly in areas[:2000]]
    content = json.dumps({"type": "FeatureCollection", "features": features}).encode()
    report = timed("areas: dry run of 2,000 GeoJSON features",
                   lambda: imports.dry_run(admin, "areas", content, "areas.geojson"))
    assert report.ok, report.problems or [r for r in report.rows if r.problems][:3]
    report = timed("areas: apply 2,000 features (one transaction)",
                   lambda: imports.apply(admin, "areas", content, "areas.geojson"))
    assert report.applied

    lines = ["username,display_name,role,place"]
    lines += [f"staff{i},员工{i},road_chief,BD01-{i:04d}" for i in range(1, 501)]
    staff = "\n".join(lines).encode()
    report = timed("staff: dry run of 500 CSV rows",
                   lambda: imports.dry_run(admin, "staff", staff, "staff.csv"))
    assert report.ok, report.problems or [r for r in report.rows if r.problems][:3]
    report = timed("staff: apply 500 rows (argon2 hash per new account)",
                   lambda: imports.apply(admin, "staff", staff, "staff.csv"))
    assert report.applied

    chiefs = "\n".join(["area,username,position"] + [
        f"BD01-{i:04d},staff{i},road_chief" for i in range(1, 501)]).encode()
    timed("road chiefs: apply 500 areas", lambda: imports.apply(admin, "road_chiefs", chiefs,
                                                                "chiefs.csv"))
    from app.models import Area

    area = db.session.scalar(select(Area).where(Area.code == "BD01-0001"))
    ring = area.polygon["coordinates"][0]
    lng = sum(p[0] for p in ring[:-1]) / (len(ring) - 1)
    lat = sum(p[1] for p in ring[:-1]) / (len(ring) - 1)
    dispatcher = User(username="d", display_name="d", role="dispatcher", password_hash="x")
    db.session.add(dispatcher)
    db.session.commit()

    def open_cases():
        for _ in range(300):
            case = cases.submit(Actor.system(), category_code="LD09", description="x",
                                lat=lat, lng=lng)
            cases.dispatch(case, Actor.staff(dispatcher))
    timed("(setup) 300 open cases in one area", open_cases)
    new_chief = db.session.scalar(select(User).where(User.username == "staff2"))
    moved = timed("hand-over: an area with 300 open cases to a new chief",
                  lambda: people.set_chief(admin, area, new_chief, "rotation"))
    held = db.session.scalar(select(func.count()).select_from(Case).where(
        Case.assignee_user_id == new_chief.id))
    print(f"  moved {moved} cases; the new chief holds {held}")


if __name__ == "__main__":
    main()
