"""Import teachers' pupil progress files into the class sheets of the tracker."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pandas as pd

from ..core.settings import Settings
from ..core.tables import RawTable
from ..tabs import Tab
from .headers import Vocabulary
from .log_tab import import_log_tab
from .matching import Roster
from .plan import GradePlan, plan_grades
from .records import (
    FILE_SKIPPED, NOT_IMPORTED, SHEET_READ, SHEET_SKIPPED, ImportReport, LogRow, Problem, SheetSummary,
    plural,
)
from .sheet_reader import ProgressContext, read_progress_sheet
from .sources import SourceFile, UnreadableFile, find_files, read_source
from .workbook import TrackerBook, open_book, save_import

# Called as progress(done, total, message) before each file and once at the
# end, for a terminal bar or Excel's status bar.
ProgressCallback = Callable[[int, int, str], None]


def import_progress(book: str | Path, paths: list[str | Path], progress: ProgressCallback | None = None,
                    out: str | Path | None = None, now: datetime | None = None) -> ImportReport:
    """Import grades from progress files and folders into empty cells of the class sheets.

    ``paths`` are files or folders (searched recursively). Each grade is
    matched to a pupil by UPN, else by name and class. It then fills an
    empty cell of the pupil's class sheet at its point and subject. A different
    grade already there is a conflict and stays as it was. Files that
    cannot be read are reported and skipped. The workbook is saved once,
    in place or to ``out``, and only when something changed.
    """
    # The tracker is opened in a second thread while the source files are
    # read: python-calamine releases the GIL while it parses, so the two
    # reads overlap. An error opening the tracker is raised once the
    # sources are read, before anything is written.
    with ThreadPoolExecutor(max_workers=1) as pool:
        opening = pool.submit(open_book, book)
        # The tracker may sit in the folder of progress files, and is not one.
        sources = read_sources(paths, progress, exclude=Path(book))
        tracker = opening.result()
    found = plan_sources(sources, tracker.settings, tracker.pupils, tracker.class_tables)
    report = found.report
    if not report.files_read:
        # Nothing was read, so the paths are wrong. The printed summary gives the
        # reason, and the workbook keeps the last import's log and issues.
        if out and Path(out).resolve() != tracker.path.resolve():
            shutil.copyfile(tracker.path, out)
        if progress:
            progress(len(found.files), len(found.files), "Done")
        return report
    _write(tracker, found.plan, report)

    tab = progress_log_tab(found)
    report.saved = save_import(tracker, out, report.issue_log(), tab,
                               now or datetime.now().replace(microsecond=0))
    if progress:
        progress(len(found.files), len(found.files), "Done")
    return report


@dataclass
class ProgressImport:
    """Progress files read and planned against the class tables, before anything is written."""

    report: ImportReport
    plan: GradePlan
    files: list[str]  # labels of the files found, in the order they were read


def plan_progress(paths: list[str | Path], settings: Settings, pupils: pd.DataFrame,
                  class_tables: list[RawTable], progress: ProgressCallback | None = None,
                  exclude: Path | None = None) -> ProgressImport:
    """Read progress files and folders and plan the cells to fill, writing nothing.

    The report counts the planned fills. A writer that finds a planned cell
    no longer blank calls keep_existing for it, and progress_log_tab then
    lays out the Import log. ``exclude`` is a file to leave out of the
    folders searched, such as the tracker workbook itself.
    """
    return plan_sources(read_sources(paths, progress, exclude), settings, pupils, class_tables)


@dataclass
class SourceFiles:
    """The progress files found and read, before any is matched to the register."""

    paths: list[str | Path]  # the files and folders asked for
    files: list[tuple[str, SourceFile | UnreadableFile]]  # (label, what was read or why not), in order


def read_sources(paths: list[str | Path], progress: ProgressCallback | None = None,
                 exclude: Path | None = None) -> SourceFiles:
    """Find the progress files among files and folders and read each one, calling progress before each."""
    found = find_files([Path(p) for p in paths])
    if exclude is not None:
        excluded = exclude.resolve()
        found = [(path, label) for path, label in found if path.resolve() != excluded]
    files: list[tuple[str, SourceFile | UnreadableFile]] = []
    for index, (path, label) in enumerate(found):
        if progress:
            progress(index, len(found), label)
        try:
            files.append((label, read_source(path, label)))
        except UnreadableFile as error:
            files.append((label, error))
    return SourceFiles(list(paths), files)


def plan_sources(sources: SourceFiles, settings: Settings, pupils: pd.DataFrame,
                 class_tables: list[RawTable]) -> ProgressImport:
    """Match the grades of files already read to the register and plan the cells to fill."""
    context = ProgressContext(Vocabulary(settings.points, settings.subjects), Roster(pupils),
                              settings.scale, settings.current_point)
    report = ImportReport()
    readings = []
    for label, source in sources.files:
        if isinstance(source, UnreadableFile):
            _skip_file(report, label, str(source))
            continue
        report.files_read.append(label)
        for name, reason in source.skipped:
            _skip_sheet(report, SheetSummary(label, name, used=False, reason=reason, fix=_sheet_fix(reason)))
        for sheet in source.sheets:
            reading = read_progress_sheet(sheet, context)
            if reading.summary.used:
                report.sheets.append(reading.summary)
            else:
                _skip_sheet(report, reading.summary)
            report.problems.extend(reading.problems)
            report.hidden_rows += reading.summary.hidden_rows
            readings.extend(reading.readings)
    if not sources.files:
        _skip_file(report, ", ".join(str(p) for p in sources.paths) or "(none)",
                   "No .xlsx, .xlsm, .xls or .csv files were found there.")

    plan = plan_grades(readings, class_tables, settings)
    report.filled, report.already, report.conflicts = plan.filled, plan.already, plan.conflicts
    report.problems.extend(plan.problems)
    return ProgressImport(report, plan, [label for label, _ in sources.files])


def progress_log_tab(found: ProgressImport) -> Tab:
    """Fill the report's Import log rows and return the Import log tab."""
    report = found.report
    report.log = _log_rows(report, found.plan, found.files)
    return import_log_tab("Import log: pupil progress files", _log_summary(report), report.log)


