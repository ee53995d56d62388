"""Pupil Premium money and impact: budget, spend by tier and what each provision did.

Spend rules, in one place because the tab notes and docs/workbook.md repeat them:

- A support row's cost is spread evenly over its days from Start to End
  (both included), so a row that crosses 31 March is split between two
  financial years (April to March).
- Committed: the part of the cost of PP-funded rows that falls in the
  period, whether the days have come yet or not.
- Spent: the part of the committed cost for days up to and including the
  refresh date.
- A row with only a Start (or only an End) has its whole cost on that day.
  A row with a cost but no dates counts as committed in the period shown,
  never as spent, and is reported.
- When the register's Left column contains a date before the End, the support
  ends on that date: the cost of the later days is not counted, and the
  provision's average weeks stop there too.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from types import SimpleNamespace

import pandas as pd

from .. import contract as c
from .issues import IssueLog
from .register import _category as parse_category
from .settings import Settings, _number
from .support import parse_cost, parse_date, point_date
from .tables import RawTable, display, fold

NO_TIER = "Tier not set"
TIER_ROWS = (*c.TIERS, NO_TIER)

ALLOCATION_COLUMNS = ["category", "pupils", "rate", "expected", "rate_year", "source"]
TIER_COLUMNS = ["tier", "committed", "spent"]
PROVISION_COLUMNS = [
    "provision", "tier", "area", "pp_funded", "pupils", "pp_pupils", "weeks", "total_cost",
    "costed_pupils", "cost_per_pupil", "moved", "still_below", "already_on_track", "not_measured",
    "left_early", "strand", "strand_months", "strand_date", "strand_source", "rows", "rows_without_cost",
]
# ``costed`` is False when every row of the provision has a blank cost, so
# its committed £0 is shown as "no cost typed" rather than as a figure.
ACTIVITY_COLUMNS = ["tier", "provision", "pupils", "committed", "costed", "strand", "strand_months",
                    "strand_date", "strand_source"]
# Long text sits in the wide columns B to D of the tab, and the UPN last so
# it can run into the empty cells beside it.
PUPIL_LIST_COLUMNS = ["Pupil", "Category", "SEN", "Class", "Year", "UPN"]
ACTION_COLUMNS = ["Pupil", "Not on track in", "Last PP-funded support", "Other support in place",
                  "Last support ended", "Class", "Year", "UPN"]


@dataclass(frozen=True)
class Period:
    """A span of days, both ends included, with the label staff use for it."""

    start: date
    end: date
    label: str

    def days_within(self, first: date, last: date) -> int:
        """Return how many days from ``first`` to ``last`` fall in this period."""
        low, high = max(first, self.start), min(last, self.end)
        return max(0, (high - low).days + 1)


def financial_year(start_year: int) -> Period:
    """Return the English financial year that starts on 1 April of ``start_year``."""
    return Period(date(start_year, 4, 1), date(start_year + 1, 3, 31),
                  f"{start_year}-{(start_year + 1) % 100:02d}")


def academic_year(label: str, today: date) -> Period:
    """Return 1 September to 31 August of an academic year such as '2025/26'."""
    match = re.match(r"\s*(\d{4})", label or "")
    if match:
        start_year = int(match.group(1))
    else:
        start_year = today.year if today.month >= 9 else today.year - 1
    return Period(date(start_year, 9, 1), date(start_year + 1, 8, 31),
                  f"{start_year}/{(start_year + 1) % 100:02d}")


def parse_financial_year(value: object) -> int | None:
    """Return the starting year of '2025-26', '2025/26', '2025 to 2026' or 2025, else None."""
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return int(value) if float(value).is_integer() and 2000 <= value <= 2100 else None
    text = fold(value).replace("fy", "").strip()
    match = re.fullmatch(r"(\d{4})(?:\s*(?:-|/|to)\s*(\d{2}|\d{4}))?", text)
    if not match:
        return None
    start = int(match.group(1))
    if match.group(2):
        end = int(match.group(2))
        if end % 100 != (start + 1) % 100:
            return None
    return start if 2000 <= start <= 2100 else None


@dataclass
class MoneyFigures:
    """Every money and impact figure the Spend & impact and Strategy statement tabs show.

    Amounts are pounds, unrounded. ``has_funding`` is False when the
    workbook has no Funding table, and then no money figure is filled in.
    """

    has_funding: bool
    has_strands: bool
    year: Period
    academic: Period
    today: date
    allocation: pd.DataFrame
    expected: float | None
    received: float | None
    carried_forward: float | None  # None when not typed on Settings; the budget counts it as £0
    other_funding: float | None
    budget: float | None
    budget_from_received: bool
    tiers: pd.DataFrame
    academic_tiers: pd.DataFrame
    activities: pd.DataFrame
    pp_on_roll: int
    pupils_on_roll: int
    service_on_roll: int
    service_support_cost: float
    provisions: pd.DataFrame
    no_support: pd.DataFrame
    action: pd.DataFrame
    categories_without_rate: list[str] = field(default_factory=list)

    @property
    def committed(self) -> float:
        return float(self.tiers["committed"].sum())

    @property
    def spent(self) -> float:
        return float(self.tiers["spent"].sum())

    @property
    def difference(self) -> float | None:
        """Return received minus expected, or None when either is unknown."""
        if self.received is None or self.expected is None:
            return None
        return self.received - self.expected


def money_figures(
    *,
    settings_table: RawTable,
    funding_table: RawTable | None,
    strands_table: RawTable | None,
    pupils_table: RawTable,
    support_table: RawTable,
    pupils: pd.DataFrame,
    support: pd.DataFrame,
    grades: pd.DataFrame,
    settings: Settings,
    today: date,
    issues: IssueLog,
) -> MoneyFigures:
    """Compute the budget, spend and impact figures, reporting bad cells as Data issues."""
    academic = academic_year(settings.academic_year, today)
    year = _budget_year(settings_table, academic, issues)
    received = _money_setting(settings_table, c.SETTING_PP_RECEIVED, issues)
    carried = _money_setting(settings_table, c.SETTING_CARRIED_FORWARD, issues)
    other = _money_setting(settings_table, c.SETTING_OTHER_FUNDING, issues)

    for name, table in ((c.FUNDING_TABLE, funding_table), (c.STRANDS_TABLE, strands_table)):
        if table is None:
            left_off = "money figures" if name == c.FUNDING_TABLE else "EEF Toolkit evidence"
            issues.add(c.SETTINGS_SHEET, "", None, f"The table '{name}' was not found.",
                       f"Left the {left_off} off the {c.SPEND_SHEET} and {c.STRATEGY_SHEET} tabs. "
                       f"Copy the {name} table from a fresh pptracker.xlsm onto the Settings sheet.")

    on_roll = pupils[~pupils["left"]] if not pupils.empty else pupils
    rates = _funding_rates(funding_table, year, issues) if funding_table is not None else {}
    allocation, missing_rates = _allocation(on_roll, rates)
    has_funding = funding_table is not None
    expected = float(sum(v for v in allocation["expected"] if v is not None)) if has_funding else None
    base = received if received is not None else expected
    budget = None if base is None or not has_funding else base + (carried or 0.0) + (other or 0.0)

    strands = _strands(strands_table, issues) if strands_table is not None else []
    rows = _costed_rows(support_table, pupils_table, pupils, support, year, issues)
    tiers = _spend_by_tier(rows, year, today)
    academic_rows = _costed_rows(support_table, pupils_table, pupils, support, academic, IssueLog())
    academic_tiers = _spend_by_tier(academic_rows, academic, today)
    activities = _activities(academic_rows, academic, today, strands, pupils)

    disadvantaged = on_roll[on_roll["disadvantaged"]] if not on_roll.empty else on_roll
    service = on_roll[on_roll["category"] == c.SERVICE_CATEGORY] if not on_roll.empty else on_roll
    service_upns = set(service["upn"]) if not service.empty else set()
    service_cost = sum(r.cost for r in rows.itertuples() if r.upn in service_upns and _has_cost(r.cost))

    return MoneyFigures(
        has_funding=has_funding,
        has_strands=strands_table is not None,
        year=year,
        academic=academic,
        today=today,
        allocation=allocation,
        expected=expected,
        received=received,
        carried_forward=carried,
        other_funding=other,
        budget=budget,
        budget_from_received=received is not None,
        tiers=tiers,
        academic_tiers=academic_tiers,
        activities=activities,
        pp_on_roll=len(disadvantaged),
        pupils_on_roll=len(on_roll),
        service_on_roll=len(service),
        service_support_cost=service_cost,
        provisions=_provisions(rows, pupils, grades, settings, today, strands),
        no_support=_no_support(disadvantaged, support),
        action=_action_list(disadvantaged, grades, support, settings, today),
        categories_without_rate=missing_rates,
    )


# --- Settings and the two reference tables -------------------------------------------------


def _setting(table: RawTable, name: str) -> tuple[object, str] | None:
    """Return (value, cell) of a key-value setting, or None when the row is absent."""
    frame = table.frame()
    for _, row in frame.iterrows():
        if fold(row.iloc[0]) == fold(name):
            return row.iloc[1], table.cell(row["_row"], table.header[1])
    return None


def _budget_year(table: RawTable, academic: Period, issues: IssueLog) -> Period:
    found = _setting(table, c.SETTING_FINANCIAL_YEAR)
    default = financial_year(academic.start.year)
    if found is None or found[0] is None:
        return default
    value, cell = found
    start = parse_financial_year(value)
    if start is None:
        issues.add(c.SETTINGS_SHEET, cell, display(value),
                   "The financial year must look like 2025-26 (April 2025 to March 2026).",
                   f"Used {default.label}, the financial year the academic year starts in.")
        return default
    return financial_year(start)


def _money_setting(table: RawTable, name: str, issues: IssueLog) -> float | None:
    found = _setting(table, name)
    if found is None or found[0] is None:
        return None
    value, cell = found
    amount = parse_cost(value)
    if amount is None or amount < 0:
        issues.add(c.SETTINGS_SHEET, cell, display(value), f"'{name}' must be an amount in pounds, 0 or more.",
                   "Treated it as blank. Type a number such as 45000.")
        return None
    return amount


def _funding_rates(table: RawTable, year: Period, issues: IssueLog) -> dict[str, tuple[float, str, str]]:
    """Return {category: (rate, financial year label, source)} for the budget year.

    A category with no row for that year falls back to its latest earlier
    year, and the fallback is reported so the school adds the new rate.
    """
    by_category: dict[str, dict[int, tuple[float, str, str]]] = {}
    for _, row in table.frame().iterrows():
        index = row["_row"]
        category = parse_category(row["Category"])
        if category is None:
            issues.add(c.SETTINGS_SHEET, table.cell(index, "Category"), display(row["Category"]),
                       "The funding category must be FSM/Ever 6, LAC, PLAC or Service.",
                       "Left this rate out of the expected allocation.")
            continue
        rate = parse_cost(row["Rate per pupil (£)"])
        if rate is None or rate < 0:
            issues.add(c.SETTINGS_SHEET, table.cell(index, "Rate per pupil (£)"),
                       display(row["Rate per pupil (£)"]), "The rate must be an amount in pounds, 0 or more.",
                       "Left this rate out of the expected allocation.")
            continue
        start = parse_financial_year(row["Financial year"])
        if start is None:
            issues.add(c.SETTINGS_SHEET, table.cell(index, "Financial year"), display(row["Financial year"]),
                       "The financial year must look like 2025-26.", "Left this rate out of the expected allocation.")
            continue
        years = by_category.setdefault(category, {})
        if start in years:
            issues.add(c.SETTINGS_SHEET, table.cell(index, "Category"), category,
                       f"{category} has two rates for {financial_year(start).label}.", "Used the first one.")
            continue
        source = "" if row["Source"] is None else str(row["Source"])
        years[start] = (rate, financial_year(start).label, source)

    rates = {}
    carried_over = []
    budget_start = year.start.year
    for category, years in by_category.items():
        if budget_start in years:
            rates[category] = years[budget_start]
            continue
        earlier = [y for y in years if y < budget_start]
        if not earlier:
            continue
        rate, label, source = years[max(earlier)]
        carried_over.append(f"{category} (£{rate:,.0f}, {label})")
        rates[category] = (rate, label, source)

    # One row for the whole table: a new financial year leaves every rate out of date at once.
    if carried_over:
        issues.add(c.SETTINGS_SHEET, table.cell(-1, "Financial year"), year.label,
                   f"The Funding table has no rates for {year.label}.",
                   f"Used the latest earlier rates: {', '.join(carried_over)}. "
                   f"Add rows for {year.label} when the DfE publishes them.")
    return rates


def _allocation(on_roll: pd.DataFrame, rates: dict[str, tuple[float, str, str]]) -> tuple[pd.DataFrame, list[str]]:
    """Return pupils on roll per PP category times the rate, and the categories with no rate."""
    counted = on_roll[on_roll["pp_flag"]] if not on_roll.empty else on_roll
    counts = Counter(counted["category"]) if not counted.empty else Counter()
    records, missing = [], []
    for category in c.PP_CATEGORIES:
        pupils = counts.get(category, 0)
        rate, label, source = rates.get(category, (None, None, None))
        if rate is None and pupils:
            missing.append(category)
        expected = pupils * rate if rate is not None else None
        records.append([category, pupils, rate, expected, label, source])
    return pd.DataFrame(records, columns=ALLOCATION_COLUMNS), missing


@dataclass(frozen=True)
class Strand:
    name: str
    key: str
    months: float | None
    checked: date | None
    source: str


def _match_key(text: object) -> str:
    """Return text folded for strand matching: hyphens and underscores read as spaces."""
    return re.sub(r"\s+", " ", re.sub(r"[-_/]", " ", fold(text))).strip()


def _strands(table: RawTable, issues: IssueLog) -> list[Strand]:
    strands = []
    for _, row in table.frame().iterrows():
        if row["Strand"] is None:
            continue
        index = row["_row"]
        months = _number(row["Months of progress"]) if row["Months of progress"] is not None else None
        if row["Months of progress"] is not None and months is None:
            issues.add(c.SETTINGS_SHEET, table.cell(index, "Months of progress"),
                       display(row["Months of progress"]), "Months of progress must be a number such as 4 or -1.",
                       "Showed the strand without a figure.")
        checked = parse_date(row["Date"])
        if row["Date"] is not None and checked is None:
            issues.add(c.SETTINGS_SHEET, table.cell(index, "Date"), display(row["Date"]), "This is not a date.",
                       "Showed the strand without a date. Type it as dd/mm/yyyy.")
        source = "" if row["Source"] is None else str(row["Source"])
        strands.append(Strand(str(row["Strand"]), _match_key(row["Strand"]), months, checked, source))
    # Longest names first, so "One to one tuition" wins over a shorter strand inside it.
    return sorted(strands, key=lambda s: len(s.key), reverse=True)


def match_strand(provision: object, strands: list[Strand]) -> Strand | None:
    """Return the strand whose name appears in the provision's name, longest name first."""
    key = _match_key(provision)
    return next((s for s in strands if s.key and s.key in key), None)


