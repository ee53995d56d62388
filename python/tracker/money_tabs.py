"""The Spend & impact and Strategy statement tabs, laid out as grids.

Positions the builder relies on (where the charts sit and the rows their
figures start on) are constants here, as in tabs.py for the Summary.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from . import contract as c
from .core.attainment import NON_PP, PP
from .core.money import NO_TIER, TIER_ROWS, MoneyFigures
from .core.pipeline import RefreshResult
from .tabs import Tab, _heading, count_text

# Spend & impact: the budget and tier tables on the left, two charts to
# their right, the provisions table below the charts, and the figures the
# charts read far to the right.
BUDGET_ROW = 5
TIER_ROW = 21
PROVISIONS_ROW = 38  # section heading; its header row follows
SPEND_CHART_ANCHORS = {"tiers": (4, 5), "impact": (20, 5)}  # 0-based (row, col) of each chart
CHART_DATA_COLUMN = 24  # column Y
TIER_CHART_FIRST_ROW = 5  # 0-based row of the first tier (row 6); its header is the row above
PROVISION_CHART_FIRST_ROW = 12  # row 13
# Columns B to D are wide because the budget, tier and pupil tables put
# amounts and text there as well as the provisions table.
SPEND_WIDTHS = [34, 26, 26, 30, 13, 9, 9, 9, 8, 12, 12, 18, 10, 10, 10, 9, 12, 11, 60]
PROVISION_HEADERS = [
    "Provision", "Tier", "Subject or area", "EEF Toolkit strand", "Months of progress", "Pupils", "PP pupils",
    "Weeks (average)", "PP funded", "Total cost (£)", "Cost per pupil (£)", "Moved to on track",
    "Still not on track", "Already on track before", "Not measured yet", "Left before the end",
    "Cost per pupil moved (£)", "Strand checked", "Strand source",
]
STRATEGY_WIDTHS = [58, 46, 30, 14]
LABEL_CHARS = 58  # a longer label in column A wraps onto a second line
TO_COMPLETE = "[To complete]"
# Shown in place of the cost of a provision whose every row has a blank
# cost: the totals count it as £0, but "£0.00" would read as free.
NO_COST = "no cost typed"

TIER_EXAMPLES = {
    "Teaching": "Teaching (for example, CPD, recruitment and retention)",
    "Targeted academic support": "Targeted academic support (for example, tutoring, one-to-one support, "
                                 "structured interventions)",
    "Wider strategies": "Wider strategies (for example, related to attendance, behaviour, wellbeing)",
    NO_TIER: "Tier not set on the Support sheet",
}

SPEND_RULES = (
    "Committed: the cost of PP-funded support falling in the financial year, started or not. Spent: the part "
    "for days up to the refresh date.",
    "Each row's cost is spread evenly from Start to End, so support crossing 31 March is split between years. "
    "Support for a leaver stops on the date in Left.",
)


def _typed_money(value: float | None) -> object:
    """Return a Settings amount, or the text "not typed" (the budget then counts £0)."""
    return "not typed, counted as £0" if value is None else _money(value)


def _typed_source(value: float | None) -> str:
    return "Settings" if value is not None else "Settings: not typed, counted as £0"


def _money(value: object) -> float | None:
    if value is None or pd.isna(value):
        return None
    return round(float(value), 2)


def _present(value: object) -> bool:
    return value is not None and not (isinstance(value, float) and pd.isna(value)) and value is not pd.NaT


def _long_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def _months(value: object) -> str | None:
    if value is None or pd.isna(value):
        return None
    months = float(value)
    text = f"{months:+g}" if months else "0"
    return f"{text} months"


# --- Spend & impact ------------------------------------------------------------------------


def spend_tab(result: RefreshResult) -> Tab:
    """Return the Spend & impact tab: budget, spend by tier, each provision's impact, action lists."""
    tab = Tab(c.SPEND_SHEET, optional=True)
    money = result.money
    _heading(tab, result, "Pupil Premium spend and impact")
    for offset, rule in enumerate(SPEND_RULES):
        tab.put(2 + offset, 0, rule, "note")

    _budget_section(tab, money)
    _tier_section(tab, money)
    last = _provisions_section(tab, money, result.settings.small_group)
    last = _pupil_list(tab, last + 2, "PP pupils not on track with no PP-funded support in place or planned "
                       "(act on these first)", money.action,
                       "Every PP pupil who is not on track has PP-funded support in place or planned.")
    _pupil_list(tab, last + 2, "PP pupils with no support at all", money.no_support,
                "Every PP pupil on roll has at least one row on the Support sheet.")
    _chart_figures(tab, money)
    return tab


