"""Build pptracker.xlsm from source with XlsxWriter.

The build is reproducible: fixed document properties and creation date,
so two builds of the same source give the same sheets. The VBA project is
added by the vba module once XlsxWriter has written the package.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell

from . import contract as c
from .styles import INPUT_FILL, PP_FILL, FLAG_FILL, STYLES
from .vba import XLWINGS_CONF_SHEET, attach_vba_project, write_xlwings_conf
from .tabs import (
    CHART_DATA_COLUMN, DETAIL_MIN_ROW, LIST_HEADER_ROW, SUBJECT_CHART_FIRST_ROW, TREND_CHART_FIRST_ROW,
)
from . import money_tabs as mt

BUILD_DATE = datetime(2026, 1, 1)
# Input columns that hold dates, shown as dd/mm/yyyy.
DATE_HEADERS = {"Start", "End", "Date", "Left"}
# The Summary cell whose text gives the time of the last refresh. The
# Start sheet reads the time out of it.
STATUS_SOURCE = f"'{c.SUMMARY_SHEET}'!$A$2"
# Formatted, validated rows below each input table, so dropdowns work as
# staff add rows past the end of the table.
VALIDATED_ROWS = 2000


@dataclass
class ClassSheet:
    """A class sheet to build: its name and the pupils' fixed columns."""

    name: str
    rows: list[list[object]] = field(default_factory=list)  # UPN, Pupil, PP, SEN, Status, grades...


@dataclass
class SchoolData:
    """Rows to put in the input tables of a built workbook (for the demo and tests)."""

    settings: dict[str, object] = field(default_factory=dict)
    points: list[str] = field(default_factory=lambda: list(c.DEFAULT_POINTS))
    subjects: list[tuple[str, str]] = field(default_factory=lambda: list(c.DEFAULT_SUBJECTS))
    pupils: list[list[object]] = field(default_factory=list)
    support: list[list[object]] = field(default_factory=list)
    log: list[list[object]] = field(default_factory=list)
    classes: list[ClassSheet] = field(default_factory=list)
    funding: list[tuple] = field(default_factory=lambda: list(c.DEFAULT_FUNDING))
    strands: list[tuple] = field(default_factory=lambda: list(c.DEFAULT_STRANDS))


def class_headers(points: list[str], subjects: list[str]) -> list[str]:
    """Return the headers of a class sheet: fixed columns, then points by subject."""
    headers = [col.header for col in c.CLASS_FIXED_COLUMNS]
    for point in points:
        headers += [f"{point} {subject}" for subject in subjects]
        headers.append(f"{point} {c.WELLBEING}")
    return headers


def class_table_name(class_name: str) -> str:
    """Return a valid Excel table name for a class: letters, digits and underscores."""
    cleaned = "".join(ch if ch.isalnum() else "_" for ch in class_name.strip())
    return c.CLASS_TABLE_PREFIX + (cleaned or "Unnamed")


def class_sheet_name(class_name: str) -> str:
    """Return a sheet name for a class, without the characters Excel forbids."""
    cleaned = "".join("-" if ch in '[]:*?/\\' else ch for ch in class_name.strip()).strip("'")
    return f"Class {cleaned}"[:31]


