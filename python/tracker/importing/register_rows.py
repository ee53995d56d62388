"""Pupil rows from an MIS export: the usual column names, flags and codes read into one shape.

CSV and Excel exports (SIMS, Arbor, Bromcom and others) name the same
fields differently; a DfE Common Transfer File is read by the ctf module
into the same `RegisterRow` shape.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import TypeVar

from .. import contract as c
from ..core.register import parse_year
from ..core.settings import _number
from ..core.support import parse_date
from ..core.tables import column_letter, display, fold
from .headers import Vocabulary, clean_header, find_header
from .records import Problem
from .sources import SourceSheet

# Column roles of an MIS export, with the headings exports use for each.
REGISTER_ROLES = {
    "upn": ("upn", "unique pupil number", "pupil upn"),
    "surname": ("legal surname", "surname", "preferred surname", "last name", "family name", "legal last name"),
    "forename": ("preferred forename", "forename", "legal forename", "first name", "chosen forename",
                 "preferred first name", "legal first name"),
    "name": ("name", "pupil name", "full name", "pupil", "student name"),
    "year": ("year group", "year", "nc year", "nc year actual", "curriculum year", "yr", "year taught in"),
    "class": ("reg group", "registration group", "class", "form", "reg", "tutor group", "form group"),
    "fsm": ("fsm eligible", "fsm", "free school meals", "fsm eligibility", "eligible for fsm", "fsm current",
            "fsm status", "free school meal eligible"),
    "ever6": ("ever 6 fsm", "ever6 fsm", "ever 6", "ever6", "fsm ever 6", "fsm6", "fsm 6", "e6",
              "ever 6 fsm eligible", "fsm ever6"),
    "pp": ("pupil premium indicator", "pupil premium", "pp", "pp indicator", "pupil premium eligible",
           "pp eligible", "pupil premium status", "disadvantaged"),
    "lac": ("in care", "looked after", "cla", "lac", "child looked after", "in lea care", "looked after child"),
    "plac": ("post lac", "previously looked after", "plac", "adopted from care", "post looked after"),
    "service": ("service child", "service children", "service premium", "forces child", "service child indicator",
                "service child in education"),
    "sen": ("sen provision", "sen status", "sen", "send", "sen stage", "sen code", "send status",
            "sen need provision"),
    "eal": ("eal", "english as an additional language", "eal status", "first language", "language",
            "home language"),
    "attendance": ("attendance", "attendance %", "% attendance", "attendance percentage", "attendance percent"),
    "leaving": ("leaving date", "date of leaving", "leave date", "date left", "leaving", "left date"),
}

# The tracker's Pupils columns that an MIS export updates. Staff-typed
# columns (SEN details, Narrative) are never written by an import.
MIS_COLUMNS = ("Surname", "Forename", "Year", "Class", "PP", "PP category", "SEN", "EAL", "Attendance %")

SEN_CODES = {
    "n": "N", "no": "N", "none": "N", "no special educational need": "N", "no sen": "N", "not sen": "N",
    "k": "K", "sen support": "K", "support": "K", "school action": "K", "school action plus": "K",
    "a": "K", "p": "K",
    "e": "E", "ehc plan": "E", "ehcp": "E", "education health and care plan": "E", "ehc": "E",
    "s": "E", "statement": "E", "statemented": "E",
}
ENGLISH = {"english", "eng", "enb", "believed to be english", "english believed"}
LANGUAGE_UNKNOWN = {"not obtained", "refused", "unclassified", "not known", "ref", "not", "unknown"}

_TRUE = {"y", "yes", "true", "t", "1", "eligible"}
_FALSE = {"n", "no", "false", "f", "0", "not eligible", "ineligible"}


class RowCells(Mapping[str, str]):
    """The cell of each role on one sheet row, named only when a problem or the log needs it."""

    __slots__ = ("letters", "number")

    def __init__(self, letters: dict[str, str], number: int):
        self.letters = letters  # role: column letters, shared by every row of the sheet
        self.number = number  # 1-based sheet row

    def __getitem__(self, role: str) -> str:
        return f"{self.letters[role]}{self.number}"

    def __iter__(self) -> Iterator[str]:
        return iter(self.letters)

    def __len__(self) -> int:
        return len(self.letters)


@dataclass(slots=True)
class RegisterRow:
    """One pupil as the MIS gives them, with where each value came from."""

    file: str
    sheet: str | None
    cell: str  # where the row starts: "A5", or "line 57" in a CTF
    values: dict[str, object] = field(default_factory=dict)  # role: value
    cells: Mapping[str, str] = field(default_factory=dict)  # role: cell
    hidden: bool = False


@dataclass
class PupilRecord:
    """A register row read into the tracker's Pupils columns."""

    upn: str
    row: RegisterRow
    columns: dict[str, object]  # Pupils header: value, only for fields the export has
    left_on: date | None = None


