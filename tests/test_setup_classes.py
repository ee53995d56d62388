"""setup-classes builds class sheets from the register and follows it without losing a grade."""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from datetime import date
from pathlib import Path

import openpyxl
import pytest
import python_calamine

from tracker import contract as c
from tracker.build import SchoolData, build_workbook, class_headers
from tracker.classes import setup_classes
from tracker.cli import main
from tracker.core.attainment import ALL
from tracker.demo import make_school
from tracker.errors import WorkbookLocked
from tracker.package import Package
from tracker.refresh import refresh_file
from tracker.table_writer import TableWriter

from conftest import REFRESH_TIME, make_upn, pupil_row

SOFFICE = shutil.which("soffice")
SUBJECTS = [name for name, _ in c.DEFAULT_SUBJECTS]
HEADERS = class_headers(list(c.DEFAULT_POINTS), SUBJECTS)
ODD_CLASS = "Mrs O'Brien & Zoë"
ODD_SHEET = "Class Mrs O'Brien & Zoë"
ODD_TABLE = "Class_Mrs_O_Brien___Zoë"

# serial: (surname, forename, year, class, PP, SEN)
REGISTER = {
    1: ("Ash", "Amy", "3", "3A", "Y", "N"),
    2: ("Birch", "Ben", "3", "3A", "N", "K"),
    3: ("Cedar", "Cal", "3", "3A", "N", "N"),
    4: ("Dale", "Dev", "4", "4B", "Y", "E"),
    5: ("Elm", "Eva", "4", "4B", "N", "N"),
    6: ("Fir", "Fay", "5", ODD_CLASS, "N", "N"),
    7: ("Gorse", "Gil", "5", ODD_CLASS, "Y", "N"),
}


def register_school() -> SchoolData:
    data = SchoolData(settings={c.SETTING_POINT: "Autumn"})
    for serial, (surname, forename, year, klass, pp, sen) in REGISTER.items():
        category = "FSM/Ever 6" if pp == "Y" else None
        data.pupils.append(pupil_row(serial, surname, forename, year, klass, pp, category, sen))
    return data


@pytest.fixture
def book(build_school) -> Path:
    path = build_school(register_school())
    setup_classes(path)
    return path


def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def class_rows(path: Path, table: str) -> list[list[object]]:
    """Return a class table's body read with python-calamine, by table name."""
    workbook = python_calamine.CalamineWorkbook.from_path(str(path), load_tables=True)
    return workbook.get_table_by_name(table).to_python()


def edit(path: Path, action) -> None:
    writer = TableWriter(Package.open(path))
    action(writer)
    writer.save()


def type_grades(path: Path, table: str, grades: dict[tuple[int, str], str]) -> None:
    """Type grades into a class sheet as a teacher would: only into empty cells."""
    edit(path, lambda w: w.set_cells(table, grades))


def change_register(path: Path, cells: dict[tuple[int, str], object], new_rows=()) -> None:
    def action(writer):
        writer.set_cells(c.PUPILS_TABLE, cells, overwrite=True)
        writer.append_rows(c.PUPILS_TABLE, list(new_rows))

    edit(path, action)


def test_creates_one_sheet_per_class(book):
    workbook = openpyxl.load_workbook(book)
    names = workbook.sheetnames
    support = names.index(c.SUPPORT_SHEET)
    assert names[support - 3:support] == ["Class 3A", "Class 4B", ODD_SHEET]

    expected = {"Class_3A": [1, 2, 3], "Class_4B": [4, 5], ODD_TABLE: [6, 7]}
    for table, serials in expected.items():
        rows = class_rows(book, table)
        wanted = [[make_upn(s), f"{REGISTER[s][1]} {REGISTER[s][0]}", REGISTER[s][4], REGISTER[s][5], c.ON_ROLL]
                  for s in serials]
        assert [row[:5] for row in rows] == wanted
        assert all(value == "" for row in rows for value in row[5:])

    sheet = workbook["Class 3A"]
    assert [cell.value for cell in sheet[3]] == HEADERS
    assert sheet.tables["Class_3A"].ref == f"A3:Q6"
    assert sheet.freeze_panes == "C4"
    validations = {str(dv.sqref): dv.formula1 for dv in sheet.data_validations.dataValidation}
    assert validations["F4:F46"] == c.GRADE_LIST_NAME
    assert validations["I4:I46"] == "WellbeingValues"


