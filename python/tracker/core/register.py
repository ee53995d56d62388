"""The pupil register: checked, typed and ready for the figures."""

from __future__ import annotations

import re
from functools import lru_cache

import pandas as pd
from stdnum.gb import upn as upn_check

from .. import contract as c
from .issues import IssueLog
from .settings import Settings, _number, yes
from .tables import RawTable, display, fold, unique_headers

PUPIL_COLUMNS = [
    "upn", "surname", "forename", "name", "year", "class_name", "pp_flag", "category",
    "disadvantaged", "sen", "sen_details", "eal", "attendance", "left", "narrative",
    "row",
]


def parse_year(value: object) -> str | None:
    """Return 'R' or '1'..'6' for the ways schools write a year group, else None."""
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if float(value).is_integer() and 0 <= value <= 6:
            return "R" if value == 0 else str(int(value))
        return None
    text = fold(value)
    if text in ("r", "rec", "reception", "yr", "year r", "fs2", "f2"):
        return "R"
    match = re.fullmatch(r"(?:y|yr|year|year group)?\s*([1-6])", text)
    return match.group(1) if match else None


def key_stage(year: str) -> str:
    for stage, years in c.KEY_STAGES:
        if year in years:
            return stage
    raise ValueError(f"not a primary year group: {year!r}")


def parse_pupils(table: RawTable, settings: Settings, issues: IssueLog) -> pd.DataFrame:
    """Return one row per usable pupil, reporting every cell that is wrong.

    A pupil without a UPN, a name or a valid year cannot be placed in the
    figures, so that row is left out and the reason goes to Data issues.
    """
    sheet = table.sheet
    header = {h: h for h in table.header}
    columns = unique_headers(table.header) + ["_row"]
    records = []
    seen: dict[str, int] = {}  # UPN: the row position that first used it

    # Plain dicts, because a DataFrame or a Series per row costs more than the checks.
    for values in table.body_rows():
        row = dict(zip(columns, values))
        index = row["_row"]

        def cell(column: str) -> str:
            return table.cell(index, header[column])

        upn = row["UPN"]
        upn_text = None if upn is None else str(display(upn)).strip().upper()
        if upn_text is None:
            issues.add(sheet, cell("UPN"), None, "The UPN is missing.",
                       "Left this pupil out of the figures. Type the pupil's 13-character UPN.")
            continue
        if upn_text in seen:
            issues.add(sheet, cell("UPN"), upn_text,
                       f"This UPN is already used in {table.cell(seen[upn_text], 'UPN')}.",
                       "Left this row out of the figures. Correct or remove the duplicate.")
            continue
        seen[upn_text] = index
        # python-stdnum's check is the slowest step here, and it only reports.
        if issues.keep and not is_valid_upn(upn_text):
            issues.add(sheet, cell("UPN"), upn_text, _upn_problem(upn_text),
                       "Kept the pupil in the figures. Check the UPN against the MIS.")

        surname, forename = row["Surname"], row["Forename"]
        if surname is None and forename is None:
            issues.add(sheet, cell("Surname"), None, "The pupil's name is missing.",
                       "Left this pupil out of the figures. Type the surname and forename.")
            continue

        year = parse_year(row["Year"])
        if year is None:
            issues.add(sheet, cell("Year"), display(row["Year"]),
                       "The year must be R or 1 to 6 (a primary year group).",
                       "Left this pupil out of the figures. Pick the year from the dropdown.")
            continue

        klass = row["Class"]
        if klass is None:
            issues.add(sheet, cell("Class"), None, "The class is missing.",
                       "Kept the pupil in the figures but no class sheet will list them.")

        pp_flag = yes(row["PP"]) if row["PP"] is not None else False
        if pp_flag is None:
            issues.add(sheet, cell("PP"), display(row["PP"]), "PP must be Y or N.",
                       "Counted the pupil as non-PP. Pick Y or N.")
            pp_flag = False
        category = _category(row["PP category"])
        if row["PP category"] is not None and category is None:
            issues.add(sheet, cell("PP category"), display(row["PP category"]),
                       "The PP category must be FSM/Ever 6, LAC, PLAC or Service.",
                       "Treated it as FSM/Ever 6." if pp_flag else "Ignored it.")
            category = c.DISADVANTAGED_CATEGORIES[0] if pp_flag else None
        if pp_flag and category is None:
            category = c.DISADVANTAGED_CATEGORIES[0]
        if not pp_flag and category is not None:
            issues.add(sheet, cell("PP category"), category,
                       "A PP category is filled in but PP is N.",
                       "Counted the pupil as non-PP. Set PP to Y or clear the category.")
        disadvantaged = bool(pp_flag) and (
            category in c.DISADVANTAGED_CATEGORIES
            or (category == c.SERVICE_CATEGORY and settings.service_counts_as_pp)
        )

        sen = fold(row["SEN"]).upper() if row["SEN"] is not None else "N"
        if sen not in c.SEN_CODES:
            issues.add(sheet, cell("SEN"), display(row["SEN"]),
                       "SEN must be N, K (SEN support) or E (EHC plan).",
                       "Treated as N. Pick a code from the dropdown.")
            sen = "N"

        eal = yes(row["EAL"]) if row["EAL"] is not None else False
        if eal is None:
            issues.add(sheet, cell("EAL"), display(row["EAL"]), "EAL must be Y or N.", "Treated as N.")
            eal = False

        attendance = _attendance(row["Attendance %"])
        if row["Attendance %"] is not None and attendance is None:
            issues.add(sheet, cell("Attendance %"), display(row["Attendance %"]),
                       "Attendance must be a percentage from 0 to 100.",
                       "Left the attendance blank for this pupil.")

        name = " ".join(str(part) for part in (forename, surname) if part is not None)
        records.append({
            "upn": upn_text,
            "surname": surname,
            "forename": forename,
            "name": name,
            "year": year,
            "class_name": None if klass is None else str(display(klass)),
            "pp_flag": bool(pp_flag),
            "category": category,
            "disadvantaged": disadvantaged,
            "sen": sen,
            "sen_details": row["SEN details"],
            "eal": bool(eal),
            "attendance": attendance,
            "left": row["Left"] is not None,
            "narrative": row["Narrative"],
            "row": index,
        })
    # Object columns keep a blank cell as None: pandas 3 would infer a string
    # column and turn None into NaN, which is truthy and not a str.
    frame = pd.DataFrame(records, columns=PUPIL_COLUMNS, dtype=object)
    # An empty register still needs boolean flags, since pandas reads an
    # empty object column used as a mask as a list of column names.
    return frame.astype({"pp_flag": bool, "disadvantaged": bool, "eal": bool, "left": bool})


