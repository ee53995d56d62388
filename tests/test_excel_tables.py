"""The merge rules of the Excel table editor, on blocks as Excel returns them.

xlwings' remote engine sends no formulas, so the cases with formulas are
checked here on blocks built by hand, with the values and formulas that
Range.Value and Range.Formula give for each kind of cell.
"""

from __future__ import annotations

from datetime import date, datetime

from tracker.core.tables import RawTable
from tracker.excel_tables import Block, KeptCell, TableEdits, merge, same_value

HEADER = ["UPN", "Pupil", "Autumn Reading", "Autumn Maths"]


def table(rows: int) -> RawTable:
    return RawTable(name="Class_3A", sheet="Class 3A", header=HEADER, rows=[[None] * 4 for _ in range(rows)],
                    first_row=4, first_col=1)


def block(values, formulas=None, top=0, left=0) -> Block:
    return Block(top, left, values, formulas)


def test_untouched_cells_keep_content():
    when = datetime(2025, 9, 3)
    values = [["007", 3.0, when, "#N/A"], ["=x", None, True, "EXS"]]
    formulas = [["007", "3", "03/09/2025", "#N/A"], ["=x", "", "TRUE", "EXS"]]
    grid, result = merge(block(values, formulas), HEADER, 2, TableEdits(), table(2))

    assert grid == [["'007", 3.0, when, "#N/A"], ["'=x", None, True, "'EXS"]]
    assert result.changed == 0


def test_formula_written_back_as_formula():
    values = [["A1", 2.0, "", None]]
    formulas = [["A1", "=1+1", '=IF(TRUE,"","x")', ""]]
    grid, _ = merge(block(values, formulas), HEADER, 1, TableEdits(), table(1))

    assert grid == [["'A1", "=1+1", '=IF(TRUE,"","x")', None]]


def test_fill_only_empty_cells():
    values = [[None, None, "WTS", None], [None, None, "EXS", ""]]
    formulas = [["", "", "WTS", '=IF(TRUE,"","x")'], ["", "", "EXS", ""]]
    edits = TableEdits(fill={(0, "Autumn Reading"): "GDS", (0, "Autumn Maths"): "EXS",
                             (1, "Autumn Reading"): "EXS", (1, "Autumn Maths"): "WTS"})
    grid, result = merge(block(values, formulas), HEADER, 2, edits, table(2))

    assert grid[0][2:] == ["'WTS", '=IF(TRUE,"","x")']
    assert grid[1][2:] == ["'EXS", "'WTS"]
    assert result.changed == 1
    assert result.kept == [KeptCell(0, "Autumn Reading", "C4", "WTS", "GDS"),
                           KeptCell(0, "Autumn Maths", "D4", '=IF(TRUE,"","x")', "EXS")]


def test_overwrite_never_replaces_formula():
    values = [[None, "Sam Smith", 3.0, 5.0]]
    formulas = [["", "Sam Smith", "3", "=2+3"]]
    edits = TableEdits(overwrite={(0, "Pupil"): "Sam Smyth", (0, "Autumn Reading"): 3,
                                  (0, "Autumn Maths"): 4})
    grid, result = merge(block(values, formulas), HEADER, 1, edits, table(1))

    assert grid == [[None, "'Sam Smyth", 3.0, "=2+3"]]
    assert result.changed == 1
    assert result.kept == [KeptCell(0, "Autumn Maths", "D4", "=2+3", 4)]


def test_clear_keeps_formula():
    values = [["X", None, "N", 1.0]]
    formulas = [["X", "", "N", "=1"]]
    edits = TableEdits(clear=[(0, "UPN"), (0, "Pupil"), (0, "Autumn Maths")])
    grid, result = merge(block(values, formulas), HEADER, 1, edits, table(1))

    assert grid == [[None, None, "'N", "=1"]]
    assert result.changed == 1
    assert result.kept == [KeptCell(0, "Autumn Maths", "D4", "=1", None)]


def test_append_reuses_blank_foot_rows():
    # Two body rows, the second blank, then two rows below the table.
    values = [["A", "Ann", None, None], [None, None, None, None], [None] * 4, [None] * 4]
    edits = TableEdits(append=[{"UPN": "B", "Pupil": "Bo"}, {"UPN": "C", "Pupil": "=Cy"}])
    grid, result = merge(block(values, [[""] * 4 for _ in values]), HEADER, 2, edits, table(2))

    assert result.appended == [1, 2]
    assert grid[:3] == [["'A", "'Ann", None, None], ["'B", "'Bo", None, None], ["'C", "'=Cy", None, None]]
    assert result.changed == 4


def test_append_skips_row_with_formula():
    values = [["A", "Ann", None, None], [None, None, None, None], [None] * 4]
    formulas = [["A", "Ann", "", ""], ["", "", "", '=IF(TRUE,"","")'], [""] * 4]
    values[1][3] = ""
    edits = TableEdits(append=[{"UPN": "B"}])
    _, result = merge(block(values, formulas), HEADER, 2, edits, table(2))

    assert result.appended == [2]


def test_block_offset_names_cells():
    values = [[None, "EXS"]]
    edits = TableEdits(fill={(5, "Autumn Reading"): "GDS", (5, "Autumn Maths"): "WTS"})
    grid, result = merge(block(values, None, top=5, left=2), HEADER, 8, edits, table(8))

    assert grid == [["'GDS", "'EXS"]]
    assert result.kept == [KeptCell(5, "Autumn Maths", "D9", "EXS", "WTS")]


def test_same_value_rules():
    assert same_value(datetime(2026, 3, 1), date(2026, 3, 1))
    assert not same_value(datetime(2026, 3, 1, 12), date(2026, 3, 1))
    assert same_value(96.0, 96)
    assert not same_value(1.0, True)
    assert same_value(" EXS ", "EXS")
    assert not same_value(3.0, "3")
