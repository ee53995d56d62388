"""Measure what a click on an Excel button costs in imports, with python -X importtime.

Each run starts a fresh interpreter, as xlwings' RunPython does, and reads
the cumulative microseconds that -X importtime reports for each module.
Run it from the repository root with the package installed:

    python benchmarks/bench_button_import.py [runs]
"""

from __future__ import annotations

import statistics
import subprocess
import sys

# The code each stage runs: first the entry module that every button's command
# imports, then what the Refresh summary handler loads when it runs.
STAGES = {
    "tracker.buttons": "import tracker.buttons",
    "xlwings": "import tracker.buttons, xlwings",
    "tracker.excel_adapter": "import tracker.buttons, xlwings, tracker.excel_adapter",
}


def cumulative_us(code: str, module: str) -> int:
    """Return the cumulative import time of ``module`` in microseconds, from one fresh interpreter."""
    output = subprocess.run([sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True,
                            check=True).stderr
    for line in output.splitlines():
        parts = [part.strip() for part in line.removeprefix("import time:").split("|")]
        if len(parts) == 3 and parts[2] == module:
            return int(parts[1])
    raise RuntimeError(f"-X importtime did not list {module}")


def main(runs: int) -> None:
    print(f"{'module':24} {'median ms':>10} {'min ms':>8}  ({runs} runs, Python {sys.version.split()[0]})")
    for module, code in STAGES.items():
        times = [cumulative_us(code, module) / 1000 for _ in range(runs)]
        print(f"{module:24} {statistics.median(times):10.1f} {min(times):8.1f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 9)
