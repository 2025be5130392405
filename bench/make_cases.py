"""Fill a PostgreSQL database with the demo city and N cases (default 10,000,000) over the
two years up to now, with realistic mixes, for the metrics benchmark.

    DATABASE_URL='postgresql://postgres@127.0.0.1:5432/rc_metrics?options=-csearch_path%3Dbench' \\
        .venv/bin/python bench/make_cases.py [N]

(The ``search_path`` option keeps the bench data in its own schema, away from the test
suite, which drops and rebuilds ``public`` in the same database.)

Every case is simulated through the closed loop with the real time limits on the official
working calendar, and written by COPY with *all* its events (dispatch with its deadline,
sign for, reassign, return and re-dispatch, extensions, holds and resumes, rectify, failed
and passed verifications, supervisor closes, ratings, reopens), followers and ratings, so
that the event replay (``flask metrics check``) reproduces the figures from the records.

Mixes (DOMAIN.md, "Scale"): categories by Daxing's split (city appearance 65 %, street
order 24 %, advertising 3 %, public facilities 2 %, construction 2 %, other), busier and
quieter areas, weekly rhythm, growth over the two years, holiday dips and 3x peaks;
4 % rejected, 3 % merged, 2 % returned and re-routed; on-time about 93-97 % depending on
district, category and season; extensions 3 %, holds (mostly illegal construction), 5 %
rework, ratings from 75 % of residents with about 85-90 % satisfied, reopens after some
dissatisfied ratings; a third of reports at recurring problem points (hotspots).

The daily metric tables are then built by the application's own ``metrics_rebuild.rebuild``.
Refuses to run twice on a database that already holds bulk cases."""

from __future__ import annotations

import json
import math
import os
import random
import sys
import time
from bisect import bisect
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
ZONE = ZoneInfo("Asia/Shanghai")
CHUNK = 50_000

# Category weights (percent of reports), grouped as in Daxing's month of grid reports.
CATEGORY_MIX = {
    # 市容环境 city appearance, 65
    "LD04": 15, "LD07": 14, "LD08": 12, "LD06": 8, "HF99": 7, "HF03": 5, "LD10": 4,
    # 街面秩序 street order, 24
    "HF01": 9, "LD03": 8, "HF02": 5, "LD01": 2,
    # 宣传广告 advertising, 3
    "LD09": 3,
    # 公共设施 public facilities, 2
    "HF04": 0.7, "LD05": 0.3, "HF06": 0.3, "HF07": 0.2, "HF08": 0.2, "HF09": 0.2, "HF10": 0.1,
    # 施工管理 construction, 2
    "HF05": 1.2, "LD02": 0.8,
}
CHANNELS = (("web", 55), ("sms", 25), ("staff", 15), ("open311", 5))


def code_of(i: int) -> str:
    x = (i * 2654435761) % (32 ** 7)  # odd multiplier: a bijection on 0..32^7-1
    return "Z" + "".join(ALPHABET[(x >> (5 * k)) & 31] for k in range(7))


def iso(t: datetime | None) -> str | None:
    return t.isoformat() if t else None


class Picker:
    def __init__(self, items, weights):
        self.items = list(items)
        self.cum = list(accumulate(weights))

    def __call__(self, rng: random.Random):
        return self.items[bisect(self.cum, rng.random() * self.cum[-1])]


