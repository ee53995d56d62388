"""Time importing 30 teachers' workbooks and a 630-pupil register, against python-calamine alone.

The floor is what any importer must do: read every file involved (the 30
progress workbooks, the register and the tracker workbook itself) with
python-calamine. The ratio is the import's time over that floor, best of
several runs each; the goal is under 2.

    python benchmarks/bench_import.py [--runs 5]
"""

from __future__ import annotations

import argparse
import io
import random
import shutil
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import python_calamine
import xlsxwriter

from tracker import contract as c
from tracker.build import build_workbook
from tracker.demo import make_school
from tracker.importing import import_progress, import_register

PUPILS = 630
FILES = 30
PER_FILE = 30
GRADES = ("BLW", "WTS", "EXS", "GDS", "exs", "wts")
NOW = datetime(2026, 3, 20, 15, 30)


def make_inputs(folder: Path) -> tuple[Path, Path, Path]:
    """Write a 630-pupil tracker with empty grades, 30 teacher workbooks and a register CSV."""
    school = make_school(pupils=PUPILS, seed=7)
    for klass in school.classes:
        for row in klass.rows:
            del row[len(c.CLASS_FIXED_COLUMNS):]  # the teachers' files bring the grades
    school.support, school.log = [], []
    book = build_workbook(folder / "tracker.xlsm", school)

    names = {row[0]: (row[2], row[1], row[4]) for row in school.pupils}  # UPN: forename, surname, class
    by_class: dict[str, list[str]] = {}
    for upn, (_, _, klass) in names.items():
        by_class.setdefault(klass, []).append(upn)
    classes = sorted(by_class)
    rng = random.Random(3)
    teachers = folder / "teachers"
    teachers.mkdir()
    for index in range(FILES):
        klass = classes[index % len(classes)]
        point = "Autumn" if index < len(classes) else "Spring"
        pupils = by_class[klass][:PER_FILE]
        workbook = xlsxwriter.Workbook(str(teachers / f"{klass} {point} {index:02d}.xlsx"))
        sheet = workbook.add_worksheet(f"Class {klass}")
        sheet.write("A1", f"Class {klass} pupil progress")
        sheet.merge_range("B3:D3", point)
        sheet.write_row("A4", ["Pupil", "Rdg", "Wri", "Ma"])
        for offset, upn in enumerate(pupils):
            forename, surname, _ = names[upn]
            sheet.write_row(4 + offset, 0, [f"{forename} {surname} ", *(rng.choice(GRADES) for _ in range(3))])
        workbook.close()

    register = folder / "register.csv"
    lines = ["UPN,Legal Surname,Preferred Forename,Year Group,Reg Group,FSM Eligible,Ever 6 FSM,"
             "Pupil Premium Indicator,SEN Provision,EAL"]
    for row in school.pupils:
        upn, surname, forename, year, klass, pp, category, sen = row[:8]
        ever6 = "Y" if pp == "Y" and category == "FSM/Ever 6" else "N"
        if rng.random() < 0.05:
            sen = "K" if sen == "N" else "N"  # a few changes for the import to list
        lines.append(f"{upn},{surname},{forename},{year},{klass},N,{ever6},{pp},{sen},{row[9]}")
    register.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return book, teachers, register


def calamine_floor(paths: list[Path]) -> None:
    """Read every sheet of every file with python-calamine, as the floor."""
    for path in paths:
        if path.suffix == ".csv":
            path.read_text(encoding="utf-8").splitlines()
            continue
        book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(path.read_bytes()))
        for name in book.sheet_names:
            book.get_sheet_by_name(name).to_python()


def best_of(runs: int, action) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return min(times)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs of each timing; the best is kept (default 5)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        book, teachers, register = make_inputs(folder)
        files = sorted(teachers.iterdir())
        work = folder / "work.xlsm"

        def progress_import() -> None:
            shutil.copyfile(book, work)
            import_progress(work, [teachers], now=NOW)

        def register_import() -> None:
            shutil.copyfile(book, work)
            import_register(work, register, now=NOW)

        floor_progress = best_of(args.runs, lambda: calamine_floor([*files, book]))
        floor_register = best_of(args.runs, lambda: calamine_floor([register, book]))
        copy = best_of(args.runs, lambda: shutil.copyfile(book, work))
        took_progress = best_of(args.runs, progress_import) - copy
        took_register = best_of(args.runs, register_import) - copy

        shutil.copyfile(book, work)
        report = import_progress(work, [teachers], now=NOW)
        print(f"{len(files)} workbooks of {PER_FILE} pupils, {report.filled} grades filled")
        print(f"progress import {took_progress:.3f} s, calamine floor {floor_progress:.3f} s, "
              f"ratio {took_progress / floor_progress:.2f}")
        print(f"register import ({PUPILS} pupils) {took_register:.3f} s, calamine floor {floor_register:.3f} s, "
              f"ratio {took_register / floor_register:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
