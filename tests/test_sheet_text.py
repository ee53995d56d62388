"""Cell edits made on a sheet part as text must match the same edits made through lxml."""

from __future__ import annotations

import math
import re
import zipfile
from datetime import date
from pathlib import Path

import numpy as np
import openpyxl
import pytest
import python_calamine
import xlsxwriter
from lxml import etree

from tracker.package import Package
from tracker.sheet_text import SheetText
from tracker.table_writer import MAIN, TableWriter

HEADERS = ["Name", "Mark", "Double", "Grade", "Flag", "Note"]

# Rows 2 to 9 are the table's body, in the forms other writers use. They
# have rows and cells without r, r after other attributes, single quotes,
# rich text with a phonetic run, entities, a formula and a self-closing row.
# Row 7 is missing, row 8 is pretty-printed, row 5 has split spans and row 9
# has empty values. Row 12 is below the table.
AWKWARD_ROWS = """
<row r="2" spans="1:6"><c r="A2" t="inlineStr"><is><t>Ann</t></is></c><c r="B2"><v>4</v></c><c r="C2"><f>B2*2</f><v>8</v></c><c r="D2" s="1"/></row>
<row spans="1:6"><c r="A3" t="inlineStr"><is><t>Bob</t></is></c><c t="inlineStr"><is><t>next to A3</t></is></c></row>
<row r='4' spans='1:2'><c s='1' r='A4' t='inlineStr'><is><r><t>Ri</t></r><r><rPr><b/></rPr><t>ch</t></r><rPh sb="0" eb="1"><t>phon</t></rPh></is></c><c r="B4" t="b"><v>1</v></c></row>
<row r="5" spans="1:3 5:6"><c r="A5" t="inlineStr"><is><t xml:space="preserve">a &amp; b&#10;c </t></is></c><c r="E5" t="str"><f>"x"</f><v>x</v></c></row>
<row r="6" spans="1:6"/>
  <row r="8" spans="2:6">
    <c r="B8" s="1"><v>2.5</v></c>
  </row>
<row r="9"><c r="A9" t="e"><v>#N/A</v></c><c r="B9" t="inlineStr"><is/></c><c r="D9"><v></v></c></row>
<row r="12"><c r="A12" t="inlineStr"><is><t>A note below the table</t></is></c></row>
"""

FILLS = {
    (0, "Grade"): "EXS",  # a styled empty cell
    (1, "Mark"): "next to A3",  # the same text: left alone
    (1, "Grade"): np.int64(3),  # a new cell in a row without r
    (2, "Name"): "Rich",  # rich text with the same value
    (2, "Mark"): True,  # the same bool
    (2, "Grade"): "x",  # D4, then E4 and F4, widen the row's spans three times
    (2, "Flag"): "x",
    (2, "Note"): "x",
    (3, "Name"): "a & b\nc",  # the same text but for a trailing space
    (3, "Note"): "n",  # outside the row's spans
    (3, "Flag"): "y",  # a formula: a conflict
    (4, "Name"): "six",  # a self-closing row
    (5, "Name"): date(2026, 3, 20),  # a missing row, and a date style
    (5, "Mark"): math.nan,  # ignored
    (6, "Name"): "eight",  # left of the row's spans
    (6, "Mark"): 2.5,
    (7, "Name"): "error",  # an error value: a conflict
    (7, "Mark"): "b9",  # an empty inline string
    (7, "Grade"): 7,  # an empty <v>
    (7, "Note"): None,
}
OVERWRITES = {
    (0, "Mark"): 5,
    (0, "Double"): 99,  # a formula: a conflict
    (2, "Name"): "  spaced  ",
    (1, "Name"): "=1+1",
    (3, "Note"): "\u2019quoted\u2019 & <tagged>\r\n",
}
CLEARS = [(1, "Mark"), (3, "Flag"), (6, "Mark"), (4, "Grade")]


def awkward_book(path: Path, rows: str = AWKWARD_ROWS) -> Path:
    """Write a workbook whose one table A1:F9 sits on a sheet with ``rows`` as its body."""
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Data")
    sheet.add_table("A1:F9", {"name": "Marks", "columns": [{"header": h} for h in HEADERS]})
    book.add_format({"bold": True})  # style 1 for the s="1" cells
    sheet.write("B2", "placeholder", book.add_format({"bold": True}))
    book.close()

    with zipfile.ZipFile(path) as archive:
        contents = {name: archive.read(name) for name in archive.namelist()}
    header = "".join(f'<c r="{chr(65 + i)}1" t="inlineStr"><is><t>{h}</t></is></c>' for i, h in enumerate(HEADERS))
    sheet_data = f'<sheetData><row r="1" spans="1:6">{header}</row>{rows}</sheetData>'
    part = "xl/worksheets/sheet1.xml"
    contents[part] = re.sub(rb"<sheetData>.*</sheetData>|<sheetData/>", sheet_data.encode(), contents[part],
                            flags=re.S)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in contents.items():
            archive.writestr(name, data)
    return path