def _budget_section(tab: Tab, money: MoneyFigures) -> None:
    year = money.year
    row = BUDGET_ROW
    tab.put(row, 0, f"Budget for financial year {year.label} ({_long_date(year.start)} to {_long_date(year.end)})",
            "section")
    tab.style(row, 1, row, 3, "section")
    if not money.has_funding:
        tab.put(row + 1, 0, f"This workbook has no {c.FUNDING_TABLE} table, so no money figures are shown.", "note")
        tab.put(row + 2, 0, f"Copy the {c.FUNDING_TABLE} table from a fresh pptracker.xlsm onto the Settings sheet.",
                "note")
        return

    tab.put_row(row + 1, 0, ["Category", "PP pupils on roll", "Rate per pupil (£)", "Expected (£)"])
    tab.style(row + 1, 0, row + 1, 3, "header")
    first = row + 2
    for offset, line in enumerate(money.allocation.itertuples()):
        tab.put_row(first + offset, 0, [line.category, line.pupils, _money(line.rate), _money(line.expected)])
    last = first + len(money.allocation) - 1
    tab.style(first, 1, last, 1, "integer")
    tab.style(first, 2, last, 3, "money")

    lines = [
        ("Expected allocation (pupils on roll × rate)", money.expected),
        ("Received (typed on Settings)", money.received if money.received is not None else "not typed"),
        ("Difference (received minus expected)", money.difference),
    ]
    for offset, (label, value) in enumerate(lines, start=1):
        tab.put(last + offset, 0, label)
        tab.put(last + offset, 3, _money(value) if not isinstance(value, str) else value, "money")
    row = last + len(lines) + 1
    for offset, text in enumerate(_difference_notes(money)):
        tab.put(row + offset, 0, text, "note")
    row += 3
    tab.put(row, 0, "Carried forward (Settings)")
    tab.put(row, 3, _typed_money(money.carried_forward), "money")
    tab.put(row + 1, 0, "Other funding (Settings)")
    tab.put(row + 1, 3, _typed_money(money.other_funding), "money")
    source = "received" if money.budget_from_received else "expected"
    tab.put(row + 2, 0, f"Budget ({source} + carried forward + other funding)", "section")
    tab.style(row + 2, 1, row + 2, 2, "section")
    tab.put(row + 2, 3, _money(money.budget), "money")


def _difference_notes(money: MoneyFigures) -> list[str]:
    """Return up to three short lines explaining the difference between received and expected."""
    notes = []
    if money.categories_without_rate:
        notes.append(f"No rate on Settings for: {', '.join(money.categories_without_rate)}, so the expected "
                     "figure leaves those pupils out.")
    if money.received is None:
        notes.append(f"Type the amount received on Settings ('{c.SETTING_PP_RECEIVED}') to compare it "
                     "with the expected figure.")
        return notes[:3]
    difference = money.difference or 0.0
    if abs(difference) < 1:
        notes.append("The amount received matches the expected allocation.")
        return notes[:3]
    notes.append("The DfE counts pupils in the October census before the financial year, so pupils who "
                  "joined, left or became eligible since then explain most differences.")
    lac = money.allocation.loc[money.allocation["category"] == "LAC", "pupils"]
    if not lac.empty and int(lac.iloc[0]):
        notes.append("LAC funding is paid to the local authority; the virtual school head decides how much "
                     "reaches the school.")
    return notes[:3]


