"""Header rows: where they are and what each column means.

Teachers' workbooks put titles, logos and notes above the header, merge the
assessment point across its subjects, and spell columns their own way. MIS
exports add byte-order marks, non-breaking spaces and repeated columns.
This module finds the header row and gives each column a role.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from ..core.tables import fold
from .sources import SourceSheet

# How far down a sheet the header row may sit, below titles and logos.
HEADER_SCAN_ROWS = 25

# Column roles other than grades, with the spellings teachers and MIS exports use.
ROLE_ALIASES = {
    "upn": ("upn", "unique pupil number", "pupil upn"),
    "name": ("name", "pupil", "pupil name", "pupils", "child", "child name", "childs name", "full name",
             "student", "student name", "names", "pupil full name"),
    "surname": ("surname", "last name", "family name", "legal surname", "preferred surname", "second name"),
    "forename": ("forename", "first name", "firstname", "given name", "legal forename", "preferred forename",
                 "forenames", "first names", "christian name"),
    "class": ("class", "form", "reg group", "registration group", "reg", "tutor group", "class name",
              "form group"),
    "year": ("year", "year group", "nc year", "yr", "ncy", "national curriculum year", "nc year actual"),
}

# Subject spellings beyond the subject's own name, keyed by the folded name.
SUBJECT_ALIASES = {
    "maths": ("ma", "mathematics", "numeracy", "math", "mat", "mths"),
    "reading": ("rdg", "read", "rd", "reading comprehension"),
    "writing": ("wri", "wr", "wrt", "writ"),
}

# Words a grade heading may carry besides its point and subject ("Maths TA",
# "Reading teacher assessment 2026"). A heading with any other word, such as
# "Reading age" or "Maths target", is not a column of grades.
FILLER_WORDS = frozenset({
    "term", "ta", "teacher", "assessment", "assessments", "judgement", "judgment", "judgements",
    "grade", "grades", "attainment", "current", "tracking", "data", "result", "results", "overall",
})
_YEAR = re.compile(r"^(19|20)\d\d$")

_SPACES = re.compile(r"[\s\u00a0\u2007\u202f\u200b\ufeff]+")
_PUNCTUATION = re.compile(r"[^\w%+]+")


def clean_header(value: object) -> str:
    """Return a header's text without byte-order marks, non-breaking or repeated spaces."""
    if value is None:
        return ""
    text = str(value).replace("\ufeff", "").replace("\u200b", "")
    return _SPACES.sub(" ", text).strip()


def header_key(value: object) -> str:
    """Return a header folded for matching: case, accents, punctuation and spacing removed."""
    if value is None:
        return ""
    return _text_key(value if isinstance(value, str) else str(value))


@lru_cache(maxsize=65536)
def _text_key(text: str) -> str:
    # Cached because header detection looks at the same cells many times.
    folded = fold(clean_header(text)).replace("'", "").replace("\u2019", "")
    return _PUNCTUATION.sub(" ", folded).strip()


@dataclass(frozen=True)
class GradeColumn:
    col: int
    point: str | None
    subject: str
    header: str  # the header text as read, both rows joined when the header has two


@dataclass
class HeaderLayout:
    """The header row of a sheet and the role of each of its columns."""

    row: int  # 0-based row of the (lower) header row
    roles: dict[str, int] = field(default_factory=dict)  # role: column
    grades: list[GradeColumn] = field(default_factory=list)
    duplicates: list[tuple[int, str]] = field(default_factory=list)  # (column, header) left unused
    headers: dict[int, str] = field(default_factory=dict)  # column: header as read


