"""Properties of refresh that must hold for any input tables (hypothesis).

Whatever staff type, a refresh never changes an input part, never drops a
non-blank row without a Data issues row on that row, and gives the same
output twice. The core properties run on tables read from a real built
workbook, with generated rows put in their place. The file property
builds a real workbook for every example.
"""

from __future__ import annotations

import copy
import re
import sys
import zipfile
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tracker import contract as c
from tracker.build import build_workbook
from tracker.core.cells import CellError
from tracker.core.pipeline import run, to_json
from tracker.core.tables import cell_name
from tracker.file_adapter import read_tables
from tracker.package import Package
from tracker.refresh import refresh_file

sys.path.insert(0, str(Path(__file__).parent / "cases"))
from make_cases import CLASS_HEADERS, base_school, upn  # noqa: E402

NOW = datetime(2026, 3, 20, 15, 30)
FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=6, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

# Values staff and pasted exports put in cells: good ones, near misses and junk.
UPNS = [upn(serial) for serial in range(8)]
texts = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
junk = st.one_of(
    st.none(), texts, st.integers(-5, 200), st.floats(-1e6, 1e6, allow_nan=False),
    st.dates(date(1990, 1, 1), date(2035, 12, 31)), st.booleans(),
    st.sampled_from([CellError("#N/A"), CellError("#REF!"), " ", "\u00a0", "=1+1", "@x", "-"]),
)


def column_values(header: str) -> st.SearchStrategy | None:
    """Return a strategy for sensible values of a column (good ones and near misses), if any."""
    sensible = {
        "UPN": st.sampled_from(UPNS + [u.lower() for u in UPNS[:2]] + ["A12345", "X" * 13]),
        "Surname": st.sampled_from(["Smith", "Ní Bhriain", "O'Brien", "=SUM(A1)", "محمد", "Zoë 🦄"]),
        "Forename": st.sampled_from(["Amelia", "Oliver", "+44", "Chloé"]),
        "Year": st.sampled_from(["R", "1", "2", "6", "Y2", "Year 3", "7", 2, 5.0, "Reception"]),
        "Class": st.sampled_from(["2A", "5B", "RA", 3]),
        "PP": st.sampled_from(["Y", "N", "y", "Yes", "no", "maybe"]),
        "PP category": st.sampled_from(["FSM/Ever 6", "LAC", "Service", "FSM", "other"]),
        "SEN": st.sampled_from(["N", "K", "E", "k", "SEN"]),
        "EAL": st.sampled_from(["Y", "N"]),
        "Attendance %": st.sampled_from([96.0, 0.93, "95%", "88", 130, -1]),
        "Pupil": st.sampled_from(UPNS + ["Amelia Smith", "Smith, Amelia", "Nobody"]),
        "Provision": st.sampled_from(["Tutoring", "ELSA"]),
        "Date": st.sampled_from([date(2026, 1, 5), "05/01/2026", "31/02/2026", 46027]),
        "Kind": st.sampled_from(list(c.LOG_KINDS) + ["Phone call"]),
        "Start": st.sampled_from([date(2025, 9, 8), "08/09/2025", "soon"]),
        "End": st.sampled_from([date(2026, 7, 1), date(2025, 9, 1), "never"]),
        "Cost (£)": st.sampled_from([420, "£1,200", "£1,2OO", -5]),
    }.get(header)
    if header in CLASS_HEADERS[len(c.CLASS_FIXED_COLUMNS):]:
        sensible = st.sampled_from(["EXS", "WTS", "GDS", "BLW", " exs ", "EXT", "Green", "Red", "Purple", 3])
    return sensible


def rows_for(header: list[str], max_rows: int) -> st.SearchStrategy:
    """Return a strategy for table rows: half of them sensible, half with junk in any cell.

    Sensible rows reach the code that counts a row and junk reaches the
    code that reports it, so both are needed for the properties to mean anything.
    """
    sensible = [st.none() if values is None else values for values in map(column_values, header)]
    messy = [st.one_of(values, junk) for values in sensible]
    row = st.one_of(st.tuples(*sensible), st.tuples(*messy)).map(list)
    return st.lists(row, max_size=max_rows)


@pytest.fixture(scope="module")
def base_tables(tmp_path_factory) -> dict:
    """Return the tables of the corpus's base school, read from a real workbook."""
    path = tmp_path_factory.mktemp("base") / "school.xlsm"
    build_workbook(path, base_school())
    return read_tables(Package.open(path))


@st.composite
def input_tables(draw, base: dict) -> dict:
    """Draw the base tables with generated register, class, support and log rows."""
    tables = dict(base)
    for name, max_rows in ((c.PUPILS_TABLE, 8), (c.SUPPORT_TABLE, 4), (c.LOG_TABLE, 4)):
        table = base[name]
        tables[name] = replace(table, rows=draw(rows_for(table.header, max_rows)))
    for name in [n for n in base if n.startswith(c.CLASS_TABLE_PREFIX)]:
        table = base[name]
        tables[name] = replace(table, rows=draw(rows_for(table.header, 5)))
    return tables


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def row_number(cell: str) -> int | None:
    match = re.fullmatch(r"[A-Z]+(\d+)(?::[A-Z]+\d+)?", str(cell))
    return int(match.group(1)) if match else None


