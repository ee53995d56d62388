"""Shared fixtures: small schools built as real workbooks."""

from __future__ import annotations

from datetime import datetime

import pytest
from stdnum.gb import upn as upn_check

from tracker import contract as c
from tracker.build import ClassSheet, SchoolData, build_workbook

REFRESH_TIME = datetime(2026, 3, 20, 15, 30)


def make_upn(serial: int) -> str:
    """Return a valid, made-up UPN for a serial number."""
    base = f"938200124{serial:03d}"
    return upn_check.calc_check_digit(base) + base


def pupil_row(serial: int, surname: str, forename: str, year: str, klass: str, pp: str = "N",
              category: str | None = None, sen: str = "N", attendance: float | None = 96.0) -> list[object]:
    return [make_upn(serial), surname, forename, year, klass, pp, category, sen, None, "N", attendance,
            None, None]


def class_row(serial: int, name: str, grades: dict[str, str], points=c.DEFAULT_POINTS,
              subjects=("Reading", "Writing", "Maths")) -> list[object]:
    """Return a class sheet row; ``grades`` maps '<point> <subject>' to a grade."""
    row: list[object] = [make_upn(serial), name, None, None, c.ON_ROLL]
    for point in points:
        for subject in subjects:
            row.append(grades.get(f"{point} {subject}"))
        row.append(grades.get(f"{point} {c.WELLBEING}"))
    return row


@pytest.fixture
def build_school(tmp_path):
    """Return a function that builds a workbook from SchoolData and returns its path."""

    def build(data: SchoolData, name: str = "school.xlsm"):
        path = tmp_path / name
        build_workbook(path, data)
        return path

    return build


__all__ = ["ClassSheet", "SchoolData", "REFRESH_TIME", "make_upn", "pupil_row", "class_row"]
