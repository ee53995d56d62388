"""The tabs that refresh owns, laid out as grids of values and styled ranges.

Both adapters write these grids, so the file and live Excel show the same
cells. Positions that the builder relies on (where each chart reads its
figures) are constants here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

import pandas as pd

from . import contract as c
from .core.attainment import ALL, NON_PP, PP, scopes
from .core.issues import ISSUE_COLUMNS
from .core.pipeline import RefreshResult

# Charts on the Summary read these cells. The builder points them here and
# the file writer stretches the ranges to the number of subjects and points.
CHART_DATA_COLUMN = 17  # column R, 0-based
SUBJECT_CHART_FIRST_ROW = 6  # 0-based row of the first subject (row 7)
TREND_CHART_FIRST_ROW = 24  # row 25
HEADLINE_FIRST_ROW = 6
DETAIL_MIN_ROW = 37  # the detail table starts below the charts (row 38)
LIST_HEADER_ROW = 3  # header row of the list tabs (row 4)


@dataclass
class Tab:
    """A generated tab: cell values by row, plus (row, col, row, col, style) ranges."""

    name: str
    cells: list[list[object]] = field(default_factory=list)
    styles: list[tuple[int, int, int, int, str]] = field(default_factory=list)
    chart_ranges: dict[str, int] = field(default_factory=dict)
    row_heights: dict[int, float] = field(default_factory=dict)  # 0-based row: points
    # {0-based first data row of a chart range: rows now filled}. The file
    # writer fits every chart range starting on such a row to that length.
    chart_rows: dict[int, int] = field(default_factory=dict)
    # An optional tab is skipped, not an error, when the workbook was built
    # before the tab existed.
    optional: bool = False

    def put(self, row: int, col: int, value: object, style: str | None = None) -> None:
        while len(self.cells) <= row:
            self.cells.append([])
        line = self.cells[row]
        while len(line) <= col:
            line.append(None)
        line[col] = _blank_if_missing(value)
        if style:
            self.styles.append((row, col, row, col, style))

    def put_row(self, row: int, col: int, values: list[object]) -> None:
        for offset, value in enumerate(values):
            self.put(row, col + offset, value)

    def style(self, first_row: int, first_col: int, last_row: int, last_col: int, name: str) -> None:
        if last_row >= first_row and last_col >= first_col:
            self.styles.append((first_row, first_col, last_row, last_col, name))

    @property
    def width(self) -> int:
        return max((len(row) for row in self.cells), default=0)


def _blank_if_missing(value: object) -> object:
    if value is None or value == "":
        return None
    if isinstance(value, float) and value != value:
        return None
    if value is pd.NaT:
        return None
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        return value.item()
    return value


def count_text(on_track: int, assessed: int, small_group: int) -> str | None:
    """Return '7 of 20, 35.0%', with ' *' when the group is below the small-group size."""
    if not assessed:
        return "none assessed"
    percent = 100.0 * on_track / assessed
    text = f"{on_track} of {assessed}, {percent:.1f}%"
    return text + " *" if assessed < small_group else text


def _round(value: object) -> float | None:
    """Return a figure to one decimal place, with -0.0 shown as 0.0."""
    if value is None or pd.isna(value):
        return None
    return round(float(value), 1) + 0.0


def build_tabs(result: RefreshResult) -> list[Tab]:
    # Imported here because money_tabs builds on Tab and the helpers above.
    from .money_tabs import spend_tab, strategy_tab

    return [
        summary_tab(result),
        not_on_track_tab(result),
        pp_pupils_tab(result),
        issues_tab(result),
        spend_tab(result),
        strategy_tab(result),
    ]


def _heading(tab: Tab, result: RefreshResult, title: str) -> None:
    s = result.settings
    tab.put(0, 0, f"{title}: {s.school}", "title")
    issue_count = len(result.issues)
    noun = "data issue" if issue_count == 1 else "data issues"
    tab.put(1, 0, f"{s.academic_year}, current point {s.current_point}. "
                  f"Refreshed {result.refreshed_at:%d/%m/%Y %H:%M}. "
                  f"{issue_count} {noun} (see the Data issues tab).", "subtitle")


def summary_tab(result: RefreshResult) -> Tab:
    s = result.settings
    tab = Tab(c.SUMMARY_SHEET)
    _heading(tab, result, "Pupil Premium summary")
    tab.put(2, 0, "Gap = % of non-PP pupils on track minus % of PP pupils on track, in percentage "
                  f"points; above zero means PP pupils are behind. * fewer than {s.small_group} pupils "
                  "in the group, so read with caution.", "note")

    figures = {
        (r.point, r.subject, r.scope, r.group): (r.on_track, r.assessed, r.percent)
        for r in result.attainment.itertuples()
    }
    gap_by_key = {(g.point, g.subject, g.scope): g for g in result.gaps.itertuples()}
    subjects = list(dict.fromkeys(result.attainment["subject"]))
    previous = s.previous_point

    # Headline: one sentence a governor can quote, then the whole school at the current point.
    headline_subject = c.COMBINED if c.COMBINED in subjects else subjects[0]
    tab.put(3, 0, headline_sentence(result, headline_subject), "subtitle")
    tab.put(4, 0, f"Whole school at {s.current_point}", "section")
    tab.style(4, 1, 4, 5, "section")
    change_header = f"Change since {previous} (pp)" if previous else "Change since last point (pp)"
    headers = ["Subject", "PP", "Non-PP", "All pupils", "Gap (pp)", change_header]
    tab.put_row(5, 0, headers)
    tab.style(5, 0, 5, len(headers) - 1, "header")
    tab.row_heights[5] = 45  # three lines: "Change since Autumn 2 (pp)" wraps twice
    for offset, subject in enumerate(subjects):
        row = HEADLINE_FIRST_ROW + offset
        key = (s.current_point, subject, c.WHOLE_SCHOOL)
        tab.put(row, 0, subject)
        for col, group in enumerate((PP, NON_PP, ALL), start=1):
            on_track, assessed, _ = figures[(*key, group)]
            tab.put(row, col, count_text(on_track, assessed, s.small_group))
        gap = gap_by_key[key]
        tab.put(row, 4, _round(gap.gap_points))
        tab.put(row, 5, _round(gap.change_points))
    last = HEADLINE_FIRST_ROW + len(subjects) - 1
    tab.style(HEADLINE_FIRST_ROW, 0, last, 3, "text")
    tab.style(HEADLINE_FIRST_ROW, 4, last, 5, "gap")

    put_chart_figures(tab, s, subjects, lambda point, subject, group: figures[(point, subject,
                                                                          c.WHOLE_SCHOOL, group)][2])
    tab.chart_rows = {SUBJECT_CHART_FIRST_ROW: len(subjects), TREND_CHART_FIRST_ROW: len(s.points)}

    # Detail: every scope, point and subject.
    top = max(DETAIL_MIN_ROW, last + 3)
    tab.put(top, 0, "Every year group, key stage and assessment point", "section")
    tab.style(top, 1, top, 8, "section")
    detail_headers = ["Scope", "Point", "Subject", "PP", "Non-PP", "All pupils", "Gap (pp)",
                      "Change (pp)", "Caution"]
    tab.put_row(top + 1, 0, detail_headers)
    tab.row_heights[top + 1] = 30
    tab.style(top + 1, 0, top + 1, len(detail_headers) - 1, "header")
    row = top + 2
    first_detail = row
    scopes_shown, points_shown = detail_rows(result)
    for scope in scopes_shown:
        for point in points_shown:
            for subject in subjects:
                key = (point, subject, scope)
                gap = gap_by_key[key]
                cells = [scope, point, subject]
                for group in (PP, NON_PP, ALL):
                    on_track, assessed, _ = figures[(*key, group)]
                    cells.append(count_text(on_track, assessed, s.small_group))
                cells += [_round(gap.gap_points), _round(gap.change_points)]
                cells.append(f"Fewer than {s.small_group} pupils in a group" if gap.small_group else None)
                tab.put_row(row, 0, cells)
                row += 1
    tab.style(first_detail, 0, row - 1, 5, "text")
    tab.style(first_detail, 6, row - 1, 7, "gap")
    tab.style(first_detail, 8, row - 1, 8, "note")
    return tab


def detail_rows(result: RefreshResult) -> tuple[list[str], list[str]]:
    """Return the scopes and points the detail tables list.

    A year group or key stage with no grades at all (a school without
    Reception, say), or a later point with no grades yet, would only add
    rows of "none assessed". The whole school and the current point are
    always listed.
    """
    everyone = result.attainment[result.attainment["group"] == ALL]
    graded = everyone[everyone["assessed"] > 0]
    scope_names = set(graded["scope"]) | {c.WHOLE_SCHOOL}
    point_names = set(graded["point"]) | {result.settings.current_point}
    return ([scope for scope, _ in scopes() if scope in scope_names],
            [point for point in result.settings.points if point in point_names])


def headline_sentence(result: RefreshResult, subject: str) -> str:
    """Return the whole-school gap at the current point in one plain sentence."""
    s = result.settings
    key = (s.current_point, subject, c.WHOLE_SCHOOL)
    rows = result.attainment
    here = rows[(rows.point == s.current_point) & (rows.subject == subject) & (rows.scope == c.WHOLE_SCHOOL)]
    by_group = {r.group: r for r in here.itertuples()}
    pp, others = by_group.get(PP), by_group.get(NON_PP)
    if pp is None or others is None or not pp.assessed or not others.assessed:
        return f"{subject} at {s.current_point}: not enough grades yet to compare PP pupils with others."
    gap = next(g for g in result.gaps.itertuples() if (g.point, g.subject, g.scope) == key)
    text = (f"{subject} at {s.current_point}: {pp.on_track} of {pp.assessed} PP pupils "
            f"({pp.percent:.1f}%) are on track, against {others.on_track} of {others.assessed} "
            f"other pupils ({others.percent:.1f}%)")
    now = round(float(gap.gap_points), 1)
    text += ": " + _gap_phrase(now, present=True) + "."

    change = gap.change_points
    if s.previous_point and change is not None and not pd.isna(change):
        before = round(float(gap.gap_points - change), 1)
        text += f" At {s.previous_point} {_gap_phrase(before, present=False)}"
        # Narrower and wider only make sense while PP pupils are behind both times.
        if now > 0 and before > 0 and now != before:
            direction = "narrowed" if now < before else "widened"
            text += f", so the gap has {direction} by {abs(float(change)):.1f} points"
        text += "."
    if min(pp.assessed, others.assessed) < s.small_group:
        text += f" * Fewer than {s.small_group} pupils in a group: read with caution."
    return text


def _gap_phrase(gap: float, present: bool) -> str:
    """Return 'a gap of 4.0 percentage points', 'PP pupils are 2.0 percentage points ahead' or 'no gap'."""
    if present:
        if gap > 0:
            return f"a gap of {gap:.1f} percentage points"
        if gap < 0:
            return f"PP pupils are {-gap:.1f} percentage points ahead"
        return "no gap"
    if gap > 0:
        return f"the gap was {gap:.1f} points"
    if gap < 0:
        return f"PP pupils were {-gap:.1f} points ahead"
    return "there was no gap"


def put_chart_figures(tab: Tab, s, subjects: list[str], percent) -> None:
    """Write the figures the Summary's charts read, and record their lengths on the tab.

    ``percent(point, subject, group)`` returns the whole-school percentage
    on track, or None where there is none to show. The figures are written
    as fractions so the charts' axes read in percent.
    """
    col = CHART_DATA_COLUMN
    tab.put(4, col, "Figures behind the charts", "section")
    tab.put_row(5, col, [f"{s.current_point}: subject", "PP", "Non-PP"])
    tab.style(5, col, 5, col + 2, "header")
    for offset, subject in enumerate(subjects):
        tab.put_row(SUBJECT_CHART_FIRST_ROW + offset, col,
                    [subject, _fraction(percent(s.current_point, subject, PP)),
                     _fraction(percent(s.current_point, subject, NON_PP))])
    tab.style(SUBJECT_CHART_FIRST_ROW, col + 1, SUBJECT_CHART_FIRST_ROW + len(subjects) - 1,
              col + 2, "fraction")

    trend_subject = c.COMBINED if c.COMBINED in subjects else subjects[0]
    tab.put(TREND_CHART_FIRST_ROW - 2, col, f"Trend: whole school, {trend_subject}", "section")
    tab.put_row(TREND_CHART_FIRST_ROW - 1, col, ["Point", "PP", "Non-PP"])
    tab.style(TREND_CHART_FIRST_ROW - 1, col, TREND_CHART_FIRST_ROW - 1, col + 2, "header")
    for offset, point in enumerate(s.points):
        tab.put_row(TREND_CHART_FIRST_ROW + offset, col,
                    [point, _fraction(percent(point, trend_subject, PP)),
                     _fraction(percent(point, trend_subject, NON_PP))])
    tab.style(TREND_CHART_FIRST_ROW, col + 1, TREND_CHART_FIRST_ROW + len(s.points) - 1,
              col + 2, "fraction")
    tab.chart_ranges = {"subjects": len(subjects), "points": len(s.points)}


def _fraction(percent: object) -> float | None:
    if percent is None or pd.isna(percent):
        return None
    return round(float(percent) / 100, 4)


def _list_tab(name: str, title: str, result: RefreshResult, frame: pd.DataFrame,
              styles: dict[str, str], empty: str) -> Tab:
    tab = Tab(name)
    _heading(tab, result, title)
    columns = list(frame.columns)
    tab.put_row(LIST_HEADER_ROW, 0, columns)
    tab.row_heights[LIST_HEADER_ROW] = 45
    tab.style(LIST_HEADER_ROW, 0, LIST_HEADER_ROW, len(columns) - 1, "header")
    first = LIST_HEADER_ROW + 1
    if frame.empty:
        tab.put(first, 0, empty, "note")
        return tab
    for offset, values in enumerate(frame.itertuples(index=False)):
        tab.put_row(first + offset, 0, list(values))
    last = first + len(frame) - 1
    for col, column in enumerate(columns):
        tab.style(first, col, last, col, styles.get(column, "text"))
    return tab


def not_on_track_tab(result: RefreshResult) -> Tab:
    return _list_tab(
        c.NOT_ON_TRACK_SHEET, f"Not on track at {result.settings.current_point}", result,
        result.not_on_track, {},
        f"Nobody is listed: every pupil assessed at {result.settings.current_point} is on track, "
        "or no grades are typed for it yet.",
    )


def pp_pupils_tab(result: RefreshResult) -> Tab:
    frame = result.pp_pupils.copy()
    frame["Attendance %"] = frame["Attendance %"].map(_round)
    styles = {"Attendance %": "decimal", "Support (count)": "integer", "Support cost (£)": "money",
              "Last parent contact": "date"}
    return _list_tab(c.PP_PUPILS_SHEET, "Pupil Premium pupils", result, frame, styles,
                     "No pupils on the register have PP set to Y.")


def issues_tab(result: RefreshResult) -> Tab:
    frame = result.issues[ISSUE_COLUMNS]
    return _list_tab(c.ISSUES_SHEET, "Data issues", result, frame,
                     {},
                     "No data issues found.")


def excel_value(value: object) -> object:
    """Return a cell value as both writers store it: dates as datetimes."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    return value
