"""Spend & impact figures for a small school, checked against values worked out by hand.

The school (class 3A, academic year 2025/26, current point Spring, refreshed
20 March 2026, so the budget year is 2025-26, 1 April 2025 to 31 March 2026):

1 Ava Brown    PP FSM     support: Small group tuition: maths (cost typed "£1,200"), Reading books (no dates)
2 Ben Clark    PP FSM     support: Small group tuition: maths (Entry/Exit WTS), Maths mastery CPD (April 2026)
3 Cara Dunn    PP LAC     support: Phonics catch-up, 1 March to 30 April 2026 (crosses 31 March)
4 Dan Evans    PP PLAC    support: Breakfast club (no cost), ended 31 January 2026
5 Eve Ford     Service    support: ELSA sessions (negative cost)
6 Finn Gray    non-PP     support: Reading volunteers (cost 0)
7 Gus Hall     PP FSM     left 16 January 2026, midway through Small group tuition: maths; Spelling club after he left
8 Hana Ito     non-PP
9 Ivy Jones    PP FSM     no support at all, not on track in maths
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime

import openpyxl
import pytest
import python_calamine

from tracker import contract as c
from tracker.core.pipeline import run, to_json
from tracker.errors import NotAWorkbook
from tracker.file_adapter import read_tables, tab_replacements
from tracker.package import Package
from tracker.refresh import refresh_file
from tracker.tabs import Tab, build_tabs

from conftest import ClassSheet, SchoolData, class_row, make_upn, pupil_row

NOW = datetime(2026, 3, 20, 15, 30)
TODAY = NOW.date()
NAMES = {1: ("Brown", "Ava"), 2: ("Clark", "Ben"), 3: ("Dunn", "Cara"), 4: ("Evans", "Dan"), 5: ("Ford", "Eve"),
         6: ("Gray", "Finn"), 7: ("Hall", "Gus"), 8: ("Ito", "Hana"), 9: ("Jones", "Ivy")}
CATEGORIES = {1: "FSM/Ever 6", 2: "FSM/Ever 6", 3: "LAC", 4: "PLAC", 5: "Service", 7: "FSM/Ever 6",
              9: "FSM/Ever 6"}
LEFT_ON = date(2026, 1, 16)
GRADES = {
    # serial: (Autumn R, W, M), (Spring R, W, M); None is a blank cell
    1: (("EXS", "EXS", "WTS"), ("EXS", "EXS", "EXS")),
    2: (("EXS", "EXS", "EXS"), ("EXS", "WTS", "EXS")),
    3: (("WTS", "EXS", "EXS"), (None, "WTS", "EXS")),
    4: (("EXS", "EXS", "EXS"), ("WTS", "EXS", "EXS")),
    5: (("EXS", "EXS", "EXS"), ("EXS", "EXS", "EXS")),
    6: (("GDS", "GDS", "GDS"), ("GDS", "GDS", "GDS")),
    9: (("EXS", "EXS", "EXS"), ("EXS", "EXS", "WTS")),
}
RECEIVED, CARRIED, OTHER = 9000, 1000, 500


def support_row(serial, provision, area, tier, start, end, cost, funded="Y", entry=None, exit_=None):
    return [make_upn(serial), provision, area, tier, start, end, cost, funded, entry, exit_, None]


def grades_for(serial: int, summer=None) -> dict[str, str]:
    autumn, spring = GRADES[serial]
    grades = {}
    for point, values in (("Autumn", autumn), ("Spring", spring), ("Summer", summer or ())):
        for subject, grade in zip(("Reading", "Writing", "Maths"), values):
            if grade:
                grades[f"{point} {subject}"] = grade
    return grades


def money_school(summer: dict[int, tuple] | None = None, **settings) -> SchoolData:
    """Return the school described at the top of this file; ``summer`` adds Summer grades."""
    summer = summer or {}
    data = SchoolData(settings={
        c.SETTING_SCHOOL: "Money Primary", c.SETTING_YEAR: "2025/26", c.SETTING_POINT: "Spring",
        c.SETTING_PP_RECEIVED: RECEIVED, c.SETTING_CARRIED_FORWARD: "£1,000", c.SETTING_OTHER_FUNDING: OTHER,
        **settings,
    })
    for serial, (surname, forename) in NAMES.items():
        pp = "Y" if serial in CATEGORIES else "N"
        row = pupil_row(serial, surname, forename, "3", "3A", pp, CATEGORIES.get(serial))
        if serial == 7:
            row[11] = LEFT_ON
        data.pupils.append(row)
    data.classes = [ClassSheet("3A", [
        class_row(serial, f"{NAMES[serial][1]} {NAMES[serial][0]}", grades_for(serial, summer.get(serial)))
        for serial in GRADES
    ])]
    tas, wider = "Targeted academic support", "Wider strategies"
    data.support = [
        support_row(1, "Small group tuition: maths", "Maths", tas, date(2026, 1, 5), date(2026, 2, 13), "£1,200"),
        support_row(2, "Small group tuition: maths", "Maths", tas, date(2026, 1, 5), date(2026, 2, 13), 1200,
                    entry="WTS", exit_="WTS"),
        support_row(7, "Small group tuition: maths", "Maths", tas, date(2026, 1, 5), date(2026, 2, 13), 400),
        support_row(3, "Phonics catch-up", "Reading", tas, date(2026, 3, 1), date(2026, 4, 30), 610),
        support_row(4, "Breakfast club", "Attendance", wider, date(2025, 9, 1), date(2026, 1, 31), None),
        support_row(5, "ELSA sessions", "Wellbeing", wider, date(2025, 11, 1), date(2026, 1, 31), -50),
        support_row(6, "Reading volunteers", "Reading", tas, date(2025, 10, 1), date(2025, 11, 30), 0),
        support_row(2, "Maths mastery CPD", "Maths", "Teaching", date(2026, 4, 1), date(2026, 4, 30), 300),
        support_row(1, "Reading books", "Reading", wider, None, None, 100),
        support_row(7, "Spelling club", "Writing", tas, date(2026, 2, 1), date(2026, 2, 28), 200),
    ]
    return data


@pytest.fixture(scope="module")
def refreshed(tmp_path_factory):
    from tracker.build import build_workbook

    path = tmp_path_factory.mktemp("money") / "money.xlsm"
    build_workbook(path, money_school())
    result = refresh_file(path, now=NOW)
    return path, result


def sheet_rows(path, name: str) -> list[list[object]]:
    sheet = openpyxl.load_workbook(path, data_only=True)[name]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def row_starting(rows: list[list[object]], label: str) -> list[object]:
    """Return the first row whose column A is ``label``."""
    matches = [row for row in rows if row and row[0] == label]
    assert matches, f"no row starting {label!r}"
    return matches[0]


def table_after(rows: list[list[object]], header_first: str) -> list[dict[str, object]]:
    """Return the rows under the header row whose column A is ``header_first``, up to a blank row."""
    start = next(i for i, row in enumerate(rows) if row and row[0] == header_first)
    header = rows[start]
    records = []
    for row in rows[start + 1:]:
        if not row or row[0] is None:
            break
        records.append({name: value for name, value in zip(header, row) if name is not None})
    return records


# Hand-worked figures -----------------------------------------------------------------------

# On roll with PP = Y: FSM pupils 1, 2 and 9 (7 has left), LAC 3, PLAC 4, Service 5.
EXPECTED = 3 * 1515 + 2630 + 2630 + 350
BUDGET = RECEIVED + CARRIED + OTHER
PP_ON_ROLL = 5  # pupils 1, 2, 3, 4 and 9: the service pupil is not in the PP group by default

# Gus Hall's £400 over 5 January to 13 February (40 days) stops on 16 January (12 days).
GUS_COST = 400 * 12 / 40
# Phonics catch-up, £610 over 1 March to 30 April (61 days): 31 days in 2025-26, 20 of them by 20 March.
PHONICS_2025 = 610 * 31 / 61
PHONICS_SPENT = 610 * 20 / 61
TAS_COMMITTED = 1200 + 1200 + GUS_COST + PHONICS_2025 + 0 + 0
TAS_SPENT = 1200 + 1200 + GUS_COST + PHONICS_SPENT
WIDER_COMMITTED = 100  # Reading books has no dates: committed in the year shown, never spent
COMMITTED = TAS_COMMITTED + WIDER_COMMITTED
SPENT = TAS_SPENT


def test_allocation_from_register(refreshed):
    path, result = refreshed
    rows = sheet_rows(path, c.SPEND_SHEET)
    expected_rows = {
        "FSM/Ever 6": (3, 1515), "LAC": (1, 2630), "PLAC": (1, 2630), "Service": (1, 350),
    }
    for category, (pupils, rate) in expected_rows.items():
        row = row_starting(rows, category)
        assert row[1:4] == [pupils, rate, pupils * rate]
    assert row_starting(rows, "Expected allocation (pupils on roll × rate)")[3] == EXPECTED


def test_received_difference_and_budget(refreshed):
    path, result = refreshed
    rows = sheet_rows(path, c.SPEND_SHEET)
    assert row_starting(rows, "Received (typed on Settings)")[3] == RECEIVED
    assert row_starting(rows, "Difference (received minus expected)")[3] == RECEIVED - EXPECTED
    assert row_starting(rows, "Carried forward (Settings)")[3] == CARRIED
    assert row_starting(rows, "Budget (received + carried forward + other funding)")[3] == BUDGET
    notes = [row[0] for row in rows if row and isinstance(row[0], str)]
    assert any("October census" in note for note in notes)
    assert any("LAC funding is paid to the local authority" in note for note in notes)


def test_spend_by_tier(refreshed):
    path, result = refreshed
    rows = sheet_rows(path, c.SPEND_SHEET)
    tiers = {row["Tier"]: row for row in table_after(rows, "Tier")}
    assert tiers["Teaching"]["Committed (£)"] == 0
    assert tiers["Targeted academic support"]["Committed (£)"] == pytest.approx(TAS_COMMITTED, abs=0.005)
    assert tiers["Targeted academic support"]["Spent to 20/03/2026 (£)"] == pytest.approx(TAS_SPENT, abs=0.005)
    assert tiers["Wider strategies"]["Committed (£)"] == WIDER_COMMITTED
    assert tiers["Wider strategies"]["Spent to 20/03/2026 (£)"] == 0
    assert tiers["Total"]["Committed (£)"] == pytest.approx(COMMITTED, abs=0.005)
    assert tiers["Total"]["Not yet spent (£)"] == pytest.approx(COMMITTED - SPENT, abs=0.005)


def test_remainder_and_spend_per_pp_pupil(refreshed):
    path, result = refreshed
    rows = sheet_rows(path, c.SPEND_SHEET)
    assert row_starting(rows, "Left after committed spend")[1] == pytest.approx(BUDGET - COMMITTED, abs=0.005)
    assert row_starting(rows, "Left after spend to date")[1] == pytest.approx(BUDGET - SPENT, abs=0.005)
    per_pupil = row_starting(rows, f"Committed per PP pupil ({PP_ON_ROLL} on roll)")[1]
    assert per_pupil == pytest.approx(COMMITTED / PP_ON_ROLL, abs=0.005)
    assert row_starting(rows, "Spent to date per PP pupil")[1] == pytest.approx(SPENT / PP_ON_ROLL, abs=0.005)


def test_spend_crossing_financial_years(tmp_path):
    from tracker.build import build_workbook

    path = build_workbook(tmp_path / "next_year.xlsm", money_school(**{c.SETTING_FINANCIAL_YEAR: "2026-27"}))
    result = refresh_file(path, now=NOW)
    tiers = result.money.tiers.set_index("tier")
    # April 2026 holds the other 30 of the phonics days and all of Maths mastery CPD; none has come yet.
    assert tiers.loc["Targeted academic support", "committed"] == pytest.approx(610 * 30 / 61)
    assert tiers.loc["Teaching", "committed"] == 300
    assert tiers.loc["Targeted academic support", "spent"] == 0
    assert PHONICS_2025 + 610 * 30 / 61 == pytest.approx(610)
    # No rates are typed for 2026-27, so the 2025-26 rates are used and reported.
    problems = list(result.issues["Problem"])
    assert "The Funding table has no rates for 2026-27." in problems
    assert result.money.expected == EXPECTED


def test_pupil_who_left_mid_provision(refreshed):
    path, result = refreshed
    provisions = {row["Provision"]: row for row in table_after(sheet_rows(path, c.SPEND_SHEET), "Provision")}
    tuition = provisions["Small group tuition: maths"]
    assert tuition["Pupils"] == 3
    assert tuition["Total cost (£)"] == 1200 + 1200 + GUS_COST
    assert tuition["Cost per pupil (£)"] == (1200 + 1200 + GUS_COST) / 3
    assert tuition["Left before the end"] == 1
    # Ava moved (WTS at Autumn, EXS at Spring); Ben's typed Entry and Exit (WTS, WTS) win over his grades.
    assert tuition["Moved to on track"] == "1 of 2, 50.0% *"
    assert tuition["Still not on track"] == 1
    assert tuition["Cost per pupil moved (£)"] == 1200 + 1200 + GUS_COST
    # Ava and Ben have the 40 days from 5 January to 13 February; Gus the 12 days up to 16 January.
    assert tuition["Weeks (average)"] == round((40 + 40 + 12) / 7 / 3, 1)

    spelling = provisions["Spelling club"]
    assert spelling["Total cost (£)"] == 0
    # It starts after Gus left, so it never ran and has no length.
    assert spelling["Weeks (average)"] is None
    assert spelling["Left before the end"] == 1
    issues = result.issues
    started_late = issues[issues["Problem"] == f"This support starts after the pupil left on {LEFT_ON:%d/%m/%Y}."]
    assert list(started_late["Cell"]) == ["E13"]


def test_cost_typed_as_text_is_read(refreshed):
    path, result = refreshed
    support = result.support
    ava = support[(support["upn"] == make_upn(1)) & (support["provision"] == "Small group tuition: maths")]
    assert list(ava["cost"]) == [1200.0]
    typed = openpyxl.load_workbook(path)[c.SUPPORT_SHEET]["G4"].value
    assert typed == "£1,200"  # the typed text is never changed


def test_negative_and_missing_costs_reported(refreshed):
    path, result = refreshed
    issues = result.issues
    by_problem = {row["Problem"]: row for _, row in issues.iterrows()}
    negative = by_problem["The cost is negative."]
    assert (negative["Sheet"], negative["Cell"], negative["Value"]) == (c.SUPPORT_SHEET, "G9", -50)
    missing = by_problem["This PP-funded support has no cost."]
    assert (missing["Sheet"], missing["Cell"]) == (c.SUPPORT_SHEET, "G8")
    undated = by_problem["This PP-funded support has a cost but no start or end date."]
    assert undated["Cell"] == "E12"
    assert "committed in 2025-26, not as spent" in undated["What was done"]
    # The explicit £0 of Reading volunteers is not a problem.
    cells = set(issues["Cell"])
    assert "G10" not in cells


def test_provision_with_no_cost(refreshed):
    path, result = refreshed
    provisions = {row["Provision"]: row for row in table_after(sheet_rows(path, c.SPEND_SHEET), "Provision")}
    assert provisions["Reading volunteers"]["Total cost (£)"] == 0
    assert provisions["Reading volunteers"]["Cost per pupil (£)"] == 0
    # Breakfast club's only row has a blank cost: it adds £0 to the totals but says so, not "£0.00".
    assert provisions["Breakfast club"]["Total cost (£)"] == "no cost typed"
    assert provisions["Breakfast club"]["Cost per pupil (£)"] == "no cost typed"
    assert provisions["Breakfast club"]["Cost per pupil moved (£)"] is None
    assert provisions["Breakfast club"]["Not measured yet"] == 1  # Attendance names no subject


def test_weeks_stop_at_left_date(tmp_path):
    from tracker.build import build_workbook

    data = money_school(**{c.SETTING_YEAR: "2026/27"})
    # Ivy Jones (9) leaves on 31/10/2026, two months before Maths tuition ends; Hana Ito (8) stays.
    data.pupils[8][11] = date(2026, 10, 31)
    tas = "Targeted academic support"
    data.support += [
        support_row(8, "Maths tuition", "Maths", tas, date(2026, 3, 4), date(2026, 12, 31), 303),
        support_row(9, "Maths tuition", "Maths", tas, date(2026, 9, 1), date(2026, 12, 31), 122),
    ]
    path = build_workbook(tmp_path / "leaver_weeks.xlsm", data)
    refresh_file(path, now=datetime(2027, 1, 15, 9, 0))

    # Hana: 4 March to 31 December is 28 + 30 + 31 + 30 + 31 + 31 + 30 + 31 + 30 + 31 = 303 days.
    # Ivy: 1 September to her Left date, 31 October, is 30 + 31 = 61 days of the 122 typed.
    hana_days = 28 + 30 + 31 + 30 + 31 + 31 + 30 + 31 + 30 + 31
    ivy_days = 30 + 31
    provisions = {row["Provision"]: row for row in table_after(sheet_rows(path, c.SPEND_SHEET), "Provision")}
    tuition = provisions["Maths tuition"]
    assert tuition["Weeks (average)"] == round((hana_days / 7 + ivy_days / 7) / 2, 1)
    assert tuition["Weeks (average)"] == 26.0
    # £1 a day each, so the cost stops at the Left date too.
    assert tuition["Total cost (£)"] == hana_days + ivy_days


def test_impact_from_points_either_side(refreshed):
    path, result = refreshed
    provisions = {row["Provision"]: row for row in table_after(sheet_rows(path, c.SPEND_SHEET), "Provision")}
    # Maths mastery CPD starts 1 April: Autumn (31 December) is the point before, where Ben had EXS.
    assert provisions["Maths mastery CPD"]["Already on track before"] == 1
    # Phonics catch-up ends 30 April; Cara has no Spring reading grade yet.
    assert provisions["Phonics catch-up"]["Not measured yet"] == 1
    assert provisions["Phonics catch-up"]["Moved to on track"] == "none measured yet"
    # Reading volunteers starts 1 October, before any point of the year.
    assert provisions["Reading volunteers"]["Not measured yet"] == 1


def test_provisions_largest_cost_first(refreshed):
    path, result = refreshed
    names = [row["Provision"] for row in table_after(sheet_rows(path, c.SPEND_SHEET), "Provision")]
    assert names == ["Small group tuition: maths", "Phonics catch-up", "Maths mastery CPD", "Reading books",
                     "Reading volunteers", "Spelling club", "Breakfast club", "ELSA sessions"]


def test_eef_strand_evidence(refreshed):
    path, result = refreshed
    provisions = {row["Provision"]: row for row in table_after(sheet_rows(path, c.SPEND_SHEET), "Provision")}
    phonics = provisions["Phonics catch-up"]
    assert phonics["EEF Toolkit strand"] == "Phonics"
    assert phonics["Months of progress"] == "+5 months"
    assert phonics["Strand checked"] == datetime(2026, 12, 4)
    assert phonics["Strand source"].endswith("teaching-learning-toolkit/phonics")
    assert provisions["Small group tuition: maths"]["EEF Toolkit strand"] == "Small group tuition"
    assert provisions["Breakfast club"]["EEF Toolkit strand"] is None


def test_action_list_and_no_support(refreshed):
    path, result = refreshed
    rows = sheet_rows(path, c.SPEND_SHEET)
    action = table_after(rows, "Pupil")
    assert [row["Pupil"] for row in action] == ["Dan Evans", "Ivy Jones"]
    assert action[0]["Not on track in"] == "Reading"
    assert action[0]["Last PP-funded support"] == "Breakfast club"
    assert action[0]["Last support ended"] == datetime(2026, 1, 31)
    assert action[1]["Last PP-funded support"] is None
    title = next(row[0] for row in rows if row[0] and str(row[0]).startswith("PP pupils with no support at all"))
    assert title.endswith(": 1")
    assert result.money.no_support["Pupil"].tolist() == ["Ivy Jones"]


def test_two_readers_agree(refreshed):
    path, result = refreshed
    ours = sheet_rows(path, c.SPEND_SHEET)
    book = python_calamine.CalamineWorkbook.from_path(str(path))
    theirs = book.get_sheet_by_name(c.SPEND_SHEET).to_python(skip_empty_area=False)
    for mine, other in zip(ours[:40], theirs[:40]):
        for left, right in zip(mine, other):
            left = "" if left is None else left
            if isinstance(left, datetime):
                right = right if isinstance(right, datetime) else datetime.combine(right, datetime.min.time())
            assert left == right


def test_charts_fit_the_rows_written(refreshed):
    path, result = refreshed
    package = Package.open(path)
    part = package.sheet_parts()[c.SPEND_SHEET]
    drawings = [target for kind, target in package.rels(part).values() if kind.endswith("/drawing")]
    charts = [target for kind, target in package.rels(drawings[0]).values() if kind.endswith("/chart")]
    ranges = set()
    for chart in charts:
        ranges |= set(re.findall(rb"<c:f>[^<]*!(\$[A-Z]+\$\d+:\$[A-Z]+\$\d+)</c:f>", package.parts[chart]))
    provisions = len(result.money.provisions)
    assert b"$Y$13:$Y$" + str(12 + provisions).encode() in ranges
    assert b"$Z$13:$Z$" + str(12 + provisions).encode() in ranges
    assert b"$Z$6:$Z$9" in ranges  # four tier rows


def test_json_money_figures(refreshed):
    path, result = refreshed
    figures = json.loads(json.dumps(to_json(result)))["money"]
    assert figures["financial_year"] == "2025-26"
    assert figures["expected"] == EXPECTED
    assert figures["difference"] == RECEIVED - EXPECTED
    assert figures["budget"] == BUDGET
    assert figures["committed"] == pytest.approx(COMMITTED)
    assert figures["spent"] == pytest.approx(SPENT)


def test_missing_funding_table_still_refreshes(refreshed):
    path, result = refreshed
    tables = read_tables(Package.open(path))
    del tables[c.FUNDING_TABLE]
    del tables[c.STRANDS_TABLE]
    older = run(tables, NOW)
    problems = list(older.issues["Problem"])
    assert "The table 'Funding' was not found." in problems
    assert "The table 'Strands' was not found." in problems
    assert not older.money.has_funding

    spend = next(tab for tab in build_tabs(older) if tab.name == c.SPEND_SHEET)
    text = [value for row in spend.cells for value in row if isinstance(value, str)]
    assert "This workbook has no Funding table, so no money figures are shown." in text
    provision_rows = [row for row in spend.cells if row and row[0] == "Small group tuition: maths"]
    assert provision_rows and provision_rows[0][9] is None  # no total cost shown
    assert to_json(older)["money"]["committed"] is None


def test_optional_tab_skipped_when_sheet_missing(refreshed):
    path, result = refreshed
    package = Package.open(path)
    replaced = tab_replacements(package, [Tab("Not in this workbook", optional=True)])
    assert replaced == {}
    with pytest.raises(NotAWorkbook):
        tab_replacements(package, [Tab("Not in this workbook")])


def test_untyped_carried_forward_said_not_zero(tmp_path):
    from tracker.build import build_workbook

    path = tmp_path / "untyped.xlsm"
    build_workbook(path, money_school(**{c.SETTING_CARRIED_FORWARD: None, c.SETTING_OTHER_FUNDING: None}))
    result = refresh_file(path, now=NOW)
    rows = sheet_rows(path, c.SPEND_SHEET)
    assert row_starting(rows, "Carried forward (Settings)")[3] == "not typed, counted as £0"
    assert row_starting(rows, "Other funding (Settings)")[3] == "not typed, counted as £0"
    # The budget is the received amount alone when neither is typed.
    assert row_starting(rows, "Budget (received + carried forward + other funding)")[3] == RECEIVED
    assert result.money.carried_forward is None


def test_partly_costed_provision_marked(tmp_path):
    from tracker.build import build_workbook

    data = money_school()
    tas = "Targeted academic support"
    # Two rows of Maths tuition: Hana's has a cost, Ivy's is blank, so the total is Hana's £300 alone.
    data.support += [
        support_row(8, "Maths tuition", "Maths", tas, date(2026, 1, 5), date(2026, 2, 13), 300),
        support_row(9, "Maths tuition", "Maths", tas, date(2026, 1, 5), date(2026, 2, 13), None),
    ]
    path = build_workbook(tmp_path / "partly_costed.xlsm", data)
    refresh_file(path, now=NOW)

    rows = sheet_rows(path, c.SPEND_SHEET)
    provisions = {row["Provision"]: row for row in table_after(rows, "Provision")}
    assert provisions["Maths tuition"]["Total cost (£)"] == 300
    notes = [row[0] for row in rows if row and isinstance(row[0], str) and row[0].startswith("Partly costed")]
    assert len(notes) == 1
    assert "Maths tuition (1 of 2 rows)" in notes[0]
    # Fully costed and wholly uncosted provisions are not listed.
    assert "Reading volunteers" not in notes[0]
    assert "Breakfast club" not in notes[0]
