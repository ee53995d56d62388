"""Reading source files and their headers: the traps MIS exports and teachers' workbooks set."""

from __future__ import annotations

import pandas as pd
import pytest
import xlsxwriter

from tracker.importing.headers import Vocabulary, clean_header, find_header
from tracker.importing.matching import Roster, name_key
from tracker.importing.sources import SourceSheet, UnreadableFile, find_files, read_source

import make_import_fixtures as fx

POINTS = ["Autumn", "Spring", "Summer"]
SUBJECTS = ["Reading", "Writing", "Maths"]


@pytest.fixture(scope="module")
def teachers(tmp_path_factory):
    folder = tmp_path_factory.mktemp("teachers")
    files = fx.write_teacher_files(folder)
    files.update(fx.write_unreadable(folder))
    return files


def vocabulary() -> Vocabulary:
    return Vocabulary(POINTS, SUBJECTS)


def sheet(rows, merged=()) -> SourceSheet:
    return SourceSheet("file.xlsx", "Sheet1", [list(r) for r in rows], merged=list(merged))


# Headers


def test_header_cleaning_removes_bom_and_nbsp():
    assert clean_header("\ufeffName") == "Name"
    assert clean_header("Preferred\u00a0Forename ") == "Preferred Forename"
    assert clean_header("  Legal   Surname\u200b") == "Legal Surname"


def test_header_found_under_titles_and_merged_point():
    rows = [
        ["Oakfield Primary", None, None, None],
        [None, None, None, None],
        [None, "Spring", None, None],
        ["Pupil", "Rdg", "Wri", "Ma"],
        ["Sam Smith", "EXS", "EXS", "WTS"],
    ]
    layout = find_header(sheet(rows, merged=[(2, 1, 2, 3)]), vocabulary())
    assert layout is not None
    assert layout.row == 3
    assert layout.roles == {"name": 0}
    assert [(g.col, g.point, g.subject) for g in layout.grades] == [
        (1, "Spring", "Reading"), (2, "Spring", "Writing"), (3, "Spring", "Maths")]


def test_two_row_header_without_merge_spreads_point():
    # CSV files lose the merge and keep the point in its first cell only.
    rows = [
        [None, "Autumn", None, "Summer", None],
        ["Name", "Reading", "Maths", "Reading", "Maths"],
    ]
    layout = find_header(sheet(rows), vocabulary())
    assert [(g.point, g.subject) for g in layout.grades] == [
        ("Autumn", "Reading"), ("Autumn", "Maths"), ("Summer", "Reading"), ("Summer", "Maths")]


def test_subject_merged_over_points():
    rows = [[None, "Maths", None], ["Child", "Aut", "Spr"]]
    layout = find_header(sheet(rows, merged=[(0, 1, 0, 2)]), vocabulary())
    assert [(g.point, g.subject) for g in layout.grades] == [("Autumn", "Maths"), ("Spring", "Maths")]


@pytest.mark.parametrize("heading, expected", [
    ("Spring Maths", ("Spring", "Maths")),
    ("Ma (Aut)", ("Autumn", "Maths")),
    ("Numeracy Summer 2026", ("Summer", "Maths")),
    ("Rdg", (None, "Reading")),
    ("Writing teacher assessment", (None, "Writing")),
    ("Mathematics - Spring term", ("Spring", "Maths")),
    ("Reading age", (None, None)),
    ("Maths target", (None, None)),
    ("Notes", (None, None)),
])
def test_heading_split(heading, expected):
    assert vocabulary().split(heading) == expected


@pytest.mark.parametrize("heading, role", [
    ("Name", "name"), ("Pupil", "name"), ("Child", "name"), ("Surname", "surname"),
    ("First name", "forename"), ("Last name", "surname"), ("Forename", "forename"),
    ("UPN", "upn"), ("Class", "class"), ("Year group", "year"), ("Pupil name ", "name"),
])
def test_name_and_class_spellings(heading, role):
    assert vocabulary().role(heading) == role


def test_duplicate_header_kept_once():
    rows = [["Name", "Spring Maths", "Spring Maths", "Name"], ["Sam", "EXS", "GDS", "x"]]
    layout = find_header(sheet(rows), vocabulary())
    assert [g.col for g in layout.grades] == [1]
    assert layout.roles["name"] == 0
    assert sorted(col for col, _ in layout.duplicates) == [2, 3]


def test_sheet_without_pupils_has_no_header():
    rows = [["Reading", "Writing"], ["EXS", "EXS"]]
    assert find_header(sheet(rows), vocabulary()) is None


# Files


def test_hidden_and_empty_sheets_skipped(teachers):
    source = read_source(teachers["3a"])
    assert [s.name for s in source.sheets] == ["Class 3A"]
    assert dict(source.skipped) == {"Last year": "hidden sheet", "Notes": "empty sheet"}