def _tier_section(tab: Tab, money: MoneyFigures) -> None:
    row = TIER_ROW
    tab.put(row, 0, f"Spend by tier, financial year {money.year.label}", "section")
    tab.style(row, 1, row, 3, "section")
    if not money.has_funding:
        tab.put(row + 1, 0, "No money figures: see the note above.", "note")
        return
    tab.put_row(row + 1, 0, ["Tier", "Committed (£)", f"Spent to {money.today:%d/%m/%Y} (£)",
                             "Not yet spent (£)"])
    tab.style(row + 1, 0, row + 1, 3, "header")
    tab.row_heights[row + 1] = 30
    first = row + 2
    for offset, line in enumerate(money.tiers.itertuples()):
        tab.put_row(first + offset, 0, [line.tier, _money(line.committed), _money(line.spent),
                                        _money(line.committed - line.spent)])
    total_row = first + len(money.tiers)
    committed, spent = money.committed, money.spent
    tab.put_row(total_row, 0, ["Total", _money(committed), _money(spent), _money(committed - spent)])
    tab.style(first, 1, total_row, 3, "money")
    tab.style(total_row, 0, total_row, 0, "section")

    budget = money.budget
    pupils = money.pp_on_roll
    lines = [
        ("Budget (above)", budget),
        ("Left after committed spend", None if budget is None else budget - committed),
        ("Left after spend to date", None if budget is None else budget - spent),
        (f"Committed per PP pupil ({pupils} on roll)", committed / pupils if pupils else None),
        ("Spent to date per PP pupil", spent / pupils if pupils else None),
    ]
    for offset, (label, value) in enumerate(lines, start=1):
        tab.put_row(total_row + offset, 0, [label, _money(value)])
    tab.style(total_row + 1, 1, total_row + len(lines), 1, "money")


def _provisions_section(tab: Tab, money: MoneyFigures, small_group: int) -> int:
    """Write one row per provision and return the last row used."""
    row = PROVISIONS_ROW
    tab.put(row, 0, "Each provision: pupils, cost and impact", "section")
    tab.style(row, 1, row, len(PROVISION_HEADERS) - 1, "section")
    tab.put(row + 1, 0, "Moved to on track: pupils not on track before the provision who were on track after it, "
                        "by Entry and Exit grade, or else by the assessment points either side.", "note")
    tab.put(row + 2, 0, f"Counts are of pupils; x of y counts only pupils not on track before who have been "
                        f"measured since. * fewer than {small_group} pupils.", "note")

    header = row + 3
    tab.put_row(header, 0, PROVISION_HEADERS)
    tab.style(header, 0, header, len(PROVISION_HEADERS) - 1, "header")
    tab.row_heights[header] = 45
    first = header + 1
    frame = money.provisions
    if frame.empty:
        tab.put(first, 0, "No support is recorded on the Support sheet yet.", "note")
        return first

    for offset, line in enumerate(frame.itertuples()):
        measured = line.moved + line.still_below
        total = _money(line.total_cost) if money.has_funding else None
        per_pupil = _money(line.cost_per_pupil) if money.has_funding else None
        if money.has_funding and total is None:
            total, per_pupil = NO_COST, NO_COST
        per_moved = None
        if money.has_funding and line.moved and total and total != NO_COST:
            per_moved = _money(line.total_cost / line.moved)
        tab.put_row(first + offset, 0, [
            line.provision, line.tier, line.area, line.strand, _months(line.strand_months),
            line.pupils, line.pp_pupils,
            None if line.weeks is None or pd.isna(line.weeks) else round(float(line.weeks), 1),
            line.pp_funded, total, per_pupil,
            count_text(line.moved, measured, small_group) if measured else "none measured yet",
            line.still_below, line.already_on_track, line.not_measured, line.left_early, per_moved,
            line.strand_date, line.strand_source,
        ])

    last = first + len(frame) - 1
    tab.style(first, 0, last, 4, "text")
    tab.style(first, 5, last, 6, "integer")
    tab.style(first, 7, last, 7, "decimal")
    tab.style(first, 9, last, 10, "money")
    tab.style(first, 12, last, 15, "integer")
    tab.style(first, 16, last, 16, "money")
    tab.style(first, 17, last, 17, "date")

    # A total with some costs missing would read as the whole cost, so the note names the short totals.
    partly = [f"{line.provision} ({line.rows_without_cost} of {line.rows} rows)" for line in frame.itertuples()
              if money.has_funding and line.total_cost is not None and not pd.isna(line.total_cost)
              and line.rows_without_cost]
    if partly:
        last += 1
        tab.put(last, 0, f"Partly costed, so the total counts only the rows with a cost: {'; '.join(partly)}. "
                         "Type the missing costs on the Support sheet, or 0 where the support is free.", "note")
    return last


