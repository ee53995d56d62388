"""Refresh figures for a small school, checked against values worked out by hand.

The school: Year 2 (class 2A) has PP pupils 1-3 and non-PP pupils 4-6;
Year 5 (class 5A) has pupil 7 (service premium only, so not in the PP group
by default) and pupil 8. The current point is Spring.
"""

from __future__ import annotations

import json
from datetime import date

import openpyxl
import pandas as pd
import pytest
import python_calamine

from tracker import contract as c
from tracker.cli import main
from tracker.core.pipeline import to_json
from tracker.refresh import refresh_file

from conftest import REFRESH_TIME, ClassSheet, SchoolData, class_row, make_upn, pupil_row

GRADES_2A = {
    # serial: (Autumn R, W, M), (Spring R, W, M)
    1: (("WTS", "WTS", "EXS"), ("EXS", "WTS", "WTS")),
    2: (("EXS", "EXS", "EXS"), ("EXS", "EXS", "GDS")),
    3: (("BLW", "WTS", "WTS"), ("WTS", "WTS", "WTS")),
    4: (("EXS", "EXS", "GDS"), ("EXS", "EXS", "EXS")),
    5: (("EXS", "WTS", "EXS"), ("EXS", "EXS", "EXS")),
    6: (("GDS", "GDS", "GDS"), ("GDS", "gds", "GDS")),
}
NAMES = {1: ("Brown", "Ava"), 2: ("Clark", "Ben"), 3: ("Dunn", "Cara"), 4: ("Evans", "Dan"),
         5: ("Ford", "Eve"), 6: ("Gray", "Finn"), 7: ("Hall", "Gus"), 8: ("Ito", "Hana")}


def _grades(autumn, spring, wellbeing=None) -> dict[str, str]:
    grades = {}
    for point, values in (("Autumn", autumn), ("Spring", spring)):
        for subject, grade in zip(("Reading", "Writing", "Maths"), values or ()):
            grades[f"{point} {subject}"] = grade
    if wellbeing:
        grades[f"Spring {c.WELLBEING}"] = wellbeing
    return grades


def small_school() -> SchoolData:
    data = SchoolData(settings={c.SETTING_SCHOOL: "Hand Worked Primary", c.SETTING_YEAR: "2025/26",
                                c.SETTING_POINT: "Spring"})
    categories = {1: "FSM/Ever 6", 2: "FSM/Ever 6", 3: "LAC", 7: "Service"}
    for serial, (surname, forename) in NAMES.items():
        year, klass = ("2", "2A") if serial <= 6 else ("5", "5A")
        pp = "Y" if serial in categories else "N"
        attendance = 85.0 if serial == 3 else 97.0
        data.pupils.append(pupil_row(serial, surname, forename, year, klass, pp, categories.get(serial),
                                     attendance=attendance))
    rows_2a = [class_row(s, " ".join(NAMES[s][::-1]), _grades(*GRADES_2A[s], "Red" if s == 3 else None))
               for s in range(1, 7)]
    rows_5a = [class_row(7, "Gus Hall", _grades(None, ("WTS", "EXS", "EXS"))),
               class_row(8, "Hana Ito", {**_grades(None, ("EXS", "EXS", "EXS")), "Autumn Reading": "EXT"})]
    data.classes = [ClassSheet("2A", rows_2a), ClassSheet("5A", rows_5a)]
    data.support = [
        [make_upn(1), "Maths tuition", "Maths", "Targeted academic support", date(2026, 1, 10),
         date(2026, 4, 30), 300, "Y", "WTS", None, None],
        [make_upn(3), "Reading club", "Reading", "Targeted academic support", date(2025, 10, 1),
         date(2026, 2, 1), 120, "Y", None, None, None],
    ]
    data.log = [
        [date(2026, 2, 10), make_upn(1), "Parent contact", "Phone", "Spoke about reading at home.", None],
        [date(2025, 11, 1), "Cara Dunn", "Parent contact", "Meeting", "Parents' evening.", None],
    ]
    return data


@pytest.fixture
def refreshed(build_school):
    path = build_school(small_school())
    result = refresh_file(path, now=REFRESH_TIME)
    return path, result


def figure(result, point, subject, scope, group):
    rows = result.attainment
    match = rows[(rows.point == point) & (rows.subject == subject) & (rows.scope == scope) & (rows.group == group)]
    assert len(match) == 1
    row = match.iloc[0]
    return int(row.on_track), int(row.assessed), row.percent


def test_attainment_whole_school_spring(refreshed):
    _, result = refreshed
    assert figure(result, "Spring", "Reading", "Whole school", "PP") == (2, 3, pytest.approx(200 / 3))
    assert figure(result, "Spring", "Reading", "Whole school", "Non-PP") == (4, 5, pytest.approx(80.0))
    assert figure(result, "Spring", "Reading", "Whole school", "All") == (6, 8, pytest.approx(75.0))


