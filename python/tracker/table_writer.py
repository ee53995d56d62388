"""Edit Excel tables (ListObjects) inside a workbook package, part by part.

Commands that change input sheets (setting up class sheets, importing
grades or an MIS register) use this module to append rows, fill empty
cells, add columns and add a sheet holding a new table. Each edit works on
the XML of the parts it must change, parsed with lxml so that namespace
prefixes and ``mc:Ignorable`` survive. Filling and clearing cells, which
imports do by the thousand, edit a plain sheet part as text instead
(``sheet_text.SheetText``), so that its unchanged rows are neither parsed nor
written again. Every other part stays byte for byte as it was. Nothing
is written until the caller saves the package with
:meth:`TableWriter.replacements` (or :meth:`TableWriter.save`).

Values are written as Excel would store typed values: text as inline
strings (so "=SUM(A1)", "+44", "-1" and "@x" stay text), numbers as
numbers, dates as serial numbers with a date format, and None as an empty
cell. Shared strings in files saved by Excel are read but never added to.

NOTE: overwriting a shared-string cell leaves the total ``count`` in
sharedStrings.xml one too high. LibreOffice and openpyxl ignore it; Excel
has not been tried.
"""

from __future__ import annotations

import copy
import posixpath
import re
from bisect import bisect_left
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Iterable, Mapping, Sequence

from lxml import etree

from . import contract as c
from .core.tables import column_letter
from .errors import TrackerError
from .package import NS, REL_WORKSHEET, Package
from .sheet_text import SheetText
from .sheet_values import (MAIN, column_index, is_nan, needs_preserve, ooxml_text, plain_value, same_value,
                           stored_value, unescape, widened_spans)

REL_NS = NS["r"]
PKG_REL_NS = NS["rel"]
CT_NS = NS["ct"]
XM_NS = "http://schemas.microsoft.com/office/excel/2006/main"
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
REL_TABLE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/table"
CT_WORKSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
CT_TABLE = "application/vnd.openxmlformats-officedocument.spreadsheetml.table+xml"

# The date format given to date values written into a column without one.
DATE_FORMAT = "dd/mm/yyyy"
# Built-in number formats that show dates or times (ECMA-376 part 1, 18.8.30).
BUILTIN_DATE_FORMATS = {14, 15, 16, 17, 18, 19, 20, 21, 22, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36,
                        45, 46, 47, 50, 51, 52, 53, 54, 55, 56, 57, 58}

# The order of a worksheet's child elements (ECMA-376 part 1, 18.3.1.99).
# New elements are inserted at their place in this order, or Excel reports
# the file as damaged.
WORKSHEET_ORDER = (
    "sheetPr", "dimension", "sheetViews", "sheetFormatPr", "cols", "sheetData", "sheetCalcPr",
    "sheetProtection", "protectedRanges", "scenarios", "autoFilter", "sortState", "dataConsolidate",
    "customSheetViews", "mergeCells", "phoneticPr", "conditionalFormatting", "dataValidations",
    "hyperlinks", "printOptions", "pageMargins", "pageSetup", "headerFooter", "rowBreaks", "colBreaks",
    "customProperties", "cellWatches", "ignoredErrors", "smartTags", "drawing", "legacyDrawing",
    "legacyDrawingHF", "picture", "oleObjects", "controls", "webPublishItems", "tableParts", "extLst",
)

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
_CELL_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)$")
_SHEET_NAME_FORBIDDEN = set('[]:*?/\\')


class TableEditError(TrackerError):
    """A table cannot be changed as requested; the message names the cell or table and the fix."""


@dataclass(frozen=True)
class TableInfo:
    """An Excel table in the package: its sheet, its parts, its range and its headers.

    Rows and columns are 1-based sheet positions. ``first_row`` is the
    header row, so body row ``i`` (0-based) sits on sheet row
    ``first_row + 1 + i``.
    """

    name: str
    sheet: str
    sheet_part: str
    table_part: str
    first_row: int
    first_col: int
    last_row: int
    last_col: int
    header: tuple[str, ...]

    @property
    def body_rows(self) -> int:
        """Number of body rows inside the table's range, blank ones included."""
        return self.last_row - self.first_row

    def column(self, header: str) -> int:
        """Return the 1-based sheet column of a header, matched exactly, then ignoring case."""
        if header in self.header:
            return self.first_col + self.header.index(header)
        folded = [h.casefold() for h in self.header]
        if header.casefold() in folded:
            return self.first_col + folded.index(header.casefold())
        raise TableEditError(f"The table '{self.name}' on the '{self.sheet}' sheet has no column "
                             f"headed '{header}'.")

    def cell(self, row_index: int, header: str) -> str:
        """Return the A1 reference of a body cell by 0-based body row and header."""
        return f"{column_letter(self.column(header))}{self.first_row + 1 + row_index}"


@dataclass(frozen=True)
class CellConflict:
    """A cell that already held a different value, so it was left as it was."""

    sheet: str
    cell: str
    header: str
    row_index: int
    existing: object
    value: object


@dataclass
class NewSheet:
    """A worksheet to add, holding one table.

    ``titles`` are (text, style index) pairs written one per row above the
    table, whose header goes on the row after them. Style indices are
    ``s`` values of ``xl/styles.xml`` (None for the default style).
    ``validated_rows`` extra rows below the table keep the dropdowns so
    that staff can type past the last row. The sheet goes before the
    ``before`` sheet in the tab order, or last when there is no such sheet.
    """

    name: str
    table: str
    columns: Sequence[c.Column]
    rows: Sequence[Sequence[object] | Mapping[str, object]] = ()
    titles: Sequence[tuple[str, str | None]] = ()
    before: str | None = c.SUPPORT_SHEET
    freeze_columns: int = 0
    header_style: str | None = None
    body_style: str | None = None
    table_style: str = "TableStyleMedium2"
    validated_rows: int = 40


