"""The workbook's VBA project: xlwings' standalone module and our button macros.

pyOpenVBA 6.5.0 can only add a project to an existing .xlsm package, and a
package that XlsxWriter wrote without ``add_vba_project`` keeps the plain
.xlsx main content type, which Excel rejects under an .xlsm name. So the
project is made on a scratch workbook with the same number of sheets, and
its ``vbaProject.bin`` goes to XlsxWriter's ``add_vba_project``, which marks
the main part as macro-enabled and writes the code names.
"""

from __future__ import annotations

import io
import re
import tempfile
import zipfile
from functools import lru_cache
from pathlib import Path

BUTTONS_MODULE = "Buttons"
XLWINGS_MODULE = "xlwings"
# xlwings.bas uses this class only under "#If Mac", and `xlwings release`
# ships it beside the module, so the workbook carries it for Mac users.
DICTIONARY_CLASS = "Dictionary"

BUTTONS_SOURCE = Path(__file__).parent / "vba" / f"{BUTTONS_MODULE}.bas"

# xlwings' RunPython reads its settings from a sheet of this name: keys
# down column A from A1 to the first blank, values in column B.
XLWINGS_CONF_SHEET = "xlwings.conf"
XLWINGS_SETTINGS = (
    # "python" on the PATH; set a full path here if Python is elsewhere.
    ("Interpreter_Win", "python"),
    # Blank means "python". On a Mac that name may not reach the Python that
    # has pptracker, so the README explains how to put the full path here.
    ("Interpreter_Mac", ""),
    ("PYTHONPATH", ""),
    # The package is installed, so nothing beside the workbook is needed on
    # sys.path. This also stops xlwings mapping a OneDrive or SharePoint web
    # address to a local folder, which fails when the folder is not synced.
    ("ADD_WORKBOOK_TO_PYTHONPATH", False),
    ("Show Console", False),
)
# Beside the settings, outside the columns xlwings reads, the build records
# the version of the xlwings VBA module it put in the workbook. Python
# compares it with its own xlwings when a button is clicked.
VERSION_LABEL_CELL = (0, 3)  # D1
VERSION_CELL = (0, 4)  # E1
_VERSION_CONSTANT = re.compile(r'^Public Const XLWINGS_VERSION As String = "([^"]+)"', re.M)


def buttons_source() -> str:
    """Return our button module, as kept in the repository."""
    return BUTTONS_SOURCE.read_text(encoding="utf-8")


def xlwings_sources() -> dict[str, str]:
    """Return xlwings' standalone module and its Dictionary class from the installed xlwings.

    Taking them from the installed package keeps the VBA side at the same
    version as the Python side, which pyproject.toml pins.
    """
    import xlwings

    folder = Path(xlwings.__file__).parent
    return {
        XLWINGS_MODULE: (folder / "xlwings.bas").read_text(encoding="utf-8"),
        DICTIONARY_CLASS: (folder / "addin" / "Dictionary.cls").read_text(encoding="utf-8"),
    }


def xlwings_module_version(source: str) -> str | None:
    """Return the XLWINGS_VERSION constant of an xlwings VBA module, or None."""
    match = _VERSION_CONSTANT.search(source)
    return match.group(1) if match else None


def installed_xlwings_version() -> str:
    """Return the version of the xlwings VBA module that a build puts in the workbook."""
    version = xlwings_module_version(xlwings_sources()[XLWINGS_MODULE])
    if version is None:
        raise RuntimeError("xlwings.bas in the installed xlwings has no XLWINGS_VERSION constant.")
    return version


def _crlf(text: str) -> str:
    # The VBA editor stores CRLF line ends and pyOpenVBA does not convert them.
    return text.replace("\r\n", "\n").replace("\n", "\r\n")


@lru_cache(maxsize=8)
def build_vba_project(sheet_count: int) -> bytes:
    """Return a vbaProject.bin for a workbook of ``sheet_count`` sheets.

    Its document modules are ThisWorkbook and Sheet1..Sheet<n>, the code
    names the builder gives its sheets. Our module comes first: pyOpenVBA's
    loader stops at the first module it cannot parse, and in pyOpenVBA 6.5.0
    that is xlwings.bas. The result depends only on the sources and the
    sheet count, because pyOpenVBA writes no timestamps.
    """
    import xlsxwriter
    from pyopenvba import ExcelFile, VBAModuleKind

    sources = xlwings_sources()
    with tempfile.TemporaryDirectory(prefix="pptracker-vba-") as folder:
        scratch = Path(folder, "scratch.xlsm")
        book = xlsxwriter.Workbook(str(scratch))
        for _ in range(sheet_count):
            book.add_worksheet()
        book.close()

        with_project = Path(folder, "with_project.xlsm")
        with ExcelFile(scratch) as workbook:
            project = workbook.add_vba_project()
            project.add_module(BUTTONS_MODULE, _crlf(buttons_source()))
            project.add_module(XLWINGS_MODULE, _crlf(sources[XLWINGS_MODULE]))
            project.add_module(DICTIONARY_CLASS, _crlf(sources[DICTIONARY_CLASS]), kind=VBAModuleKind.other)
            workbook.save(with_project)
        with zipfile.ZipFile(with_project) as package:
            return package.read("xl/vbaProject.bin")


def write_xlwings_conf(sheet, formats: dict) -> None:
    """Fill the hidden xlwings.conf sheet of a workbook being built with XlsxWriter."""
    sheet.set_column(0, 0, 30)
    sheet.set_column(1, 1, 50)
    sheet.set_column(3, 3, 44)
    sheet.set_column(4, 4, 12)
    for row, (key, value) in enumerate(XLWINGS_SETTINGS):
        sheet.write_string(row, 0, key)
        if isinstance(value, bool):
            sheet.write_boolean(row, 1, value)
        elif value:
            sheet.write_string(row, 1, value)
    sheet.write_string(*VERSION_LABEL_CELL, "xlwings version of this workbook's VBA")
    sheet.write_string(*VERSION_CELL, installed_xlwings_version())
    notes = [
        "Settings for the xlwings VBA module that runs the Start sheet's buttons.",
        "Keys go down column A from A1 with no blank rows; values go in column B.",
        "Interpreter_Win / Interpreter_Mac: the full path of python.exe or python3 if it is not on the PATH.",
        "Cell E1 records the xlwings version of the VBA module. Leave it as it is.",
    ]
    for row, text in enumerate(notes, start=2):
        sheet.write_string(row, 3, text, formats["note"])
    sheet.hide()


def attach_vba_project(book, sheet_count: int) -> None:
    """Give an open XlsxWriter workbook our VBA project; call it before ``close``."""
    book.add_vba_project(io.BytesIO(build_vba_project(sheet_count)), is_stream=True)
