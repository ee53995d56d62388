"""Pupil-level lists: who is not on track, and a page on each PP pupil."""

from __future__ import annotations

from datetime import date

import pandas as pd

from .. import contract as c
from .settings import Settings
from .support import term_window
from .tables import fold

NOT_ON_TRACK_COLUMNS = [
    "Pupil", "UPN", "Class", "Year", "PP", "SEN", "Not on track in", "Previous grades",
    "Support in place", "Dropped since last point", "No support in place", "SEN flag",
    "Attendance below threshold", "No parent contact this term", "Wellbeing red",
]
FLAG_COLUMNS = NOT_ON_TRACK_COLUMNS[9:]


def _support_in_place(support: pd.DataFrame, today: date) -> pd.DataFrame:
    """Return support rows running today (started, and not yet ended)."""
    if support.empty:
        return support
    started = support["start"].map(lambda d: d is None or d <= today)
    running = support["end"].map(lambda d: d is None or d >= today)
    return support[started & running]


def _covers(area: object, subject: str) -> bool:
    """Return whether a support row's subject or area covers a subject.

    A blank area, or one naming no subject ("Whole class", "Wellbeing"),
    is not counted as support for a subject.
    """
    return area is not None and fold(subject) in fold(area)


def not_on_track(
    pupils: pd.DataFrame,
    grades: pd.DataFrame,
    wellbeing: pd.DataFrame,
    support: pd.DataFrame,
    log: pd.DataFrame,
    settings: Settings,
    today: date,
) -> pd.DataFrame:
    """Return every pupil not on track in any subject at the current point, PP first."""
    point, previous = settings.current_point, settings.previous_point
    now = grades[grades["point"] == point]
    before = grades[grades["point"] == previous] if previous else grades.iloc[0:0]
    before_by_key = {(r.upn, r.subject): r for r in before.itertuples()}
    active = _support_in_place(support, today)
    term_start, term_end = term_window(point, settings.academic_year, today)
    contacts = log[(log["kind"] == "Parent contact")] if not log.empty else log
    contacted = set(
        contacts[contacts["date"].map(lambda d: term_start <= d <= term_end)]["upn"]
    ) if not contacts.empty else set()
    red = set(wellbeing[(wellbeing["point"] == point) & (wellbeing["wellbeing"] == "Red")]["upn"])

    # Group rows by pupil in one pass each: filtering a DataFrame per pupil
    # made this list take seconds for a school of 630.
    rows = []
    behind = now[~now["on_track"].astype(bool)]
    order = {subject: i for i, subject in enumerate(settings.subjects)}
    by_pupil = {pupil.upn: pupil for pupil in pupils.itertuples(index=False)}
    behind_by_pupil = _group_by_upn(behind)
    active_by_pupil = _group_by_upn(active)
    for upn, pupil_grades in behind_by_pupil.items():
        pupil = by_pupil[upn]
        if pupil.left:
            continue
        pupil_grades = sorted(pupil_grades, key=lambda g: order.get(g.subject, len(order)))
        subjects = [f"{g.subject} ({g.grade})" for g in pupil_grades]
        previous_grades, dropped = [], False
        for g in pupil_grades:
            earlier = before_by_key.get((upn, g.subject))
            if earlier is not None:
                previous_grades.append(f"{g.subject}: {earlier.grade}")
                dropped = dropped or earlier.rank > g.rank
        mine = active_by_pupil.get(upn, [])
        in_place = []
        for g in pupil_grades:
            names = [r.provision for r in mine if _covers(r.area, g.subject)]
            if names:
                in_place.append(f"{g.subject}: {', '.join(dict.fromkeys(names))}")
        low_attendance = (
            pupil.attendance is not None and not pd.isna(pupil.attendance)
            and pupil.attendance < settings.attendance_threshold
        )
        rows.append({
            "Pupil": pupil.name,
            "UPN": upn,
            "Class": pupil.class_name,
            "Year": pupil.year,
            "PP": "PP" if pupil.disadvantaged else "",
            "SEN": pupil.sen if pupil.sen != "N" else "",
            "Not on track in": ", ".join(subjects),
            "Previous grades": ", ".join(previous_grades),
            "Support in place": "; ".join(in_place),
            "Dropped since last point": "Yes" if dropped else "",
            "No support in place": "Yes" if len(in_place) < len(subjects) else "",
            "SEN flag": "Yes" if pupil.sen != "N" else "",
            "Attendance below threshold": "Yes" if low_attendance else "",
            "No parent contact this term": "" if upn in contacted else "Yes",
            "Wellbeing red": "Yes" if upn in red else "",
            "_pp": bool(pupil.disadvantaged),
            "_year": c.YEARS.index(pupil.year),
        })
    frame = pd.DataFrame(rows, columns=NOT_ON_TRACK_COLUMNS + ["_pp", "_year"])
    frame = frame.sort_values(["_pp", "_year", "Class", "Pupil"], ascending=[False, True, True, True],
                              kind="stable")
    return frame.drop(columns=["_pp", "_year"]).reset_index(drop=True)