# --- Costs spread over days ----------------------------------------------------------------


COSTED_COLUMNS = ["upn", "provision", "key", "area", "tier", "pp_funded", "first", "last", "cost",
                  "dated", "left_on", "entry_grade", "exit_grade", "start", "end"]


def _leaving_dates(pupils_table: RawTable, pupils: pd.DataFrame) -> dict[str, date | None]:
    """Return {UPN: leaving date} for leavers; the date is None when Left contains no date."""
    if pupils.empty:
        return {}
    raw = pupils_table.frame().set_index("_row")["Left"]
    return {p.upn: parse_date(raw.get(p.row)) for p in pupils.itertuples() if p.left}


def _costed_rows(support_table: RawTable, pupils_table: RawTable, pupils: pd.DataFrame,
                 support: pd.DataFrame, period: Period, issues: IssueLog) -> pd.DataFrame:
    """Return each support row with the days its cost is spread over.

    ``first`` and ``last`` are the days the cost covers after a leaver's
    support is cut short; ``dated`` is False for a row with no dates.
    Blank costs on PP-funded rows and support starting after the pupil
    left are reported here.
    """
    leaving = _leaving_dates(pupils_table, pupils)
    raw = support_table.frame().set_index("_row") if not support.empty else None
    records = []
    for row in support.itertuples():
        # A typed value that did not parse, or an Excel error read as blank,
        # was reported when the list was read, so it is not reported again.
        typed = {header: raw.at[row.row, header] is not None for header in ("Start", "End", "Cost (£)")}
        cell = support_table.cell(row.row, "Cost (£)")
        reported = any(issue.sheet == support_table.sheet and issue.cell == cell for issue in issues.items)
        cost = None if row.cost is None or pd.isna(row.cost) else float(row.cost)
        if cost is None and row.pp_funded and not typed["Cost (£)"] and not reported:
            issues.add(c.SUPPORT_SHEET, cell, None, "This PP-funded support has no cost.",
                       "Counted it as £0 in the spend. Type the cost, or 0 if it is free.")
        start, end = row.start, row.end
        first, last = start or end, end or start
        dated = first is not None
        left_on = leaving.get(row.upn)
        if dated and left_on is not None and left_on < last:
            if left_on < first:
                issues.add(c.SUPPORT_SHEET, support_table.cell(row.row, "Start"), display(start or end),
                           f"This support starts after the pupil left on {left_on:%d/%m/%Y}.",
                           "Left its cost out of the spend.")
                cost = 0.0 if cost is not None else None
            elif cost is not None:
                cost *= ((left_on - first).days + 1) / ((last - first).days + 1)
            last = max(first, left_on)
        if not dated and cost and row.pp_funded and not typed["Start"] and not typed["End"]:
            issues.add(c.SUPPORT_SHEET, support_table.cell(row.row, "Start"), None,
                       "This PP-funded support has a cost but no start or end date.",
                       f"Counted the cost as committed in {period.label}, not as spent. Type the dates.")
        records.append({
            "upn": row.upn, "provision": row.provision, "key": fold(row.provision), "area": row.area,
            "tier": row.tier or NO_TIER, "pp_funded": bool(row.pp_funded), "first": first, "last": last,
            "cost": cost, "dated": dated, "left_on": left_on, "entry_grade": row.entry_grade,
            "exit_grade": row.exit_grade, "start": start, "end": end,
        })
    return pd.DataFrame(records, columns=COSTED_COLUMNS)


