"""The governors' report: whole-pupil gaps, small-group suppression and no pupil identifiers.

Figures are worked out by hand in each test. The end-to-end tests build
real workbooks, export them and read the export back with openpyxl and
python-calamine.
"""

from __future__ import annotations

import re
import zipfile
from datetime import datetime

import openpyxl
import pandas as pd
import pytest
import python_calamine
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker import contract as c
from tracker.build import ClassSheet, SchoolData, build_workbook
from tracker.core.attainment import ALL, ATTAINMENT_COLUMNS, NON_PP, PP, scopes
from tracker.demo import make_school
from tracker.export import export_for_head
from tracker.export_governors import (
    DETAIL_SHEET, NOT_SHOWN, SUMMARY_SHEET, _relations, governor_figures, gap_pupils_text,
    pupils_to_close_gap, suppress,
)
from tracker.refresh import refresh_file

from conftest import REFRESH_TIME, class_row, pupil_row

EXPORT_TIME = datetime(2026, 3, 21, 9, 0)


def close(pp_on, pp_n, non_on, non_n) -> list:
    result = pupils_to_close_gap(pd.Series(pp_on), pd.Series(pp_n), pd.Series(non_on), pd.Series(non_n))
    return [None if pd.isna(v) else int(v) for v in result]


# ---------------------------------------------------------------- whole pupils

def test_close_gap_rounds_up():
    # PP 3 of 10 (30%), non-PP 15 of 20 (75%): (3 + k) / 10 >= 0.75 needs
    # 3 + k >= 7.5, so k = 5 (4 gives 70%).
    assert close([3], [10], [15], [20]) == [5]


def test_close_gap_exact_boundary():
    # PP 2 of 10, non-PP 10 of 20 (50%): 2 + k >= 5, so k = 3 exactly.
    assert close([2], [10], [10], [20]) == [3]


def test_close_gap_level_needs_none():
    # 1 of 11 against 1 of 11 is level. Percentages in floating point give
    # 11 * 9.0909...% = 1.0000000000000002 and would round up to 1.
    assert close([1], [11], [1], [11]) == [0]


def test_close_gap_pp_ahead_needs_none():
    # PP 8 of 10 (80%) against non-PP 10 of 20 (50%).
    assert close([8], [10], [10], [20]) == [0]


def test_close_gap_from_zero():
    # PP 0 of 11 against non-PP 2 of 11: k = 2.
    assert close([0], [11], [2], [11]) == [2]


def test_close_gap_missing_without_pupils():
    assert close([0, 3], [0, 10], [5, 0], [10, 0]) == [None, None]


def test_close_gap_whole_columns():
    # Several rows at once, each worked out above.
    assert close([3, 2, 1, 8], [10, 10, 11, 10], [15, 10, 1, 10], [20, 20, 11, 20]) == [5, 3, 0, 0]


def test_gap_pupils_text():
    assert gap_pupils_text(3) == "3 more PP pupils on track would close it"
    assert gap_pupils_text(1) == "1 more PP pupil on track would close it"
    assert gap_pupils_text(0) == "none: PP pupils are level or ahead"
    assert gap_pupils_text(pd.NA) is None


# ---------------------------------------------------------------- suppression

def attainment_frame(counts: dict[tuple[str, str], tuple[int, int]], point="Spring", subject="Reading"):
    """Return an attainment table from (year, group): (assessed, on track) for PP and non-PP.

    Key stages, the whole school and All are sums, as the core makes them.
    """
    records = []
    for scope, years in scopes():
        totals = {}
        for group in (PP, NON_PP):
            totals[group] = [sum(counts.get((y, group), (0, 0))[i] for y in years) for i in (0, 1)]
        totals[ALL] = [totals[PP][0] + totals[NON_PP][0], totals[PP][1] + totals[NON_PP][1]]
        for group in (PP, NON_PP, ALL):
            assessed, on_track = totals[group]
            percent = 100.0 * on_track / assessed if assessed else None
            records.append([point, subject, scope, group, assessed, on_track, percent])
    return pd.DataFrame(records, columns=ATTAINMENT_COLUMNS)


def hidden_cells(frame: pd.DataFrame) -> dict[tuple[str, str], str]:
    marked = suppress(frame, 5)
    return {(r.scope, r.group): r.hidden for r in marked.itertuples() if r.hidden}