def test_rerun_changes_nothing(book):
    before = book.read_bytes()
    report = setup_classes(book)
    assert not report.changed
    assert "nothing changed" in report.summary()
    assert book.read_bytes() == before


def test_grades_survive_register_changes_and_reach_figures(book):
    type_grades(book, "Class_3A", {(0, "Autumn Reading"): "EXS", (1, "Autumn Reading"): "WTS",
                                   (2, "Autumn Reading"): "GDS", (0, "Autumn Maths"): "wts"})
    type_grades(book, "Class_4B", {(0, "Autumn Reading"): "EXS"})
    # Pupil 2 becomes PP, pupil 3 leaves, and a new pupil joins 3A.
    change_register(book, {(1, "PP"): "Y", (1, "PP category"): "FSM/Ever 6", (2, "Left"): date(2026, 1, 9)},
                    [pupil_row(8, "Hazel", "Hal", "3", "3A", sen="K")])

    report = setup_classes(book)
    assert report.flags_updated == 1
    assert report.marked_left == {"Class 3A": 1}
    assert report.pupils_added == {"Class 3A": 1}

    rows = class_rows(book, "Class_3A")
    grade = HEADERS.index("Autumn Reading")
    assert [row[0] for row in rows] == [make_upn(s) for s in (1, 2, 3, 8)]
    assert [row[grade] for row in rows] == ["EXS", "WTS", "GDS", ""]
    assert rows[0][HEADERS.index("Autumn Maths")] == "wts"
    assert [row[2] for row in rows] == ["Y", "Y", "N", "N"]
    assert [row[4] for row in rows] == [c.ON_ROLL, c.ON_ROLL, c.LEFT, c.ON_ROLL]
    assert rows[3][:4] == [make_upn(8), "Hal Hazel", "N", "K"]

    # Autumn Reading for pupils on roll is 1 EXS, 2 WTS (3A) and 4 EXS (4B),
    # so 2 of 3 are on track. Pupil 3 has left and is not counted.
    result = refresh_file(book, now=REFRESH_TIME)
    graded = result.grades[(result.grades["point"] == "Autumn") & (result.grades["subject"] == "Reading")]
    cells = dict(zip(graded["upn"], graded["cell"]))
    assert cells[make_upn(1)] == "F4"
    assert cells[make_upn(4)] == "F4"
    figures = result.attainment
    whole = figures[(figures["point"] == "Autumn") & (figures["subject"] == "Reading")
                    & (figures["scope"] == c.WHOLE_SCHOOL) & (figures["group"] == ALL)].iloc[0]
    assert whole["assessed"] == 3
    assert whole["on_track"] == 2


def test_rerun_after_changes_is_idempotent(book):
    change_register(book, {(0, "SEN"): "E"}, [pupil_row(9, "Ivy", "Ida", "4", "4B")])
    setup_classes(book)
    before = parts(book)
    setup_classes(book)
    assert parts(book) == before


def test_moved_pupil_left_in_old_class(book):
    type_grades(book, "Class_3A", {(0, "Autumn Writing"): "EXS"})
    change_register(book, {(0, "Class"): "4B", (0, "Year"): "4"})
    report = setup_classes(book)

    old = class_rows(book, "Class_3A")
    assert old[0][0] == make_upn(1)
    assert old[0][4] == c.LEFT
    assert old[0][HEADERS.index("Autumn Writing")] == "EXS"
    new = class_rows(book, "Class_4B")
    assert new[-1][:5] == [make_upn(1), "Amy Ash", "Y", "N", c.ON_ROLL]
    assert report.marked_left == {"Class 3A": 1}

    # Moving back puts the old row back on roll instead of adding another.
    change_register(book, {(0, "Class"): "3A", (0, "Year"): "3"})
    report = setup_classes(book)
    assert report.back_on_roll == {"Class 3A": 1}
    assert not report.pupils_added
    assert len(class_rows(book, "Class_3A")) == 3


