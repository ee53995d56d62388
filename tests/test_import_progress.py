"""Importing teachers' progress files into a real tracker workbook, read back with two readers."""

from __future__ import annotations

import shutil
import zipfile
from datetime import datetime

import openpyxl
import pytest
import python_calamine
import xlsxwriter

from tracker import contract as c
from tracker.cli import main
from tracker.importing import import_progress

import make_import_fixtures as fx

NOW = datetime(2026, 3, 20, 15, 30)


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    root = tmp_path_factory.mktemp("import")
    fx.write_tracker(root)
    teachers = root / "teachers"
    fx.write_teacher_files(teachers)
    fx.write_no_class(teachers / "no class.xlsx")
    fx.write_unreadable(teachers)
    return root


@pytest.fixture(scope="module")
def imported(folder):
    """Return (workbook path, report, progress calls) after one import of every teacher file."""
    book = folder / "imported.xlsm"
    shutil.copyfile(folder / "tracker.xlsm", book)
    calls = []
    report = import_progress(book, [folder / "teachers"], progress=lambda *args: calls.append(args), now=NOW)
    return book, report, calls


@pytest.fixture(scope="module")
def cells(imported):
    """Return {(sheet, UPN, header): value} for every class sheet cell, read with openpyxl."""
    book = openpyxl.load_workbook(imported[0])
    values = {}
    for name in book.sheetnames:
        if not name.startswith("Class "):
            continue
        rows = list(book[name].iter_rows(min_row=3, values_only=True))
        header = rows[0]
        for row in rows[1:]:
            if row[0] is None:
                continue
            for title, value in zip(header, row):
                values[(name, row[0], title)] = value
    return values


def grade(cells, serial: int, column: str):
    ch = fx.child(serial)
    return cells[(f"Class {ch.klass}", ch.upn, column)]


def issues(path) -> list[tuple]:
    book = openpyxl.load_workbook(path)
    return [row for row in book[c.ISSUES_SHEET].iter_rows(min_row=5, values_only=True) if row[0]]


def import_log(path) -> list[tuple]:
    book = python_calamine.CalamineWorkbook.from_path(str(path))
    rows = book.get_sheet_by_name(c.IMPORT_LOG_SHEET).to_python(skip_empty_area=False)
    return [tuple(r) for r in rows[5:] if r and r[0]]


def test_titles_and_merged_header(cells):
    # 3A's header sits on row 5 under two title rows, points merged across subjects.
    assert grade(cells, 1, "Autumn Reading") == "EXS"
    assert grade(cells, 1, "Autumn Maths") == "WTS"
    assert grade(cells, 1, "Spring Maths") == "EXS"


def test_lower_case_and_alias_grades(cells):
    assert grade(cells, 1, "Autumn Writing") == "EXS"  # typed "exs"
    assert grade(cells, 3, "Spring Reading") == "WTS"  # typed "wt"
    assert grade(cells, 2, "Spring Writing") == "GDS"  # typed "gds"


def test_misspelt_grade_reported(imported, cells):
    assert grade(cells, 5, "Autumn Reading") is None  # typed "Expcted"
    rows = [r for r in issues(imported[0]) if r[2] == "Expcted"]
    assert len(rows) == 1
    assert rows[0][0] == "[3A progress.xlsx]Class 3A"
    assert rows[0][1] == "B11"
    assert "Did you mean EXS?" in rows[0][4]


def test_accent_apostrophe_and_trailing_space(cells):
    # "Siobhan O’Brien" and "Sam Smith " in the file; "Siobhán O'Brien" on the register.
    assert grade(cells, 2, "Autumn Reading") == "GDS"
    assert grade(cells, 1, "Spring Reading") == "EXS"


def test_capitals_and_hyphen_dropped(cells):
    assert grade(cells, 3, "Autumn Reading") == "WTS"  # "ZOË BROWN"
    assert grade(cells, 7, "Spring Reading") == "EXS"  # "Smith Jones" for Smith-Jones


