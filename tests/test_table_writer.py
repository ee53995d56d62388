"""The table writer edits tables part by part and leaves every other part as it was."""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
import python_calamine
import xlsxwriter
import xlwings
from lxml import etree

from tracker import contract as c
from tracker.package import Package
from tracker.table_writer import MAIN, NewSheet, TableEditError, TableWriter

from conftest import ClassSheet, SchoolData, class_row, make_upn, pupil_row

SOFFICE = shutil.which("soffice")
EXCEL_SAVED = Path(__file__).parent / "fixtures" / "excel_saved"
XLWINGS_BOOKS = sorted(Path(xlwings.__file__).parent.glob("*.xlsm"))
FORMULA_LIKE = ["=1+1", "+44 7700", "-Smith", "@SUM(A1)"]


def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def sheet_xml(path: Path, sheet: str) -> etree._Element:
    package = Package.open(path)
    return etree.fromstring(package.parts[package.sheet_parts()[sheet]])


def raw_cell(path: Path, sheet: str, ref: str) -> etree._Element | None:
    return sheet_xml(path, sheet).find(f".//{{{MAIN}}}c[@r='{ref}']")


def calamine_table(path: Path, name: str):
    book = python_calamine.CalamineWorkbook.from_path(str(path), load_tables=True)
    return book.get_table_by_name(name)


def edit(path: Path, action) -> dict[str, bytes]:
    """Run ``action`` on a TableWriter over ``path``, save in place and return the replaced parts."""
    writer = TableWriter(Package.open(path))
    action(writer)
    replacements = writer.replacements()
    writer.save()
    return replacements


def school(pupils: int = 2, class_rows: int = 1) -> SchoolData:
    data = SchoolData()
    for serial in range(1, pupils + 1):
        data.pupils.append(pupil_row(serial, f"Surname{serial}", "Test", "3", "3A"))
    data.classes = [ClassSheet("3A", [class_row(s, f"Pupil {s}", {"Autumn Reading": "EXS"})
                                      for s in range(1, class_rows + 1)])]
    return data


def small_table_book(path: Path) -> Path:
    """Write a one-table workbook with XlsxWriter: a formula cell, a sparse row and a note below."""
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Data")
    sheet.add_table("A1:C3", {"name": "Marks", "columns": [{"header": "Name"}, {"header": "Mark"},
                                                            {"header": "Double"}]})
    sheet.write_row("A2", ["Ann", 4])
    sheet.write_formula("C2", "=B2*2", None, 8)
    sheet.write("A3", "Bob")
    sheet.write("A5", "A note typed below the table")
    book.close()
    return path


def converted(path: Path, target: str, out_dir: Path) -> Path:
    profile = out_dir / "profile"
    subprocess.run([SOFFICE, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", target,
                    "--outdir", str(out_dir), str(path)], check=True, capture_output=True, timeout=180)
    return out_dir / f"{path.stem}.{target}"


# Appending rows


def test_append_rows_types_and_styles(build_school):
    path = build_school(school(pupils=2))
    rows = [pupil_row(10 + i, surname, "Test", "4", "4A") for i, surname in enumerate(FORMULA_LIKE)]
    rows[0][10] = 91.5
    rows[0][11] = date(2026, 3, 1)
    last_body = sheet_xml(path, c.PUPILS_SHEET).find(f".//{{{MAIN}}}row[@r='5']")
    styles = {cell.get("r")[0]: cell.get("s") for cell in last_body}

    edit(path, lambda w: w.append_rows(c.PUPILS_TABLE, rows))

    sheet = openpyxl.load_workbook(path)[c.PUPILS_SHEET]
    assert sheet.tables[c.PUPILS_TABLE].ref == "A3:M9"
    for row, surname in zip(range(6, 10), FORMULA_LIKE):
        assert sheet[f"B{row}"].value == surname
        assert sheet[f"B{row}"].data_type == "s"
        assert raw_cell(path, c.PUPILS_SHEET, f"B{row}").get("s") == styles["B"]
    assert sheet["K6"].value == 91.5
    assert sheet["L6"].value == datetime(2026, 3, 1)
    assert sheet["L6"].is_date
    assert sheet["A6"].value == make_upn(10)

    table = calamine_table(path, c.PUPILS_TABLE)
    body = table.to_python()
    assert [row[1] for row in body] == ["Surname1", "Surname2"] + FORMULA_LIKE
    assert body[2][11] == date(2026, 3, 1)