def run_edits(source: Path, out: Path, edit_as_text: bool) -> tuple[list, TableWriter]:
    writer = TableWriter(Package.open(source), edit_as_text=edit_as_text)
    conflicts = writer.set_cells("Marks", FILLS)
    conflicts += writer.set_cells("Marks", OVERWRITES, overwrite=True)
    conflicts += writer.clear_cells("Marks", CLEARS)
    writer.save(out)
    return conflicts, writer


def read_back(path: Path) -> tuple[list, list]:
    """Return every cell as openpyxl reads it (value, type, style) and the sheet as calamine reads it."""
    sheet = openpyxl.load_workbook(path)["Data"]
    cells = [(cell.coordinate, cell.value, cell.data_type, cell.number_format, cell.font.b)
             for row in sheet.iter_rows(min_row=1, max_row=12, max_col=6) for cell in row]
    values = python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Data").to_python()
    return cells, values


def test_awkward_part_is_edited_as_text(tmp_path):
    source = awkward_book(tmp_path / "awkward.xlsx")
    _, writer = run_edits(source, tmp_path / "text.xlsx", edit_as_text=True)
    assert writer._texts, "the awkward part should be plain enough to edit as text"
    _, writer = run_edits(source, tmp_path / "tree.xlsx", edit_as_text=False)
    assert not writer._texts


def test_text_edits_match_lxml_edits(tmp_path):
    source = awkward_book(tmp_path / "awkward.xlsx")
    text_conflicts, _ = run_edits(source, tmp_path / "text.xlsx", edit_as_text=True)
    tree_conflicts, _ = run_edits(source, tmp_path / "tree.xlsx", edit_as_text=False)

    assert text_conflicts == tree_conflicts
    assert [(x.cell, x.existing, x.value) for x in text_conflicts] == [
        ("E5", "x", "y"), ("A9", "#N/A", "error"), ("C2", 8, 99), ("E5", "x", None)]
    text_cells, text_values = read_back(tmp_path / "text.xlsx")
    tree_cells, tree_values = read_back(tmp_path / "tree.xlsx")
    for text_cell, tree_cell in zip(text_cells, tree_cells):
        assert text_cell == tree_cell
    assert text_values == tree_values
    assert row_spans(tmp_path / "text.xlsx") == row_spans(tmp_path / "tree.xlsx")
    assert row_spans(tmp_path / "text.xlsx")[3] == "1:6"


def row_spans(path: Path) -> list[str | None]:
    root = etree.fromstring(Package.open(path).parts["xl/worksheets/sheet1.xml"])
    return [row.get("spans") for row in root.iter(f"{{{MAIN}}}row")]


def test_text_edits_read_back(tmp_path):
    source = awkward_book(tmp_path / "awkward.xlsx")
    run_edits(source, tmp_path / "text.xlsx", edit_as_text=True)
    sheet = openpyxl.load_workbook(tmp_path / "text.xlsx")["Data"]
    # A new value takes the column's style for new cells, not the empty cell's own.
    assert sheet["D2"].value == "EXS"
    assert not sheet["D2"].font.b
    assert sheet["D3"].value == 3
    assert sheet["A4"].value == "  spaced  "
    assert sheet["A4"].font.b
    assert sheet["A3"].value == "=1+1"
    assert sheet["A3"].data_type == "s"
    assert sheet["F5"].value == "\u2019quoted\u2019 & <tagged>\r\n"
    assert sheet["A6"].value == "six"
    assert sheet["A7"].is_date
    assert sheet["A7"].value.date() == date(2026, 3, 20)
    assert sheet["A8"].value == "eight"
    assert sheet["B3"].value is None
    assert sheet["B8"].value is None
    assert sheet["B8"].font.b
    assert sheet["E5"].value == '="x"'
    assert sheet["B9"].value == "b9"
    assert sheet["D9"].value == 7


def test_untouched_rows_keep_their_bytes(tmp_path):
    source = awkward_book(tmp_path / "awkward.xlsx")
    writer = TableWriter(Package.open(source))
    writer.set_cells("Marks", {(0, "Grade"): "EXS"})
    part = writer.table("Marks").sheet_part
    before = Package.open(source).parts[part].decode()
    after = writer.replacements()[part].decode()
    unchanged = AWKWARD_ROWS.strip().splitlines()[1:]
    for line in unchanged:
        assert line in after
    assert before.replace(AWKWARD_ROWS.strip().splitlines()[0], "") == after.replace(
        '<row r="2" spans="1:6"><c r="A2" t="inlineStr"><is><t>Ann</t></is></c><c r="B2"><v>4</v></c>'
        '<c r="C2"><f>B2*2</f><v>8</v></c><c r="D2" t="inlineStr"><is><t>EXS</t></is></c></row>', "")