def test_pupil_removed_from_register_marked_left(book):
    change_register(book, {(4, "UPN"): make_upn(55), (4, "Class"): "6C", (4, "Year"): "6"})
    report = setup_classes(book)
    assert class_rows(book, "Class_4B")[1][4] == c.LEFT
    assert report.created == ["Class 6C"]


def test_unreadable_register_row_leaves_class_row_alone(book):
    change_register(book, {(3, "Year"): "Y9"})  # not a primary year: the parser drops the pupil
    report = setup_classes(book)
    assert class_rows(book, "Class_4B")[0][4] == c.ON_ROLL
    assert report.register_issues == 1
    assert "Data issues" in report.summary()


def test_status_typed_by_teacher_is_kept(book):
    edit(book, lambda w: w.set_cells("Class_3A", {(2, "Status"): "Part-time"}, overwrite=True))
    change_register(book, {(2, "Left"): date(2026, 2, 1)})
    report = setup_classes(book)
    assert class_rows(book, "Class_3A")[2][4] == "Part-time"
    assert any("Part-time" in message for message in report.not_changed)


def test_new_assessment_point_adds_columns(book):
    type_grades(book, "Class_4B", {(1, "Summer Maths"): "GDS"})
    edit(book, lambda w: w.append_rows(c.POINTS_TABLE, [["Summer 2"]]))
    report = setup_classes(book)

    new = ["Summer 2 Reading", "Summer 2 Writing", "Summer 2 Maths", "Summer 2 Wellbeing"]
    assert report.columns_added == {sheet: new for sheet in ("Class 3A", "Class 4B", ODD_SHEET)}
    sheet = openpyxl.load_workbook(book)["Class 4B"]
    assert [cell.value for cell in sheet[3]] == HEADERS + new
    validations = {str(dv.sqref): dv.formula1 for dv in sheet.data_validations.dataValidation}
    assert validations["R4:R45"] == c.GRADE_LIST_NAME
    assert validations["U4:U45"] == "WellbeingValues"
    assert class_rows(book, "Class_4B")[1][HEADERS.index("Summer Maths")] == "GDS"

    type_grades(book, "Class_4B", {(0, "Summer 2 Reading"): "EXS"})
    result = refresh_file(book, now=REFRESH_TIME)
    summer2 = result.grades[result.grades["point"] == "Summer 2"]
    assert list(summer2["upn"]) == [make_upn(4)]
    assert list(summer2["cell"]) == ["R4"]


def test_only_class_parts_change(book):
    before = parts(book)
    writer = TableWriter(Package.open(book))
    # Pupil 2's SEN flag changes on 3A; 4B gains a row, so its table grows too.
    class_parts = {writer.table("Class_3A").sheet_part, writer.table("Class_4B").sheet_part,
                   writer.table("Class_4B").table_part}
    register_part = writer.table(c.PUPILS_TABLE).sheet_part
    change_register(book, {(1, "SEN"): "E"}, [pupil_row(10, "Juniper", "Jo", "4", "4B")])
    after_register = parts(book)

    setup_classes(book)
    after = parts(book)
    assert {n for n in before if after_register[n] != before[n]} <= {register_part,
                                                                      writer.table(c.PUPILS_TABLE).table_part}
    changed = {name for name in after_register if after[name] != after_register[name]}
    assert changed == class_parts
    assert set(after) == set(before)


def test_locked_book_refused(book, capsys):
    lock = book.with_name("~$" + book.name)
    lock.write_bytes(b"")
    before = book.read_bytes()
    with pytest.raises(WorkbookLocked):
        setup_classes(book)
    assert main(["setup-classes", str(book)]) == 1
    assert "open in Excel" in capsys.readouterr().err
    assert book.read_bytes() == before