class TableWriter:
    """Collects edits to the tables of one package and renders the changed parts.

    Edits build on each other: rows appended to a sheet made by
    :meth:`add_sheet` land in that new sheet. Call :meth:`replacements`
    once at the end and pass the result to :meth:`Package.save`, which
    writes the file atomically.
    """

    def __init__(self, package: Package, edit_as_text: bool = True):
        self.package = package
        # Whether set_cells and clear_cells edit plain sheet parts as text
        # (SheetText); False sends every edit through lxml, as tests compare.
        self.edit_as_text = edit_as_text
        self._trees: dict[str, etree._Element] = {}
        self._prologs: dict[str, bytes] = {}
        self._dirty: set[str] = set()
        self._sheets: dict[str, _SheetCells] = {}
        self._texts: dict[str, SheetText] = {}
        self._tables: dict[str, TableInfo] | None = None
        self._shared: list[str] | None = None
        self._code_names: set[str] | None = None

    # Reading

    def tables(self) -> dict[str, TableInfo]:
        """Return every table in the workbook by name (Excel's displayName)."""
        if self._tables is None:
            self._tables = {}
            for sheet, sheet_part in self._sheet_parts().items():
                for table_part in self._table_parts(sheet_part):
                    info = self._table_info(sheet, sheet_part, table_part)
                    self._tables[info.name] = info
        return self._tables

    def table(self, name: str) -> TableInfo:
        """Return one table by name, ignoring case as Excel does."""
        tables = self.tables()
        if name in tables:
            return tables[name]
        for key, info in tables.items():
            if key.casefold() == name.casefold():
                return info
        raise TableEditError(f"The table '{name}' was not found in {self.package.path.name}.")

    def read(self, name: str) -> list[list[object]]:
        """Return the body values of a table, one list per row, None for empty cells.

        Text comes back as str and numbers as int or float. Dates come back
        as their Excel serial numbers, because only the style marks a date.
        """
        info = self.table(name)
        sheet = self._sheet(info.sheet_part)
        rows = []
        for row in range(info.first_row + 1, info.last_row + 1):
            rows.append([sheet.value(row, col) for col in range(info.first_col, info.last_col + 1)])
        return rows

    def sheet_names(self) -> list[str]:
        """Return the names of the worksheets in tab order, sheets added here included."""
        return list(self._sheet_parts())

    def styles(self, name: str) -> tuple[str | None, str | None]:
        """Return the (header, body) cell styles of a table's first column, to build a look-alike."""
        info = self.table(name)
        sheet = self._sheet(info.sheet_part)
        return sheet.style(info.first_row, info.first_col), self._column_style(sheet, info, info.first_col)

    # Editing

    def append_rows(self, name: str, rows: Iterable[Sequence[object] | Mapping[str, object]]) -> list[int]:
        """Append rows to a table and return their 0-based body row indices.

        A row is a list in the table's column order (shorter lists leave the
        remaining cells empty) or a dict from header to value. Blank rows at
        the end of the table are filled first, and then the table grows
        downwards. It raises :class:`TableEditError` when a cell below the
        table contains a value or another table is in the way. Each cell
        takes the style of the last body row's cell in its column. The
        table's range, its filter, the sheet's used range and any dropdown
        or conditional format that reached the table's last row follow it.

        NOTE: a calculated column (one with a calculatedColumnFormula) gets
        no formula in the new rows, unlike a row added in Excel.
        """
        info = self.table(name)
        sheet = self._sheet(info.sheet_part)
        rows = [self._row_values(info, row) for row in rows]
        if not rows:
            return []
        columns = range(info.first_col, info.last_col + 1)
        styles = {col: self._column_style(sheet, info, col) for col in columns}

        # Blank rows at the foot of the table are reused before it grows.
        start = info.last_row + 1
        while start - 1 > info.first_row and all(sheet.is_empty(start - 1, col) for col in columns):
            start -= 1
        last = start + len(rows) - 1
        if last > info.last_row:
            self._check_free(info, info.last_row + 1, last, info.first_col, info.last_col)

        for offset, values in enumerate(rows):
            row = start + offset
            for col, value in zip(columns, values):
                sheet.write(row, col, value, styles[col], self._date_style)

        if last > info.last_row:
            self._resize(info, last, info.last_col)
        return [row - info.first_row - 1 for row in range(start, last + 1)]

    def set_cells(self, name: str, values: Mapping[tuple[int, str], object],
                  overwrite: bool = False) -> list[CellConflict]:
        """Fill cells of a table by (0-based body row, header) and return the conflicts.

        An empty cell takes the new value. A cell that already contains the
        same value is left alone. A cell that contains a different value is
        left alone and returned as a :class:`CellConflict`, unless
        ``overwrite`` is set. Even then a formula is never overwritten, and
        its cell is returned. A value of None changes nothing.
        """
        info = self.table(name)
        sheet = self._cells(info.sheet_part)
        conflicts = []
        # An import fills thousands of cells in a few columns, so each
        # column's style for new cells is looked up once. Writing to the
        # last body row can change that style (a date format), so such a
        # write drops the column's entry.
        column_styles: dict[int, str | None] = {}
        columns: dict[str, int] = {}
        body_rows, first_body_row, last_row = info.body_rows, info.first_row + 1, info.last_row
        # A text going into a cell that does not exist is the common case of
        # an import, and a sheet edited as text writes it in one call.
        fill_blank = sheet.fill_blank if isinstance(sheet, SheetText) else None
        for (row_index, header), value in values.items():
            if value is None or (type(value) is not str and is_nan(value)):
                continue
            if not 0 <= row_index < body_rows:
                raise TableEditError(f"The table '{info.name}' has {info.body_rows} rows; "
                                     f"row {row_index} does not exist.")
            col = columns.get(header)
            if col is None:
                col = columns[header] = info.column(header)
            row = first_body_row + row_index
            if fill_blank is not None and type(value) is str:
                if col not in column_styles:
                    column_styles[col] = self._column_style(sheet, info, col)
                if fill_blank(row, col, value, column_styles[col]):
                    if row == last_row:
                        column_styles.pop(col, None)
                    continue
            existing = sheet.value(row, col)
            if existing is None and not sheet.has_formula(row, col):
                if col not in column_styles:
                    column_styles[col] = self._column_style(sheet, info, col)
                sheet.write(row, col, value, column_styles[col], self._date_style)
                if row == last_row:
                    column_styles.pop(col, None)
            elif same_value(existing, value):
                continue
            elif overwrite and not sheet.has_formula(row, col):
                sheet.write(row, col, value, sheet.style(row, col), self._date_style)
            else:
                conflicts.append(CellConflict(info.sheet, info.cell(row_index, header), header,
                                              row_index, existing, value))
        return conflicts

    def clear_cells(self, name: str, cells: Iterable[tuple[int, str]]) -> list[CellConflict]:
        """Empty cells of a table by (0-based body row, header), keeping their style.

        A cell containing a formula is left alone and returned as a
        :class:`CellConflict` whose value is None. Empty cells stay as they are.
        """
        info = self.table(name)
        sheet = self._cells(info.sheet_part)
        conflicts = []
        for row_index, header in cells:
            if not 0 <= row_index < info.body_rows:
                raise TableEditError(f"The table '{info.name}' has {info.body_rows} rows; "
                                     f"row {row_index} does not exist.")
            row, col = info.first_row + 1 + row_index, info.column(header)
            if sheet.has_formula(row, col):
                conflicts.append(CellConflict(info.sheet, info.cell(row_index, header), header, row_index,
                                              sheet.value(row, col), None))
            elif not sheet.is_empty(row, col):
                sheet.clear(row, col)
        return conflicts

    def add_columns(self, name: str, columns: Sequence[c.Column]) -> None:
        """Add columns at the right of a table, with headers, widths and dropdowns.

        Each new header must differ from the table's headers, ignoring case,
        as Excel requires. The header cells copy the style of the last
        header, and the body cells and column widths copy the last column.
        A column with ``choices`` gets a list dropdown reading that defined
        name (such as ``GradeCodes``), as far down as the table's other
        dropdowns reach. Raises :class:`TableEditError` when a cell to the
        right contains a value.
        """
        info = self.table(name)
        if not columns:
            return
        used_headers = {h.casefold() for h in info.header}
        for column in columns:
            if column.header.casefold() in used_headers:
                raise TableEditError(f"The table '{info.name}' already has a column headed '{column.header}'.")
            used_headers.add(column.header.casefold())
        sheet = self._sheet(info.sheet_part)
        first_new = info.last_col + 1
        last_new = info.last_col + len(columns)
        self._check_free(info, info.first_row, info.last_row, first_new, last_new)

        # The table part: one tableColumn per new column, with fresh ids.
        table = self._xml(info.table_part)
        table_columns = table.find(f"{{{MAIN}}}tableColumns")
        next_id = max((int(tc.get("id", "0")) for tc in table_columns), default=0) + 1
        for offset, column in enumerate(columns):
            new = etree.SubElement(table_columns, f"{{{MAIN}}}tableColumn")
            new.set("id", str(next_id + offset))
            new.set("name", column.header)
        table_columns.set("count", str(len(table_columns)))
        self._dirty.add(info.table_part)

        # The cells: headers, then styled blank body cells like the last column's.
        header_style = sheet.style(info.first_row, info.last_col)
        body_style = self._column_style(sheet, info, info.last_col)
        bottom = self._validation_bottom(sheet, info)
        for offset, column in enumerate(columns):
            col = first_new + offset
            sheet.write(info.first_row, col, column.header, header_style, self._date_style)
            for row in range(info.first_row + 1, info.last_row + 1):
                sheet.write(row, col, None, body_style, self._date_style)
            sheet.copy_column_width(info.last_col, col, column.width)
            if column.choices:
                sheet.add_list_validation(
                    f"{column_letter(col)}{info.first_row + 1}:{column_letter(col)}{bottom}",
                    column.choices, column.header)
        headers = info.header + tuple(column.header for column in columns)
        self._resize(info, info.last_row, last_new, header=headers)

    def add_sheet(self, spec: NewSheet) -> TableInfo:
        """Add a worksheet holding a new table, with its rows, and return the table.

        The new sheet part, its relationships, the table part, the content
        types, the workbook's sheet list (fresh sheetId and a unique
        codeName) and the workbook relationships are all written. Defined
        names local to a sheet and the active tab are renumbered, because
        Excel stores them by tab position. The header row is frozen and
        columns with ``choices`` get list dropdowns reading that defined name.

        NOTE: docProps/app.xml keeps its old list of sheet titles, and the
        VBA project has no module for the new codeName. Excel is expected
        to rebuild both when it saves, but only LibreOffice has opened
        such a file so far.
        """
        sheet_name, table_name = spec.name, spec.table
        self._check_sheet_name(sheet_name)
        self._check_table_name(table_name)
        if not spec.columns:
            raise TableEditError(f"The new table '{table_name}' needs at least one column.")
        headers = [col.header for col in spec.columns]
        if len({h.casefold() for h in headers}) != len(headers):
            raise TableEditError(f"The new table '{table_name}' has two columns with the same header.")

        sheet_part = self._free_part("xl/worksheets/sheet{}.xml")
        table_part = self._free_part("xl/tables/table{}.xml")
        header_row = len(spec.titles) + 1
        width = len(spec.columns)
        ref = f"A{header_row}:{column_letter(width)}{header_row + 1}"

        # The table part starts with one blank body row: Excel rejects a
        # table without one. The rows below fill it first.
        table_id = 1 + max((int(self._xml(info.table_part).get("id", "0"))
                            for info in self.tables().values()), default=0)
        self._new_part(table_part, _table_xml(table_id, table_name, ref, headers, spec.table_style))
        self._new_part(sheet_part, _sheet_xml(spec, self._free_code_name(), header_row, self._date_style))
        sheet_rels = _rels_part(sheet_part)
        self._new_part(sheet_rels, _rels_xml([("rId1", REL_TABLE, "../tables/" + posixpath.basename(table_part))]))

        self._add_content_type(sheet_part, CT_WORKSHEET)
        self._add_content_type(table_part, CT_TABLE)
        self._add_to_workbook(sheet_name, sheet_part, spec.before)

        self.tables()[table_name] = self._table_info(sheet_name, sheet_part, table_part)
        self.append_rows(table_name, spec.rows)
        return self.table(table_name)

    # Output

    def replacements(self) -> dict[str, bytes]:
        """Return {part name: new bytes} for every part changed or added, for Package.save."""
        result = {}
        for part in sorted(self._dirty):
            if part in self._texts:
                result[part] = self._texts[part].to_bytes()
                continue
            tree = self._trees[part]
            body = etree.tostring(tree.getroottree(), encoding="UTF-8", xml_declaration=False)
            result[part] = self._prologs.get(part, b"") + body
        return result

    def save(self, out: str | Path | None = None) -> bool:
        """Write the changed parts to ``out`` (default: the package's own file); return whether anything changed.

        Nothing is written when no part changed, so an edit that turns out
        to be a no-op leaves the file byte for byte as it was.
        """
        replacements = self.replacements()
        if not replacements:
            return False
        self.package.save(out or self.package.path, replacements)
        return True

    # Parts

    def _xml(self, part: str) -> etree._Element:
        if part not in self._trees:
            self._parse(part, self.package.parts[part])
        return self._trees[part]

    def _parse(self, part: str, data: bytes) -> None:
        self._trees[part] = etree.fromstring(data, _PARSER)
        match = re.match(rb"\s*<\?xml[^>]*\?>\s*", data)
        self._prologs[part] = match.group(0) if match else b""

    def _new_part(self, part: str, xml: bytes) -> None:
        root = etree.fromstring(xml, _PARSER)
        self._trees[part] = root
        self._prologs[part] = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        self._dirty.add(part)

    def _has_part(self, part: str) -> bool:
        return part in self.package.parts or part in self._trees

    def _free_part(self, pattern: str) -> str:
        number = 1
        while self._has_part(pattern.format(number)):
            number += 1
        return pattern.format(number)

    def _rels(self, part: str) -> dict[str, tuple[str, str]]:
        """Return {relationship id: (type, target part)}, new parts included."""
        rels_part = _rels_part(part)
        if not self._has_part(rels_part):
            return {}
        folder = posixpath.dirname(part)
        result = {}
        for rel in self._xml(rels_part).findall(f"{{{PKG_REL_NS}}}Relationship"):
            if rel.get("TargetMode") == "External":
                continue
            target = rel.get("Target", "")
            resolved = target.lstrip("/") if target.startswith("/") else posixpath.normpath(
                posixpath.join(folder, target))
            result[rel.get("Id")] = (rel.get("Type"), resolved)
        return result

    def _sheet_parts(self) -> dict[str, str]:
        workbook = self._xml("xl/workbook.xml")
        rels = self._rels("xl/workbook.xml")
        result = {}
        for sheet in workbook.find(f"{{{MAIN}}}sheets"):
            kind, target = rels.get(sheet.get(f"{{{REL_NS}}}id"), ("", ""))
            if kind == REL_WORKSHEET:
                result[sheet.get("name")] = target
        return result

    def _table_parts(self, sheet_part: str) -> list[str]:
        return sorted(target for kind, target in self._rels(sheet_part).values() if kind == REL_TABLE)

    def _table_info(self, sheet: str, sheet_part: str, table_part: str) -> TableInfo:
        table = self._xml(table_part)
        name = table.get("displayName") or table.get("name")
        first_col, first_row, last_col, last_row = parse_range(table.get("ref"))
        if table.get("headerRowCount") == "0" or int(table.get("totalsRowCount", "0")):
            raise TableEditError(f"The table '{name}' on the '{sheet}' sheet must have one header row and "
                                 "no totals row. Turn the totals row off (Table Design > Total Row).")
        header = tuple(unescape(tc.get("name", "")) for tc in table.find(f"{{{MAIN}}}tableColumns"))
        return TableInfo(name, sheet, sheet_part, table_part, first_row, first_col, last_row, last_col, header)

    def _sheet(self, sheet_part: str) -> "_SheetCells":
        """Return a sheet part as an lxml tree, carrying over any edits made to it as text."""
        if sheet_part not in self._sheets:
            if sheet_part in self._texts:
                self._parse(sheet_part, self._texts.pop(sheet_part).to_bytes())
            self._sheets[sheet_part] = _SheetCells(self._xml(sheet_part), self._shared_strings(),
                                                   lambda: self._dirty.add(sheet_part))
        return self._sheets[sheet_part]

    def _cells(self, sheet_part: str) -> "_SheetCells | SheetText":
        """Return a sheet part for cell edits: as text while it is plain and only its cells change."""
        if sheet_part in self._texts:
            return self._texts[sheet_part]
        if self.edit_as_text and sheet_part not in self._sheets and sheet_part not in self._trees:
            text = SheetText.parse(self.package.parts[sheet_part], self._shared_strings,
                                    lambda: self._dirty.add(sheet_part))
            if text is not None:
                self._texts[sheet_part] = text
                return text
        return self._sheet(sheet_part)

    def _shared_strings(self) -> list[str]:
        if self._shared is None:
            self._shared = []
            target = next((t for kind, t in self._rels("xl/workbook.xml").values()
                           if kind.endswith("/sharedStrings")), None)
            if target and self._has_part(target):
                for item in self._xml(target).iter(f"{{{MAIN}}}si"):
                    # Phonetic runs (rPh) are reading aids, not part of the value.
                    texts = [t.text or "" for t in item.iter(f"{{{MAIN}}}t")
                             if t.getparent().tag != f"{{{MAIN}}}rPh"]
                    self._shared.append(unescape("".join(texts)))
        return self._shared

    # Table geometry

    def _row_values(self, info: TableInfo, row: Sequence[object] | Mapping[str, object]) -> list[object]:
        width = info.last_col - info.first_col + 1
        if isinstance(row, Mapping):
            values: list[object] = [None] * width
            for header, value in row.items():
                values[info.column(header) - info.first_col] = value
            return values
        values = list(row)
        if len(values) > width:
            raise TableEditError(f"A row of {len(values)} values does not fit the {width} columns "
                                 f"of the table '{info.name}'.")
        return values + [None] * (width - len(values))

    def _column_style(self, sheet: "_SheetCells | SheetText", info: TableInfo, col: int) -> str | None:
        """Return the style for new cells of a column: the last body cell's, else the column's."""
        style = sheet.style(info.last_row, col)
        return style if style is not None else sheet.column_style(col)

    def _check_free(self, info: TableInfo, top: int, bottom: int, left: int, right: int) -> None:
        """Raise unless the area is empty and outside every other table on the sheet."""
        sheet = self._sheet(info.sheet_part)
        for row, col in sheet.filled_cells(top, bottom, left, right):
            if (info.first_row <= row <= info.last_row) and (info.first_col <= col <= info.last_col):
                continue
            raise TableEditError(
                f"The table '{info.name}' cannot grow because cell {column_letter(col)}{row} on the "
                f"'{info.sheet}' sheet contains a value. Move that value out of the way and try again.")
        for other in self.tables().values():
            if other.sheet_part != info.sheet_part or other.name == info.name:
                continue
            overlaps = not (other.last_row < top or other.first_row > bottom
                            or other.last_col < left or other.first_col > right)
            if overlaps:
                raise TableEditError(f"The table '{info.name}' cannot grow into the table '{other.name}' on "
                                     f"the '{info.sheet}' sheet. Move one of the tables and try again.")

    def _resize(self, info: TableInfo, last_row: int, last_col: int, header: tuple[str, ...] | None = None) -> None:
        """Widen a table's range, filter, sort range, the sheet's used range and trailing validations."""
        table = self._xml(info.table_part)
        ref = format_range(info.first_col, info.first_row, last_col, last_row)
        table.set("ref", ref)
        auto_filter = table.find(f"{{{MAIN}}}autoFilter")
        if auto_filter is not None:
            auto_filter.set("ref", ref)
        sort_state = table.find(f"{{{MAIN}}}sortState")
        if sort_state is not None:
            sort_state.set("ref", format_range(info.first_col, info.first_row + 1, last_col, last_row))
        self._dirty.add(info.table_part)

        sheet = self._sheet(info.sheet_part)
        sheet.extend_dimension(info.first_col, info.first_row, last_col, last_row)
        if last_row > info.last_row:
            sheet.stretch_ranges(info.first_row + 1, info.last_row, last_row, info.first_col, info.last_col)

        assert self._tables is not None
        self._tables[info.name] = TableInfo(info.name, info.sheet, info.sheet_part, info.table_part,
                                            info.first_row, info.first_col, last_row, last_col,
                                            header or info.header)

    def _validation_bottom(self, sheet: "_SheetCells", info: TableInfo) -> int:
        """Return the last row reached by dropdowns in the table's columns, at least its last row."""
        bottom = info.last_row
        for left, top, right, end in sheet.validation_ranges():
            if left >= info.first_col and right <= info.last_col and info.first_row < top <= info.last_row:
                bottom = max(bottom, end)
        return bottom

    # Styles

    def _date_style(self, base: str | None) -> str:
        """Return a cell style like ``base`` that shows a date, adding one to styles.xml if needed."""
        styles_part = next((t for kind, t in self._rels("xl/workbook.xml").values() if kind.endswith("/styles")),
                           None)
        if styles_part is None:
            raise TableEditError("The workbook has no styles part, so a date cannot be written.")
        styles = self._xml(styles_part)
        xfs = styles.find(f"{{{MAIN}}}cellXfs")
        formats = styles.find(f"{{{MAIN}}}numFmts")
        index = int(base) if base is not None and base.isdigit() and int(base) < len(xfs) else 0
        base_xf = xfs[index]
        if _is_date_format(int(base_xf.get("numFmtId", "0")), formats):
            return str(index)

        format_id = None
        if formats is not None:
            format_id = next((f.get("numFmtId") for f in formats if f.get("formatCode") == DATE_FORMAT), None)
        if format_id is None:
            if formats is None:
                formats = etree.Element(f"{{{MAIN}}}numFmts")
                styles.insert(0, formats)
            format_id = str(max([163] + [int(f.get("numFmtId", "0")) for f in formats]) + 1)
            new_format = etree.SubElement(formats, f"{{{MAIN}}}numFmt")
            new_format.set("numFmtId", format_id)
            new_format.set("formatCode", DATE_FORMAT)
            formats.set("count", str(len(formats)))
            self._dirty.add(styles_part)

        date_xf = copy.deepcopy(base_xf)
        date_xf.set("numFmtId", format_id)
        date_xf.set("applyNumberFormat", "1")
        date_xf_bytes = etree.tostring(date_xf)
        for position, xf in enumerate(xfs):
            if etree.tostring(xf) == date_xf_bytes:
                return str(position)
        xfs.append(date_xf)
        xfs.set("count", str(len(xfs)))
        self._dirty.add(styles_part)
        return str(len(xfs) - 1)

    # Workbook structure

    def _check_sheet_name(self, name: str) -> None:
        problem = None
        if not name or len(name) > 31:
            problem = "must be 1 to 31 characters long"
        elif set(name) & _SHEET_NAME_FORBIDDEN:
            problem = "must not contain any of [ ] : * ? / \\"
        elif name.startswith("'") or name.endswith("'"):
            problem = "must not begin or end with an apostrophe"
        elif name.casefold() == "history":
            problem = "is reserved by Excel"
        elif name.casefold() in {s.casefold() for s in self._sheet_parts()}:
            problem = "is already used by another sheet"
        if problem:
            raise TableEditError(f"The sheet name '{name}' {problem}.")

    def _check_table_name(self, name: str) -> None:
        # Names that read as A1 or R1C1 references are invalid in Excel.
        looks_like_ref = _CELL_REF.match(name) or re.fullmatch(r"[RrCc]|[Rr]\d*[Cc]\d*", name)
        valid = re.fullmatch(r"[^\W\d][\w.]{0,254}", name) is not None and not looks_like_ref
        if not valid:
            raise TableEditError(f"'{name}' is not a valid table name: use letters, digits and underscores, "
                                 "starting with a letter.")
        workbook = self._xml("xl/workbook.xml")
        names = {t.casefold() for t in self.tables()}
        names |= {d.get("name", "").casefold() for d in workbook.iter(f"{{{MAIN}}}definedName")}
        if name.casefold() in names:
            raise TableEditError(f"The name '{name}' is already used by a table or a defined name.")

    def _free_code_name(self) -> str:
        if self._code_names is None:
            self._code_names = set()
            for part in [*self._sheet_parts().values(), "xl/workbook.xml"]:
                if part in self._trees:
                    found = [element.get("codeName") for element in self._trees[part].iter(
                        f"{{{MAIN}}}sheetPr", f"{{{MAIN}}}workbookPr")]
                else:
                    found = [m.decode() for m in re.findall(
                        rb'<(?:\w+:)?(?:sheetPr|workbookPr)\b[^>]*\bcodeName="([^"]*)"', self.package.parts[part])]
                self._code_names |= {name for name in found if name}
        number = 1
        while f"Sheet{number}" in self._code_names:
            number += 1
        self._code_names.add(f"Sheet{number}")
        return f"Sheet{number}"

    def _add_content_type(self, part: str, content_type: str) -> None:
        types = self._xml("[Content_Types].xml")
        override = etree.SubElement(types, f"{{{CT_NS}}}Override")
        override.set("PartName", "/" + part)
        override.set("ContentType", content_type)
        self._dirty.add("[Content_Types].xml")

    def _add_to_workbook(self, sheet_name: str, sheet_part: str, before: str | None) -> None:
        """Add the <sheet> entry and its relationship, keeping tab-position references right."""
        rels_part = _rels_part("xl/workbook.xml")
        rels = self._xml(rels_part)
        used_ids = {rel.get("Id") for rel in rels}
        number = len(used_ids) + 1
        while f"rId{number}" in used_ids:
            number += 1
        rel_id = f"rId{number}"
        rel = etree.SubElement(rels, f"{{{PKG_REL_NS}}}Relationship")
        rel.set("Id", rel_id)
        rel.set("Type", REL_WORKSHEET)
        rel.set("Target", posixpath.relpath(sheet_part, "xl"))
        self._dirty.add(rels_part)

        workbook = self._xml("xl/workbook.xml")
        sheets = workbook.find(f"{{{MAIN}}}sheets")
        names = [s.get("name", "").casefold() for s in sheets]
        position = names.index(before.casefold()) if before and before.casefold() in names else len(sheets)
        entry = etree.Element(f"{{{MAIN}}}sheet")
        entry.set("name", sheet_name)
        entry.set("sheetId", str(1 + max((int(s.get("sheetId", "0")) for s in sheets), default=0)))
        entry.set(f"{{{REL_NS}}}id", rel_id)
        sheets.insert(position, entry)
        entry.tail = sheets[position - 1].tail if position else None

        # Excel stores these by tab position, so the sheets after the new one move up by one.
        for defined in workbook.iter(f"{{{MAIN}}}definedName"):
            local = defined.get("localSheetId")
            if local is not None and local.isdigit() and int(local) >= position:
                defined.set("localSheetId", str(int(local) + 1))
        for view in workbook.iter(f"{{{MAIN}}}workbookView"):
            for attribute in ("activeTab", "firstSheet"):
                value = view.get(attribute)
                if value is not None and value.isdigit() and int(value) >= position:
                    view.set(attribute, str(int(value) + 1))
        self._dirty.add("xl/workbook.xml")


