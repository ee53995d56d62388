"""Class sheets consolidated into one long table of grades."""

from __future__ import annotations

import pandas as pd

from .. import contract as c
from .issues import IssueLog
from .settings import Settings
from .tables import RawTable, cell_name, display, fold

GRADE_COLUMNS = ["upn", "point", "subject", "grade", "rank", "on_track", "sheet", "cell"]
WELLBEING_COLUMNS = ["upn", "point", "wellbeing", "sheet", "cell"]


def parse_heading(heading: str, settings: Settings) -> tuple[str, str] | None:
    """Split a heading such as 'Spring Maths' into (point, subject).

    Points may contain spaces ("Autumn 1"), so every known point is tried as
    a prefix, longest first.
    """
    folded = fold(heading)
    subjects = settings.subjects + [c.WELLBEING]
    for point in sorted(settings.points, key=len, reverse=True):
        prefix = fold(point) + " "
        if not folded.startswith(prefix):
            continue
        rest = folded[len(prefix):]
        for subject in subjects:
            if fold(subject) == rest:
                return point, subject
    return None


def consolidate(
    class_tables: list[RawTable], pupils: pd.DataFrame, settings: Settings, issues: IssueLog
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return (grades, wellbeing) long tables from every class sheet.

    Grades not on the scale, pupils missing from the register and pupils on
    two class sheets are reported and left out of the figures. A row marked
    Left still counts for the points its pupil has no grade for elsewhere,
    so a pupil who moved class keeps their earlier grades. The typed value
    itself is never changed.
    """
    known = set(pupils["upn"])
    placed: dict[str, str] = {}
    grade_rows: list[list[object]] = []
    wellbeing_rows: list[list[object]] = []
    # A school types the same few grades thousands of times, so each typed value is parsed once.
    # The type is part of the key because True == 1 == 1.0 in a dict.
    grade_of: dict[tuple[type, object], object] = {}
    colour_of: dict[tuple[type, object], str | None] = {}

    entries = []
    for table in class_tables:
        sheet = table.sheet
        columns = _grade_columns(table, settings, issues)
        upn_header = next((h for h in table.header if fold(h) == "upn"), None)
        if upn_header is None:
            issues.add(sheet, table.cell(-1, table.header[0]) if table.header else "A1",
                       None, "This class sheet has no UPN column.",
                       "Left the whole sheet out of the figures. Run Set up class sheets again.")
            continue
        upn_position = table.header.index(upn_header)
        status_position = next((i for i, h in enumerate(table.header) if fold(h) == "status"), None)

        # Plain tuples, not Series rows: indexing a Series per cell cost seconds per school.
        for row in table.frame().itertuples(index=False, name=None):
            left = status_position is not None and fold(row[status_position]) == fold(c.LEFT)
            entries.append((left, table, columns, upn_header, upn_position, row))

    # Rows marked Left come last. A pupil who moved class is then read from
    # their new sheet first, and the old row only adds the points before the move.
    entries.sort(key=lambda entry: entry[0])
    filled: dict[tuple[str, str, str], tuple[str, str, object]] = {}

    for left, table, columns, upn_header, upn_position, row in entries:
        sheet = table.sheet
        index = row[-1]
        upn = row[upn_position]
        has_grades = any(row[position] is not None for position, _, _ in columns)
        if upn is None:
            if has_grades:
                issues.add(sheet, table.cell(index, upn_header), None,
                           "Grades are typed on a row with no UPN.",
                           "Left the row out of the figures. Type the pupil's UPN.")
            continue
        upn = str(display(upn)).strip().upper()
        if upn not in known:
            if has_grades:
                issues.add(sheet, table.cell(index, upn_header), upn,
                           "This pupil is not on the Pupils register (or their register row has a problem).",
                           "Left their grades out of the figures. Add the pupil to the register.")
            continue
        if not left:
            if upn in placed and placed[upn] != sheet:
                issues.add(sheet, table.cell(index, upn_header), upn,
                           f"This pupil is also listed on the '{placed[upn]}' sheet.",
                           f"Used the grades on '{placed[upn]}' only. Remove the other row, "
                           "or run Set up class sheets to mark the old row Left.")
                continue
            if upn in placed:
                issues.add(sheet, table.cell(index, upn_header), upn,
                           "This pupil is listed twice on this sheet.",
                           "Used the first row only. Remove the duplicate row.")
                continue
            placed[upn] = sheet

        for position, point, subject in columns:
            value = row[position]
            if value is None:
                continue
            cell = cell_name(table.first_row + index, table.first_col + position)
            earlier = filled.get((upn, point, subject))
            if earlier is not None:
                if fold(earlier[2]) != fold(value):
                    issues.add(sheet, cell, display(value),
                               f"This pupil has a different {point} {subject} entry on the "
                               f"'{earlier[0]}' sheet ({earlier[1]}: {display(earlier[2])}).",
                               f"Used the entry on '{earlier[0]}'. Clear the one that is wrong.")
                continue
            filled[(upn, point, subject)] = (sheet, cell, value)
            if subject == c.WELLBEING:
                key = (type(value), value)
                if key not in colour_of:
                    colour_of[key] = next((w for w in c.WELLBEING_VALUES if fold(w) == fold(value)), None)
                colour = colour_of[key]
                if colour is None:
                    issues.add(sheet, cell, display(value),
                               "Wellbeing must be Green, Amber or Red.", "Ignored it.")
                    continue
                wellbeing_rows.append([upn, point, colour, sheet, cell])
                continue
            key = (type(value), value)
            if key not in grade_of:
                grade_of[key] = settings.scale.parse(value)
            grade = grade_of[key]
            if grade is None:
                fix = settings.scale.unknown_hint(value, otherwise=" Pick a grade from the dropdown.")
                issues.add(sheet, cell, display(value), "This grade is not on the grade scale.",
                           "Not counted." + fix)
                continue
            grade_rows.append(
                [upn, point, subject, grade.code, grade.rank, grade.on_track, sheet, cell]
            )

    grades = pd.DataFrame(grade_rows, columns=GRADE_COLUMNS).astype({"on_track": bool})
    wellbeing = pd.DataFrame(wellbeing_rows, columns=WELLBEING_COLUMNS)
    return grades, wellbeing


def _grade_columns(
    table: RawTable, settings: Settings, issues: IssueLog
) -> list[tuple[int, str, str]]:
    """Return (position, point, subject) for each grade or wellbeing column."""
    fixed = {fold(col.header) for col in c.CLASS_FIXED_COLUMNS}
    result = []
    seen: set[tuple[str, str]] = set()
    for position, header in enumerate(table.header):
        if header is None or fold(header) in fixed:
            continue
        parsed = parse_heading(str(header), settings)
        if parsed is None:
            # A teacher's own notes column is allowed and ignored, but a heading
            # that starts with a point names a subject the Settings lack.
            point = next((p for p in settings.points if fold(header).startswith(fold(p) + " ")), None)
            if point is not None:
                issues.add(table.sheet, cell_name(table.first_row - 1, table.first_col + position), header,
                           "This column's subject is not in the Subjects table on Settings.",
                           "Its grades are not counted. Add the subject in Settings or rename the column.")
            continue
        if parsed in seen:
            # Name this column's own cell: table.cell() would find the first column of that name.
            issues.add(table.sheet, cell_name(table.first_row - 1, table.first_col + position), header,
                       "This column heading appears twice on the sheet.",
                       "Used the first column only. Rename or remove the second.")
            continue
        seen.add(parsed)
        result.append((position, *parsed))

    expected = [(p, s) for p in settings.points for s in settings.subjects]
    missing = [f"{p} {s}" for p, s in expected if (p, s) not in seen]
    if missing:
        corner = cell_name(table.first_row - 1, table.first_col)
        shown = ", ".join(missing[:6]) + (f" and {len(missing) - 6} more" if len(missing) > 6 else "")
        issues.add(table.sheet, corner, None, f"This class sheet has no column for {shown}.",
                   "Nothing typed is lost. Run Set up class sheets to add the missing columns.")
    return result