def test_append_fills_blank_rows_first(build_school):
    path = build_school(SchoolData())
    assert openpyxl.load_workbook(path)[c.PUPILS_SHEET].tables[c.PUPILS_TABLE].ref == "A3:M4"

    indices = []
    edit(path, lambda w: indices.extend(w.append_rows(c.PUPILS_TABLE, [pupil_row(1, "Ash", "Amy", "1", "1A"),
                                                                       pupil_row(2, "Birch", "Bo", "1", "1A")])))

    assert indices == [0, 1]
    package = Package.open(path)
    table_xml = etree.fromstring(package.parts[TableWriter(package).table(c.PUPILS_TABLE).table_part])
    assert table_xml.get("ref") == "A3:M5"
    assert table_xml.find(f"{{{MAIN}}}autoFilter").get("ref") == "A3:M5"
    assert [row[1] for row in calamine_table(path, c.PUPILS_TABLE).to_python()] == ["Ash", "Birch"]


def test_append_as_dicts_by_header(build_school):
    path = build_school(school(pupils=1))
    edit(path, lambda w: w.append_rows(c.PUPILS_TABLE, [{"Surname": "Dict", "UPN": make_upn(5), "year": "2"}]))
    body = calamine_table(path, c.PUPILS_TABLE).to_python()
    assert body[-1][:4] == [make_upn(5), "Dict", "", "2"]


def test_append_stretches_dropdowns(build_school):
    path = build_school(school(pupils=1, class_rows=1))
    sheet = openpyxl.load_workbook(path)["Class 3A"]
    before = {str(dv.sqref): dv.formula1 for dv in sheet.data_validations.dataValidation}
    assert "F4:F44" in before

    edit(path, lambda w: w.append_rows("Class_3A", [[f"U{n}", f"Pupil {n}"] for n in range(60)]))

    sheet = openpyxl.load_workbook(path)["Class 3A"]
    after = {str(dv.sqref): dv.formula1 for dv in sheet.data_validations.dataValidation}
    assert after["F4:F64"] == c.GRADE_LIST_NAME
    assert after["I4:I64"] == "WellbeingValues"
    assert sheet.tables["Class_3A"].ref == "A3:Q64"
    assert sheet_xml(path, "Class 3A").find(f"{{{MAIN}}}dimension").get("ref") == "A1:Q64"


def test_append_refuses_to_cover_a_value(tmp_path):
    path = small_table_book(tmp_path / "marks.xlsx")
    before = path.read_bytes()
    writer = TableWriter(Package.open(path))
    writer.append_rows("Marks", [["Cy", 3]])  # row 4 is free
    with pytest.raises(TableEditError, match="cell A5"):
        writer.append_rows("marks", [["Di", 2]])
    assert path.read_bytes() == before


# Setting cells


def test_set_cells_fills_empty_cells_in_column_order(build_school):
    path = build_school(school(pupils=2))
    conflicts = []

    def action(writer):
        conflicts.extend(writer.set_cells(c.PUPILS_TABLE, {
            (0, "PP category"): "FSM/Ever 6",  # G4 is missing from a sparse row
            (0, "Surname"): "Changed",
            (1, "Surname"): "Surname2",
        }))

    edit(path, action)
    assert [(x.cell, x.existing, x.value) for x in conflicts] == [("B4", "Surname1", "Changed")]
    row = sheet_xml(path, c.PUPILS_SHEET).find(f".//{{{MAIN}}}row[@r='4']")
    refs = [cell.get("r") for cell in row]
    assert refs == sorted(refs, key=lambda ref: (len(ref), ref))
    sheet = openpyxl.load_workbook(path)[c.PUPILS_SHEET]
    assert sheet["G4"].value == "FSM/Ever 6"
    assert sheet["B4"].value == "Surname1"


def test_set_cells_overwrite_and_formulas(tmp_path):
    path = small_table_book(tmp_path / "marks.xlsx")
    conflicts = []
    edit(path, lambda w: conflicts.extend(
        w.set_cells("Marks", {(0, "Mark"): 5, (0, "Double"): 99, (1, "Mark"): "=B2"}, overwrite=True)))

    assert [(x.cell, x.value) for x in conflicts] == [("C2", 99)]
    sheet = openpyxl.load_workbook(path)["Data"]
    assert sheet["B2"].value == 5
    assert sheet["C2"].value == "=B2*2"
    assert sheet["B3"].value == "=B2"
    assert sheet["B3"].data_type == "s"


