"""Updating the Pupils table from MIS exports (CSV, Excel) and a Common Transfer File."""

from __future__ import annotations

import shutil
from datetime import date, datetime

import openpyxl
import pytest

from tracker import contract as c
from tracker.cli import main
from tracker.importing import import_register
from tracker.importing.ctf import FsmPeriod, ever6
from tracker.importing.register_rows import eal_flag, flag, sen_code, year_group
from tracker.importing.upn import is_valid_upn

import make_import_fixtures as fx

NOW = datetime(2026, 3, 20, 15, 30)
CENSUS = date(2026, 1, 15)


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    root = tmp_path_factory.mktemp("register")
    fx.write_tracker(root)
    fx.write_register_csv(root / "register.csv")
    fx.write_register_xlsx(root / "register.xlsx")
    fx.write_ctf(root / "transfer.xml")
    return root


def run(folder, tmp_path, source: str, **kwargs):
    book = tmp_path / "t.xlsm"
    shutil.copyfile(folder / "tracker.xlsm", book)
    report = import_register(book, folder / source, now=NOW, **kwargs)
    return book, report


def pupils(path) -> dict[str, dict[str, object]]:
    """Return the Pupils table read back with openpyxl, by UPN."""
    sheet = openpyxl.load_workbook(path)[c.PUPILS_SHEET]
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    header = rows[0]
    return {row[0]: dict(zip(header, row)) for row in rows[1:] if row[0]}


@pytest.fixture(scope="module")
def from_csv(folder, tmp_path_factory):
    return run(folder, tmp_path_factory.mktemp("csv"), "register.csv")


def test_csv_headers_with_bom_and_nbsp(from_csv):
    book, report = from_csv
    # Names came through "Legal Surname " and "Preferred\u00a0Forename", so none changed.
    assert not [ch for ch in report.changes if ch.header in ("Surname", "Forename")]
    assert report.rows_read == len(fx.register_rows())


def test_duplicate_header_reported(from_csv):
    problems = [p for p in from_csv[1].problems if "repeats an earlier column" in p.problem]
    assert [(p.cell, p.value) for p in problems] == [("L1", "UPN")]


def test_changed_flags_updated_and_listed(from_csv):
    book, report = from_csv
    changes = {(ch.upn, ch.header): (ch.old, ch.new) for ch in report.changes}
    assert changes == {
        (fx.child(3).upn, "PP"): ("N", "Y"),
        (fx.child(3).upn, "PP category"): (None, "FSM/Ever 6"),
        (fx.child(5).upn, "SEN"): ("N", "K"),
        (fx.child(9).upn, "PP"): ("N", "Y"),
        (fx.child(9).upn, "PP category"): (None, "FSM/Ever 6"),
        (fx.child(9).upn, "EAL"): ("N", "Y"),
    }
    table = pupils(book)
    assert table[fx.child(3).upn]["PP"] == "Y"
    assert table[fx.child(5).upn]["SEN"] == "K"
    assert "SEN N -> K" in report.summary()


def test_staff_columns_kept(from_csv):
    table = pupils(from_csv[0])
    assert table[fx.child(5).upn]["SEN details"] == "Speech and language"
    assert table[fx.child(1).upn]["Narrative"] == "Typed by staff"


def test_new_pupil_added(from_csv):
    table = pupils(from_csv[0])
    new = table[fx.NEW_PUPIL.upn]
    assert (new["Surname"], new["Forename"], new["Year"], new["Class"]) == ("Adeyemi", "Ola", "3", "3A")
    assert (new["PP"], new["PP category"], new["EAL"]) == ("Y", "FSM/Ever 6", "Y")


def test_leaver_marked_never_deleted(from_csv, folder):
    book, report = from_csv
    table = pupils(book)
    before = pupils(folder / "tracker.xlsm")
    assert set(before) <= set(table)
    assert len(table) == len(before) + 2  # the new pupil and the one with a bad UPN
    leaver = fx.child(11)
    assert table[leaver.upn]["Left"] == datetime(2026, 3, 20)
    assert [ch.upn for ch in report.marked_left] == [leaver.upn]


def test_failing_upn_reported_not_rejected(from_csv):
    book, report = from_csv
    assert report.invalid_upns == 1
    assert fx.BAD_UPN in pupils(book)
    problem = next(p for p in report.problems if p.value == fx.BAD_UPN)
    assert "check letter" in problem.problem


