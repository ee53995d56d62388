"""The Import log tab: where each imported value came from, and what was not imported.

Each import rewrites the tab whole. It contains no date or time, so importing
the same files again renders the same cells and leaves the file unchanged.
"""

from __future__ import annotations

from .. import contract as c
from ..tabs import LIST_HEADER_ROW, Tab
from .records import LOG_HEADERS, LogRow


def import_log_tab(title: str, summary: str, rows: list[LogRow]) -> Tab:
    """Return the Import log laid out like the other list tabs: titles, then a header row."""
    tab = Tab(c.IMPORT_LOG_SHEET)
    tab.put(0, 0, title, "title")
    tab.put(1, 0, summary, "subtitle")
    tab.put(2, 0, "Rewritten by each import. Problems are also on Data issues until the next refresh.",
            "note")
    tab.put_row(LIST_HEADER_ROW, 0, LOG_HEADERS)
    tab.row_heights[LIST_HEADER_ROW] = 30
    tab.style(LIST_HEADER_ROW, 0, LIST_HEADER_ROW, len(LOG_HEADERS) - 1, "header")
    first = LIST_HEADER_ROW + 1
    if not rows:
        tab.put(first, 0, "Nothing was imported.", "note")
        return tab
    # One row per value imported, so the rows go in whole rather than cell by
    # cell through Tab.put. Every value is text or None after _as_text, which
    # Tab.put would store unchanged.
    while len(tab.cells) < first:
        tab.cells.append([])
    tab.cells[first:] = [[_as_text(v) for v in row.values()] for row in rows]
    tab.style(first, 0, first + len(rows) - 1, len(LOG_HEADERS) - 1, "text")
    return tab


def _as_text(value: object) -> object:
    # Grades typed as numbers show as typed ("3", not "3.0").
    if value is None or isinstance(value, str):
        return value
    return str(value)
