"""Update the Pupils table from an MIS export (CSV or Excel) or a Common Transfer File."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from .. import contract as c
from ..core.issues import IssueLog
from ..core.tables import RawTable, display
from ..tabs import Tab
from .ctf import is_ctf, read_ctf
from .log_tab import import_log_tab
from .progress import ProgressCallback
from .records import FILE_SKIPPED, FLAGGED, NOT_IMPORTED, LogRow, Problem, REFRESH_HINT, issue_log, plural
from .register_plan import Change, RegisterPlan, plan_register
from .register_rows import PupilRecord, RegisterRow, read_record, rows_from_sheet
from .sources import UnreadableFile, read_bytes, read_csv, read_workbook
from .workbook import TrackerBook, open_book, save_import

ADDED = "Added"
UPDATED = "Updated"
MARKED_LEFT = "Marked as left"


@dataclass
class RegisterReport:
    """The outcome of an MIS register import; ``summary()`` describes it in a few lines."""

    file: str
    census_date: date | None = None
    census_defaulted: bool = False  # True when no census date was given, so today's date was used
    rows_read: int = 0
    added: list[tuple[str, str]] = field(default_factory=list)  # (UPN, name)
    changes: list[Change] = field(default_factory=list)
    marked_left: list[Change] = field(default_factory=list)
    hidden_rows: int = 0
    invalid_upns: int = 0
    problems: list[Problem] = field(default_factory=list)
    log: list[LogRow] = field(default_factory=list)
    saved: bool = False
    unreadable: str = ""  # the reason the register file could not be read, or "" when it was read

    def summary(self) -> str:
        if self.unreadable:
            return f"Skipped: {self.unreadable}\nNothing was imported."
        lines = [f"Read {plural(self.rows_read, 'pupil')} from {self.file}: added {len(self.added)}, "
                 f"updated {plural(len(self.changes), 'value')} for "
                 f"{plural(len({ch.upn for ch in self.changes}), 'pupil')}, marked {len(self.marked_left)} as left."]
        if self.census_date:
            lines.append(census_note(self))
        for change in self.changes[:20]:
            before = "(blank)" if change.old is None else _shown(change.old)
            after = "(blank)" if change.new is None else _shown(change.new)
            lines.append(f"  {change.name} ({change.upn}): {change.header} {before} -> {after}")
        if len(self.changes) > 20:
            lines.append(f"  ... and {len(self.changes) - 20} more on the Import log.")
        if self.hidden_rows:
            lines.append(f"Read {plural(self.hidden_rows, 'hidden row')} (flagged on the Import log).")
        if self.invalid_upns:
            lines.append(f"{plural(self.invalid_upns, 'UPN')} failed the DfE check; see Data issues.")
        if self.added:
            lines.append("Run Set up class sheets to give the new pupils rows on their class sheets.")
        others = len(self.problems) - self.invalid_upns
        if others > 0:
            lines.append(f"{plural(others, 'other problem')}; see the Import log and Data issues tabs.")
        lines.append(REFRESH_HINT if self.saved else "The workbook was not changed.")
        return "\n".join(lines)

    def issue_log(self) -> IssueLog:
        return issue_log(self.problems)


def census_note(report: RegisterReport) -> str:
    """Return the sentence naming the census date Ever 6 FSM was worked out at, and when it was a default."""
    if not report.census_defaulted:
        return f"Ever 6 FSM worked out at the census date {report.census_date:%d/%m/%Y}."
    return (f"Ever 6 FSM worked out at today's date, {report.census_date:%d/%m/%Y}, because no census date "
            "was given. The DfE funds Pupil Premium from the October census, so to match the funding "
            "import again with --census-date set to the October census day.")


def import_register(book: str | Path, file: str | Path, census_date: date | None = None,
                    out: str | Path | None = None, now: datetime | None = None,
                    progress: ProgressCallback | None = None) -> RegisterReport:
    """Update the Pupils table from an MIS export or a CTF.

    New pupils are added, changed MIS fields (names, year, class, PP and its
    category, SEN, EAL, attendance) are updated and listed, and pupils
    missing from a whole-school export are marked in the Left column, never
    deleted. SEN details, Narrative and other staff-typed columns are left
    alone. ``census_date`` is the date Ever 6 FSM is worked out at from a
    CTF's FSM history (default: today).
    """
    now = now or datetime.now().replace(microsecond=0)
    tracker = open_book(book)
    if progress:
        progress(0, 1, Path(file).name)

    table = tracker.tables[c.PUPILS_TABLE]
    found = plan_register_import(file, table, now, census_date)
    if found.plan is not None:
        _write(tracker, found.plan, found.report)
    tab = register_log_tab(found, table)
    found.report.saved = save_import(tracker, out, found.report.issue_log(), tab, now)
    if progress and found.plan is not None:
        progress(1, 1, "Done")
    return found.report


@dataclass
class RegisterImport:
    """An MIS register read and planned against the Pupils table, before anything is written."""

    report: RegisterReport
    plan: RegisterPlan | None  # None when the file could not be read
    unreadable: str = ""  # why the file could not be read


def plan_register_import(file: str | Path, table: RawTable, now: datetime,
                         census_date: date | None = None) -> RegisterImport:
    """Read an MIS export or a CTF and plan the changes to the Pupils table, writing nothing.

    A writer applies the plan and calls record_register_writes with what
    it could write, and register_log_tab then lays out the Import log.
    """
    census = census_date or now.date()
    path = Path(file)
    label = path.name
    report = RegisterReport(label, census_defaulted=census_date is None)
    try:
        rows, problems = _read_rows(path, label, census, report)
    except UnreadableFile as error:
        report.problems.append(Problem(label, None, "", None, str(error), "Nothing was imported from it."))
        report.unreadable = str(error)
        return RegisterImport(report, None, str(error))
    report.problems.extend(problems)

    records: list[PupilRecord] = []
    for row in rows:
        record = read_record(row, now.date(), report.problems)
        if record is not None:
            records.append(record)
    report.rows_read = len(rows)
    report.hidden_rows = sum(1 for row in rows if row.hidden)

    plan = plan_register(records, table, now.date(), label)
    report.problems.extend(plan.problems)
    report.invalid_upns = plan.invalid_upns
    return RegisterImport(report, plan)


def register_log_tab(found: RegisterImport, table: RawTable) -> Tab:
    """Fill the report's Import log rows and return the Import log tab."""
    report = found.report
    if found.plan is None:
        report.log = [LogRow(FILE_SKIPPED, file=report.file, note=found.unreadable)]
        return import_log_tab("Import log: MIS register", "The register file could not be read.", report.log)
    report.log = _log_rows(report, found.plan, table)
    summary = (f"{report.file}: {plural(report.rows_read, 'pupil')} read, {len(report.added)} added, "
               f"{plural(len(report.problems), 'problem')}.")
    if report.census_date:
        summary += " " + census_note(report)
    return import_log_tab("Import log: MIS register", summary, report.log)


