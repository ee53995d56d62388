"""Cell values as Excel stores them, shared by both views of a worksheet part.

table_writer edits sheet parts through lxml and sheet_text edits them as
text. Both turn Python values into the text a cell stores, and back, with
these helpers, so that an edit gives the same cell either way. They live
in their own module so that sheet_text need not import table_writer,
which imports sheet_text.
"""

from __future__ import annotations

import math
import numbers
import re
from datetime import date, datetime, time

from .package import NS

MAIN = NS["main"]

# Excel's limit on the characters in one cell.
MAX_CELL_CHARS = 32767

_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_ESCAPE_LOOKALIKE = re.compile(r"_(x[0-9A-Fa-f]{4}_)")
_ESCAPED_CHAR = re.compile(r"_x([0-9A-Fa-f]{4})_")


def column_index(letters: str) -> int:
    """Return the 1-based column number of Excel column letters ("A" is 1, "AA" is 27)."""
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - 64
    return number


def excel_serial(value: date | datetime) -> float:
    """Return the Excel serial number of a date or datetime (1900 date system)."""
    if not isinstance(value, datetime):
        value = datetime.combine(value, time())
    delta = value.replace(tzinfo=None) - datetime(1899, 12, 30)
    return delta.days + delta.seconds / 86400


def ooxml_text(text: str) -> str:
    """Return text ready for a cell: cut to Excel's limit, control characters as _xHHHH_."""
    text = text[:MAX_CELL_CHARS]
    text = _ESCAPE_LOOKALIKE.sub(r"_x005F_\1", text)
    return _INVALID_XML.sub(lambda m: f"_x{ord(m.group()):04X}_", text)


def same_value(existing: object, value: object) -> bool:
    """Return whether a cell's stored value equals a value about to be written.

    Numbers compare by value (1 equals 1.0), dates by serial number and text
    without surrounding spaces, so rewriting a cell Excel saved differently
    does not count as a change.
    """
    if isinstance(value, (datetime, date)):
        value = excel_serial(value)
    if isinstance(existing, bool) or isinstance(value, bool):
        return isinstance(existing, bool) and isinstance(value, bool) and existing == value
    if isinstance(existing, numbers.Real) and isinstance(value, numbers.Real):
        return math.isclose(float(existing), float(value), rel_tol=0, abs_tol=1e-9)
    if isinstance(existing, str) and isinstance(value, str):
        return existing.strip() == ooxml_text(value).strip() or existing.strip() == value.strip()
    return False


def _number_text(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else repr(float(number))


def is_nan(value: object) -> bool:
    if value is None or isinstance(value, (str, bool)):
        return False
    try:
        return bool(value != value)  # NaN and pandas NaT are not equal to themselves
    except (TypeError, ValueError):
        return type(value).__name__ == "NAType"  # bool(pandas.NA) raises TypeError


def plain_value(kind: str | None, raw: str) -> object:
    """Return the value of a cell's non-empty <v> text, for any cell type but a shared string."""
    if kind in ("str", "e"):
        return unescape(raw)
    if kind == "b":
        return raw.strip() in ("1", "true")
    number = float(raw)
    return int(number) if number.is_integer() and abs(number) < 2**53 else number


def unescape(text: str) -> str:
    """Return text with OOXML's _xHHHH_ escapes turned back into characters."""
    if "_x" not in text:
        return text
    return _ESCAPED_CHAR.sub(lambda m: chr(int(m.group(1), 16)), text)


def widened_spans(spans: str | None, col: int) -> str | None:
    """Return a row's spans widened to take in a column, or None when they need no change."""
    if not spans:
        return None
    # Most rows carry one "first:last" span, which is widened without a list.
    first, colon, last = spans.partition(":")
    if colon and first.isdigit() and last.isdigit():
        low, high = sorted((int(first), int(last)))
        if not low <= col <= high:
            return f"{min(low, col)}:{max(high, col)}"
        return None
    bounds = [int(n) for piece in spans.split() for n in piece.split(":") if n.isdigit()]
    if bounds and not min(bounds) <= col <= max(bounds):
        return f"{min(bounds + [col])}:{max(bounds + [col])}"
    return None


def stored_value(value: bool | numbers.Real | date | str | object) -> tuple[str | None, str]:
    """Return a cell's t attribute (None for a number) and the text stored for a value that is not None.

    Numbers and dates go in <v>, and dates as their serial numbers. Any
    other value becomes an inline string, never a formula, so "=1+1"
    stays the text it was.
    """
    if isinstance(value, bool):
        return "b", "1" if value else "0"
    if isinstance(value, numbers.Real) and math.isfinite(float(value)):
        number = float(value)
        return None, str(int(number)) if number.is_integer() and abs(number) < 2**53 else repr(number)
    if isinstance(value, (datetime, date)):
        return None, _number_text(excel_serial(value))
    return "inlineStr", ooxml_text(str(value))


def needs_preserve(text: str) -> bool:
    return text != text.strip() or "\n" in text
