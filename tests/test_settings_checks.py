"""Settings mistakes are reported and fall back to something sensible."""

from __future__ import annotations

import pytest

from tracker import contract as c
from tracker.cli import main
from tracker.core.issues import IssueLog
from tracker.core.settings import parse_settings
from tracker.core.tables import RawTable


def tables(settings: dict[str, object] | None = None, grades=None) -> dict[str, RawTable]:
    values = dict(c.DEFAULT_SETTINGS)
    values.update(settings or {})
    rows = [[name, value] for name, value in values.items()]
    return {
        c.SETTINGS_TABLE: RawTable(c.SETTINGS_TABLE, c.SETTINGS_SHEET, ["Setting", "Value"], rows, 4, 1),
        c.POINTS_TABLE: RawTable(c.POINTS_TABLE, c.SETTINGS_SHEET, ["Assessment point"],
                                 [[p] for p in c.DEFAULT_POINTS], 4, 4),
        c.SUBJECTS_TABLE: RawTable(c.SUBJECTS_TABLE, c.SETTINGS_SHEET, ["Subject", "In combined (Y/N)"],
                                   [list(s) for s in c.DEFAULT_SUBJECTS], 4, 6),
        c.GRADES_TABLE: RawTable(c.GRADES_TABLE, c.SETTINGS_SHEET,
                                 [col.header for col in c.GRADES_COLUMNS],
                                 grades or [list(g) for g in c.DEFAULT_GRADES], 4, 9),
    }


def test_misspelt_point_uses_closest():
    issues = IssueLog()
    settings = parse_settings(tables({c.SETTING_POINT: "Autum"}), issues)
    assert settings.current_point == "Autumn"
    assert len(issues) == 1
    assert issues.items[0].cell == "B6"
    assert issues.items[0].action == "Used 'Autumn'. Pick a point from the dropdown."


def test_unrelated_point_uses_last():
    issues = IssueLog()
    settings = parse_settings(tables({c.SETTING_POINT: "Easter"}), issues)
    assert settings.current_point == "Summer"
    assert len(issues) == 1


@pytest.mark.parametrize("year, reported", [("2025/26", False), ("2025-2026", False), ("next year", True)])
def test_academic_year_checked(year, reported):
    issues = IssueLog()
    settings = parse_settings(tables({c.SETTING_YEAR: year}), issues)
    assert settings.academic_year == year
    assert (len(issues) == 1) is reported


def test_duplicate_grade_code_reported():
    grades = [list(g) for g in c.DEFAULT_GRADES]
    grades[1][0] = "EXS"
    issues = IssueLog()
    settings = parse_settings(tables(grades=grades), issues)
    assert settings.scale.grades["EXS"].on_track is False  # the first EXS row wins
    duplicate = [i for i in issues.items if "listed twice" in i.problem]
    assert len(duplicate) == 1
    assert duplicate[0].cell == "I6"  # the second EXS row, the table starting at I4


def test_missing_pp_column_stops_refresh(build_school, capsys):
    from tracker.build import SchoolData
    import zipfile

    path = build_school(SchoolData())
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    broken = path.with_name("no-pp.xlsm")
    with zipfile.ZipFile(broken, "w") as archive:
        for name, data in parts.items():
            if name.startswith("xl/tables/") and b'name="Pupils"' in data:
                data = data.replace(b'name="PP"', b'name="Pupil Premium?"')
            archive.writestr(name, data)
    assert main(["refresh", str(broken)]) == 1
    error = capsys.readouterr().err
    assert "has no column headed 'PP'" in error


@pytest.mark.parametrize("value, hint", [
    ("EXT", " Did you mean EXS?"),
    (3, "add each number to the Aliases"),
    ("4", "add each number to the Aliases"),
    ("Q", " Use a grade from the Grades table on Settings."),
])
def test_unknown_grade_hint(value, hint):
    settings = parse_settings(tables(), IssueLog())
    assert hint in settings.scale.unknown_hint(value)


def test_no_combined_subject_reported():
    data = tables()
    data[c.SUBJECTS_TABLE].rows = [[name, "N"] for name, _ in c.DEFAULT_SUBJECTS]
    issues = IssueLog()
    settings = parse_settings(data, issues)
    assert settings.combined_subjects == []
    assert len(issues) == 1
    assert issues.items[0].cell == "G3"
    assert "no Combined figure" in issues.items[0].problem


@pytest.mark.parametrize("point, expected", [
    ("Autumn", (2025, 12, 31)),
    ("Autumn 1", (2025, 10, 31)),
    ("Autumn 2", (2025, 12, 31)),
    ("Spring 1", (2026, 3, 1)),  # 59 of the 119 days from 1 January to 30 April 2026
    ("Summer 2", (2026, 8, 31)),
])
def test_point_date_for_half_terms(point, expected):
    from datetime import date

    from tracker.core.support import point_date

    assert point_date(point, "2025/26", date(2026, 3, 1)) == date(*expected)