def test_cli_prints_summary(build_school, capsys):
    path = build_school(register_school())
    assert main(["setup-classes", str(path)]) == 0
    output = capsys.readouterr().out
    assert "created 3 sheets: Class 3A, Class 4B, Class Mrs O'Brien & Zoë" in output
    assert "added 7 pupils" in output


def test_demo_register_matches_builder(tmp_path):
    school = make_school(pupils=84, seed=4)
    built = tmp_path / "built.xlsm"
    build_workbook(built, school)
    bare = tmp_path / "bare.xlsm"
    school_without_classes = make_school(pupils=84, seed=4)
    school_without_classes.classes = []
    build_workbook(bare, school_without_classes)
    setup_classes(bare)

    registered = {row[0] for row in school.pupils}
    ours, theirs = openpyxl.load_workbook(bare), openpyxl.load_workbook(built)
    assert [n for n in ours.sheetnames if n.startswith("Class ")] == \
        [n for n in theirs.sheetnames if n.startswith("Class ")]
    for klass in school.classes:
        table = f"Class_{klass.name}"
        for ref in ("A1", "A2"):
            assert ours[f"Class {klass.name}"][ref].value == theirs[f"Class {klass.name}"][ref].value
        built_rows = class_rows(built, table)
        set_up_rows = class_rows(bare, table)
        assert ours[f"Class {klass.name}"].tables[table].ref.startswith("A3:Q")
        assert [cell.value for cell in ours[f"Class {klass.name}"][3]] == \
            [cell.value for cell in theirs[f"Class {klass.name}"][3]]
        assert [row[0] for row in set_up_rows] == [row[0] for row in built_rows if row[0] in registered]
        assert [row[1:4] for row in set_up_rows] == [row[1:4] for row in built_rows if row[0] in registered]


def test_other_writers_file(book, tmp_path):
    """Run on a copy that LibreOffice saved: shared strings, its own styles and spans."""
    if SOFFICE is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    type_grades(book, "Class_3A", {(1, "Autumn Reading"): "EXS"})
    out = tmp_path / "lo"
    subprocess.run([SOFFICE, f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--headless",
                    "--convert-to", "xlsx", "--outdir", str(out), str(book)],
                   check=True, capture_output=True, timeout=180)
    path = out / "school.xlsx"
    change_register(path, {(0, "SEN"): "K"}, [pupil_row(11, "Kale", "Kit", "3", "3A")])
    before = parts(path)

    report = setup_classes(path)
    assert report.pupils_added == {"Class 3A": 1}
    assert report.flags_updated == 1
    rows = class_rows(path, "Class_3A")
    assert [row[0] for row in rows] == [make_upn(s) for s in (1, 2, 3, 11)]
    assert rows[1][HEADERS.index("Autumn Reading")] == "EXS"
    assert rows[0][3] == "K"
    after = parts(path)
    writer = TableWriter(Package.open(path))
    class_parts = {writer.table("Class_3A").sheet_part, writer.table("Class_3A").table_part}
    assert {name for name in before if after[name] != before[name]} == class_parts
    assert openpyxl.load_workbook(path)["Class 3A"]["A7"].value == make_upn(11)


def test_odd_class_name_opens_in_libreoffice(book, tmp_path):
    if SOFFICE is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    assert class_rows(book, ODD_TABLE)[0][1] == "Fay Fir"
    for target in ("pdf", "xlsx"):
        subprocess.run([SOFFICE, f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--headless",
                        "--convert-to", target, "--outdir", str(tmp_path), str(book)],
                       check=True, capture_output=True, timeout=180)
    assert (tmp_path / "school.pdf").read_bytes().startswith(b"%PDF")
    names = openpyxl.load_workbook(tmp_path / "school.xlsx").sheetnames
    assert ODD_SHEET in names
    assert openpyxl.load_workbook(book)[ODD_SHEET]["A1"].value.startswith(ODD_CLASS)