def test_attainment_combined_needs_every_subject(refreshed):
    _, result = refreshed
    assert figure(result, "Spring", "Combined", "Whole school", "PP")[:2] == (1, 3)
    assert figure(result, "Spring", "Combined", "Whole school", "Non-PP")[:2] == (4, 5)
    # Pupil 8's Autumn Reading is 'EXT', so Year 5 has no complete Autumn set.
    assert figure(result, "Autumn", "Combined", "Year 5", "All")[:2] == (0, 0)


def test_attainment_by_key_stage(refreshed):
    _, result = refreshed
    assert figure(result, "Spring", "Reading", "KS1", "Non-PP")[:2] == (3, 3)
    on_track, assessed, percent = figure(result, "Spring", "Reading", "KS2", "PP")
    assert (on_track, assessed) == (0, 0)
    assert pd.isna(percent)
    assert figure(result, "Spring", "Reading", "Year 5", "Non-PP")[:2] == (1, 2)


def test_gap_and_change_in_points(refreshed):
    _, result = refreshed
    gaps = result.gaps.set_index(["point", "subject", "scope"])
    autumn = gaps.loc[("Autumn", "Reading", "Whole school")]
    spring = gaps.loc[("Spring", "Reading", "Whole school")]
    assert autumn.gap_points == pytest.approx(100 - 100 / 3)
    assert pd.isna(autumn.change_points)
    assert spring.gap_points == pytest.approx(80 - 200 / 3)
    assert spring.change_points == pytest.approx((80 - 200 / 3) - (100 - 100 / 3))
    assert bool(spring.small_group) is True


def test_service_premium_not_in_pp_group_by_default(refreshed):
    _, result = refreshed
    pupils = result.pupils.set_index("upn")
    assert bool(pupils.loc[make_upn(7), "disadvantaged"]) is False
    assert bool(pupils.loc[make_upn(3), "disadvantaged"]) is True


def test_not_on_track_list_and_flags(refreshed):
    _, result = refreshed
    frame = result.not_on_track
    assert list(frame["UPN"]) == [make_upn(1), make_upn(3), make_upn(7)]
    ava = frame.iloc[0]
    assert ava["Not on track in"] == "Writing (WTS), Maths (WTS)"
    assert ava["Previous grades"] == "Writing: WTS, Maths: EXS"
    assert ava["Support in place"] == "Maths: Maths tuition"
    assert ava["Dropped since last point"] == "Yes"
    assert ava["No support in place"] == "Yes"
    assert ava["No parent contact this term"] == ""
    cara = frame.iloc[1]
    assert cara["Dropped since last point"] == ""
    assert cara["Support in place"] == ""
    assert cara["Attendance below threshold"] == "Yes"
    assert cara["No parent contact this term"] == "Yes"
    assert cara["Wellbeing red"] == "Yes"
    gus = frame.iloc[2]
    assert gus["PP"] == ""


def test_unknown_grade_reported_with_cell(refreshed):
    _, result = refreshed
    issues = result.issues
    row = issues[issues["Value"] == "EXT"].iloc[0]
    assert row["Sheet"] == "Class 5A"
    # Table header on row 3, pupil 8 is the second body row; Autumn Reading is column F.
    assert row["Cell"] == "F5"
    assert "Did you mean EXS?" in row["What was done"]


def test_summary_tab_read_back_with_two_readers(refreshed):
    path, _ = refreshed
    sheet = openpyxl.load_workbook(path, read_only=True)[c.SUMMARY_SHEET]
    rows = {row[0].row: [cell.value for cell in row] for row in sheet.iter_rows(min_row=7, max_row=10)
            if row}
    assert rows[7][:6] == ["Reading", "2 of 3, 66.7% *", "4 of 5, 80.0%", "6 of 8, 75.0%", 13.3, -53.3]

    calamine = python_calamine.CalamineWorkbook.from_path(str(path))
    values = calamine.get_sheet_by_name(c.SUMMARY_SHEET).to_python(skip_empty_area=False)
    assert values[6][:6] == ["Reading", "2 of 3, 66.7% *", "4 of 5, 80.0%", "6 of 8, 75.0%", 13.3, -53.3]
    assert values[1][0].startswith("2025/26, current point Spring. Refreshed 20/03/2026 15:30.")


def test_not_on_track_tab_read_back(refreshed):
    path, result = refreshed
    values = python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_name(
        c.NOT_ON_TRACK_SHEET).to_python(skip_empty_area=False)
    assert values[3][:3] == ["Pupil", "UPN", "Class"]
    assert [row[1] for row in values[4:7]] == [make_upn(1), make_upn(3), make_upn(7)]
    assert len(values) == 4 + len(result.not_on_track)


