"""The xlwings adapter: read input tables from open Excel and write the owned tabs.

Each Excel table is read in one range read. Each owned tab is written in
one range write, plus one call per styled rectangle and property. So the
number of calls into Excel stays the same however many pupils there are.
The functions take an ``xlwings.Book`` and work on every xlwings engine
that can write: Excel on Windows and macOS, and the remote engine the tests
use. Protection is the one exception: xlwings has no API for it, so it is
handled per engine below.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Callable

from . import contract as c
from .core.issues import ISSUE_COLUMNS
from .core.pipeline import RefreshResult, run
from .core.cells import MERGED, CellError
from .core.tables import RawTable, cell_name
from .errors import TrackerError
from .styles import STYLES
from .vba import VERSION_CELL, XLWINGS_CONF_SHEET
from .tabs import LIST_HEADER_ROW, SUBJECT_CHART_FIRST_ROW, TREND_CHART_FIRST_ROW, Tab, build_tabs, excel_value

# One read covers the settings and the version the builder records in E1.
CONF_READ_RANGE = "A1:E12"

# Excel's Range.Value turns text such as "=1+1", "1", "03/09/2025" or
# "TRUE" into a formula, number, date or boolean. A leading apostrophe makes
# Excel store the rest as text, as when a user types it.
TEXT_PREFIX = "'"

# Cell properties reset on a whole tab before its styles are applied, so a
# row that held a header last time does not keep its fill.
PLAIN = {"num_format": "General", "bold": False, "italic": False, "font_size": 11, "font_color": "#000000",
         "bg_color": None, "text_wrap": False, "valign": "bottom"}


@dataclass(frozen=True)
class Protection:
    """Actions a protected tab still allows, named after Excel's Protect arguments."""

    sorting: bool = False
    filtering: bool = False
    formatting_columns: bool = False


# The builder's protection of each owned tab, for engines that cannot read
# it back: Summary with Excel's defaults, the list tabs so that staff can
# still sort, filter and widen columns.
LIST_TAB_PROTECTION = Protection(sorting=True, filtering=True, formatting_columns=True)
BUILT_PROTECTION = {c.SUMMARY_SHEET: Protection()}


def now() -> datetime:
    """Return the time a refresh records, to the second. Tests replace it."""
    return datetime.now().replace(microsecond=0)


# The error values Excel shows in a cell; xlwings reads them as these strings
# with err_to_str. Typed text cannot look like one without an apostrophe,
# which Excel does not return as part of the value.
EXCEL_ERRORS = frozenset({"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA",
                          "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!"})


def read_tables(book) -> dict[str, RawTable]:
    """Return every Excel table of an open book by name, each read in one range read.

    Every table is read, as the file adapter reads them, so both hand the
    pipeline the same tables, optional ones included. Error values become
    CellError and merged ranges go in ``extra``, also as the file adapter
    does.
    """
    tables = {}
    for sheet in book.sheets:
        for table in sheet.tables:
            whole = table.range
            values = whole.options(ndim=2, err_to_str=True).value
            header_rows = 1 if table.show_headers else 0
            total_rows = 1 if table.show_totals else 0
            header = []
            if header_rows:
                header = ["" if h is None else str(h) for h in values[0]]
            body = values[header_rows:len(values) - total_rows]
            raw = RawTable(
                name=table.name,
                sheet=sheet.name,
                header=header,
                rows=[[CellError(v) if isinstance(v, str) and v in EXCEL_ERRORS else v for v in row]
                      for row in body],
                first_row=whole.row + header_rows,
                first_col=whole.column,
            )
            merged = _merged_ranges(table)
            if merged:
                raw.extra[MERGED] = merged
            tables[table.name] = raw
    return tables


def _merged_ranges(table) -> list[str]:
    """Return the merged ranges that cross a table's body, in A1 form.

    One call checks whether the body contains a merged cell; only then are its
    columns and cells visited, so a table without merges costs one call.
    """
    body = table.data_body_range
    if body is None:
        return []
    try:
        if body.merge_cells is False:
            return []
    except NotImplementedError:
        # NOTE: xlwings' remote engine cannot read merges, so a merged
        # range goes unreported there; Excel on Windows and macOS can.
        return []
    found = []
    for column in body.columns:
        if column.merge_cells is False:
            continue
        for cell in column:
            if cell.merge_cells:
                address = cell.merge_area.address.replace("$", "")
                if address not in found:
                    found.append(address)
    return found