def _has_cost(value: object) -> bool:
    return value is not None and not pd.isna(value)


def _share(row, period: Period, until: date | None = None) -> float:
    """Return the part of a row's cost that falls in the period, up to ``until``."""
    if not _has_cost(row.cost):
        return 0.0
    if not row.dated:
        return float(row.cost) if until is None else 0.0
    last = row.last if until is None else min(row.last, until)
    if last < row.first:
        return 0.0
    total_days = (row.last - row.first).days + 1
    return float(row.cost) * period.days_within(row.first, last) / total_days


def _spend_by_tier(rows: pd.DataFrame, period: Period, today: date) -> pd.DataFrame:
    committed = dict.fromkeys(TIER_ROWS, 0.0)
    spent = dict.fromkeys(TIER_ROWS, 0.0)
    funded = rows[rows["pp_funded"]] if not rows.empty else rows
    for row in funded.itertuples():
        committed[row.tier] += _share(row, period)
        spent[row.tier] += _share(row, period, until=today)
    return pd.DataFrame([[t, committed[t], spent[t]] for t in TIER_ROWS], columns=TIER_COLUMNS)


def _activities(rows: pd.DataFrame, period: Period, today: date, strands: list[Strand],
                pupils: pd.DataFrame) -> pd.DataFrame:
    """Return the PP-funded provisions with spend in the period, by tier, for the strategy statement."""
    funded = rows[rows["pp_funded"]] if not rows.empty else rows
    records = []
    for key, group in funded.groupby("key", sort=False):
        committed = sum(_share(r, period) for r in group.itertuples())
        in_period = [r for r in group.itertuples() if not r.dated or period.days_within(r.first, r.last)]
        if not in_period:
            continue
        strand = match_strand(group["provision"].iloc[0], strands)
        costed = any(_has_cost(r.cost) for r in in_period)
        records.append([_most_common(group["tier"]), group["provision"].iloc[0],
                        len({r.upn for r in in_period}), committed, costed, *_strand_fields(strand)])
    frame = pd.DataFrame(records, columns=ACTIVITY_COLUMNS)
    order = {tier: i for i, tier in enumerate(TIER_ROWS)}
    return frame.sort_values(["tier", "committed"], key=lambda s: s.map(order) if s.name == "tier" else -s,
                             kind="stable").reset_index(drop=True)