def test_cli_json_matches_library(build_school, capsys):
    path = build_school(small_school())
    assert main(["refresh", str(path), "--json"]) == 0
    output = json.loads(capsys.readouterr().out)
    record = next(r for r in output["attainment"] if r["point"] == "Spring" and r["subject"] == "Reading"
                  and r["scope"] == "Whole school" and r["group"] == "PP")
    assert record["assessed"] == 3
    assert record["on_track"] == 2
    assert record["percent"] == pytest.approx(200 / 3)
    gap = next(g for g in output["gaps"] if g["point"] == "Spring" and g["subject"] == "Reading"
               and g["scope"] == "Whole school")
    assert set(gap) >= {"point", "subject", "scope", "pp_percent", "non_pp_percent", "gap_points"}
    assert gap["gap_points"] == pytest.approx(80 - 200 / 3)
    assert {i["Value"] for i in output["issues"]} >= {"EXT"}


def test_to_json_is_plain_json(refreshed):
    _, result = refreshed
    text = json.dumps(to_json(result))
    assert "NaN" not in text


def test_empty_workbook_refreshes(build_school):
    path = build_school(SchoolData())
    result = refresh_file(path, now=REFRESH_TIME)
    assert result.pupils.empty
    assert result.not_on_track.empty
    assert (result.attainment["assessed"] == 0).all()
    values = python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_name(
        c.SUMMARY_SHEET).to_python(skip_empty_area=False)
    assert values[6][:4] == ["Reading", "none assessed", "none assessed", "none assessed"]
    listed = python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_name(
        c.NOT_ON_TRACK_SHEET).to_python(skip_empty_area=False)
    assert listed[4][0].startswith("Nobody is listed: every pupil assessed at Autumn is on track")


def test_summary_headline_sentence(refreshed):
    path, _ = refreshed
    values = python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_name(
        c.SUMMARY_SHEET).to_python(skip_empty_area=False)
    # Combined at Spring: PP 1 of 3, non-PP 4 of 5. At Autumn: PP 1 of 3 (pupil 2),
    # non-PP 2 of 3 (pupil 5 was WTS in Writing), and Year 5 had no Autumn grades.
    autumn_gap = 200 / 3 - 100 / 3
    spring_gap = 80.0 - 100 / 3
    assert values[3][0] == (
        "Combined at Spring: 1 of 3 PP pupils (33.3%) are on track, against 4 of 5 other pupils "
        f"(80.0%): a gap of {spring_gap:.1f} percentage points. At Autumn the gap was "
        f"{autumn_gap:.1f} points, so the gap has widened by {spring_gap - autumn_gap:.1f} points. "
        "* Fewer than 5 pupils in a group: read with caution."
    )


@pytest.mark.parametrize("before, now, expected", [
    (-29.2, 16.7, "a gap of 16.7 percentage points. At Spring PP pupils were 29.2 points ahead."),
    (0.0, -29.2, "PP pupils are 29.2 percentage points ahead. At Spring there was no gap."),
    (20.0, 12.5, "a gap of 12.5 percentage points. At Spring the gap was 20.0 points, "
                 "so the gap has narrowed by 7.5 points."),
])
def test_headline_compares_gap_sizes(before, now, expected):
    from types import SimpleNamespace

    from tracker.core.attainment import NON_PP, PP
    from tracker.tabs import headline_sentence

    settings = SimpleNamespace(current_point="Summer", previous_point="Spring", small_group=5)
    attainment = pd.DataFrame([
        ["Summer", "Maths", c.WHOLE_SCHOOL, PP, 20, 10, 50.0],
        ["Summer", "Maths", c.WHOLE_SCHOOL, NON_PP, 40, 20, 50.0 + now],
    ], columns=["point", "subject", "scope", "group", "assessed", "on_track", "percent"])
    gaps = pd.DataFrame([["Summer", "Maths", c.WHOLE_SCHOOL, now, now - before]],
                        columns=["point", "subject", "scope", "gap_points", "change_points"])
    result = SimpleNamespace(settings=settings, attainment=attainment, gaps=gaps)
    assert headline_sentence(result, "Maths").endswith(expected)


def test_grade_aliases_with_dots_and_case(refreshed):
    _, result = refreshed
    scale = result.settings.scale
    assert scale.parse("W.T.S").code == "WTS"
    assert scale.parse(" exs ").code == "EXS"
    assert scale.parse("Greater  depth").code == "GDS"
    assert scale.parse("EXT") is None


def test_summary_detail_leaves_out_empty_scopes(refreshed):
    path, _ = refreshed
    values = python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_name(
        c.SUMMARY_SHEET).to_python(skip_empty_area=False)
    header = next(i for i, row in enumerate(values) if row[:3] == ["Scope", "Point", "Subject"])
    scopes = list(dict.fromkeys(row[0] for row in values[header + 1:] if row[0]))
    assert scopes == ["Whole school", "KS1", "KS2", "Year 2", "Year 5"]
    # Summer, after the current point, has no grades yet.
    points = list(dict.fromkeys(row[1] for row in values[header + 1:] if row[1]))
    assert points == ["Autumn", "Spring"]


def test_equal_gaps_change_by_exactly_zero():
    from tracker.core.attainment import _clean

    assert _clean((80 - 200 / 3) - (80 - 200 / 3 + 1e-15)) == 0.0
    assert str(_clean(-7.105427357601002e-15)) == "0.0"
    assert _clean(-13.3333333333) == -13.333333333
