"""Read teachers' pupil progress sheets into grades matched to pupils.

This is the reading half of an import and does no I/O of its own: a
`SourceSheet` goes in and readings, problems and a summary come out.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..core.register import parse_year
from ..core.settings import Grade, GradeScale
from ..core.tables import column_letter, display
from .headers import HEADER_SCAN_ROWS, GradeColumn, HeaderLayout, Vocabulary, clean_header, find_header, header_key
from .matching import Roster
from .records import Problem, Reading, SheetSummary, plural
from .sources import SourceSheet

# First words of the rows under a class list that hold figures, not pupils.
TOTAL_WORDS = frozenset({
    "total", "totals", "average", "averages", "mean", "median", "count", "sum", "number", "percentage",
    "percent", "overall", "summary", "key", "no", "class", "pp", "non", "boys", "girls", "all",
})


@dataclass
class ProgressContext:
    """The school's points, subjects, grade scale and register, for reading progress sheets."""

    vocabulary: Vocabulary
    roster: Roster
    scale: GradeScale
    current_point: str
    _grades: dict[tuple[type, object], Grade | None] = field(default_factory=dict, repr=False)

    _texts: dict[str, bool] = field(default_factory=dict, repr=False)

    def grade(self, value: object) -> Grade | None:
        """Return the grade for a typed value, as ``scale.parse`` does, looking each value up once."""
        key = (type(value), value)  # so that 1, 1.0 and True stay apart
        if key not in self._grades:
            self._grades[key] = self.scale.parse(value)
        return self._grades[key]

    def has_text(self, value: object) -> bool:
        """Return whether a cell contains something other than spaces, checking each text once."""
        if value is None:
            return False
        if not isinstance(value, str):
            return bool(clean_header(value))
        known = self._texts.get(value)
        if known is None:
            known = self._texts[value] = bool(clean_header(value))
        return known


@dataclass
class SheetReading:
    summary: SheetSummary
    readings: list[Reading] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def read_progress_sheet(sheet: SourceSheet, context: ProgressContext) -> SheetReading:
    """Return every grade on a sheet matched to a pupil, and what could not be read.

    Blank rows, rows of figures under the class list (totals, averages,
    percentages) and rows without grades are passed over. Hidden rows are
    read and counted, since a hidden row is often a pupil who left.
    """
    layout = find_header(sheet, context.vocabulary)
    if layout is None:
        summary = SheetSummary(
            sheet.file, sheet.name, used=False,
            reason=f"no header row in the first {HEADER_SCAN_ROWS} rows names both a pupil column "
                   "(Name, Pupil or UPN) and grade columns (a subject such as Maths, under or beside its point)",
            fix="Skipped this sheet. If it contains grades, put the column headings in one row, or two rows "
                "with the points above the subjects, then import again.",
        )
        return SheetReading(summary)

    result = SheetReading(SheetSummary(sheet.file, sheet.name, used=True))
    titles = [clean_header(v) for row in sheet.rows[:layout.row] for v in row if v is not None]
    sheet_class = context.roster.class_in(sheet.name, " ".join(titles), sheet.file)
    sheet_point = _point_from(context.vocabulary, sheet.name, titles, sheet.file)
    for col, header in layout.duplicates:
        result.problems.append(Problem(
            sheet.file, sheet.name, sheet.cell(layout.row, col), header,
            "This column heading repeats an earlier one on the sheet.",
            "Read the first column with this heading only. Rename or remove the repeat.",
        ))

    # Each grade column with its letters, so a cell's reference is one concatenation.
    columns = [(column, column_letter(column.col + 1)) for column in layout.grades]
    for row in range(layout.row + 1, len(sheet.rows)):
        _read_row(sheet, row, layout, columns, sheet_class, sheet_point, context, result)
    return result


def _point_from(vocabulary: Vocabulary, sheet_name: str, titles: list[str], file: str) -> str | None:
    for text in [sheet_name, *titles, file]:
        point = vocabulary.point_in(text)
        if point:
            return point
    return None