def test_hidden_rows_read_and_marked(teachers):
    grid = read_source(teachers["3a"]).sheets[0]
    # Tom Leaver is on sheet row 10 (0-based 9), hidden by his teacher.
    assert grid.rows[9][0] == "Tom Leaver"
    assert grid.hidden_rows == {9}


def test_wrong_stored_dimension_ignored(teachers):
    # The 3B file claims its cells end at B2; the grades sit in C2:E4.
    grid = read_source(teachers["3b"]).sheets[0]
    assert grid.value(3, 0) == "Nowak"
    assert grid.value(3, 4) == "WTS"


def test_xls_read_with_python_calamine(teachers):
    grid = read_source(teachers["xls"]).sheets[0]
    assert grid.name == "Summer"
    assert grid.rows[1][:3] == ["Kacper Nowak", "3B", "EXS"]


def test_csv_bom_and_nbsp_header(teachers):
    grid = read_source(teachers["y4"]).sheets[0]
    layout = find_header(grid, vocabulary())
    assert layout.roles == {"name": 0, "class": 1}
    assert [(g.point, g.subject) for g in layout.grades] == [
        ("Autumn", "Reading"), ("Autumn", "Writing"), ("Autumn", "Maths")]


def test_csv_cp1252_fallback(teachers):
    grid = read_source(teachers["y4_cp1252"]).sheets[0]
    assert grid.rows[2][0] == "Chloé Dubois"


def test_leading_zeros_from_display_format(tmp_path):
    path = tmp_path / "padded.xlsx"
    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet()
    ws.write_row("A1", ["Adno", "Class", "Score"])
    ws.write_number("A2", 123, book.add_format({"num_format": "000000"}))
    ws.write_number("B2", 3, book.add_format({"num_format": "00"}))
    ws.write_number("C2", 7, book.add_format({"num_format": "0.00"}))
    book.close()
    row = read_source(path).sheets[0].rows[1]
    assert row == ["000123", "03", 7]


def test_numbers_stored_as_text_kept_as_text(tmp_path):
    path = tmp_path / "text.xlsx"
    book = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False})
    book.add_worksheet().write_row("A1", ["3", "0042", "96.5"])
    book.close()
    assert read_source(path).sheets[0].rows[0] == ["3", "0042", "96.5"]


@pytest.mark.parametrize("name, words", [
    ("protected", "password-protected"),
    ("corrupt", "damaged"),
    ("empty", "empty"),
    ("locked", "open in Excel"),
])
def test_unreadable_file_reason(teachers, name, words):
    with pytest.raises(UnreadableFile) as error:
        read_source(teachers[name])
    assert words in str(error.value)
    assert teachers[name].name in str(error.value)


def test_find_files_skips_lock_files(teachers):
    folder = teachers["3a"].parent
    labels = [label for _, label in find_files([folder])]
    assert "~$locked.xlsx" not in labels
    assert "3A progress.xlsx" in labels
    assert labels == sorted(labels)


# Names


def test_name_key_folds_accents_apostrophes_hyphens():
    assert name_key("Siobhán O’Brien ") == name_key("siobhan obrien")
    assert name_key("Amelia Smith-Jones") == name_key("AMELIA SMITH JONES")
    assert name_key("Smith, Sam") == "smith sam"


def roster() -> Roster:
    pupils = pd.DataFrame(
        [(ch.upn, ch.surname, ch.forename, ch.name, ch.year, ch.klass) for ch in fx.CHILDREN],
        columns=["upn", "surname", "forename", "name", "year", "class_name"],
    )
    return Roster(pupils)


def test_same_name_needs_class():
    register = roster()
    sams = {ch.klass: ch.upn for ch in fx.CHILDREN if ch.name == "Sam Smith"}
    assert register.match(None, ["Sam Smith"], "3B", None).pupil.upn == sams["3B"]
    assert register.match(None, ["Smith, Sam"], "3A", None).pupil.upn == sams["3A"]
    ambiguous = register.match(None, ["Sam Smith"], None, None)
    assert ambiguous.pupil is None
    assert "2 pupils" in ambiguous.problem


def test_name_in_other_class_not_chosen():
    match = roster().match(None, ["Kacper Nowak"], "3A", None)
    assert match.pupil is None
    assert "3B" in match.problem


def test_upn_wins_over_name():
    zoe = fx.child(3)
    match = roster().match(zoe.upn.lower(), ["Someone Else"], None, None)
    assert match.pupil.upn == zoe.upn
    assert match.by == "UPN"


def test_unknown_name_gets_suggestion():
    match = roster().match(None, ["Reuben Okafur"], "4A", None)
    assert match.pupil is None
    assert "Did you mean Reuben Okafor?" in match.problem


def test_class_named_in_sheet_name():
    assert roster().class_in("Class 3B", "ignored") == "3B"
    assert roster().class_in("Year 3", "3A progress.xlsx") == "3A"
    assert roster().class_in("3A and 3B") is None
