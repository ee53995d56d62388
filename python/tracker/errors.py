"""Errors that stop a command, each with a message a school user can act on."""

from __future__ import annotations


class TrackerError(Exception):
    """A command could not complete. The message says what to do next."""


class WorkbookNotFound(TrackerError):
    pass


class WorkbookLocked(TrackerError):
    pass


class NotAWorkbook(TrackerError):
    pass


class MissingTable(TrackerError):
    """A required input table is missing or was renamed."""

    def __init__(self, table: str, sheet: str):
        self.table = table
        self.sheet = sheet
        super().__init__(
            f"The table '{table}' was not found. It normally sits on the '{sheet}' sheet. "
            f"If it was renamed, rename it back to '{table}' (Table Design > Table Name); "
            "if it was deleted, copy the sheet from a fresh pptracker.xlsm."
        )


class MissingColumn(TrackerError):
    def __init__(self, table: str, sheet: str, header: str):
        self.table = table
        self.sheet = sheet
        self.header = header
        super().__init__(
            f"The table '{table}' on the '{sheet}' sheet has no column headed '{header}'. "
            f"Add the column back or correct its header to '{header}'."
        )
