"""Attainment of PP and non-PP pupils, and the gap between them."""

from __future__ import annotations

import pandas as pd

from .. import contract as c
from .settings import Settings

PP, NON_PP, ALL = "PP", "Non-PP", "All"
GROUPS = (PP, NON_PP, ALL)
ATTAINMENT_COLUMNS = ["point", "subject", "scope", "group", "assessed", "on_track", "percent"]
GAP_COLUMNS = [
    "point", "subject", "scope", "pp_percent", "non_pp_percent", "gap_points",
    "change_points", "small_group",
]


def scopes() -> list[tuple[str, tuple[str, ...]]]:
    """Return (scope name, year groups) in the order the Summary shows them."""
    years = tuple(year for _, group in c.KEY_STAGES for year in group)
    result = [(c.WHOLE_SCHOOL, years)]
    result += [(stage, group) for stage, group in c.KEY_STAGES]
    result += [("Reception" if y == "R" else f"Year {y}", (y,)) for y in years]
    return result


def outcomes(grades: pd.DataFrame, pupils: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """Return one row per pupil, point and subject (Combined included) with on_track.

    Combined counts a pupil as assessed only when every combined subject has
    a grade at that point, and as on track only when all of them are.
    """
    on_roll = pupils[~pupils["left"]]
    merged = grades.merge(on_roll[["upn", "year", "disadvantaged"]], on="upn", how="inner")
    merged = merged[["upn", "year", "disadvantaged", "point", "subject", "on_track"]]

    combined_parts = merged[merged["subject"].isin(settings.combined_subjects)]
    if settings.combined_subjects and not combined_parts.empty:
        grouped = combined_parts.groupby(["upn", "year", "disadvantaged", "point"], as_index=False).agg(
            count=("subject", "nunique"), on_track=("on_track", "all")
        )
        complete = grouped[grouped["count"] == len(settings.combined_subjects)].drop(columns="count")
        complete = complete.assign(subject=c.COMBINED)
        merged = pd.concat([merged, complete[merged.columns]], ignore_index=True)
    return merged


def attainment(results: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """Return assessed, on-track and percent for every point, subject, scope and group."""
    subjects = settings.subjects + ([c.COMBINED] if settings.combined_subjects else [])
    records = []
    counts = (
        results.assign(on_track=results["on_track"].astype(bool))
        .groupby(["point", "subject", "year", "disadvantaged"])["on_track"]
        .agg(["size", "sum"])
    )
    lookup = {key: (int(row["size"]), int(row["sum"])) for key, row in counts.iterrows()}

    for point in settings.points:
        for subject in subjects:
            for scope, years in scopes():
                totals = {PP: [0, 0], NON_PP: [0, 0]}
                for year in years:
                    for disadvantaged, group in ((True, PP), (False, NON_PP)):
                        assessed, on_track = lookup.get((point, subject, year, disadvantaged), (0, 0))
                        totals[group][0] += assessed
                        totals[group][1] += on_track
                totals[ALL] = [totals[PP][0] + totals[NON_PP][0], totals[PP][1] + totals[NON_PP][1]]
                for group in GROUPS:
                    assessed, on_track = totals[group]
                    percent = 100.0 * on_track / assessed if assessed else None
                    records.append([point, subject, scope, group, assessed, on_track, percent])
    return pd.DataFrame(records, columns=ATTAINMENT_COLUMNS)


def gaps(table: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """Return the gap (non-PP % minus PP %) in percentage points, and its change.

    The change compares with the previous assessment point; it is blank when
    either gap is blank. A gap involving a group smaller than the small-group
    size is flagged, not hidden, so it still reaches the coordinator.
    """
    figures = {
        (row.point, row.subject, row.scope, row.group): (row.assessed, row.percent)
        for row in table.itertuples()
    }
    records = []
    previous_gap: dict[tuple[str, str], float | None] = {}
    for point in settings.points:
        for subject in dict.fromkeys(table["subject"]):
            for scope, _ in scopes():
                pp_assessed, pp = figures[(point, subject, scope, PP)]
                non_pp_assessed, non_pp = figures[(point, subject, scope, NON_PP)]
                pp, non_pp = _float(pp), _float(non_pp)
                gap = non_pp - pp if pp is not None and non_pp is not None else None
                before = previous_gap.get((subject, scope))
                change = gap - before if gap is not None and before is not None else None
                # Differences of equal percentages leave float noise such as -7e-15;
                # nine decimals keep every real difference and make those exactly 0.
                gap = _clean(gap)
                change = _clean(change)
                small = min(pp_assessed, non_pp_assessed) < settings.small_group
                records.append([point, subject, scope, pp, non_pp, gap, change, small])
                previous_gap[(subject, scope)] = gap
    return pd.DataFrame(records, columns=GAP_COLUMNS)


def _clean(value: float | None) -> float | None:
    """Return a percentage-point figure without float noise, and never -0.0."""
    if value is None:
        return None
    return round(value, 9) + 0.0


def _float(value: object) -> float | None:
    if value is None or pd.isna(value):
        return None
    return float(value)