def _strand_fields(strand: Strand | None) -> list[object]:
    if strand is None:
        return [None, None, None, None]
    return [strand.name, strand.months, strand.checked, strand.source]


def _most_common(values: pd.Series) -> str:
    counts = Counter(values)
    return max(counts, key=lambda v: (counts[v], -list(values).index(v)))


# --- Impact of each provision --------------------------------------------------------------


def _assessment_dates(settings: Settings, today: date) -> dict[str, date]:
    """Return the date each term-named point is taken as assessed: the end of its term or half-term.

    A point not named after a term (Autumn, Spring, Summer) has no date, so
    the points either side of a provision cannot be found for it.
    """
    dates = {}
    for point in settings.points:
        if fold(point)[:3] in ("aut", "spr", "sum"):
            dates[point] = point_date(point, settings.academic_year, today)
    return dates


def _subjects_named(area: object, settings: Settings) -> list[str]:
    return [s for s in settings.subjects if area is not None and fold(s) in fold(area)]


def _on_track_at(grades_by_key: dict, upn: str, point: str | None, subjects: list[str]) -> bool | None:
    """Return whether the pupil is on track in every subject at the point, or None when a grade is missing."""
    if point is None or not subjects:
        return None
    flags = [grades_by_key.get((upn, point, s)) for s in subjects]
    if any(flag is None for flag in flags):
        return None
    return all(flags)


