"""Refresh every input of the broken-input corpus and check its exact outcome.

Each case in tests/cases/make_cases.py names the Data issues rows it must
produce, or the one-line error and exit code. Whatever the outcome, the
refresh must not raise, and every part of the file other than the tabs
that refresh owns must stay byte for byte as it was.
"""

from __future__ import annotations

import json
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest

from tracker import cli
from tracker import contract as c

sys.path.insert(0, str(Path(__file__).parent / "cases"))
from make_cases import CASES, Case, read_parts, sheet_part  # noqa: E402


def snapshot(path: Path) -> bytes | None:
    return path.read_bytes() if path.is_file() else None


def owned_parts(parts: dict[str, bytes]) -> set[str]:
    """Return the parts a refresh may rewrite: the owned tabs and their charts."""
    owned = set()
    for sheet in c.OWNED_SHEETS:
        try:
            owned.add(sheet_part(parts, sheet))
        except KeyError:
            continue  # the tab is not in this workbook
    owned |= {name for name in parts if name.startswith("xl/charts/")}
    return owned


def input_parts(path: Path) -> dict[str, bytes]:
    infos, parts = read_parts(path)
    owned = owned_parts(parts)
    return {name: data for name, data in parts.items() if name not in owned}


def issue_rows(path: Path) -> list[dict[str, object]]:
    """Return the Data issues rows of a refreshed file, read back with openpyxl."""
    sheet = openpyxl.load_workbook(path, read_only=True)[c.ISSUES_SHEET]
    rows = list(sheet.iter_rows(values_only=True))
    header_index = next(i for i, row in enumerate(rows) if row[:2] == ("Sheet", "Cell"))
    header = rows[header_index]
    result = []
    for row in rows[header_index + 1:]:
        record = dict(zip(header, row))
        if record.get("Cell") is not None or record.get("Problem") is not None:
            result.append(record)
    return result


def run_refresh(path: Path, capsys) -> tuple[int, str, str]:
    code = cli.main(["refresh", str(path), "--json"])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_case_outcome(case: Case, tmp_path, capsys):
    path = case.make(tmp_path)
    before = snapshot(path)
    before_inputs = input_parts(path) if case.exit_code == 0 else None

    code, out, err = run_refresh(path, capsys)

    assert code == case.exit_code, err
    if case.exit_code:
        assert err.startswith("Error: ")
        assert err.count("\n") == 1, err
        assert case.error in err
        assert out == ""
        assert snapshot(path) == before
        return

    assert err == ""
    rows = issue_rows(path)
    found = [(row["Sheet"], row["Cell"]) for row in rows]
    expected = [(row.sheet, row.cell) for row in case.rows]
    assert sorted(found) == sorted(expected), json.dumps(rows, ensure_ascii=False, default=str)
    for want in case.rows:
        matches = [row for row in rows if (row["Sheet"], row["Cell"]) == (want.sheet, want.cell)
                   and want.problem in row["Problem"]]
        assert matches, f"no row at {want.sheet}!{want.cell} says {want.problem!r}"
        if want.action:
            assert any(want.action in row["What was done"] for row in matches)
        if want.value is not None:
            assert any(row["Value"] == want.value for row in matches)

    assert input_parts(path) == before_inputs
    if case.check:
        case.check(path, json.loads(out))


def test_corpus_is_large_and_named_uniquely():
    names = [case.name for case in CASES]
    assert len(names) == len(set(names))
    assert len(CASES) >= 40
    assert sum(1 for case in CASES if case.exit_code) >= 10
    assert sum(1 for case in CASES if case.rows) >= 20


def test_base_school_has_no_issues(tmp_path, capsys):
    from make_cases import school_case

    path = school_case()(tmp_path)
    code, out, err = run_refresh(path, capsys)
    assert code == 0
    assert json.loads(out)["issues"] == []
    assert issue_rows(path) == []


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads VmHWM from /proc (Linux)")
def test_lying_zip_bomb_stays_small(tmp_path):
    """Reject the lying-size bomb without inflating it: the child's peak memory stays low."""
    import subprocess

    case = next(case for case in CASES if case.name == "zip_bomb_lying_sizes")
    path = case.make(tmp_path)
    # VmHWM, not ru_maxrss, because Linux carries ru_maxrss over from the forked parent across exec.
    code = ("import sys; from tracker import cli; code = cli.main(sys.argv[1:]); "
            "print(next(line.split()[1] for line in open('/proc/self/status') if line.startswith('VmHWM:'))); "
            "sys.exit(code)")
    result = subprocess.run([sys.executable, "-c", code, "refresh", str(path)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "Error:" in result.stderr
    peak_kib = int(result.stdout.strip())
    assert peak_kib < 400 * 1024  # the bomb inflates to 1 GiB
    with zipfile.ZipFile(path) as archive:
        assert sum(info.compress_size for info in archive.infolist()) < 2 * 1024 * 1024


def test_total_size_judged_before_inflating():
    """Parts each under the part limit and the ratio limit are rejected by their total."""
    from tracker.errors import NotAWorkbook
    from tracker.package import MAX_PART_BYTES, MAX_RATIO, MAX_TOTAL_BYTES, check_sizes

    part = MAX_PART_BYTES // 2
    infos = []
    for index in range(MAX_TOTAL_BYTES // part + 1):
        info = zipfile.ZipInfo(f"xl/media/image{index}.png")
        info.file_size, info.compress_size = part, part // (MAX_RATIO // 2)
        infos.append(info)
    with pytest.raises(NotAWorkbook, match="would inflate to"):
        check_sizes("school.xlsm", infos)
    check_sizes("school.xlsm", infos[:-1])
