"""Imports that skip sheets or fail: what the coordinator is told, and what is left unchanged."""

from __future__ import annotations

import shutil
import zipfile
from datetime import date, datetime

import openpyxl
import pytest
import python_calamine
import xlsxwriter

from tracker import contract as c
from tracker.cli import main
from tracker.importing import import_progress, import_register
from tracker.package import Package
from tracker.tabs import LIST_HEADER_ROW

import make_import_fixtures as fx

NOW = datetime(2026, 3, 20, 15, 30)


@pytest.fixture(scope="module")
def tracker(tmp_path_factory):
    return fx.write_tracker(tmp_path_factory.mktemp("failures"))


@pytest.fixture
def book(tmp_path, tracker):
    path = tmp_path / "book.xlsm"
    shutil.copyfile(tracker, path)
    return path


def import_log(path) -> list[tuple]:
    rows = python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_name(c.IMPORT_LOG_SHEET)
    return [tuple(r) for r in rows.to_python(skip_empty_area=False)[LIST_HEADER_ROW + 1:] if r and r[0]]


def issues(path) -> list[tuple]:
    loaded = openpyxl.load_workbook(path)
    return [row for row in loaded[c.ISSUES_SHEET].iter_rows(min_row=LIST_HEADER_ROW + 2, values_only=True) if row[0]]


# Grades of the 3A pupils in the labels-on-the-point-row file, Autumn then Spring.
SPLIT_GRADES = {
    1: ["EXS", "WTS", "EXS", "GDS", "EXS", "EXS"],
    2: ["WTS", "WTS", "WTS", "EXS", "WTS", "GDS"],
}


def write_split_labels(path):
    """Write a 3A file whose Pupil and UPN labels sit on the point row, with blanks under them."""
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("3A")
    sheet.write("A1", "Year 3 progress 2025/26")
    sheet.write_row("A2", ["Pupil", "UPN"])
    sheet.merge_range("C2:E2", "Autumn")
    sheet.merge_range("F2:H2", "Spring")
    sheet.write_row("C3", list(fx.SUBJECTS) * 2)
    for offset, (serial, grades) in enumerate(SPLIT_GRADES.items()):
        pupil = fx.child(serial)
        sheet.write_row(3 + offset, 0, [pupil.name, pupil.upn, *grades])
    workbook.close()
    return path


def write_no_header(path):
    workbook = xlsxwriter.Workbook(str(path))
    workbook.add_worksheet("Notes").write_row("A1", ["Reading age", "Spelling age"])
    workbook.close()
    return path


def test_labels_on_point_row_imported(tmp_path, book):
    source = write_split_labels(tmp_path / "3A progress.xlsx")
    report = import_progress(book, [source], now=NOW)
    assert report.filled == sum(len(grades) for grades in SPLIT_GRADES.values())
    loaded = openpyxl.load_workbook(book)
    rows = list(loaded["Class 3A"].iter_rows(min_row=3, values_only=True))
    header = rows[0]
    by_upn = {row[0]: dict(zip(header, row)) for row in rows[1:] if row[0]}
    columns = [f"{point} {subject}" for point in ("Autumn", "Spring") for subject in fx.SUBJECTS]
    for serial, grades in SPLIT_GRADES.items():
        assert [by_upn[fx.child(serial).upn][column] for column in columns] == grades


def test_skipped_sheet_reason_everywhere(tmp_path, book, capsys):
    source = write_no_header(tmp_path / "notes.xlsx")
    assert main(["import", str(book), str(source)]) == 0
    out = capsys.readouterr().out
    assert "Notes" in out
    assert "no header row" in out.lower()
    skipped = [row for row in import_log(book) if row[0] == "Sheet skipped"]
    assert [(row[9], row[8]) for row in skipped] == [("Notes", "notes.xlsx")]
    assert "no header row" in skipped[0][11].lower()
    found = [row for row in issues(book) if row[0] == "[notes.xlsx]Notes"]
    assert len(found) == 1
    assert "no header row" in found[0][3].lower()


def test_missing_folder_changes_nothing(tmp_path, book, capsys):
    before = book.read_bytes()
    assert main(["import", str(book), str(tmp_path / "nothere")]) == 1
    out = capsys.readouterr().out
    assert "nothere was not found" in out
    assert "is not a file type" not in out
    assert "The workbook was not changed." in out
    assert book.read_bytes() == before


def test_unreadable_file_changes_nothing(tmp_path, book, capsys):
    source = tmp_path / "broken.xlsx"
    source.write_bytes(b"not a workbook at all")
    before = book.read_bytes()
    assert main(["import", str(book), str(source)]) == 1
    assert "broken.xlsx is not an Excel workbook" in capsys.readouterr().out
    assert book.read_bytes() == before


def test_unmatched_pupil_row_names_pupil(tmp_path, book):
    source = tmp_path / "3A spring.csv"
    source.write_text("Name,UPN,Spring Maths\nNobody Known,,EXS\n", encoding="utf-8")
    import_progress(book, [source], now=NOW)
    rows = [row for row in import_log(book) if row[0] == "Not imported"]
    assert len(rows) == 1
    assert rows[0][1] == "Nobody Known"
    assert rows[0][10] == "A2"


