"""The monthly assessment (考核评估), defined once: a scoring scheme is data (indicators
with weights and the values that earn full and no marks, deductions per kind of event with
caps, and the sizes of the red and black lists); a unit's month of counters
(:class:`workflows.metrics.Totals`) gives a score out of 100 with its breakdown.

Pure policy: no Flask, no SQLAlchemy, no I/O.

* An indicator earns ``weight × share``, where ``share`` runs linearly from 0 at ``zero``
  to 1 at ``full`` and is clamped to [0, 1] (``full`` above ``zero``: higher is better, as
  for the on-time rate; below: lower is better, as for the rework rate or response hours).
* An indicator without a denominator in the month (no due case for the on-time rate, no
  rating for the satisfaction rate ...) is left out and the others are scaled up to 100,
  so a unit is neither rewarded nor punished for what did not happen to it. A unit with no
  indicator at all is not assessed that month.
* Deductions: ``points`` per event of the kind, at most ``cap`` per kind, at most
  ``max_deduction`` in all; the score never goes below 0.
* Scores are rounded to two decimals once, at the end: the stored and recomputed figures
  compare exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from workflows.metrics import Totals

#: Indicators a scheme may weigh: name -> (how it is read from the counters, its kind).
INDICATORS: dict[str, str] = {
    "on_time_rate": "rate",  # 限时整改率
    "satisfaction_rate": "rate",  # 满意率
    "rating_coverage": "rate",  # 回访率
    "rework_rate": "rate",  # 返工率
    "extension_rate": "rate",  # 延期率
    "response_hours": "hours",  # 平均响应时长
    "handling_hours": "hours",  # 平均处置时长
}

#: Events a scheme may deduct points for: name -> the count read from the counters.
EVENTS: dict[str, str] = {
    "late": "late",  # 逾期案件 (due and not rectified on time)
    "reworked": "reworked",  # 返工案件
    "dissatisfied": "r3",  # 不满意评价
    "extended": "extended",  # 延期案件
}

UNIT_KINDS = ("district", "street", "agency", "contractor")

DEFAULT_RULES: dict[str, Any] = {
    "indicators": {
        "on_time_rate": {"weight": 40, "full": 0.98, "zero": 0.80},
        "satisfaction_rate": {"weight": 30, "full": 0.95, "zero": 0.70},
        "rework_rate": {"weight": 10, "full": 0.0, "zero": 0.20},
        "response_hours": {"weight": 10, "full": 1.0, "zero": 24.0},
        "rating_coverage": {"weight": 10, "full": 0.90, "zero": 0.30},
    },
    "deductions": {
        "late": {"points": 0.5, "cap": 10},
        "dissatisfied": {"points": 0.2, "cap": 5},
    },
    "max_deduction": 15,
    "red": {"size": 3, "at_least": 90},
    "black": {"size": 3, "below": 80},
}

MAX_WEIGHT_TOTAL = 100
MAX_HOURS = 10_000.0
MAX_POINTS = 100.0
MAX_LIST = 50


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    if number != number or number in (float("inf"), float("-inf")):
        return None
    return number


def problems(rules: Any) -> dict[str, str]:
    """What is wrong with a scheme, by field (``indicators.on_time_rate.weight`` ...); the
    messages are keys the web layer translates (see ``app.services.assessment``)."""
    out: dict[str, str] = {}
    if not isinstance(rules, dict):
        return {"rules": "not_a_scheme"}
    indicators = rules.get("indicators")
    if not isinstance(indicators, dict) or not indicators:
        out["indicators"] = "no_indicator"
        indicators = {}
    total = 0.0
    for name, spec in indicators.items():
        where = f"indicators.{name}"
        if name not in INDICATORS:
            out[where] = "unknown_indicator"
            continue
        if not isinstance(spec, dict):
            out[where] = "not_a_scheme"
            continue
        weight = _number(spec.get("weight"))
        full, zero = _number(spec.get("full")), _number(spec.get("zero"))
        if weight is None or not 0 < weight <= MAX_WEIGHT_TOTAL:
            out[f"{where}.weight"] = "bad_weight"
        else:
            total += weight
        limit = 1.0 if INDICATORS[name] == "rate" else MAX_HOURS
        for key, value in (("full", full), ("zero", zero)):
            if value is None or not 0 <= value <= limit:
                out[f"{where}.{key}"] = "bad_rate" if limit == 1.0 else "bad_hours"
        if full is not None and zero is not None and full == zero:
            out[f"{where}.zero"] = "full_equals_zero"
    if indicators and "indicators" not in out and abs(total - MAX_WEIGHT_TOTAL) > 1e-9:
        out["weights"] = "weights_not_100"
    deductions = rules.get("deductions") or {}
    if not isinstance(deductions, dict):
        out["deductions"] = "not_a_scheme"
        deductions = {}
    for name, spec in deductions.items():
        where = f"deductions.{name}"
        if name not in EVENTS:
            out[where] = "unknown_event"
            continue
        points = _number(spec.get("points")) if isinstance(spec, dict) else None
        cap = _number(spec.get("cap")) if isinstance(spec, dict) else None
        if points is None or not 0 <= points <= MAX_POINTS:
            out[f"{where}.points"] = "bad_points"
        if cap is None or not 0 <= cap <= MAX_POINTS:
            out[f"{where}.cap"] = "bad_points"
    most = _number(rules.get("max_deduction"))
    if most is None or not 0 <= most <= MAX_POINTS:
        out["max_deduction"] = "bad_points"
    for which, bound in (("red", "at_least"), ("black", "below")):
        spec = rules.get(which)
        size = spec.get("size") if isinstance(spec, dict) else None
        edge = _number(spec.get(bound)) if isinstance(spec, dict) else None
        if not isinstance(size, int) or isinstance(size, bool) or not 0 <= size <= MAX_LIST:
            out[f"{which}.size"] = "bad_list"
        if edge is None or not 0 <= edge <= MAX_POINTS:
            out[f"{which}.{bound}"] = "bad_points"
    return out


def indicator_value(name: str, totals: Totals) -> float | None:
    return getattr(totals, name)


def event_count(name: str, totals: Totals) -> int:
    return getattr(totals, EVENTS[name])


def _share(value: float, full: float, zero: float) -> float:
    share = (value - zero) / (full - zero)
    return min(1.0, max(0.0, share))


@dataclass
class Score:
    """A unit's score and how it was reached."""

    score: float | None  # None: nothing to assess this month
    base: float = 0.0
    deducted: float = 0.0
    #: indicator -> {"value", "weight", "points"} (points after scaling to 100)
    indicators: dict[str, dict[str, float | None]] = field(default_factory=dict)
    #: event -> {"count", "points"}
    deductions: dict[str, dict[str, float]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"score": self.score, "base": self.base, "deducted": self.deducted,
                "indicators": self.indicators, "deductions": self.deductions}