def issue_rows(result, sheet: str) -> set[int]:
    """Return the sheet rows that have at least one Data issues row."""
    issues = result.issues
    return {row_number(cell) for cell in issues.loc[issues["Sheet"] == sheet, "Cell"]}


@FAST
@given(data=st.data())
def test_register_rows_counted_or_reported(base_tables, data):
    tables = data.draw(input_tables(base_tables))
    result = run(tables, NOW)
    register = tables[c.PUPILS_TABLE]
    counted = {register.first_row + index for index in result.pupils["row"]}
    reported = issue_rows(result, register.sheet)

    for index, row in enumerate(register.rows):
        if all(is_blank(value) for value in row):
            continue
        sheet_row = register.first_row + index
        assert sheet_row in counted or sheet_row in reported, (sheet_row, row)


@FAST
@given(data=st.data())
def test_support_and_log_rows_counted_or_reported(base_tables, data):
    tables = data.draw(input_tables(base_tables))
    result = run(tables, NOW)

    for name, frame in ((c.SUPPORT_TABLE, result.support), (c.LOG_TABLE, result.log)):
        table = tables[name]
        counted = {table.first_row + index for index in frame["row"]}
        reported = issue_rows(result, table.sheet)
        for index, row in enumerate(table.rows):
            if all(is_blank(value) for value in row):
                continue
            sheet_row = table.first_row + index
            assert sheet_row in counted or sheet_row in reported, (name, sheet_row, row)


@FAST
@given(data=st.data())
def test_grade_cells_counted_or_reported(base_tables, data):
    """Every typed grade or wellbeing cell is counted, or its row has an issue."""
    tables = data.draw(input_tables(base_tables))
    result = run(tables, NOW)
    counted = set(zip(result.grades["sheet"], result.grades["cell"]))
    counted |= set(zip(result.wellbeing["sheet"], result.wellbeing["cell"]))
    first_grade = len(c.CLASS_FIXED_COLUMNS)

    for name in [n for n in tables if n.startswith(c.CLASS_TABLE_PREFIX)]:
        table = tables[name]
        reported = issue_rows(result, table.sheet)
        for index, row in enumerate(table.rows):
            sheet_row = table.first_row + index
            for offset, value in enumerate(row[first_grade:]):
                if is_blank(value):
                    continue
                cell = cell_name(sheet_row, table.first_col + first_grade + offset)
                assert (table.sheet, cell) in counted or sheet_row in reported, (table.sheet, cell, value)


@FAST
@given(data=st.data())
def test_same_tables_same_figures(base_tables, data):
    tables = data.draw(input_tables(base_tables))
    first = to_json(run(copy.deepcopy(tables), NOW))
    second = to_json(run(copy.deepcopy(tables), NOW))
    assert first == second


@st.composite
def school_data(draw):
    """Draw a whole school to build: the base school with generated rows."""
    data = base_school()
    data.pupils = draw(rows_for([col.header for col in c.PUPILS_COLUMNS], 6))
    data.support = draw(rows_for([col.header for col in c.SUPPORT_COLUMNS], 3))
    data.log = draw(rows_for([col.header for col in c.LOG_COLUMNS], 3))
    for klass in data.classes:
        klass.rows = draw(rows_for(CLASS_HEADERS, 4))
    return data


def buildable(value: object) -> object:
    """Return a value XlsxWriter can write: an Excel error is typed as its text in a built file."""
    return str(value) if isinstance(value, CellError) else value


def zip_parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def owned_parts(path: Path) -> set[str]:
    package = Package.open(path)
    sheets = package.sheet_parts()
    owned = {sheets[name] for name in c.OWNED_SHEETS if name in sheets}
    return owned | {name for name in package.parts if name.startswith("xl/charts/")}


@SLOW
@given(school=school_data())
def test_refresh_keeps_inputs_and_repeats(tmp_path_factory, school):
    for rows in [school.pupils, school.support, school.log] + [k.rows for k in school.classes]:
        for row in rows:
            row[:] = [buildable(value) for value in row]
    folder = tmp_path_factory.mktemp("school")
    path = folder / "school.xlsm"
    build_workbook(path, school)
    before = zip_parts(path)

    refresh_file(path, now=NOW)
    once = zip_parts(path)
    refresh_file(path, now=NOW)
    twice = zip_parts(path)

    owned = owned_parts(path)
    assert list(once) == list(before)
    for name in before:
        if name not in owned:
            assert once[name] == before[name], name
    assert twice == once