def test_other_edits_carry_text_edits_over(tmp_path):
    source = awkward_book(tmp_path / "awkward.xlsx")
    outputs = []
    for edit_as_text in (True, False):
        writer = TableWriter(Package.open(source), edit_as_text=edit_as_text)
        writer.set_cells("Marks", FILLS)
        writer.append_rows("Marks", [["Cy", 6]])  # needs the lxml tree
        writer.set_cells("Marks", {(8, "Grade"): "GDS"})
        out = tmp_path / f"mixed-{edit_as_text}.xlsx"
        writer.save(out)
        outputs.append(read_back(out))
    assert outputs[0] == outputs[1]
    sheet = openpyxl.load_workbook(tmp_path / "mixed-True.xlsx")["Data"]
    assert sheet["A10"].value == "Cy"
    assert sheet["D10"].value == "GDS"
    assert sheet["D2"].value == "EXS"


@pytest.mark.parametrize("variant", [
    ("<sheetData>", "<sheetData><!-- a comment -->"),
    ("<sheetData>", "<sheetData><![CDATA[]]>"),
    ('<row r="9">', '<row r="9" xmlns:y="urn:y">'),
    ("</row>\n</sheetData>", "<extLst/></row>\n</sheetData>"),
    ('<row r="12">', '<row r="3">'),  # rows out of order
    ('<worksheet xmlns="', '<worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                           'xmlns="'),
    ('encoding="UTF-8"', 'encoding="ISO-8859-1"'),
])
def test_unusual_parts_go_through_lxml(tmp_path, variant):
    source = awkward_book(tmp_path / "awkward.xlsx")
    data = Package.open(source).parts["xl/worksheets/sheet1.xml"].decode()
    old, new = variant
    assert old in data
    changed = data.replace(old, new, 1).encode()
    assert SheetText.parse(data.encode(), list, lambda: None) is not None
    assert SheetText.parse(changed, list, lambda: None) is None


def test_prefixed_part_is_edited_through_lxml(tmp_path):
    source = awkward_book(tmp_path / "awkward.xlsx")
    package = Package.open(source)
    part = "xl/worksheets/sheet1.xml"
    data = package.parts[part].decode()
    prefixed = re.sub(r"<(/?)(?!\?)(\w+)([ >/])", r"<\1x:\2\3", data)
    prefixed = prefixed.replace('xmlns="http://schemas', 'xmlns:x="http://schemas', 1)
    out = tmp_path / "prefixed.xlsx"
    package.save(out, {part: prefixed.encode()})

    writer = TableWriter(Package.open(out))
    writer.set_cells("Marks", {(0, "Grade"): "EXS"})
    assert not writer._texts
    writer.save()
    assert openpyxl.load_workbook(out)["Data"]["D2"].value == "EXS"


def test_empty_sheet_data_matches_lxml(tmp_path):
    source = awkward_book(tmp_path / "awkward.xlsx")
    package = Package.open(source)
    part = "xl/worksheets/sheet1.xml"
    empty = re.sub(rb"<sheetData>.*</sheetData>", b"<sheetData />", package.parts[part], flags=re.S)
    bare = tmp_path / "bare.xlsx"
    package.save(bare, {part: empty})

    outputs = []
    for edit_as_text in (True, False):
        writer = TableWriter(Package.open(bare), edit_as_text=edit_as_text)
        writer.set_cells("Marks", {(3, "Grade"): "EXS", (1, "Name"): "Bob", (1, "Mark"): 2})
        assert bool(writer._texts) is edit_as_text
        out = tmp_path / f"bare-{edit_as_text}.xlsx"
        writer.save(out)
        outputs.append(read_back(out))
    assert outputs[0] == outputs[1]
    sheet = openpyxl.load_workbook(tmp_path / "bare-True.xlsx")["Data"]
    assert sheet["D5"].value == "EXS"
    assert sheet["A3"].value == "Bob"
    assert sheet["B3"].value == 2


def test_cells_added_right_of_a_row(tmp_path):
    source = awkward_book(tmp_path / "awkward.xlsx")
    results = []
    for edit_as_text in (True, False):
        writer = TableWriter(Package.open(source), edit_as_text=edit_as_text)
        # Row 4 ends with B4, so E4 and F4 go to its right. Row 6 has no cells.
        conflicts = writer.set_cells("Marks", {(2, "Flag"): "x", (2, "Note"): "n", (4, "Mark"): "m"})
        conflicts += writer.set_cells("Marks", {(2, "Flag"): "y", (2, "Note"): "n", (2, "Grade"): "g"})
        out = tmp_path / f"right-{edit_as_text}.xlsx"
        writer.save(out)
        results.append((conflicts, read_back(out), row_spans(out)))
    assert results[0] == results[1]
    assert [(x.cell, x.existing, x.value) for x in results[0][0]] == [("E4", "x", "y")]

    writer = TableWriter(Package.open(source))
    writer.set_cells("Marks", {(2, "Flag"): "x"})
    assert writer._texts["xl/worksheets/sheet1.xml"].tails, "row 4 should take E4 without being split"
    after = writer.replacements()["xl/worksheets/sheet1.xml"].decode()
    old_cells = AWKWARD_ROWS.strip().splitlines()[2].removeprefix("<row r='4' spans='1:2'>").removesuffix("</row>")
    assert "<row r='4' spans='1:2'>" not in after
    assert "<row r='4' spans=\"1:5\">" + old_cells + '<c r="E4" t="inlineStr"><is><t>x</t></is></c></row>' in after