def even_school(**changes) -> dict[tuple[str, str], tuple[int, int]]:
    """Return every year group with 6 PP pupils (3 on track) and 20 non-PP (15 on track)."""
    counts = {(y, g): (6, 3) if g == PP else (20, 15) for y in c.YEARS for g in (PP, NON_PP)}
    counts.update(changes.get("counts", {}))
    return counts


def test_no_small_group_hides_nothing():
    assert hidden_cells(attainment_frame(even_school())) == {}


def test_small_group_and_its_complements_hidden():
    # Year 3 has 3 PP pupils. Hiding them alone would let a reader work them
    # out as All minus non-PP, or KS2 minus Years 4 to 6. So Year 3 non-PP is
    # hidden too, and the smallest other KS2 year's PP (Year 4, first of the
    # equal sixes), which in turn hides Year 4 non-PP.
    frame = attainment_frame(even_school(counts={("3", PP): (3, 1)}))
    assert hidden_cells(frame) == {
        ("Year 3", PP): "small",
        ("Year 3", NON_PP): "protect",
        ("Year 4", PP): "protect",
        ("Year 4", NON_PP): "protect",
    }


def test_reception_hides_eyfs_too():
    # EYFS is Reception alone, so hiding one without the other shows nothing.
    frame = attainment_frame(even_school(counts={("R", PP): (2, 1)}))
    hidden = hidden_cells(frame)
    assert hidden[("Reception", PP)] == "small"
    assert hidden[("EYFS", PP)] == "small"


def test_empty_scope_reads_none_assessed():
    counts = even_school()
    counts[("6", PP)] = (0, 0)
    counts[("6", NON_PP)] = (0, 0)
    frame = attainment_frame(counts)
    figures = governor_figures(frame, ["Spring"], 5)
    year_6 = figures[figures["scope"] == "Year 6"].iloc[0]
    assert year_6["pp_text"] == "none assessed"
    assert year_6["all_text"] == "none assessed"
    assert pd.isna(year_6["gap_points"])
    assert not year_6["gap_hidden"]


