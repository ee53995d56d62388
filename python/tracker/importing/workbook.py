"""The tracker workbook during an import: read once, edited through table_writer, saved once.

Both imports end the same way: the cells they fill, the import's problems
at the top of Data issues and a rewritten Import log go into the workbook
in one atomic save. A save that would change nothing is not made, so the
file stays byte for byte as it was.
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
from ..core.issues import ISSUE_COLUMNS
from ..core.pipeline import INPUT_TABLES, conform
from ..core.register import parse_pupils
from ..core.settings import Settings, parse_settings
from ..core.tables import RawTable
from ..errors import MissingTable, NotAWorkbook
from ..file_adapter import MAX_CELL_CHARS, read_tables, tab_replacements
from ..package import Package, check_writable
from ..table_writer import TableWriter
from ..tabs import LIST_HEADER_ROW, Tab
from .records import LOG_HEADERS, PROBLEM_RESULTS, plural

# zlib level for the saved workbook. The Import log runs to megabytes of
# XML, and level 1 deflates it about three times faster than the default
# level 6, for a file about a fifth larger (benchmarks/bench_import.py).
SAVE_COMPRESSLEVEL = 1


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
    settings, pupils = parse_tracker(tables)
    return TrackerBook(path, package, tables, settings, pupils, TableWriter(package))


def parse_tracker(tables: dict[str, RawTable]) -> tuple[Settings, pd.DataFrame]:
    """Return the settings and the register an import needs from the tracker's tables.

    Raises MissingTable when a required table is missing. Problems in the
    inputs are left for the refresh to report.
    """
    ignored = IssueLog(keep=False)  # the refresh reports these; an import need not repeat them
    conformed = {}
    for name, (sheet, columns) in INPUT_TABLES.items():
        if name not in tables:
            raise MissingTable(name, sheet)
        conformed[name] = conform(tables[name], columns, ignored)
    settings = parse_settings(conformed, ignored)
    pupils = parse_pupils(conformed[c.PUPILS_TABLE], settings, ignored)
    return settings, pupils


def save_import(book: TrackerBook, out: str | Path | None, issues: IssueLog, log_tab: Tab | None,
                now: datetime) -> bool:
    """Write the table edits, Data issues and Import log in one save; return whether the file changed.

    The import's problems go at the top of Data issues, above the rows of
    the last refresh (rows of an earlier import are replaced). The figures
    on Summary wait for the next refresh, which also rebuilds Data issues
    from the inputs alone. Nothing is written when no table cell changes
    and every problem found is already on the Import log, so importing the
    same files twice leaves the workbook byte for byte as the first import
    left it.
    """
    target = Path(out) if out else book.path
    edits = book.writer.replacements()
    existing = _read_sheets(book, (c.ISSUES_SHEET, c.IMPORT_LOG_SHEET))
    tabs = import_tabs(existing.get(c.ISSUES_SHEET), existing.get(c.IMPORT_LOG_SHEET), bool(edits), issues,
                       log_tab, now)
    if not tabs:
        if target.resolve() != book.path.resolve():
            shutil.copyfile(book.path, target)
        return False

    if not book.has_import_log:
        tabs = [tab for tab in tabs if tab.name != c.IMPORT_LOG_SHEET]
    book.package.save(target, {**edits, **tab_replacements(book.package, tabs)}, compresslevel=SAVE_COMPRESSLEVEL)
    return True


def import_tabs(old_issues: list[list[object]] | None, old_log: list[list[object]] | None, changed: bool,
                issues: IssueLog, log_tab: Tab | None, now: datetime) -> list[Tab]:
    """Return the Data issues and Import log tabs an import writes, or [] when it would change nothing.

    ``old_issues`` and ``old_log`` are the two tabs' cells as they are now,
    and ``changed`` is True when the import changed any table cell. Both
    the file import and the Excel buttons decide here, so they agree on
    when a repeated import leaves the workbook alone.
    """
    if not changed and not _new_problems(old_log, log_tab):
        return []
    tabs = [_issues_tab(old_issues, issues, now)]
    if log_tab is not None:
        tabs.append(log_tab)
    return tabs


def _read_sheets(book: TrackerBook, names: tuple[str, ...]) -> dict[str, list[list[object]]]:
    """Return the cells of some sheets of the workbook as saved, read with python-calamine."""
    try:
        reader = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(book.package.data or book.path.read_bytes()))
    except Exception:  # open_book has read this file already; a failure here only loses old rows
        return {}
    grids = {}
    for name in names:
        if name not in reader.sheet_names:
            continue
        try:
            grids[name] = reader.get_sheet_by_name(name).to_python(skip_empty_area=False)
        except python_calamine.CalamineError as error:
            raise NotAWorkbook(
                f"The tab '{name}' in {book.path.name} could not be read ({error}). The file is damaged: "
                "open it in Excel, let Excel repair it, and save it again as .xlsm."
            ) from error
    return grids


def _issues_tab(old: list[list[object]] | None, issues: IssueLog, now: datetime) -> Tab:
    """Return Data issues with the import's problems above the last refresh's rows.

    Rows whose sheet is a source file ("[file]sheet") came from an earlier
    import and are dropped, and so are rows the import lists again, such as
    a formula it kept on the Pupils sheet, so repeated imports do not pile up.
    """
    first = LIST_HEADER_ROW + 1
    import_rows = [[i.sheet, i.cell, i.value, i.problem, i.action] for i in issues.items]
    listed = {_row_key(row) for row in import_rows}
    refresh_rows = []
    for row in (old or [])[first:]:
        values = [None if v == "" else v for v in list(row)[:len(ISSUE_COLUMNS)]]
        values += [None] * (len(ISSUE_COLUMNS) - len(values))
        if values[0] is None or str(values[0]).startswith("[") or _row_key(values) in listed:
            continue
        refresh_rows.append(values)
    title = old[0][0] if old and old[0] and old[0][0] else "Data issues"
    rows = import_rows + refresh_rows

    tab = Tab(c.ISSUES_SHEET)
    tab.put(0, 0, title, "title")
    tab.put(1, 0, f"{plural(len(issues), 'problem')} from the import of {now:%d/%m/%Y %H:%M}, then "
                  f"{plural(len(refresh_rows), 'row')} from the last refresh. Refresh to check the whole workbook again.",
            "subtitle")
    tab.put_row(LIST_HEADER_ROW, 0, ISSUE_COLUMNS)
    tab.row_heights[LIST_HEADER_ROW] = 45
    tab.style(LIST_HEADER_ROW, 0, LIST_HEADER_ROW, len(ISSUE_COLUMNS) - 1, "header")
    if not rows:
        tab.put(first, 0, "No data issues found.", "note")
        return tab
    for offset, values in enumerate(rows):
        tab.put_row(first + offset, 0, values)
    tab.style(first, 0, first + len(rows) - 1, len(ISSUE_COLUMNS) - 1, "text")
    return tab


def _new_problems(old_log: list[list[object]] | None, log_tab: Tab | None) -> bool:
    """Return whether the new Import log has a problem row that the workbook's log lacks."""
    if log_tab is None:
        return False
    first = LIST_HEADER_ROW + 1
    new_rows = {_row_key(row) for row in log_tab.cells[first:] if row and row[0] in PROBLEM_RESULTS}
    if not new_rows:
        return False
    if old_log is None:
        return True
    return not new_rows <= {_row_key(row) for row in old_log[first:]}


def _row_key(row: list[object]) -> tuple[str, ...]:
    """Return a row's cells as text, blanks as "", so a row read back from the workbook matches one written.

    Text is cut to Excel's cell limit, as the Import log writes it.

    NOTE: a character XML cannot hold, such as U+FFFF, is written as _xFFFF_
    and python-calamine reads that back unchanged, so a problem row with
    one never matches and every import of that file saves again.
    """
    return tuple("" if value in (None, "") else str(value)[:MAX_CELL_CHARS] for value in row[:len(LOG_HEADERS)])
