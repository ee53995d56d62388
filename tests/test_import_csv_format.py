"""CSV exports are read as Excel writes them, whatever the first rows look like."""

from __future__ import annotations

from pathlib import Path

import pytest

from tracker.importing.sources import read_csv


@pytest.mark.parametrize("plain_rows", [3, 400])
def test_doubled_quotes_after_plain_rows(plain_rows):
    lines = ["UPN,Surname,Forename,Year,Class"]
    lines += [f"A{n:012d},Smith,Sam,4,4A" for n in range(plain_rows)]
    lines.append('Z999,Khan,"Mohammed ""Mo""",4,4A')
    lines.append('T005,"=HYPERLINK(""http://x"",""y"")",Dup,3,3B')
    data = ("\r\n".join(lines) + "\r\n").encode("utf-8")

    sheet = read_csv(data, Path("register.csv"), "register.csv").sheets[0]
    assert sheet.rows[-2] == ["Z999", "Khan", 'Mohammed "Mo"', "4", "4A"]
    assert sheet.rows[-1] == ["T005", '=HYPERLINK("http://x","y")', "Dup", "3", "3B"]


def test_semicolon_separated():
    data = "UPN;Surname;Forename\r\nA1;O'Brien;Siân\r\n".encode("utf-8")
    sheet = read_csv(data, Path("register.csv"), "register.csv").sheets[0]
    assert sheet.rows[1] == ["A1", "O'Brien", "Siân"]