class City:
    """The seeded city as plain data: areas with their place, road chief, team and
    problem points; agencies by (district, handler); categories with their limits."""

    def __init__(self, cur, rng: random.Random):
        from shapely.geometry import shape

        cur.execute("""SELECT a.id, a.street_id, s.district_id, a.road_chief_id, a.polygon,
                              (SELECT min(name) FROM road r WHERE r.area_id = a.id)
                       FROM area a JOIN street s ON s.id = a.street_id ORDER BY a.id""")
        self.areas = []
        for aid, sid, did, chief, polygon, road in cur.fetchall():
            poly = polygon if isinstance(polygon, dict) else json.loads(polygon)
            geom = shape(poly)
            x0, y0, x1, y1 = geom.bounds
            self.areas.append({"id": aid, "street": sid, "district": did, "chief": chief,
                               "bbox": (x0, y0, x1, y1), "road": road or "",
                               "team": [], "points": {}})
        by_id = {a["id"]: a for a in self.areas}
        cur.execute("SELECT area_id, user_id FROM team_membership ORDER BY id")
        for aid, uid in cur.fetchall():
            by_id[aid]["team"].append(uid)
        # Busier and quieter areas (a long tail), and per district a level of discipline.
        ranks = list(range(1, len(self.areas) + 1))
        rng.shuffle(ranks)
        self.area_pick = Picker(self.areas, [1 / math.sqrt(r) for r in ranks])
        districts = sorted({a["district"] for a in self.areas})
        self.district_late = {d: rng.uniform(0.006, 0.035) for d in districts}
        cur.execute("SELECT id, district_id, handler FROM agency")
        self.agency = {(d, h): i for i, d, h in cur.fetchall()}
        cur.execute("SELECT id, agency_id FROM \"user\" WHERE role = 'agency_staff' ORDER BY id")
        self.agency_staff = {}
        for uid, agid in cur.fetchall():
            self.agency_staff.setdefault(agid, uid)
        cur.execute("SELECT id, code, handler FROM category")
        self.categories = {code: {"id": i, "code": code, "handler": h}
                           for i, code, h in cur.fetchall()}
        cur.execute("""SELECT category_id, kind, urgency, id, amount, unit FROM time_limit_rule
                       WHERE valid_to IS NULL""")
        self.rules = {}
        for cid, kind, urgency, rid, amount, unit in cur.fetchall():
            self.rules[(cid, kind, urgency)] = (rid, amount, unit)
        codes = [c for c in CATEGORY_MIX if c in self.categories]
        self.category_pick = Picker([self.categories[c] for c in codes],
                                    [CATEGORY_MIX[c] for c in codes])
        # Agency categories are a little less often on time than the road chief's.
        self.category_late = {c["id"]: (1.0 if c["handler"] == "road_chief" else 1.25)
                              for c in self.categories.values()}
        self.staff = {}
        cur.execute("""SELECT id, role, district_id, street_id FROM "user"
                       WHERE role IN ('supervisor', 'inspector', 'dispatcher')""")
        for uid, role, did, sid in cur.fetchall():
            self.staff[(role, "s", sid) if sid else (role, "d", did)] = uid
        # Recurring problem points: a few per area for its commonest categories.
        for a in self.areas:
            x0, y0, x1, y1 = a["bbox"]
            for _ in range(rng.randint(2, 6)):
                cat = self.category_pick(rng)["id"]
                a["points"].setdefault(cat, []).append(
                    (rng.uniform(x0, x1), rng.uniform(y0, y1)))

    def staff_of(self, role: str, area) -> int | None:
        return (self.staff.get((role, "s", area["street"]))
                or self.staff.get((role, "d", area["district"])))


