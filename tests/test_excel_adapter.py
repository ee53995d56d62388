"""The xlwings adapter against the file adapter, on xlwings' remote engine.

Both adapters must leave the same cells in every owned tab. The workbook is
the real demo .xlsm, refreshed on disk by the file adapter; the remote
engine gets a JSON snapshot of the same file, the Refresh summary button
runs on it, and its actions are applied to the snapshot's grids.

One normalisation: the xlwings adapter writes every text value with a
leading apostrophe (so Excel keeps it as text), and Excel does not store
that apostrophe in the cell value, so the comparison removes exactly one
from each written string after checking it is there.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from datetime import date, datetime

import pytest
import python_calamine

from xlwings_remote import WRITTEN_DATE, apply_actions, book_json, remote_book, trimmed

from tracker import buttons
from tracker import contract as c
from tracker import excel_adapter
from tracker.build import SchoolData, build_workbook
from tracker.core.cells import CellError
from tracker.demo import PROVISIONS, make_school
from tracker.file_adapter import read_tables as read_file_tables
from tracker.package import Package
from tracker.refresh import refresh_file
from tracker.tabs import build_tabs

REFRESHED_AT = datetime(2026, 7, 10, 16, 0)


@functools.lru_cache(maxsize=4)
def owned_sheets(path) -> list[str]:
    """Return the owned tabs a refresh of this workbook writes, from the tabs module."""
    from tracker.core.pipeline import run

    result = run(read_file_tables(Package.open(path)), REFRESHED_AT)
    return [tab.name for tab in build_tabs(result)]


def refresh_on_remote(path, monkeypatch) -> tuple[dict, list[dict]]:
    """Run the Refresh summary button on a remote-engine copy of ``path``; return payload and actions."""
    monkeypatch.setattr(excel_adapter, "now", lambda: REFRESHED_AT)
    payload = book_json(path)
    book = remote_book(payload)
    buttons.refresh_summary(book)
    return payload, book.json()["actions"]


def is_text(value: object) -> bool:
    # The remote engine encodes dates as "YYYY-MM-DD[ HH:MM:SS]" text.
    return isinstance(value, str) and value != "" and not WRITTEN_DATE.match(value)


def without_text_prefix(actions: list[dict]) -> list[dict]:
    """Return the actions with the one leading apostrophe removed from every written string."""
    result = []
    for action in actions:
        if action["func"] == "setValues":
            values = []
            for row in action["values"]:
                for value in row:
                    if is_text(value):
                        assert value.startswith("'"), f"text written without its apostrophe: {value!r}"
                values.append([v[1:] if is_text(v) else v for v in row])
            action = {**action, "values": values}
        result.append(action)
    return result


def sheet_grid(path, name: str) -> list[list[object]]:
    book = python_calamine.CalamineWorkbook.from_path(str(path))
    return trimmed(book.get_sheet_by_name(name).to_python(skip_empty_area=False))


@pytest.fixture(scope="module")
def demo_book(tmp_path_factory):
    """Return the demo school (420 pupils) built and refreshed on disk by the file adapter."""
    path = tmp_path_factory.mktemp("demo") / "demo.xlsm"
    build_workbook(path, make_school())
    refresh_file(path, now=REFRESHED_AT)
    return path


@pytest.fixture(scope="module")
def demo_refresh(demo_book):
    """Return the payload and actions of Refresh summary run once on the demo book."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        return refresh_on_remote(demo_book, monkeypatch)


def test_remote_refresh_matches_file_refresh(demo_book, demo_refresh):
    payload, actions = demo_refresh
    alerts = [a for a in actions if a["func"] == "alert"]
    assert alerts == []

    grids = apply_actions(payload, without_text_prefix(actions))
    sheets = owned_sheets(demo_book)
    assert {c.SUMMARY_SHEET, c.NOT_ON_TRACK_SHEET, c.PP_PUPILS_SHEET, c.ISSUES_SHEET} <= set(sheets)
    for name in sheets:
        live = trimmed(grids[name])
        filed = sheet_grid(demo_book, name)
        assert len(live) == len(filed), f"{name}: {len(live)} rows live, {len(filed)} in the file"
        for row, (live_row, file_row) in enumerate(zip(live, filed), start=1):
            assert live_row == file_row, f"{name} row {row} differs"