@lru_cache(maxsize=4096)
def is_valid_upn(upn: str) -> bool:
    """Return whether python-stdnum accepts a UPN: its length, format, local authority number and check letter.

    Cached, because the same UPNs come back at every refresh and import
    run in one Python process, as they do through xlwings in Excel.
    """
    return bool(upn_check.is_valid(upn))


def _upn_problem(upn: str) -> str:
    if len(upn) != 13:
        return f"A UPN has 13 characters; this one has {len(upn)}."
    try:
        upn_check.validate(upn)
    except Exception as error:  # stdnum raises several ValidationError subclasses
        if "checksum" in type(error).__name__.lower():
            return "The UPN's check letter is wrong, so the UPN has probably been mistyped."
        return "The UPN is not in the DfE format (a check letter, then 12 digits or 11 and a letter)."
    return "The UPN is not valid."


def _category(value: object) -> str | None:
    text = fold(value)
    aliases = {
        "fsm/ever 6": "FSM/Ever 6", "fsm": "FSM/Ever 6", "ever 6": "FSM/Ever 6",
        "ever6": "FSM/Ever 6", "e6": "FSM/Ever 6", "fsm6": "FSM/Ever 6",
        "lac": "LAC", "cla": "LAC", "looked after": "LAC",
        "plac": "PLAC", "previously looked after": "PLAC",
        "service": "Service", "service child": "Service", "sc": "Service",
    }
    return aliases.get(text)


def _attendance(value: object) -> float | None:
    """Return attendance as a percentage; a fraction such as 0.93 counts as 93%."""
    if value is None:
        return None
    number = _number(value)
    if number is None:
        return None
    is_fraction = isinstance(value, float) and number <= 1 and not str(value).endswith("%")
    if is_fraction:
        number *= 100
    return number if 0 <= number <= 100 else None