class Simulator:
    """One case through the loop. Times are aware UTC; deadlines on the local calendar."""

    def __init__(self, city: City, calendar, end: datetime, contacts: tuple[int, int]):
        from workflows import deadlines

        self.city, self.cal, self.end = city, calendar, end
        self.deadlines = deadlines
        self.contact_lo, self.contact_n = contacts
        self.merge_target: dict[tuple[int, int], int] = {}
        self.request_id = 0

    # -- time helpers
    def local(self, t: datetime) -> datetime:
        return t.astimezone(ZONE).replace(tzinfo=None)

    def utc(self, wall: datetime) -> datetime:
        return wall.replace(tzinfo=ZONE).astimezone(UTC)

    def due(self, start: datetime, rule) -> datetime:
        _, amount, unit = rule
        limit = self.deadlines.TimeLimit(amount, self.deadlines.Unit(unit))
        return self.utc(self.deadlines.due_at(self.local(start), limit, self.cal))

    def rule(self, cat: int, kind: str, urgency: str):
        return self.city.rules[(cat, kind, urgency)]

    def run(self, i: int, created: datetime, rng: random.Random, out) -> None:
        city, end = self.city, self.end
        area = city.area_pick(rng)
        cat = city.category_pick(rng)
        cid = cat["id"]
        urgency = "critical" if cat["code"] == "HF06" else ("urgent" if rng.random() < 0.1
                                                             else "normal")
        points = area["points"].get(cid)
        if points and rng.random() < 0.6:
            px, py = rng.choice(points)
            lng, lat = px + rng.gauss(0, 0.00015), py + rng.gauss(0, 0.00015)
        else:
            x0, y0, x1, y1 = area["bbox"]
            lng, lat = rng.uniform(x0, x1), rng.uniform(y0, y1)
        contact = None
        if rng.random() < 0.8:
            contact = self.contact_lo + rng.randrange(self.contact_n)
        channel = CHANNEL_PICK(rng)
        c = {
            "id": i, "code": code_of(i), "category_id": cid, "urgency": urgency,
            "description": f"{area['road']} 基准案件", "lat": round(lat, 6),
            "lng": round(lng, 6), "address": area["road"], "channel": channel,
            "area_id": area["id"], "street_id": area["street"], "district_id": area["district"],
            "reporter_contact_id": contact, "anonymous": rng.random() < 0.1,
            "state": "submitted", "assignee_user_id": None, "assignee_agency_id": None,
            "merged_into_id": None, "limit_rule_id": None, "limit_unit": None,
            "dispatched_at": None, "response_due_at": None, "due_at": None,
            "rework_due_at": None, "verify_due_at": None, "held_seconds_left": None,
            "signed_at": None, "rectified_at": None, "closed_at": None, "extension_count": 0,
            "rework_count": 0, "escalation_level": 0, "overdue": False, "created_at": created,
            "updated_at": created, "version": 0,
        }
        ev = []

        def event(at, action, to_state, role, user=None, contact_id=None, data=None,
                  reason=None, note=None):
            c["version"] += 1
            ev.append((i, at, action, c["state"] if action != "submit" else None, to_state,
                       role, user, contact_id, reason, note, json.dumps(data or {}),
                       c["version"]))
            c["state"], c["updated_at"] = to_state, at

        followers = []
        ratings = []
        event(created, "submit", "submitted", "resident", contact_id=contact,
              data={"channel": channel, "area_id": area["id"], "unrouted": None})
        if contact is not None:
            followers.append((i, contact, "reporter", created))
        if rng.random() < 0.04:  # someone else reports the same problem and follows it
            supporter = self.contact_lo + rng.randrange(self.contact_n)
            if supporter != contact:
                at = created + timedelta(minutes=rng.uniform(1, 4))
                followers.append((i, supporter, "supporter", at))
                event(at, "support", "submitted", "resident", contact_id=supporter,
                      data={"supporters": 1})
        dispatcher = city.staff_of("dispatcher", area)
        supervisor = city.staff_of("supervisor", area)
        inspector = city.staff_of("inspector", area)

        def after(t, lo_min, hi_min):
            nxt = t + timedelta(minutes=rng.uniform(lo_min, hi_min))
            return nxt if nxt <= end else None

        key = (area["id"], cid)
        t = after(created, 5, 90)
        if t is None:
            return self._emit(out, c, ev, followers, ratings)
        fate = rng.random()
        if fate < 0.04:
            c["closed_at"] = t
            event(t, "reject", "rejected", "dispatcher", dispatcher,
                  reason="不属于城市管理职责范围")
            return self._emit(out, c, ev, followers, ratings)
        if fate < 0.07 and key in self.merge_target:
            target = self.merge_target[key]
            c["merged_into_id"], c["closed_at"] = target, t
            event(t, "merge", "merged", "dispatcher", dispatcher,
                  data={"into": code_of(target), "followers_moved": 0})
            return self._emit(out, c, ev, followers, ratings)
        self.merge_target[key] = i
        if 0.07 <= fate < 0.09:  # returned once, then re-routed
            self._dispatch(c, event, t, area, cat, urgency, dispatcher)
            t = after(t, 10, 120)
            if t is None:
                return self._emit(out, c, ev, followers, ratings)
            assignee_role, assignee = self._assignee(c)
            event(t, "return", "returned", assignee_role, assignee,
                  reason="该问题不在本责任区范围内",
                  data={"from_user_id": c["assignee_user_id"],
                        "from_agency_id": c["assignee_agency_id"], "due_at": iso(c["due_at"])})
            c["assignee_user_id"] = c["assignee_agency_id"] = None
            c["response_due_at"] = c["due_at"] = c["rework_due_at"] = None
            c["signed_at"] = c["dispatched_at"] = None
            t = after(t, 20, 240)
            if t is None:
                return self._emit(out, c, ev, followers, ratings)
        self._dispatch(c, event, t, area, cat, urgency, dispatcher)
        stuck = rng.random() < 0.002  # the long-overdue few that nobody finishes
        if rng.random() < 0.03 and area["team"]:  # handed to a team member first
            t2 = after(t, 5, 60)
            if t2 is None:
                return self._emit(out, c, ev, followers, ratings)
            member = rng.choice(area["team"])
            if c["assignee_user_id"] is not None and member != c["assignee_user_id"]:
                event(t2, "reassign", "dispatched", "road_chief", c["assignee_user_id"],
                      data={"from_user_id": c["assignee_user_id"], "from_agency_id": None,
                            "assignee_user_id": member, "assignee_agency_id": None})
                c["assignee_user_id"], c["signed_at"] = member, None
                t = t2
        agency_case = c["assignee_agency_id"] is not None
        # Signed for within a part of the time the limit leaves (short limits: minutes).
        room = (c["due_at"] - t).total_seconds() / 60
        t = after(t, 2, max(5.0, min(150 if agency_case else 100, 0.2 * room)))
        if t is None:
            return self._emit(out, c, ev, followers, ratings)
        assignee_role, assignee = self._assignee(c)
        c["signed_at"] = t
        event(t, "sign_for", "in_progress", assignee_role, assignee,
              data={"response_due_at": iso(c["response_due_at"]),
                    "responded_on_time": t <= c["response_due_at"]})
        if stuck:
            return self._emit(out, c, ev, followers, ratings)
        if rng.random() < 0.03:  # an approved extension
            t1 = after(t, 20, 600)
            if t1 is None or t1 >= c["due_at"]:
                pass
            else:
                new_due = c["due_at"] + timedelta(days=rng.choice((1, 2, 3, 5)))
                self.request_id += 1
                out["requests"].append((self.request_id, i, "extension", "approved",
                                        "需协调产权单位，申请延期", new_due, assignee, t1,
                                        supervisor, t1 + timedelta(hours=1), None))
                event(t1, "request_extension", c["state"], assignee_role, assignee,
                      reason="需协调产权单位，申请延期",
                      data={"new_due_at": iso(new_due), "due_at": iso(c["due_at"])})
                t = t1 + timedelta(hours=1)
                if t > end:
                    return self._emit(out, c, ev, followers, ratings)
                event(t, "approve_extension", c["state"], "supervisor", supervisor,
                      data={"request_id": self.request_id, "old_due_at": iso(c["due_at"]),
                            "due_at": iso(new_due)})
                c["due_at"], c["extension_count"] = new_due, 1
        hold_p = 0.4 if cat["code"] == "LD02" else 0.003
        if rng.random() < hold_p:
            t1 = after(t, 10, 300)
            if t1 is None:
                return self._emit(out, c, ev, followers, ratings)
            self.request_id += 1
            out["requests"].append((self.request_id, i, "hold", "approved",
                                    "已进入违法建设查处法定程序", None, assignee, t1, supervisor,
                                    t1 + timedelta(hours=1), None))
            event(t1, "request_hold", c["state"], assignee_role, assignee,
                  reason="已进入违法建设查处法定程序")
            t = t1 + timedelta(hours=1)
            if t > end:
                return self._emit(out, c, ev, followers, ratings)
            unit = self.deadlines.Unit(c["limit_unit"])
            left = self.deadlines.time_left(self.local(t), self.local(c["due_at"]), unit,
                                            self.cal)
            event(t, "approve_hold", "on_hold", "supervisor", supervisor,
                  data={"request_id": self.request_id, "due_at": iso(c["due_at"]),
                        "seconds_left": left, "rework_seconds_left": None})
            c["held_seconds_left"] = left
            t = after(t, 60 * 24 * 5, 60 * 24 * 40)
            if t is None or rng.random() < 0.3:
                return self._emit(out, c, ev, followers, ratings)  # still on hold
            old = c["due_at"]
            c["due_at"] = self.utc(self.deadlines.resume(self.local(t), left, unit, self.cal))
            c["held_seconds_left"] = None
            event(t, "resume", "in_progress", "supervisor", supervisor,
                  data={"old_due_at": iso(old), "due_at": iso(c["due_at"]),
                        "rework_due_at": None})
        # Late or on time, by district discipline, category and season.
        month = self.local(t).month
        season = 1.3 if month in (7, 8) else (1.2 if month in (1, 2) else 1.0)
        p_late = city.district_late[area["district"]] * city.category_late[cid] * season
        rounds = 0
        while True:
            due = c["rework_due_at"] or c["due_at"]
            if c["rework_due_at"] and c["due_at"] > t and rng.random() < 0.7:
                due = c["due_at"]  # most rework still makes the original deadline
            if rng.random() < p_late:
                fix = due + timedelta(hours=rng.uniform(0.5, 40))
            else:
                span = max((due - t).total_seconds(), 600)
                fix = t + timedelta(seconds=span * rng.uniform(0.15, 0.95))
            fix = max(fix, t + timedelta(minutes=10))
            if fix > end:
                break
            verify_rule = self.rule(cid, "verify", urgency)
            c["rectified_at"] = fix
            c["verify_due_at"] = self.due(fix, verify_rule)
            event(fix, "rectify", "rectified", assignee_role, assignee, note="已现场整改完毕",
                  data={"due_at": iso(c["due_at"]), "rework_due_at": iso(c["rework_due_at"]),
                        "on_time": fix <= c["due_at"], "verify_due_at": iso(c["verify_due_at"])})
            c["rework_due_at"] = None
            check = after(fix, 30, 600)
            if check is None:
                break
            rounds += 1
            if rounds == 1 and rng.random() < 0.05:  # rework
                c["rework_count"] += 1
                c["rework_due_at"] = self.due(check, self.rule(cid, "rectify", urgency))
                c["rectified_at"] = c["verify_due_at"] = None
                event(check, "verify_fail", "in_progress", "inspector", inspector,
                      note="现场仍有残留，需返工",
                      data={"rework_due_at": iso(c["rework_due_at"]),
                            "rework_count": c["rework_count"]})
                t = check
                p_late = min(0.5, p_late * 2)
                continue
            c["closed_at"], c["verify_due_at"] = check, None
            if rng.random() < 0.03:
                event(check, "close", "closed", "supervisor", supervisor, reason="视频核实已整改")
            else:
                event(check, "verify_pass", "closed", "inspector", inspector, note="核查通过",
                      data={"rectified_at": iso(c["rectified_at"]), "due_at": iso(c["due_at"])})
            late = c["rectified_at"] > c["due_at"]
            reopened = self._rate(c, event, followers, ratings, check, late, rng, after)
            if not reopened:
                break
            t = reopened
            p_late = min(0.5, p_late * 2)
        if c["state"] in ("dispatched", "in_progress") and c["due_at"] < end:
            c["overdue"] = True
        if c["rectified_at"] and c["due_at"] and c["rectified_at"] > c["due_at"]:
            c["overdue"] = True
        return self._emit(out, c, ev, followers, ratings)

    def _rate(self, c, event, followers, ratings, closed, late, rng, after):
        """Followers rate; a dissatisfied one may get the case reopened. Returns the
        moment of the reopen, if any."""
        weights = (55, 20, 25) if late else (74, 16, 10)
        if c["rework_count"]:
            weights = (50, 25, 25)
        worst = 0
        t = closed
        for case_id, contact, _kind, _since in followers:
            if any(r[1] == contact for r in ratings) or rng.random() > 0.75:
                continue
            at = after(t, 30, 2000)
            if at is None:
                continue
            score = rng.choices((1, 2, 3), weights=weights)[0]
            ratings.append((case_id, contact, score, "" if score != 3 else "处理不彻底", "web",
                            at, score == 3))
            event(at, "rate", "closed", "resident", contact_id=contact, data={"score": score},
                  note=None if score != 3 else "处理不彻底")
            worst = max(worst, score)
            t = at
        if worst == 3 and rng.random() < 0.15:
            at = after(t, 60, 1440)
            if at is None:
                return None
            old_due = c["due_at"]
            rule = self.rule(c["category_id"], "rectify", c["urgency"])
            c["limit_rule_id"], c["limit_unit"] = rule[0], rule[2]
            c["due_at"] = self.due(at, rule)
            event(at, "reopen", "in_progress", "supervisor",
                  self.city.staff_of("supervisor", {"street": c["street_id"],
                                                    "district": c["district_id"]}),
                  reason="回访不满意，重新办理",
                  data={"old_due_at": iso(old_due), "closed_at": iso(c["closed_at"]),
                        "due_at": iso(c["due_at"]), "limit_rule_id": rule[0]})
            c["closed_at"] = c["rectified_at"] = c["rework_due_at"] = None
            c["overdue"] = False
            return at
        return None

    def _assignee(self, c):
        if c["assignee_user_id"] is not None:
            return "road_chief", c["assignee_user_id"]
        return "agency_staff", self.city.agency_staff.get(c["assignee_agency_id"])

    def _dispatch(self, c, event, t, area, cat, urgency, dispatcher):
        cid = cat["id"]
        rect = self.rule(cid, "rectify", urgency)
        resp = self.rule(cid, "response", urgency)
        if cat["handler"] == "road_chief":
            c["assignee_user_id"], c["assignee_agency_id"] = area["chief"], None
        else:
            c["assignee_user_id"] = None
            c["assignee_agency_id"] = self.city.agency[(area["district"], cat["handler"])]
        c["limit_rule_id"], c["limit_unit"] = rect[0], rect[2]
        c["dispatched_at"] = t
        c["response_due_at"] = self.due(t, resp)
        c["due_at"] = self.due(t, rect)
        c["signed_at"] = c["rectified_at"] = c["rework_due_at"] = c["verify_due_at"] = None
        event(t, "dispatch", "dispatched", "dispatcher", dispatcher, data={
            "route": "auto", "area_id": area["id"], "assignee_user_id": c["assignee_user_id"],
            "assignee_agency_id": c["assignee_agency_id"], "urgency": urgency,
            "limit_rule_id": rect[0], "limit": f"{rect[1]} {rect[2]}",
            "response_rule_id": resp[0], "response_due_at": iso(c["response_due_at"]),
            "due_at": iso(c["due_at"])})

    @staticmethod
    def _emit(out, c, ev, followers, ratings):
        out["cases"].append(tuple(c[k] for k in CASE_COLUMNS))
        out["events"].extend(ev)
        out["followers"].extend(followers)
        out["ratings"].extend(ratings)


