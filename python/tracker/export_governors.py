"""The governors' report: figures only, with small groups suppressed.

The pure functions at the top take the attainment table of a refresh and
return the figures governors may see. No name, UPN or pupil row reaches
this module's tabs: they are built from group counts alone.
"""

from __future__ import annotations

from collections.abc import Hashable
from pathlib import Path
from typing import TypeVar

import pandas as pd

from . import contract as c
from .core.attainment import ALL, GROUPS, NON_PP, PP, scopes
from .core.pipeline import RefreshResult
from .export import COVER_SHEET, ExportWriter, cover_rows, write_cover
from .export_charts import read_charts
from .export_layout import read_layout
from .package import Package
from .tabs import (
    CHART_DATA_COLUMN, HEADLINE_FIRST_ROW, LIST_HEADER_ROW, Tab, detail_rows, put_chart_figures, summary_tab,
)

SUMMARY_SHEET = "Governors summary"
DETAIL_SHEET = "Governors detail"
NOT_SHOWN = "not shown"
NONE_ASSESSED = "none assessed"
LEVEL = "none: PP pupils are level or ahead"


def fewer_than(small_group: int) -> str:
    return f"fewer than {small_group}"


def pupils_to_close_gap(pp_on_track: pd.Series, pp_assessed: pd.Series,
                        non_pp_on_track: pd.Series, non_pp_assessed: pd.Series) -> pd.Series:
    """Return the fewest extra PP pupils on track that make PP % at least non-PP %.

    That is the smallest whole k >= 0 with (pp_on_track + k) / pp_assessed
    >= non_pp_on_track / non_pp_assessed. Integer arithmetic keeps the
    boundary exact (1 of 11 against 1 of 11 needs 0, where floating-point
    percentages give 1). The result is missing when either group has no
    pupils assessed.
    """
    pp_on, pp_n = pp_on_track.astype("Int64"), pp_assessed.astype("Int64")
    non_on, non_n = non_pp_on_track.astype("Int64"), non_pp_assessed.astype("Int64")
    shortfall = pp_n * non_on - pp_on * non_n  # in units of 1 / non_n pupils
    valid = (pp_n > 0) & (non_n > 0)
    safe_n = non_n.where(valid, 1)
    needed = -((-shortfall) // safe_n)  # ceiling division
    return needed.clip(lower=0).where(valid, pd.NA).astype("Int64")


def _relations() -> list[tuple[tuple[str, str], list[tuple[str, str]]]]:
    """Return (total cell, part cells) for every sum in the attainment table.

    A cell is (scope, group). All is PP plus non-PP in every scope, the
    whole school is the sum of the key stages, and each key stage is the
    sum of its year groups.
    """
    scope_list = scopes()
    stages = {stage for stage, _ in c.KEY_STAGES}
    year_scopes = {years[0]: name for name, years in scope_list
                   if name != c.WHOLE_SCHOOL and name not in stages}
    relations = [((scope, ALL), [(scope, PP), (scope, NON_PP)]) for scope, _ in scope_list]
    for group in GROUPS:
        relations.append(((c.WHOLE_SCHOOL, group), [(stage, group) for stage, _ in c.KEY_STAGES]))
        for stage, years in c.KEY_STAGES:
            relations.append(((stage, group), [(year_scopes[year], group) for year in years]))
    return relations


def _suppress_one_table(assessed: dict[tuple[str, str], int], small_group: int,
                        on_track: dict[tuple[str, str], int] | None = None) -> dict[tuple[str, str], str]:
    """Return {cell: 'small' or 'protect'} for the hidden cells of one point and subject.

    'small' cells have fewer pupils than the small-group size. 'protect'
    cells are hidden as well so that no small cell can be worked out from
    the shown cells. First every sum is left with no hidden cell or at
    least two, then the sums are combined (_exposed_cells) and a cell is
    hidden beside any small cell they still pin to one value.
    """
    empty_scopes = {scope for (scope, group), n in assessed.items() if group == ALL and n == 0}
    hidden = {cell: "small" for cell, n in assessed.items()
              if n < small_group and cell[0] not in empty_scopes}
    relations = _relations()
    while True:
        _pair_hidden_cells(hidden, assessed, relations)
        pick = None
        for cell in _exposed_cells(hidden, assessed, on_track or {}, small_group, relations):
            pick = _complement(cell, hidden, assessed, relations)
            if pick is not None:
                break
        if pick is None:
            return hidden
        hidden[pick] = "protect"


def _pair_hidden_cells(hidden: dict[tuple[str, str], str], assessed: dict[tuple[str, str], int],
                       relations: list[tuple[tuple[str, str], list[tuple[str, str]]]]) -> None:
    """Hide more cells until no sum has exactly one hidden cell, which subtraction would reveal."""
    changed = True
    while changed:
        changed = False
        for total, parts in relations:
            cells = [total] + parts
            lone = [cell for cell in cells if cell in hidden]
            if len(lone) != 1:
                continue
            shown_parts = [p for p in parts if p not in hidden and p != lone[0] and assessed.get(p, 0) > 0]
            if shown_parts:
                pick = min(shown_parts, key=lambda p: (assessed.get(p, 0), cells.index(p)))
            elif total not in hidden:
                pick = total
            else:
                continue
            hidden[pick] = "protect"
            changed = True


# Stands for "no upper bound" in the bounds below; larger than any school.
_UNBOUNDED = 10**9


def _exposed_cells(hidden: dict[tuple[str, str], str], assessed: dict[tuple[str, str], int],
                   on_track: dict[tuple[str, str], int], small_group: int,
                   relations: list[tuple[tuple[str, str], list[tuple[str, str]]]]) -> list[tuple[str, str]]:
    """Return the small cells whose pupils, or pupils on track, a reader can work out from the report.

    The reader knows each shown count, that a "fewer than" cell is below
    the small-group size and that a "not shown" cell is not. Pupils, pupils
    on track and pupils not on track each add up through every sum, and in
    each cell pupils = on track + not on track. Bounds from that are
    tightened through all these sums together until they settle, because
    on-track counts can pin a pupil count that no sum of pupils pins alone.
    An on-track count pinned at 0 is left alone only when a shown cell
    containing it has 0 on track, because no suppression can hide that.

    NOTE: the bounds are tightened one sum at a time. A reader who solves
    all the sums at once (a linear programme) may still narrow a hidden
    cell further than this finds.
    """
    cells = set(assessed) | {cell for total, parts in relations for cell in [total] + parts}
    measures = ["assessed", "on_track", "not_on_track"] if on_track else ["assessed"]
    values = {"assessed": assessed, "on_track": on_track,
              "not_on_track": {cell: n - on_track.get(cell, 0) for cell, n in assessed.items()}}

    bounds = {}
    for measure in measures:
        for cell in cells:
            kind = hidden.get(cell)
            if kind == "small":
                bounds[(measure, cell)] = (0, small_group - 1)
            elif kind == "protect":
                bounds[(measure, cell)] = (small_group if measure == "assessed" else 0, _UNBOUNDED)
            else:
                value = values[measure].get(cell, 0)
                bounds[(measure, cell)] = (value, value)
    measure_relations = [((measure, total), [(measure, part) for part in parts])
                         for measure in measures for total, parts in relations]
    if on_track:
        measure_relations += [(("assessed", cell), [("on_track", cell), ("not_on_track", cell)]) for cell in cells]
    bounds = _tightened(bounds, measure_relations)

    def pinned(measure: str, cell: tuple[str, str]) -> bool:
        low, high = bounds[(measure, cell)]
        return low == high

    containing = _containing_cells(relations)
    exposed = [cell for cell, kind in hidden.items() if kind == "small" and pinned("assessed", cell)]
    if on_track:
        for cell, kind in hidden.items():
            if kind != "small" or cell in exposed or not pinned("on_track", cell):
                continue
            shown_zero_above = any(other not in hidden and on_track.get(other, 0) == 0
                                   for other in containing[cell])
            if bounds[("on_track", cell)][0] > 0 or not shown_zero_above:
                exposed.append(cell)
    order = list(hidden)
    return sorted(exposed, key=order.index)


def _containing_cells(relations: list[tuple[tuple[str, str], list[tuple[str, str]]]]
                      ) -> dict[tuple[str, str], set[tuple[str, str]]]:
    """Return {cell: every cell whose pupils include the cell's pupils}, found by following totals upwards."""
    totals_of: dict[tuple[str, str], set[tuple[str, str]]] = {}
    for total, parts in relations:
        for part in parts:
            totals_of.setdefault(part, set()).add(total)
        totals_of.setdefault(total, set())
    containing = {}
    for cell in totals_of:
        found, stack = set(), list(totals_of[cell])
        while stack:
            other = stack.pop()
            if other not in found:
                found.add(other)
                stack.extend(totals_of.get(other, ()))
        containing[cell] = found
    return containing


# A bounded value: a cell, or a (measure, cell) pair when several measures share the sums.
Key = TypeVar("Key", bound=Hashable)


def _tightened(bounds: dict[Key, tuple[int, int]],
               relations: list[tuple[Key, list[Key]]]) -> dict[Key, tuple[int, int]]:
    """Return the bounds tightened through every sum (total = sum of parts) until none changes."""
    bounds = dict(bounds)
    changed = True
    while changed:
        changed = False
        for total, parts in relations:
            low = sum(bounds[p][0] for p in parts)
            high = sum(bounds[p][1] for p in parts)
            new_total = (max(bounds[total][0], low), min(bounds[total][1], high))
            if new_total != bounds[total]:
                bounds[total] = new_total
                changed = True
            for part in parts:
                part_low, part_high = bounds[part]
                new_part = (max(part_low, new_total[0] - (high - part_high)),
                            min(part_high, new_total[1] - (low - part_low)))
                if new_part != (part_low, part_high):
                    bounds[part] = new_part
                    low += new_part[0] - part_low
                    high += new_part[1] - part_high
                    changed = True
    return bounds


def _complement(cell: tuple[str, str], hidden: dict[tuple[str, str], str], assessed: dict[tuple[str, str], int],
                relations: list[tuple[tuple[str, str], list[tuple[str, str]]]]) -> tuple[str, str] | None:
    """Return the shown cell with the fewest pupils among the nearest that share a sum with ``cell``, or None.

    When every cell sharing a sum with ``cell`` is hidden already, the
    search moves out through those hidden cells' sums, because hiding a
    cell there still breaks a chain of sums that pins ``cell``.
    """
    reached, frontier = {cell}, [cell]
    while frontier:
        order, next_frontier = [], []
        for total, parts in relations:
            members = [total] + parts
            if not any(member in frontier for member in members):
                continue
            for other in members:
                if other not in hidden and assessed.get(other, 0) > 0:
                    order.append(other)
                elif other in hidden and other not in reached:
                    reached.add(other)
                    next_frontier.append(other)
        if order:
            return min(order, key=lambda other: (assessed.get(other, 0), order.index(other)))
        frontier = next_frontier
    return None


def suppress(attainment: pd.DataFrame, small_group: int) -> pd.DataFrame:
    """Return the attainment table with a 'hidden' column: '', 'small' or 'protect'."""
    frame = attainment.copy()
    frame["hidden"] = ""
    for (point, subject), table in frame.groupby(["point", "subject"], sort=False):
        assessed = {(row.scope, row.group): int(row.assessed) for row in table.itertuples()}
        on_track = {(row.scope, row.group): int(row.on_track) for row in table.itertuples()}
        hidden = _suppress_one_table(assessed, small_group, on_track)
        keys = list(zip(table["scope"], table["group"]))
        frame.loc[table.index, "hidden"] = [hidden.get(key, "") for key in keys]
    return frame


def group_text(on_track: int, assessed: int, hidden: str, small_group: int) -> str:
    """Return what governors see for one group: '12 of 20, 60.0%' or why it is hidden."""
    if hidden == "small":
        return fewer_than(small_group)
    if hidden == "protect":
        return NOT_SHOWN
    if not assessed:
        return NONE_ASSESSED
    return f"{on_track} of {assessed}, {100.0 * on_track / assessed:.1f}%"


def governor_figures(attainment: pd.DataFrame, points: list[str], small_group: int) -> pd.DataFrame:
    """Return one row per point, subject and scope with only the figures governors may see.

    Columns are point, subject and scope, then the text shown for each
    group (pp_text, non_pp_text, all_text) and pp_percent and
    non_pp_percent, missing when hidden. gap_hidden is True when PP or
    non-PP is hidden. gap_points (non-PP % minus PP %) and pupils_to_close
    are missing when either group is hidden or has none assessed.
    change_points is missing unless the gap is shown at this point and at
    the one before.
    """
    frame = suppress(attainment, small_group)
    frame["text"] = [group_text(r.on_track, r.assessed, r.hidden, small_group) for r in frame.itertuples()]
    frame["shown_percent"] = frame["percent"].where(frame["hidden"] == "")
    keys = ["point", "subject", "scope"]
    prefix = {PP: "pp", NON_PP: "non_pp", ALL: "all"}
    wide = None
    for group, name in prefix.items():
        part = frame[frame["group"] == group][keys + ["text", "shown_percent", "on_track", "assessed", "hidden"]]
        part = part.rename(columns={"text": f"{name}_text", "shown_percent": f"{name}_percent",
                                    "on_track": f"{name}_on_track", "assessed": f"{name}_assessed",
                                    "hidden": f"{name}_hidden"})
        wide = part if wide is None else wide.merge(part, on=keys, how="left", sort=False)

    wide["gap_hidden"] = (wide["pp_hidden"] != "") | (wide["non_pp_hidden"] != "")
    shown = ~wide["gap_hidden"] & (wide["pp_assessed"] > 0) & (wide["non_pp_assessed"] > 0)
    wide["gap_points"] = (wide["non_pp_percent"] - wide["pp_percent"]).where(shown)
    wide["pupils_to_close"] = pupils_to_close_gap(
        wide["pp_on_track"], wide["pp_assessed"], wide["non_pp_on_track"], wide["non_pp_assessed"]
    ).where(shown, pd.NA)

    order = {point: i for i, point in enumerate(points)}
    wide = wide.assign(_order=wide["point"].map(order)).sort_values(["subject", "scope", "_order"], kind="stable")
    previous = wide.groupby(["subject", "scope"], sort=False)["gap_points"].shift(1)
    previous_point = wide.groupby(["subject", "scope"], sort=False)["_order"].shift(1)
    consecutive = previous_point == wide["_order"] - 1
    wide["change_points"] = (wide["gap_points"] - previous).where(consecutive)
    wide = wide.sort_index()

    columns = keys + ["pp_text", "non_pp_text", "all_text", "pp_percent", "non_pp_percent", "gap_hidden", "gap_points",
                      "pupils_to_close", "change_points"]
    return wide[columns].reset_index(drop=True)


def gap_pupils_text(pupils: object) -> str | None:
    """Return the gap in whole pupils as a sentence, or None when the gap is not shown."""
    if pupils is None or pd.isna(pupils):
        return None
    pupils = int(pupils)
    if pupils == 0:
        return LEVEL
    noun = "pupil" if pupils == 1 else "pupils"
    return f"{pupils} more PP {noun} on track would close it"


def _gap_cell(row) -> object:
    if not pd.isna(row.gap_points):
        return round(float(row.gap_points), 1)
    return "not shown" if row.gap_hidden else None


def _number(value: object) -> float | None:
    return None if value is None or pd.isna(value) else round(float(value), 1)


def _heading(tab: Tab, result: RefreshResult, title: str) -> None:
    s = result.settings
    tab.put(0, 0, f"{title}: {s.school}", "title")
    tab.put(1, 0, f"{s.academic_year}, current point {s.current_point}. "
                  f"Figures calculated {result.refreshed_at:%d/%m/%Y %H:%M}.", "subtitle")
    tab.put(2, 0, "Gap = % of non-PP pupils on track minus % of PP pupils on track, in percentage points; "
                  "above zero means PP pupils are behind. Groups of fewer than "
                  f"{s.small_group} pupils show '{fewer_than(s.small_group)}', and gaps involving them "
                  "are not shown. 'not shown' also hides a figure from which a small group could be "
                  "worked out by subtraction.", "note")


def governors_summary_tab(result: RefreshResult, figures: pd.DataFrame) -> Tab:
    """Return the whole-school headline, with chart figures where the Summary keeps them."""
    s = result.settings
    tab = Tab(SUMMARY_SHEET)
    _heading(tab, result, "Pupil Premium report for governors")
    by_key = {(r.point, r.subject, r.scope): r for r in figures.itertuples()}
    subjects = list(dict.fromkeys(figures["subject"]))

    tab.put(4, 0, f"Whole school at {s.current_point}", "section")
    tab.style(4, 1, 4, 6, "section")
    change = f"Change since {s.previous_point} (pp)" if s.previous_point else "Change since last point (pp)"
    headers = ["Subject", "PP", "Non-PP", "All pupils", "Gap (pp)", "Gap in pupils", change]
    tab.put_row(5, 0, headers)
    tab.style(5, 0, 5, len(headers) - 1, "header")
    tab.row_heights[5] = 30
    for offset, subject in enumerate(subjects):
        row = HEADLINE_FIRST_ROW + offset
        r = by_key[(s.current_point, subject, c.WHOLE_SCHOOL)]
        tab.put_row(row, 0, [subject, r.pp_text, r.non_pp_text, r.all_text, _gap_cell(r),
                             gap_pupils_text(r.pupils_to_close), _number(r.change_points)])
    last = HEADLINE_FIRST_ROW + len(subjects) - 1
    tab.style(HEADLINE_FIRST_ROW, 0, last, 3, "text")
    tab.style(HEADLINE_FIRST_ROW, 4, last, 4, "gap")
    tab.style(HEADLINE_FIRST_ROW, 5, last, 5, "indented")
    tab.style(HEADLINE_FIRST_ROW, 6, last, 6, "gap")

    # Chart figures sit in the same cells as on the Summary, so the Summary's
    # charts can be recreated here unchanged. Hidden groups are left blank.
    percents = {(r.point, r.subject, PP): r.pp_percent for r in figures.itertuples() if r.scope == c.WHOLE_SCHOOL}
    percents |= {(r.point, r.subject, NON_PP): r.non_pp_percent for r in figures.itertuples()
                 if r.scope == c.WHOLE_SCHOOL}
    put_chart_figures(tab, s, subjects, lambda point, subject, group: percents[(point, subject, group)])
    return tab


def governors_detail_tab(result: RefreshResult, figures: pd.DataFrame) -> Tab:
    """Return every scope, point and subject, one row each."""
    tab = Tab(DETAIL_SHEET)
    _heading(tab, result, "Every year group, key stage and assessment point")
    headers = ["Scope", "Point", "Subject", "PP", "Non-PP", "All pupils", "Gap (pp)", "Gap in pupils",
               "Change (pp)"]
    tab.put_row(LIST_HEADER_ROW, 0, headers)
    tab.style(LIST_HEADER_ROW, 0, LIST_HEADER_ROW, len(headers) - 1, "header")
    tab.row_heights[LIST_HEADER_ROW] = 30
    by_key = {(r.point, r.subject, r.scope): r for r in figures.itertuples()}
    subjects = list(dict.fromkeys(figures["subject"]))
    row = LIST_HEADER_ROW + 1
    scopes_shown, points_shown = detail_rows(result)
    for scope in scopes_shown:
        for point in points_shown:
            for subject in subjects:
                r = by_key[(point, subject, scope)]
                tab.put_row(row, 0, [scope, point, subject, r.pp_text, r.non_pp_text, r.all_text, _gap_cell(r),
                                     gap_pupils_text(r.pupils_to_close), _number(r.change_points)])
                row += 1
    first = LIST_HEADER_ROW + 1
    tab.style(first, 0, row - 1, 5, "text")
    tab.style(first, 6, row - 1, 6, "gap")
    tab.style(first, 7, row - 1, 7, "indented")
    tab.style(first, 8, row - 1, 8, "gap")
    return tab


def _print_setup(sheet, header_rows: int) -> None:
    sheet.freeze_panes(header_rows, 0)
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.fit_to_pages(1, 0)
    sheet.hide_gridlines(2)


def governors_workbook(package: Package, result: RefreshResult, book: Path, last_refreshed: str | None,
                       password: bool) -> bytes:
    """Return the bytes of the governors' report: cover, headline with charts, and detail."""
    s = result.settings
    figures = governor_figures(result.attainment, s.points, s.small_group)
    summary = governors_summary_tab(result, figures)
    detail = governors_detail_tab(result, figures)

    writer = ExportWriter(f"Pupil Premium report for governors: {s.school}", result.refreshed_at)
    warning = (f"Figures only: no pupil names, UPNs or pupil rows. Groups of fewer than {s.small_group} pupils "
               f"show '{fewer_than(s.small_group)}' and gaps involving them are not shown. It is made from "
               "children's personal data, so share it only with the governing board.")
    rows = cover_rows(result, book, last_refreshed, password, [COVER_SHEET, SUMMARY_SHEET, DETAIL_SHEET])
    write_cover(writer, COVER_SHEET, result, "Pupil Premium report for governors", rows, warning)

    sheet = writer.add_sheet(SUMMARY_SHEET)
    writer.write_tab(sheet, summary)
    for col, width in enumerate([16, 22, 22, 22, 10, 44, 14]):
        sheet.set_column(col, col, width)
    sheet.set_column(CHART_DATA_COLUMN, CHART_DATA_COLUMN, 18)
    sheet.set_column(CHART_DATA_COLUMN + 1, CHART_DATA_COLUMN + 2, 9)
    _print_setup(sheet, 3)
    sheet.print_area(0, 0, 37, CHART_DATA_COLUMN + 2)
    sheet.fit_to_pages(1, 1)
    # The Summary's charts, read from the workbook, point at the same cells
    # here and keep the size they have on the Summary.
    source_summary = read_layout(package, c.SUMMARY_SHEET)
    for chart in read_charts(package, summary_tab(result), source_summary):
        chart.add_to(writer, sheet, SUMMARY_SHEET)

    sheet = writer.add_sheet(DETAIL_SHEET)
    writer.write_tab(sheet, detail)
    for col, width in enumerate([16, 10, 12, 22, 22, 22, 10, 44, 12]):
        sheet.set_column(col, col, width)
    _print_setup(sheet, LIST_HEADER_ROW + 1)
    sheet.repeat_rows(LIST_HEADER_ROW)
    return writer.close()
