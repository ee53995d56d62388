"""Render the Start and Summary sheets of the demo workbook to docs/start.png and docs/summary.png.

LibreOffice (soffice) prints the demo workbook to PDF, and poppler's
pdftoppm turns the page of each sheet into a PNG cropped to its text.
Excel does not print form-control buttons by default, and the workbook
keeps that default, so the picture is taken from a copy whose buttons are
marked printable. Run from the repository root:

    python docs/render_pictures.py
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from tracker.demo import write_demo

DOCS = Path(__file__).resolve().parent
DPI = 150
MARGIN_PT = 12
# Text that only the page of each sheet carries.
PAGES = {"start.png": "pptracker: Pupil Premium tracker", "summary.png": "Pupil Premium summary:"}
WORD_BOX = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">')


def printable_copy(source: Path, target: Path) -> None:
    """Copy a workbook with its form-control buttons marked printable."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            data = old.read(info)
            if info.filename.endswith(".vml"):
                data = data.replace(b"<x:PrintObject>False</x:PrintObject>", b"")
            new.writestr(info, data)


def page_text(pdf: Path, page: int) -> str:
    return subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout


def text_box(pdf: Path, page: int) -> tuple[float, float, float, float]:
    """Return the box around every word on a page, in points."""
    html = subprocess.run(["pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(pdf), "-"],
                          capture_output=True, text=True, check=True).stdout
    boxes = [tuple(map(float, match)) for match in WORD_BOX.findall(html)]
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))


def render(pdf: Path, page: int, out: Path) -> None:
    """Write one page as a PNG cropped to its words plus a margin."""
    left, top, right, bottom = text_box(pdf, page)
    scale = DPI / 72
    x, y = int((left - MARGIN_PT) * scale), int((top - MARGIN_PT) * scale)
    width, height = int((right - left + 2 * MARGIN_PT) * scale), int((bottom - top + 2 * MARGIN_PT) * scale)
    subprocess.run(["pdftoppm", "-r", str(DPI), "-f", str(page), "-l", str(page), "-x", str(x), "-y", str(y),
                    "-W", str(width), "-H", str(height), "-png", "-singlefile", str(pdf), str(out.with_suffix(""))],
                   check=True)


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="pptracker-render-") as folder:
        folder = Path(folder)
        demo = folder / "demo.xlsm"
        write_demo(demo)
        printable = folder / "pptracker demo.xlsm"
        printable_copy(demo, printable)
        subprocess.run(["soffice", f"-env:UserInstallation=file://{folder / 'profile'}", "--headless",
                        "--convert-to", "pdf", "--outdir", str(folder), str(printable)],
                       check=True, capture_output=True, timeout=300)
        pdf = printable.with_suffix(".pdf")
        pages = int(re.search(r"Pages:\s+(\d+)", subprocess.run(["pdfinfo", str(pdf)], capture_output=True,
                                                                text=True, check=True).stdout).group(1))
        for name, marker in PAGES.items():
            page = next(p for p in range(1, pages + 1) if marker in page_text(pdf, p))
            render(pdf, page, DOCS / name)
            print(f"Wrote {DOCS / name} from page {page}")


if __name__ == "__main__":
    sys.exit(main())