_Converted = TypeVar("_Converted")


def _once_per_text(convert: Callable[[object], _Converted]) -> Callable[[object], _Converted]:
    """Wrap a converter so that it runs once per distinct text.

    An export repeats a few codes (Y, N, K, 3A) down every row. Only str
    values are cached, because a cache takes 1, 1.0 and True as one key but
    the converters read them differently. Every converter wrapped here
    returns an immutable value, so a cached result is safe to share.
    """
    cached = lru_cache(maxsize=4096)(convert)

    def converter(value: object) -> _Converted:
        if type(value) is str:
            return cached(value)
        return convert(value)

    converter.__doc__ = convert.__doc__
    converter.__name__ = convert.__name__
    return converter


@_once_per_text
def flag(value: object) -> bool | None:
    """Return True, False or None for the ways exports write yes and no; a blank is False."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return False
    if isinstance(value, bool):
        return value
    text = fold_cached(display(value)).strip(". ")
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return None


@_once_per_text
def sen_code(value: object) -> str | None:
    if value is None:
        return "N"
    text = re.sub(r"[^a-z ]+", " ", fold_cached(value))
    return SEN_CODES.get(re.sub(r"\s+", " ", text).strip())


@_once_per_text
def eal_flag(value: object) -> bool | None:
    """Return whether a pupil has EAL from a Y/N column or a first-language column."""
    answer = flag(value)
    if answer is not None:
        return answer
    text = fold_cached(value)
    if text in ENGLISH:
        return False
    if text in LANGUAGE_UNKNOWN:
        return None
    return True


def year_group(value: object) -> str | None:
    """Return 'R' or '1'..'6', accepting zero-padded years such as '03' and 'Year 03'."""
    if isinstance(value, str):
        return _text_year_group(value)
    return parse_year(value)


@lru_cache(maxsize=1024)
def _text_year_group(text: str) -> str | None:
    return parse_year(re.sub(r"\b0+(\d)", r"\1", text.strip()))


# Attendance and leaving dates, each distinct text converted once.
attendance_number = _once_per_text(_number)
leaving_date = _once_per_text(parse_date)


def fold_cached(value: object) -> str:
    """Return fold(value), folding each text once, since an export repeats a few codes down every row."""
    return _fold_text(value) if isinstance(value, str) else fold(value)


@lru_cache(maxsize=4096)
def _fold_text(text: str) -> str:
    return fold(text)


def clean_cell(value: object) -> object:
    """Return a cell's value with text cleaned as headers.clean_header cleans it, and None for blank text.

    Text that is all letters and digits has no spaces to clean, and most
    cells of an export (UPNs, codes, one-word names) are like that. For the
    rest, str.split() splits at the characters that str.isspace() accepts,
    which are the ones the regular expression's \\s matches. So splitting
    and joining the text, with byte-order marks and zero-width spaces
    removed first, gives what clean_header gives without a regular
    expression per cell.
    """
    if type(value) is not str:
        return (clean_header(value) or None) if isinstance(value, str) else value
    if value.isalnum():
        return value
    if not value.isascii():
        value = value.replace("\ufeff", "").replace("\u200b", "")
    return " ".join(value.split()) or None


def rows_from_sheet(sheet: SourceSheet) -> tuple[list[RegisterRow], list[Problem]]:
    """Return the pupil rows of an MIS export sheet and any problems with its headers."""
    vocabulary = Vocabulary([], [], roles=REGISTER_ROLES)
    layout = find_header(sheet, vocabulary, need_grades=False)
    if layout is None:
        return [], [Problem(sheet.file, sheet.name, "A1", None,
                            "No header row with a UPN or pupil name column was found in the first rows.",
                            "Nothing was imported from this sheet. Export the register with column headings.")]
    problems = [
        Problem(sheet.file, sheet.name, sheet.cell(layout.row, col), text,
                f"The heading '{text}' repeats an earlier column.",
                "Read the first column with this heading only.")
        for col, text in layout.duplicates
    ]
    rows = []
    roles = list(layout.roles.items())
    letters = {role: column_letter(col + 1) for role, col in roles}  # as sheet.cell names them
    first_letter = column_letter(1)
    for row in range(layout.row + 1, len(sheet.rows)):
        line = sheet.rows[row]
        width = len(line)
        values = {role: clean_cell(line[col]) if col < width else None for role, col in roles}
        if all(v is None for v in values.values()):
            continue
        number = row + 1
        rows.append(RegisterRow(sheet.file, sheet.name, f"{first_letter}{number}", values,
                                RowCells(letters, number), row in sheet.hidden_rows))
    return rows, problems


def read_record(row: RegisterRow, today: date, problems: list[Problem]) -> PupilRecord | None:
    """Return a register row as Pupils values, or None (with a problem) when it has no usable UPN."""
    values = row.values

    def report(role: str, problem: str, action: str) -> None:
        problems.append(Problem(row.file, row.sheet, row.cells.get(role, row.cell),
                                display(values.get(role)), problem, action))

    raw_upn = values.get("upn")
    # str.split() splits at the characters \s matches, so this is re.sub(r"\s+", "", text) without a regular expression.
    upn = "".join(str(display(raw_upn)).split()).upper() if raw_upn is not None else ""
    if not upn:
        report("upn", "This pupil has no UPN in the export.", "Not imported. Add the UPN in the MIS and export again.")
        return None

    columns: dict[str, object] = {}
    surname, forename = values.get("surname"), values.get("forename")
    if surname is None and forename is None and values.get("name") is not None:
        surname, forename = _split_name(str(values["name"]))
    if surname is not None:
        columns["Surname"] = str(display(surname))
    if forename is not None:
        columns["Forename"] = str(display(forename))

    if "year" in values:
        year = year_group(values["year"])
        if year is None:
            report("year", f"'{display(values['year'])}' is not a primary year group (R or 1 to 6).",
                   "Not imported: the tracker covers Reception to Year 6 only.")
            return None
        columns["Year"] = year
    if values.get("class") is not None:
        columns["Class"] = str(display(values["class"]))

    _read_premium(values, columns, report)

    if "sen" in values:
        code = sen_code(values["sen"])
        if code is None:
            report("sen", f"'{display(values['sen'])}' is not an SEN provision code.",
                   "Left the pupil's SEN as it was. Use N, K (SEN support) or E (EHC plan).")
        else:
            columns["SEN"] = code
    if "eal" in values:
        eal = eal_flag(values["eal"])
        if eal is not None:
            columns["EAL"] = "Y" if eal else "N"
    if values.get("attendance") is not None:
        number = attendance_number(values["attendance"])
        if number is not None and isinstance(values["attendance"], float) and 0 < number <= 1:
            number *= 100  # a fraction formatted as a percentage
        if number is None or not 0 <= number <= 100:
            report("attendance", "Attendance must be a percentage from 0 to 100.", "Left the attendance as it was.")
        else:
            columns["Attendance %"] = attendance_cell(round(number, 1))

    record = PupilRecord(upn, row, columns)
    if values.get("leaving") is not None:
        left = leaving_date(values["leaving"])
        if left is None:
            report("leaving", "The leaving date is not a date.", "Ignored it. Dates are read day first (dd/mm/yyyy).")
        elif left <= today:
            record.left_on = left
    return record


def attendance_cell(percent: float) -> float | str:
    """Return an attendance percentage as the Pupils table stores it.

    The Pupils table reads a number from 0 to 1 as a fraction (0.93 is 93%),
    so a percentage above 0 and up to 1 is stored as text such as "0.5%",
    which it reads as a percentage. Stored as the number 0.5, it would read
    as 50%, and every import would find it changed and write it again.
    """
    if 0 < percent <= 1:
        return f"{percent:g}%"
    return percent


def _read_premium(values: dict[str, object], columns: dict[str, object], report) -> None:
    """Set PP and PP category from whichever premium flags the export has."""
    flags = {}
    for role in ("pp", "fsm", "ever6", "lac", "plac", "service"):
        if role not in values:
            continue
        answer = flag(values[role])
        if answer is None:
            report(role, f"'{display(values[role])}' is not yes or no.", "Read it as no.")
            answer = False
        flags[role] = answer
    if not flags:
        return
    if flags.get("lac"):
        category = "LAC"
    elif flags.get("plac"):
        category = "PLAC"
    elif flags.get("fsm") or flags.get("ever6"):
        category = c.DISADVANTAGED_CATEGORIES[0]
    elif flags.get("service"):
        category = c.SERVICE_CATEGORY
    else:
        category = None
    pp = any(flags.values())
    columns["PP"] = "Y" if pp else "N"
    # A pupil who is no longer PP loses the category (None clears the cell).
    # One flagged only by the PP indicator keeps the category staff chose.
    if category is not None or not pp:
        columns["PP category"] = category


def _split_name(text: str) -> tuple[str | None, str | None]:
    """Return (surname, forename) from 'Surname, Forename' or 'Forename Surname'."""
    if "," in text:
        surname, _, forename = text.partition(",")
        return surname.strip() or None, forename.strip() or None
    parts = text.split()
    if len(parts) < 2:
        return text.strip() or None, None
    return parts[-1], " ".join(parts[:-1])