def _read_rows(path: Path, label: str, census: date, report: RegisterReport) -> tuple[list[RegisterRow], list[Problem]]:
    data = read_bytes(path, label)
    suffix = path.suffix.lower()
    if suffix == ".xml" or is_ctf(data):
        report.census_date = census
        return read_ctf(data, label, census), []
    if suffix == ".csv":
        source = read_csv(data, path, label)
    elif suffix in (".xlsx", ".xlsm", ".xls"):
        source = read_workbook(data, path, label)
    else:
        raise UnreadableFile(f"{label} is not a register file pptracker reads (.csv, .xlsx, .xlsm, .xls or a "
                             "CTF .xml).")
    rows: list[RegisterRow] = []
    problems: list[Problem] = []
    for sheet in source.sheets:
        sheet_rows, sheet_problems = rows_from_sheet(sheet)
        if sheet_rows:
            rows.extend(sheet_rows)
            problems.extend(sheet_problems)
    if not rows:
        raise UnreadableFile(f"{label} has no sheet with a UPN column and pupils under it.")
    return rows, problems


def _write(tracker: TrackerBook, plan: RegisterPlan, report: RegisterReport) -> None:
    """Apply the plan through table_writer.

    The writer parses the Pupils sheet at its first call, so it is called
    only for the kinds of edit the plan has, and an import that changes
    nothing leaves the sheet unparsed.
    """
    writer = tracker.writer
    updates = {(ch.row, ch.header): ch.new for ch in plan.changes if ch.new is not None}
    clears = [(ch.row, ch.header) for ch in plan.changes if ch.new is None]
    conflicts = []
    if updates:
        conflicts += writer.set_cells(c.PUPILS_TABLE, updates, overwrite=True)
    if clears:
        conflicts += writer.clear_cells(c.PUPILS_TABLE, clears)
    blocked = {(k.row_index, k.header) for k in conflicts}
    if plan.left:
        writer.set_cells(c.PUPILS_TABLE, {(ch.row, ch.header): ch.new for ch in plan.left})
    indices = writer.append_rows(c.PUPILS_TABLE, [values for _, values in plan.added]) if plan.added else []
    record_register_writes(report, plan, tracker.tables[c.PUPILS_TABLE], blocked, indices)