def _outcome(pupil, grades_by_key: dict, dates: dict[str, date], settings: Settings, today: date) -> str:
    """Return 'moved', 'still_below', 'already_on_track', 'not_measured' or 'left_early'.

    Each side uses the typed grade when there is one, else the pupil's
    grades at the assessment point before the start (or the first point
    on or after the end) in the subjects the Subject or area names.
    """
    left_early = pupil.left and (pupil.left_on is None or pupil.end is None or pupil.left_on < pupil.end)
    if left_early and pupil.exit_grade is None:
        return "left_early"
    scale = settings.scale.grades
    subjects = _subjects_named(pupil.area, settings)
    current = settings.points.index(settings.current_point)
    known = [p for p in settings.points[:current + 1] if p in dates]

    if pupil.entry_grade is not None:
        before = scale[pupil.entry_grade].on_track
    else:
        start = pupil.start or pupil.end
        earlier = [p for p in known if start is not None and dates[p] <= start]
        before = _on_track_at(grades_by_key, pupil.upn, earlier[-1] if earlier else None, subjects)
    if pupil.exit_grade is not None:
        after = scale[pupil.exit_grade].on_track
    else:
        end = pupil.end or pupil.start
        later = [p for p in known if end is not None and dates[p] >= end]
        after = _on_track_at(grades_by_key, pupil.upn, later[0] if later else None, subjects)

    if before is True:
        return "already_on_track"
    if before is None or after is None:
        return "not_measured"
    return "moved" if after else "still_below"