def _pupil_list(tab: Tab, row: int, title: str, frame: pd.DataFrame, empty: str) -> int:
    """Write a titled pupil list from ``row`` and return the last row used."""
    tab.put(row, 0, f"{title}: {len(frame)}", "section")
    tab.style(row, 1, row, len(frame.columns) - 1, "section")
    tab.put_row(row + 1, 0, list(frame.columns))
    tab.style(row + 1, 0, row + 1, len(frame.columns) - 1, "header")
    tab.row_heights[row + 1] = 30
    if frame.empty:
        tab.put(row + 2, 0, empty, "note")
        return row + 2
    for offset, values in enumerate(frame.itertuples(index=False)):
        tab.put_row(row + 2 + offset, 0, list(values))
    last = row + 1 + len(frame)
    for col, name in enumerate(frame.columns):
        tab.style(row + 2, col, last, col, "date" if name == "Last support ended" else "text")
    return last


def _chart_figures(tab: Tab, money: MoneyFigures) -> None:
    """Write the figures the two charts read, and how many rows each range now covers."""
    col = CHART_DATA_COLUMN
    tab.put(TIER_CHART_FIRST_ROW - 2, col, "Figures behind the charts", "section")
    tab.put_row(TIER_CHART_FIRST_ROW - 1, col, ["Tier", "Committed", "Spent"])
    tab.style(TIER_CHART_FIRST_ROW - 1, col, TIER_CHART_FIRST_ROW - 1, col + 2, "header")
    for offset, line in enumerate(money.tiers.itertuples()):
        values = [_money(line.committed), _money(line.spent)] if money.has_funding else [None, None]
        tab.put_row(TIER_CHART_FIRST_ROW + offset, col, [line.tier, *values])
    tab.style(TIER_CHART_FIRST_ROW, col + 1, TIER_CHART_FIRST_ROW + len(TIER_ROWS) - 1, col + 2, "money")

    tab.put_row(PROVISION_CHART_FIRST_ROW - 1, col, ["Provision", "Moved to on track", "Still not on track"])
    tab.style(PROVISION_CHART_FIRST_ROW - 1, col, PROVISION_CHART_FIRST_ROW - 1, col + 2, "header")
    for offset, line in enumerate(money.provisions.itertuples()):
        tab.put_row(PROVISION_CHART_FIRST_ROW + offset, col, [line.provision, line.moved, line.still_below])
    tab.chart_rows = {TIER_CHART_FIRST_ROW: len(TIER_ROWS), PROVISION_CHART_FIRST_ROW: len(money.provisions)}


# --- Strategy statement --------------------------------------------------------------------


def strategy_tab(result: RefreshResult) -> Tab:
    """Return the strategy statement figures in the order of the DfE template, with blanks marked."""
    tab = Tab(c.STRATEGY_SHEET, optional=True)
    money = result.money
    _heading(tab, result, "Pupil premium strategy statement")
    tab.put(2, 0, f"In the order of the DfE template. The tracker fills the figures it holds; {TO_COMPLETE} "
                  "marks what the school writes.", "note")
    tab.put(3, 0, "This tab is rewritten by every refresh: copy it into the DfE template and write the "
                  "marked parts there.", "note")

    row = _overview(tab, 5, result)
    row = _funding_overview(tab, row + 2, money)
    row = _part_a(tab, row + 2, money)
    _part_b(tab, row + 2, result)
    return tab


def _section(tab: Tab, row: int, title: str) -> None:
    tab.put(row, 0, title, "section")
    tab.style(row, 1, row, len(STRATEGY_WIDTHS) - 1, "section")


def _label(tab: Tab, row: int, text: str) -> None:
    """Write a label in column A, wrapped onto two lines when it is too long for one."""
    if len(text) > LABEL_CHARS:
        tab.put(row, 0, text, "wrap")
        tab.row_heights[row] = 30
    else:
        tab.put(row, 0, text, "text")


def _header(tab: Tab, row: int, headers: list[str]) -> None:
    tab.put_row(row, 0, headers)
    tab.style(row, 0, row, len(headers) - 1, "header")


def _section_to_complete(tab: Tab, row: int, title: str, headers: list[str]) -> int:
    """Write a section with a header row and one row for the school to complete; return the next section's row."""
    tab.put(row, 0, title, "section")
    _header(tab, row + 1, headers)
    tab.put_row(row + 2, 0, [TO_COMPLETE] * len(headers))
    tab.style(row + 2, 0, row + 2, len(headers) - 1, "note")
    return row + 4


