"""The register import's fast paths give what the plain code gives, on awkward values."""

from __future__ import annotations

import re
import shutil
import sys
from datetime import date, datetime

import pytest
import stdnum.gb.upn

from tracker import contract as c
from tracker.core import register
from tracker.core.tables import RawTable
from tracker.importing import import_register
from tracker.importing.headers import clean_header
from tracker.importing.register_plan import plan_register
from tracker.importing.register_rows import PupilRecord, RegisterRow, clean_cell, flag, read_record, rows_from_sheet
from tracker.importing.sources import SourceSheet

import make_import_fixtures as fx

NOW = datetime(2026, 3, 20, 15, 30)

AWKWARD_TEXT = [
    "", " ", "UPN", "Zoë", "O'Brien", "Smith-Jones", "SEN Support", "  Legal  Surname ", "Preferred\u00a0Forename",
    "\ufeffUPN", "\ufeff", "A\u200bB", "\u200b \u200b", "tab\tseparated", "line\r\nbreak", "a\u2007b\u202fc",
    "\x1cfile\x1fseparators", "\u3000ideographic\u3000", "a\u2028b", "mixed \u00a0\t spaces", "٣", "x\u0085y",
    "Ｆｕｌｌ", "\u180emongolian",
]


def every_character() -> str:
    """Return one string with every Unicode code point except the surrogates."""
    return "".join(chr(code) for code in range(sys.maxunicode + 1) if not 0xD800 <= code <= 0xDFFF)


def test_split_and_regex_agree_on_whitespace():
    # clean_cell and read_record rely on str.split() splitting where the regular expression \s matches.
    text = every_character()
    assert re.findall(r"\s", text) == [ch for ch in text if ch.isspace()]


def test_alphanumeric_text_needs_no_cleaning():
    text = every_character()
    assert [ch for ch in text if ch.isalnum() and clean_header(ch) != ch] == []


@pytest.mark.parametrize("text", AWKWARD_TEXT)
def test_clean_cell_matches_clean_header(text):
    assert clean_cell(text) == (clean_header(text) or None)


@pytest.mark.parametrize("value", [None, 3, 3.5, True, date(2026, 3, 5), datetime(2026, 3, 5, 9, 0)])
def test_clean_cell_keeps_other_values(value):
    assert clean_cell(value) is value


def test_upn_spaces_removed_as_before():
    raw = " t938\u00a01791\t16000\u3000"
    row = RegisterRow("register.csv", "register", "A2", {"upn": raw})
    record = read_record(row, NOW.date(), [])
    assert record.upn == re.sub(r"\s+", "", raw).upper()
    assert record.upn == "T938179116000"


@pytest.mark.parametrize("value, expected", [
    ("1", True), (1, True), (1.0, True), (True, True), ("True", True), ("0", False), (0, False), (False, False),
    (" Y. ", True), ("maybe", None),
])
def test_flag_same_for_text_and_numbers(value, expected):
    # Text is cached and numbers are not, so the second call checks the cached result.
    assert flag(value) is expected
    assert flag(value) is expected


def test_problem_cells_name_column_and_row():
    rows = [["Register as at 20/03/2026"], [], ["UPN", "Surname", "Year Group", "SEN"],
            [fx.child(1).upn, "Smith", "Year 9", "N"],
            [fx.child(2).upn, "O'Brien", "3", "Q"]]
    sheet = SourceSheet("register.xlsx", "Pupils", rows, hidden_rows={4})
    register_rows, problems = rows_from_sheet(sheet)
    assert problems == []
    assert [row.cell for row in register_rows] == ["A4", "A5"]
    assert [row.hidden for row in register_rows] == [False, True]
    assert dict(register_rows[1].cells) == {"upn": "A5", "surname": "B5", "year": "C5", "sen": "D5"}

    found = []
    for row in register_rows:
        read_record(row, NOW.date(), found)
    assert [(p.cell, p.value) for p in found] == [("C4", "Year 9"), ("D5", "Q")]


def pupils_table(rows: list[list[object]]) -> RawTable:
    header = [column.header for column in c.PUPILS_COLUMNS]
    width = len(header)
    return RawTable(c.PUPILS_TABLE, c.PUPILS_SHEET, header, [row + [None] * (width - len(row)) for row in rows], 4, 1)


def test_plan_tells_true_from_one():
    # True, 1 and 1.0 are one key to a dict, but a class typed as TRUE is not class 1.
    upns = [fx.make_upn(serial) for serial in (1, 2, 3)]
    table = pupils_table([[upn, "Smith", "Sam", "3", klass] for upn, klass in zip(upns, (1, True, 1.0))])
    records = [PupilRecord(upn, RegisterRow("register.csv", "register", f"A{n}"), {"Class": "1"})
               for n, upn in enumerate(upns, start=2)]
    plan = plan_register(records, table, NOW.date(), "register.csv")
    assert [(ch.upn, ch.old, ch.new) for ch in plan.changes] == [(upns[1], True, "1")]


def test_plan_names_only_changed_pupils():
    upns = [fx.make_upn(serial) for serial in (1, 2)]
    table = pupils_table([[upns[0], "Smith", "Sam", "3", "3A"], [upns[1], "Brown", "Zoë", "3", "3A"]])
    records = [PupilRecord(upns[0], RegisterRow("register.csv", "register", "A2"), {"Class": "3A"}),
               PupilRecord(upns[1], RegisterRow("register.csv", "register", "A3"), {"Class": "3B"})]
    plan = plan_register(records, table, NOW.date(), "register.csv")
    assert [(ch.name, ch.header, ch.old, ch.new) for ch in plan.changes] == [("Zoë Brown", "Class", "3A", "3B")]


def test_upn_checked_once_per_distinct_value(tmp_path, monkeypatch):
    calls: list[str] = []
    check = stdnum.gb.upn.is_valid

    def counted(number: str) -> bool:
        calls.append(number)
        return check(number)

    monkeypatch.setattr(register.upn_check, "is_valid", counted)
    register.is_valid_upn.cache_clear()
    fx.write_tracker(tmp_path)
    fx.write_register_csv(tmp_path / "register.csv")
    book = tmp_path / "t.xlsm"
    shutil.copyfile(tmp_path / "tracker.xlsm", book)

    report = import_register(book, tmp_path / "register.csv", now=NOW)
    register.is_valid_upn.cache_clear()  # later tests check with the real function again

    # The Pupils table's own UPNs are left to the refresh, which reports them.
    distinct = {row["UPN"] for row in fx.register_rows()}
    assert sorted(calls) == sorted(distinct)
    assert report.invalid_upns == 1
