"""Compare an MIS export with the Pupils table: who is new, what changed, who has left.

Pure planning, no I/O. Pupils are never deleted: a pupil missing from a
whole-school export gets a date in the Left column instead.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from ..core.tables import RawTable, clean_value, display, fold
from .records import Problem
from .register_rows import MIS_COLUMNS, PupilRecord, attendance_number, flag, fold_cached, sen_code, year_group
from .upn import is_valid_upn, upn_problem

# A pupil missing from an export is marked as left only when the export
# lists at least this share of the pupils on roll. A partial export (one
# class, one year group) then never marks the rest of the school as leavers.
WHOLE_SCHOOL_SHARE = 0.5


@dataclass(frozen=True)
class Change:
    upn: str
    name: str
    row: int  # 0-based body row of the Pupils table
    header: str  # the Pupils column as headed in the workbook
    old: object
    new: object
    record: PupilRecord | None  # None for a leaver missing from the export


@dataclass
class RegisterPlan:
    changes: list[Change] = field(default_factory=list)
    added: list[tuple[PupilRecord, dict[str, object]]] = field(default_factory=list)  # record, {header: value}
    left: list[Change] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    flagged: list[tuple[PupilRecord, str]] = field(default_factory=list)  # record, note for the log
    matched: int = 0
    invalid_upns: int = 0
    missing_columns: list[str] = field(default_factory=list)


def plan_register(records: list[PupilRecord], table: RawTable, today: date, source: str) -> RegisterPlan:
    """Return what importing these records would change in the Pupils table."""
    plan = RegisterPlan()
    headers = {fold(h): h for h in table.header}
    column = {name: headers.get(fold(name)) for name in (*MIS_COLUMNS, "UPN", "Left")}
    plan.missing_columns = [name for name, header in column.items() if header is None and name != "UPN"]
    position: dict[str, int] = {}  # header: column, the first of any repeated header as list.index finds it
    for col, header in enumerate(table.header):
        position.setdefault(header, col)
    # Each field's comparison comes with its outcomes so far, by (cell type, cell, export value). Most
    # pupils share their year, class and codes, so each pair is compared once.
    compared = {name: (header, position[header], _SAME.get(name, _same_text), {})
                for name, header in column.items() if header is not None and name in MIS_COLUMNS}
    left_col = position[column["Left"]] if column["Left"] else None
    existing = _rows_by_upn(table, column["UPN"])

    seen: dict[str, PupilRecord] = {}
    for record in records:
        row = record.row
        if record.upn in seen:
            first = seen[record.upn]
            plan.problems.append(Problem(row.file, row.sheet, row.cells.get("upn", row.cell), record.upn,
                                         f"This UPN is also on the row at {first.row.cell}.",
                                         "Used the first row only."))
            continue
        seen[record.upn] = record
        if not is_valid_upn(record.upn):
            plan.invalid_upns += 1
            plan.problems.append(Problem(row.file, row.sheet, row.cells.get("upn", row.cell), record.upn,
                                         upn_problem(record.upn),
                                         "Imported the pupil with this UPN. Check it in the MIS."))
        if row.hidden:
            note = ("The row is hidden in the export; its leaving date marks the pupil as left."
                    if record.left_on else
                    "The row is hidden in the export but has no past leaving date, so the pupil was "
                    "imported as on roll. If they have left, record it in the MIS.")
            plan.flagged.append((record, note))

        index = existing.get(record.upn)
        if index is None:
            _plan_new(plan, record, column)
        else:
            plan.matched += 1
            _plan_changes(plan, record, table, index, column, compared, left_col)

    _plan_leavers(plan, table, existing, seen, column, today, source)
    return plan


def _rows_by_upn(table: RawTable, upn_header: str | None) -> dict[str, int]:
    rows: dict[str, int] = {}
    if upn_header is None:
        return rows
    col = table.header.index(upn_header)
    for index, values in enumerate(table.rows):
        value = clean_value(values[col]) if col < len(values) else None
        if value is not None:
            rows.setdefault(str(display(value)).strip().upper(), index)
    return rows


def _plan_new(plan: RegisterPlan, record: PupilRecord, column: dict[str, str | None]) -> None:
    row = record.row
    if record.left_on:
        plan.flagged.append((record, f"Not added: the export says the pupil left on "
                                     f"{record.left_on:%d/%m/%Y}, and they are not on the register."))
        return
    values = {column["UPN"]: record.upn}
    for name, value in record.columns.items():
        if column.get(name):
            values[column[name]] = value
    missing = [name for name in ("Surname", "Forename", "Year", "Class") if name not in record.columns]
    if missing:
        plan.problems.append(Problem(row.file, row.sheet, row.cell, record.upn,
                                     f"The export gives no {', '.join(m.lower() for m in missing)} for this new pupil.",
                                     "Added the pupil. Fill in the blanks on the Pupils sheet."))
    plan.added.append((record, values))


def _plan_changes(plan: RegisterPlan, record: PupilRecord, table: RawTable, index: int,
                  column: dict[str, str | None], compared: dict[str, tuple[str, int, _Comparison, dict]],
                  left_col: int | None) -> None:
    """Plan the changes to one pupil already on the Pupils table.

    ``compared`` maps each MIS field the table has to its header, column,
    comparison and the outcomes of that comparison so far, and ``left_col``
    is the Left column, or None without one.
    """
    values = table.rows[index]
    width = len(values)
    name = None  # worked out at the first change, because most pupils have none

    for field_name, new in record.columns.items():
        found = compared.get(field_name)
        if found is None:
            continue
        header, col, same, outcomes = found
        raw = values[col] if col < width else None
        # The cell's type is part of the key, because True, 1 and 1.0 are one key but read differently.
        key = (type(raw), raw, new)
        unchanged = outcomes.get(key)
        if unchanged is None:
            unchanged = outcomes[key] = same(clean_value(raw), new)
        if not unchanged:
            before = clean_value(raw)
            if name is None:
                name = _name(record, table, index, column)
            plan.changes.append(Change(record.upn, name, index, header, before, new, record))

    if left_col is None:
        return
    left_header = table.header[left_col]
    left_before = clean_value(values[left_col]) if left_col < width else None
    if record.left_on and left_before is None:
        if name is None:
            name = _name(record, table, index, column)
        plan.left.append(Change(record.upn, name, index, left_header, None, record.left_on, record))
    elif left_before is not None and record.left_on is None and not record.row.hidden:
        # The problem names the pupil as this import leaves them, so that importing the same file again
        # repeats the message word for word and finds nothing new to report.
        name_after = _name(record, table, index, column, export_first=True)
        row = record.row
        plan.problems.append(Problem(row.file, row.sheet, row.cells.get("upn", row.cell), record.upn,
                                     f"{name_after} is marked as left on the Pupils sheet but is on roll in the "
                                     "export.",
                                     "Kept the Left date. Clear it on the Pupils sheet if the pupil is back."))


def _plan_leavers(plan: RegisterPlan, table: RawTable, existing: dict[str, int], seen: dict[str, PupilRecord],
                  column: dict[str, str | None], today: date, source: str) -> None:
    left_header = column.get("Left")
    if left_header is None:
        return
    left_col = table.header.index(left_header)
    on_roll = {upn: index for upn, index in existing.items()
               if left_col >= len(table.rows[index]) or clean_value(table.rows[index][left_col]) is None}
    missing = {upn: index for upn, index in on_roll.items() if upn not in seen}
    if not missing:
        return
    # Count the roll as this import leaves it, so that a second import of the same file counts the
    # same pupils and makes the same call. The pupils it adds are on roll and listed, and the pupils
    # it gives a leaving date are neither.
    listed = sum(1 for upn in on_roll if upn in seen and seen[upn].left_on is None) + len(plan.added)
    if listed < WHOLE_SCHOOL_SHARE * (listed + len(missing)):
        # The counts named here stay the same when the same file is imported
        # again after its new pupils were added, so the message does too.
        plan.problems.append(Problem(
            source, None, "", None,
            f"The export lists {len(seen)} pupils, but {len(missing)} pupils on roll on the register are not "
            "in it, so it looks like part of the school.",
            "Marked no one as left. Import a whole-school export to mark leavers.",
        ))
        return
    years = {r.columns.get("Year") for r in seen.values() if r.columns.get("Year")}
    year_col = table.header.index(column["Year"]) if column.get("Year") else None
    for upn, index in missing.items():
        values = table.rows[index]
        year = year_group(values[year_col]) if year_col is not None and year_col < len(values) else None
        if years and year not in years:
            continue  # the export has no one from this pupil's year group
        name = _name(None, table, index, column)
        plan.left.append(Change(upn, name, index, left_header, None, today, None))


def _name(record: PupilRecord | None, table: RawTable, index: int, column: dict[str, str | None],
          export_first: bool = False) -> str:
    """Return the pupil's forename and surname from the Pupils table, or from the export where the table has none.

    With ``export_first`` the export's names come first, which names the pupil as the import leaves them.
    """
    parts = []
    for field_name in ("Forename", "Surname"):
        header = column.get(field_name)
        value = None
        if header is not None:
            col = table.header.index(header)
            value = clean_value(table.rows[index][col]) if col < len(table.rows[index]) else None
        exported = record.columns.get(field_name) if record is not None else None
        if exported is not None and (value is None or export_first):
            value = exported
        if value is not None:
            parts.append(str(display(value)))
    return " ".join(parts)


# Whether a Pupils cell (old) already matches the export's value (new), however the cell is typed.
_Comparison = Callable[[object, object], bool]


def _same_year(old: object, new: object) -> bool:
    return year_group(old) == new


def _same_flag(old: object, new: object) -> bool:
    return flag(old) == (new == "Y")


def _same_sen(old: object, new: object) -> bool:
    return sen_code(old) == new


def _same_attendance(old: object, new: object) -> bool:
    number = attendance_number(old) if old is not None else None
    if number is not None and isinstance(old, float) and number <= 1:
        number *= 100
    return number is not None and abs(number - attendance_number(new)) < 0.05


def _same_category(old: object, new: object) -> bool:
    return fold_cached(old) == fold_cached(new)


def _same_text(old: object, new: object) -> bool:
    return old is not None and str(display(old)).strip() == str(new).strip()


# The comparison for each MIS field. Fields not listed (the names and the class) are compared as text.
_SAME: dict[str, _Comparison] = {
    "Year": _same_year, "PP": _same_flag, "EAL": _same_flag, "SEN": _same_sen,
    "Attendance %": _same_attendance, "PP category": _same_category,
}