def test_clear_cells_keeps_style_and_formulas(tmp_path):
    path = small_table_book(tmp_path / "marks.xlsx")
    style = raw_cell(path, "Data", "B2").get("s")
    conflicts = []
    edit(path, lambda w: conflicts.extend(w.clear_cells("Marks", [(0, "Mark"), (0, "Double"), (1, "Mark")])))

    assert [(x.cell, x.existing) for x in conflicts] == [("C2", 8)]
    sheet = openpyxl.load_workbook(path)["Data"]
    assert sheet["B2"].value is None
    assert sheet["C2"].value == "=B2*2"
    assert raw_cell(path, "Data", "B2").get("s") == style
    assert calamine_table(path, "Marks").to_python()[0][:2] == ["Ann", ""]


def test_set_cells_rejects_missing_row_and_header(build_school):
    writer = TableWriter(Package.open(build_school(school(pupils=1))))
    with pytest.raises(TableEditError, match="row 5 does not exist"):
        writer.set_cells(c.PUPILS_TABLE, {(5, "UPN"): "x"})
    with pytest.raises(TableEditError, match="no column headed 'Shoe size'"):
        writer.set_cells(c.PUPILS_TABLE, {(0, "Shoe size"): 3})


# Adding columns


def test_add_columns_to_class_table(build_school):
    path = build_school(school(pupils=1, class_rows=2))
    edit(path, lambda w: w.add_columns("Class_3A", [c.Column("Autumn Science", 10, c.GRADE_LIST_NAME),
                                                    c.Column("Notes", 30)]))

    package = Package.open(path)
    table = etree.fromstring(package.parts[TableWriter(package).table("Class_3A").table_part])
    columns = table.find(f"{{{MAIN}}}tableColumns")
    ids = [col.get("id") for col in columns]
    assert len(set(ids)) == len(ids) == int(columns.get("count")) == 19
    assert table.get("ref") == "A3:S5"

    sheet = openpyxl.load_workbook(path)["Class 3A"]
    assert sheet["R3"].value == "Autumn Science"
    assert sheet["S3"].value == "Notes"
    assert sheet.column_dimensions["S"].width == pytest.approx(30.7109375)
    validations = {str(dv.sqref): dv.formula1 for dv in sheet.data_validations.dataValidation}
    assert validations["R4:R45"] == c.GRADE_LIST_NAME  # as far down as the other grade columns
    assert not any(ref.startswith("S") for ref in validations)
    assert calamine_table(path, "Class_3A").columns[-2:] == ["Autumn Science", "Notes"]


def test_add_columns_rejects_duplicates_and_blocked_cells(build_school, tmp_path):
    writer = TableWriter(Package.open(build_school(school(pupils=1))))
    with pytest.raises(TableEditError, match="already has a column headed 'upn'"):
        writer.add_columns("Class_3A", [c.Column("upn")])

    path = small_table_book(tmp_path / "marks.xlsx")
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Data")
    sheet.add_table("A1:B2", {"name": "Marks", "columns": [{"header": "Name"}, {"header": "Mark"}]})
    sheet.write("C2", "in the way")
    book.close()
    with pytest.raises(TableEditError, match="cell C2"):
        TableWriter(Package.open(path)).add_columns("Marks", [c.Column("Extra")])


# Adding sheets


def class_sheet_spec(name: str = "Class 3B", table: str = "Class_3B", rows=()) -> NewSheet:
    columns = [c.Column("UPN", 16), c.Column("Pupil", 24), c.Column("Autumn Reading", 10, c.GRADE_LIST_NAME)]
    return NewSheet(name, table, columns, rows=rows, titles=[("Class 3B", None)], freeze_columns=2)