def _provisions(rows: pd.DataFrame, pupils: pd.DataFrame, grades: pd.DataFrame, settings: Settings,
                today: date, strands: list[Strand]) -> pd.DataFrame:
    """Return one row per provision: pupils, weeks, cost and impact, largest cost first."""
    if rows.empty:
        return pd.DataFrame(columns=PROVISION_COLUMNS)
    grades_by_key = {(g.upn, g.point, g.subject): bool(g.on_track) for g in grades.itertuples()}
    dates = _assessment_dates(settings, today)
    disadvantaged = set(pupils.loc[pupils["disadvantaged"], "upn"]) if not pupils.empty else set()
    leavers = set(pupils.loc[pupils["left"], "upn"]) if not pupils.empty else set()
    records = []
    for key, group in rows.groupby("key", sort=False):
        outcomes = Counter()
        for upn, mine in group.groupby("upn", sort=False):
            # Two rows for one pupil (two blocks) count once, from the first start to the last end.
            pupil = SimpleNamespace(
                upn=upn, area=_first_value(mine["area"]),
                start=_min_date(mine["start"]), end=_max_date(mine["end"]),
                entry_grade=_first_value(mine["entry_grade"]),
                exit_grade=_first_value(mine["exit_grade"][::-1]),
                left=upn in leavers, left_on=mine["left_on"].iloc[0],
            )
            outcomes[_outcome(pupil, grades_by_key, dates, settings, today)] += 1
        costs = [r.cost for r in group.itertuples() if _has_cost(r.cost)]
        costed_pupils = len({r.upn for r in group.itertuples() if _has_cost(r.cost)})
        total = float(sum(costs)) if costs else None
        per_pupil = None
        if total is not None and costed_pupils:
            per_pupil = total / costed_pupils
        weeks = [_weeks(r) for r in group.itertuples() if r.start and r.end and _ran(r)]
        funded = _funded_text(set(group["pp_funded"]))
        strand = match_strand(group["provision"].iloc[0], strands)
        records.append([
            group["provision"].iloc[0], _most_common(group["tier"]),
            # pandas stores a blank area beside text as NaN, which is truthy, so test for text.
            ", ".join(dict.fromkeys(a for a in group["area"] if isinstance(a, str) and a)) or None,
            funded,
            group["upn"].nunique(), len(set(group["upn"]) & disadvantaged),
            sum(weeks) / len(weeks) if weeks else None,
            total, costed_pupils, per_pupil,
            outcomes["moved"], outcomes["still_below"], outcomes["already_on_track"],
            outcomes["not_measured"], outcomes["left_early"], *_strand_fields(strand),
            len(group), len(group) - len(costs),
        ])
    frame = pd.DataFrame(records, columns=PROVISION_COLUMNS)
    return frame.sort_values("total_cost", ascending=False, na_position="last", kind="stable").reset_index(drop=True)