CHANNEL_PICK = Picker([c for c, _ in CHANNELS], [w for _, w in CHANNELS])
CASE_COLUMNS = (
    "id", "code", "category_id", "urgency", "description", "lat", "lng", "address", "channel",
    "area_id", "street_id", "district_id", "reporter_contact_id", "anonymous", "state",
    "assignee_user_id", "assignee_agency_id", "merged_into_id", "limit_rule_id", "limit_unit",
    "dispatched_at", "response_due_at", "due_at", "rework_due_at", "verify_due_at",
    "held_seconds_left", "signed_at", "rectified_at", "closed_at", "extension_count",
    "rework_count", "escalation_level", "overdue", "created_at", "updated_at", "version",
)
EVENT_COLUMNS = ("case_id", "at", "action", "from_state", "to_state", "actor_role",
                 "actor_user_id", "actor_contact_id", "reason", "note", "data", "version")


def day_weights(first: date, days: int, rng: random.Random, holidays: set[date]) -> list[float]:
    """Reports per day: weekly rhythm, growth, holiday dips and a few 3x peaks."""
    out = []
    for k in range(days):
        d = first + timedelta(days=k)
        w = (1.0 + 0.25 * k / days) * (0.8 if d.weekday() >= 5 else 1.0)
        if d in holidays:
            w *= 0.6
        if rng.random() < 0.01:
            w *= 3.0
        out.append(w * rng.uniform(0.92, 1.08))
    return out


