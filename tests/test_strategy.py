"""The Strategy statement tab for the school of test_money, checked against hand-worked figures.

Summer grades are added so Part B has outcomes at the final point. The PP
group is pupils 1, 2, 3, 4 and 9; the others on roll are 5 (service
premium only), 6 and 8. Pupil 7 has left.
"""

from __future__ import annotations

import openpyxl
import pytest
import python_calamine

from tracker import contract as c
from tracker.build import build_workbook
from tracker.money_tabs import TO_COMPLETE
from tracker.refresh import refresh_file

from test_money import BUDGET, CARRIED, GUS_COST, NOW, OTHER, RECEIVED, money_school

SUMMER = {
    # serial: Summer Reading, Writing, Maths
    1: ("EXS", "EXS", "EXS"),
    2: ("EXS", "WTS", "EXS"),
    3: ("WTS", "WTS", "EXS"),
    4: ("EXS", "EXS", "EXS"),
    5: ("EXS", "EXS", "EXS"),
    6: ("GDS", "GDS", "GDS"),
    9: ("EXS", "EXS", "WTS"),
}


@pytest.fixture(scope="module")
def strategy(tmp_path_factory):
    data = money_school(summer=SUMMER)
    # Hana Ito (8) has grades only at Summer.
    data.classes[0].rows.append(
        [data.pupils[7][0], "Hana Ito", None, None, c.ON_ROLL] + [None] * 8 + ["WTS", "EXS", "EXS", None])
    path = tmp_path_factory.mktemp("strategy") / "strategy.xlsm"
    build_workbook(path, data)
    result = refresh_file(path, now=NOW)
    sheet = openpyxl.load_workbook(path, data_only=True)[c.STRATEGY_SHEET]
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    return path, result, rows


def value_beside(rows, label: str, col: int = 1):
    matches = [row for row in rows if row and row[0] == label]
    assert matches, f"no row starting {label!r}"
    return matches[0][col]


def rows_under(rows, header_first: str, header_second: str) -> list[list[object]]:
    """Return the rows under the header row (A, B) = (header_first, header_second), up to a blank row."""
    start = next(i for i, row in enumerate(rows) if row[:2] == [header_first, header_second])
    found = []
    for row in rows[start + 1:]:
        if row[0] is None:
            break
        found.append(row)
    return found


def test_sections_in_template_order(strategy):
    path, result, rows = strategy
    headings = [row[0] for row in rows if row[0] in (
        "School overview", "Funding overview", "Part A: Pupil premium strategy plan", "Statement of intent",
        "Challenges", "Intended outcomes", "Activity in this academic year (2025/26)",
        "Part B: Review of the previous academic year", "Outcomes for disadvantaged pupils",
        "Externally provided programmes", "Service pupil premium funding (optional)",
        "Further information (optional)")]
    assert headings == [
        "School overview", "Funding overview", "Part A: Pupil premium strategy plan", "Statement of intent",
        "Challenges", "Intended outcomes", "Activity in this academic year (2025/26)",
        "Part B: Review of the previous academic year", "Outcomes for disadvantaged pupils",
        "Externally provided programmes", "Service pupil premium funding (optional)",
        "Further information (optional)"]


def test_school_overview(strategy):
    path, result, rows = strategy
    assert value_beside(rows, "School name") == "Money Primary"
    assert value_beside(rows, "Number of pupils in school") == 8  # pupils 1-6, 8 and 9
    assert value_beside(rows, "Proportion (%) of pupil premium eligible pupils") == "62.5% (5 of 8 pupils)"
    assert value_beside(rows, "Statement authorised by") == TO_COMPLETE


def test_funding_overview(strategy):
    path, result, rows = strategy
    assert value_beside(rows, "Pupil premium funding allocation this academic year") == RECEIVED
    carried = "Pupil premium funding carried forward from previous years (enter £0 if not applicable)"
    assert value_beside(rows, carried) == CARRIED
    assert value_beside(rows, "Other funding in this strategy") == OTHER
    assert value_beside(rows, "Total budget for this academic year") == BUDGET