def excel_cell(value: object) -> object:
    """Return a tab value as it must be written through Range.Value."""
    value = excel_value(value)
    if isinstance(value, str):
        return TEXT_PREFIX + value if value else None
    if isinstance(value, date) and not isinstance(value, datetime):
        return datetime(value.year, value.month, value.day)
    return value


def _grid(tab: Tab) -> list[list[object]]:
    width = max(tab.width, 1)
    rows = tab.cells or [[]]
    return [[excel_cell(v) for v in row] + [None] * (width - len(row)) for row in rows]


# Style property: (object to set it on, attribute). Each one set is one call
# into Excel. Borders are left as the builder drew them.
_STYLE_SETTERS = {
    "num_format": ("range", "number_format"),
    "bold": ("font", "bold"),
    "italic": ("font", "italic"),
    "font_size": ("font", "size"),
    "font_color": ("font", "color"),
    "bg_color": ("range", "color"),
    "text_wrap": ("range", "wrap_text"),
    "valign": ("range", "vertical_alignment"),
}


def _apply_style(target, properties: dict) -> None:
    """Set the number format, font, fill, wrap and vertical alignment of a range."""
    font = None
    for key, value in properties.items():
        if key not in _STYLE_SETTERS:
            continue
        owner, attribute = _STYLE_SETTERS[key]
        if owner == "font":
            font = font or target.font
        try:
            setattr(font if owner == "font" else target, attribute, value)
        except NotImplementedError:
            # xlwings' remote engine sets vertical alignment only for
            # Office.js clients; the look, not the values, is what differs.
            pass


def style_blocks(tab: Tab) -> list[tuple[int, int, int, int, str]]:
    """Return the tab's styles as few rectangles as possible, one style per cell.

    A later style replaces an earlier one on the cells they share, as in the
    file adapter. Runs of one style down a column are joined, then equal
    runs in neighbouring columns, so a style that covers a whole column of
    a list costs one call however many rows the list has.
    """
    by_cell: dict[tuple[int, int], str] = {}
    for first_row, first_col, last_row, last_col, name in tab.styles:
        for row in range(first_row, last_row + 1):
            for col in range(first_col, last_col + 1):
                by_cell[(row, col)] = name

    runs: dict[tuple[int, int, str], list[int]] = {}
    for col in sorted({col for _, col in by_cell}):
        rows = sorted(row for row, c in by_cell if c == col)
        start = previous = rows[0]
        for row in rows[1:] + [None]:
            if row is not None and row == previous + 1 and by_cell[(row, col)] == by_cell[(start, col)]:
                previous = row
                continue
            runs.setdefault((start, previous, by_cell[(start, col)]), []).append(col)
            if row is not None:
                start = previous = row

    blocks = []
    for (first_row, last_row, name), cols in runs.items():
        first = cols[0]
        for before, col in zip(cols, cols[1:] + [None]):
            if col != before + 1:
                blocks.append((first_row, first, last_row, before, name))
                first = col
    return sorted(blocks)


def _cells(sheet, first_row: int, first_col: int, last_row: int, last_col: int):
    return sheet.range((first_row + 1, first_col + 1), (last_row + 1, last_col + 1))


def _engine_module(sheet) -> str:
    return type(sheet.impl).__module__


def _protection(sheet) -> Protection | None:
    """Return how the sheet is protected now, or None when it is not protected."""
    module = _engine_module(sheet)
    api = sheet.api
    if module.endswith("_xlwindows"):
        if not api.ProtectContents:
            return None
        allowed = api.Protection
        return Protection(bool(allowed.AllowSorting), bool(allowed.AllowFiltering),
                          bool(allowed.AllowFormattingColumns))
    if module.endswith("_xlmac"):
        # NOTE: the AppleScript names here and in _set_protection follow
        # Excel's scripting dictionary and have not been run on a Mac.
        if not api.protect_contents.get():
            return None
        return BUILT_PROTECTION.get(sheet.name, LIST_TAB_PROTECTION)
    # The remote engine's payload carries no protection, and xlwings'
    # clients apply its actions whatever the protection.
    return None