def test_add_sheet_before_support(build_school):
    path = build_school(school())
    before = parts(path)
    rows = [[make_upn(1), "=Ann", "EXS"], [make_upn(2), "Ben", None]]
    replaced = edit(path, lambda w: w.add_sheet(class_sheet_spec(rows=rows)))

    book = openpyxl.load_workbook(path)
    names = book.sheetnames
    assert names.index("Class 3B") == names.index(c.SUPPORT_SHEET) - 1
    sheet = book["Class 3B"]
    assert sheet.freeze_panes == "C3"
    assert sheet["B3"].value == "=Ann"
    assert sheet["B3"].data_type == "s"
    assert sheet.tables["Class_3B"].ref == "A2:C4"
    assert [str(dv.sqref) for dv in sheet.data_validations.dataValidation] == ["C3:C44"]
    # Print titles are stored by tab position, so they must still name the same sheets.
    assert book[c.ISSUES_SHEET].print_title_rows == "$4:$4"
    assert book[c.NOT_ON_TRACK_SHEET].print_title_rows == "$4:$4"

    workbook = etree.fromstring(parts(path)["xl/workbook.xml"])
    ids = [s.get("sheetId") for s in workbook.iter(f"{{{MAIN}}}sheet")]
    assert len(set(ids)) == len(ids)
    code_names = [etree.fromstring(data).find(f"{{{MAIN}}}sheetPr").get("codeName")
                  for name, data in parts(path).items() if name.startswith("xl/worksheets/sheet")]
    assert len(set(code_names)) == len(code_names)

    new_parts = set(replaced) - set(before)
    assert {p.rsplit("/", 1)[0] for p in new_parts} == {"xl/worksheets", "xl/worksheets/_rels", "xl/tables"}
    assert calamine_table(path, "Class_3B").to_python() == [[make_upn(1), "=Ann", "EXS"], [make_upn(2), "Ben", ""]]


def test_add_sheet_rejects_bad_names(build_school):
    writer = TableWriter(Package.open(build_school(school())))
    for name, message in (("Pupils", "already used"), ("pupils", "already used"), ("A/B", "must not contain"),
                          ("'Quoted'", "apostrophe"), ("x" * 32, "1 to 31")):
        with pytest.raises(TableEditError, match=message):
            writer.add_sheet(class_sheet_spec(name=name))
    for table, message in (("Class_3A", "already used"), ("GradeCodes", "already used"), ("3A", "not a valid"),
                           ("AB12", "not a valid"), ("R1C2", "not a valid"), ("Has space", "not a valid")):
        with pytest.raises(TableEditError, match=message):
            writer.add_sheet(class_sheet_spec(table=table))
    assert writer.replacements() == {}


def test_only_edited_parts_change(build_school):
    path = build_school(school(pupils=2, class_rows=2))
    before = parts(path)
    writer = TableWriter(Package.open(path))
    expected = {writer.table("Class_3A").sheet_part, writer.table("Class_3A").table_part}

    def action(writer):
        writer.set_cells("Class_3A", {(1, "Autumn Writing"): "GDS"})
        writer.append_rows("Class_3A", [[make_upn(9), "New"]])

    replaced = edit(path, action)
    after = parts(path)
    assert list(after) == list(before)
    changed = {name for name in before if after[name] != before[name]}
    assert changed == set(replaced) == expected


def test_no_edit_writes_nothing(build_school):
    path = build_school(school())
    before = path.read_bytes()
    writer = TableWriter(Package.open(path))
    writer.read("Class_3A")
    writer.set_cells("Class_3A", {(0, "Autumn Reading"): "EXS"})  # the value already there
    assert writer.replacements() == {}
    assert writer.save() is False
    assert path.read_bytes() == before


def test_dates_get_one_date_style(tmp_path):
    path = small_table_book(tmp_path / "marks.xlsx")
    styles = parts(path)["xl/styles.xml"]
    edit(path, lambda w: w.set_cells("Marks", {(1, "Mark"): date(2026, 2, 3)}))
    with_date = parts(path)["xl/styles.xml"]
    assert with_date != styles  # the Mark column had no date format, so one was added

    edit(path, lambda w: w.append_rows("Marks", [["Cy", date(2026, 4, 5)]]))
    assert parts(path)["xl/styles.xml"] == with_date
    sheet = openpyxl.load_workbook(path)["Data"]
    assert sheet["B3"].value == datetime(2026, 2, 3)
    assert sheet["B4"].value == datetime(2026, 4, 5)
    assert sheet["B3"].number_format == "dd/mm/yyyy"
    assert sheet["B4"].number_format == "dd/mm/yyyy"


