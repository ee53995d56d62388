"""The refresh pipeline: input tables in, every figure the tabs show out."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

import pandas as pd

from .. import contract as c
from ..errors import MissingColumn, MissingTable
from . import attainment as a
from .cells import report_cell_problems
from .consolidate import consolidate, parse_heading
from .issues import IssueLog
from .money import MoneyFigures, money_figures
from .pupil_lists import not_on_track, pp_pupils
from .register import parse_pupils
from .settings import Settings, parse_settings
from .support import PupilMatcher, parse_log, parse_support
from .tables import RawTable, cell_name, fold

# Input tables, the sheet each normally sits on, and their columns.
INPUT_TABLES = {
    c.SETTINGS_TABLE: (c.SETTINGS_SHEET, c.SETTINGS_COLUMNS),
    c.POINTS_TABLE: (c.SETTINGS_SHEET, c.POINTS_COLUMNS),
    c.SUBJECTS_TABLE: (c.SETTINGS_SHEET, c.SUBJECTS_COLUMNS),
    c.GRADES_TABLE: (c.SETTINGS_SHEET, c.GRADES_COLUMNS),
    c.PUPILS_TABLE: (c.PUPILS_SHEET, c.PUPILS_COLUMNS),
    c.SUPPORT_TABLE: (c.SUPPORT_SHEET, c.SUPPORT_COLUMNS),
    c.LOG_TABLE: (c.LOG_SHEET, c.LOG_COLUMNS),
}

# Tables a workbook built before the money tabs does not have. Without them
# the refresh still runs, and a Data issues row names the missing table.
OPTIONAL_TABLES = {
    c.FUNDING_TABLE: (c.SETTINGS_SHEET, c.FUNDING_COLUMNS),
    c.STRANDS_TABLE: (c.SETTINGS_SHEET, c.STRANDS_COLUMNS),
}


@dataclass
class RefreshResult:
    settings: Settings
    pupils: pd.DataFrame
    grades: pd.DataFrame
    wellbeing: pd.DataFrame
    support: pd.DataFrame
    log: pd.DataFrame
    attainment: pd.DataFrame
    gaps: pd.DataFrame
    not_on_track: pd.DataFrame
    pp_pupils: pd.DataFrame
    issues: pd.DataFrame
    refreshed_at: datetime
    money: MoneyFigures | None = None


def conform(table: RawTable, columns: tuple[c.Column, ...], issues: IssueLog) -> RawTable:
    """Return the table with headers spelt as the contract spells them.

    Headers match whatever their case and spacing. A missing required column
    stops the refresh; a missing optional one is reported and read as blank.
    """
    by_fold = {fold(col.header): col.header for col in columns}
    header = [by_fold.get(fold(h), h) for h in table.header]
    for position, name in enumerate(header):
        if name and name in header[:position]:
            issues.add(table.sheet, cell_name(table.first_row - 1, table.first_col + position),
                       table.header[position], f"The heading '{name}' appears twice in the {table.name} table.",
                       "Read the first column of that name only. Rename or remove this one.")
    missing = [col for col in columns if col.header not in header]
    for col in missing:
        if col.required:
            raise MissingColumn(table.name, table.sheet, col.header)
        issues.add(table.sheet, table.cell(-1, table.header[-1]) if table.header else "",
                   None, f"The table '{table.name}' has no '{col.header}' column.",
                   f"Read '{col.header}' as blank for every row. Add the column back to use it.")
    header += [col.header for col in missing]
    rows = [list(row) + [None] * len(missing) for row in table.rows]
    return replace(table, header=header, rows=rows)


def run(tables: dict[str, RawTable], now: datetime) -> RefreshResult:
    """Compute every figure from the input tables.

    ``tables`` maps table names to tables, class tables included (their names
    start with ``Class_``). ``now`` is the refresh time, passed in so the
    same inputs always give the same output.
    """
    issues = IssueLog()
    tables = report_cell_problems(tables, issues)
    conformed = {}
    for name, (sheet, columns) in INPUT_TABLES.items():
        if name not in tables:
            raise MissingTable(name, sheet)
        conformed[name] = conform(tables[name], columns, issues)
    optional = {
        name: conform(tables[name], columns, issues) if name in tables else None
        for name, (sheet, columns) in OPTIONAL_TABLES.items()
    }

    settings = parse_settings(conformed, issues)
    pupils = parse_pupils(conformed[c.PUPILS_TABLE], settings, issues)
    class_tables = [
        table for name, table in sorted(tables.items())
        if name.startswith(c.CLASS_TABLE_PREFIX)
    ]
    grades, wellbeing = consolidate(class_tables, pupils, settings, issues)
    _report_unread_tables(tables, settings, issues)
    _report_pupils_without_class_rows(class_tables, pupils, conformed[c.PUPILS_TABLE], issues)
    matcher = PupilMatcher(pupils)
    support = parse_support(conformed[c.SUPPORT_TABLE], matcher, settings, issues)
    log = parse_log(conformed[c.LOG_TABLE], matcher, issues)

    today = now.date()
    results = a.outcomes(grades, pupils, settings)
    attainment = a.attainment(results, settings)
    gaps = a.gaps(attainment, settings)
    behind = not_on_track(pupils, grades, wellbeing, support, log, settings, today)
    pp_list = pp_pupils(pupils, grades, wellbeing, support, log, settings)
    money = money_figures(
        settings_table=conformed[c.SETTINGS_TABLE], funding_table=optional[c.FUNDING_TABLE],
        strands_table=optional[c.STRANDS_TABLE], pupils_table=conformed[c.PUPILS_TABLE],
        support_table=conformed[c.SUPPORT_TABLE], pupils=pupils, support=support, grades=grades,
        settings=settings, today=today, issues=issues,
    )

    return RefreshResult(
        settings=settings,
        pupils=pupils,
        grades=grades,
        wellbeing=wellbeing,
        support=support,
        log=log,
        attainment=attainment,
        gaps=gaps,
        not_on_track=behind,
        pp_pupils=pp_list,
        issues=issues.to_frame(),
        refreshed_at=now,
        money=money,
    )


def _report_unread_tables(tables: dict[str, RawTable], settings: Settings, issues: IssueLog) -> None:
    """Report tables that hold grade columns but are not named as class tables."""
    for name, table in sorted(tables.items()):
        if name in INPUT_TABLES or name.startswith(c.CLASS_TABLE_PREFIX):
            continue
        if any(parse_heading(str(h), settings) for h in table.header):
            issues.add(table.sheet, table.cell(-1, table.header[0]), name,
                       f"This table has grade columns but is named '{name}', so its grades are not read.",
                       f"Rename the table to start with '{c.CLASS_TABLE_PREFIX}' (Table Design > Table Name), "
                       "or run Set up class sheets.")


def _report_pupils_without_class_rows(
    class_tables: list[RawTable], pupils: pd.DataFrame, register: RawTable, issues: IssueLog
) -> None:
    """Report pupils on roll with a class whom no class sheet lists."""
    if not class_tables:
        return
    listed = set()
    for table in class_tables:
        upn_header = next((h for h in table.header if fold(h) == "upn"), None)
        if upn_header is None:
            continue
        position = table.header.index(upn_header)
        listed |= {str(row[position]).strip().upper() for row in table.rows
                   if len(row) > position and row[position] not in (None, "")}
    on_roll = pupils[~pupils["left"] & pupils["class_name"].notna()]
    for pupil in on_roll.itertuples():
        if pupil.upn not in listed:
            issues.add(register.sheet, register.cell(pupil.row, "UPN"), pupil.upn,
                       f"This pupil is not on any class sheet (class {pupil.class_name}).",
                       "Their grades cannot be typed yet. Run Set up class sheets.")


def to_json(result: RefreshResult) -> dict:
    """Return the figures as plain JSON types, percentages unrounded."""

    def records(frame: pd.DataFrame) -> list[dict]:
        cleaned = frame.astype(object).where(frame.notna(), None)
        return [
            {key: _plain(value) for key, value in row.items()}
            for row in cleaned.to_dict(orient="records")
        ]

    gaps = result.gaps.drop(columns=["small_group"]).rename(columns={})
    return {
        "school": result.settings.school,
        "academic_year": result.settings.academic_year,
        "current_point": result.settings.current_point,
        "refreshed_at": result.refreshed_at.isoformat(timespec="seconds"),
        "attainment": records(result.attainment),
        "gaps": records(gaps),
        "not_on_track": records(result.not_on_track),
        "issues": records(result.issues),
        "money": money_json(result.money, records) if result.money else None,
    }


def money_json(money: MoneyFigures, records) -> dict:
    """Return the money and impact figures as plain JSON types, amounts unrounded."""
    return {
        "has_funding": money.has_funding,
        "financial_year": money.year.label,
        "academic_year": money.academic.label,
        "allocation": records(money.allocation),
        "expected": money.expected,
        "received": money.received,
        "difference": money.difference,
        "carried_forward": money.carried_forward,
        "other_funding": money.other_funding,
        "budget": money.budget,
        "committed": money.committed if money.has_funding else None,
        "spent": money.spent if money.has_funding else None,
        "tiers": records(money.tiers),
        "academic_year_tiers": records(money.academic_tiers),
        "pp_pupils_on_roll": money.pp_on_roll,
        "provisions": records(money.provisions),
        "no_support": records(money.no_support),
        "not_on_track_without_pp_support": records(money.action),
    }


def _plain(value: object) -> object:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "item"):
        return value.item()
    return value