def _set_protection(sheet, protection: Protection | None) -> None:
    """Protect the sheet without a password with the allowances in ``protection``, or unprotect it for None."""
    module = _engine_module(sheet)
    api = sheet.api
    if module.endswith("_xlwindows"):
        if protection is None:
            api.Unprotect()
        else:
            api.Protect(DrawingObjects=True, Contents=True, Scenarios=True, AllowSorting=protection.sorting,
                        AllowFiltering=protection.filtering,
                        AllowFormattingColumns=protection.formatting_columns)
    elif module.endswith("_xlmac"):
        if protection is None:
            api.unprotect()
        else:
            api.protect(drawing_objects=True, contents=True, scenarios=True, allow_sorting=protection.sorting,
                        allow_filtering=protection.filtering,
                        allow_formatting_columns=protection.formatting_columns)


_SERIES_RANGE = re.compile(r"(\$[A-Z]{1,3}\$)(\d+)(:\$[A-Z]{1,3}\$)(\d+)")


def fit_series_formula(formula: str, lengths: dict[int, int]) -> str:
    """Return a chart series formula with each range that starts on a listed row fitted to its length.

    ``lengths`` maps a 1-based sheet row to the number of rows now filled
    from it, as the file adapter fits the same ranges in the chart XML.
    Single-cell references, such as the series name, are left alone.
    """

    def fit(match: re.Match) -> str:
        first = int(match.group(2))
        if first not in lengths:
            return match.group(0)
        last = first + max(lengths[first], 1) - 1
        return f"{match.group(1)}{first}{match.group(3)}{last}"

    return _SERIES_RANGE.sub(fit, formula)


def _fit_charts(sheet, tab: Tab) -> None:
    """Fit the ranges of the tab's charts to the rows just written, as the file adapter does."""
    rows = tab.chart_rows or {}
    if not rows and tab.chart_ranges:
        rows = {SUBJECT_CHART_FIRST_ROW: tab.chart_ranges["subjects"],
                TREND_CHART_FIRST_ROW: tab.chart_ranges["points"]}
    if not rows or not _engine_module(sheet).endswith("_xlwindows"):
        # NOTE: xlwings has no API for series formulas, so charts are fitted
        # only through COM on Windows. On a Mac they keep their built ranges.
        return
    lengths = {row + 1: count for row, count in rows.items()}
    for chart in sheet.charts:
        for series in chart.api[1].SeriesCollection():
            series.Formula = fit_series_formula(series.Formula, lengths)


def write_tab(book, tab: Tab) -> None:
    """Replace the values and styles of one owned tab, keeping its charts and layout."""
    if tab.name not in [sheet.name for sheet in book.sheets]:
        if tab.optional:
            return  # built before this tab existed; the other tabs still refresh
        raise TrackerError(
            f"The '{tab.name}' tab is missing. Rebuild the workbook with 'pptracker build-workbook' "
            "and copy your input sheets across."
        )
    sheet = book.sheets[tab.name]

    protection = _protection(sheet)
    if protection is not None:
        try:
            _set_protection(sheet, None)
        except Exception as error:  # COM and AppleScript raise their own types
            raise TrackerError(
                f"The '{tab.name}' tab could not be unprotected, so it was not refreshed. It may have a "
                "password: unprotect it (Review > Unprotect Sheet) and click the button again."
            ) from error

    old = sheet.used_range
    old.clear_contents()
    _apply_style(old, PLAIN)

    grid = _grid(tab)
    sheet.range((1, 1)).value = grid

    for first_row, first_col, last_row, last_col, name in style_blocks(tab):
        _apply_style(_cells(sheet, first_row, first_col, last_row, last_col), STYLES[name])
    for row, height in sorted(tab.row_heights.items()):
        sheet.range((row + 1, 1)).row_height = height
    _fit_charts(sheet, tab)

    if protection is not None:
        _set_protection(sheet, protection)