class _SheetCells:
    """The cells of one worksheet part, indexed by row for fast lookup and in-order inserts."""

    def __init__(self, root: etree._Element, shared: list[str], mark_dirty):
        self.root = root
        self.shared = shared
        self.mark_dirty = mark_dirty
        self.data = root.find(f"{{{MAIN}}}sheetData")
        if self.data is None:
            self.data = etree.Element(f"{{{MAIN}}}sheetData")
            _insert_in_order(root, self.data)
        self.rows: dict[int, etree._Element] = {}
        self.cells: dict[int, dict[int, etree._Element]] = {}
        self.numbers: list[int] = []
        previous = 0
        for row in self.data.findall(f"{{{MAIN}}}row"):
            # Some writers leave out r; the row then follows the one before.
            number = int(row.get("r") or previous + 1)
            self.rows[number] = row
            previous = number
        self.numbers = sorted(self.rows)

    # Lookup

    def cell(self, row: int, col: int, create: bool = False) -> etree._Element | None:
        row_element = self.rows.get(row)
        if row_element is None:
            if not create:
                return None
            row_element = self._new_row(row)
        cells = self._row_cells(row)
        if col in cells or not create:
            return cells.get(col)

        new = etree.Element(f"{{{MAIN}}}c")
        new.set("r", f"{column_letter(col)}{row}")
        later = [number for number in cells if number > col]
        if later:
            cells[min(later)].addprevious(new)
        elif cells:
            cells[max(cells)].addnext(new)
        else:
            row_element.insert(0, new)
        cells[col] = new
        _widen_spans(row_element, col)
        return new

    def _row_cells(self, row: int) -> dict[int, etree._Element]:
        """Return {column: cell} for a row, indexed on first use."""
        if row not in self.cells:
            index = {}
            previous = 0
            for element in self.rows[row].iterchildren(f"{{{MAIN}}}c"):
                # A cell without r follows the one before it.
                ref = element.get("r")
                number = column_index(_CELL_REF.match(ref).group(1)) if ref else previous + 1
                index[number] = element
                previous = number
            self.cells[row] = index
        return self.cells[row]

    def _new_row(self, row: int) -> etree._Element:
        new = etree.Element(f"{{{MAIN}}}row")
        new.set("r", str(row))
        index = bisect_left(self.numbers, row)
        if index < len(self.numbers):
            self.rows[self.numbers[index]].addprevious(new)
        else:
            self.data.append(new)
        self.rows[row] = new
        self.numbers.insert(index, row)
        return new

    def style(self, row: int, col: int) -> str | None:
        cell = self.cell(row, col)
        return None if cell is None else cell.get("s")

    def column_style(self, col: int) -> str | None:
        cols = self.root.find(f"{{{MAIN}}}cols")
        for entry in cols if cols is not None else ():
            if int(entry.get("min", "0")) <= col <= int(entry.get("max", "0")):
                return entry.get("style")
        return None

    def has_formula(self, row: int, col: int) -> bool:
        cell = self.cell(row, col)
        return cell is not None and cell.find(f"{{{MAIN}}}f") is not None

    def value(self, row: int, col: int) -> object:
        """Return a cell's value: str, int, float or bool, or None when empty."""
        cell = self.cell(row, col)
        if cell is None:
            return None
        kind = cell.get("t", "n")
        if kind == "inlineStr":
            inline = cell.find(f"{{{MAIN}}}is")
            text = "" if inline is None else "".join(t.text or "" for t in inline.iter(f"{{{MAIN}}}t")
                                                     if t.getparent().tag != f"{{{MAIN}}}rPh")
            return unescape(text) or None
        raw = cell.findtext(f"{{{MAIN}}}v")
        if raw is None or raw == "":
            return None
        if kind == "s":
            index = int(raw)
            return (self.shared[index] if index < len(self.shared) else "") or None
        return plain_value(kind, raw)

    def is_empty(self, row: int, col: int) -> bool:
        return self.value(row, col) is None and not self.has_formula(row, col)

    def filled_cells(self, top: int, bottom: int, left: int, right: int) -> Iterable[tuple[int, int]]:
        for row in self.numbers[bisect_left(self.numbers, top):]:
            if row > bottom:
                break
            for col in range(left, right + 1):
                if not self.is_empty(row, col):
                    yield row, col

    # Writing

    def write(self, row: int, col: int, value: object, style: str | None, date_style) -> None:
        """Store a value in a cell, replacing what was there.

        None (or NaN) gives an empty cell its style and leaves a filled one alone.
        """
        if hasattr(value, "item") and not isinstance(value, (str, bytes)):
            value = value.item()  # numpy scalars
        if is_nan(value):
            value = None
        if value is None:
            if style is not None and self.is_empty(row, col):
                cell = self.cell(row, col, create=True)
                if cell.get("s") != style:
                    cell.set("s", style)
                    self.mark_dirty()
            return
        cell = self.cell(row, col, create=True)
        for child in list(cell):
            cell.remove(child)
        for attribute in ("t", "cm", "vm", "ph"):
            cell.attrib.pop(attribute, None)

        if isinstance(value, (datetime, date)):
            style = date_style(style)
        if style is not None:
            cell.set("s", style)
        else:
            cell.attrib.pop("s", None)

        kind, text = stored_value(value)
        if kind == "inlineStr":
            cell.set("t", kind)
            inline = etree.SubElement(cell, f"{{{MAIN}}}is")
            t = etree.SubElement(inline, f"{{{MAIN}}}t")
            t.text = text
            if needs_preserve(text):
                t.set(XML_SPACE, "preserve")
        else:
            if kind is not None:
                cell.set("t", kind)
            etree.SubElement(cell, f"{{{MAIN}}}v").text = text
        self.mark_dirty()

    def clear(self, row: int, col: int) -> None:
        """Empty a cell's value, keeping its style."""
        cell = self.cell(row, col)
        if cell is None:
            return
        for child in list(cell):
            cell.remove(child)
        for attribute in ("t", "cm", "vm", "ph"):
            cell.attrib.pop(attribute, None)
        self.mark_dirty()

    def copy_column_width(self, source: int, target: int, width: float | None) -> None:
        """Give a new column a <col> entry like the source column's, unless one already covers it."""
        cols = self.root.find(f"{{{MAIN}}}cols")
        if cols is None:
            if width is None:
                return
            cols = etree.Element(f"{{{MAIN}}}cols")
            _insert_in_order(self.root, cols)
        entries = list(cols)
        if any(int(e.get("min", "0")) <= target <= int(e.get("max", "0")) for e in entries):
            return
        model = next((e for e in entries if int(e.get("min", "0")) <= source <= int(e.get("max", "0"))), None)
        new = copy.deepcopy(model) if model is not None else etree.Element(f"{{{MAIN}}}col")
        new.tail = None
        new.set("min", str(target))
        new.set("max", str(target))
        if width is not None:
            # Excel adds the padding of its default font to a typed width.
            new.set("width", str(width + 0.7109375))
            new.set("customWidth", "1")
        later = [e for e in entries if int(e.get("min", "0")) > target]
        if later:
            later[0].addprevious(new)
        else:
            cols.append(new)
        self.mark_dirty()

    def add_list_validation(self, sqref: str, defined_name: str, header: str) -> None:
        validations = self.root.find(f"{{{MAIN}}}dataValidations")
        if validations is None:
            validations = etree.Element(f"{{{MAIN}}}dataValidations")
            _insert_in_order(self.root, validations)
        new = etree.SubElement(validations, f"{{{MAIN}}}dataValidation")
        for key, value in (("type", "list"), ("errorStyle", "warning"), ("allowBlank", "1"),
                           ("showInputMessage", "1"), ("showErrorMessage", "1"),
                           ("errorTitle", "Pick from the list"),
                           ("error", f"Choose a value for {header} from the dropdown list."), ("sqref", sqref)):
            new.set(key, ooxml_text(value))
        etree.SubElement(new, f"{{{MAIN}}}formula1").text = defined_name
        validations.set("count", str(len(validations)))
        self.mark_dirty()

    def validation_ranges(self) -> list[tuple[int, int, int, int]]:
        result = []
        for element, getter, _ in self._range_holders("dataValidation"):
            for piece in getter(element).split():
                result.append(parse_range(piece))
        return result

    def extend_dimension(self, left: int, top: int, right: int, bottom: int) -> None:
        dimension = self.root.find(f"{{{MAIN}}}dimension")
        if dimension is None:
            dimension = etree.Element(f"{{{MAIN}}}dimension")
            dimension.set("ref", "A1")
            _insert_in_order(self.root, dimension)
        old = parse_range(dimension.get("ref", "A1"))
        union = (min(old[0], left), min(old[1], top), max(old[2], right), max(old[3], bottom))
        if union != old or ":" not in dimension.get("ref", ""):
            dimension.set("ref", format_range(*union))
            self.mark_dirty()

    def stretch_ranges(self, first_body: int, old_last: int, new_last: int, left: int, right: int) -> None:
        """Lengthen dropdowns and conditional formats that reached a table's old last row."""
        for kind in ("dataValidation", "conditionalFormatting"):
            for element, getter, setter in self._range_holders(kind):
                pieces = getter(element).split()
                changed = False
                for index, piece in enumerate(pieces):
                    c1, r1, c2, r2 = parse_range(piece)
                    inside = left <= c1 and c2 <= right and first_body <= r1 <= old_last
                    if inside and old_last <= r2 < new_last:
                        pieces[index] = format_range(c1, r1, c2, new_last)
                        changed = True
                if changed:
                    setter(element, " ".join(pieces))
                    self.mark_dirty()

    def _range_holders(self, kind: str):
        """Yield (element, get sqref, set sqref) for main and extension-list (x14) elements."""
        for element in self.root.iter(f"{{{MAIN}}}{kind}"):
            if element.get("sqref"):
                yield element, (lambda e: e.get("sqref")), (lambda e, v: e.set("sqref", v))
        for element in self.root.iter(f"{{*}}{kind}"):
            sqref = element.find(f"{{{XM_NS}}}sqref")
            if element.tag.startswith(f"{{{MAIN}}}") or sqref is None or not sqref.text:
                continue
            yield sqref, (lambda e: e.text), (lambda e, v: setattr(e, "text", v))


