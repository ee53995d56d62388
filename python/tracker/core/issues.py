"""Data issues: problems found in the inputs, each tied to a sheet and cell."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

ISSUE_COLUMNS = ["Sheet", "Cell", "Value", "Problem", "What was done"]


@dataclass(frozen=True)
class Issue:
    sheet: str
    cell: str
    value: object
    problem: str
    action: str


@dataclass
class IssueLog:
    """An ordered list of issues; the Data issues tab shows them as found."""

    items: list[Issue] = field(default_factory=list)
    # False for a reader that needs the parsed values but not the report,
    # such as an import reading the register. Checks whose only outcome is
    # an issue may then be skipped.
    keep: bool = True

    def add(self, sheet: str, cell: str, value: object, problem: str, action: str) -> None:
        if self.keep:
            self.items.append(Issue(sheet, cell, value, problem, action))

    def __len__(self) -> int:
        return len(self.items)

    def to_frame(self) -> pd.DataFrame:
        rows = [[i.sheet, i.cell, i.value, i.problem, i.action] for i in self.items]
        return pd.DataFrame(rows, columns=ISSUE_COLUMNS, dtype=object)