def relation_ok(hidden: set, total, parts) -> bool:
    count = sum(cell in hidden for cell in [total] + parts)
    return count != 1


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=12), min_size=14, max_size=14))
def test_no_sum_reveals_one_hidden_cell(sizes):
    # For any sizes, each cell under 5 is hidden, and no sum has exactly one
    # hidden cell, which a reader could work out by subtraction.
    counts = {}
    for index, year in enumerate(c.YEARS):
        counts[(year, PP)] = (sizes[2 * index], sizes[2 * index] // 2)
        counts[(year, NON_PP)] = (sizes[2 * index + 1], sizes[2 * index + 1] // 2)
    frame = attainment_frame(counts)
    marked = suppress(frame, 5)
    hidden = {(r.scope, r.group) for r in marked.itertuples() if r.hidden}
    all_by_scope = {r.scope: r.assessed for r in marked.itertuples() if r.group == ALL}
    for r in marked.itertuples():
        if r.assessed < 5 and all_by_scope[r.scope] > 0:
            assert (r.scope, r.group) in hidden
    for total, parts in _relations():
        assert relation_ok(hidden, total, parts), (total, parts, hidden)


def test_figures_use_the_small_group_setting():
    # With a small-group size of 7, the six PP pupils in each year are hidden.
    frame = attainment_frame(even_school())
    figures = governor_figures(frame, ["Spring"], 7)
    year_2 = figures[figures["scope"] == "Year 2"].iloc[0]
    assert year_2["pp_text"] == "fewer than 7"
    assert pd.isna(year_2["gap_points"])
    assert pd.isna(year_2["pupils_to_close"])
    assert year_2["gap_hidden"]
    whole = figures[figures["scope"] == c.WHOLE_SCHOOL].iloc[0]
    # 42 PP pupils in 7 years of "fewer than 7" would show that each year has 6.
    assert whole["pp_text"] == "not shown"
    assert whole["non_pp_text"] == "not shown"


def test_figures_gap_and_pupils_by_hand():
    # Whole school: PP 21 of 42 (50%), non-PP 105 of 140 (75%). Gap 25 points;
    # (21 + k) / 42 >= 0.75 needs k >= 10.5, so 11 pupils.
    figures = governor_figures(attainment_frame(even_school()), ["Spring"], 5)
    whole = figures[figures["scope"] == c.WHOLE_SCHOOL].iloc[0]
    assert whole["gap_points"] == pytest.approx(25.0)
    assert whole["pupils_to_close"] == 11
    assert whole["non_pp_text"] == "105 of 140, 75.0%"


def test_change_needs_both_gaps_shown():
    autumn = attainment_frame(even_school(counts={("3", PP): (3, 1)}), point="Autumn")
    spring = attainment_frame(even_school(), point="Spring")
    figures = governor_figures(pd.concat([autumn, spring], ignore_index=True), ["Autumn", "Spring"], 5)
    year_3 = figures[(figures["scope"] == "Year 3") & (figures["point"] == "Spring")].iloc[0]
    year_5 = figures[(figures["scope"] == "Year 5") & (figures["point"] == "Spring")].iloc[0]
    # Year 3's Autumn gap is hidden, so its change is not shown. Year 5 is
    # the same at both points: 75% - 50% both times, a change of 0.
    assert pd.isna(year_3["change_points"])
    assert year_5["change_points"] == pytest.approx(0.0)


# ---------------------------------------------------------------- real files

def hand_school() -> SchoolData:
    """Return three year groups graded at Spring, every pupil EXS unless stated otherwise.

    Year 2: pupils 1-5 PP, 6-11 non-PP; in Reading only 1, 2 and 6-10 are EXS.
    Year 5: pupils 12-13 PP (a small group), 14-19 non-PP.
    Year 6: pupils 20-25 PP, 26-31 non-PP.
    """
    data = SchoolData(settings={c.SETTING_SCHOOL: "Hand Worked Primary", c.SETTING_YEAR: "2025/26",
                                c.SETTING_POINT: "Spring"})
    years = {"2": (range(1, 6), range(6, 12)), "5": (range(12, 14), range(14, 20)),
             "6": (range(20, 26), range(26, 32))}
    classes = []
    for year, (pp_serials, other_serials) in years.items():
        rows = []
        for serial in [*pp_serials, *other_serials]:
            pp = serial in pp_serials
            surname, forename = f"Surname{serial:02d}x", f"Forename{serial:02d}x"
            data.pupils.append(pupil_row(serial, surname, forename, year, f"{year}A", "Y" if pp else "N",
                                         "FSM/Ever 6" if pp else None))
            grades = {f"Spring {s}": "EXS" for s in ("Reading", "Writing", "Maths")}
            if year == "2" and serial not in (1, 2, 6, 7, 8, 9, 10):
                grades["Spring Reading"] = "WTS"
            rows.append(class_row(serial, f"{forename} {surname}", grades))
        classes.append(ClassSheet(f"{year}A", rows))
    data.classes = classes
    return data


@pytest.fixture
def hand_export(tmp_path):
    book = tmp_path / "hand.xlsm"
    build_workbook(book, hand_school())
    refresh_file(book, now=REFRESH_TIME)
    out = tmp_path / "governors.xlsx"
    export_for_head(book, out, governors=True, now=EXPORT_TIME)
    return out


def detail_rows(path) -> dict[tuple[str, str, str], list]:
    book = python_calamine.CalamineWorkbook.from_path(str(path))
    rows = book.get_sheet_by_name(DETAIL_SHEET).to_python()
    header_index = next(i for i, row in enumerate(rows) if row and row[0] == "Scope")
    return {(r[0], r[1], r[2]): r for r in rows[header_index + 1:] if r and r[0]}


def test_report_hand_worked_year_2(hand_export):
    # Year 2 Spring Reading: PP 2 of 5 (40%), non-PP 5 of 6 (83.3%).
    # Gap 43.3 points; (2 + k) / 5 >= 5 / 6 needs k >= 2.17, so 3 pupils.
    row = detail_rows(hand_export)[("Year 2", "Spring", "Reading")]
    assert row[3] == "2 of 5, 40.0%"
    assert row[4] == "5 of 6, 83.3%"
    assert row[5] == "7 of 11, 63.6%"
    assert row[6] == pytest.approx(43.3)
    assert row[7] == "3 more PP pupils on track would close it"


def test_report_hides_year_5_pp(hand_export):
    # Year 5 has 2 PP pupils: fewer than 5, so no count, no percentage and no gap.
    row = detail_rows(hand_export)[("Year 5", "Spring", "Reading")]
    assert row[3] == "fewer than 5"
    assert row[6] == "not shown"
    assert row[7] == ""
    # Year 5 non-PP would give PP away as All minus non-PP, and Year 6 PP as
    # KS2 minus Year 6, so both are hidden too, and with them Year 6 non-PP.
    assert row[4] == NOT_SHOWN
    year_6 = detail_rows(hand_export)[("Year 6", "Spring", "Reading")]
    assert year_6[3] == NOT_SHOWN
    assert year_6[4] == NOT_SHOWN
    ks2 = detail_rows(hand_export)[("KS2", "Spring", "Reading")]
    assert ks2[3] == "8 of 8, 100.0%"


def test_report_sheets_and_openpyxl(hand_export):
    book = openpyxl.load_workbook(hand_export)
    assert book.sheetnames == ["Cover", SUMMARY_SHEET, DETAIL_SHEET]
    assert all(sheet.sheet_state == "visible" for sheet in book.worksheets)
    summary = book[SUMMARY_SHEET]
    assert summary["A7"].value == "Reading"
    assert summary.freeze_panes == "A4"
    cover = book["Cover"]
    labels = {cover.cell(row, 1).value: cover.cell(row, 2).value for row in range(1, 20)}
    assert labels["Figures calculated"] == "21/03/2026 09:00"
    assert labels["Workbook last refreshed"] == "20/03/2026 15:30"


def test_report_has_two_charts(hand_export):
    with zipfile.ZipFile(hand_export) as archive:
        charts = sorted(n for n in archive.namelist() if n.startswith("xl/charts/chart"))
        text = "".join(archive.read(n).decode() for n in charts)
    assert len(charts) == 2
    assert f"'{SUMMARY_SHEET}'!$S$7:$S$10" in text
    assert "Trend across assessment points" in text


# ---------------------------------------------------------------- no names or UPNs

def identifiers(data: SchoolData) -> set[str]:
    """Return every UPN, surname and forename on the register, and every UPN and name on class sheets."""
    found = set()
    for row in data.pupils:
        found.update(str(value) for value in row[:3] if value)
    for klass in data.classes:
        for row in klass.rows:
            found.update((str(row[0]), str(row[1])))
    return found


def export_texts(path) -> list[tuple[str, str]]:
    """Return (where, text) for every cell of every sheet and every XML part of an export."""
    texts = []
    book = openpyxl.load_workbook(path)
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            texts += [(f"{sheet.title}!{cell.coordinate}", str(cell.value)) for cell in row if cell.value is not None]
    calamine = python_calamine.CalamineWorkbook.from_path(str(path))
    for name in calamine.sheet_names:
        for index, row in enumerate(calamine.get_sheet_by_name(name).to_python()):
            texts += [(f"{name} row {index + 1}", str(value)) for value in row if value != ""]
    with zipfile.ZipFile(path) as archive:
        texts += [(part, archive.read(part).decode("utf-8", "replace")) for part in archive.namelist()]
    return texts


def hits(path, names: set[str]) -> list[tuple[str, str]]:
    pattern = re.compile(r"\b(" + "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True)) + r")\b")
    return [(where, m.group(0)) for where, text in export_texts(path) for m in pattern.finditer(text)]


@pytest.fixture(scope="module")
def demo_school():
    # 84 pupils is 12 a year group, so many PP groups are small.
    return make_school(pupils=84, pp_share=0.25, seed=7)


def test_governors_report_has_no_name_or_upn(demo_school, tmp_path):
    book = tmp_path / "demo.xlsm"
    build_workbook(book, demo_school)
    out = tmp_path / "governors.xlsx"
    export_for_head(book, out, governors=True, now=EXPORT_TIME)
    names = identifiers(demo_school)
    assert len(names) > 100
    assert hits(out, names) == []
    # The small school makes suppression happen in the real file.
    assert any(text == "fewer than 5" for _, text in export_texts(out))


def test_scan_flags_a_planted_name(demo_school, tmp_path):
    # A check that cannot fail proves nothing: name the school after a pupil.
    forename = demo_school.pupils[0][2]
    upn = demo_school.pupils[5][0]
    planted = SchoolData(**{**demo_school.__dict__,
                            "settings": {**demo_school.settings, c.SETTING_SCHOOL: f"St {forename} {upn}"}})
    book = tmp_path / "planted.xlsm"
    build_workbook(book, planted)
    out = tmp_path / "governors.xlsx"
    export_for_head(book, out, governors=True, now=EXPORT_TIME)
    found = {name for _, name in hits(out, identifiers(demo_school))}
    assert forename in found
    assert upn in found


def test_governors_detail_leaves_out_empty_scopes(build_school, tmp_path):
    from test_refresh_figures import small_school
    from tracker.export_governors import DETAIL_SHEET
    from tracker.tabs import LIST_HEADER_ROW

    book = build_school(small_school())
    out = export_for_head(book, tmp_path / "governors.xlsx", governors=True)
    values = python_calamine.CalamineWorkbook.from_path(str(out)).get_sheet_by_name(DETAIL_SHEET).to_python(
        skip_empty_area=False)
    scopes = list(dict.fromkeys(row[0] for row in values[LIST_HEADER_ROW + 1:] if row[0]))
    assert scopes == ["Whole school", "KS1", "KS2", "Year 2", "Year 5"]


def tightened(bounds: dict, sums: list, passes: int) -> dict:
    """Return [low, high] bounds narrowed through each sum (total = sum of parts), as a reader would.

    The test's own version of the product's check, written plainly, so the
    two are not the same code.
    """
    for _ in range(passes):
        before = {key: tuple(pair) for key, pair in bounds.items()}
        for total, parts in sums:
            for part in parts:
                others = [p for p in parts if p != part]
                bounds[part][0] = max(bounds[part][0], bounds[total][0] - sum(bounds[p][1] for p in others))
                bounds[part][1] = min(bounds[part][1], bounds[total][1] - sum(bounds[p][0] for p in others))
            bounds[total][0] = max(bounds[total][0], sum(bounds[p][0] for p in parts))
            bounds[total][1] = min(bounds[total][1], sum(bounds[p][1] for p in parts))
        if before == {key: tuple(pair) for key, pair in bounds.items()}:
            break
    return {key: tuple(pair) for key, pair in bounds.items()}


def reader_bounds(marked: pd.DataFrame, measure: str, small_group: int) -> dict[tuple[str, str], tuple[int, int]]:
    """Return what a reader can work out of each cell from the report alone, by combining its sums."""
    bounds = {}
    for r in marked.itertuples():
        if r.hidden == "small":
            bounds[(r.scope, r.group)] = [0, small_group - 1]
        elif r.hidden == "protect":
            bounds[(r.scope, r.group)] = [small_group if measure == "assessed" else 0, 10**6]
        else:
            value = getattr(r, measure)
            bounds[(r.scope, r.group)] = [value, value]
    return tightened(bounds, _relations(), passes=100)


def test_combined_sums_keep_small_cell_hidden():
    # Year 3 has 3 PP pupils. Hiding Year 4 (5 PP, 5 non-PP) beside it clears
    # every single sum, but a reader who knows "not shown" means at least 5
    # gets Year 4 PP = 5 from its All of 10, then Year 3 PP = 3 from KS2 PP.
    frame = attainment_frame(even_school(counts={("3", PP): (3, 1), ("4", PP): (5, 2), ("4", NON_PP): (5, 3)}))
    marked = suppress(frame, 5)
    bounds = reader_bounds(marked, "assessed", 5)
    assert bounds[("Year 3", PP)][0] < bounds[("Year 3", PP)][1]
    assert len({cell for cell, kind in hidden_cells(frame).items() if kind == "protect"}) > 3


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=12), min_size=28, max_size=28))
def test_no_sums_combined_reveal_small_group(sizes):
    counts = {}
    for index, year in enumerate(c.YEARS):
        pp, non_pp = sizes[4 * index], sizes[4 * index + 1]
        counts[(year, PP)] = (pp, min(pp, sizes[4 * index + 2]))
        counts[(year, NON_PP)] = (non_pp, min(non_pp, sizes[4 * index + 3]))
    marked = suppress(attainment_frame(counts), 5)
    bounds = reader_bounds(marked, "assessed", 5)
    for r in marked.itertuples():
        if r.hidden == "small" and r.assessed > 0:
            low, high = bounds[(r.scope, r.group)]
            assert low < high, (r.scope, r.group, r.assessed)


