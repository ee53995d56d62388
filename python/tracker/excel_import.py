"""Import progress files and MIS registers into the open workbook, for the Excel buttons.

The headless imports (tracker.importing) edit the file, which Excel keeps
locked while the workbook is open. The buttons share their reading and
planning steps and differ only in the writing. The tables come from Excel
through excel_adapter, and each edited table is changed with one read and
one write through excel_tables. The Data issues and Import log tabs are
rewritten as the file import rewrites them.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from . import contract as c
from . import dialogs
from . import excel_adapter as excel
from .core.issues import IssueLog
from .core.tables import RawTable, fold
from .errors import TrackerError
from .excel_tables import EditResult, TableEdits, edit_table
from .importing.progress import keep_existing, plan_progress, progress_log_tab
from .importing.records import ImportReport
from .importing.register_import import (
    RegisterReport, plan_register_import, record_register_writes, register_log_tab,
)
from .importing.workbook import import_tabs, parse_tracker
from .tabs import Tab

REGISTER_PATTERNS = ["*.csv", "*.xlsx", "*.xlsm", "*.xls", "*.xml"]

Status = Callable[[str], None]


class SettingProblem(TrackerError):
    """A value on the Settings sheet that a button cannot use, with its ``sheet`` and ``cell``."""

    def __init__(self, message: str, cell: str):
        super().__init__(message)
        self.sheet = c.SETTINGS_SHEET
        self.cell = cell


def import_progress_files(book, status: Status) -> ImportReport | None:
    """Import the progress files of a folder into empty grade cells of the open workbook.

    The folder is the Settings value "Progress files folder", or else the
    one chosen in a dialog. Returns None when the user cancels the dialog.
    """
    tables = excel.read_tables(book)
    settings, pupils = parse_tracker(tables)
    folder = _progress_folder(book, tables)
    if folder is None:
        return None

    def progress(done: int, total: int, label: str) -> None:
        if done < total:
            status(f"pptracker: reading {label} ({done + 1} of {total})...")

    class_tables = [t for name, t in sorted(tables.items()) if name.startswith(c.CLASS_TABLE_PREFIX)]
    found = plan_progress([folder], settings, pupils, class_tables, progress, exclude=_own_file(book))
    report = found.report
    if not report.files_read:
        # As on the command line: nothing read means a wrong folder, so the
        # open workbook keeps the last import's log and issues.
        return report

    status("pptracker: filling the class sheets...")
    by_table: dict[str, TableEdits] = {}
    for write in found.plan.writes:
        by_table.setdefault(write.table, TableEdits()).fill[(write.row, write.column)] = write.value
    changed = 0
    for name, edits in by_table.items():
        raw = tables[name]
        result = edit_table(book, raw, edits)
        for kept in result.kept:
            keep_existing(report, raw.sheet, kept.cell, kept.value, kept.existing)
        changed += result.changed

    status("pptracker: writing the Import log...")
    report.saved = _write_import_tabs(book, changed > 0, report.issue_log(), progress_log_tab(found))
    return report


def import_register_file(book, status: Status) -> RegisterReport | None:
    """Update the open workbook's Pupils table from an MIS export or a CTF.

    The file is the Settings value "MIS register file", or else the one
    chosen in a dialog. Returns None when the user cancels the dialog.
    """
    tables = excel.read_tables(book)
    parse_tracker(tables)  # stops with a plain message when a required table is missing
    file = _register_file(book, tables)
    if file is None:
        return None

    status(f"pptracker: reading {file.name}...")
    table = tables[c.PUPILS_TABLE]
    found = plan_register_import(file, table, excel.now())
    result = EditResult()
    if found.plan is not None:
        plan = found.plan
        status("pptracker: updating the Pupils register...")
        edits = TableEdits(
            overwrite={(ch.row, ch.header): ch.new for ch in plan.changes if ch.new is not None},
            clear=[(ch.row, ch.header) for ch in plan.changes if ch.new is None],
            fill={(ch.row, ch.header): ch.new for ch in plan.left},
            append=[values for _, values in plan.added],
        )
        result = edit_table(book, table, edits)
        changed_cells = {(ch.row, ch.header) for ch in plan.changes}
        blocked = {(k.row, k.header) for k in result.kept if (k.row, k.header) in changed_cells}
        record_register_writes(found.report, plan, table, blocked, result.appended)

    status("pptracker: writing the Import log...")
    tab = register_log_tab(found, table)
    found.report.saved = _write_import_tabs(book, result.changed > 0, found.report.issue_log(), tab)
    return found.report


def _write_import_tabs(book, changed: bool, issues: IssueLog, log_tab: Tab) -> bool:
    """Rewrite Data issues and the Import log as the file import does; return whether anything changed."""
    tabs = import_tabs(excel.sheet_grid(book, c.ISSUES_SHEET), excel.sheet_grid(book, c.IMPORT_LOG_SHEET), changed,
                       issues, log_tab, excel.now())
    for tab in tabs:
        # Workbooks built before the Import log existed still import.
        tab.optional = tab.name == c.IMPORT_LOG_SHEET
        excel.write_tab(book, tab)
    return changed or bool(tabs)


def _progress_folder(book, tables: dict[str, RawTable]) -> Path | None:
    typed = _setting_path(book, tables, c.SETTING_PROGRESS_FOLDER)
    if typed is not None:
        path, cell = typed
        if not path.is_dir():
            raise SettingProblem(
                f"The folder '{path}' in '{c.SETTING_PROGRESS_FOLDER}' was not found. Correct the folder on "
                "the Settings sheet, or clear it to choose the folder each time.", cell)
        return path
    return dialogs.choose_folder(
        book, "Choose the folder of progress files to import",
        instead=(f"This Excel cannot show a folder dialog. Type the folder of progress files in "
                 f"'{c.SETTING_PROGRESS_FOLDER}' on the Settings sheet and click the button again."),
        start=_own_folder(book))


def _register_file(book, tables: dict[str, RawTable]) -> Path | None:
    typed = _setting_path(book, tables, c.SETTING_REGISTER_FILE)
    if typed is not None:
        path, cell = typed
        if not path.is_file():
            raise SettingProblem(
                f"The file '{path}' in '{c.SETTING_REGISTER_FILE}' was not found. Correct it on the Settings "
                "sheet, or clear it to choose the file each time.", cell)
        return path
    return dialogs.choose_file(
        book, "Choose the MIS export or Common Transfer File to import", "Registers (CSV, Excel, CTF)",
        REGISTER_PATTERNS,
        instead=(f"This Excel cannot show a file dialog. Type the register file's full name in "
                 f"'{c.SETTING_REGISTER_FILE}' on the Settings sheet and click the button again."),
        start=_own_folder(book))


def _setting_path(book, tables: dict[str, RawTable], name: str) -> tuple[Path, str] | None:
    """Return the path typed for a setting, and its cell, or None when it is blank or not listed.

    ``~`` and environment variables (%USERPROFILE%, $HOME) are expanded, and
    a relative path is taken from the workbook's folder.
    """
    table = tables[c.SETTINGS_TABLE]
    for index, row in enumerate(table.rows):
        if len(row) < 2 or fold(row[0]) != fold(name) or row[1] in (None, ""):
            continue
        cell = table.cell(index, table.header[1])
        text = str(row[1]).strip().strip('"')
        path = Path(os.path.expandvars(os.path.expanduser(text)))
        if not path.is_absolute():
            folder = _own_folder(book)
            if folder is None:
                raise SettingProblem(
                    f"'{text}' in '{name}' is a relative path, and this workbook is not in a folder on this "
                    "computer. Type the full path, for example C:\\Pupil Premium\\Progress.", cell)
            path = folder / path
        return path, cell
    return None


def _own_file(book) -> Path | None:
    """Return the workbook's file on this computer, or None when it has none."""
    from .buttons import local_path

    try:
        return local_path(book)
    except TrackerError:
        return None


def _own_folder(book) -> Path | None:
    own = _own_file(book)
    return own.parent if own else None