def _overview(tab: Tab, row: int, result: RefreshResult) -> int:
    money = result.money
    _section(tab, row, "School overview")
    _header(tab, row + 1, ["Detail", "Data"])
    on_roll, pp = money.pupils_on_roll, money.pp_on_roll
    share = f"{100.0 * pp / on_roll:.1f}% ({pp} of {on_roll} pupils)" if on_roll else "no pupils on roll"
    lines = [
        ("School name", result.settings.school),
        ("Number of pupils in school", on_roll),
        ("Proportion (%) of pupil premium eligible pupils", share),
        ("Academic year/years that our current pupil premium strategy plan covers",
         f"{TO_COMPLETE} (this workbook covers {money.academic.label})"),
        ("Date this statement was published", TO_COMPLETE),
        ("Date on which it will be reviewed", TO_COMPLETE),
        ("Statement authorised by", TO_COMPLETE),
        ("Pupil premium lead", TO_COMPLETE),
        ("Governor / Trustee lead", TO_COMPLETE),
    ]
    for offset, (label, value) in enumerate(lines, start=2):
        _label(tab, row + offset, label)
        tab.put(row + offset, 1, value, "note" if str(value).startswith(TO_COMPLETE) else "text")
    tab.style(row + 3, 1, row + 3, 1, "integer")
    return row + len(lines) + 1


def _funding_overview(tab: Tab, row: int, money: MoneyFigures) -> int:
    _section(tab, row, "Funding overview")
    _header(tab, row + 1, ["Detail", "Amount", "Where the figure comes from"])
    if not money.has_funding:
        tab.put(row + 2, 0, f"No {c.FUNDING_TABLE} table in this workbook, so no funding figures are shown.", "note")
        return row + 2
    base = money.received if money.budget_from_received else money.expected
    if money.budget_from_received:
        origin = f"Received, typed on Settings ({money.year.label})"
    else:
        origin = f"Expected from the register ({money.year.label})"
    lines = [
        ("Pupil premium funding allocation this academic year", base, origin),
        ("Pupil premium funding carried forward from previous years (enter £0 if not applicable)",
         money.carried_forward or 0.0, _typed_source(money.carried_forward)),
        ("Other funding in this strategy", money.other_funding or 0.0, _typed_source(money.other_funding)),
        ("Total budget for this academic year", money.budget, "The three rows above"),
    ]
    for offset, (label, value, source) in enumerate(lines, start=2):
        _label(tab, row + offset, label)
        tab.put(row + offset, 1, _money(value), "money")
        tab.put(row + offset, 2, source, "note")
    row += len(lines) + 1
    if not money.budget_from_received:
        row += 1
        tab.put(row, 0, f"Type the amount received on Settings ('{c.SETTING_PP_RECEIVED}') to use it here.",
                "note")
    return row


def _part_a(tab: Tab, row: int, money: MoneyFigures) -> int:
    _section(tab, row, "Part A: Pupil premium strategy plan")
    tab.put(row + 1, 0, "Statement of intent", "section")
    tab.put(row + 2, 0, TO_COMPLETE, "note")
    row += 4
    tab.put(row, 0, "Challenges", "section")
    _header(tab, row + 1, ["Challenge number", "Detail of challenge"])
    for number in (1, 2, 3):
        tab.put_row(row + 1 + number, 0, [number, TO_COMPLETE])
        tab.style(row + 1 + number, 1, row + 1 + number, 1, "note")
    row += 6
    row = _section_to_complete(tab, row, "Intended outcomes", ["Intended outcome", "Success criteria"])

    period = money.academic
    tab.put(row, 0, f"Activity in this academic year ({period.label})", "section")
    tab.put(row + 1, 0, f"PP-funded support on the Support sheet with days from {_long_date(period.start)} to "
                        f"{_long_date(period.end)}, costed as on Spend & impact.", "note")
    row += 2
    activities = money.activities
    tiers = [t for t in TIER_ROWS if t != NO_TIER or (activities["tier"] == NO_TIER).any()]
    budgeted = dict(zip(money.academic_tiers["tier"], money.academic_tiers["committed"]))
    for tier in tiers:
        row += 1
        _section(tab, row, TIER_EXAMPLES[tier])
        cost = _money(budgeted.get(tier, 0.0)) if money.has_funding else None
        tab.put(row + 1, 0, f"Budgeted cost: £{cost:,.2f}" if cost is not None else "Budgeted cost: no figures",
                "text")
        _header(tab, row + 2, ["Activity", "Evidence that supports this approach", "Challenge number(s) addressed",
                               "Cost (£)"])
        row += 3
        mine = activities[activities["tier"] == tier]
        if mine.empty:
            tab.put(row, 0, "No PP-funded support recorded under this heading.", "note")
            row += 1
            continue
        for line in mine.itertuples():
            evidence = TO_COMPLETE
            if _present(line.strand):
                checked = f", checked {line.strand_date:%d/%m/%Y}" if _present(line.strand_date) else ""
                months = _months(line.strand_months)
                evidence = f"EEF Toolkit: {line.strand}" + (f", {months}" if months else "") + checked
            pupils = "1 pupil" if line.pupils == 1 else f"{line.pupils} pupils"
            cost = None
            if money.has_funding:
                cost = _money(line.committed) if line.costed else NO_COST
            tab.put_row(row, 0, [f"{line.provision} ({pupils})", evidence, TO_COMPLETE, cost])
            tab.style(row, 1, row, 1, "note" if evidence == TO_COMPLETE else "text")
            tab.style(row, 2, row, 2, "note")
            tab.style(row, 3, row, 3, "money")
            row += 1
    total = float(money.academic_tiers["committed"].sum())
    _section(tab, row + 1, "Total budgeted cost")
    tab.put(row + 1, 1, f"£{total:,.2f}" if money.has_funding else "no figures", "section")
    return row + 1