PP_PUPIL_FIXED = ["Pupil", "UPN", "Year", "Class", "Category", "SEN", "SEN details", "EAL", "Attendance %"]
PP_PUPIL_TAIL = [
    "Support (count)", "Support cost (£)", "Latest wellbeing", "Last parent contact", "Narrative",
]


def pp_pupils(
    pupils: pd.DataFrame,
    grades: pd.DataFrame,
    wellbeing: pd.DataFrame,
    support: pd.DataFrame,
    log: pd.DataFrame,
    settings: Settings,
) -> pd.DataFrame:
    """Return one row per PP pupil on roll with their latest grades and support.

    A latest grade carries an arrow against the pupil's previous graded
    point in that subject: up, down or level.
    """
    columns = PP_PUPIL_FIXED + settings.subjects + PP_PUPIL_TAIL
    on_roll = pupils[pupils["pp_flag"] & ~pupils["left"]]
    point_order = {point: i for i, point in enumerate(settings.points)}
    current_index = point_order[settings.current_point]
    graded = grades[grades["point"].map(point_order) <= current_index]
    graded = graded.assign(order=graded["point"].map(point_order)).sort_values("order")
    history: dict[tuple[str, str], list] = {}
    for row in graded.itertuples(index=False):
        history.setdefault((row.upn, row.subject), []).append(row)
    latest_wellbeing = {}
    ordered = wellbeing.assign(order=wellbeing["point"].map(point_order)).sort_values("order")
    for row in ordered.itertuples():
        if row.order <= current_index:
            latest_wellbeing[row.upn] = f"{row.wellbeing} ({row.point})"
    contacts = log[log["kind"] == "Parent contact"] if not log.empty else log
    last_contact = contacts.groupby("upn")["date"].max().to_dict() if not contacts.empty else {}

    support_by_pupil = _group_by_upn(support)
    rows = []
    for pupil in on_roll.itertuples():
        mine = support_by_pupil.get(pupil.upn, [])
        costs = [r.cost for r in mine if r.cost is not None and not pd.isna(r.cost)]
        row = {
            "Pupil": pupil.name,
            "UPN": pupil.upn,
            "Year": pupil.year,
            "Class": pupil.class_name,
            "Category": pupil.category if pupil.disadvantaged else f"{pupil.category} (not in gap)",
            "SEN": pupil.sen,
            "SEN details": pupil.sen_details,
            "EAL": "Y" if pupil.eal else "N",
            "Attendance %": pupil.attendance,
            "Support (count)": len(mine),
            "Support cost (£)": sum(costs) if costs else None,
            "Latest wellbeing": latest_wellbeing.get(pupil.upn),
            "Last parent contact": last_contact.get(pupil.upn),
            "Narrative": pupil.narrative,
        }
        for subject in settings.subjects:
            entries = history.get((pupil.upn, subject), [])
            row[subject] = _trend(entries)
        rows.append(row)
    frame = pd.DataFrame(rows, columns=columns)
    frame = frame.assign(_year=frame["Year"].map(c.YEARS.index))
    return frame.sort_values(["_year", "Class", "Pupil"], kind="stable").drop(columns="_year").reset_index(drop=True)


def _group_by_upn(frame: pd.DataFrame) -> dict[str, list]:
    """Return the rows of a frame as named tuples, grouped by UPN in order of first appearance."""
    groups: dict[str, list] = {}
    for row in frame.itertuples(index=False):
        groups.setdefault(row.upn, []).append(row)
    return groups


def _trend(entries: list) -> str | None:
    if not entries:
        return None
    latest = entries[-1]
    text = f"{latest.grade} ({latest.point})"
    if len(entries) == 1:
        return text
    earlier = entries[-2].rank
    arrow = "→"
    if latest.rank > earlier:
        arrow = "↑"
    elif latest.rank < earlier:
        arrow = "↓"
    return f"{text} {arrow}"
