"""Time a headless refresh against openpyxl load+save of the same workbook.

openpyxl loading and saving a workbook is the floor for any refresh that
reads and writes the file, so the ratio refresh / openpyxl is the figure
to watch: it stays comparable across machines. Both run in this process,
in turn (refresh, openpyxl, refresh, ...), and each ratio is taken pair by
pair, so a drift in machine speed hits both sides. Peak memory is the
maximum resident set (VmHWM, so Linux only) of a child process that does
one run and nothing else, beside a child that only imports the modules.

Usage:
    python benchmarks/bench_refresh.py                     # 1, 2, 5, 10 and 20 schools
    python benchmarks/bench_refresh.py --schools 1 --repeats 5
    python benchmarks/bench_refresh.py --schools 1 --profile   # cProfile of one refresh
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import platform
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from make_school import PUPILS_PER_SCHOOL, build  # noqa: E402

NOW = datetime(2026, 7, 10, 16, 0)
CHILD_CODE = {
    "imports": "import openpyxl, tracker.refresh",
    "refresh": "import tracker.refresh as r, datetime as d; r.refresh_file(sys.argv[2], sys.argv[3], "
               "now=d.datetime(2026, 7, 10, 16, 0))",
    "openpyxl": "import openpyxl; openpyxl.load_workbook(sys.argv[2], keep_vba=True).save(sys.argv[3])",
}


def time_refresh(path: Path, out: Path) -> float:
    from tracker.refresh import refresh_file

    start = time.perf_counter()
    refresh_file(path, out, now=NOW)
    return time.perf_counter() - start


def time_openpyxl(path: Path, out: Path) -> float:
    import openpyxl

    start = time.perf_counter()
    openpyxl.load_workbook(path, keep_vba=True).save(out)
    return time.perf_counter() - start


def peak_memory_mib(kind: str, path: Path, out: Path) -> float:
    """Return the peak resident memory of a child process doing one ``kind`` run, in MiB."""
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the forked parent across exec.
    code = ("import sys\n" + CHILD_CODE[kind] + "\nprint(next(line.split()[1] for line in "
            "open('/proc/self/status') if line.startswith('VmHWM:')))")
    result = subprocess.run([sys.executable, "-c", code, kind, str(path), str(out)],
                            capture_output=True, text=True, check=True)
    return int(result.stdout.split()[-1]) / 1024  # VmHWM is in KiB


def measure(schools: int, repeats: int, folder: Path) -> dict:
    """Build the workbook for ``schools`` schools and measure refresh against openpyxl."""
    path = folder / f"trust{schools}.xlsm"
    if not path.exists():
        build(path, schools)
    refresh_out, openpyxl_out = folder / "refreshed.xlsm", folder / "openpyxl.xlsm"

    # One untimed run of each, so imports and file caches do not count.
    time_refresh(path, refresh_out)
    time_openpyxl(path, openpyxl_out)
    refresh_times, openpyxl_times = [], []
    for _ in range(repeats):
        refresh_times.append(time_refresh(path, refresh_out))
        openpyxl_times.append(time_openpyxl(path, openpyxl_out))
    ratios = [r / o for r, o in zip(refresh_times, openpyxl_times)]

    baseline = peak_memory_mib("imports", path, refresh_out)
    return {
        "schools": schools,
        "pupils": schools * PUPILS_PER_SCHOOL,
        "file_mib": path.stat().st_size / 2**20,
        "refresh_s": statistics.median(refresh_times),
        "openpyxl_s": statistics.median(openpyxl_times),
        "ratio": statistics.median(ratios),
        "ratio_min": min(ratios),
        "ratio_max": max(ratios),
        "imports_mib": baseline,
        "refresh_mib": peak_memory_mib("refresh", path, refresh_out),
        "openpyxl_mib": peak_memory_mib("openpyxl", path, openpyxl_out),
    }


def profile(schools: int, folder: Path, lines: int = 25) -> None:
    path = folder / f"trust{schools}.xlsm"
    if not path.exists():
        build(path, schools)
    time_refresh(path, folder / "refreshed.xlsm")
    profiler = cProfile.Profile()
    profiler.enable()
    time_refresh(path, folder / "refreshed.xlsm")
    profiler.disable()
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(lines)


def machine() -> str:
    return (f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
            f"{platform.system()} {platform.release()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schools", type=int, nargs="+", default=[1, 2, 5, 10, 20],
                        help="numbers of 630-pupil schools to measure (default 1 2 5 10 20)")
    parser.add_argument("--repeats", type=int, default=3, help="timed pairs per size (default 3)")
    parser.add_argument("--folder", help="keep the built workbooks here (default a temporary folder)")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of one refresh instead")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as temp:
        folder = Path(args.folder or temp)
        folder.mkdir(parents=True, exist_ok=True)
        if args.profile:
            profile(args.schools[0], folder)
            return
        results = [measure(n, args.repeats, folder) for n in args.schools]

    if args.json:
        print(json.dumps({"machine": machine(), "results": results}, indent=1))
        return
    print(f"Machine: {machine()}; {args.repeats} timed pairs per size, medians.")
    print("| Schools | Pupils | File (MiB) | Refresh (s) | openpyxl load+save (s) | Ratio (min-max) "
          "| Peak MiB: refresh | openpyxl | imports only |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in results:
        print(f"| {r['schools']} | {r['pupils']:,} | {r['file_mib']:.1f} | {r['refresh_s']:.2f} | "
              f"{r['openpyxl_s']:.2f} | {r['ratio']:.2f} ({r['ratio_min']:.2f}-{r['ratio_max']:.2f}) | "
              f"{r['refresh_mib']:.0f} | {r['openpyxl_mib']:.0f} | {r['imports_mib']:.0f} |")


if __name__ == "__main__":
    main()