def _skip_file(report: ImportReport, label: str, reason: str) -> None:
    report.files_skipped.append((label, reason))
    report.problems.append(Problem(label, None, "", None, reason, "Skipped this file; the others were imported."))


def _skip_sheet(report: ImportReport, summary: SheetSummary) -> None:
    """Record a sheet left out, with its reason as a problem so that it reaches Data issues."""
    report.sheets.append(summary)
    report.problems.append(Problem(summary.file, summary.sheet, "", None, summary.reason_sentence(), summary.fix))


def _sheet_fix(reason: str) -> str:
    """Return what was done about a sheet that sources.read_workbook left out, and the fix."""
    if reason == "hidden sheet":
        return "Skipped this sheet. If it contains this year's grades, unhide it in Excel and import again."
    if reason == "empty sheet":
        return "Skipped this sheet, which has nothing to import."
    return "Skipped this sheet. Open the file in Excel, save it again and import again."


def _write(tracker: TrackerBook, plan: GradePlan, report: ImportReport) -> None:
    """Fill the planned cells through table_writer."""
    by_table: dict[str, dict[tuple[int, str], object]] = {}
    for write in plan.writes:
        by_table.setdefault(write.table, {})[(write.row, write.column)] = write.value
    for name, values in by_table.items():
        conflicts = tracker.writer.set_cells(name, values)
        # The file can disagree with the values read, for example a formula
        # whose cached result was blank; such a cell is left and reported.
        for conflict in conflicts:
            values.pop((conflict.row_index, conflict.header), None)
            keep_existing(report, conflict.sheet, conflict.cell, conflict.value, conflict.existing)


def keep_existing(report: ImportReport, sheet: str, cell: str, value: object, existing: object) -> None:
    """Count a planned fill as a conflict because its cell was no longer blank when written."""
    report.filled -= 1
    report.conflicts += 1
    report.problems.append(Problem(
        "", sheet, cell, value,
        f"'{sheet}'!{cell} holds {existing}, not a blank.",
        f"Kept {existing}. Type {value} there if it is right.",
    ))


def _log_rows(report: ImportReport, plan: GradePlan, files: list[str]) -> list[LogRow]:
    """Return the Import log rows grouped by file: the file's sheets first, then its values."""
    rows: list[tuple[int, int, LogRow]] = []
    order = {label: index for index, label in enumerate(files)}

    def add(file: str, rank: int, row: LogRow) -> None:
        rows.append((order.get(file, len(order)), rank, row))

    for label, reason in report.files_skipped:
        add(label, 0, LogRow(FILE_SKIPPED, file=label, note=reason))
    for sheet in report.sheets:
        if sheet.used:
            note = f"{plural(sheet.rows, 'pupil')}, {plural(sheet.grades, 'grade')}"
            if sheet.hidden_rows:
                note += f", {plural(sheet.hidden_rows, 'hidden row')}"
            add(sheet.file, 0, LogRow(SHEET_READ, file=sheet.file, sheet=sheet.sheet, note=note + "."))
        else:
            add(sheet.file, 0, LogRow(SHEET_SKIPPED, file=sheet.file, sheet=sheet.sheet,
                                      note=f"{sheet.reason_sentence()} {sheet.fix}"))
    planned = {(p.file, p.sheet, p.cell) for p in plan.problems}
    # A skipped sheet's problem has no cell, and its Sheet skipped row above already reports it.
    planned |= {(s.file, s.sheet, "") for s in report.sheets_skipped}
    for problem in report.problems:
        if problem.sheet is None or (problem.file, problem.sheet, problem.cell) in planned:
            continue
        add(problem.file, 1, LogRow(NOT_IMPORTED, pupil=problem.pupil, upn=problem.upn, column=problem.column,
                                    value=problem.value, file=problem.file, sheet=problem.sheet,
                                    cell=problem.cell, note=f"{problem.problem} {problem.action}"))
    for row in plan.log:
        add(row.file or "", 2, row)
    rows.sort(key=lambda item: (item[0], item[1]))
    return [row for _, _, row in rows]


def _log_summary(report: ImportReport) -> str:
    skipped = len(report.sheets_skipped)
    return (f"{plural(len(report.files_read), 'file')} read, {len(report.files_skipped)} skipped; "
            f"{plural(skipped, 'sheet')} skipped; "
            f"{plural(report.filled + report.already, 'grade')} in the tracker "
            f"({report.filled} filled now, {report.already} already there), {plural(report.conflicts, 'conflict')}, "
            f"{plural(len(report.problems) - report.conflicts - skipped, 'other problem')}.")
