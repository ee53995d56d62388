"""The Start sheet's status cells and the register's PP shading, on real files.

The status cells are formulas over what a refresh writes, so LibreOffice
recalculates them here and python-calamine reads the results back.
"""

from __future__ import annotations

import shutil
import subprocess

import openpyxl
from openpyxl.utils import get_column_letter
import pytest
import python_calamine

from tracker import contract as c
from tracker.build import VALIDATED_ROWS, build_workbook
from tracker.demo import make_school
from tracker.refresh import refresh_file

from conftest import REFRESH_TIME

SOFFICE = shutil.which("soffice")


def start_status(path) -> dict[str, object]:
    """Return {label: value} for the Last refresh and Data issues rows of the Start sheet."""
    book = python_calamine.CalamineWorkbook.from_path(str(path))
    rows = book.get_sheet_by_name(c.START_SHEET).to_python(skip_empty_area=False)
    return {row[1]: row[2] for row in rows if len(row) > 2 and row[1] in ("Last refresh", "Data issues")}


@pytest.fixture(scope="module")
def refreshed(tmp_path_factory):
    path = tmp_path_factory.mktemp("start") / "school.xlsm"
    build_workbook(path, make_school(pupils=35, seed=6))
    result = refresh_file(path, now=REFRESH_TIME)
    return path, result


def test_status_before_refresh(tmp_path):
    path = build_workbook(tmp_path / "empty.xlsm")
    assert start_status(path) == {"Last refresh": "Not yet: click Refresh summary", "Data issues": 0.0}


def test_status_formulas_read_refresh(refreshed):
    path, _ = refreshed
    sheet = openpyxl.load_workbook(path)[c.START_SHEET]
    formulas = [cell.value for row in sheet.iter_rows() for cell in row
                if isinstance(cell.value, str) and cell.value.startswith("=")]
    assert len(formulas) == 2
    assert "'Summary'!$A$2" in formulas[0]
    assert "'Data issues'!$D$5:$D$100000" in formulas[1]


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")
def test_status_after_recalculation(refreshed, tmp_path):
    path, result = refreshed
    subprocess.run([SOFFICE, f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--headless",
                    "--convert-to", "xlsx", "--outdir", str(tmp_path), str(path)],
                   check=True, capture_output=True, timeout=180)
    status = start_status(tmp_path / "school.xlsx")
    assert status["Last refresh"] == f"{REFRESH_TIME:%d/%m/%Y %H:%M}"
    assert status["Data issues"] == len(result.issues)


def test_register_shades_pp_rows(tmp_path):
    path = build_workbook(tmp_path / "empty.xlsm")
    sheet = openpyxl.load_workbook(path)[c.PUPILS_SHEET]
    rules = [(str(area.sqref), rule.formula) for area in sheet.conditional_formatting for rule in area.rules]
    pp_column = get_column_letter([col.header for col in c.PUPILS_COLUMNS].index("PP") + 1)
    last_column = get_column_letter(len(c.PUPILS_COLUMNS))
    assert rules == [(f"A4:{last_column}{3 + VALIDATED_ROWS}", [f'${pp_column}4="Y"'])]
