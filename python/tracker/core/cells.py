"""Cell problems that values alone cannot show: Excel errors and merged cells.

The adapters put a CellError where a cell holds an Excel error, and list
merged ranges that cross a table's body in ``RawTable.extra["merged"]``.
The pipeline reports both on Data issues before reading any values.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from .issues import IssueLog
from .tables import RawTable, cell_name

MERGED = "merged"


@dataclass(frozen=True)
class CellError:
    """An Excel error value such as #N/A or #REF!, unlike text typed to look like one."""

    code: str

    def __str__(self) -> str:
        return self.code


def report_cell_problems(tables: dict[str, RawTable], issues: IssueLog) -> dict[str, RawTable]:
    """Report error values and merged cells, and return the tables with errors blanked.

    An error is read as a blank cell, so the check for that column reports
    it again if the column needs a value there.
    """
    result = {}
    for name, table in tables.items():
        for cells in table.extra.get(MERGED, []):
            first = cells.split(":")[0]
            issues.add(table.sheet, cells, None,
                       f"Cells {cells} are merged inside the {table.name} table, so only {first} is read.",
                       "Unmerge them (Home > Merge & Center) and type a value in each cell.")

        if not any(isinstance(value, CellError) for row in table.rows for value in row):
            result[name] = table
            continue
        rows = []
        for index, row in enumerate(table.rows):
            for col, value in enumerate(row):
                if isinstance(value, CellError):
                    cell = cell_name(table.first_row + index, table.first_col + col)
                    issues.add(table.sheet, cell, value.code,
                               f"The cell holds the Excel error {value.code}, not a value.",
                               "Read it as blank. Correct the formula or type the value.")
            rows.append([None if isinstance(value, CellError) else value for value in row])
        result[name] = replace(table, rows=rows)
    return result
