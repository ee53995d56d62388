"""Time importing 30 teachers' workbooks and a 630-pupil register, against python-calamine alone.

The floor is the reading any importer must do, done with python-calamine
and nothing else. For the progress import that is every worksheet of the
30 teacher workbooks in full, as ``sources.read_workbook`` reads them
(sheet list, values with empty cells kept, merged ranges). For both
imports it is also the tracker workbook that the import reads and then
writes: every Excel table, plus the Data issues and Import log sheets in
full, which the import reads to keep their earlier rows. python-calamine
does not read CSV, so a CSV register's floor is Python's csv module over
the decoded text. Writing the tracker is not in the floor, because the
goal compares the import with reading alone.

Each run times the floor and then the import, back to back in a child
process forked for that run, and takes its ratio from that pair. So a
change in machine load between runs moves both sides, and no run finds
caches warmed by the one before. The copy of the tracker made before each
import is not timed. The minimum and the median of the runs are printed,
with the load average before and after.

    python benchmarks/bench_import.py [--runs 7] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import io
import multiprocessing
import os
import pstats
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
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


def read_workbook_floor(path: Path) -> None:
    """Read every worksheet of a source workbook in full, as the importer does."""
    book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(path.read_bytes()))
    for meta in book.sheets_metadata:
        sheet = book.get_sheet_by_name(meta.name)
        sheet.to_python(skip_empty_area=False)
        sheet.merged_cell_ranges


def read_tracker_floor(path: Path) -> None:
    """Read every table of the tracker, and the two sheets an import rewrites, in full."""
    book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(path.read_bytes()), load_tables=True)
    for name in book.table_names:
        book.get_table_by_name(name).to_python()
    for name in (c.ISSUES_SHEET, c.IMPORT_LOG_SHEET):
        book.get_sheet_by_name(name).to_python(skip_empty_area=False)


def read_csv_floor(path: Path) -> None:
    """Decode a CSV file and split it into rows with the csv module."""
    list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig"))))


def paired_runs(runs: int, floor: Callable[[], None], prepare: Callable[[], None],
                action: Callable[[], None]) -> tuple[list[float], list[float]]:
    """Return (floor times, import times) in seconds, one pair per run, after one untimed warm-up.

    Each run is a child process forked from this one, so the modules are
    loaded but every cache the import fills (such as the lru_cache of
    folded names) starts empty, as it does when a coordinator runs the
    command.
    """
    floors, imports = [], []
    context = multiprocessing.get_context("fork")
    for run in range(runs + 1):
        prepare()
        receiver, sender = context.Pipe(duplex=False)
        child = context.Process(target=_timed_pair, args=(floor, action, sender))
        child.start()
        floor_time, import_time = receiver.recv()
        child.join()
        if run:
            floors.append(floor_time)
            imports.append(import_time)
    return floors, imports


def _timed_pair(floor: Callable[[], None], action: Callable[[], None], sender) -> None:
    start = time.perf_counter()
    floor()
    floor_time = time.perf_counter() - start
    start = time.perf_counter()
    action()
    sender.send((floor_time, time.perf_counter() - start))


def report(name: str, floors: list[float], imports: list[float]) -> None:
    """Print the min and median of each side, of the runs' ratios, and the ratio of the two minimums."""
    ratios = [took / floor for floor, took in zip(floors, imports)]
    print(f"{name}: import min {min(imports) * 1000:.0f} ms, median {statistics.median(imports) * 1000:.0f} ms; "
          f"floor min {min(floors) * 1000:.1f} ms, median {statistics.median(floors) * 1000:.1f} ms; "
          f"ratio min {min(ratios):.1f}, median {statistics.median(ratios):.1f}, "
          f"of the minimums {min(imports) / min(floors):.1f}")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="timed runs of each import (default 7)")
    parser.add_argument("--profile", action="store_true",
                        help="print a cProfile of one progress import and one register import instead")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        book, teachers, register = make_inputs(folder)
        files = sorted(teachers.iterdir())
        work = folder / "work.xlsm"

        def prepare() -> None:
            shutil.copyfile(book, work)

        def progress_import() -> None:
            import_progress(work, [teachers], now=NOW)

        def register_import() -> None:
            import_register(work, register, now=NOW)

        def progress_floor() -> None:
            for path in files:
                read_workbook_floor(path)
            read_tracker_floor(book)

        def register_floor() -> None:
            read_csv_floor(register)
            read_tracker_floor(book)

        if args.profile:
            for action in (progress_import, register_import):
                prepare()
                profile = cProfile.Profile()
                profile.runcall(action)
                pstats.Stats(profile).sort_stats("cumulative").print_stats(30)
            return 0

        print(f"load average before: {' '.join(f'{n:.2f}' for n in os.getloadavg())}")
        prepare()
        filled = import_progress(work, [teachers], now=NOW).filled
        print(f"{len(files)} workbooks of {PER_FILE} pupils, {filled} grades filled; {args.runs} runs each")
        report("progress import", *paired_runs(args.runs, progress_floor, prepare, progress_import))
        report(f"register import ({PUPILS} pupils)", *paired_runs(args.runs, register_floor, prepare, register_import))
        print(f"load average after: {' '.join(f'{n:.2f}' for n in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
