"""Set up class sheets from the register: one sheet and table per class.

Running it again brings the sheets up to date with the register and the
settings. It adds pupils who joined a class, adds columns for new
assessment points and subjects, copies changed PP and SEN flags, and marks
pupils who left the class with the status "Left". It never deletes a row
and never changes a grade or wellbeing cell. When the sheets already
match, the file is left untouched, byte for byte.

NOTE: a pupil who moves class keeps a Left row on the old sheet, and the
refresh (core.consolidate) still reports that pupil as listed on two
sheets and reads only the first sheet's grades. It should skip or merge
rows marked Left.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from . import contract as c
from .build import class_headers, class_sheet_name, class_table_name
from .core.issues import IssueLog
from .core.pipeline import INPUT_TABLES, conform
from .core.register import parse_pupils
from .core.settings import parse_settings
from .core.tables import display, fold
from .errors import MissingTable
from .file_adapter import read_tables, style_key
from .package import Package, check_writable
from .table_writer import NewSheet, TableWriter, same_value

# The tables setup-classes reads: the settings and the register.
READ_TABLES = (c.SETTINGS_TABLE, c.POINTS_TABLE, c.SUBJECTS_TABLE, c.GRADES_TABLE, c.PUPILS_TABLE)
STATUS_VALUES = {fold(c.ON_ROLL), fold(c.LEFT), ""}
# The same two lines the builder writes above a class table.
CLASS_TITLE = "{name}: type each pupil's judgement in the column for the point and subject."
CLASS_NOTE = "Grades use the dropdowns. Rows are added by 'Set up class sheets'; do not retype UPNs."
# Dropdowns reach this many rows below the last pupil, as in a built workbook.
SPARE_ROWS = 40


@dataclass
class SetupReport:
    """Changes made by setup-classes, sheet by sheet, for the command to print."""

    book: Path
    created: list[str] = field(default_factory=list)
    pupils_added: dict[str, int] = field(default_factory=dict)
    columns_added: dict[str, list[str]] = field(default_factory=dict)
    marked_left: dict[str, int] = field(default_factory=dict)
    back_on_roll: dict[str, int] = field(default_factory=dict)
    flags_updated: int = 0
    names_filled: int = 0
    not_changed: list[str] = field(default_factory=list)
    register_issues: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.created or self.pupils_added or self.columns_added or self.marked_left
                    or self.back_on_roll or self.flags_updated or self.names_filled)

    def summary(self) -> str:
        """Return a few lines for the coordinator: what changed, and what needs a look."""
        lines = []

        if not self.changed:
            lines.append(f"The class sheets in {self.book.name} already match the register: nothing changed.")
        else:
            lines.append(f"Updated the class sheets in {self.book.name}:")

        if self.created:
            lines.append(f"- created {_count(len(self.created), 'sheet')}: {', '.join(self.created)}")
        if self.pupils_added:
            lines.append(f"- added {_count(sum(self.pupils_added.values()), 'pupil')} "
                         f"({_by_sheet(self.pupils_added)})")
        if self.columns_added:
            added = sorted({h for headers in self.columns_added.values() for h in headers})
            lines.append(f"- added the columns {', '.join(added)} to {_count(len(self.columns_added), 'sheet')}")
        if self.marked_left:
            lines.append(f"- marked {_count(sum(self.marked_left.values()), 'pupil')} as Left "
                         f"({_by_sheet(self.marked_left)}); their rows and grades are kept")
        if self.back_on_roll:
            lines.append(f"- set {_count(sum(self.back_on_roll.values()), 'pupil')} back to On roll "
                         f"({_by_sheet(self.back_on_roll)})")
        if self.flags_updated:
            lines.append(f"- copied {_count(self.flags_updated, 'changed PP or SEN flag')} from the register")
        if self.names_filled:
            lines.append(f"- filled in {_count(self.names_filled, 'missing pupil name')}")

        for message in self.not_changed:
            lines.append(f"- not changed: {message}")
        if self.register_issues:
            them = "it" if self.register_issues == 1 else "them"
            lines.append(f"{_count(self.register_issues, 'problem')} in the register or settings: "
                         f"click Refresh summary to list {them} on Data issues.")
        return "\n".join(lines)


def setup_classes(book: str | Path) -> SetupReport:
    """Create or update one class sheet per class in the register, in place.

    Raises WorkbookLocked when Excel has the file open, and MissingTable
    or MissingColumn when the register or settings cannot be read.
    """
    book = Path(book)
    package = Package.open(book)
    check_writable(book)
    report = SetupReport(book)

    # Read the register and settings with the same rules as a refresh.
    issues = IssueLog()
    tables = read_tables(package)
    conformed = {}
    for name in READ_TABLES:
        sheet, columns = INPUT_TABLES[name]
        if name not in tables:
            raise MissingTable(name, sheet)
        conformed[name] = conform(tables[name], columns, issues)
    settings = parse_settings(conformed, issues)
    pupils = parse_pupils(conformed[c.PUPILS_TABLE], settings, issues)
    report.register_issues = len(issues)
    register = _Register(pupils, conformed[c.PUPILS_TABLE].frame())

    writer = TableWriter(package)
    headers = class_headers(settings.points, settings.subjects)
    for class_name, table_name, exists in _class_tables(register, writer):
        members = register.members(class_name)
        if not exists:
            if members:
                _create_sheet(writer, class_name, table_name, members, headers, report)
            continue
        _update_sheet(writer, table_name, class_name, members, headers, register, report)

    if report.changed:
        writer.save(book)
    return report


class _Register:
    """The parsed register, indexed by class and by UPN."""

    def __init__(self, pupils: pd.DataFrame, raw: pd.DataFrame):
        self.by_upn = {row.upn: row for row in pupils.itertuples(index=False)}
        # Rows the parser left out (bad year, no name) are still on the
        # register, so their class sheet rows are left alone.
        self.raw_upns = {_upn(value) for value in raw["UPN"] if value is not None}
        self.classes: dict[str, str] = {}
        self.pupils: dict[str, list] = defaultdict(list)
        self.first_year: dict[str, int] = {}
        for row in pupils.itertuples(index=False):
            if row.class_name is None:
                continue
            key = fold(row.class_name)
            self.classes.setdefault(key, row.class_name.strip())
            self.pupils[key].append(row)
            year = c.YEARS.index(row.year)
            self.first_year[key] = min(self.first_year.get(key, year), year)

    def ordered_classes(self) -> list[str]:
        """Return the class names in the order a school lists them: by year group, then name."""
        keys = sorted(self.classes, key=lambda k: (self.first_year[k], k))
        return [self.classes[k] for k in keys]

    def members(self, class_name: str) -> list:
        """Return the pupils on roll in a class, in register order."""
        return [row for row in self.pupils[fold(class_name)] if not row.left]

    def status(self, upn: str, class_name: str) -> str | None:
        """Return the status a class sheet row should show, or None to leave it alone."""
        pupil = self.by_upn.get(upn)
        if pupil is None:
            return None if upn in self.raw_upns else c.LEFT
        in_class = pupil.class_name is not None and fold(pupil.class_name) == fold(class_name)
        return c.ON_ROLL if in_class and not pupil.left else c.LEFT


def _class_tables(register: _Register, writer: TableWriter) -> list[tuple[str, str, bool]]:
    """Return (class, table name, whether the table exists) for every class on the register.

    Excel compares table names ignoring case, and two classes whose names
    differ only in punctuation ("3-A" and "3 A") would share a table name,
    so the later class gets a numbered name ("Class_3_A_2").
    """
    existing = {name.casefold() for name in writer.tables()}
    assigned: set[str] = set()
    result = []
    for class_name in register.ordered_classes():
        base = class_table_name(class_name)
        name, number = base, 1
        while name.casefold() in assigned:
            number += 1
            name = f"{base}_{number}"
        assigned.add(name.casefold())
        result.append((class_name, name, name.casefold() in existing))
    return result


def _grade_columns(headers: list[str]) -> list[c.Column]:
    fixed = {col.header: col for col in c.CLASS_FIXED_COLUMNS}
    columns = []
    for header in headers:
        if header in fixed:
            columns.append(fixed[header])
        else:
            choices = "WellbeingValues" if header.endswith(c.WELLBEING) else c.GRADE_LIST_NAME
            columns.append(c.Column(header, 10, choices))
    return columns


def _fixed_values(pupil) -> dict[str, object]:
    return {"UPN": pupil.upn, "Pupil": pupil.name, "PP": "Y" if pupil.pp_flag else "N", "SEN": pupil.sen,
            "Status": c.ON_ROLL}


def _create_sheet(writer: TableWriter, class_name: str, table_name: str, members: list, headers: list[str],
                  report: SetupReport) -> None:
    """Add a sheet for a class that has none, styled like the register."""
    sheet_names = {s.casefold() for s in writer.sheet_names()}
    sheet_name = class_sheet_name(class_name)
    number = 1
    while sheet_name.casefold() in sheet_names:
        number += 1
        suffix = f" ({number})"
        sheet_name = class_sheet_name(class_name)[:31 - len(suffix)].rstrip("'") + suffix

    keys = style_key(writer.package)
    header_style, body_style = writer.styles(c.PUPILS_TABLE)
    support = next((t.sheet for n, t in writer.tables().items() if n.casefold() == c.SUPPORT_TABLE.casefold()),
                   c.SUPPORT_SHEET)
    fixed_headers = [col.header for col in c.CLASS_FIXED_COLUMNS]
    rows = [[_fixed_values(pupil)[h] for h in fixed_headers] for pupil in members]
    writer.add_sheet(NewSheet(
        name=sheet_name,
        table=table_name,
        columns=_grade_columns(headers),
        rows=rows,
        titles=[(CLASS_TITLE.format(name=class_name), keys.get("title")), (CLASS_NOTE, keys.get("note"))],
        before=support,
        freeze_columns=2,
        header_style=header_style,
        body_style=body_style,
        validated_rows=SPARE_ROWS,
    ))
    report.created.append(sheet_name)
    report.pupils_added[sheet_name] = len(members)


def _update_sheet(writer: TableWriter, table_name: str, class_name: str, members: list, headers: list[str],
                  register: _Register, report: SetupReport) -> None:
    """Bring an existing class sheet up to date, changing only fixed columns and new rows."""
    info = writer.table(table_name)
    sheet = info.sheet
    by_fold = {fold(h): h for h in info.header}
    if "upn" not in by_fold:
        report.not_changed.append(f"the '{sheet}' sheet has no UPN column, so its pupils cannot be matched. "
                                  "Add a column headed UPN.")
        return

    # New points, subjects or fixed columns go at the right of the table.
    missing = [col for col in _grade_columns(headers) if fold(col.header) not in by_fold]
    if missing:
        writer.add_columns(table_name, missing)
        report.columns_added[sheet] = [col.header for col in missing]
        info = writer.table(table_name)
        by_fold = {fold(h): h for h in info.header}

    # Fixed columns of the rows already there: status, PP, SEN, a missing name.
    header = list(info.header)
    upn_at = header.index(by_fold["upn"])
    present: set[str] = set()
    status_cells, flag_cells, name_cells = {}, {}, {}
    empty: set[tuple[int, str]] = set()
    body = writer.read(table_name)
    for index, row in enumerate(body):
        if row[upn_at] is None:
            continue
        upn = _upn(row[upn_at])
        present.add(upn)
        values = dict(zip(header, row))

        status = register.status(upn, class_name)
        current = values.get(by_fold["status"])
        if status is not None and fold(current or "") != fold(status):
            if fold(current or "") in STATUS_VALUES:
                status_cells[(index, by_fold["status"])] = status
            else:
                report.not_changed.append(
                    f"{info.cell(index, by_fold['status'])} on '{sheet}' holds '{current}', so the "
                    f"status was not set to {status}. Clear the cell and run Set up class sheets again.")

        pupil = register.by_upn.get(upn)
        if pupil is None or status != c.ON_ROLL:
            continue
        fixed = _fixed_values(pupil)
        for column in ("PP", "SEN"):
            flag_cells[(index, by_fold[fold(column)])] = fixed[column]
        name_cells[(index, by_fold["pupil"])] = fixed["Pupil"]
        if values.get(by_fold["pupil"]) is None:
            empty.add((index, by_fold["pupil"]))

    _count_statuses(status_cells, sheet, report)
    _set(writer, table_name, body, status_cells, report)
    report.flags_updated += _set(writer, table_name, body, flag_cells, report)
    names = {key: value for key, value in name_cells.items() if key in empty}
    report.names_filled += _set(writer, table_name, body, names, report)

    # Pupils new to the class go below the last row.
    new_rows = []
    for pupil in members:
        if pupil.upn in present:
            continue
        fixed = _fixed_values(pupil)
        new_rows.append({by_fold[fold(h)]: value for h, value in fixed.items()})
    if new_rows:
        writer.append_rows(table_name, new_rows)
        report.pupils_added[sheet] = len(new_rows)


def _count_statuses(cells: dict, sheet: str, report: SetupReport) -> None:
    left = sum(1 for value in cells.values() if value == c.LEFT)
    back = len(cells) - left
    if left:
        report.marked_left[sheet] = left
    if back:
        report.back_on_roll[sheet] = back


def _set(writer: TableWriter, table_name: str, body: list[list[object]], cells: dict,
         report: SetupReport) -> int:
    """Overwrite the cells whose value differs and return how many changed.

    A formula is never overwritten. Its cell goes to the report instead.
    """
    info = writer.table(table_name)
    changes = {
        (index, header): value for (index, header), value in cells.items()
        if not same_value(body[index][info.header.index(header)], value)
    }
    if not changes:
        return 0
    conflicts = writer.set_cells(table_name, changes, overwrite=True)
    for conflict in conflicts:
        report.not_changed.append(f"{conflict.cell} on '{conflict.sheet}' holds a formula, so it was not set "
                                  f"to '{conflict.value}'. Replace the formula with a value.")
    return len(changes) - len(conflicts)


def _upn(value: object) -> str:
    return str(display(value)).strip().upper()


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")


def _by_sheet(counts: dict[str, int]) -> str:
    return ", ".join(f"{sheet}: {number}" for sheet, number in counts.items())
