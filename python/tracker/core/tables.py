"""Input tables as the adapters hand them to the core."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from collections.abc import Iterator
from datetime import date, datetime

import pandas as pd


def column_letter(index: int) -> str:
    """Return the Excel column letters for a 1-based column index."""
    letters = ""
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def cell_name(row: int, col: int) -> str:
    """Return an A1 reference for a 1-based row and column."""
    return f"{column_letter(col)}{row}"


@dataclass
class RawTable:
    """An Excel table read as values: the header and the body rows.

    ``first_row`` and ``first_col`` are the 1-based sheet row and column of
    the first body cell, so the core can name the cell behind any value.
    Empty cells are None.
    """

    name: str
    sheet: str
    header: list[str]
    rows: list[list[object]]
    first_row: int
    first_col: int
    extra: dict = field(default_factory=dict)

    def cell(self, row_index: int, header: str) -> str:
        """Return the A1 reference of a body cell by row position and header."""
        col = self.header.index(header)
        return cell_name(self.first_row + row_index, self.first_col + col)

    def frame(self) -> pd.DataFrame:
        """Return the body as a DataFrame of objects with a ``_row`` column.

        Blank rows are dropped here, since Excel tables often carry empty
        formatted rows that staff have not filled yet.
        """
        columns = unique_headers(self.header) + ["_row"]
        return pd.DataFrame(list(self.body_rows()), columns=columns, dtype=object)

    def body_rows(self) -> Iterator[list[object]]:
        """Yield each non-blank body row as cleaned values, the row position last, as ``frame`` has them.

        Code that walks every row once can use this in place of ``frame``,
        because building and unpacking a DataFrame costs more than the walk.
        """
        width = len(self.header)
        for index, row in enumerate(self.rows):
            values = [clean_value(v) for v in row[:width]]
            if len(values) < width:
                values += [None] * (width - len(values))
            if values.count(None) == width:
                continue
            values.append(index)
            yield values


def unique_headers(header: list[str]) -> list[str]:
    """Return the headers with repeats suffixed, so pandas keeps every column."""
    seen: dict[str, int] = {}
    result = []
    for name in header:
        name = "" if name is None else str(name)
        if name in seen:
            seen[name] += 1
            result.append(f"{name} ({seen[name]})")
        else:
            seen[name] = 1
            result.append(name)
    return result


def clean_value(value: object) -> object:
    """Return None for empty text and NaN, and strip text of stray spaces."""
    if value is None:
        return None
    if isinstance(value, str):
        text = value.replace("\u00a0", " ").strip()
        return text or None
    if isinstance(value, float) and value != value:
        return None
    return value


def fold(text: object) -> str:
    """Return text folded for matching: case, accents and spacing removed."""
    if text is None:
        return ""
    text = str(text)
    if text.isascii():
        # No accents to remove, and str.split splits on the same whitespace as \s.
        return " ".join(text.split()).lower()
    normal = unicodedata.normalize("NFKD", text)
    without_accents = "".join(c for c in normal if not unicodedata.combining(c))
    return re.sub(r"\s+", " ", without_accents).strip().casefold()


def display(value: object) -> object:
    """Return a value as it should appear in the Value column of Data issues."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, (date, datetime)):
        return value.strftime("%d/%m/%Y")
    return value
