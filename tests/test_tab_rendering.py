"""Rendering owned tabs: row templates against cell-by-cell rows, and read-back of awkward values."""

from __future__ import annotations

import re
from datetime import date, datetime

import openpyxl
import python_calamine

from tracker import contract as c
from tracker.file_adapter import (
    _TextEndings, _row_cells, _style_lines, render_sheet_data, style_key, tab_replacements,
)
from tracker.core.tables import column_letter
from tracker.package import Package
from tracker.table_writer import ooxml_text
from tracker.tabs import Tab

from test_refresh_figures import small_school

KEY = {"title": "1", "header": "9", "text": "4", "note": "6", "blank": ""}

AWKWARD_TEXTS = [
    "plain", " leading space", "trailing space ", "two\nlines", "a\ttab", "  ", "a  b", "&<>\"'",
    "=SUM(A1)", "_x0041_", "bell\x07", "1", "True", "café ’quoted’", "x" * 40000, "cr\r\nlf", "end\r",
]


def awkward_tab() -> Tab:
    """Return a tab mixing template rows with rows that must be written cell by cell."""
    tab = Tab(c.IMPORT_LOG_SHEET)
    tab.put(0, 0, "Title", "title")
    tab.put_row(3, 0, ["A", "B", "C", "D"])
    tab.style(3, 0, 3, 3, "header")
    tab.row_heights[3] = 30
    body = [
        [AWKWARD_TEXTS[i % len(AWKWARD_TEXTS)], None, AWKWARD_TEXTS[(i * 7) % len(AWKWARD_TEXTS)], None]
        for i in range(40)
    ]
    tab.cells.extend(body)
    tab.style(4, 0, 4 + len(body) - 1, 3, "text")
    # Values that are not text, on rows that are otherwise template rows.
    tab.cells[10][1] = 1
    tab.cells[11][1] = True
    tab.cells[12][1] = 2.5
    tab.cells[13][1] = date(2026, 3, 20)
    tab.cells[14][1] = datetime(2026, 3, 20, 15, 30)
    tab.cells[15][1] = 0
    # A shorter row, an unstyled cell past the styled range, a style missing from the key, an empty row.
    tab.cells[16] = ["short"]
    tab.put(17, 5, "outside the styled range")
    tab.style(18, 0, 18, 3, "blank")
    tab.cells[19] = []
    tab.style(20, 1, 20, 1, "note")  # a later range wins over the body style
    return tab


def cell_by_cell(tab: Tab, key: dict[str, str]) -> bytes:
    """Return the <sheetData> a tab gets when every row is written cell by cell."""
    lines = _style_lines(tab.styles)
    letters = [column_letter(col) for col in range(1, tab.width + 1)]
    attrs_by_style = {name: f' s="{index}"' for name, index in key.items() if index}
    endings = _TextEndings()
    out = [b"<sheetData>"]
    for row_index, values in enumerate(tab.cells):
        number = row_index + 1
        cells = _row_cells(number, values, lines.get(row_index, ()), letters, attrs_by_style, endings, key)
        if cells:
            height = tab.row_heights.get(row_index)
            attrs = f' ht="{height}" customHeight="1"' if height else ""
            out.append(f'<row r="{number}"{attrs}>'.encode() + cells + b"</row>")
    out.append(b"</sheetData>")
    return b"".join(out)


def test_templates_match_cell_by_cell():
    tab = awkward_tab()
    sheet_data, dimension = render_sheet_data(tab, KEY)
    assert sheet_data == cell_by_cell(tab, KEY)
    assert dimension == "A1:F44"


def test_style_lines_later_range_wins():
    lines = _style_lines([(0, 0, 5, 3, "text"), (2, 1, 2, 1, "note"), (4, 5, 4, 5, "header")])
    assert lines[0] == ("text", "text", "text", "text")
    assert lines[0] is lines[5]
    assert lines[2] == ("text", "note", "text", "text")
    assert lines[4] == ("text", "text", "text", "text", None, "header")
    assert 6 not in lines


def test_preserve_only_where_needed():
    sheet_data, _ = render_sheet_data(awkward_tab(), KEY)
    preserved = set(re.findall(rb'<t xml:space="preserve">([^<]*)</t>', sheet_data))
    plain = set(re.findall(rb"<t>([^<]*)</t>", sheet_data))
    assert preserved == {b" leading space", b"trailing space ", b"two\nlines", b"a\ttab", b"  ", b"cr&#13;\nlf",
                         b"end&#13;"}
    assert b"a  b" in plain
    assert b"plain" in plain


def test_awkward_values_read_back(build_school, tmp_path):
    path = build_school(small_school())
    package = Package.open(path)
    tab = awkward_tab()
    out = tmp_path / "rendered.xlsm"
    package.save(out, tab_replacements(package, [tab]))

    sheet = openpyxl.load_workbook(out)[c.IMPORT_LOG_SHEET]
    rows = python_calamine.CalamineWorkbook.from_path(str(out)).get_sheet_by_name(c.IMPORT_LOG_SHEET).to_python()
    key = style_key(package)
    for row_index, values in enumerate(tab.cells):
        for col_index, value in enumerate(values):
            cell = sheet.cell(row_index + 1, col_index + 1)
            shown = calamine_value(rows, row_index, col_index)
            if isinstance(value, str):
                # openpyxl leaves OOXML's _xHHHH_ escapes as they are stored, and calamine decodes them.
                assert cell.value == ooxml_text(value), (row_index, col_index)
                assert cell.data_type == "s", (row_index, col_index)
                assert shown == value[:32767], (row_index, col_index)
            elif value is None:
                assert cell.value is None, (row_index, col_index)
                assert shown in (None, ""), (row_index, col_index)
            elif isinstance(value, bool):
                assert cell.value is value, (row_index, col_index)
            elif isinstance(value, (int, float)):
                assert cell.value == value, (row_index, col_index)
                assert shown == value, (row_index, col_index)
    # Every styled cell keeps its style, empty or not.
    header = sheet.cell(4, 1)
    body_empty = sheet.cell(5, 2)
    assert header.style_id == int(key["header"])
    assert body_empty.style_id == int(key["text"])
    assert sheet.row_dimensions[4].height == 30


def calamine_value(rows: list[list[object]], row_index: int, col_index: int) -> object:
    if row_index >= len(rows) or col_index >= len(rows[row_index]):
        return None
    return rows[row_index][col_index]