def test_uk_dates_read_day_first(folder, tmp_path):
    pupil = fx.child(10)
    source = tmp_path / "one.csv"
    rows = [",".join(fx.REGISTER_HEADERS)]
    for row in fx.register_rows():
        if row["UPN"] == pupil.upn:
            row = {**row, "Leaving Date": "05/03/2026"}  # 5 March; read month first it is 3 May, still ahead
        rows.append(",".join(str(row[h] or "") for h in fx.REGISTER_HEADERS))
    source.write_text("\n".join(rows), encoding="utf-8")
    book = tmp_path / "t.xlsm"
    shutil.copyfile(folder / "tracker.xlsm", book)
    import_register(book, source, now=NOW)
    assert pupils(book)[pupil.upn]["Left"] == datetime(2026, 3, 5)


def test_partial_export_marks_no_leavers(folder, tmp_path):
    source = tmp_path / "3A only.csv"
    rows = [",".join(fx.REGISTER_HEADERS)]
    rows += [",".join(str(r[h] or "") for h in fx.REGISTER_HEADERS) for r in fx.register_rows()
             if r["Reg Group"] == "3A"][:3]
    source.write_text("\n".join(rows), encoding="utf-8")
    book = tmp_path / "t.xlsm"
    shutil.copyfile(folder / "tracker.xlsm", book)
    report = import_register(book, source, now=NOW)
    assert report.marked_left == []
    assert any("looks like part of the school" in p.problem for p in report.problems)


def test_partial_export_reimport_byte_identical(folder, tmp_path):
    # A class list with a new pupil: the first import adds the pupil, the second must change nothing.
    source = tmp_path / "3A with new pupil.csv"
    rows = [",".join(fx.REGISTER_HEADERS)]
    rows += [",".join(str(r[h] or "") for h in fx.REGISTER_HEADERS) for r in fx.register_rows()
             if r["Reg Group"] == "3A"]
    source.write_text("\n".join(rows), encoding="utf-8")
    book = tmp_path / "t.xlsm"
    shutil.copyfile(folder / "tracker.xlsm", book)
    first = import_register(book, source, now=NOW)
    assert fx.NEW_PUPIL.upn in pupils(book)
    assert any("looks like part of the school" in p.problem for p in first.problems)

    before = book.read_bytes()
    import_register(book, source, now=NOW)
    assert book.read_bytes() == before


def test_xlsx_text_numbers_and_padded_year(folder, tmp_path):
    book, report = run(folder, tmp_path, "register.xlsx")
    # Year Group is 3 shown as "03", Reg Group and flags are text: none reads as a change.
    assert not [ch for ch in report.changes if ch.header in ("Year", "Class")]
    assert pupils(book)[fx.child(1).upn]["Year"] == "3"


def test_hidden_leaver_row_read_flagged_counted(folder, tmp_path):
    book, report = run(folder, tmp_path, "register.xlsx")
    leaver = fx.child(11)
    assert report.hidden_rows == 1
    assert pupils(book)[leaver.upn]["Left"] == datetime(2026, 3, 13)
    flagged = [row for row in report.log if row.result == "Flagged" and row.upn == leaver.upn]
    assert len(flagged) == 1
    assert "hidden" in flagged[0].note


def test_reimport_byte_identical(from_csv, folder):
    book = from_csv[0]
    before = book.read_bytes()
    report = import_register(book, folder / "register.csv", now=datetime(2026, 3, 21, 9, 0))
    assert report.saved is False
    assert (report.changes, report.added, report.marked_left) == ([], [], [])
    assert book.read_bytes() == before


def test_ctf_ever6_at_census_date(folder, tmp_path):
    book, report = run(folder, tmp_path, "transfer.xml", census_date=CENSUS)
    table = pupils(book)
    # Sam Smith's FSM ended 31/07/2021, within six years of 15/01/2026.
    assert table[fx.child(1).upn]["PP"] == "Y"
    assert table[fx.child(1).upn]["PP category"] == "FSM/Ever 6"
    # Siobhán's ended 31/12/2019, more than six years before.
    assert table[fx.child(2).upn]["PP"] == "N"
    # Zoë is eligible now.
    assert table[fx.child(3).upn]["PP"] == "Y"
    # The new pupil's eligibility starts after the census date; Polish is her first language.
    assert table[fx.NEW_PUPIL.upn]["PP"] == "N"
    assert table[fx.NEW_PUPIL.upn]["EAL"] == "Y"
    assert report.census_date == CENSUS


