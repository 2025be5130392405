"""How well SMS understanding reads fresh resident messages (tests/data/sms_fresh.tsv):
category, intended responsibility area and district, for the part the keyword tables were
tuned on and for the held-out part nobody tuned on. A message the system would answer with
a question (the stretch is ambiguous, or no place) counts as a miss for area and district.

    .venv/bin/python bench/sms_accuracy.py [--misses] [--rules-only] [--add FILE ...]

``--add FILE`` measures the rows of another file of the same columns as well (a new set
before it joins the data). ``--misses`` lists the misses of every part except the parts
whose name starts with "held": a held-out part only ever shows its aggregate figures.
``--rules-only`` reads with the keyword rules alone, without the learnt model
(``workflows/sms/model.py``), to see what the model adds."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.services.catalogue_defaults import CATALOGUE  # noqa: E402
from tests.sms_helpers import demo_areas, demo_landmarks  # noqa: E402
from workflows.sms import Classifier, Gazetteer  # noqa: E402

FRESH = ROOT / "tests" / "data" / "sms_fresh.tsv"


def rows(paths: list[Path] | None = None) -> list[tuple[str, str, str, str, str]]:
    out = []
    for path in [FRESH, *(paths or [])]:
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line or line.startswith("#") or line.startswith("part\t"):
                continue
            out.append(tuple(line.split("\t")))
    return out


def measure(extra: list[Path] | None = None, learn: bool = True
            ) -> dict[str, dict[str, object]]:
    areas = demo_areas()
    gazetteer = Gazetteer.from_data(areas, demo_landmarks(areas))
    # As the app builds it: the places' names are not problem words.
    classifier = Classifier({e.code: (e.name_zh, *e.keywords) for e in CATALOGUE},
                            place_names=gazetteer.place_names(), learn=learn)
    report: dict[str, dict[str, object]] = {}
    for part, message, category, district, area in rows(extra):
        got = classifier.classify(message).code
        place = gazetteer.locate(message)
        code = place.area_code if place is not None and not place.ambiguous else None
        r = report.setdefault(part, {"n": 0, "category": 0, "area": 0, "district": 0,
                                     "misses": []})
        r["n"] += 1
        r["category"] += got == category
        r["area"] += code == area
        r["district"] += (code or "")[:2] == district
        if got != category or code != area:
            r["misses"].append((message, category, got, area, code))
    return report


def main() -> None:
    args = sys.argv[1:]
    extra = [Path(args[i + 1]) for i, a in enumerate(args) if a == "--add" and i + 1 < len(args)]
    report = measure(extra, learn="--rules-only" not in args)
    for part in sorted(report, key=lambda p: (p == "held", p)):
        r = report[part]
        n = r["n"]
        print(f"{part}: {n} messages — category {r['category']}/{n} "
              f"({100 * r['category'] / n:.1f} %), area {r['area']}/{n} "
              f"({100 * r['area'] / n:.1f} %), district {r['district']}/{n} "
              f"({100 * r['district'] / n:.1f} %)")
        if "--misses" in args and not part.startswith("held"):
            for miss in r["misses"]:
                print("   ", *miss, sep="  ")


if __name__ == "__main__":
    main()
