"""Run button code on xlwings' remote engine, built from a real .xlsm file.

The remote engine (``xw.Book(json=...)``, xlwings 0.37.8) reads a JSON
snapshot of a workbook and records every write as an action instead of
changing Excel. This helper builds the snapshot the way xlwings' VBA client
(xlwings/addin/Remote.bas) does, and applies the value actions back to the
sheet grids so a test can compare them with what another writer produced.
"""

from __future__ import annotations

import copy
import datetime as dt
import os
import posixpath
import re
import zipfile
from pathlib import Path

from lxml import etree

# The remote engine registers itself when xlwings is imported, and only
# with a licence key; "noncommercial" is xlwings' free key for that use.
os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")

import python_calamine  # noqa: E402
import xlwings as xw  # noqa: E402

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
R_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
RANGE_NAME = re.compile(r"^(?:'((?:[^']|'')+)'|([^'!]+))!(\$?[A-Z]{1,3}\$?\d+(?::\$?[A-Z]{1,3}\$?\d+)?)$")
EXCEL_EPOCH = dt.datetime(1899, 12, 30)
# xlwings writes a date as "YYYY-MM-DD" and a datetime as "YYYY-MM-DD HH:MM:SS".
WRITTEN_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?: (\d{2}:\d{2}:\d{2}))?$")
PAYLOAD_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")
# Actions that change no cell value: formats, layout, the view, message boxes,
# saving and resizing a table (the values of its new rows are separate actions).
NON_VALUE_ACTIONS = frozenset({
    "resizeTable",
    "activateSheet", "alert", "calculate", "rangeClearFormats", "rangeSelect", "setAutofit", "setBorderProperty",
    "setCalculation", "setColumnHidden", "setColumnWidth", "setFontProperty", "setHorizontalAlignment",
    "setNumberFormat", "setRangeColor", "setRangeColors", "setRowHeight", "setRowHidden", "setScreenUpdating",
    "setSheetAutofit", "setSheetVisibility", "setShowGridlines", "setVerticalAlignment", "setWrapText",
    "sheetClearFormats", "freezePaneAtRange", "freezePaneUnfreeze", "setChartSourceData", "save",
})


def ensure_remote_engine() -> None:
    """Register the remote engine if xlwings was imported before the licence key was set."""
    if "remote" not in [engine.name for engine in xw.engines]:
        from xlwings.main import Engine
        from xlwings.pro import _xlremote

        xw.engines.add(Engine(impl=_xlremote.engine))


def payload_value(value: object) -> object:
    """Return a calamine cell in the form the VBA client sends: "" when empty, dates as ISO text with Z."""
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="milliseconds") + "Z"
    if isinstance(value, dt.date):
        return f"{value.isoformat()}T00:00:00.000Z"
    if isinstance(value, dt.time):
        return dt.datetime.combine(EXCEL_EPOCH.date(), value).isoformat(timespec="milliseconds") + "Z"
    if isinstance(value, dt.timedelta):
        return (EXCEL_EPOCH + value).isoformat(timespec="milliseconds") + "Z"
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _xml(archive: zipfile.ZipFile, part: str):
    return etree.fromstring(archive.read(part))


def _targets(archive: zipfile.ZipFile, part: str) -> dict[str, str]:
    folder, name = posixpath.split(part)
    rels = posixpath.join(folder, "_rels", name + ".rels")
    if rels not in archive.namelist():
        return {}
    return {rel.get("Id"): posixpath.normpath(posixpath.join(folder, rel.get("Target")))
            for rel in _xml(archive, rels).iter(f"{REL}Relationship")}


def _absolute(ref: str) -> tuple[str, int, str, int]:
    first, last = ref.split(":")
    c1, r1 = re.match(r"([A-Z]+)(\d+)", first).groups()
    c2, r2 = re.match(r"([A-Z]+)(\d+)", last).groups()
    return c1, int(r1), c2, int(r2)


def _table(table) -> dict:
    c1, r1, c2, r2 = _absolute(table.get("ref"))
    headers = int(table.get("headerRowCount", "1"))
    totals = int(table.get("totalsRowCount", "0"))
    body_first, body_last = r1 + headers, r2 - totals
    style = table.find(f"{MAIN}tableStyleInfo")
    return {
        "name": table.get("displayName") or table.get("name"),
        "range_address": f"${c1}${r1}:${c2}${r2}",
        "header_row_range_address": f"${c1}${r1}:${c2}${r1}" if headers else None,
        "data_body_range_address": f"${c1}${body_first}:${c2}${body_last}" if body_first <= body_last else None,
        "total_row_range_address": f"${c1}${r2}:${c2}${r2}" if totals else None,
        "show_headers": bool(headers),
        "show_totals": bool(totals),
        "table_style": style.get("name") if style is not None else None,
        "show_autofilter": table.find(f"{MAIN}autoFilter") is not None,
        "columns": [column.get("name") for column in table.iter(f"{MAIN}tableColumn")],
    }


def _name(defined, sheet_names: list[str]) -> dict | None:
    # The VBA client sends only names that refer to one range.
    match = RANGE_NAME.match((defined.text or "").strip())
    if defined.get("name").startswith("_xlnm.") or match is None:
        return None
    sheet = (match.group(1) or "").replace("''", "'") or match.group(2)
    if sheet not in sheet_names:
        return None
    scope = defined.get("localSheetId")
    return {
        "name": defined.get("name"),
        "sheet_index": sheet_names.index(sheet),
        "address": match.group(3).replace("$", ""),
        "book_scope": scope is None,
        "scope_sheet_name": None if scope is None else sheet_names[int(scope)],
        "scope_sheet_index": None if scope is None else int(scope),
    }