def record_register_writes(report: RegisterReport, plan: RegisterPlan, table: RawTable,
                           blocked: set[tuple[int, str]], added_rows: list[int]) -> None:
    """Record in the report what a writer applied from the plan.

    ``blocked`` contains the (row, header) cells the writer left because they
    contain a formula, and ``added_rows`` the 0-based body rows it gave the
    new pupils, in the plan's order.
    """
    for change in plan.changes:
        if (change.row, change.header) in blocked:
            new = "(blank)" if change.new is None else _shown(change.new)
            report.problems.append(Problem("", table.sheet, table.cell(change.row, change.header),
                                           _shown(change.old), f"This cell contains a formula, so the new value "
                                           f"{new} was not written.", "Kept the formula."))
            continue
        report.changes.append(change)

    report.marked_left.extend(plan.left)

    for (record, values), index in zip(plan.added, added_rows):
        name = " ".join(str(record.columns.get(k)) for k in ("Forename", "Surname") if record.columns.get(k))
        report.added.append((record.upn, name))
    plan.added = [(record, {**values, "_row": index}) for (record, values), index in zip(plan.added, added_rows)]


def _log_rows(report: RegisterReport, plan: RegisterPlan, table: RawTable) -> list[LogRow]:
    upn_header = next(h for h in table.header if h.casefold() == "upn")
    rows: list[LogRow] = []

    def source(record: PupilRecord | None, role: str | None = None) -> dict:
        if record is None:
            return {}
        row = record.row
        return dict(file=row.file, sheet=row.sheet, cell=row.cells.get(role, row.cell) if role else row.cell)

    for record, values in plan.added:
        name = " ".join(str(record.columns.get(k)) for k in ("Forename", "Surname") if record.columns.get(k))
        rows.append(LogRow(ADDED, name, record.upn, value=record.upn, target_sheet=table.sheet,
                           target_cell=table.cell(values["_row"], upn_header), **source(record, "upn")))
    for change in report.changes:
        rows.append(LogRow(UPDATED, change.name, change.upn, change.header, _shown(change.old), _shown(change.new),
                           table.sheet, table.cell(change.row, change.header), **source(change.record)))
    for change in report.marked_left:
        note = None if change.record else f"Not in {report.file}, a whole-school export."
        rows.append(LogRow(MARKED_LEFT, change.name, change.upn, change.header, None, _shown(change.new),
                           table.sheet, table.cell(change.row, change.header), note=note,
                           **source(change.record, "leaving")))
    for record, note in plan.flagged:
        rows.append(LogRow(FLAGGED, None, record.upn, **source(record), note=note))
    for problem in report.problems:
        skipped = problem.action.startswith(("Not imported", "Nothing"))
        rows.append(LogRow(NOT_IMPORTED if skipped else FLAGGED, value=problem.value,
                           file=problem.file or None, sheet=problem.sheet, cell=problem.cell or None,
                           note=f"{problem.problem} {problem.action}"))
    return rows


def _shown(value: object) -> object:
    if isinstance(value, (date, datetime)):
        return value.strftime("%d/%m/%Y")
    return display(value)
