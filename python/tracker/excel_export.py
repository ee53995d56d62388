"""Export for the head and the governors' report, for the Excel buttons.

The export (tracker.export) reads the workbook's file, so the button saves
the workbook first and the export matches what is on screen. The file goes
beside the workbook, named after it and the date. The head's export can
have a password, typed in a dialog and passed straight to the encryption.
It is never stored, logged or shown again. Excel itself also saves the
Summary tab as a one-page PDF, using the tab's print settings.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from . import contract as c
from . import dialogs
from . import excel_adapter as excel
from .buttons import free_path, local_path
from .export import MIN_PASSWORD_LENGTH, check_password, export_for_head

HEAD_LABEL = "for head"
GOVERNORS_LABEL = "governors report"


def export_book(book, governors: bool = False) -> str | None:
    """Save the workbook, write the export beside it and return the message to show.

    Returns None when the user cancels the password dialog; nothing is
    saved or written then.
    """
    source = local_path(book)
    password = None
    if not governors:
        password = dialogs.ask_password(
            book,
            f"Type a password of at least {MIN_PASSWORD_LENGTH} characters for the export, or leave this "
            "empty for none. Excel will ask for it before opening the file. Send the password separately "
            "from the file.",
            "pptracker: Export for head",
            instead=("This Excel cannot show a password box. Close the workbook and run "
                     "'pptracker export' with --password in a Command Prompt instead."))
        if password is None:
            return None
        # Checked before the save, so a refused password leaves the workbook as it was.
        check_password(password or None)

    excel.set_status(book, "pptracker: saving this workbook...")
    book.save()
    when = excel.now()
    out = export_path(source, GOVERNORS_LABEL if governors else HEAD_LABEL, when)
    excel.set_status(book, f"pptracker: writing {out.name}...")
    export_for_head(source, out, password=password or None, governors=governors, now=when)

    lines = [f"Saved '{out.name}' beside this workbook (in {out.parent})."]
    if governors:
        lines.append("It contains figures only: no names, UPNs or pupil rows, and groups smaller than the "
                     "small-group size are not shown.")
    elif password:
        lines.append("It has a password: Excel asks for it before opening the file.")
    else:
        lines.append("It has no password and contains pupils' names: share it only on school systems.")
    if not governors:
        excel.set_status(book, "pptracker: saving Summary as a PDF...")
        pdf = summary_pdf(book, out.with_name(f"{out.stem} Summary.pdf"))
        if pdf is None:
            lines.append("No PDF of Summary was made: this Excel cannot save a PDF for pptracker.")
        else:
            lines.append(f"Also saved '{pdf.name}', the Summary tab on one page as last refreshed. "
                         "It has no password; it shows figures, not names.")
    return "\n\n".join(lines)


def export_path(source: Path, label: str, when: datetime) -> Path:
    """Return an unused name beside the workbook: '<name> <label> <yyyy-mm-dd>.xlsx'."""
    return free_path(source.with_name(f"{source.stem} {label} {when:%Y-%m-%d}.xlsx"))


def summary_pdf(book, path: Path) -> Path | None:
    """Save the Summary tab as a PDF through Excel and return its path, or None where Excel cannot.

    Excel prints the tab with its own page set-up, which the builder fits
    on one landscape page.
    """
    module = type(book.impl).__module__
    if not module.endswith(("_xlwindows", "_xlmac")):
        # xlwings' remote engine has no PDF export.
        return None
    # NOTE: not run here. Excel for Mac may only write PDFs into folders it
    # has been given access to.
    book.sheets[c.SUMMARY_SHEET].to_pdf(str(path))
    return path
