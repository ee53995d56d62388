"""Edit an Excel table of an open workbook: one range read and one range write per table.

The import buttons change input tables while the workbook is open in
Excel, so they cannot use the zip-level table writer. Instead each table's
edited block is read once (values, and formulas where the engine can read
them), the edits are merged in Python with the rules of
``table_writer.TableWriter`` and the block is written back in one
``Range.value`` write. The number of calls into Excel therefore does not
grow with the number of pupils.

Writing a block back rewrites every cell in it, so each untouched cell is
written so that Excel stores what it held. A formula goes back as its
formula, and text goes back with a leading apostrophe so that "007",
"03/09/2025" or "=x" typed as text stays text. Numbers, dates and booleans
go back as they were read.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field
from datetime import date, datetime

from .core.tables import RawTable, cell_name, column_letter
from .errors import TrackerError
from .excel_adapter import EXCEL_ERRORS, TEXT_PREFIX, excel_cell


@dataclass
class TableEdits:
    """The cells to change in one table, by (0-based body row, header).

    The rules are those of ``TableWriter``. ``fill`` writes only into empty
    cells, and ``overwrite`` replaces any value but never a formula.
    ``clear`` empties a cell unless it contains a formula. ``append`` adds
    rows (header to value), reusing blank rows at the foot of the table
    first. A value of None in ``fill`` or ``overwrite`` changes nothing.
    """

    fill: dict[tuple[int, str], object] = field(default_factory=dict)
    overwrite: dict[tuple[int, str], object] = field(default_factory=dict)
    clear: list[tuple[int, str]] = field(default_factory=list)
    append: list[dict[str, object]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.fill or self.overwrite or self.clear or self.append)


@dataclass(frozen=True)
class KeptCell:
    """A planned edit left undone because the cell contains a formula, or a value a fill must not replace."""

    row: int
    header: str
    cell: str
    existing: object
    value: object


@dataclass
class EditResult:
    kept: list[KeptCell] = field(default_factory=list)
    appended: list[int] = field(default_factory=list)  # body rows of the appended rows, in order
    changed: int = 0  # cells whose value changed


@dataclass
class Block:
    """A rectangle of a table read from Excel, in body coordinates.

    ``formulas`` is None when the engine cannot read formulas; every
    non-empty cell then counts as a typed value.
    """

    top: int  # 0-based body row of the first row
    left: int  # 0-based table column of the first column
    values: list[list[object]]
    formulas: list[list[str]] | None = None

    def is_formula(self, row: int, col: int) -> bool:
        if self.formulas is None:
            return False
        formula = self.formulas[row][col]
        if not isinstance(formula, str) or not formula.startswith("="):
            return False
        # Range.Formula returns text typed as "'=x" as "=x", the same as its
        # value, while a real formula's value is its result.
        # NOTE: a formula whose result is its own text would be taken for text.
        return formula != self.values[row][col]

    def is_empty(self, row: int, col: int) -> bool:
        value = self.values[row][col]
        return (value is None or value == "") and not self.is_formula(row, col)


def merge(block: Block, header: list[str], body_rows: int, edits: TableEdits,
          raw: RawTable) -> tuple[list[list[object]], EditResult]:
    """Return the block as it must be written back, and what the edits did.

    ``body_rows`` is the number of body rows before the edit. The block
    must cover every edited cell, and for ``append`` every column and every
    row from the first body row that could be reused down to the last new row.
    """
    result = EditResult()
    grid = [[_restored(block, r, c) for c in range(len(block.values[r]))] for r in range(len(block.values))]

    def place(row: int, name: str) -> tuple[int, int]:
        return row - block.top, header.index(name) - block.left

    for (row, name), value in edits.overwrite.items():
        _set(block, grid, result, raw, row, name, value, place(row, name), overwrite=True)
    for row, name in edits.clear:
        r, c = place(row, name)
        if block.is_formula(r, c):
            result.kept.append(KeptCell(row, name, raw.cell(row, name), block.formulas[r][c], None))
        elif not block.is_empty(r, c):
            grid[r][c] = None
            result.changed += 1
    for (row, name), value in edits.fill.items():
        _set(block, grid, result, raw, row, name, value, place(row, name), overwrite=False)

    if edits.append:
        start = body_rows
        while start > 0 and all(block.is_empty(start - 1 - block.top, c) for c in range(len(header))):
            start -= 1
        for offset, values in enumerate(edits.append):
            row = start + offset
            for name, value in values.items():
                if value is None:
                    continue
                grid[row - block.top][header.index(name) - block.left] = excel_cell(value)
                result.changed += 1
            result.appended.append(row)
    return grid, result


def _set(block: Block, grid: list[list[object]], result: EditResult, raw: RawTable, row: int, name: str,
         value: object, place: tuple[int, int], overwrite: bool) -> None:
    if value is None:
        return
    r, c = place
    existing = block.values[r][c]
    if block.is_empty(r, c):
        grid[r][c] = excel_cell(value)
        result.changed += 1
    elif not block.is_formula(r, c) and same_value(existing, value):
        return
    elif overwrite and not block.is_formula(r, c):
        grid[r][c] = excel_cell(value)
        result.changed += 1
    else:
        shown = block.formulas[r][c] if block.is_formula(r, c) else existing
        result.kept.append(KeptCell(row, name, raw.cell(row, name), shown, value))


def _restored(block: Block, row: int, col: int) -> object:
    """Return what to write so that an untouched cell keeps its content."""
    if block.is_formula(row, col):
        return block.formulas[row][col]
    value = block.values[row][col]
    if isinstance(value, str):
        if value == "":
            return None
        # NOTE: an error value read as its text ("#N/A") goes back as typed,
        # so Excel makes it an error again. Text typed as "'#N/A" becomes one too.
        return value if value in EXCEL_ERRORS else TEXT_PREFIX + value
    return value


def same_value(existing: object, value: object) -> bool:
    """Return whether a cell value read through xlwings equals a value about to be written.

    The rules follow ``table_writer.same_value``: numbers by value, dates
    by day and time, and text without surrounding spaces.
    """
    if isinstance(existing, bool) or isinstance(value, bool):
        return isinstance(existing, bool) and isinstance(value, bool) and existing == value
    if isinstance(value, date) and isinstance(existing, date):
        return _as_datetime(existing) == _as_datetime(value)
    if isinstance(existing, numbers.Real) and isinstance(value, numbers.Real):
        return math.isclose(float(existing), float(value), rel_tol=0, abs_tol=1e-9)
    if isinstance(existing, str) and isinstance(value, str):
        return existing.strip() == value.strip()
    return False


def _as_datetime(value: date) -> datetime:
    return value if isinstance(value, datetime) else datetime(value.year, value.month, value.day)


def edit_table(book, raw: RawTable, edits: TableEdits) -> EditResult:
    """Apply edits to a table of an open workbook with one read and one write of its edited block.

    ``raw`` is the table as ``excel_adapter.read_tables`` read it, which
    gives its position, header and size. The block is read again here, so
    the rules apply to the cells as they are at the time of writing.
    Raises TrackerError when appended rows would cover a value below
    the table or another table.
    """
    if not edits:
        return EditResult()
    sheet = book.sheets[raw.sheet]
    table = sheet.tables[raw.name]
    header = list(raw.header)
    body_rows = len(raw.rows)

    if edits.append:
        top, bottom, left, right = 0, body_rows - 1 + len(edits.append), 0, len(header) - 1
    else:
        cells = [(row, header.index(name)) for row, name in
                 [*edits.fill, *edits.overwrite, *edits.clear]]
        top, bottom = min(r for r, _ in cells), max(r for r, _ in cells)
        left, right = min(c for _, c in cells), max(c for _, c in cells)

    area = sheet.range((raw.first_row + top, raw.first_col + left), (raw.first_row + bottom, raw.first_col + right))
    values = area.options(ndim=2, err_to_str=True).value
    block = Block(top, left, values, _formulas(area, len(values)))
    grid, result = merge(block, header, body_rows, edits, raw)

    last = max([body_rows - 1] + result.appended)
    if last >= body_rows:
        _check_free(sheet, raw, block, body_rows, last)
        first_header_row = raw.first_row - 1
        table.resize(sheet.range((first_header_row, raw.first_col),
                                 (raw.first_row + last, raw.first_col + len(header) - 1)))
        grid = grid[:last - top + 1]
    elif edits.append:
        grid = grid[:body_rows - top]
    if result.changed:
        target = sheet.range((raw.first_row + top, raw.first_col + left),
                             (raw.first_row + top + len(grid) - 1, raw.first_col + right))
        target.value = grid
    return result


def _formulas(area, rows: int) -> list[list[str]] | None:
    """Return the area's formulas as a grid of ``rows`` rows, or None on an engine that cannot read them."""
    try:
        formulas = area.formula
    except NotImplementedError:
        # xlwings' remote engine sends no formulas; Excel on Windows and macOS does.
        return None
    if isinstance(formulas, str):
        return [[formulas]]
    formulas = list(formulas)
    if formulas and not isinstance(formulas[0], (list, tuple)):
        # A single row or column can come back as a flat list.
        return [formulas] if rows == 1 else [[formula] for formula in formulas]
    return [list(row) for row in formulas]


def _check_free(sheet, raw: RawTable, block: Block, body_rows: int, last: int) -> None:
    """Raise unless the rows a table grows into are empty and clear of other tables."""
    for row in range(body_rows, last + 1):
        for col, value in enumerate(block.values[row - block.top]):
            if value not in (None, ""):
                where = cell_name(raw.first_row + row, raw.first_col + col)
                raise TrackerError(
                    f"The table '{raw.name}' cannot grow because cell {where} on the '{raw.sheet}' sheet "
                    "contains a value. Move that value out of the way and click the button again.")
    first_col, last_col = raw.first_col, raw.first_col + len(raw.header) - 1
    top, bottom = raw.first_row + body_rows, raw.first_row + last
    for other in sheet.tables:
        if other.name == raw.name:
            continue
        area = other.range
        overlaps = not (area.last_cell.row < top or area.row > bottom
                        or area.last_cell.column < first_col or area.column > last_col)
        if overlaps:
            raise TrackerError(
                f"The table '{raw.name}' cannot grow into the table '{other.name}' on the '{raw.sheet}' "
                f"sheet (columns {column_letter(first_col)} to {column_letter(last_col)}). Move one of the "
                "tables and click the button again.")
