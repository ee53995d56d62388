"""Refresh a workbook file: read its tables, run the pipeline, write the owned tabs."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from .core.pipeline import RefreshResult, run
from .errors import TrackerError
from .file_adapter import read_tables, write_tabs
from .package import Package, check_writable
from .tabs import build_tabs


def refresh_file(book: str | Path, out: str | Path | None = None, now: datetime | None = None) -> RefreshResult:
    """Refresh ``book`` in place, or write the refreshed copy to ``out``.

    Only the tabs that refresh owns change; the input sheets, VBA project,
    buttons and everything else are copied across unchanged.
    """
    book = Path(book)
    target = Path(out) if out else book
    if target.suffix.lower() != book.suffix.lower():
        raise TrackerError(
            f"The refreshed copy must keep the workbook's type ({book.suffix}), not '{target.name}'. "
            "For a macro-free .xlsx to share, use 'pptracker export'."
        )
    package = Package.open(book)
    check_writable(book)
    result = run(read_tables(package), now or datetime.now().replace(microsecond=0))
    write_tabs(package, build_tabs(result), target)
    return result
