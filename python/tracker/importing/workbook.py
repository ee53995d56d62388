"""The tracker workbook during an import: read once, edited through table_writer, saved once.

Both imports end the same way. The cells they fill are applied to the
tables as read, the refresh pipeline runs on the result so the Summary
shows the new grades, the import's problems go at the top of Data issues,
and the Import log is rewritten. All of it is one atomic save, and a save
that would change nothing is not made, so the file stays byte for byte
as it was.
"""

from __future__ import annotations

import io
import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pandas as pd
import python_calamine

from .. import contract as c
from ..core.issues import IssueLog
from ..core.pipeline import INPUT_TABLES, conform, run
from ..core.register import parse_pupils
from ..core.settings import Settings, parse_settings
from ..core.tables import RawTable
from ..errors import MissingTable
from ..file_adapter import read_tables, tab_replacements
from ..package import Package, check_writable
from ..table_writer import TableWriter
from ..tabs import LIST_HEADER_ROW, Tab, build_tabs
from .records import LOG_HEADERS, PROBLEM_RESULTS


@dataclass
class TrackerBook:
    """The workbook being imported into, with its tables, settings and register as read."""

    path: Path
    package: Package
    tables: dict[str, RawTable]
    settings: Settings
    pupils: pd.DataFrame
    writer: TableWriter

    @property
    def class_tables(self) -> list[RawTable]:
        return [t for name, t in sorted(self.tables.items()) if name.startswith(c.CLASS_TABLE_PREFIX)]

    @property
    def has_import_log(self) -> bool:
        return c.IMPORT_LOG_SHEET in self.package.sheet_parts()


def open_book(book: str | Path) -> TrackerBook:
    """Open the tracker workbook and read its settings and register.

    Raises the usual TrackerError subclasses when the file is missing, open
    in Excel or lacks a required table, before any source file is read.
    """
    path = Path(book)
    package = Package.open(path)
    check_writable(path)
    tables = read_tables(package)
    ignored = IssueLog()  # the refresh reports these; an import need not repeat them
    conformed = {}
    for name, (sheet, columns) in INPUT_TABLES.items():
        if name not in tables:
            raise MissingTable(name, sheet)
        conformed[name] = conform(tables[name], columns, ignored)
    settings = parse_settings(conformed, ignored)
    pupils = parse_pupils(conformed[c.PUPILS_TABLE], settings, ignored)
    return TrackerBook(path, package, tables, settings, pupils, TableWriter(package))


def set_values(table: RawTable, row: int, values: dict[str, object]) -> None:
    """Put values into a table as read, so the refresh after an import sees them.

    ``row`` is the 0-based body row; a row past the end extends the table.
    """
    while len(table.rows) <= row:
        table.rows.append([None] * len(table.header))
    line = table.rows[row]
    line.extend([None] * (len(table.header) - len(line)))
    for header, value in values.items():
        line[table.header.index(header)] = value


def save_import(book: TrackerBook, out: str | Path | None, issues: IssueLog, log_tab: Tab | None,
                now: datetime) -> bool:
    """Write the table edits, refreshed tabs and Import log in one save; return whether the file changed.

    Nothing is written when no table cell changes and every problem found
    is already on the Import log, so importing the same files twice leaves
    the workbook byte for byte as the first import left it.
    """
    target = Path(out) if out else book.path
    edits = book.writer.replacements()
    log_parts = tab_replacements(book.package, [log_tab]) if log_tab and book.has_import_log else {}
    if not edits and not _new_problems(book, log_tab):
        if target.resolve() != book.path.resolve():
            shutil.copyfile(book.path, target)
        return False

    result = run(book.tables, now)
    if len(issues):
        result.issues = pd.concat([issues.to_frame(), result.issues], ignore_index=True)
    owned = tab_replacements(book.package, build_tabs(result))
    book.package.save(target, {**edits, **owned, **log_parts})
    return True


def _new_problems(book: TrackerBook, log_tab: Tab | None) -> bool:
    """Return whether the new Import log has a problem row that the workbook's log lacks."""
    if log_tab is None or not book.has_import_log:
        return False
    first = LIST_HEADER_ROW + 1
    wanted = {_row_key(row) for row in log_tab.cells[first:] if row and row[0] in PROBLEM_RESULTS}
    if not wanted:
        return False
    try:
        reader = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(book.path.read_bytes()))
        existing = reader.get_sheet_by_name(c.IMPORT_LOG_SHEET).to_python(skip_empty_area=False)
    except Exception:  # an unreadable old log is simply replaced
        return True
    return not wanted <= {_row_key(row) for row in existing[first:]}


def _row_key(row: list[object]) -> tuple[str, ...]:
    return tuple("" if value in (None, "") else str(value) for value in row[:len(LOG_HEADERS)])
