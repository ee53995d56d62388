"""Records of an import: problems, grades read, Import log rows and the reports built from them."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..core.issues import IssueLog

# Results on the Import log, one per row.
# "In tracker" covers a value filled now and one already there from an earlier
# import, so importing the same files again leaves the log, and the file, unchanged.
IMPORTED = "In tracker"
CONFLICT = "Conflict"
NOT_IMPORTED = "Not imported"
SHEET_READ = "Sheet read"
SHEET_SKIPPED = "Sheet skipped"
FILE_SKIPPED = "File skipped"
FLAGGED = "Flagged"
# Results that report a problem, so an import that finds a new one saves
# the workbook even when it fills no cell. A skipped sheet is one, so the
# reason reaches the Import log even when no sheet of a file was used.
PROBLEM_RESULTS = frozenset({CONFLICT, NOT_IMPORTED, FILE_SKIPPED, SHEET_SKIPPED, FLAGGED})


def plural(count: int, noun: str, nouns: str | None = None) -> str:
    """Return '1 pupil' or '3 pupils'."""
    return f"{count} {noun if count == 1 else (nouns or noun + 's')}"


def source_sheet_label(file: str, sheet: str | None) -> str:
    """Return '[file]sheet', the way Excel names a sheet in another workbook.

    Without a file the sheet is one of the tracker's own and keeps its name.
    """
    if not file:
        return sheet or ""
    return f"[{file}]{sheet}" if sheet else f"[{file}]"


# The records below are plain slotted dataclasses, not frozen ones, because an
# import makes thousands of them and a frozen dataclass is about four times
# slower to create (CPython 3.11).
@dataclass(slots=True)
class Problem:
    """Something in a source file that could not be imported, with where it is and the fix."""

    file: str
    sheet: str | None
    cell: str
    value: object
    problem: str
    action: str
    pupil: str | None = None  # the pupil the value belongs to, when the row names one
    upn: str | None = None
    column: str | None = None  # the tracker column the value was meant for, such as "Spring Maths"


@dataclass(slots=True)
class Reading:
    """One grade found in a source file, matched to a pupil."""

    upn: str
    pupil: str
    point: str
    subject: str
    code: str  # the grade code on the school's scale
    raw: object  # the value as typed in the file
    file: str
    sheet: str
    cell: str
    hidden_row: bool = False
    point_assumed: bool = False


@dataclass(slots=True)
class LogRow:
    """A row of the Import log tab.

    ``column`` is the tracker column the value belongs in ("Spring Maths",
    "PP"), ``old`` what the tracker held before and ``value`` what the
    source gave.
    """

    result: str
    pupil: str | None = None
    upn: str | None = None
    column: str | None = None
    old: object = None
    value: object = None
    target_sheet: str | None = None
    target_cell: str | None = None
    file: str | None = None
    sheet: str | None = None
    cell: str | None = None
    note: str | None = None

    def values(self) -> list[object]:
        return [self.result, self.pupil, self.upn, self.column, self.old, self.value, self.target_sheet,
                self.target_cell, self.file, self.sheet, self.cell, self.note]


# Skipped sheets listed one per line in a printed summary; the rest are on the Import log.
SHOWN_SKIPPED_SHEETS = 10

REFRESH_HINT = "Refresh the summary (button, or 'pptracker refresh') to update the figures."

LOG_HEADERS = ["Result", "Pupil", "UPN", "Column", "Was", "Value", "Tracker sheet", "Tracker cell",
               "Source file", "Source sheet", "Source cell", "Note"]


@dataclass
class SheetSummary:
    file: str
    sheet: str
    used: bool
    reason: str = ""
    rows: int = 0  # pupil rows read
    grades: int = 0
    hidden_rows: int = 0
    fix: str = "Skipped this sheet; the file's other sheets were read."  # what was done, and what to do

    def reason_sentence(self) -> str:
        """Return the reason as a sentence: capital first letter and a full stop."""
        text = self.reason[:1].upper() + self.reason[1:]
        return text if text.endswith(".") else text + "."


@dataclass
class ImportReport:
    """The outcome of a progress-file import; ``summary()`` describes it in a few lines."""

    files_read: list[str] = field(default_factory=list)
    files_skipped: list[tuple[str, str]] = field(default_factory=list)  # (file, reason)
    sheets: list[SheetSummary] = field(default_factory=list)
    filled: int = 0
    already: int = 0
    conflicts: int = 0
    problems: list[Problem] = field(default_factory=list)
    log: list[LogRow] = field(default_factory=list)
    hidden_rows: int = 0
    saved: bool = False

    @property
    def sheets_used(self) -> list[SheetSummary]:
        return [s for s in self.sheets if s.used]

    @property
    def sheets_skipped(self) -> list[SheetSummary]:
        return [s for s in self.sheets if not s.used]

    def summary(self) -> str:
        lines = [
            f"Read {plural(len(self.files_read), 'file')} ({plural(len(self.sheets_used), 'sheet')} used); "
            f"filled {plural(self.filled, 'empty grade cell')}, {self.already} already there, "
            f"{plural(self.conflicts, 'conflict')} left as they were."
        ]
        for _, reason in self.files_skipped:
            lines.append(f"Skipped: {reason}")
        skipped = self.sheets_skipped
        for sheet in skipped[:SHOWN_SKIPPED_SHEETS]:
            lines.append(f"Skipped sheet '{sheet.sheet}' of {sheet.file}: {sheet.reason_sentence()}")
        if len(skipped) > SHOWN_SKIPPED_SHEETS:
            lines.append(f"  ... and {plural(len(skipped) - SHOWN_SKIPPED_SHEETS, 'more sheet')} on the Import log.")
        if self.hidden_rows:
            lines.append(f"Read {plural(self.hidden_rows, 'hidden row')} (flagged on the Import log).")
        other = len(self.problems) - self.conflicts - len(self.files_skipped) - len(skipped)
        if other > 0:
            lines.append(f"{plural(other, 'value')} could not be imported; see the Import log and Data issues tabs.")
        lines.append(REFRESH_HINT if self.saved else "The workbook was not changed.")
        return "\n".join(lines)

    def issue_log(self) -> IssueLog:
        return issue_log(self.problems)


def issue_log(problems: list[Problem]) -> IssueLog:
    """Return problems as Data issues rows, each source sheet named as [file]sheet."""
    issues = IssueLog()
    for p in problems:
        issues.add(source_sheet_label(p.file, p.sheet), p.cell, p.value, p.problem, p.action)
    return issues