def _ran(row) -> bool:
    """Return False for support that starts after the pupil left, which never took place."""
    return row.left_on is None or pd.isna(row.left_on) or row.left_on >= row.first


def _weeks(row) -> float:
    """Return the weeks from Start to End, both included, stopping at a leaver's Left date."""
    return ((row.last - row.first).days + 1) / 7


def _funded_text(flags: set[bool]) -> str:
    """Return Y when every row is PP funded, N when none is, and Some otherwise."""
    if flags == {True}:
        return "Y"
    if flags == {False}:
        return "N"
    return "Some"


def _min_date(values: pd.Series) -> date | None:
    dates = [v for v in values if v is not None and not pd.isna(v)]
    return min(dates) if dates else None


def _max_date(values: pd.Series) -> date | None:
    dates = [v for v in values if v is not None and not pd.isna(v)]
    return max(dates) if dates else None


def _first_value(values: pd.Series) -> object:
    return next((v for v in values if v is not None and not pd.isna(v)), None)


# --- Pupil lists ---------------------------------------------------------------------------


def _pupil_record(pupil) -> dict:
    return {"Pupil": pupil.name, "UPN": pupil.upn, "Year": pupil.year, "Class": pupil.class_name,
            "Category": pupil.category, "SEN": pupil.sen if pupil.sen != "N" else ""}


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    if frame.empty:
        return frame
    frame = frame.assign(_year=frame["Year"].map(c.YEARS.index))
    return frame.sort_values(["_year", "Class", "Pupil"], kind="stable").drop(columns="_year").reset_index(drop=True)


