"""A pupil who moves class keeps the grades typed on their old class sheet."""

from __future__ import annotations

import python_calamine

from tracker import contract as c
from tracker.classes import setup_classes
from tracker.refresh import refresh_file

from conftest import REFRESH_TIME, ClassSheet, SchoolData, class_row, make_upn, pupil_row


def moved_school(old_autumn_reading: str = "EXS", new_autumn_reading: str | None = None) -> SchoolData:
    data = SchoolData(settings={c.SETTING_YEAR: "2025/26", c.SETTING_POINT: "Spring"})
    data.pupils = [pupil_row(1, "Brown", "Ava", "3", "3B", pp="Y", category="FSM/Ever 6"),
                   pupil_row(2, "Clark", "Ben", "3", "3A")]
    old = class_row(1, "Ava Brown", {"Autumn Reading": old_autumn_reading, "Autumn Maths": "WTS"})
    old[4] = c.LEFT
    new_grades = {"Spring Reading": "GDS", "Spring Maths": "EXS"}
    if new_autumn_reading:
        new_grades["Autumn Reading"] = new_autumn_reading
    data.classes = [
        ClassSheet("3A", [old, class_row(2, "Ben Clark", {"Autumn Reading": "EXS"})]),
        ClassSheet("3B", [class_row(1, "Ava Brown", new_grades)]),
    ]
    return data


def grades_of(result, upn):
    grades = result.grades[result.grades["upn"] == upn]
    return {(g.point, g.subject): (g.grade, g.sheet) for g in grades.itertuples()}


def test_moved_pupil_keeps_old_grades(build_school):
    path = build_school(moved_school())
    result = refresh_file(path, now=REFRESH_TIME)
    grades = grades_of(result, make_upn(1))
    assert grades[("Autumn", "Reading")] == ("EXS", "Class 3A")
    assert grades[("Autumn", "Maths")] == ("WTS", "Class 3A")
    assert grades[("Spring", "Reading")] == ("GDS", "Class 3B")
    assert not result.issues["Problem"].str.contains("also listed").any()


def test_moved_pupil_conflict_uses_current_class(build_school):
    path = build_school(moved_school(old_autumn_reading="WTS", new_autumn_reading="EXS"))
    result = refresh_file(path, now=REFRESH_TIME)
    assert grades_of(result, make_upn(1))[("Autumn", "Reading")] == ("EXS", "Class 3B")
    conflicts = result.issues[result.issues["Problem"].str.contains("different Autumn Reading")]
    assert len(conflicts) == 1
    assert conflicts.iloc[0]["Sheet"] == "Class 3A"
    assert conflicts.iloc[0]["Value"] == "WTS"


def test_setup_classes_then_refresh_after_move(build_school):
    data = moved_school()
    # Before the move: Ava is on roll in 3A only, with her Autumn grades.
    data.classes[0].rows[0][4] = c.ON_ROLL
    data.classes = data.classes[:1]
    path = build_school(data)

    setup_classes(path)
    result = refresh_file(path, now=REFRESH_TIME)
    grades = grades_of(result, make_upn(1))
    assert grades[("Autumn", "Reading")] == ("EXS", "Class 3A")
    assert not result.issues["Problem"].str.contains("also listed").any()

    book = python_calamine.CalamineWorkbook.from_path(str(path), load_tables=True)
    old_rows = {row[0]: row for row in book.get_table_by_name("Class_3A").to_python()}
    new_rows = {row[0]: row for row in book.get_table_by_name("Class_3B").to_python()}
    assert old_rows[make_upn(1)][4] == c.LEFT
    assert new_rows[make_upn(1)][4] == c.ON_ROLL