def score(totals: Totals, rules: dict[str, Any]) -> Score:
    """A unit's score for the month from its counters, by the scheme ``rules``."""
    counted: dict[str, tuple[float, float, float]] = {}  # name -> (value, weight, share)
    out = Score(None)
    for name, spec in rules["indicators"].items():
        value = indicator_value(name, totals)
        out.indicators[name] = {"value": value, "weight": float(spec["weight"]),
                                "points": None}
        if value is not None:
            counted[name] = (value, float(spec["weight"]),
                             _share(value, float(spec["full"]), float(spec["zero"])))
    if not counted:
        return out
    weights = sum(w for _v, w, _s in counted.values())
    base = 0.0
    for name, (_value, weight, share) in counted.items():
        points = weight * share * MAX_WEIGHT_TOTAL / weights
        out.indicators[name]["points"] = round(points, 2)
        base += points
    deducted = 0.0
    for name, spec in (rules.get("deductions") or {}).items():
        count = event_count(name, totals)
        points = min(float(spec["cap"]), float(spec["points"]) * count)
        out.deductions[name] = {"count": count, "points": round(points, 2)}
        deducted += points
    deducted = min(deducted, float(rules["max_deduction"]))
    out.base, out.deducted = round(base, 2), round(deducted, 2)
    out.score = round(max(0.0, base - deducted), 2)
    return out


@dataclass
class Ranked:
    key: Any
    score: float | None
    rank: int | None = None
    mark: str = ""  # "red" (红榜), "black" (黑榜) or ""


def rank(scores: dict[Any, float | None], rules: dict[str, Any]) -> dict[Any, Ranked]:
    """Ranks (equal scores share a rank: 1, 2, 2, 4) and the red and black lists: the best
    ``red.size`` scoring at least ``red.at_least``, the worst ``black.size`` scoring below
    ``black.below``; units tied with the last one a list takes are on it too (equal scores,
    equal treatment). A unit not assessed has no rank and is on no list."""
    rows = [Ranked(k, s) for k, s in scores.items()]
    assessed = sorted((r for r in rows if r.score is not None),
                      key=lambda r: (-r.score, str(r.key)))
    previous, place = None, 0
    for i, r in enumerate(assessed, start=1):
        if r.score != previous:
            place, previous = i, r.score
        r.rank = place
    red, black = rules["red"], rules["black"]
    best = [r for r in assessed if r.score >= red["at_least"]]
    if best and red["size"] > 0:
        cut = best[min(red["size"], len(best)) - 1].score
        for r in best:
            if r.score >= cut:
                r.mark = "red"
    worst = [r for r in reversed(assessed) if r.score < black["below"] and not r.mark]
    if worst and black["size"] > 0:
        cut = worst[min(black["size"], len(worst)) - 1].score
        for r in worst:
            if r.score <= cut:
                r.mark = "black"
    return {r.key: r for r in rows}