def test_input_sheets_untouched_by_refresh(demo_book, demo_refresh):
    payload, actions = demo_refresh
    written = {payload["sheets"][a["sheet_position"]]["name"] for a in actions if a["sheet_position"] is not None}
    assert written == set(owned_sheets(demo_book))


def test_read_tables_match_file_adapter(demo_book):
    book = remote_book(book_json(demo_book))
    live = excel_adapter.read_tables(book)
    filed = read_file_tables(Package.open(demo_book))
    assert sorted(live) == sorted(filed)
    for name, table in filed.items():
        other = live[name]
        assert other.sheet == table.sheet, name
        assert other.header == table.header, name
        assert (other.first_row, other.first_col) == (table.first_row, table.first_col), name
        assert trimmed(other.rows) == trimmed(table.rows), name


def formula_school() -> SchoolData:
    """Return a small school whose register holds text Excel would read as formulas or numbers."""
    school = make_school(pupils=21, pp_share=1.0, seed=3)
    tricky = ["=HYPERLINK(\"http://example.invalid\")", "+44 20 7946 0000", "-5", "@SUM(A1)", "'quoted", "007",
              "03/09/2025", "TRUE"]
    for row, text in zip(school.pupils, tricky):
        row[12] = text  # Narrative, shown on the PP pupils tab
    return school


def test_formula_text_stays_text(tmp_path, monkeypatch):
    path = tmp_path / "formulas.xlsm"
    build_workbook(path, formula_school())
    refresh_file(path, now=REFRESHED_AT)
    _, actions = refresh_on_remote(path, monkeypatch)

    written = [v for a in actions if a["func"] == "setValues" for row in a["values"] for v in row]
    for text in ["=HYPERLINK(\"http://example.invalid\")", "+44 20 7946 0000", "-5", "@SUM(A1)", "'quoted",
                 "007", "03/09/2025", "TRUE"]:
        assert "'" + text in written, f"{text!r} was not written as text"
    file_values = [v for row in sheet_grid(path, c.PP_PUPILS_SHEET) for v in row]
    assert "=HYPERLINK(\"http://example.invalid\")" in file_values
    assert "'quoted" in file_values


def same_layout(school: SchoolData) -> SchoolData:
    """Return the school with one class per year and every demo provision in its support list.

    The number of class tables sets the number of reads, and the provisions
    in use set the rows of the money tabs, so both are fixed to leave the
    number of pupils as the only difference between two schools.
    """
    school = one_class_per_year(school)
    used = {row[1] for row in school.support}
    pp_pupil = next(row[0] for row in school.pupils if row[5] == "Y")
    for provision, area, tier, cost, funded in PROVISIONS:
        if provision not in used:
            school.support.append([pp_pupil, provision, area, tier, date(2025, 9, 8), date(2025, 12, 12), cost,
                                   funded, "WTS", None, None])
    return school


def one_class_per_year(school: SchoolData) -> SchoolData:
    """Return the school with every pupil of a year in one class, so class counts do not vary."""
    merged = {}
    for klass in school.classes:
        year_class = klass.name[0] + "A"
        target = merged.setdefault(year_class, type(klass)(year_class))
        target.rows.extend(klass.rows)
    for pupil in school.pupils:
        pupil[4] = pupil[3] + "A"
    school.classes = list(merged.values())
    return school


def count_calls(path, monkeypatch) -> tuple[int, Counter]:
    """Return the range reads and the actions (writes) of one refresh on the remote engine."""
    from xlwings.pro import _xlremote

    reads = []
    original = _xlremote.Range.raw_value

    def counted(self):
        reads.append(self)
        return original.fget(self)

    monkeypatch.setattr(_xlremote.Range, "raw_value", property(counted, original.fset))
    _, actions = refresh_on_remote(path, monkeypatch)
    return len(reads), Counter(a["func"] for a in actions)


