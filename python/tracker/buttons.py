"""Excel button handlers: one function per button on the Start sheet.

Each macro in vba/Buttons.bas makes one fixed call,
``RunPython "import tracker.buttons; tracker.buttons.<function>()"``.
Importing this module loads only the standard library, so Python starts
quickly after a click. xlwings, pandas and the pipeline load inside the
handler that needs them.

To add a button, write its handler below under ``@button(...)``, add a
``Sub <macro>`` that runs it to vba/Buttons.bas, and rebuild the workbook:
the Start sheet shows one button per entry of BUTTONS, in order.
"""

from __future__ import annotations

import functools

# errors.py imports nothing heavy, so it can load with this module.
from .errors import TrackerError

LOG_NAME = "pptracker-errors.log"


class Button:
    """A button on the Start sheet and the handler it runs."""

    __slots__ = ("macro", "caption", "function", "purpose")

    def __init__(self, macro: str, caption: str, function: str, purpose: str):
        self.macro = macro  # the Sub in vba/Buttons.bas
        self.caption = caption  # the label on the button
        self.function = function  # the handler's name in this module
        self.purpose = purpose  # one line beside the button

    def __repr__(self) -> str:
        return f"Button({self.macro!r}, {self.caption!r}, {self.function!r})"


BUTTONS: list[Button] = []


def button(macro: str, caption: str, purpose: str):
    """Register a handler as a Start-sheet button.

    The decorated function takes the calling ``xlwings.Book``. The handler
    that replaces it takes the book as an optional argument and uses
    ``xw.Book.caller()`` when it is left out, as it is when Excel calls.
    """

    def register(action):
        BUTTONS.append(Button(macro, caption, action.__name__, purpose))

        @functools.wraps(action)
        def handler(book=None) -> None:
            run_button(caption, action, book)

        return handler

    return register


def run_button(caption: str, action, book=None) -> None:
    """Run one button's action on the calling book and report any failure in plain words.

    A TrackerError becomes one message box and one row on Data issues. Any
    other error also goes, with its traceback, to a log file beside the
    workbook. Errors before the book is found (no Excel, no caller) are left
    to xlwings, which shows them in its own message box.
    """
    import xlwings as xw

    from . import excel_adapter as excel

    if book is None:
        book = xw.Book.caller()
    try:
        problem = version_problem(excel.workbook_xlwings_version(book), xw.__version__)
        if problem:
            raise XlwingsVersionMismatch(problem)
        excel.set_status(book, f"pptracker: {caption}...")
        action(book)
    except TrackerError as error:
        _report(book, caption, str(error), getattr(error, "sheet", ""), getattr(error, "cell", ""))
    except Exception as error:  # any other failure still reaches the user as one message
        log = log_unexpected(book, caption, error)
        message = (f"An unexpected error stopped it ({type(error).__name__}: {error}). "
                   f"The details are in {log}: send that file to whoever supports pptracker at your school. "
                   "If the tabs look half done, close the workbook without saving and open it again.")
        _report(book, caption, message)
    finally:
        excel.set_status(book, None)


class XlwingsVersionMismatch(TrackerError):
    """The workbook's xlwings VBA module and the Python xlwings package differ."""


def version_problem(workbook_version: str | None, python_version: str) -> str | None:
    """Return a plain message when the workbook's xlwings differs from Python's, else None."""
    if workbook_version is None or workbook_version == python_version:
        return None
    return (f"This workbook's buttons were built with xlwings {workbook_version}, but Python has xlwings "
            f"{python_version}. Open a Command Prompt (Terminal on a Mac) and run: "
            f"python -m pip install xlwings=={workbook_version}   then click the button again.")


def _report(book, caption: str, problem: str, sheet: str = "", cell: str = "") -> None:
    """Show one message box and put the same problem on the Data issues tab."""
    from . import excel_adapter as excel

    where = ""
    if sheet:
        where = f" (sheet '{sheet}'" + (f", cell {cell})" if cell else ")")
    action = f"{caption} stopped here. Fix the problem and click the button again."
    try:
        from .contract import ISSUES_SHEET

        old = excel.sheet_grid(book, ISSUES_SHEET)
        excel.write_tab(book, excel.failure_tab(caption, problem, action, sheet, cell, old=old))
    except Exception as error:  # the message box below still reaches the user
        log_unexpected(book, f"{caption}: writing the problem to Data issues", error)
    excel.alert(book, f"{caption} did not finish{where}.\n\n{problem}")


def log_path(book) -> "Path":
    """Return the log file beside the workbook, or in the home folder for a web address."""
    from pathlib import Path

    fullname = Path(str(getattr(book, "fullname", "") or ""))
    if fullname.is_absolute() and fullname.parent.is_dir():
        return fullname.parent / LOG_NAME
    # OneDrive and SharePoint give the workbook a web address, not a folder.
    return Path.home() / LOG_NAME