def main(n: int) -> None:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres", "postgresql")):
        sys.exit("set DATABASE_URL to a PostgreSQL database")
    from app import create_app
    from app.demo import seed as demo
    from app.extensions import db
    from app.services import metrics_rebuild
    from app.services.calendar import load_official_years
    from workflows.calendar import official_calendar, official_days

    app = create_app({"OUTBOX_DELIVERY": False})
    t_start = time.perf_counter()
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        demo.seed(history=False)
        load_official_years([2024, 2025, 2026])
        db.session.commit()
        raw = db.engine.raw_connection()
        cur = raw.cursor()
        cur.execute("SELECT count(*) FROM \"case\" WHERE code LIKE 'Z%'")
        if cur.fetchone()[0]:
            sys.exit("this database already holds bulk cases")
        print(f"schema and demo city ready in {time.perf_counter() - t_start:.1f}s", flush=True)
        rng = random.Random(20261125)
        city = City(cur, rng)
        cal = official_calendar([2024, 2025, 2026])
        holidays = official_days([2024, 2025, 2026])[0]

        end = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(hours=1)
        today = end.astimezone(ZONE).date()
        first_day = today - timedelta(days=730)
        weights = day_weights(first_day, 730, rng, holidays)
        scale = n / sum(weights)
        per_day = [int(w * scale) for w in weights]
        per_day[-1] += n - sum(per_day)

        # Contacts: a pool of residents who leave a phone number.
        n_contacts = max(1000, n // 5)
        cur.execute("SELECT coalesce(max(id), 0) FROM contact")
        contact_lo = cur.fetchone()[0] + 1
        with cur.copy("COPY contact (id, phone, language, created_at) FROM STDIN") as cp:
            born = datetime(2024, 1, 1, tzinfo=UTC)
            for k in range(n_contacts):
                cp.write_row((contact_lo + k, f"+86136{k:08d}", "zh_Hans_CN", born))
        cur.execute("SELECT setval('contact_id_seq', (SELECT max(id) FROM contact))")
        raw.commit()

        # Load fast: no secondary indexes and no foreign-key triggers while copying; both
        # come back (and are checked by construction) afterwards.
        tables = ("case", "case_event", "case_follower", "rating", "case_request")
        cur.execute("""SELECT indexname, indexdef FROM pg_indexes
                       WHERE schemaname = current_schema() AND tablename = ANY(%s)
                         AND indexname LIKE 'ix_%%'""", (list(tables),))
        indexes = cur.fetchall()
        for name, _ in indexes:
            cur.execute(f'DROP INDEX "{name}"')
        raw.commit()
        cur.execute("SET session_replication_role = replica")

        cur.execute('SELECT coalesce(max(id), 0) FROM "case"')
        case_id = cur.fetchone()[0]
        sim = Simulator(city, cal, end, (contact_lo, n_contacts))
        out = {"cases": [], "events": [], "followers": [], "ratings": [], "requests": []}
        counts = dict.fromkeys(out, 0)
        made = 0
        t_sim = time.perf_counter()

        def flush():
            with cur.copy(f'COPY "case" ({", ".join(CASE_COLUMNS)}) FROM STDIN') as cp:
                for row in out["cases"]:
                    cp.write_row(row)
            with cur.copy(f"COPY case_event ({', '.join(EVENT_COLUMNS)}) FROM STDIN") as cp:
                for row in out["events"]:
                    cp.write_row(row)
            with cur.copy("COPY case_follower (case_id, contact_id, kind, since) "
                          "FROM STDIN") as cp:
                for row in out["followers"]:
                    cp.write_row(row)
            with cur.copy("COPY rating (case_id, contact_id, score, comment, channel, at, "
                          "needs_follow_up) FROM STDIN") as cp:
                for row in out["ratings"]:
                    cp.write_row(row)
            with cur.copy("COPY case_request (id, case_id, kind, status, reason, new_due_at, "
                          "requested_by_id, requested_at, decided_by_id, decided_at, "
                          "decision_reason) FROM STDIN") as cp:
                for row in out["requests"]:
                    cp.write_row(row)
            raw.commit()
            for k in out:
                counts[k] += len(out[k])
                out[k].clear()

        cur.execute("SELECT coalesce(max(id), 0) FROM case_request")
        sim.request_id = cur.fetchone()[0]
        for k, count in enumerate(per_day):
            day = first_day + timedelta(days=k)
            midnight = datetime(day.year, day.month, day.day, tzinfo=ZONE)
            moments = sorted(rng.betavariate(2.2, 2.0) for _ in range(count))
            for m in moments:
                created = (midnight + timedelta(hours=6 + 17 * m)).astimezone(UTC)
                if created > end:
                    continue
                case_id += 1
                sim.run(case_id, created, rng, out)
                made += 1
            if len(out["cases"]) >= CHUNK:
                flush()
                rate = made / (time.perf_counter() - t_sim)
                print(f"{day}: {made} cases, {counts['events']} events ({rate:,.0f}/s)",
                      flush=True)
        flush()
        cur.execute("SET session_replication_role = DEFAULT")
        for seq, table in (("case_id_seq", '"case"'), ("case_event_id_seq", "case_event"),
                           ("case_follower_id_seq", "case_follower"), ("rating_id_seq", "rating"),
                           ("case_request_id_seq", "case_request")):
            cur.execute(f"SELECT setval('{seq}', (SELECT coalesce(max(id), 1) FROM {table}))")
        raw.commit()
        print(f"copied {counts} in {time.perf_counter() - t_sim:.0f}s", flush=True)
        cur.execute("SET maintenance_work_mem = '1GB'")
        for name, definition in indexes:
            s = time.perf_counter()
            cur.execute(definition)
            raw.commit()
            print(f"index {name}: {time.perf_counter() - s:.0f}s", flush=True)
        cur.execute("ANALYZE")
        raw.commit()
        raw.close()

        s = time.perf_counter()
        counted = metrics_rebuild.rebuild(batch=50000, echo=lambda m: print(m, flush=True)
                                  if m.endswith("000000 cases booked") else None)
        print(f"metrics rebuilt: {counted} cases count, in {time.perf_counter() - s:.0f}s")
        db.session.execute(db.text("ANALYZE"))
        db.session.commit()
        print(f"done: {made} cases in {time.perf_counter() - t_start:.0f}s", flush=True)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000_000)
