"""Summary charts read exactly the rows filled, whoever saved the workbook last."""

from __future__ import annotations

import re
import zipfile

import openpyxl

from tracker import contract as c
from tracker.file_adapter import fit_chart_ranges
from tracker.refresh import refresh_file

from conftest import REFRESH_TIME
from test_refresh_figures import small_school


def chart_ranges(path) -> set[str]:
    with zipfile.ZipFile(path) as archive:
        charts = [archive.read(n) for n in archive.namelist() if n.startswith("xl/charts/chart")]
    return {m.decode() for xml in charts for m in re.findall(rb"<(?:\w+:)?f>([^<]+)</(?:\w+:)?f>", xml)}


def test_unprefixed_chart_ranges_fitted():
    xml = (b'<chartSpace xmlns="http://schemas.openxmlformats.org/drawingml/2006/chart"><ser>'
           b"<cat><strRef><f>'Summary'!$R$7:$R$11</f><strCache><ptCount val=\"5\"/></strCache></strRef></cat>"
           b"<val><numRef><f>'Summary'!$S$7:$S$11</f></numRef></val></ser></chartSpace>")
    fitted = fit_chart_ranges(xml, {7: 3})
    assert b"<f>'Summary'!$R$7:$R$9</f>" in fitted
    assert b"<f>'Summary'!$S$7:$S$9</f>" in fitted
    assert b"strCache" not in fitted


def test_ranges_fitted_after_openpyxl_save(build_school):
    path = build_school(small_school())
    book = openpyxl.load_workbook(path, keep_vba=True)
    settings = book[c.SETTINGS_SHEET]
    for row in settings.iter_rows(min_row=4, max_row=6, min_col=7, max_col=7):
        row[0].value = "N"  # no subject in Combined, so three subject rows
    book.save(path)
    assert any(r.endswith("$R$10") for r in chart_ranges(path))  # built for three subjects and Combined

    refresh_file(path, now=REFRESH_TIME)
    ranges = chart_ranges(path)
    subject_ranges = {r for r in ranges if "$7:" in r}
    assert subject_ranges
    assert all(r.endswith("$9") for r in subject_ranges)
    trend_ranges = {r for r in ranges if "$25:" in r}
    assert trend_ranges
    assert all(r.endswith("$27") for r in trend_ranges)