def _read_row(sheet: SourceSheet, row: int, layout: HeaderLayout, columns: list[tuple[GradeColumn, str]],
              sheet_class: str | None, sheet_point: str | None, context: ProgressContext,
              result: SheetReading) -> None:
    roles = layout.roles
    values = sheet.rows[row]
    width = len(values)

    def value(role: str) -> object:
        col = roles.get(role)
        return values[col] if col is not None and col < width else None

    grade_cells = []
    for column, letters in columns:
        raw = values[column.col] if column.col < width else None
        if context.has_text(raw):
            grade_cells.append((column, letters, raw))
    if not grade_cells:
        return
    names = _names(value("name"), value("forename"), value("surname"))
    upn = value("upn")
    if not names and upn is None:
        if all(isinstance(v, (int, float)) or "%" in str(v) for _, _, v in grade_cells):
            return  # a row of counts or percentages under the list
        column, _, raw = grade_cells[0]
        result.problems.append(Problem(
            sheet.file, sheet.name, sheet.cell(row, column.col), display(raw),
            "Grades are typed on a row with no pupil name.",
            "Not imported. Type the pupil's name on this row.",
        ))
        return

    hidden = row in sheet.hidden_rows
    klass = value("class")
    klass = str(display(klass)).strip() if klass is not None else sheet_class
    year = parse_year(value("year")) if value("year") is not None else None
    match = context.roster.match(upn, names, klass, year)
    if match.pupil is None:
        if upn is None and _is_totals_label(names[0]):
            return
        name_col = next((roles[r] for r in ("name", "surname", "forename", "upn") if r in roles), 0)
        if hidden:
            result.summary.hidden_rows += 1
        result.problems.append(Problem(
            sheet.file, sheet.name, sheet.cell(row, name_col), names[0] if names else display(upn),
            match.problem or "This pupil is not on the register.",
            f"Not imported ({plural(len(grade_cells), 'grade')}). Correct the name or add the UPN, then import again."
            + (" The row is hidden in the file, so the pupil may have left." if hidden else ""),
            pupil=names[0] if names else None, upn=str(display(upn)) if upn is not None else None,
            column=_column_name(grade_cells[0][0]) if len(grade_cells) == 1 else None,
        ))
        return

    result.summary.rows += 1
    if hidden:
        result.summary.hidden_rows += 1
    number = str(row + 1)
    for column, letters, raw in grade_cells:
        _read_grade(sheet, letters + number, column, raw, match.pupil, sheet_point, hidden, context, result)


def _read_grade(sheet: SourceSheet, cell: str, column: GradeColumn, raw: object, pupil, sheet_point: str | None,
                hidden: bool, context: ProgressContext, result: SheetReading) -> None:
    grade = context.grade(display(raw))
    if grade is None:
        fix = context.scale.unknown_hint(display(raw))
        result.problems.append(Problem(
            sheet.file, sheet.name, cell, display(raw),
            f"'{display(raw)}' for {pupil.name} is not on the grade scale.",
            "Not imported." + fix,
            pupil=pupil.name, upn=pupil.upn,
            column=_column_name(column, sheet_point or context.current_point),
        ))
        return
    point = column.point or sheet_point or context.current_point
    result.readings.append(Reading(
        upn=pupil.upn, pupil=pupil.name, point=point, subject=column.subject, code=grade.code,
        raw=display(raw), file=sheet.file, sheet=sheet.name, cell=cell, hidden_row=hidden,
        point_assumed=column.point is None and sheet_point is None,
    ))
    result.summary.grades += 1


def _column_name(column: GradeColumn, sheet_point: str | None = None) -> str | None:
    """Return the tracker column a grade column fills ("Spring Maths"), or None when its point is unknown."""
    point = column.point or sheet_point
    return f"{point} {column.subject}" if point else None


def _is_totals_label(text: str) -> bool:
    """Return True for labels such as 'Total', '% at EXS+' or 'Class average'.

    Only rows that match no pupil are tested, so a pupil whose name starts
    with one of these words is still imported.
    """
    words = header_key(text).split(" ")
    return "%" in text or words[0] in TOTAL_WORDS or any(w in ("total", "totals", "average") for w in words)


def _names(name: object, forename: object, surname: object) -> list[str]:
    """Return the spellings of a row's pupil name to look up, most complete first."""
    texts = []
    if name is not None and clean_header(name):
        texts.append(clean_header(display(name)))
    if forename is not None or surname is not None:
        parts = [clean_header(display(p)) for p in (forename, surname) if p is not None]
        joined = " ".join(p for p in parts if p)
        if joined:
            texts.append(joined)
    return texts
