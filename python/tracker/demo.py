"""A synthetic demo school: invented pupils, grades, support and contact log.

Every name and UPN here is made up. The school has a few deliberate data
problems so the Data issues tab has something to show.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from pathlib import Path

from stdnum.gb import upn as upn_check

from . import contract as c
from .build import ClassSheet, SchoolData, build_workbook, class_headers
from .core.pipeline import RefreshResult
from .refresh import refresh_file

FORENAMES = [
    "Amelia", "Oliver", "Isla", "Noah", "Ava", "Leo", "Mia", "Arthur", "Ivy", "Muhammad", "Freya", "George",
    "Zara", "Theo", "Aisha", "Jack", "Maya", "Harry", "Sophia", "Oscar", "Evie", "Charlie", "Amara", "Finley",
    "Chloé", "Reuben", "Niamh", "Kai", "Sienna", "Dylan", "Priya", "Tomasz", "Ellie", "Yusuf", "Lily", "Jayden",
    "Zoë", "Ibrahim", "Poppy", "Mason", "Ruby", "Kacper", "Hannah", "Ethan", "Sofia", "Rhys", "Fatima", "Callum",
]
SURNAMES = [
    "Smith", "Jones", "Williams", "Brown", "Taylor", "Davies", "Evans", "Wilson", "Patel", "Khan", "Johnson",
    "Roberts", "Walker", "Wright", "Thompson", "O'Brien", "Hughes", "Edwards", "Green", "Hall", "Wood", "Ali",
    "Kowalski", "Nowak", "Okafor", "Mensah", "Clarke", "Jackson", "Lewis", "Hussain", "Begum", "Murphy",
    "Scott", "Turner", "Ahmed", "Martin", "Cooper", "Ward", "Morris", "Bailey", "Smith-Jones", "Ní Bhriain",
]
PROVISIONS = [
    # Provision, subject or area, tier, cost per pupil, PP funded. Most names
    # contain an EEF Toolkit strand, so Spend & impact shows its evidence.
    ("Small-group phonics tutoring", "Reading", "Targeted academic support", 420, "Y"),
    ("Small group tuition: maths (1:3)", "Maths", "Targeted academic support", 540, "Y"),
    ("Reading comprehension strategies: paired reading", "Reading", "Targeted academic support", 180, "Y"),
    ("Oral language interventions (NELI)", "Reading", "Targeted academic support", 260, "Y"),
    ("Feedback: writing conferencing", "Writing", "Teaching", 150, "Y"),
    ("Maths mastery CPD", "Maths", "Teaching", 90, "Y"),
    ("Social and emotional learning: ELSA sessions", "Wellbeing", "Wider strategies", 300, "Y"),
    ("Breakfast club place", "Attendance", "Wider strategies", 190, "Y"),
    ("Educational visits subsidy", "Enrichment", "Wider strategies", 120, "N"),
]


def form_letters(index: int) -> str:
    """Return A, B, ... Z, AA, AB ... for a form's position in its year."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def pupil_ability(rng: random.Random, pp: bool, sen: str) -> float:
    """Return a made-up pupil's ability on the 1-4 grade scale; PP and SEN pupils start lower on average.

    Each grade then adds a little noise, so ability drifts from term to term.
    """
    mean = 3.2
    if pp:
        mean -= 0.4
    if sen != "N":
        mean -= 0.7
    return rng.gauss(mean, 0.55)


def _upn(rng: random.Random, serial: int) -> str:
    base = f"938{rng.randint(1000, 9999)}{rng.randint(15, 25):02d}{serial % 1000:03d}"
    return upn_check.calc_check_digit(base) + base