def test_call_count_independent_of_pupils(tmp_path, monkeypatch):
    counts = {}
    for pupils in (60, 600):
        path = tmp_path / f"school{pupils}.xlsm"
        school = same_layout(make_school(pupils=pupils, seed=5))
        build_workbook(path, school)
        counts[pupils] = count_calls(path, monkeypatch)

    reads60, writes60 = counts[60]
    reads600, writes600 = counts[600]
    # One read for the xlwings.conf settings and one per table.
    tables = list(read_file_tables(Package.open(tmp_path / "school60.xlsm")))
    assert len([t for t in tables if t.startswith(c.CLASS_TABLE_PREFIX)]) == 7
    assert reads60 == 1 + len(tables)
    assert reads600 == reads60
    assert writes600 == writes60
    assert writes60["setValues"] == len(owned_sheets(tmp_path / "school60.xlsm"))


def test_error_cells_read_alike(tmp_path):
    path = tmp_path / "errors.xlsm"
    school = make_school(pupils=14, pp_share=1.0, seed=4)
    school.support[0][6] = "to be replaced"
    build_workbook(path, school)

    # Put an Excel error in the first Support cost cell (G4), as a broken
    # formula would leave it.
    package = Package.open(path)
    part = package.sheet_parts()[c.SUPPORT_SHEET]
    xml, count = re.subn(rb'<c r="G4"[^>]*>.*?</c>', b'<c r="G4" t="e"><f>1/0</f><v>#DIV/0!</v></c>',
                         package.parts[part], count=1, flags=re.S)
    assert count == 1
    package.save(path, {part: xml})

    filed = read_file_tables(Package.open(path))[c.SUPPORT_TABLE]
    live = excel_adapter.read_tables(remote_book(book_json(path)))[c.SUPPORT_TABLE]
    assert filed.rows[0][6] == CellError("#DIV/0!")
    assert live.rows[0][6] == CellError("#DIV/0!")


def cell_styles(ranges) -> dict[tuple[int, int], str]:
    """Return {(row, col): style} with later ranges replacing earlier ones, as the file adapter does."""
    styles = {}
    for first_row, first_col, last_row, last_col, name in ranges:
        for row in range(first_row, last_row + 1):
            for col in range(first_col, last_col + 1):
                styles[(row, col)] = name
    return styles


def test_style_blocks_cover_same_cells(demo_book):
    from tracker.core.pipeline import run

    for tab in build_tabs(run(read_file_tables(Package.open(demo_book)), REFRESHED_AT)):
        blocks = excel_adapter.style_blocks(tab)
        cells = sum((r2 - r1 + 1) * (c2 - c1 + 1) for r1, c1, r2, c2, _ in blocks)
        assert cell_styles(blocks) == cell_styles(tab.styles), tab.name
        assert cells == len(cell_styles(blocks)), f"{tab.name}: blocks overlap"
        assert len(blocks) <= len(tab.styles), tab.name


def chart_refs(chart_xml: bytes) -> list[list[str]]:
    """Return each series' references (name, categories, values) from a chart part."""
    series = re.findall(rb"<c:ser>.*?</c:ser>", chart_xml, flags=re.S)
    return [[ref.decode() for ref in re.findall(rb"<c:f>([^<]+)</c:f>", one)] for one in series]


def test_series_formulas_fit_like_file_charts(tmp_path, demo_book):
    from tracker.core.pipeline import run
    from tracker.file_adapter import _chart_parts

    built = build_workbook(tmp_path / "built.xlsm", make_school())
    before, after = Package.open(built), Package.open(demo_book)
    sheets = before.sheet_parts()
    fitted = 0
    for tab in build_tabs(run(read_file_tables(after), REFRESHED_AT)):
        lengths = {row + 1: count for row, count in tab.chart_rows.items()}
        for chart in _chart_parts(before, sheets[tab.name]):
            pairs = zip(chart_refs(before.parts[chart]), chart_refs(after.parts[chart]), strict=True)
            for built_refs, filed_refs in pairs:
                formula = "=SERIES(" + ",".join(built_refs) + ",1)"
                expected = "=SERIES(" + ",".join(filed_refs) + ",1)"
                assert excel_adapter.fit_series_formula(formula, lengths) == expected, f"{tab.name} {chart}"
                fitted += built_refs != filed_refs
    assert fitted > 0, "no chart range changed, so nothing fitted was compared"