# Helpers


def parse_range(ref: str) -> tuple[int, int, int, int]:
    """Return (first column, first row, last column, last row) of "A3:Q38" or "B4"."""
    first, _, last = ref.partition(":")
    start = _CELL_REF.match(first)
    end = _CELL_REF.match(last or first)
    if not start or not end:
        raise TableEditError(f"'{ref}' is not a cell range.")
    return column_index(start.group(1)), int(start.group(2)), column_index(end.group(1)), int(end.group(2))


def format_range(first_col: int, first_row: int, last_col: int, last_row: int) -> str:
    return f"{column_letter(first_col)}{first_row}:{column_letter(last_col)}{last_row}"


def _is_date_format(format_id: int, formats: etree._Element | None) -> bool:
    if format_id in BUILTIN_DATE_FORMATS:
        return True
    for entry in formats if formats is not None else ():
        if entry.get("numFmtId") == str(format_id):
            code = re.sub(r'"[^"]*"|\[[^\]]*\]|\\.', "", entry.get("formatCode", ""))
            return re.search(r"[dy]", code, re.I) is not None
    return False


def _widen_spans(row: etree._Element, col: int) -> None:
    spans = widened_spans(row.get("spans"), col)
    if spans is not None:
        row.set("spans", spans)


def _insert_in_order(root: etree._Element, new: etree._Element) -> None:
    """Insert a worksheet child before the first known sibling that the schema puts after it."""
    rank = WORKSHEET_ORDER.index(etree.QName(new).localname)
    for child in root:
        if not isinstance(child.tag, str) or not child.tag.startswith(f"{{{MAIN}}}"):
            continue
        name = etree.QName(child).localname
        if name in WORKSHEET_ORDER and WORKSHEET_ORDER.index(name) > rank:
            child.addprevious(new)
            return
    root.append(new)


