"""Turn grades read from teachers' files into writes to empty cells of the class sheets.

Pure planning: the class tables as read go in, and the cells to fill, the
Import log rows and the problems come out. A cell that already holds a
grade is never overwritten: a different grade there is a conflict, reported
with both values and both places.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from ..core.consolidate import parse_heading
from ..core.settings import Settings
from ..core.tables import RawTable, clean_value, column_letter, display, fold
from .records import CONFLICT, IMPORTED, NOT_IMPORTED, LogRow, Problem, Reading


@dataclass(slots=True)
class CellWrite:
    """A value to put in an empty cell of a table body."""

    table: str
    sheet: str
    row: int  # 0-based row of the table body
    column: str  # the column header
    value: object
    cell: str  # A1 reference on the sheet


@dataclass
class GradePlan:
    writes: list[CellWrite] = field(default_factory=list)
    log: list[LogRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    filled: int = 0
    already: int = 0
    conflicts: int = 0


@dataclass(frozen=True)
class _Target:
    table: RawTable
    row: int


def plan_grades(readings: list[Reading], class_tables: list[RawTable], settings: Settings) -> GradePlan:
    """Return the cells to fill for each reading, in the order the readings came."""
    plan = GradePlan()
    targets = _pupil_rows(class_tables)
    parsed_headings: dict[str, tuple[str, str] | None] = {}  # every class sheet has the same headings
    columns = {table.name: _grade_headers(table, settings, parsed_headings) for table in class_tables}

    # Two files that give one pupil different grades for the same point and
    # subject: neither is imported, since choosing one would be a guess.
    first: dict[tuple[str, str, str], Reading] = {}
    disputed: set[tuple[str, str, str]] = set()
    for reading in readings:
        key = (reading.upn, reading.point, reading.subject)
        if key in first and first[key].code != reading.code:
            disputed.add(key)
        first.setdefault(key, reading)

    planned: dict[tuple[str, str, str], CellWrite] = {}
    places: dict[tuple[str, str], tuple[int, str]] = {}  # (table, header): (column position, letters)
    for reading in readings:
        key = (reading.upn, reading.point, reading.subject)
        log = dict(pupil=reading.pupil, upn=reading.upn, column=f"{reading.point} {reading.subject}",
                   value=reading.code, file=reading.file, sheet=reading.sheet, cell=reading.cell)
        note = _note(reading)

        if key in disputed:
            other = next(r for r in readings if (r.upn, r.point, r.subject) == key and r.code != reading.code)
            problem = (f"{reading.pupil}'s {reading.point} {reading.subject} is {reading.code} here but "
                       f"{other.code} in [{other.file}]{other.sheet}!{other.cell}.")
            action = "Imported neither. Correct the wrong file, or type the grade on the class sheet."
            plan.problems.append(Problem(reading.file, reading.sheet, reading.cell, reading.raw, problem, action))
            plan.log.append(LogRow(CONFLICT, **log, note=problem + " " + action))
            plan.conflicts += 1
            continue

        target = targets.get(reading.upn)
        if target is None:
            problem = f"{reading.pupil} has no row on any class sheet."
            action = "Not imported. Run Set up class sheets, then import again."
            plan.problems.append(Problem(reading.file, reading.sheet, reading.cell, reading.raw, problem, action))
            plan.log.append(LogRow(NOT_IMPORTED, **log, note=problem + " " + action))
            continue
        table = target.table
        header = columns[table.name].get((reading.point, reading.subject))
        if header is None:
            problem = f"The '{table.sheet}' sheet has no '{reading.point} {reading.subject}' column."
            action = ("Not imported. Check the points and subjects on Settings and run Set up class "
                      "sheets, then import again.")
            plan.problems.append(Problem(reading.file, reading.sheet, reading.cell, reading.raw, problem, action))
            plan.log.append(LogRow(NOT_IMPORTED, **log, note=problem + " " + action))
            continue

        place = places.get((table.name, header))
        if place is None:
            place = places[(table.name, header)] = _place(table, header)
        col, letters = place
        cell = f"{letters}{table.first_row + target.row}"
        log.update(target_sheet=table.sheet, target_cell=cell)
        values = table.rows[target.row]
        existing = clean_value(values[col]) if col < len(values) else None
        if key in planned or (existing is not None and _same_grade(existing, reading.code, settings)):
            if key not in planned:
                plan.already += 1
            plan.log.append(LogRow(IMPORTED, **log, note=note))
            continue
        if existing is not None:
            shown = display(existing)
            problem = (f"'{table.sheet}'!{cell} already holds {shown} for {reading.pupil} "
                       f"({reading.point} {reading.subject}); this file has {reading.code}.")
            action = f"Kept {shown}. If {reading.code} is right, type it over {shown} on the class sheet."
            plan.problems.append(Problem(reading.file, reading.sheet, reading.cell, reading.raw, problem, action))
            plan.log.append(LogRow(CONFLICT, **log, old=shown, note=problem + " " + action))
            plan.conflicts += 1
            continue

        write = CellWrite(table.name, table.sheet, target.row, header, reading.code, cell)
        planned[key] = write
        plan.writes.append(write)
        plan.filled += 1
        plan.log.append(LogRow(IMPORTED, **log, note=note))
    return plan


def _note(reading: Reading) -> str | None:
    notes = []
    if reading.raw != reading.code and _folded(reading.raw) != _folded(reading.code):
        notes.append(f"Typed as '{reading.raw}'.")
    if reading.point_assumed:
        notes.append(f"No point in the file's headings, so the current point ({reading.point}) was used.")
    if reading.hidden_row:
        notes.append("The row is hidden in the file; the pupil may have left.")
    return " ".join(notes) or None


@lru_cache(maxsize=1024, typed=True)
def _folded(value: object) -> str:
    # A few spellings of each grade recur on every row of every file.
    return fold(value)


def _same_grade(existing: object, code: str, settings: Settings) -> bool:
    grade = settings.scale.parse(display(existing))
    return grade is not None and grade.code == code


def _place(table: RawTable, header: str) -> tuple[int, str]:
    """Return a column's position in the table and its letters on the sheet."""
    col = table.header.index(header)
    return col, column_letter(table.first_col + col)


def _pupil_rows(class_tables: list[RawTable]) -> dict[str, _Target]:
    """Return {UPN: the first class table row that lists the pupil}."""
    rows: dict[str, _Target] = {}
    for table in class_tables:
        upn_header = next((h for h in table.header if fold(h) == "upn"), None)
        if upn_header is None:
            continue
        col = table.header.index(upn_header)
        for index, values in enumerate(table.rows):
            upn = clean_value(values[col]) if col < len(values) else None
            if upn is None:
                continue
            rows.setdefault(str(display(upn)).strip().upper(), _Target(table, index))
    return rows


def _grade_headers(table: RawTable, settings: Settings,
                   parsed_headings: dict[str, tuple[str, str] | None]) -> dict[tuple[str, str], str]:
    """Return {(point, subject): header} for a class table; ``parsed_headings`` caches parse_heading."""
    headers: dict[tuple[str, str], str] = {}
    for header in table.header:
        text = str(header)
        if text not in parsed_headings:
            parsed_headings[text] = parse_heading(text, settings)
        parsed = parsed_headings[text]
        if parsed is not None:
            headers.setdefault(parsed, header)
    return headers