class Builder:
    """Writes the workbook one sheet at a time."""

    def __init__(self, path: Path, data: SchoolData):
        self.path = path
        self.data = data
        self.book = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False,
                                                   "strings_to_urls": False})
        self.book.set_properties({"title": "pptracker", "author": "pptracker", "created": BUILD_DATE})
        self.book.set_vba_name("ThisWorkbook")
        self.formats = {name: self.book.add_format({"font_name": "Calibri", **props})
                        for name, props in STYLES.items()}
        self.input_format = self.book.add_format({"bg_color": INPUT_FILL})
        self.unlocked = self.book.add_format({"locked": False})
        self.date_format = self.book.add_format({"num_format": "dd/mm/yyyy", "locked": False})
        self.sheet_count = 0

    def add_sheet(self, name: str):
        self.sheet_count += 1
        sheet = self.book.add_worksheet(name)
        sheet.set_vba_name(f"Sheet{self.sheet_count}")
        return sheet

    def build(self) -> None:
        # Sheet order is the order a coordinator meets them.
        self.start = self.add_sheet(c.START_SHEET)
        self.summary = self.add_sheet(c.SUMMARY_SHEET)
        self.not_on_track = self.add_sheet(c.NOT_ON_TRACK_SHEET)
        self.pp_pupils = self.add_sheet(c.PP_PUPILS_SHEET)
        self.spend = self.add_sheet(c.SPEND_SHEET)
        self.strategy = self.add_sheet(c.STRATEGY_SHEET)
        self.pupils = self.add_sheet(c.PUPILS_SHEET)
        classes = [self.add_sheet(class_sheet_name(k.name)) for k in self.data.classes]
        self.support = self.add_sheet(c.SUPPORT_SHEET)
        self.log = self.add_sheet(c.LOG_SHEET)
        self.settings = self.add_sheet(c.SETTINGS_SHEET)
        self.issues = self.add_sheet(c.ISSUES_SHEET)
        self.import_log = self.add_sheet(c.IMPORT_LOG_SHEET)
        self.lists = self.add_sheet(c.LISTS_SHEET)
        self.styles = self.add_sheet(c.STYLES_SHEET)
        self.xlwings_conf = self.add_sheet(XLWINGS_CONF_SHEET)

        self.write_lists()
        self.write_settings()
        self.write_input(self.pupils, c.PUPILS_SHEET, c.PUPILS_TABLE, c.PUPILS_COLUMNS, self.data.pupils,
                         "The register: one row per pupil. PP, SEN and EAL use the dropdowns.")
        self.highlight_pp_rows(self.pupils, len(self.data.pupils))
        self.write_input(self.support, c.SUPPORT_SHEET, c.SUPPORT_TABLE, c.SUPPORT_COLUMNS, self.data.support,
                         "Support given to pupils: one row per pupil and provision.")
        self.write_input(self.log, c.LOG_SHEET, c.LOG_TABLE, c.LOG_COLUMNS, self.data.log,
                         "Wellbeing checks, parent contact and pupil voice.")
        subjects = [name for name, _ in self.data.subjects]
        for sheet, klass in zip(classes, self.data.classes):
            self.write_class(sheet, klass, self.data.points, subjects)
        self.write_start()
        self.write_summary(len(subjects) + 1, len(self.data.points))
        self.write_list_tab(self.not_on_track, c.NOT_ON_TRACK_SHEET, widths=[22, 16, 8, 6, 6, 6, 30, 24, 30,
                                                                              11, 11, 8, 12, 12, 10])
        self.write_list_tab(self.pp_pupils, c.PP_PUPILS_SHEET, widths=[22, 16, 6, 8, 16, 6, 24, 6, 12,
                                                                       16, 16, 16, 16, 12, 14, 18, 16, 40])
        self.write_list_tab(self.issues, c.ISSUES_SHEET, widths=[14, 8, 20, 60, 60])
        self.write_spend()
        self.write_strategy()
        self.write_list_tab(self.import_log, c.IMPORT_LOG_SHEET,
                            widths=[13, 22, 15, 10, 10, 8, 14, 9, 26, 14, 9, 60])
        self.import_log.write(0, 0, f"{c.IMPORT_LOG_SHEET}: filled by importing progress files or an MIS register.",
                              self.formats["title"])
        self.write_styles()
        write_xlwings_conf(self.xlwings_conf, self.formats)

        self.start.activate()
        # The project must be attached before close, so that XlsxWriter
        # writes the macro-enabled main content type and the code names.
        attach_vba_project(self.book, self.sheet_count)
        self.book.close()

    def write_lists(self) -> None:
        """Write the dropdown lists on the hidden Lists sheet, each behind a defined name."""
        sheet = self.lists
        sheet.hide()
        for col, (name, values) in enumerate(c.FIXED_LISTS.items()):
            sheet.write(0, col, name, self.formats["header"])
            for row, value in enumerate(values, start=1):
                sheet.write_string(row, col, value)
            letter = xl_col_to_name(col)
            self.book.define_name(name, f"='{c.LISTS_SHEET}'!${letter}$2:${letter}${len(values) + 1}")
        sheet.protect()

    def write_settings(self) -> None:
        sheet = self.settings
        sheet.write(0, 0, "Settings", self.formats["title"])
        sheet.write(1, 0, "Change the values in yellow. Points, subjects and grades are read in the order listed.",
                    self.formats["note"])
        values = dict(c.DEFAULT_SETTINGS)
        values.update(self.data.settings)
        rows = [[name, values[name]] for name, _ in c.DEFAULT_SETTINGS]
        first = 2
        self._table(sheet, first, 0, c.SETTINGS_TABLE, c.SETTINGS_COLUMNS, rows, validate_rows=0)
        sheet.data_validation(first + 1 + 2, 1, first + 1 + 2, 1,
                              {"validate": "list", "source": f"={c.POINTS_TABLE}List"})
        sheet.data_validation(first + 1 + 5, 1, first + 1 + 5, 1, {"validate": "list", "source": "=YesNo"})

        self._table(sheet, first, 3, c.POINTS_TABLE, c.POINTS_COLUMNS, [[p] for p in self.data.points],
                    validate_rows=0)
        self.book.define_name(f"{c.POINTS_TABLE}List", f"='{c.SETTINGS_SHEET}'!$D${first + 2}:$D${first + 13}")
        self._table(sheet, first, 5, c.SUBJECTS_TABLE, c.SUBJECTS_COLUMNS,
                    [list(s) for s in self.data.subjects], validate_rows=10)
        self._table(sheet, first, 8, c.GRADES_TABLE, c.GRADES_COLUMNS, [list(g) for g in c.DEFAULT_GRADES],
                    validate_rows=10)
        code_col = xl_col_to_name(8)
        self.book.define_name(
            c.GRADE_LIST_NAME,
            f"='{c.SETTINGS_SHEET}'!${code_col}${first + 2}:${code_col}${first + 1 + c.GRADE_LIST_ROWS}",
        )
        self.write_money_settings(sheet, first)
        sheet.freeze_panes(first + 1, 0)

    def write_money_settings(self, sheet, first: int) -> None:
        """Write the Funding and Strands tables to the right of the grade scale."""
        funding_left, strands_left = 14, 19
        sheet.write(first - 1, funding_left, "Pupil Premium rates: add a row when the DfE publishes new rates.",
                    self.formats["note"])
        self._table(sheet, first, funding_left, c.FUNDING_TABLE, c.FUNDING_COLUMNS,
                    [list(row) for row in self.data.funding], validate_rows=20)
        sheet.write(first - 1, strands_left, "EEF Toolkit strands: a provision naming a strand shows its "
                    "months of progress.", self.formats["note"])
        self._table(sheet, first, strands_left, c.STRANDS_TABLE, c.STRANDS_COLUMNS,
                    [list(row) for row in self.data.strands], validate_rows=0)
        date_format = self.book.add_format({"num_format": "dd/mm/yyyy", "locked": False})
        for offset, row in enumerate(self.data.strands, start=1):
            if isinstance(row[2], (date, datetime)):
                sheet.write_datetime(first + offset, strands_left + 2, row[2], date_format)

    def _table(self, sheet, top: int, left: int, name: str, columns, rows: list[list[object]],
               validate_rows: int = VALIDATED_ROWS) -> None:
        """Write an Excel table with its header at (top, left), widths and dropdowns."""
        height = max(len(rows), 1)
        last_col = left + len(columns) - 1
        options = {
            "name": name,
            "style": "Table Style Medium 2",
            "columns": [{"header": col.header} for col in columns],
        }
        if rows:
            options["data"] = [self._cells(row, len(columns)) for row in rows]
        sheet.add_table(top, left, top + height, last_col, options)

        # XlsxWriter writes table dates as bare serial numbers, so dates are
        # written again with a date format, and date columns get one too.
        for row_offset, row in enumerate(rows, start=1):
            for col_offset, value in enumerate(self._cells(row, len(columns))):
                if isinstance(value, (date, datetime)):
                    sheet.write_datetime(top + row_offset, left + col_offset, value, self.date_format)
        for offset, col in enumerate(columns):
            column_format = self.date_format if col.header in DATE_HEADERS else self.unlocked
            sheet.set_column(left + offset, left + offset, col.width, column_format)
            if col.choices:
                sheet.data_validation(top + 1, left + offset, top + max(height, validate_rows), left + offset, {
                    "validate": "list",
                    "source": f"={col.choices}",
                    "error_title": "Pick from the list",
                    "error_message": f"Choose a value for {col.header} from the dropdown list.",
                    "error_type": "warning",
                })

    @staticmethod
    def _cells(row: list[object], width: int) -> list[object]:
        values = list(row)[:width]
        return values + [None] * (width - len(values))

    def write_input(self, sheet, title: str, table: str, columns, rows, note: str) -> None:
        sheet.write(0, 0, title, self.formats["title"])
        sheet.write(1, 0, note, self.formats["note"])
        self._table(sheet, 2, 0, table, columns, rows)
        sheet.freeze_panes(3, 0)

    def highlight_pp_rows(self, sheet, rows: int) -> None:
        """Shade each register row whose PP column is Y, down to the last validated row."""
        first = 3  # 0-based row below the Pupils table's header
        last = first + max(rows, VALIDATED_ROWS) - 1
        pp_col = xl_col_to_name([col.header for col in c.PUPILS_COLUMNS].index("PP"))
        sheet.conditional_format(first, 0, last, len(c.PUPILS_COLUMNS) - 1, {
            "type": "formula",
            "criteria": f'=${pp_col}{first + 1}="Y"',
            "format": self.book.add_format({"bg_color": PP_FILL}),
        })

    def write_class(self, sheet, klass: ClassSheet, points: list[str], subjects: list[str]) -> None:
        headers = class_headers(points, subjects)
        sheet.write(0, 0, f"{klass.name}: type each pupil's judgement in the column for the point and subject.",
                    self.formats["title"])
        sheet.write(1, 0, "Grades use the dropdowns. Rows are added by 'Set up class sheets'; "
                          "do not retype UPNs.", self.formats["note"])
        columns = list(c.CLASS_FIXED_COLUMNS) + [
            c.Column(h, 10, "WellbeingValues" if h.endswith(c.WELLBEING) else c.GRADE_LIST_NAME)
            for h in headers[len(c.CLASS_FIXED_COLUMNS):]
        ]
        self._table(sheet, 2, 0, class_table_name(klass.name), columns, klass.rows,
                    validate_rows=len(klass.rows) + 40)
        sheet.freeze_panes(3, 2)

    def write_start(self) -> None:
        """Write the Start sheet: three steps, one button per action and the refresh status."""
        from .buttons import BUTTONS

        sheet = self.start
        sheet.set_column(0, 0, 3)
        sheet.set_column(1, 1, 30)
        sheet.set_column(2, 2, 88)
        sheet.hide_gridlines(2)
        sheet.write(0, 1, "pptracker: Pupil Premium tracker", self.formats["title"])
        sheet.write(1, 1, "How pupils eligible for the Pupil Premium are doing, and the support they get.",
                    self.formats["subtitle"])

        sheet.write(3, 1, "Start here", self.formats["section"])
        sheet.write_blank(3, 2, None, self.formats["section"])
        steps = [
            "1. Fill in Settings (school, year, current point) and the Pupils register: click Import register, "
            "or paste from your MIS.",
            "2. Click Set up class sheets. Teachers type WTS, EXS or GDS there, or click Import progress files.",
            "3. Click Refresh summary and read Summary, Not on track, PP pupils and Data issues.",
        ]
        for row, text in enumerate(steps, start=4):
            sheet.write(row, 1, text, self.formats["text"])

        # Each button is two rows high with a blank row below it, and its
        # purpose sits beside it in column C.
        top = 8
        sheet.write(top, 1, "Buttons", self.formats["section"])
        sheet.write_blank(top, 2, None, self.formats["section"])
        for index, spec in enumerate(BUTTONS):
            row = top + 2 + 3 * index
            sheet.insert_button(row, 1, {"macro": spec.macro, "caption": spec.caption, "width": 210,
                                         "height": 40, "x_offset": 2, "y_offset": 0,
                                         "description": spec.purpose})
            sheet.write(row, 2, spec.purpose, self.formats["text"])

        row = top + 2 + 3 * len(BUTTONS)
        sheet.write(row, 1, "Last refresh", self.formats["section"])
        sheet.write(row + 1, 1, "Data issues", self.formats["section"])
        # Both read what a refresh wrote, so they hold for the buttons and for
        # 'pptracker refresh' alike. T(NOW()) adds nothing but makes the
        # formulas volatile, so Excel recalculates them when it opens a file
        # that was refreshed while closed.
        sheet.write_formula(row, 2, f'=IFERROR(MID({STATUS_SOURCE},SEARCH("Refreshed ",{STATUS_SOURCE})+10,16),'
                                    f'"Not yet: click Refresh summary")&T(NOW())',
                            self.formats["text"], "Not yet: click Refresh summary")
        issues_first = LIST_HEADER_ROW + 2
        count_format = self.book.add_format({"font_name": "Calibri", **STYLES["text"], "align": "left"})
        sheet.write_formula(row + 1, 2, f"=COUNTA('{c.ISSUES_SHEET}'!$D${issues_first}:$D$100000)+0*NOW()",
                            count_format, 0)
        notes = [
            "The buttons need Python and pptracker on this computer: see 'Use it in Excel' in the README. "
            "Without them, close the workbook and run 'pptracker refresh' on it.",
            "Summary, Not on track, PP pupils and Data issues are rewritten by every refresh: do not type in them.",
            "This workbook holds children's personal data. Share the 'Export for head' file, not this one.",
        ]
        for offset, text in enumerate(notes, start=3):
            sheet.write(row + offset, 1, text, self.formats["note"])
        sheet.set_landscape()
        sheet.set_paper(9)  # A4
        sheet.fit_to_pages(1, 1)

    def write_summary(self, subject_rows: int, point_rows: int) -> None:
        sheet = self.summary
        sheet.write(0, 0, "Pupil Premium summary: click Refresh summary to fill this tab.", self.formats["title"])
        widths = [16, 20, 20, 20, 10, 12, 12, 12, 22]
        for col, width in enumerate(widths):
            sheet.set_column(col, col, width)
        sheet.set_column(CHART_DATA_COLUMN, CHART_DATA_COLUMN, 18)
        sheet.set_column(CHART_DATA_COLUMN + 1, CHART_DATA_COLUMN + 2, 9)
        sheet.freeze_panes(3, 0)
        sheet.set_landscape()
        sheet.set_paper(9)  # A4
        sheet.fit_to_pages(1, 1)
        # The figures behind the charts (from column R) repeat the headline, so the page stops before them.
        sheet.print_area(0, 0, DETAIL_MIN_ROW - 1, CHART_DATA_COLUMN - 2)
        sheet.protect()

        data_col = xl_col_to_name(CHART_DATA_COLUMN)
        pp_col = xl_col_to_name(CHART_DATA_COLUMN + 1)
        non_pp_col = xl_col_to_name(CHART_DATA_COLUMN + 2)
        name = f"'{c.SUMMARY_SHEET}'"

        def series(first_row: int, rows: int, value_col: str, colour: str) -> dict:
            top, bottom = first_row + 1, first_row + rows
            return {
                "name": f"={name}!${value_col}${first_row}",
                "categories": f"={name}!${data_col}${top}:${data_col}${bottom}",
                "values": f"={name}!${value_col}${top}:${value_col}${bottom}",
                "fill": {"color": colour},
                "line": {"color": colour, "width": 2.25},
                "marker": {"type": "circle", "size": 6, "fill": {"color": colour}, "border": {"color": colour}},
                "data_labels": {"value": True, "num_format": "0%"},
            }

        bars = self.book.add_chart({"type": "column"})
        for col, colour in ((pp_col, "#C55A11"), (non_pp_col, "#1F4E78")):
            spec = series(SUBJECT_CHART_FIRST_ROW, subject_rows, col, colour)
            spec.pop("marker")
            spec.pop("line")
            bars.add_series(spec)
        bars.set_title({"name": "On track by subject: PP and non-PP"})
        bars.set_y_axis({"min": 0, "max": 1, "num_format": "0%", "major_gridlines": {"visible": True}})
        bars.set_legend({"position": "bottom"})
        sheet.insert_chart(4, 7, bars, {"x_scale": 1.25, "y_scale": 1.05})

        trend = self.book.add_chart({"type": "line"})
        for col, colour in ((pp_col, "#C55A11"), (non_pp_col, "#1F4E78")):
            spec = series(TREND_CHART_FIRST_ROW, point_rows, col, colour)
            spec.pop("fill")
            trend.add_series(spec)
        trend.set_title({"name": "Trend across assessment points"})
        trend.set_y_axis({"min": 0, "max": 1, "num_format": "0%"})
        trend.set_legend({"position": "bottom"})
        sheet.insert_chart(20, 7, trend, {"x_scale": 1.25, "y_scale": 1.05})

    def write_list_tab(self, sheet, title: str, widths: list[float]) -> None:
        sheet.write(0, 0, f"{title}: click Refresh summary to fill this tab.", self.formats["title"])
        for col, width in enumerate(widths):
            sheet.set_column(col, col, width)
        sheet.freeze_panes(LIST_HEADER_ROW + 1, 1)
        sheet.set_landscape()
        sheet.set_paper(9)
        sheet.fit_to_pages(1, 0)
        sheet.repeat_rows(LIST_HEADER_ROW)
        sheet.protect("", {"autofilter": True, "sort": True, "format_columns": True})
        if title == c.NOT_ON_TRACK_SHEET:
            first = LIST_HEADER_ROW + 1
            area = (first, 0, first + VALIDATED_ROWS, 14)
            sheet.conditional_format(*area, {
                "type": "formula", "criteria": f"=${xl_col_to_name(4)}{first + 1}=\"PP\"",
                "format": self.book.add_format({"bg_color": PP_FILL}),
            })
            sheet.conditional_format(first, 9, first + VALIDATED_ROWS, 14, {
                "type": "cell", "criteria": "==", "value": '"Yes"',
                "format": self.book.add_format({"bg_color": FLAG_FILL, "bold": True}),
            })

    def write_spend(self) -> None:
        """Format the Spend & impact tab and add its charts of spend by tier and impact by provision."""
        sheet = self.spend
        sheet.write(0, 0, f"{c.SPEND_SHEET}: click Refresh summary to fill this tab.", self.formats["title"])
        for col, width in enumerate(mt.SPEND_WIDTHS):
            sheet.set_column(col, col, width)
        # The chart figures repeat the tables, so their columns are hidden
        # (and left off the printout); the charts are set to plot them anyway.
        sheet.set_column(mt.CHART_DATA_COLUMN, mt.CHART_DATA_COLUMN, 30, None, {"hidden": True})
        sheet.set_column(mt.CHART_DATA_COLUMN + 1, mt.CHART_DATA_COLUMN + 2, 12, None, {"hidden": True})
        sheet.set_landscape()
        sheet.set_paper(9)  # A4
        sheet.fit_to_pages(1, 0)
        sheet.protect()

        name = f"'{c.SPEND_SHEET}'"
        col = mt.CHART_DATA_COLUMN

        def series(first_row: int, rows: int, offset: int, colour: str) -> dict:
            labels, values = xl_col_to_name(col), xl_col_to_name(col + offset)
            return {
                "name": f"={name}!${values}${first_row}",
                "categories": f"={name}!${labels}${first_row + 1}:${labels}${first_row + rows}",
                "values": f"={name}!${values}${first_row + 1}:${values}${first_row + rows}",
                "fill": {"color": colour},
            }

        tiers = self.book.add_chart({"type": "column"})
        for offset, colour in ((1, "#1F4E78"), (2, "#C55A11")):
            spec = series(mt.TIER_CHART_FIRST_ROW, len(mt.TIER_ROWS), offset, colour)
            spec["data_labels"] = {"value": True, "num_format": "£#,##0"}
            tiers.add_series(spec)
        tiers.set_title({"name": "PP spend by tier: committed and spent"})
        tiers.set_y_axis({"num_format": "£#,##0", "min": 0, "major_gridlines": {"visible": True}})
        tiers.set_legend({"position": "bottom"})
        tiers.show_hidden_data()
        sheet.insert_chart(*mt.SPEND_CHART_ANCHORS["tiers"], tiers, {"x_scale": 1.2, "y_scale": 1.0})

        impact = self.book.add_chart({"type": "bar", "subtype": "stacked"})
        for offset, colour in ((1, "#548235"), (2, "#C55A11")):
            spec = series(mt.PROVISION_CHART_FIRST_ROW, 1, offset, colour)
            spec["data_labels"] = {"value": True}
            impact.add_series(spec)
        impact.set_title({"name": "Impact by provision: pupils who were not on track before it"})
        impact.set_x_axis({"min": 0, "major_unit": 1, "num_format": "0"})
        impact.set_y_axis({"reverse": True})
        impact.set_legend({"position": "bottom"})
        impact.show_hidden_data()
        sheet.insert_chart(*mt.SPEND_CHART_ANCHORS["impact"], impact, {"x_scale": 1.2, "y_scale": 1.2})

    def write_strategy(self) -> None:
        """Format the Strategy statement tab for reading and printing in portrait."""
        sheet = self.strategy
        sheet.write(0, 0, f"{c.STRATEGY_SHEET}: click Refresh summary to fill this tab.", self.formats["title"])
        for col, width in enumerate(mt.STRATEGY_WIDTHS):
            sheet.set_column(col, col, width)
        sheet.set_portrait()
        sheet.set_paper(9)
        sheet.fit_to_pages(1, 0)
        sheet.protect()

    def write_styles(self) -> None:
        """Write one sample cell per named style on the very hidden _styles sheet."""
        sheet = self.styles
        for row, name in enumerate(STYLES):
            sheet.write_string(row, 0, name, self.formats[name])
        sheet.very_hidden() if hasattr(sheet, "very_hidden") else sheet.hide()
        sheet.protect()


def build_workbook(out: str | Path, data: SchoolData | None = None) -> Path:
    """Build the workbook at ``out`` (with its VBA project) and return the path."""
    out = Path(out)
    Builder(out, data or SchoolData()).build()
    return out


def cell(row: int, col: int) -> str:
    return xl_rowcol_to_cell(row, col)