def test_date_column_keeps_its_format(build_school):
    path = build_school(school(pupils=1))
    styles = parts(path)["xl/styles.xml"]
    edit(path, lambda w: w.set_cells(c.PUPILS_TABLE, {(0, "Left"): date(2026, 2, 3)}))
    assert parts(path)["xl/styles.xml"] == styles
    assert openpyxl.load_workbook(path)[c.PUPILS_SHEET]["L4"].value == datetime(2026, 2, 3)


# Files saved by Excel


@pytest.mark.parametrize("book", [EXCEL_SAVED / "fibonacci.xlsm", EXCEL_SAVED / "mpl.xlsm", *XLWINGS_BOOKS],
                         ids=lambda p: p.name)
def test_add_sheet_keeps_excel_parts(book, tmp_path):
    path = tmp_path / book.name
    shutil.copy(book, path)
    before = parts(path)
    spec = class_sheet_spec(rows=[["U1", "Ann", "EXS"]])
    spec.before = c.SUPPORT_SHEET  # not in these books, so the sheet goes last

    replaced = edit(path, lambda w: w.add_sheet(spec))

    after = parts(path)
    changed = {name for name in before if after[name] != before[name]}
    assert changed == {"xl/workbook.xml", "xl/_rels/workbook.xml.rels", "[Content_Types].xml"}
    assert set(after) - set(before) == set(replaced) - changed

    # Every prefix that mc:Ignorable lists must still be declared, or Excel refuses the file.
    workbook = etree.fromstring(after["xl/workbook.xml"])
    ignorable = workbook.get("{http://schemas.openxmlformats.org/markup-compatibility/2006}Ignorable", "")
    for prefix in ignorable.split():
        assert prefix in workbook.nsmap, prefix
    assert after["xl/workbook.xml"].startswith(before["xl/workbook.xml"][:40])

    loaded = openpyxl.load_workbook(path, keep_vba=True)
    assert loaded.sheetnames[-1] == "Class 3B"
    assert calamine_table(path, "Class_3B").to_python() == [["U1", "Ann", "EXS"]]


def test_excel_saved_book_takes_more_edits(tmp_path):
    path = tmp_path / "fibonacci.xlsm"
    shutil.copy(EXCEL_SAVED / "fibonacci.xlsm", path)
    original = parts(path)
    edit(path, lambda w: w.add_sheet(class_sheet_spec(rows=[["U1", "Ann", None]])))

    def action(writer):
        writer.append_rows("Class_3B", [["U2", "Ben", "GDS"]])
        writer.set_cells("Class_3B", {(0, "Autumn Reading"): "WTS"})
        writer.add_columns("Class_3B", [c.Column("Spring Reading", 10, c.GRADE_LIST_NAME)])

    edit(path, action)
    after = parts(path)
    for name, data in original.items():
        if name not in {"xl/workbook.xml", "xl/_rels/workbook.xml.rels", "[Content_Types].xml"}:
            assert after[name] == data, name
    table = calamine_table(path, "Class_3B")
    assert table.columns == ["UPN", "Pupil", "Autumn Reading", "Spring Reading"]
    assert table.to_python() == [["U1", "Ann", "WTS", ""], ["U2", "Ben", "GDS", ""]]


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")
def test_edited_books_open_in_libreoffice(build_school, tmp_path):
    path = build_school(school(pupils=2))
    edit(path, lambda w: (w.add_sheet(class_sheet_spec(rows=[[make_upn(1), "Ann", "EXS"]])),
                          w.add_columns("Class_3A", [c.Column("Autumn Science", 10, c.GRADE_LIST_NAME)]),
                          w.append_rows(c.PUPILS_TABLE, [pupil_row(7, "New", "Pupil", "3", "3B")])))
    fibonacci = tmp_path / "fibonacci.xlsm"
    shutil.copy(EXCEL_SAVED / "fibonacci.xlsm", fibonacci)
    edit(fibonacci, lambda w: w.add_sheet(class_sheet_spec()))

    out = tmp_path / "out"
    out.mkdir()
    for book in (path, fibonacci):
        pdf = converted(book, "pdf", out)
        assert pdf.read_bytes().startswith(b"%PDF")
        xlsx = converted(book, "xlsx", out)
        assert "Class 3B" in openpyxl.load_workbook(xlsx).sheetnames
    sheet = openpyxl.load_workbook(out / "school.xlsx")[c.PUPILS_SHEET]
    assert sheet["B6"].value == "New"
