"""Settings, assessment points, subjects and the grade scale."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

from .. import contract as c
from .issues import IssueLog
from .tables import RawTable, display, fold


@dataclass(frozen=True)
class Grade:
    code: str
    meaning: str
    rank: float
    on_track: bool


@dataclass
class GradeScale:
    """The school's grade codes, with every alias mapped to its code."""

    grades: dict[str, Grade]
    lookup: dict[str, str] = field(default_factory=dict)

    def parse(self, value: object) -> Grade | None:
        """Return the grade for a typed value, or None when it is not on the scale."""
        key = normalise_grade_text(value)
        code = self.lookup.get(key)
        return self.grades[code] if code else None

    def unknown_hint(self, value: object,
                     otherwise: str = " Use a grade from the Grades table on Settings.") -> str:
        """Return the fix for a value not on the scale: the closest code, or where to add it."""
        if re.fullmatch(r"\s*\d+(\.0+)?\s*", str(value)):
            return (" If your school writes grades as numbers, add each number to the Aliases of its grade "
                    "in the Grades table on Settings.")
        hint = self.suggestion(value)
        return f" Did you mean {hint}?" if hint else otherwise

    def suggestion(self, value: object) -> str | None:
        """Return the closest code or alias, for a 'did you mean' hint."""
        key = normalise_grade_text(value)
        close = difflib.get_close_matches(key, list(self.lookup), n=1, cutoff=0.6)
        return self.lookup[close[0]] if close else None


def normalise_grade_text(value: object) -> str:
    """Return a grade as matched: folded, dots dropped ("W.T.S"), hyphens as spaces."""
    text = fold(value).replace(".", "")
    return re.sub(r"[\s\-_]+", " ", text).strip()


@dataclass
class Settings:
    school: str
    academic_year: str
    current_point: str
    attendance_threshold: float  # percent, e.g. 90.0
    small_group: int
    service_counts_as_pp: bool
    points: list[str]
    subjects: list[str]
    combined_subjects: list[str]
    scale: GradeScale

    @property
    def previous_point(self) -> str | None:
        index = self.points.index(self.current_point)
        return self.points[index - 1] if index > 0 else None


def yes(value: object) -> bool | None:
    """Return True for Y/Yes, False for N/No and None for anything else."""
    text = fold(value)
    if text in ("y", "yes", "true", "1"):
        return True
    if text in ("n", "no", "false", "0"):
        return False
    return None


def parse_settings(tables: dict[str, RawTable], issues: IssueLog) -> Settings:
    """Read the Settings, Points, Subjects and Grades tables, reporting bad cells.

    A bad setting falls back to its default, so one typo never stops a refresh.
    """
    values = _key_values(tables[c.SETTINGS_TABLE], issues)
    defaults = dict(c.DEFAULT_SETTINGS)

    def text_setting(name: str) -> str:
        value = values.get(name, (None, ""))[0]
        return str(display(value)) if value is not None else str(defaults[name])

    def number_setting(name: str, low: float, high: float) -> float:
        value, cell = values.get(name, (None, ""))
        if value is None:
            return float(defaults[name])
        number = _number(value)
        if number is None or not low <= number <= high:
            issues.add(
                c.SETTINGS_SHEET, cell, display(value),
                f"'{name}' must be a number from {low:g} to {high:g}.",
                f"Used the default, {defaults[name]}.",
            )
            return float(defaults[name])
        return number

    points = _single_column(tables[c.POINTS_TABLE], issues) or list(c.DEFAULT_POINTS)
    subjects_table = tables[c.SUBJECTS_TABLE]
    subjects, combined = _subjects(subjects_table, issues)
    scale = _grade_scale(tables[c.GRADES_TABLE], issues)

    current = text_setting(c.SETTING_POINT)
    if current not in points:
        matches = [p for p in points if fold(p) == fold(current)]
        if matches:
            current = matches[0]
        else:
            # A typo such as "Autum" should not silently switch the whole
            # summary to the last point of the year.
            cell = values.get(c.SETTING_POINT, (None, ""))[1]
            close = difflib.get_close_matches(fold(current), [fold(p) for p in points], n=1, cutoff=0.75)
            chosen = next((p for p in points if close and fold(p) == close[0]), points[-1])
            issues.add(
                c.SETTINGS_SHEET, cell, current,
                f"The current assessment point '{current}' is not in the Points table.",
                f"Used '{chosen}'. Pick a point from the dropdown.",
            )
            current = chosen

    service_value, service_cell = values.get(c.SETTING_SERVICE_AS_PP, (None, ""))
    service = yes(service_value) if service_value is not None else False
    if service is None:
        issues.add(
            c.SETTINGS_SHEET, service_cell, display(service_value),
            f"'{c.SETTING_SERVICE_AS_PP}' must be Y or N.",
            "Used N: service premium pupils are not counted as PP.",
        )
        service = False

    academic_year = text_setting(c.SETTING_YEAR)
    if not re.fullmatch(r"\d{4}\s*[/-]\s*(\d{2}|\d{4})", academic_year.strip()):
        cell = values.get(c.SETTING_YEAR, (None, ""))[1]
        issues.add(
            c.SETTINGS_SHEET, cell, academic_year,
            "The academic year should look like 2025/26.",
            "Kept the text as typed. Terms for 'no parent contact this term' use the year "
            "of the refresh instead.",
        )

    threshold = number_setting(c.SETTING_ATTENDANCE, 0, 100)
    return Settings(
        school=text_setting(c.SETTING_SCHOOL),
        academic_year=academic_year,
        current_point=current,
        attendance_threshold=threshold,
        small_group=int(number_setting(c.SETTING_SMALL_GROUP, 1, 100)),
        service_counts_as_pp=service,
        points=points,
        subjects=subjects,
        combined_subjects=combined,
        scale=scale,
    )