def _rels_part(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


def _rels_xml(relationships: list[tuple[str, str, str]]) -> bytes:
    root = etree.Element(f"{{{PKG_REL_NS}}}Relationships", nsmap={None: PKG_REL_NS})
    for rel_id, kind, target in relationships:
        etree.SubElement(root, f"{{{PKG_REL_NS}}}Relationship", Id=rel_id, Type=kind, Target=target)
    return etree.tostring(root)


def _table_xml(table_id: int, name: str, ref: str, headers: list[str], style: str) -> bytes:
    root = etree.Element(f"{{{MAIN}}}table", nsmap={None: MAIN})
    for key, value in (("id", str(table_id)), ("name", name), ("displayName", name), ("ref", ref),
                       ("totalsRowShown", "0")):
        root.set(key, value)
    etree.SubElement(root, f"{{{MAIN}}}autoFilter", ref=ref)
    columns = etree.SubElement(root, f"{{{MAIN}}}tableColumns", count=str(len(headers)))
    for number, header in enumerate(headers, start=1):
        etree.SubElement(columns, f"{{{MAIN}}}tableColumn", id=str(number), name=ooxml_text(header))
    etree.SubElement(root, f"{{{MAIN}}}tableStyleInfo", name=style, showFirstColumn="0", showLastColumn="0",
                     showRowStripes="1", showColumnStripes="0")
    return etree.tostring(root)


def _sheet_xml(spec: NewSheet, code_name: str, header_row: int, date_style) -> bytes:
    """Return a worksheet part with the titles, the header row and one blank body row."""
    width = len(spec.columns)
    root = etree.Element(f"{{{MAIN}}}worksheet", nsmap={None: MAIN, "r": REL_NS})
    etree.SubElement(root, f"{{{MAIN}}}sheetPr", codeName=code_name)
    etree.SubElement(root, f"{{{MAIN}}}dimension", ref=f"A1:{column_letter(width)}{header_row + 1}")

    views = etree.SubElement(root, f"{{{MAIN}}}sheetViews")
    view = etree.SubElement(views, f"{{{MAIN}}}sheetView", workbookViewId="0")
    freeze_col = spec.freeze_columns
    top_left = f"{column_letter(freeze_col + 1)}{header_row + 1}"
    pane = etree.SubElement(view, f"{{{MAIN}}}pane")
    if freeze_col:
        pane.set("xSplit", str(freeze_col))
    pane.set("ySplit", str(header_row))
    pane.set("topLeftCell", top_left)
    pane.set("activePane", "bottomRight" if freeze_col else "bottomLeft")
    pane.set("state", "frozen")
    etree.SubElement(view, f"{{{MAIN}}}selection", pane=pane.get("activePane"), activeCell=top_left,
                     sqref=top_left)
    etree.SubElement(root, f"{{{MAIN}}}sheetFormatPr", defaultRowHeight="15")

    cols = etree.SubElement(root, f"{{{MAIN}}}cols")
    for number, column in enumerate(spec.columns, start=1):
        entry = etree.SubElement(cols, f"{{{MAIN}}}col", min=str(number), max=str(number),
                                 width=str(column.width + 0.7109375))
        if spec.body_style is not None:
            entry.set("style", spec.body_style)
        entry.set("customWidth", "1")

    etree.SubElement(root, f"{{{MAIN}}}sheetData")
    etree.SubElement(root, f"{{{MAIN}}}pageMargins", left="0.7", right="0.7", top="0.75", bottom="0.75",
                     header="0.3", footer="0.3")
    parts = etree.SubElement(root, f"{{{MAIN}}}tableParts", count="1")
    etree.SubElement(parts, f"{{{MAIN}}}tablePart").set(f"{{{REL_NS}}}id", "rId1")

    cells = _SheetCells(root, [], lambda: None)
    for number, (text, style) in enumerate(spec.titles, start=1):
        cells.write(number, 1, text, style, date_style)
    for number, column in enumerate(spec.columns, start=1):
        cells.write(header_row, number, column.header, spec.header_style, date_style)
        cells.write(header_row + 1, number, None, spec.body_style, date_style)
    bottom = header_row + max(len(spec.rows), 1) + spec.validated_rows
    for number, column in enumerate(spec.columns, start=1):
        if column.choices:
            letter = column_letter(number)
            cells.add_list_validation(f"{letter}{header_row + 1}:{letter}{bottom}", column.choices, column.header)
    return etree.tostring(root)