def _no_support(disadvantaged: pd.DataFrame, support: pd.DataFrame) -> pd.DataFrame:
    """Return PP pupils on roll with no row at all on the support list."""
    supported = set(support["upn"]) if not support.empty else set()
    rows = [_pupil_record(p) for p in disadvantaged.itertuples() if p.upn not in supported]
    return _sorted(pd.DataFrame(rows, columns=PUPIL_LIST_COLUMNS))


def _action_list(disadvantaged: pd.DataFrame, grades: pd.DataFrame, support: pd.DataFrame,
                 settings: Settings, today: date) -> pd.DataFrame:
    """Return PP pupils not on track at the current point with no PP-funded support in place or planned.

    Support counts as in place or planned when it has no end date or ends
    on or after the refresh date.
    """
    now = grades[(grades["point"] == settings.current_point) & ~grades["on_track"].astype(bool)]
    behind = {upn: list(group["subject"]) for upn, group in now.groupby("upn")}
    order = {subject: i for i, subject in enumerate(settings.subjects)}
    # Grouped once: filtering the support list per pupil grew with the square of the pupils.
    support_by_pupil = dict(tuple(support.groupby("upn", sort=False))) if not support.empty else {}
    rows = []
    for pupil in disadvantaged.itertuples():
        if pupil.upn not in behind:
            continue
        mine = support_by_pupil.get(pupil.upn, support.iloc[0:0])
        current = mine[mine["end"].map(lambda d: d is None or d >= today)] if not mine.empty else mine
        if not current.empty and current["pp_funded"].any():
            continue
        funded = mine[mine["pp_funded"]] if not mine.empty else mine
        last, ended = None, None
        if not funded.empty:
            latest = funded.assign(_end=funded["end"].map(lambda d: d or date.min)).sort_values("_end").iloc[-1]
            last, ended = latest["provision"], latest["end"]
        running = current[current["start"].map(lambda d: d is None or d <= today)] if not current.empty else current
        subjects = sorted(behind[pupil.upn], key=lambda s: order.get(s, len(order)))
        rows.append({
            "Pupil": pupil.name, "Not on track in": ", ".join(subjects), "Last PP-funded support": last,
            "Other support in place": ", ".join(dict.fromkeys(running["provision"])) if not running.empty else None,
            "Last support ended": ended, "Class": pupil.class_name, "Year": pupil.year, "UPN": pupil.upn,
        })
    return _sorted(pd.DataFrame(rows, columns=ACTION_COLUMNS))