def make_school(pupils: int = 420, pp_share: float = 0.25, seed: int = 1) -> SchoolData:
    """Return a synthetic two-form-entry primary (by default) with three points of data."""
    if pupils < 7:
        raise ValueError("the demo needs at least 7 pupils, one per year group")
    if not 0 <= pp_share <= 1:
        raise ValueError("the PP share must be from 0 to 1")
    rng = random.Random(seed)
    points = list(c.DEFAULT_POINTS)
    subjects = [s for s, _ in c.DEFAULT_SUBJECTS]
    forms = max(1, round(pupils / 7 / 30))
    data = SchoolData(
        settings={c.SETTING_SCHOOL: "Demo Primary School (synthetic data)", c.SETTING_YEAR: "2025/26",
                  c.SETTING_POINT: "Summer"},
        points=points,
    )
    classes: dict[str, ClassSheet] = {}
    today = date(2026, 7, 10)
    start_of_year = date(2025, 9, 3)

    for serial in range(pupils):
        year = c.YEARS[serial * 7 // pupils]
        form = form_letters(rng.randrange(forms))
        klass = f"{year}{form}"
        pp = rng.random() < pp_share
        category = rng.choices(["FSM/Ever 6", "LAC", "PLAC", "Service"], [90, 3, 3, 4])[0] if pp else None
        sen = rng.choices(["N", "K", "E"], [80, 16, 4] if not pp else [68, 26, 6])[0]
        upn = _upn(rng, serial)
        forename, surname = rng.choice(FORENAMES), rng.choice(SURNAMES)
        attendance = round(min(100.0, rng.gauss(93.5 if pp else 96, 4)), 1)
        narrative = rng.choice([None, None, "Settled well this year.", "Young carer; check in weekly.",
                                "Responds well to praise and small-group work."]) if pp else None
        sen_details = rng.choice(["Speech and language", "Dyslexia screening", "SEMH",
                                  "Autism (diagnosed)"]) if sen != "N" else None
        data.pupils.append([upn, surname, forename, year, klass, "Y" if pp else "N", category, sen, sen_details,
                            rng.choice(["Y", "N", "N", "N"]), attendance, None, narrative])

        ability = pupil_ability(rng, pp, sen)
        row: list[object] = [upn, f"{forename} {surname}", "Y" if pp else "N", sen, c.ON_ROLL]
        for point in points:
            for subject in subjects:
                score = ability + rng.gauss(0, 0.45) + (0.15 if subject == "Reading" else 0)
                row.append(c.DEFAULT_GRADES[max(0, min(3, round(score) - 1))][0])
            row.append(rng.choices(c.WELLBEING_VALUES, [80, 15, 5])[0])
        classes.setdefault(klass, ClassSheet(klass)).rows.append(row)

        if pp:
            _add_support(data, rng, upn, ability, start_of_year)
            for term_start in (date(2025, 10, 1), date(2026, 2, 1), date(2026, 5, 15)):
                if rng.random() < 0.75:
                    when = term_start + timedelta(days=rng.randrange(40))
                    data.log.append([when, upn, "Parent contact", rng.choice(["Phone", "Meeting", "Email"]),
                                     "Discussed progress and support at home.", None])
            if rng.random() < 0.4:
                data.log.append([today - timedelta(days=rng.randrange(60)), upn, "Wellbeing", "Check-in",
                                 "Pupil said they feel settled.", None])

    _add_deliberate_issues(data, classes, rng)
    data.classes = [classes[name] for name in sorted(classes, key=lambda k: (c.YEARS.index(k[0]), k))]
    return data


def _add_support(data: SchoolData, rng: random.Random, upn: str, ability: float, start: date) -> None:
    count = rng.choices([0, 1, 2], [25, 50, 25] if ability < 2.5 else [55, 40, 5])[0]
    for provision, area, tier, cost, funded in rng.sample(PROVISIONS, count):
        begin = start + timedelta(weeks=rng.randrange(0, 30))
        end = begin + timedelta(weeks=rng.choice([6, 10, 12, 40]))
        data.support.append([upn, provision, area, tier, begin, end, cost, funded, "WTS", None, None])


def _add_deliberate_issues(data: SchoolData, classes: dict[str, ClassSheet], rng: random.Random) -> None:
    """Plant a handful of typical mistakes, each a row on Data issues."""
    first_class = classes[sorted(classes)[-1]]
    first_class.rows[0][len(c.CLASS_FIXED_COLUMNS)] = "EXT"  # misspelt grade
    first_class.rows[1][len(c.CLASS_FIXED_COLUMNS) + 1] = " exs "  # alias with stray spaces: accepted
    stranger = _upn(rng, 999)
    first_class.rows.append([stranger, "New Arrival", "N", "N", c.ON_ROLL] + ["EXS"] * 3)  # not on register
    bad_upn = data.pupils[2][0]
    data.pupils[2][0] = ("A" if bad_upn[0] != "A" else "B") + bad_upn[1:]  # wrong check letter
    rows = [row for klass in classes.values() for row in klass.rows] + data.support + data.log
    for row in rows:
        for index, value in enumerate(row):
            if value == bad_upn:
                row[index] = data.pupils[2][0]
    if data.support:
        data.support[0][6] = "£1,2OO"  # a letter O typed for a zero
    data.log.append(["31/02/2026", data.pupils[0][0], "Parent contact", "Phone", "Date typed wrongly.", None])


def write_demo(out: str | Path, pupils: int = 420, pp_share: float = 0.25, seed: int = 1) -> RefreshResult:
    """Build a demo workbook at ``out`` and refresh it."""
    school = make_school(pupils, pp_share, seed)
    build_workbook(out, school)
    return refresh_file(out, now=datetime(2026, 7, 10, 16, 0))


__all__ = ["make_school", "write_demo", "class_headers"]