def _part_b(tab: Tab, row: int, result: RefreshResult) -> int:
    s = result.settings
    money = result.money
    _section(tab, row, "Part B: Review of the previous academic year")
    tab.put(row + 1, 0, "Outcomes for disadvantaged pupils", "section")
    final = s.points[-1]
    tab.put(row + 2, 0, f"On track at {final} {s.academic_year}, the final assessment point in this workbook. "
                        "For last year's outcomes, refresh last year's workbook.", "note")
    _header(tab, row + 3, ["Subject", "Disadvantaged pupils on track", "Other pupils on track", "Gap (pp)"])
    figures = {
        (r.subject, r.group): (r.on_track, r.assessed)
        for r in result.attainment.itertuples()
        if r.point == final and r.scope == c.WHOLE_SCHOOL
    }
    gaps = {g.subject: g.gap_points for g in result.gaps.itertuples()
            if g.point == final and g.scope == c.WHOLE_SCHOOL}
    subjects = list(dict.fromkeys(result.attainment["subject"]))
    row += 4
    for subject in subjects:
        pp, others = figures.get((subject, PP), (0, 0)), figures.get((subject, NON_PP), (0, 0))
        gap = gaps.get(subject)
        tab.put_row(row, 0, [subject, count_text(*pp, s.small_group), count_text(*others, s.small_group),
                             None if gap is None or pd.isna(gap) else round(float(gap), 1)])
        tab.style(row, 3, row, 3, "gap")
        row += 1
    if not any(assessed for _, assessed in figures.values()):
        tab.put(row, 0, f"No grades at {final} yet.", "note")
        row += 1
    on_track_codes = [g.code for g in s.scale.grades.values() if g.on_track]
    tab.put(row, 0, "How performance was assessed", "text")
    tab.put(row, 1, f"Teacher assessment at each point; on track means {' or '.join(on_track_codes)}.", "text")
    tab.put(row + 1, 0, "Commentary on outcomes", "text")
    tab.put(row + 1, 1, TO_COMPLETE, "note")
    row += 3

    row = _section_to_complete(tab, row, "Externally provided programmes", ["Programme", "Provider"])

    tab.put(row, 0, "Service pupil premium funding (optional)", "section")
    cost = f"£{money.service_support_cost:,.2f}" if money.has_funding else "no figures"
    tab.put(row + 1, 0, f"Service pupils on roll: {money.service_on_roll}. Support recorded for them on the "
                        f"Support sheet: {cost}.", "note")
    questions = ("How did you spend your service pupil premium allocation last academic year?",
                 "What was the impact of that spending on service pupil premium eligible pupils?")
    for offset, question in enumerate(questions, start=2):
        _label(tab, row + offset, question)
        tab.put(row + offset, 1, TO_COMPLETE, "note")
    row += len(questions) + 3
    tab.put(row, 0, "Further information (optional)", "section")
    tab.put(row + 1, 0, TO_COMPLETE, "note")
    return row + 1
