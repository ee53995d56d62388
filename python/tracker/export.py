"""Export a macro-free copy of the results to share: for the head or for governors.

The export recalculates every figure from the workbook's input sheets, the
same way a refresh does, and writes values only: no formulas, no VBA
project and no hidden sheets. The workbook is built in memory, so when a
password is given only the encrypted bytes ever reach the disk.
"""

from __future__ import annotations

import getpass
import io
import math
import os
from datetime import date, datetime, time, timedelta
from pathlib import Path

import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from .core.pipeline import RefreshResult, run
from .encrypt import encrypt_workbook, write_atomic
from .errors import TrackerError
from .file_adapter import read_tables
from .package import Package
from .styles import FONT, STYLES
from .tabs import Tab

# Shorter passwords fall to a guessing attack on a copied file in minutes.
MIN_PASSWORD_LENGTH = 8

# Environment variable that scripts can use to pass the export password,
# so the password never appears on a command line or in a shell history.
PASSWORD_ENV = "PPTRACKER_PASSWORD"
COVER_SHEET = "Cover"
EXPORT_SUFFIX = ".xlsx"


class ExportError(TrackerError):
    """The export could not be made. The message states what to change."""


class ExportWriter:
    """An in-memory XlsxWriter workbook with the named styles of the tracker."""

    def __init__(self, title: str, now: datetime):
        self.buffer = io.BytesIO()
        # in_memory keeps XlsxWriter from staging sheet XML in temporary files,
        # which would put unencrypted pupil data on disk.
        self.book = xlsxwriter.Workbook(self.buffer, {
            "in_memory": True,
            "strings_to_numbers": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
        })
        self.book.set_properties({"title": title, "author": "pptracker", "created": now})
        self.formats = {name: self.book.add_format({"font_name": FONT, **props}) for name, props in STYLES.items()}
        self.formats["time"] = self.book.add_format({"font_name": FONT, "num_format": "hh:mm", "valign": "top"})
        self.formats["indented"] = self.book.add_format({"font_name": FONT, "valign": "top", "indent": 1})
        self.formats["duration"] = self.book.add_format({"font_name": FONT, "num_format": "[h]:mm", "valign": "top"})
        self.sheets: dict[str, Worksheet] = {}

    def add_sheet(self, name: str) -> Worksheet:
        sheet = self.book.add_worksheet(name)
        self.sheets[name] = sheet
        return sheet

    def write_tab(self, sheet: Worksheet, tab: Tab) -> None:
        """Write a tab's values with its named styles and row heights."""
        styles: dict[tuple[int, int], str] = {}
        for first_row, first_col, last_row, last_col, name in tab.styles:
            for row in range(first_row, last_row + 1):
                for col in range(first_col, last_col + 1):
                    styles[(row, col)] = name

        for row, height in tab.row_heights.items():
            sheet.set_row(row, height)

        for row, values in enumerate(tab.cells):
            for col, value in enumerate(values):
                self.write_value(sheet, row, col, value, styles.pop((row, col), None))

        # Styled cells with no value, such as the filled band of a section heading.
        for (row, col), name in styles.items():
            sheet.write_blank(row, col, None, self.formats[name])

    def write_value(self, sheet: Worksheet, row: int, col: int, value: object, style: str | None) -> None:
        """Write one value as a constant of its own type, so text stays text."""
        cell_format = self.formats.get(style) if style else None
        if value is None or (isinstance(value, float) and not math.isfinite(value)):
            sheet.write_blank(row, col, None, cell_format)
        elif isinstance(value, bool):
            sheet.write_boolean(row, col, value, cell_format)
        elif isinstance(value, (int, float)):
            sheet.write_number(row, col, value, cell_format)
        elif isinstance(value, datetime):
            default = "date" if value.time() == time() else "datetime"
            sheet.write_datetime(row, col, value, cell_format or self.formats[default])
        elif isinstance(value, date):
            sheet.write_datetime(row, col, datetime(value.year, value.month, value.day),
                                 cell_format or self.formats["date"])
        elif isinstance(value, time):
            sheet.write_datetime(row, col, value, cell_format or self.formats["time"])
        elif isinstance(value, timedelta):
            sheet.write_datetime(row, col, value, cell_format or self.formats["duration"])
        else:
            # write_string, never write(): a value such as "=HYPERLINK(...)" or
            # "-3" typed by staff must not turn into a formula or a number.
            sheet.write_string(row, col, str(value), cell_format)

    def close(self) -> bytes:
        self.book.close()
        return self.buffer.getvalue()


def write_cover(writer: ExportWriter, name: str, result: RefreshResult, title: str,
                rows: list[tuple[str, str]], warning: str) -> Worksheet:
    """Add the cover sheet: what the file is, where it came from and how to handle it."""
    sheet = writer.add_sheet(name)
    value_format = writer.book.add_format({"font_name": FONT, "text_wrap": True, "valign": "top", "align": "left"})
    warning_format = writer.book.add_format({**STYLES["section"], "font_name": FONT, "text_wrap": True,
                                             "valign": "top"})
    sheet.write_string(0, 0, f"{title}: {result.settings.school}", writer.formats["title"])
    row = 2
    for label, value in rows:
        sheet.write_string(row, 0, label, writer.formats["header"])
        sheet.write_string(row, 1, value, value_format)
        row += 1
    # Excel does not grow a merged row to fit wrapped text, so the height is set.
    sheet.merge_range(row + 1, 0, row + 1, 1, warning, warning_format)
    sheet.set_row(row + 1, 48)

    sheet.set_column(0, 0, 24)
    sheet.set_column(1, 1, 80)
    sheet.hide_gridlines(2)
    sheet.set_portrait()
    sheet.set_paper(9)  # A4
    sheet.fit_to_pages(1, 0)
    sheet.activate()
    return sheet