def test_activity_by_tier_for_the_academic_year(strategy):
    path, result, rows = strategy
    # 1 September 2025 to 31 August 2026 contains every dated row whole, so no row is split here.
    tuition = 1200 + 1200 + GUS_COST
    budgeted = [row[0] for row in rows if str(row[0]).startswith("Budgeted cost")]
    # Teaching, then targeted academic support, then wider strategies.
    assert budgeted == ["Budgeted cost: £300.00", f"Budgeted cost: £{tuition + 610:,.2f}",
                        "Budgeted cost: £100.00"]
    assert value_beside(rows, "Total budgeted cost") == f"£{300 + tuition + 610 + 100:,.2f}"

    activities = {row[0]: row for row in rows if row[0] and "pupil" in str(row[0]) and "(" in str(row[0])}
    tuition_row = activities["Small group tuition: maths (3 pupils)"]
    assert tuition_row[1] == "EEF Toolkit: Small group tuition, +4 months, checked 04/12/2026"
    assert tuition_row[2] == TO_COMPLETE
    assert tuition_row[3] == pytest.approx(tuition)
    assert activities["Reading books (1 pupil)"][1] == TO_COMPLETE
    # Breakfast club's cost is blank: shown as on Spend & impact, and adding £0 to the wider strategies.
    assert activities["Breakfast club (1 pupil)"][3] == "no cost typed"
    assert "Reading volunteers (1 pupil)" in activities


def test_outcomes_at_final_point(strategy):
    path, result, rows = strategy
    outcomes = {row[0]: row[1:4] for row in rows_under(rows, "Subject", "Disadvantaged pupils on track")}
    # PP group 1, 2, 3, 4, 9; others 5, 6, 8.
    assert outcomes["Reading"][:2] == ["4 of 5, 80.0%", "2 of 3, 66.7% *"]
    assert outcomes["Writing"][:2] == ["3 of 5, 60.0%", "3 of 3, 100.0% *"]
    assert outcomes["Maths"][:2] == ["4 of 5, 80.0%", "3 of 3, 100.0% *"]
    assert outcomes["Combined"][:2] == ["2 of 5, 40.0%", "2 of 3, 66.7% *"]
    assert outcomes["Combined"][2] == pytest.approx(round(100 * 2 / 3 - 40, 1))
    assert value_beside(rows, "How performance was assessed") == (
        "Teacher assessment at each point; on track means EXS or GDS.")


def test_service_premium_and_blanks(strategy):
    path, result, rows = strategy
    assert any(row[0] == "Service pupils on roll: 1. Support recorded for them on the Support sheet: £0.00."
               for row in rows)
    question = "How did you spend your service pupil premium allocation last academic year?"
    assert value_beside(rows, question) == TO_COMPLETE
    blanks = sum(1 for row in rows for value in row if isinstance(value, str) and value.startswith(TO_COMPLETE))
    assert blanks >= 15


def test_read_back_with_calamine(strategy):
    path, result, rows = strategy
    book = python_calamine.CalamineWorkbook.from_path(str(path))
    theirs = book.get_sheet_by_name(c.STRATEGY_SHEET).to_python(skip_empty_area=False)
    for mine, other in zip(rows, theirs):
        assert ["" if value is None else value for value in mine[:len(other)]] == other[:len(mine)]


def test_no_grades_at_final_point(tmp_path):
    path = build_workbook(tmp_path / "no_summer.xlsm", money_school())
    refresh_file(path, now=NOW)
    rows = [list(row) for row in openpyxl.load_workbook(path)[c.STRATEGY_SHEET].iter_rows(values_only=True)]
    assert ["No grades at Summer yet."] == [row[0] for row in rows if row[0] == "No grades at Summer yet."]
    outcomes = {row[0]: row[1] for row in rows_under(rows, "Subject", "Disadvantaged pupils on track")}
    assert outcomes["Reading"] == "none assessed"
