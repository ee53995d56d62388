"""Build synthetic benchmark workbooks: a three-form-entry primary, or a trust of them.

One school has 630 pupils (Reception to Year 6, three classes of 30 in
each year), six assessment points, four subjects, support rows for most
PP pupils and a contact log. A trust of N schools puts N such schools in
one workbook: one register and 21 class sheets per school. Every name and
UPN is invented, and the same arguments always give the same workbook.

Usage: python benchmarks/make_school.py OUT.xlsm [--schools N]
"""

from __future__ import annotations

import argparse
import random
from datetime import date, timedelta
from pathlib import Path

from stdnum.gb import upn as upn_check

from tracker import contract as c
from tracker.build import ClassSheet, SchoolData, build_workbook
from tracker.demo import pupil_ability

POINTS = ["Autumn 1", "Autumn 2", "Spring 1", "Spring 2", "Summer 1", "Summer 2"]
SUBJECTS = [("Reading", "Y"), ("Writing", "Y"), ("Maths", "Y"), ("Science", "N")]
FORMS = ("A", "B", "C")
CLASS_SIZE = 30
PUPILS_PER_SCHOOL = len(c.YEARS) * len(FORMS) * CLASS_SIZE
FORENAMES = ["Amelia", "Oliver", "Isla", "Noah", "Ava", "Leo", "Mia", "Arthur", "Ivy", "Muhammad", "Freya",
             "George", "Zara", "Theo", "Aisha", "Jack", "Maya", "Harry", "Sophia", "Oscar", "Evie", "Kacper"]
SURNAMES = ["Smith", "Jones", "Williams", "Brown", "Taylor", "Davies", "Evans", "Wilson", "Patel", "Khan",
            "Roberts", "Walker", "Wright", "Thompson", "O'Brien", "Hughes", "Okafor", "Nowak", "Begum", "Ali"]
PROVISIONS = [
    ("Small-group phonics", "Reading", "Targeted academic support", 420),
    ("1:3 maths tuition", "Maths", "Targeted academic support", 540),
    ("Writing conferencing", "Writing", "Teaching", 150),
    ("ELSA sessions", "Wellbeing", "Wider strategies", 300),
    ("Breakfast club place", "Attendance", "Wider strategies", 190),
]
GRADES = [code for code, *_ in c.DEFAULT_GRADES]
ACADEMIC_YEAR = "2025/26"
YEAR_START = date(2025, 9, 3)


def make_upn(school: int, serial: int) -> str:
    """Return a valid, invented UPN unique to a school and pupil number."""
    base = f"938{2000 + school:04d}{serial:05d}"
    return upn_check.calc_check_digit(base) + base


def make_trust(schools: int = 1, seed: int = 1) -> SchoolData:
    """Return the SchoolData for ``schools`` three-form-entry primaries in one workbook."""
    rng = random.Random(seed)
    data = SchoolData(
        settings={c.SETTING_SCHOOL: f"Benchmark trust of {schools} (synthetic data)",
                  c.SETTING_YEAR: ACADEMIC_YEAR, c.SETTING_POINT: POINTS[-1]},
        points=list(POINTS),
        subjects=list(SUBJECTS),
    )
    subjects = [name for name, _ in SUBJECTS]
    for school in range(1, schools + 1):
        prefix = f"{school:02d} " if schools > 1 else ""
        for year_index, year in enumerate(c.YEARS):
            for form in FORMS:
                klass = ClassSheet(f"{prefix}{year}{form}")
                for place in range(CLASS_SIZE):
                    serial = (year_index * len(FORMS) + FORMS.index(form)) * CLASS_SIZE + place
                    _add_pupil(data, klass, rng, make_upn(school, serial), year, subjects)
                data.classes.append(klass)
    return data


def _add_pupil(data: SchoolData, klass: ClassSheet, rng: random.Random, upn: str, year: str,
               subjects: list[str]) -> None:
    pp = rng.random() < 0.25
    sen = rng.choices(["N", "K", "E"], [80, 16, 4])[0]
    forename, surname = rng.choice(FORENAMES), rng.choice(SURNAMES)
    attendance = round(min(100.0, rng.gauss(93.5 if pp else 96, 4)), 1)
    data.pupils.append([upn, surname, forename, year, klass.name, "Y" if pp else "N",
                        "FSM/Ever 6" if pp else None, sen, "Speech and language" if sen != "N" else None,
                        rng.choice(["Y", "N", "N", "N"]), attendance, None,
                        "Young carer; check in weekly." if pp and rng.random() < 0.2 else None])

    ability = pupil_ability(rng, pp, sen)
    row: list[object] = [upn, f"{forename} {surname}", "Y" if pp else "N", sen, c.ON_ROLL]
    for _ in POINTS:
        for _subject in subjects:
            row.append(GRADES[max(0, min(3, round(ability + rng.gauss(0, 0.45)) - 1))])
        row.append(rng.choices(c.WELLBEING_VALUES, [80, 15, 5])[0])
    klass.rows.append(row)

    if pp:
        for provision, area, tier, cost in rng.sample(PROVISIONS, rng.choice([0, 1, 1, 2])):
            start = YEAR_START + timedelta(weeks=rng.randrange(30))
            data.support.append([upn, provision, area, tier, start, start + timedelta(weeks=12), cost, "Y",
                                 "WTS", None, None])
        for month in (10, 2, 5):
            when = date(2025 if month > 8 else 2026, month, 1 + rng.randrange(27))
            data.log.append([when, upn, "Parent contact", "Phone", "Talked about progress.", None])


def build(out: str | Path, schools: int = 1, seed: int = 1) -> Path:
    """Build the benchmark workbook for ``schools`` schools at ``out``."""
    return build_workbook(out, make_trust(schools, seed))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", help="where to write the workbook (.xlsm)")
    parser.add_argument("--schools", type=int, default=1, help="number of 630-pupil schools (default 1)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    args = parser.parse_args()
    path = build(args.out, args.schools, args.seed)
    print(f"Wrote {path}: {args.schools * PUPILS_PER_SCHOOL} pupils in {args.schools} school(s).")


if __name__ == "__main__":
    main()