class Vocabulary:
    """The points and subjects a school uses, with every spelling that maps to each."""

    def __init__(self, points: list[str], subjects: list[str], roles: dict[str, tuple[str, ...]] | None = None):
        self.points = list(points)
        self.subjects = list(subjects)
        self.subject_words: dict[str, str] = {}
        for subject in subjects:
            key = header_key(subject)
            self.subject_words[key] = subject
            for alias in SUBJECT_ALIASES.get(key, ()):
                self.subject_words.setdefault(alias, subject)
        self.point_words: dict[str, str] = {}
        for point in points:
            key = header_key(point)
            self.point_words[key] = point
            words = key.split(" ")
            # "Aut", "Spr", "Sum" and "Aut 1" for "Autumn", "Spring", "Autumn 1".
            if len(words[0]) > 3:
                self.point_words.setdefault(" ".join([words[0][:3]] + words[1:]), point)
                self.point_words.setdefault(" ".join(words) + " term", point)
        self._splits: dict[str, tuple[str | None, str | None]] = {}
        roles = ROLE_ALIASES if roles is None else roles
        self.role_words = {alias: role for role, aliases in roles.items() for alias in aliases}

    def role(self, text: object) -> str | None:
        """Return the column role of a header ('upn', 'name', ...), or None."""
        return self.role_words.get(header_key(text))

    def split(self, text: object) -> tuple[str | None, str | None]:
        """Return (point, subject) found in a header such as 'Spring Maths' or 'Ma (Aut)'.

        Returns (None, None) when the header has a word that is neither part
        of a point or subject nor a filler word, since "Maths target" contains
        targets, not judgements.
        """
        key = header_key(text)
        if key not in self._splits:
            self._splits[key] = self._split(key)
        return self._splits[key]

    def _split(self, key: str) -> tuple[str | None, str | None]:
        words = [w for w in key.split(" ") if w]
        subject, point = None, None
        used: set[int] = set()
        for table, setter in ((self.subject_words, "subject"), (self.point_words, "point")):
            found = _find_phrase(words, table, used)
            if found is None:
                continue
            value, span = found
            used |= span
            if setter == "subject":
                subject = value
            else:
                point = value
        has_year = any(_YEAR.match(w) for w in words)
        for position, word in enumerate(words):
            if position in used or word in FILLER_WORDS or _YEAR.match(word):
                continue
            if has_year and word.isdigit() and len(word) == 2:
                continue  # the "27" of "2026/27"
            return None, None
        return point, subject

    def point_in(self, text: object) -> str | None:
        """Return the one point named in text such as a sheet name ('Spring 2027'), else None."""
        words = [w for w in header_key(text).split(" ") if w]
        found = _find_phrase(words, self.point_words, set())
        return found[0] if found else None


def _find_phrase(words: list[str], table: dict[str, str], used: set[int]) -> tuple[str, set[int]] | None:
    """Return the longest phrase of consecutive words found in table, with its word positions."""
    for length in range(min(4, len(words)), 0, -1):
        for start in range(len(words) - length + 1):
            span = set(range(start, start + length))
            if span & used:
                continue
            phrase = " ".join(words[start:start + length])
            if phrase in table:
                return table[phrase], span
    return None


def _filled_row(sheet: SourceSheet, row: int, width: int) -> list[object]:
    """Return a row with merged cells' values spread across every column they cover."""
    values = [sheet.value(row, col) for col in range(width)]
    for first_row, first_col, last_row, last_col in sheet.merged:
        if first_row <= row <= last_row:
            value = sheet.value(first_row, first_col)
            for col in range(first_col, min(last_col, width - 1) + 1):
                values[col] = value
    return values


def find_header(sheet: SourceSheet, vocabulary: Vocabulary, need_grades: bool = True) -> HeaderLayout | None:
    """Return the header layout of a sheet, or None when no row looks like a header.

    The header is the row in the first HEADER_SCAN_ROWS rows that names the
    most known columns, and it must name a pupil (UPN or name). When its
    grade columns name a subject but no point, the point is read from the
    row above (usually merged across the subjects), so a two-row header
    such as "Autumn" over "Reading Writing Maths" is understood.
    """
    width = max((len(r) for r in sheet.rows[:HEADER_SCAN_ROWS + 1]), default=0)
    best: tuple[int, HeaderLayout] | None = None
    for row in range(min(HEADER_SCAN_ROWS, len(sheet.rows))):
        if not _has_role_text(sheet, row, vocabulary) or not _names_pupil(sheet, row, width, vocabulary):
            continue  # skipped before the costlier layout, since has_pupil below would reject it
        layout = _layout(sheet, row, width, vocabulary)
        has_pupil = "upn" in layout.roles or "name" in layout.roles or (
            "surname" in layout.roles and "forename" in layout.roles
        )
        if not has_pupil or (need_grades and not layout.grades):
            continue
        score = len(layout.roles) + len(layout.grades)
        if best is None or score > best[0]:
            best = (score, layout)
    return best[1] if best else None