ERROR_CELL = re.compile(rb'<c\b(?=[^>]*\bt="e")[^>]*\br="([A-Z]+)(\d+)"[^>]*>.*?<v>([^<]*)</v>', re.S)


def _column(letters: str) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - 64
    return index


def book_json(path: str | os.PathLike) -> dict:
    """Return the ``xw.Book(json=...)`` payload for a workbook file.

    Cells holding an Excel error are sent as its text ("#N/A"), as the VBA
    client sends them; python-calamine reads them as empty.
    """
    path = Path(path)
    tables: dict[str, list[dict]] = {}
    errors: dict[str, list[tuple[int, int, str]]] = {}
    with zipfile.ZipFile(path) as archive:
        workbook = _xml(archive, "xl/workbook.xml")
        targets = _targets(archive, "xl/workbook.xml")
        sheets = list(workbook.iter(f"{MAIN}sheet"))
        sheet_names = [sheet.get("name") for sheet in sheets]
        for sheet in sheets:
            part = targets[sheet.get(R_ID)]
            sheet_targets = _targets(archive, part)
            errors[sheet.get("name")] = [(int(m.group(2)) - 1, _column(m.group(1).decode()) - 1, m.group(3).decode())
                                         for m in ERROR_CELL.finditer(archive.read(part))]
            tables[sheet.get("name")] = [_table(_xml(archive, sheet_targets[t.get(R_ID)]))
                                         for t in _xml(archive, part).iter(f"{MAIN}tablePart")]
        names = [n for n in (_name(d, sheet_names) for d in workbook.iter(f"{MAIN}definedName")) if n]

    calamine = python_calamine.CalamineWorkbook.from_path(str(path))
    payload_sheets = []
    for name in sheet_names:
        rows = calamine.get_sheet_by_name(name).to_python(skip_empty_area=False)
        for row, col, code in errors[name]:
            rows[row][col] = code
        payload_sheets.append({
            "name": name,
            "values": [[payload_value(v) for v in row] for row in rows] or [[]],
            "tables": tables.get(name, []),
            "pictures": [],
        })
    return {
        "client": "VBA",
        "version": xw.__version__,
        "book": {"name": path.name, "active_sheet_index": 0, "selection": "A1"},
        "names": names,
        "sheets": payload_sheets,
    }


def remote_book(payload: dict):
    """Return a remote-engine book on a copy of the payload (the engine edits what it is given)."""
    ensure_remote_engine()
    return xw.Book(json=copy.deepcopy(payload))


def _cell_from_action(value: object) -> object:
    if isinstance(value, str):
        match = WRITTEN_DATE.match(value)
        if match:
            return f"{match.group(1)}T{match.group(2) or '00:00:00'}.000Z"
    return "" if value is None else value


def _fit(grid: list[list[object]], rows: int, columns: int) -> None:
    if grid == [[]]:
        grid.clear()
    width = max([columns] + [len(row) for row in grid])
    for row in grid:
        row.extend([""] * (width - len(row)))
    while len(grid) < rows:
        grid.append([""] * width)


def apply_actions(payload: dict, actions: list[dict]) -> dict[str, list[list[object]]]:
    """Return {sheet name: grid} after applying the value actions to the payload's sheets.

    Actions that change no value are skipped. Any other action raises
    NotImplementedError, so a test never compares against a grid this helper
    could not build.
    """
    names = [sheet["name"] for sheet in payload["sheets"]]
    grids = [[list(row) for row in sheet["values"]] for sheet in payload["sheets"]]
    for action in actions:
        func = action["func"]
        if func in NON_VALUE_ACTIONS:
            continue
        grid = grids[action["sheet_position"]] if action.get("sheet_position") is not None else None
        top, left = action.get("start_row"), action.get("start_column")
        if func == "setValues":
            values = action["values"]
            _fit(grid, top + len(values), left + max(len(row) for row in values))
            for r, row in enumerate(values):
                for col, value in enumerate(row):
                    grid[top + r][left + col] = _cell_from_action(value)
        elif func in ("rangeClearContents", "rangeClear"):
            for row in grid[top:top + action["row_count"]]:
                for col in range(left, min(len(row), left + action["column_count"])):
                    row[col] = ""
        else:
            raise NotImplementedError(f"apply_actions cannot apply {func!r}: {action}")
    return dict(zip(names, grids))


def plain_value(value: object) -> object:
    """Return a cell in one comparable form: None when empty, datetimes, whole floats as int."""
    if value is None or value == "":
        return None
    if isinstance(value, str) and PAYLOAD_DATE.match(value):
        return dt.datetime.fromisoformat(value[:-1])
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def trimmed(grid: list[list[object]]) -> list[list[object]]:
    """Return a grid of plain values without trailing empty rows and columns."""
    rows = [[plain_value(v) for v in row] for row in grid]
    while rows and all(v is None for v in rows[-1]):
        rows.pop()
    width = max((max((i + 1 for i, v in enumerate(row) if v is not None), default=0) for row in rows), default=0)
    return [row[:width] + [None] * (width - len(row[:width])) for row in rows]