def _number(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    text = str(value).strip().rstrip("%").replace(",", "").strip()
    try:
        return float(text)
    except ValueError:
        return None


def _key_values(table: RawTable, issues: IssueLog) -> dict[str, tuple[object, str]]:
    """Return {setting name: (value, cell)} from the two-column Settings table."""
    frame = table.frame()
    result = {}
    known = {fold(name): name for name, _ in c.DEFAULT_SETTINGS}
    for _, row in frame.iterrows():
        key = row.iloc[0]
        name = known.get(fold(key))
        if name is None:
            if key is not None:
                issues.add(
                    c.SETTINGS_SHEET, table.cell(row["_row"], table.header[0]), key,
                    "This setting is not one pptracker knows.", "Ignored it.",
                )
            continue
        result[name] = (row.iloc[1], table.cell(row["_row"], table.header[1]))
    return result


def _single_column(table: RawTable, issues: IssueLog) -> list[str]:
    names: list[str] = []
    for _, row in table.frame().iterrows():
        value = row.iloc[0]
        if value is None:
            continue
        name = str(display(value))
        if name in names:
            issues.add(
                c.SETTINGS_SHEET, table.cell(row["_row"], table.header[0]), name,
                f"'{name}' is listed twice in the {table.name} table.", "Used the first one.",
            )
            continue
        names.append(name)
    return names


def _subjects(table: RawTable, issues: IssueLog) -> tuple[list[str], list[str]]:
    subjects: list[str] = []
    combined: list[str] = []
    for _, row in table.frame().iterrows():
        name = row.iloc[0]
        if name is None:
            continue
        name = str(name)
        if name in subjects:
            issues.add(
                c.SETTINGS_SHEET, table.cell(row["_row"], table.header[0]), name,
                f"The subject '{name}' is listed twice.", "Used the first one.",
            )
            continue
        subjects.append(name)
        flag = yes(row.iloc[1]) if len(row) > 2 else None
        if flag is None and row.iloc[1] is not None:
            issues.add(
                c.SETTINGS_SHEET, table.cell(row["_row"], table.header[1]), display(row.iloc[1]),
                "'In combined' must be Y or N.", f"Left {name} out of Combined.",
            )
        if flag:
            combined.append(name)
    if not subjects:
        subjects = [name for name, _ in c.DEFAULT_SUBJECTS]
        combined = [name for name, flag in c.DEFAULT_SUBJECTS if flag == "Y"]
    elif not combined:
        issues.add(c.SETTINGS_SHEET, table.cell(-1, table.header[1]), None,
                   "No subject is marked Y in 'In combined', so there is no Combined figure.",
                   f"Left Combined out; the headline uses {subjects[0]}. Mark the subjects that make up "
                   "Combined with Y.")
    return subjects, combined


def _grade_scale(table: RawTable, issues: IssueLog) -> GradeScale:
    grades: dict[str, Grade] = {}
    lookup: dict[str, str] = {}
    rows = [(row, row["_row"]) for _, row in table.frame().iterrows()]
    if not rows:
        rows = [
            (dict(zip(range(5), values)), None) for values in c.DEFAULT_GRADES
        ]
    for position, (row, index) in enumerate(rows):
        values = [row[i] if index is None else row.iloc[i] for i in range(5)]
        code, meaning, rank, on_track, aliases = values
        if code is None:
            continue
        code = str(display(code))
        cell = table.cell(index, table.header[0]) if index is not None else ""
        if code in grades:
            issues.add(c.SETTINGS_SHEET, cell, code, f"The grade code '{code}' is listed twice.",
                       "Used the first row. Give each grade its own code.")
            continue
        rank_number = _number(rank) if rank is not None else float(position + 1)
        if rank_number is None:
            issues.add(
                c.SETTINGS_SHEET, table.cell(index, table.header[2]), display(rank),
                f"The rank of grade '{code}' is not a number.", f"Used {position + 1}.",
            )
            rank_number = float(position + 1)
        track = yes(on_track)
        if track is None:
            issues.add(
                c.SETTINGS_SHEET, table.cell(index, table.header[3]) if index is not None else "",
                display(on_track), f"'On track' for grade '{code}' must be Y or N.",
                "Counted it as not on track.",
            )
            track = False
        grades[code] = Grade(code, "" if meaning is None else str(meaning), rank_number, track)
        names = [code, str(meaning or "")] + [a for a in str(aliases or "").split(",")]
        for name in names:
            key = normalise_grade_text(name)
            if not key:
                continue
            if key in lookup and lookup[key] != code:
                issues.add(
                    c.SETTINGS_SHEET, cell, name,
                    f"'{name}' is an alias of both {lookup[key]} and {code}.",
                    f"Kept it for {lookup[key]}.",
                )
                continue
            lookup[key] = code
    return GradeScale(grades, lookup)
