"""A single blank cell in an input table gives a Data issues row, never a traceback."""

from __future__ import annotations

from datetime import date

import pytest

from tracker import contract as c
from tracker.classes import setup_classes
from tracker.export import export_for_head
from tracker.refresh import refresh_file

from conftest import REFRESH_TIME, ClassSheet, SchoolData, class_row, make_upn, pupil_row


def school_with_blanks(blank: str) -> SchoolData:
    data = SchoolData(settings={c.SETTING_YEAR: "2025/26", c.SETTING_POINT: "Spring"})
    data.pupils = [pupil_row(1, "Brown", "Ava", "3", "3A", pp="Y", category="FSM/Ever 6"),
                   pupil_row(2, "Clark", "Ben", "3", "3A")]
    if blank == "class":
        data.pupils[1][4] = None
    support = [make_upn(1), "Maths tuition", "Maths", "Targeted academic support", date(2025, 9, 10),
               date(2026, 3, 1), 300, "Y", "WTS", "EXS", None]
    if blank == "tier":
        support[3] = None
    if blank == "area":
        support[2] = None
    data.support = [support, [make_upn(2), "Reading club", "Reading", "Wider strategies",
                              date(2025, 9, 10), None, 50, "N", None, None, None]]
    data.classes = [ClassSheet("3A", [class_row(1, "Ava Brown", {"Spring Maths": "WTS"}),
                                      class_row(2, "Ben Clark", {"Spring Maths": "EXS"})])]
    return data


@pytest.mark.parametrize("blank", ["tier", "area", "class"])
def test_blank_cell_refresh_and_export(build_school, tmp_path, blank):
    path = build_school(school_with_blanks(blank))
    result = refresh_file(path, now=REFRESH_TIME)
    assert len(result.pupils) == 2
    out = export_for_head(path, tmp_path / "head.xlsx", now=REFRESH_TIME)
    assert out.exists()
    governors = export_for_head(path, tmp_path / "governors.xlsx", governors=True, now=REFRESH_TIME)
    assert governors.exists()


def test_blank_class_setup_classes(build_school):
    path = build_school(school_with_blanks("class"))
    report = setup_classes(path)
    assert report.summary()
    result = refresh_file(path, now=REFRESH_TIME)
    issue = result.issues[result.issues["Problem"] == "The class is missing."]
    assert list(issue["Cell"]) == ["E5"]