def cover_rows(result: RefreshResult, book: Path, last_refreshed: str | None, password: bool,
               sheets: list[str]) -> list[tuple[str, str]]:
    """Return the label and value rows shared by both covers."""
    s = result.settings
    issue_count = len(result.issues)
    issues = (f"{issue_count} (listed on the Data issues tab of the workbook; fix them there and export again)"
              if issue_count else "none")
    return [
        ("School", s.school),
        ("Academic year", s.academic_year),
        ("Assessment point", s.current_point),
        ("Figures calculated", f"{result.refreshed_at:%d/%m/%Y %H:%M}"),
        ("How", "Recalculated from the workbook's input sheets when this file was made, "
                "as 'Refresh summary' does."),
        ("Workbook last refreshed", last_refreshed or "not found in the workbook"),
        ("Made from", book.name),
        ("Data issues", issues),
        ("Password", "Yes: Excel asks for it before showing anything" if password else "No"),
        ("Tabs", ", ".join(sheets)),
    ]


def check_password(password: str | None) -> None:
    """Raise ExportError for a password too short to protect personal data; None means no password."""
    if password is not None and len(password) < MIN_PASSWORD_LENGTH:
        length = f"{len(password)} character" + ("" if len(password) == 1 else "s")
        raise ExportError(f"The password has {length}; use at least {MIN_PASSWORD_LENGTH}, "
                          "such as three random words, because the file holds children's personal data.")


def read_password(environ: dict[str, str] | None = None, prompt=getpass.getpass) -> str:
    """Return the export password from PPTRACKER_PASSWORD, or ask for it twice at the terminal.

    The password is never echoed, logged or written into the workbook.
    """
    environ = os.environ if environ is None else environ
    if PASSWORD_ENV in environ:
        # An empty variable is a mistake in a script, not a request to prompt.
        if not environ[PASSWORD_ENV]:
            raise ExportError(f"{PASSWORD_ENV} is set but empty. Set it to the password, or unset it "
                              "to be asked at the terminal.")
        return environ[PASSWORD_ENV]
    try:
        first = prompt("Password for the export: ")
        second = prompt("Type the password again: ")
    except EOFError as error:
        raise ExportError(f"No password was typed. Run the command in a terminal, or set {PASSWORD_ENV} "
                          "in the environment of a script.") from error
    if first != second:
        raise ExportError("The two passwords do not match. Nothing was written; run the command again.")
    if not first:
        raise ExportError("The password is empty. Type a password, or export without --password.")
    return first


def unique_name(name: str, taken: set[str]) -> str:
    """Return a sheet name not already taken (Excel compares names without case)."""
    lowered = {t.lower() for t in taken}
    candidate, number = name, 2
    while candidate.lower() in lowered:
        candidate = f"{name} ({number})"
        number += 1
    return candidate


def _check_paths(book: Path, out: Path) -> None:
    if out.suffix.lower() != EXPORT_SUFFIX:
        raise ExportError(
            f"The export is a macro-free workbook, so its name must end in {EXPORT_SUFFIX} "
            f"('{out.name}' does not). For example: 'Pupil Premium for head{EXPORT_SUFFIX}'."
        )
    if out.exists() and book.exists() and out.resolve() == book.resolve():
        raise ExportError(f"The export would overwrite the workbook {book.name}. Choose another file name.")
    if not out.parent.is_dir():
        raise ExportError(f"The folder {out.parent} was not found. Create it or choose another folder.")


def export_for_head(book_path: str | Path, out_path: str | Path, password: str | None = None,
                    include_inputs: bool = False, governors: bool = False,
                    now: datetime | None = None) -> Path:
    """Write a macro-free .xlsx of the results to ``out_path`` and return its path.

    With ``governors`` the file contains figures only, with small groups
    suppressed. Otherwise it contains the summary tabs for the head, plus
    the input sheets as values when ``include_inputs`` is set. With a password
    the file is encrypted, so Excel prompts for it before opening. ``now`` is
    the calculation time (the current time when not given). Errors that a
    user can fix raise TrackerError subclasses, and nothing is written.
    """
    from .export_governors import governors_workbook
    from .export_head import head_workbook, last_refresh_text

    book, out = Path(book_path), Path(out_path)
    if governors and include_inputs:
        raise ExportError("The governors' report contains figures only, so it cannot include the input sheets. "
                          "Leave out --include-inputs, or export for the head instead.")
    _check_paths(book, out)
    check_password(password)

    package = Package.open(book)
    tables = read_tables(package)
    result = run(tables, now or datetime.now().replace(microsecond=0))
    last_refreshed = last_refresh_text(package)
    if governors:
        data = governors_workbook(package, result, book, last_refreshed, bool(password))
    else:
        data = head_workbook(package, result, book, last_refreshed, bool(password), include_inputs)

    if password:
        data = encrypt_workbook(data, password)
    return write_atomic(out, data)