def joint_reader_bounds(marked: pd.DataFrame, small_group: int) -> dict[tuple[str, str, str], tuple[int, int]]:
    """Return what a reader can work out of each (measure, scope, group) when pupils = on track + not on track.

    Pupils, pupils on track and pupils not on track each add up through
    every sum, and the reader also uses the identity in each cell.
    """
    measures = ("assessed", "on_track", "not_on_track")
    bounds = {}
    for r in marked.itertuples():
        values = {"assessed": r.assessed, "on_track": r.on_track, "not_on_track": r.assessed - r.on_track}
        for measure in measures:
            if r.hidden == "small":
                bounds[(measure, r.scope, r.group)] = [0, small_group - 1]
            elif r.hidden == "protect":
                bounds[(measure, r.scope, r.group)] = [small_group if measure == "assessed" else 0, 10**6]
            else:
                bounds[(measure, r.scope, r.group)] = [values[measure], values[measure]]
    sums = [((m,) + total, [(m,) + part for part in parts]) for m in measures for total, parts in _relations()]
    sums += [(("assessed",) + cell, [("on_track",) + cell, ("not_on_track",) + cell])
             for cell in {(r.scope, r.group) for r in marked.itertuples()}]
    return tightened(bounds, sums, passes=200)


def test_on_track_cannot_pin_small_group():
    # Year 3 has 4 PP pupils, none on track, and every non-PP pupil in Years
    # 3 and 4 is on track. With Years 3 and 4 hidden, KS2 non-PP minus Years
    # 5 and 6 leaves 0 non-PP pupils not on track in Years 3 and 4. So all 4
    # pupils of Year 3 not on track (24 - 20) are PP, and "fewer than 5"
    # makes that exactly 4 PP pupils with none on track.
    frame = attainment_frame(even_school(counts={("3", PP): (4, 0), ("3", NON_PP): (20, 20),
                                                 ("4", NON_PP): (20, 20)}))
    marked = suppress(frame, 5)
    bounds = joint_reader_bounds(marked, 5)
    pupils = bounds[("assessed", "Year 3", PP)]
    on_track = bounds[("on_track", "Year 3", PP)]
    assert pupils[0] < pupils[1]
    assert on_track[0] < on_track[1]