def log_unexpected(book, caption: str, error: BaseException) -> "Path":
    """Append the error and its traceback to the log file and return its path."""
    import logging
    from pathlib import Path

    path = log_path(book)
    logger = logging.getLogger("tracker.buttons")
    try:
        handler = logging.FileHandler(path, encoding="utf-8")
    except OSError:
        path = Path.home() / LOG_NAME
        handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    logger.addHandler(handler)
    try:
        logger.error("%s failed in %s", caption, getattr(book, "fullname", "the workbook"),
                     exc_info=(type(error), error, error.__traceback__))
    finally:
        logger.removeHandler(handler)
        handler.close()
    return path


@button("RefreshSummary", "Refresh summary",
        "Fills Summary, Not on track, PP pupils and Data issues from the input sheets.")
def refresh_summary(book) -> None:
    from . import excel_adapter as excel

    excel.refresh_book(book, status=lambda text: excel.set_status(book, text))


@button("SetUpClassSheets", "Set up class sheets",
        "Makes a copy of this workbook with a sheet for each class in the register, and opens it.")
def set_up_class_sheets(book) -> None:
    """Save the workbook, set up class sheets in a copy beside it and open the copy.

    Setting up class sheets works on the file (tracker.classes), and Excel
    on Windows keeps an open workbook's file locked, so the changes cannot
    go into the open file. The copy contains everything typed up to the click.
    When nothing needs to change, the copy is deleted and no file is added.
    """
    import shutil

    from . import excel_adapter as excel
    from .classes import setup_classes

    source = local_path(book)
    excel.set_status(book, "pptracker: saving this workbook...")
    book.save()
    copy = free_copy_path(source)
    shutil.copyfile(source, copy)
    excel.set_status(book, "pptracker: setting up class sheets in a copy...")
    try:
        report = setup_classes(copy)
    except BaseException:
        copy.unlink(missing_ok=True)
        raise
    if not report.changed:
        copy.unlink()
        excel.alert(book, report.summary().replace(copy.name, source.name), mode="info")
        return
    open_workbook(book.app, copy)
    excel.alert(book, f"{report.summary()}\n\n'{copy.name}' is now open. This workbook was saved and its sheets "
                      "were not changed: carry on in the new copy, and keep this one as a backup or delete it.",
                mode="info")


@button("ImportRegister", "Import register",
        "Updates the Pupils register from an MIS export (CSV or Excel) or a Common Transfer File.")
def import_mis_register(book) -> None:
    """Update the Pupils table from the file in Settings, or one chosen in a dialog, and show what changed."""
    from . import excel_adapter as excel
    from .excel_import import import_register_file

    report = import_register_file(book, lambda text: excel.set_status(book, text))
    if report is not None:
        excel.alert(book, report.summary(), mode="info")


@button("ImportProgressFiles", "Import progress files",
        "Reads teachers' progress files from a folder into the empty grade cells of the class sheets.")
def import_progress_files(book) -> None:
    """Import the progress files of the folder in Settings, or one chosen in a dialog, and show the outcome."""
    from . import excel_adapter as excel
    from .excel_import import import_progress_files as import_files

    report = import_files(book, lambda text: excel.set_status(book, text))
    if report is not None:
        excel.alert(book, report.summary(), mode="info")


@button("ExportForHead", "Export for head",
        "Saves this workbook, then writes a copy of the results without macros, and a PDF of Summary, beside it.")
def export_for_head(book) -> None:
    from . import excel_adapter as excel
    from .excel_export import export_book

    message = export_book(book)
    if message is not None:
        excel.alert(book, message, mode="info")


@button("ExportForGovernors", "Governors' report",
        "Saves this workbook, then writes the governors' report beside it: figures only, no names.")
def export_for_governors(book) -> None:
    from . import excel_adapter as excel
    from .excel_export import export_book

    excel.alert(book, export_book(book, governors=True), mode="info")


def open_workbook(app, path: "Path") -> None:
    """Open a workbook file in the Excel instance that ran the button."""
    app.books.open(str(path))


def local_path(book) -> "Path":
    """Return the workbook's file on this computer, or raise TrackerError when there is none."""
    from pathlib import Path

    fullname = str(getattr(book, "fullname", "") or "")
    if "://" in fullname:
        try:
            from xlwings.utils import fullname_url_to_local_path

            fullname = str(fullname_url_to_local_path(fullname, None, None, None))
        except Exception:  # xlwings raises its own errors when it cannot map the address
            fullname = ""
    path = Path(fullname) if fullname else None
    if path is None or not path.is_absolute() or not path.is_file():
        raise TrackerError(
            "This button needs the workbook saved in a folder on this computer, and Excel reports it at "
            f"'{getattr(book, 'fullname', '')}'. Save a copy to a local or synced folder (File > Save a Copy), "
            "open that copy and click the button again."
        )
    return path


def free_copy_path(source: "Path") -> "Path":
    """Return an unused file name beside ``source`` for its class-sheets copy."""
    return free_path(source.with_name(f"{source.stem} (class sheets){source.suffix}"))


def free_path(wanted: "Path") -> "Path":
    """Return ``wanted`` when no file has that name, else the first free '<name> 2', '<name> 3' and so on."""
    candidate = wanted
    number = 2
    while candidate.exists():
        candidate = wanted.with_name(f"{wanted.stem} {number}{wanted.suffix}")
        number += 1
    return candidate