def _has_role_text(sheet: SourceSheet, row: int, vocabulary: Vocabulary) -> bool:
    """Return whether a row, the row above or a merged range over either contains a role heading.

    A quick test that passes every row _names_pupil passes, because that
    looks only at these cells. Most rows of a class list are pupils, and
    this saves laying them out as headers.
    """
    cells = list(sheet.rows[row])
    if row > 0:
        cells += sheet.rows[row - 1]
    for first_row, first_col, last_row, _ in sheet.merged:
        if first_row <= row and last_row >= row - 1:
            cells.append(sheet.value(first_row, first_col))
    return any(isinstance(value, str) and vocabulary.role(value) for value in cells)


def _names_pupil(sheet: SourceSheet, row: int, width: int, vocabulary: Vocabulary) -> bool:
    """Return whether a row has the UPN or name headings that every header row needs."""
    lower, _ = _header_rows(sheet, row, width, vocabulary)
    roles = {vocabulary.role(clean_header(value)) for value in lower}
    return "upn" in roles or "name" in roles or ("surname" in roles and "forename" in roles)


def _header_rows(sheet: SourceSheet, row: int, width: int,
                 vocabulary: Vocabulary) -> tuple[list[object], list[object]]:
    """Return the (lower, upper) header rows, with role labels of the upper row brought down.

    In a two-row header teachers often type "Pupil" and "UPN" on the upper
    row, beside the merged points, and leave the cells under them blank
    instead of merging them down. A blank lower cell under a role label
    takes that label, so the pupil columns are found on the subject row.
    """
    lower = _filled_row(sheet, row, width)
    upper = _filled_row(sheet, row - 1, width) if row > 0 else [None] * width
    if not any(clean_header(value) for value in lower):
        return lower, upper  # a blank row is no header, whatever sits above it
    for col, value in enumerate(upper):
        if not clean_header(lower[col]) and vocabulary.role(clean_header(value)):
            lower[col] = value
    return lower, upper


def _layout(sheet: SourceSheet, row: int, width: int, vocabulary: Vocabulary) -> HeaderLayout:
    layout = HeaderLayout(row)
    lower, upper = _header_rows(sheet, row, width, vocabulary)
    _spread_right(upper, lower, vocabulary)
    seen_grades: set[tuple[str | None, str]] = set()
    for col, value in enumerate(lower):
        text = clean_header(value)
        if not text:
            continue
        layout.headers[col] = text
        role = vocabulary.role(text)
        if role:
            if role in layout.roles:
                layout.duplicates.append((col, text))
            else:
                layout.roles[role] = col
            continue
        point, subject = vocabulary.split(text)
        above = clean_header(upper[col])
        if subject is None and point is not None and above:
            subject = vocabulary.split(above)[1]
        if point is None and subject is not None and above:
            point = vocabulary.split(above)[0]
        if subject is None:
            continue
        label = f"{above} {text}".strip() if above and above != text else text
        if (point, subject) in seen_grades:
            layout.duplicates.append((col, label))
            continue
        seen_grades.add((point, subject))
        layout.grades.append(GradeColumn(col, point, subject, label))
    return layout


def _spread_right(upper: list[object], lower: list[object], vocabulary: Vocabulary) -> None:
    """Spread each upper header cell across the blank cells to its right.

    CSV files and some exporters drop the merge and leave the point in the
    first cell only ("Autumn", "", "" over "Reading", "Writing", "Maths").
    An upper cell that names a point or a subject spreads only over columns
    whose lower header names a point or subject too.
    """
    current = None
    for col, value in enumerate(upper):
        if clean_header(value):
            point, subject = vocabulary.split(value)
            current = value if point or subject else None
            continue
        below = vocabulary.split(lower[col]) if col < len(lower) else (None, None)
        if current is not None and any(below):
            upper[col] = current
        else:
            current = None
