"""Errors that stop a command, each with a message a school user can act on."""

from __future__ import annotations

import errno
from pathlib import Path


class TrackerError(Exception):
    """A command could not complete. The message tells the user what to do next."""


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


class SaveFailed(TrackerError):
    """The workbook could not be written, and the file on disk is as it was."""

    @classmethod
    def from_os_error(cls, path: Path, error: OSError) -> "SaveFailed":
        """Return the error for an OSError met while saving ``path``, in words a school user can act on."""
        folder = path.absolute().parent
        if error.errno == errno.ENOSPC:
            reason = "the disk is full. Free some space and try again"
        elif error.errno == errno.EROFS:
            reason = f"the folder {folder} is on a read-only drive. Save the workbook in another folder"
        elif error.errno in (errno.EACCES, errno.EPERM):
            reason = (f"permission denied in the folder {folder}. The folder may be read-only: "
                      "save the workbook in another folder or ask for write access")
        else:
            reason = error.strerror or str(error)
        return cls(f"{path.name} could not be saved: {reason}. Nothing was changed.")
