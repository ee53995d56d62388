"""LibreOffice headless opens the refreshed workbook and reads the same Summary."""

from __future__ import annotations

import shutil
import subprocess

import pytest
import python_calamine

from tracker import contract as c
from tracker.refresh import refresh_file

from conftest import REFRESH_TIME
from test_refresh_figures import small_school

SOFFICE = shutil.which("soffice")
pytestmark = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")


def convert(path, target_format: str, out_dir) -> None:
    profile = out_dir / "profile"
    subprocess.run(
        [SOFFICE, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", target_format,
         "--outdir", str(out_dir), str(path)],
        check=True, capture_output=True, timeout=180,
    )


def test_libreoffice_reads_summary(build_school, tmp_path):
    path = build_school(small_school())
    refresh_file(path, now=REFRESH_TIME)
    out_dir = tmp_path / "converted"
    out_dir.mkdir()

    convert(path, "xlsx", out_dir)
    converted = out_dir / "school.xlsx"
    ours = python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_name(c.SUMMARY_SHEET)
    theirs = python_calamine.CalamineWorkbook.from_path(str(converted)).get_sheet_by_name(c.SUMMARY_SHEET)
    assert theirs.to_python(skip_empty_area=False)[:12] == ours.to_python(skip_empty_area=False)[:12]


def test_libreoffice_renders_pdf(build_school, tmp_path):
    path = build_school(small_school())
    refresh_file(path, now=REFRESH_TIME)
    convert(path, "pdf", tmp_path)
    pdf = (tmp_path / "school.pdf").read_bytes()
    assert pdf.startswith(b"%PDF")
    assert pdf.count(b"/Type /Page") + pdf.count(b"/Type/Page") >= 2
