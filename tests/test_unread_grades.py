"""Grades the refresh cannot read are reported, never dropped silently."""

from __future__ import annotations

import zipfile

from tracker import contract as c
from tracker.refresh import refresh_file

from conftest import REFRESH_TIME, ClassSheet, SchoolData, class_row, make_upn, pupil_row


def two_pupils(class_rows=None, subjects=None) -> SchoolData:
    data = SchoolData(settings={c.SETTING_YEAR: "2025/26", c.SETTING_POINT: "Autumn"})
    if subjects:
        data.subjects = subjects
    data.pupils = [pupil_row(1, "Brown", "Ava", "3", "3A"), pupil_row(2, "Clark", "Ben", "3", "3A")]
    rows = class_rows if class_rows is not None else [
        class_row(1, "Ava Brown", {"Autumn Reading": "EXS"}), class_row(2, "Ben Clark", {"Autumn Reading": "WTS"})]
    data.classes = [ClassSheet("3A", rows)]
    return data


def rewrite_part(path, match: bytes, old: bytes, new: bytes):
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in parts.items():
            if match in data:
                data = data.replace(old, new)
            archive.writestr(name, data)


def problems(result) -> list[tuple[str, str, str]]:
    return [(r["Sheet"], r["Cell"], r["Problem"]) for _, r in result.issues.iterrows()]


def test_renamed_class_table_reported(build_school):
    path = build_school(two_pupils())
    rewrite_part(path, b'name="Class_3A"', b'"Class_3A"', b'"Table1"')
    result = refresh_file(path, now=REFRESH_TIME)
    assert result.grades.empty
    found = [p for p in problems(result) if "grade columns but is named 'Table1'" in p[2]]
    assert found == [("Class 3A", "A3", found[0][2])]


def test_pupil_missing_from_class_sheet_reported(build_school):
    path = build_school(two_pupils([class_row(1, "Ava Brown", {"Autumn Reading": "EXS"})]))
    result = refresh_file(path, now=REFRESH_TIME)
    found = [p for p in problems(result) if "not on any class sheet" in p[2]]
    # Ben is the second register row: the table header is on row 3.
    assert [(sheet, cell) for sheet, cell, _ in found] == [(c.PUPILS_SHEET, "A5")]


def test_unknown_subject_heading_reported(build_school):
    data = two_pupils()
    path = build_school(data)
    # Rename Maths to Mathematics in Settings only: the class sheet keeps "Autumn Maths".
    rewrite_part(path, b"<sst ", b"<t>Maths</t>", b"<t>Mathematics</t>")
    result = refresh_file(path, now=REFRESH_TIME)
    found = [p for p in problems(result) if "subject is not in the Subjects table" in p[2]]
    assert len(found) == 3  # Autumn, Spring and Summer Maths
    missing = [p for p in problems(result) if "no column for" in p[2]]
    assert len(missing) == 1
    assert "Autumn Mathematics" in missing[0][2]


def test_complete_class_sheet_not_reported(build_school):
    result = refresh_file(build_school(two_pupils()), now=REFRESH_TIME)
    assert result.issues.empty
    assert make_upn(1) in set(result.grades["upn"])