def test_ctf_later_census_date(folder, tmp_path):
    book, _ = run(folder, tmp_path, "transfer.xml", census_date=date(2028, 1, 20))
    # By January 2028 Sam's period (ended July 2021) is more than six years old.
    assert pupils(book)[fx.child(1).upn]["PP"] == "N"


def test_ctf_partial_marks_no_leavers(folder, tmp_path):
    _, report = run(folder, tmp_path, "transfer.xml", census_date=CENSUS)
    assert report.marked_left == []


@pytest.mark.parametrize("periods, census, expected", [
    ([FsmPeriod(date(2020, 1, 15), date(2020, 1, 15))], date(2026, 1, 15), True),   # ended exactly six years ago
    ([FsmPeriod(date(2019, 1, 1), date(2020, 1, 14))], date(2026, 1, 15), False),   # a day earlier
    ([FsmPeriod(date(2026, 1, 16), None)], date(2026, 1, 15), False),              # starts the day after
    ([FsmPeriod(date(2026, 1, 15), None)], date(2026, 1, 15), True),               # starts on the day
    ([], date(2026, 1, 15), False),
])
def test_ever6_boundaries(periods, census, expected):
    assert ever6(periods, census) is expected


def test_ever6_leap_day_census():
    assert ever6([FsmPeriod(date(2018, 1, 1), date(2018, 2, 28))], date(2024, 2, 29)) is True


@pytest.mark.parametrize("value, expected", [
    ("Y", True), ("yes", True), ("T", True), ("1", True), (1, True), ("N", False), ("", False), (None, False),
    ("maybe", None),
])
def test_flag_values(value, expected):
    assert flag(value) is expected


@pytest.mark.parametrize("value, expected", [
    ("SEN Support", "K"), ("E", "E"), ("Education, Health and Care Plan", "E"), ("N", "N"), (None, "N"),
    ("S", "E"), ("Q", None),
])
def test_sen_codes(value, expected):
    assert sen_code(value) == expected


def test_eal_from_first_language():
    assert eal_flag("English") is False
    assert eal_flag("Polish") is True
    assert eal_flag("Not obtained") is None


@pytest.mark.parametrize("value, expected", [("03", "3"), ("Year 03", "3"), (3, "3"), ("R", "R"), ("N2", None)])
def test_year_groups(value, expected):
    assert year_group(value) == expected


def test_upn_check_letter():
    assert is_valid_upn(fx.child(1).upn)
    assert not is_valid_upn(fx.BAD_UPN)


def test_cli_import_register(folder, tmp_path, capsys):
    book = tmp_path / "t.xlsm"
    shutil.copyfile(folder / "tracker.xlsm", book)
    code = main(["import-register", str(book), str(folder / "transfer.xml"), "--census-date", "15/01/2026"])
    out = capsys.readouterr().out
    assert code == 0
    assert "Ever 6 FSM worked out at the census date 15/01/2026." in out


def test_cli_rejects_iso_census_date(folder, tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["import-register", str(tmp_path / "t.xlsm"), str(folder / "transfer.xml"),
              "--census-date", "2026-01-15"])
    assert exit_info.value.code == 2
    assert "type it as dd/mm/yyyy" in capsys.readouterr().err


def test_category_cleared_when_no_longer_pp(folder, tmp_path):
    # A first import makes Zoë FSM; a later export without FSM clears PP and its category.
    book = tmp_path / "t.xlsm"
    shutil.copyfile(folder / "tracker.xlsm", book)
    import_register(book, folder / "register.csv", now=NOW)
    zoe = fx.child(3)
    source = tmp_path / "later.csv"
    rows = [",".join(fx.REGISTER_HEADERS)]
    for row in fx.register_rows():
        if row["UPN"] == zoe.upn:
            row = {**row, "FSM Eligible": "N", "Ever 6 FSM": "N", "Pupil Premium Indicator": "N"}
        rows.append(",".join(str(row[h] or "") for h in fx.REGISTER_HEADERS))
    source.write_text("\n".join(rows), encoding="utf-8")
    report = import_register(book, source, now=NOW)
    after = pupils(book)[zoe.upn]
    assert after["PP"] == "N"
    assert after["PP category"] is None
    assert (zoe.upn, "PP category") in {(ch.upn, ch.header) for ch in report.changes}