def write_tabs(book, tabs: list[Tab], status: Callable[[str], None] | None = None) -> None:
    """Write each owned tab, saying which one in the status bar."""
    for tab in tabs:
        if status:
            status(f"pptracker: writing {tab.name}...")
        write_tab(book, tab)


def refresh_book(book, when: datetime | None = None,
                 status: Callable[[str], None] | None = None) -> RefreshResult:
    """Refresh an open workbook: read its tables, run the pipeline, write the owned tabs."""
    say = status or (lambda text: None)
    say("pptracker: reading the input tables...")
    tables = read_tables(book)
    say("pptracker: working out the figures...")
    result = run(tables, when or now())
    write_tabs(book, build_tabs(result), say)
    return result


def set_status(book, text: str | None) -> None:
    """Show text in Excel's status bar, or give the status bar back to Excel with None."""
    try:
        book.app.status_bar = text if text else False
    except NotImplementedError:
        pass  # the remote engine has no status bar


def alert(book, message: str, title: str = "pptracker", mode: str = "critical") -> None:
    """Show a message box in Excel with one OK button; ``mode`` is "critical" or "info"."""
    book.app.alert(message, title=title, buttons="ok", mode=mode)


def workbook_xlwings_version(book) -> str | None:
    """Return the xlwings version the builder recorded for the workbook's VBA, or None."""
    names = [sheet.name for sheet in book.sheets]
    if XLWINGS_CONF_SHEET not in names:
        return None
    values = book.sheets[XLWINGS_CONF_SHEET].range(CONF_READ_RANGE).options(ndim=2).value
    row, col = VERSION_CELL
    version = values[row][col]
    return str(version).strip() if version not in (None, "") else None


def sheet_grid(book, name: str) -> list[list[object]] | None:
    """Return a sheet's cells from A1 to the end of its used range, or None when there is no such sheet."""
    if name not in [sheet.name for sheet in book.sheets]:
        return None
    sheet = book.sheets[name]
    last = sheet.used_range.last_cell
    return sheet.range((1, 1), (last.row, last.column)).options(ndim=2).value


def failure_tab(caption: str, problem: str, action: str, sheet: str = "", cell: str = "",
                when: datetime | None = None, old: list[list[object]] | None = None) -> Tab:
    """Return Data issues with a row on why a button stopped above the rows already there.

    ``old`` is the tab's cells as they are now. Its issue rows are kept, so
    a stopped button never hides what the last refresh found, and an equal
    row from an earlier click is not repeated.
    """
    when = when or now()
    width = len(ISSUE_COLUMNS)
    new_row = [sheet or None, cell or None, None, problem, action]
    rows = [new_row]
    for row in (old or [])[LIST_HEADER_ROW + 1:]:
        values = [None if v == "" else v for v in list(row)[:width]]
        values += [None] * (width - len(values))
        # The list tabs' "No data issues found." note fills column A only.
        if all(v is None for v in values[1:]) or values == new_row:
            continue
        rows.append(values)

    tab = Tab(c.ISSUES_SHEET)
    tab.put(0, 0, "Data issues", "title")
    noun = "data issue" if len(rows) == 1 else "data issues"
    tab.put(1, 0, f"{caption} stopped at {when:%d/%m/%Y %H:%M}. {len(rows)} {noun}: the first row says why, "
                  "the others are from before.", "subtitle")
    tab.put_row(LIST_HEADER_ROW, 0, list(ISSUE_COLUMNS))
    tab.row_heights[LIST_HEADER_ROW] = 45
    tab.style(LIST_HEADER_ROW, 0, LIST_HEADER_ROW, width - 1, "header")
    for offset, values in enumerate(rows, start=1):
        tab.put_row(LIST_HEADER_ROW + offset, 0, values)
    tab.style(LIST_HEADER_ROW + 1, 0, LIST_HEADER_ROW + len(rows), width - 1, "text")
    return tab


__all__ = ["read_tables", "write_tab", "write_tabs", "refresh_book", "set_status", "alert",
           "workbook_xlwings_version", "failure_tab", "sheet_grid", "excel_cell", "cell_name"]