def test_same_name_in_two_classes(imported, cells):
    assert grade(cells, 1, "Spring Reading") == "EXS"  # Sam Smith, 3A file
    assert grade(cells, 6, "Spring Reading") == "GDS"  # Sam Smith, 3B file
    # The file without a class names a Sam Smith for Summer Maths: neither gets it.
    assert grade(cells, 1, "Summer Maths") is None
    assert grade(cells, 6, "Summer Maths") is None
    ambiguous = [r for r in issues(imported[0]) if r[2] == "Sam Smith"]
    assert len(ambiguous) == 1
    assert "2 pupils" in ambiguous[0][3]


def test_unmatched_name_reported(imported):
    rows = [r for r in issues(imported[0]) if r[2] == "Nobody Known"]
    assert len(rows) == 1
    assert rows[0][0] == "[no class.xlsx]Sheet1"


def test_totals_rows_not_imported(imported):
    values = {str(r[2]) for r in issues(imported[0])}
    assert "Total at EXS+" not in values
    assert "% at EXS+" not in values
    assert "Total" not in values


def test_hidden_sheet_not_imported(cells):
    # The hidden "Last year" sheet gives Sam Smith BLW for Autumn Reading.
    assert grade(cells, 1, "Autumn Reading") != "BLW"


def test_hidden_leaver_row_read_flagged_counted(imported, cells):
    book, report, _ = imported
    assert grade(cells, 4, "Autumn Reading") == "WTS"
    assert report.hidden_rows == 1
    leaver = fx.child(4)
    notes = [r[11] for r in import_log(book) if r[2] == leaver.upn]
    assert len(notes) == 3
    assert all("hidden" in note for note in notes)


def test_conflict_keeps_existing_grade(imported, cells):
    assert grade(cells, 8, "Spring Maths") == "WTS"
    rows = [r for r in issues(imported[0]) if r[0] == "[3B Spring.xlsx]3B" and r[1] == "C4"]
    assert len(rows) == 1
    assert "WTS" in rows[0][3]
    assert "GDS" in rows[0][3]
    assert "'Class 3B'!L6" in rows[0][3]
    assert imported[1].conflicts == 1


def test_same_existing_grade_no_conflict(imported, cells):
    assert grade(cells, 7, "Spring Maths") == "EXS"
    assert imported[1].already == 1


def test_wrong_dimension_file_fully_read(cells):
    assert grade(cells, 8, "Spring Writing") == "WTS"  # cell E4, outside the stored A1:B2


def test_csv_and_xls_imported(cells):
    assert grade(cells, 9, "Autumn Maths") == "GDS"  # UTF-8 CSV with BOM
    assert grade(cells, 11, "Summer Reading") == "GDS"  # Windows-1252 CSV
    assert grade(cells, 8, "Summer Maths") == "EXS"  # .xls, point from the sheet name


def test_unreadable_files_skipped_rest_imported(imported):
    book, report, _ = imported
    skipped = {label for label, _ in report.files_skipped}
    assert skipped == {"protected.xlsx", "corrupt.xlsx", "empty.xlsx", "locked.xlsx"}
    assert report.filled > 0
    sheets = {r[0] for r in issues(book)}
    assert {"[protected.xlsx]", "[corrupt.xlsx]", "[empty.xlsx]", "[locked.xlsx]"} <= sheets


def test_sheets_used_reported(imported):
    report = imported[1]
    used = {(s.file, s.sheet) for s in report.sheets_used}
    assert ("3A progress.xlsx", "Class 3A") in used
    assert ("3B old.xls", "Summer") in used
    assert ("3A progress.xlsx", "Last year") not in used


def test_import_log_records_source(imported):
    book = imported[0]
    sam = fx.child(1)
    rows = [r for r in import_log(book) if r[2] == sam.upn and r[3] == "Autumn Maths"]
    assert rows == [("In tracker", "Sam Smith", sam.upn, "Autumn Maths", "", "WTS", "Class 3A", "H4",
                     "3A progress.xlsx", "Class 3A", "D6", "")]


def test_counts_match_cells(imported, folder):
    book, report, _ = imported
    before = openpyxl.load_workbook(folder / "tracker.xlsm")
    after = openpyxl.load_workbook(book)
    changed = 0
    for name in before.sheetnames:
        if name.startswith("Class "):
            for old_row, new_row in zip(before[name].iter_rows(values_only=True), after[name].iter_rows(values_only=True)):
                changed += sum(1 for a, b in zip(old_row, new_row) if a != b)
    assert changed == report.filled


