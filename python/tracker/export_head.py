"""The export for the head: summary tabs as values, laid out as in the workbook.

Each tab keeps the layout and charts of its sheet in the workbook (see
export_layout and export_charts), so a tab that the builder gains later is
exported with its own look.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import python_calamine

from . import contract as c
from .core.pipeline import RefreshResult
from .export import COVER_SHEET, ExportWriter, cover_rows, unique_name, write_cover
from .export_charts import read_charts
from .export_layout import apply_layout, read_layout
from .package import Package
from .tabs import Tab, build_tabs

HEAD_WARNING = ("This file holds personal data about children: names, Pupil Premium, SEN and attendance. "
                "Keep it secure, share it only with staff who need it, and delete it when it is no longer needed.")


def last_refresh_text(package: Package) -> str | None:
    """Return the 'dd/mm/yyyy hh:mm' of the last refresh from the Summary subtitle, if present."""
    pattern = re.compile(rb"Refreshed (\d{2}/\d{2}/\d{4} \d{2}:\d{2})")
    part = package.sheet_parts().get(c.SUMMARY_SHEET)
    # Excel moves text into the shared strings table when it saves the workbook.
    for name in (part, "xl/sharedStrings.xml"):
        match = pattern.search(package.parts.get(name, b"")) if name else None
        if match:
            return match.group(1).decode()
    return None


def export_tabs(package: Package, result: RefreshResult, include_inputs: bool) -> list[Tab]:
    """Return the owned tabs to export, in workbook order.

    A tab is exported only when the workbook has its sheet. Data issues
    points at cells of the input sheets, so it comes only with them.
    """
    order = list(package.sheet_parts())
    tabs = [
        tab for tab in build_tabs(result)
        if tab.name in c.OWNED_SHEETS and tab.name in order
        and (include_inputs or tab.name != c.ISSUES_SHEET)
    ]
    return sorted(tabs, key=lambda tab: order.index(tab.name))


def input_tabs(package: Package) -> list[Tab]:
    """Return every visible input sheet (one holding an Excel table) as values.

    Formulas become their values as last calculated by Excel, because
    calamine reads the cached value of each formula cell.
    """
    book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(package.path.read_bytes()), load_tables=True)
    visible = {meta.name for meta in book.sheets_metadata if meta.visible == python_calamine.SheetVisibleEnum.Visible}
    headers: dict[str, list[tuple[int, int, int]]] = {}
    for name in book.table_names:
        table = book.get_table_by_name(name)
        # The table's start is its first data row, so its header is the row above.
        headers.setdefault(table.sheet, []).append(
            (table.start[0] - 1, table.start[1], table.start[1] + len(table.columns) - 1))

    tabs = []
    for sheet_name in package.sheet_parts():
        if sheet_name not in headers or sheet_name not in visible or sheet_name in c.OWNED_SHEETS:
            continue
        tab = Tab(sheet_name)
        for row, values in enumerate(book.get_sheet_by_name(sheet_name).to_python(skip_empty_area=False)):
            for col, value in enumerate(values):
                if value != "":
                    tab.put(row, col, value)
        for row, first_col, last_col in headers[sheet_name]:
            tab.style(row, first_col, row, last_col, "header")
        tabs.append(tab)
    return tabs


def head_workbook(package: Package, result: RefreshResult, book: Path, last_refreshed: str | None,
                  password: bool, include_inputs: bool) -> bytes:
    """Return the bytes of the head's export: cover, summary tabs and, if asked, the inputs."""
    tabs = export_tabs(package, result, include_inputs)
    inputs = input_tabs(package) if include_inputs else []
    names = [tab.name for tab in tabs + inputs]
    cover_name = unique_name(COVER_SHEET, set(names))

    writer = ExportWriter(f"Pupil Premium export: {result.settings.school}", result.refreshed_at)
    write_cover(writer, cover_name, result, "Pupil Premium export for the head",
                cover_rows(result, book, last_refreshed, password, [cover_name] + names), HEAD_WARNING)

    for tab in tabs:
        sheet = writer.add_sheet(tab.name)
        writer.write_tab(sheet, tab)
        layout = read_layout(package, tab.name)
        apply_layout(writer, sheet, layout)
        for chart in read_charts(package, tab, layout):
            chart.add_to(writer, sheet, tab.name)
    for tab in inputs:
        sheet = writer.add_sheet(tab.name)
        writer.write_tab(sheet, tab)
        apply_layout(writer, sheet, read_layout(package, tab.name))
    return writer.close()
