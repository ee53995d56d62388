"""The support list and the contact log, matched to pupils."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pandas as pd

from .. import contract as c
from .issues import IssueLog
from .settings import Settings, yes
from .tables import RawTable, display, fold

SUPPORT_FIELDS = [
    "upn", "provision", "area", "tier", "start", "end", "cost", "pp_funded",
    "entry_grade", "exit_grade", "notes", "row",
]
LOG_FIELDS = ["date", "upn", "kind", "method", "summary", "follow_up", "row"]

# Excel stores dates as days since 30 December 1899 (the 1900 date system).
EXCEL_EPOCH = date(1899, 12, 30)


def parse_date(value: object) -> date | None:
    """Return a date from an Excel date, a serial number or UK-style text."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if 1 <= value < 2958466:
            return EXCEL_EPOCH + timedelta(days=int(value))
        return None
    text = str(value).strip()
    for pattern in ("%d/%m/%Y", "%d/%m/%y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d",
                    "%d %B %Y", "%d %b %Y", "%d %B %y", "%d %b %y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def parse_cost(value: object) -> float | None:
    """Return a cost in pounds from a number or text such as '£1,200'."""
    if value is None:
        return None
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    text = re.sub(r"[£,\s]", "", str(value))
    text = re.sub(r"(?i)gbp", "", text)
    try:
        return float(text)
    except ValueError:
        return None


class PupilMatcher:
    """Finds a pupil by UPN or by name, refusing to guess between two pupils."""

    def __init__(self, pupils: pd.DataFrame):
        self.upns = set(pupils["upn"])
        self.by_name: dict[str, list[str]] = {}
        for pupil in pupils.itertuples():
            forename, surname = fold(pupil.forename), fold(pupil.surname)
            for key in {f"{forename} {surname}", f"{surname} {forename}", f"{surname}, {forename}"}:
                self.by_name.setdefault(key.strip(" ,"), []).append(pupil.upn)

    def match(self, value: object) -> tuple[str | None, str | None]:
        """Return (upn, None) on a match, else (None, the reason)."""
        text = str(display(value)).strip()
        if text.upper() in self.upns:
            return text.upper(), None
        found = sorted(set(self.by_name.get(fold(text), [])))
        if len(found) == 1:
            return found[0], None
        if len(found) > 1:
            return None, f"More than one pupil is called '{text}'."
        return None, f"No pupil on the register matches '{text}'."


def parse_support(
    table: RawTable, matcher: PupilMatcher, settings: Settings, issues: IssueLog
) -> pd.DataFrame:
    """Return the support list with dates, costs and grades parsed."""
    sheet = table.sheet
    records = []
    for _, row in table.frame().iterrows():
        index = row["_row"]

        def cell(header: str) -> str:
            return table.cell(index, header)

        upn, reason = matcher.match(row["Pupil"]) if row["Pupil"] is not None else (None, "The pupil is missing.")
        if upn is None:
            issues.add(sheet, cell("Pupil"), display(row["Pupil"]), reason,
                       "Left this support out. Use the pupil's UPN to be exact.")
            continue
        if row["Provision"] is None:
            issues.add(sheet, cell("Provision"), None, "The provision is missing.",
                       "Kept the row as 'Unnamed provision'. Type what the support is.")

        start, end = parse_date(row["Start"]), parse_date(row["End"])
        for header, raw, parsed in (("Start", row["Start"], start), ("End", row["End"], end)):
            if raw is not None and parsed is None:
                issues.add(sheet, cell(header), display(raw), "This is not a date.",
                           "Treated the date as blank. Type it as dd/mm/yyyy.")
        if start and end and end < start:
            issues.add(sheet, cell("End"), display(row["End"]), "The end date is before the start date.",
                       "Treated the support as ending on its start date.")
            end = start

        cost = parse_cost(row["Cost (£)"])
        if row["Cost (£)"] is not None and cost is None:
            issues.add(sheet, cell("Cost (£)"), display(row["Cost (£)"]), "This cost is not an amount in pounds.",
                       "Treated the cost as blank. Type a number such as 1200.")
        if cost is not None and cost < 0:
            issues.add(sheet, cell("Cost (£)"), display(row["Cost (£)"]), "The cost is negative.",
                       "Treated the cost as blank. Type the amount spent.")
            cost = None

        tier = next((t for t in c.TIERS if fold(t) == fold(row["Tier"])), None)
        if row["Tier"] is not None and tier is None:
            issues.add(sheet, cell("Tier"), display(row["Tier"]),
                       "The tier must be Teaching, Targeted academic support or Wider strategies.",
                       "Left the tier blank. Pick one from the dropdown.")

        grades = []
        for header in ("Entry grade", "Exit grade"):
            grade = settings.scale.parse(row[header]) if row[header] is not None else None
            if row[header] is not None and grade is None:
                issues.add(sheet, cell(header), display(row[header]), "This grade is not on the grade scale.",
                           "Treated it as blank.")
            grades.append(grade.code if grade else None)

        funded = yes(row["PP funded"]) if row["PP funded"] is not None else None
        if row["PP funded"] is not None and funded is None:
            issues.add(sheet, cell("PP funded"), display(row["PP funded"]), "PP funded must be Y or N.",
                       "Treated as not PP funded.")
        records.append({
            "upn": upn,
            "provision": str(row["Provision"]) if row["Provision"] is not None else "Unnamed provision",
            "area": None if row["Subject or area"] is None else str(row["Subject or area"]),
            "tier": tier,
            "start": start,
            "end": end,
            "cost": cost,
            "pp_funded": bool(funded),
            "entry_grade": grades[0],
            "exit_grade": grades[1],
            "notes": row["Notes"],
            "row": index,
        })
    # Object columns keep blank cells as None under pandas 3's string inference.
    return pd.DataFrame(records, columns=SUPPORT_FIELDS, dtype=object)


def parse_log(table: RawTable, matcher: PupilMatcher, issues: IssueLog) -> pd.DataFrame:
    sheet = table.sheet
    records = []
    for _, row in table.frame().iterrows():
        index = row["_row"]
        when = parse_date(row["Date"])
        if when is None:
            issues.add(sheet, table.cell(index, "Date"), display(row["Date"]),
                       "The date is missing or is not a date.",
                       "Left this log entry out. Type the date as dd/mm/yyyy.")
            continue
        upn, reason = matcher.match(row["Pupil"]) if row["Pupil"] is not None else (None, "The pupil is missing.")
        if upn is None:
            issues.add(sheet, table.cell(index, "Pupil"), display(row["Pupil"]), reason,
                       "Left this log entry out. Use the pupil's UPN to be exact.")
            continue
        kind = next((k for k in c.LOG_KINDS if fold(k) == fold(row["Kind"])), None)
        if kind is None:
            issues.add(sheet, table.cell(index, "Kind"), display(row["Kind"]),
                       "The kind must be Wellbeing, Parent contact or Pupil voice.",
                       "Left this log entry out. Pick a kind from the dropdown.")
            continue
        records.append({
            "date": when, "upn": upn, "kind": kind, "method": row["Method"],
            "summary": row["Summary"], "follow_up": row["Follow-up"], "row": index,
        })
    return pd.DataFrame(records, columns=LOG_FIELDS, dtype=object)


def point_date(point: str, academic_year: str, today: date) -> date:
    """Return the date a term-named point is taken as assessed: the end of its term or half-term.

    "Autumn 1" (a first half-term) ends halfway through the Autumn term and
    "Autumn 2", like plain "Autumn", at its end.
    """
    start, end = term_window(point, academic_year, today)
    # NOTE: halfway is an estimate of the half-term holiday, which each local authority sets.
    if fold(point).split(" ")[-1] == "1":
        return start + (end - start) / 2
    return end


def term_window(point: str, academic_year: str, today: date) -> tuple[date, date]:
    """Return the first and last day of the term an assessment point falls in.

    Points named after terms (Autumn, Spring, Summer, with or without a
    half-term number) use the usual English term months. Any other name
    falls back to the 13 weeks before today.
    """
    match = re.match(r"\s*(\d{4})", academic_year or "")
    if match:
        start_year = int(match.group(1))
    elif today.month >= 9:
        start_year = today.year
    else:
        start_year = today.year - 1
    word = fold(point).split(" ")[0] if point else ""
    if word.startswith("aut"):
        return date(start_year, 9, 1), date(start_year, 12, 31)
    if word.startswith("spr"):
        return date(start_year + 1, 1, 1), date(start_year + 1, 4, 30)
    if word.startswith("sum"):
        return date(start_year + 1, 5, 1), date(start_year + 1, 8, 31)
    return today - timedelta(weeks=13), today
