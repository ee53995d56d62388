"""The VBA project: button macros added to the built workbook."""

from __future__ import annotations

from pathlib import Path


def add_vba_project(path: Path) -> None:
    # TODO: add the button module and the xlwings module with pyOpenVBA.
    return None