def test_progress_callback(imported):
    calls = imported[2]
    total = calls[0][1]
    assert [call[0] for call in calls] == list(range(total + 1))
    assert calls[-1] == (total, total, "Done")


def test_reimport_byte_identical(imported, folder):
    book = imported[0]
    before = book.read_bytes()
    report = import_progress(book, [folder / "teachers"], now=datetime(2026, 3, 21, 9, 0))
    assert report.saved is False
    assert report.filled == 0
    assert book.read_bytes() == before


def test_other_parts_unchanged(imported, folder):
    with zipfile.ZipFile(folder / "tracker.xlsm") as old, zipfile.ZipFile(imported[0]) as new:
        old_parts = {n: old.read(n) for n in old.namelist()}
        new_parts = {n: new.read(n) for n in new.namelist()}
    assert set(old_parts) == set(new_parts)
    changed = {n for n in old_parts if old_parts[n] != new_parts[n]}
    assert "xl/vbaProject.bin" not in changed
    assert "xl/styles.xml" not in changed
    assert all(n.startswith(("xl/worksheets/sheet", "xl/charts/")) for n in changed), changed


def test_formula_text_stays_text(tmp_path, folder):
    book = tmp_path / "t.xlsm"
    shutil.copyfile(folder / "tracker.xlsm", book)
    source = tmp_path / "evil.xlsx"
    workbook = xlsxwriter.Workbook(str(source), {"strings_to_formulas": False})
    sheet = workbook.add_worksheet("3A")
    sheet.write_row("A1", ["Name", "Spring Maths"])
    sheet.write_string("A2", '=HYPERLINK("http://example.invalid","x")')
    sheet.write_string("B2", "EXS")
    workbook.close()
    import_progress(book, [source], now=NOW)
    loaded = openpyxl.load_workbook(book)
    found = [cell for row in loaded[c.ISSUES_SHEET].iter_rows(min_row=5) for cell in row
             if isinstance(cell.value, str) and cell.value.startswith("=HYPERLINK")]
    assert found
    assert all(cell.data_type == "s" for cell in found)


def test_point_assumed_from_settings(tmp_path, folder):
    book = tmp_path / "t.xlsm"
    shutil.copyfile(folder / "tracker.xlsm", book)
    source = tmp_path / "4A maths.csv"
    source.write_text("Name,Maths\nReuben Okafor,GDS\n", encoding="utf-8")
    report = import_progress(book, [source], now=NOW)
    # No point in the headings, sheet or file name, so the current point (Spring) is used and noted.
    assert report.filled == 1
    rows = [r for r in import_log(book) if r[0] == "In tracker"]
    assert rows[0][3] == "Spring Maths"
    assert "current point" in rows[0][11]


def test_cli_import(tmp_path, folder, capsys):
    book = tmp_path / "t.xlsm"
    shutil.copyfile(folder / "tracker.xlsm", book)
    code = main(["import", str(book), str(folder / "teachers" / "3B Spring.xlsx")])
    out = capsys.readouterr().out
    assert code == 0
    assert out.startswith("Read 1 file (1 sheet used); filled 7 empty grade cells, 1 already there, "
                          "1 conflict left as they were.")


def test_cli_import_missing_book(tmp_path, capsys):
    code = main(["import", str(tmp_path / "missing.xlsm"), str(tmp_path)])
    assert code == 1
    assert "missing.xlsm was not found" in capsys.readouterr().err


def test_tracker_in_progress_folder_left_out(tmp_path, folder):
    teachers = tmp_path / "progress"
    shutil.copytree(folder / "teachers", teachers)
    book = teachers / "tracker.xlsm"
    shutil.copyfile(folder / "tracker.xlsm", book)
    report = import_progress(book, [teachers], now=NOW)
    assert "tracker.xlsm" not in report.files_read
    assert all(row[8] != "tracker.xlsm" for row in import_log(book))
    assert report.filled > 0