def test_on_track_zero_worked_out_hidden():
    # Years 3 and 4 PP have 3 and 6 pupils, none on track. Hidden together,
    # KS2 PP on track minus Years 5 and 6 gives them 0 between them, so a
    # reader learns that none of the 3 is on track, though no shown total
    # is 0.
    frame = attainment_frame(even_school(counts={("3", PP): (3, 0), ("4", PP): (6, 0)}))
    marked = suppress(frame, 5)
    low, high = reader_bounds(marked, "on_track", 5)[("Year 3", PP)]
    assert low < high


def test_shown_zero_on_track_hides_no_more():
    # No pupil in Year 3 is on track, and Year 3 All shows "0 of 23". That
    # pins Year 3 PP at 0 on track whatever is hidden, so suppression hides
    # the same cells as for any small group.
    frame = attainment_frame(even_school(counts={("3", PP): (3, 0), ("3", NON_PP): (20, 0)}))
    assert hidden_cells(frame) == {
        ("Year 3", PP): "small",
        ("Year 3", NON_PP): "protect",
        ("Year 4", PP): "protect",
        ("Year 4", NON_PP): "protect",
    }


def test_complement_found_beyond_hidden_sums():
    # Years 1 and 2 PP have 4 pupils each. Hiding every cell that shares a
    # sum with them left EYFS PP at most 7, because EYFS shows 12 and its
    # hidden non-PP is 5 or more. Then whole-school PP 31 minus KS2 PP 16
    # gave KS1 PP at least 8, and two "fewer than 5" cells summing to 8 are
    # 4 each. A cell hidden further out, in a sum of those hidden cells,
    # breaks that chain.
    counts = {("R", PP): (7, 3), ("R", NON_PP): (5, 4), ("1", PP): (4, 3), ("1", NON_PP): (5, 5),
              ("2", PP): (4, 3), ("2", NON_PP): (3, 1), ("3", PP): (1, 0), ("3", NON_PP): (7, 6),
              ("4", PP): (1, 0), ("4", NON_PP): (5, 4), ("5", PP): (10, 5), ("5", NON_PP): (6, 4),
              ("6", PP): (4, 3), ("6", NON_PP): (5, 1)}
    marked = suppress(attainment_frame(counts), 5)
    bounds = reader_bounds(marked, "assessed", 5)
    for scope in ("Year 1", "Year 2"):
        low, high = bounds[(scope, PP)]
        assert low < high, scope