def test_bad_grade_row_names_pupil_and_column(tmp_path, book):
    pupil = fx.child(5)
    source = tmp_path / "3A spring.csv"
    source.write_text(f"Name,UPN,Spring Maths\n{pupil.name},{pupil.upn},Expcted\n", encoding="utf-8")
    import_progress(book, [source], now=NOW)
    rows = [row for row in import_log(book) if row[0] == "Not imported"]
    assert len(rows) == 1
    assert rows[0][1] == pupil.name
    assert rows[0][2] == pupil.upn
    assert rows[0][3] == "Spring Maths"


def test_census_default_stated(tmp_path, book, capsys):
    ctf = fx.write_ctf(tmp_path / "school.xml")
    assert main(["import-register", str(book), str(ctf)]) == 0
    out = capsys.readouterr().out
    today = date.today().strftime("%d/%m/%Y")
    assert today in out
    assert "October" in out
    assert "--census-date" in out
    log_summary = python_calamine.CalamineWorkbook.from_path(str(book)).get_sheet_by_name(
        c.IMPORT_LOG_SHEET).to_python()[1][0]
    assert today in log_summary
    assert "October" in log_summary


def test_census_given_not_flagged(tmp_path, book):
    ctf = fx.write_ctf(tmp_path / "school.xml")
    report = import_register(book, ctf, census_date=date(2025, 10, 2), now=NOW)
    summary = report.summary()
    assert "02/10/2025" in summary
    assert "--census-date" not in summary


def damage_part(book, sheet: str, damage: str) -> None:
    """Damage one sheet's part in place: cut its XML in half, or flip bytes of its deflated data."""
    package = Package.open(book)
    part = package.sheet_parts()[sheet]
    if damage == "cut xml":
        with zipfile.ZipFile(book) as source:
            items = [(info, source.read(info.filename)) for info in source.infolist()]
        with zipfile.ZipFile(book, "w", zipfile.ZIP_DEFLATED) as target:
            for info, data in items:
                target.writestr(info, data[:len(data) // 2] if info.filename == part else data)
        return
    index = [info.filename for info in package.infos].index(part)
    record, info = package.records[index], package.infos[index]
    data = bytearray(package.data)
    middle = record.data_start + info.compress_size // 2
    data[middle:middle + 8] = bytes(byte ^ 0xFF for byte in data[middle:middle + 8])
    book.write_bytes(bytes(data))


@pytest.mark.parametrize("sheet", [c.IMPORT_LOG_SHEET, c.ISSUES_SHEET])
@pytest.mark.parametrize("damage", ["cut xml", "flipped bytes"])
@pytest.mark.parametrize("command", ["import", "import-register"])
def test_damaged_owned_tab_one_line_error(tmp_path, book, capsys, sheet, damage, command):
    damage_part(book, sheet, damage)
    before = book.read_bytes()
    if command == "import":
        source = fx.write_3a(tmp_path / "3A.xlsx")
    else:
        source = fx.write_register_csv(tmp_path / "register.csv")

    assert main([command, str(book), str(source)]) == 1
    captured = capsys.readouterr()
    output = (captured.out + captured.err).strip()
    assert "Traceback" not in output
    assert len(output.splitlines()) == 1
    assert f"The tab '{sheet}' in book.xlsm could not be read" in output
    assert "save it again as .xlsm" in output
    assert book.read_bytes() == before


def pupils_rows(path) -> list[list[object]]:
    return python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_name(c.PUPILS_SHEET).to_python()


@pytest.mark.parametrize("file_name", ["missing.csv", "broken.xlsx"])
def test_unreadable_register_exits_1(tmp_path, book, capsys, file_name):
    register = tmp_path / file_name
    if file_name == "broken.xlsx":
        register.write_bytes(b"not a workbook at all")
    pupils_before = pupils_rows(book)

    assert main(["import-register", str(book), str(register)]) == 1
    out = capsys.readouterr().out
    assert out.startswith(f"Skipped: {file_name}")
    assert "Nothing was imported." in out
    assert "Read 0 pupils" not in out
    assert pupils_rows(book) == pupils_before
    assert import_log(book)[0][0] == "File skipped"


@pytest.mark.parametrize("value", ["EX\r\nS", "x" * 40000], ids=["carriage return", "over cell limit"])
def test_awkward_value_reimport_unchanged(tmp_path, book, value):
    pupil = fx.child(5)
    source = tmp_path / "3A spring.csv"
    source.write_bytes(f'Name,UPN,Spring Maths\r\n{pupil.name},{pupil.upn},"{value}"\r\n'.encode("utf-8"))
    import_progress(book, [source], now=NOW)
    first = book.read_bytes()

    # The Import log shows the value as read, cut to Excel's 32,767 characters a cell.
    rows = [row for row in import_log(book) if row[0] == "Not imported"]
    assert len(rows) == 1
    assert rows[0][5] == value[:32767]
    sheet = openpyxl.load_workbook(book)[c.IMPORT_LOG_SHEET]
    logged = [row[5] for row in sheet.iter_rows(values_only=True) if row[0] == "Not imported"]
    assert logged == [value[:32767]]

    report = import_progress(book, [source], now=NOW.replace(hour=16))
    assert not report.saved
    assert book.read_bytes() == first
