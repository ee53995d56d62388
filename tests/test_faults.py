"""Faults during a save: a killed process, a full disk, a read-only drive.

Whatever happens, the workbook on disk must open afterwards with every
input part exactly as it was, holding either the old owned tabs or the
new ones and never a mix. Kills use fork and SIGKILL at random moments,
so they land in every step of a save: writing the temporary file,
syncing it and moving it over the workbook. The full disk and the
read-only drive are real tmpfs mounts where the tests may mount (root on
Linux), and simulated errors elsewhere.
"""

from __future__ import annotations

import errno
import os
import random
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from datetime import datetime
from pathlib import Path

import pytest

from tracker import cli
from tracker import contract as c
from tracker.build import build_workbook
from tracker.demo import make_school
from tracker.file_adapter import read_tables, tab_replacements
from tracker.core.pipeline import run
from tracker.package import Package
from tracker.refresh import refresh_file
from tracker.tabs import build_tabs

NOW = datetime(2026, 7, 10, 16, 0)
KILLS_DURING_SAVE = 30
KILLS_DURING_REFRESH = 12


def zip_parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def owned_parts(package: Package) -> set[str]:
    sheets = package.sheet_parts()
    owned = {sheets[name] for name in c.OWNED_SHEETS if name in sheets}
    return owned | {name for name in package.parts if name.startswith("xl/charts/")}


@pytest.fixture(scope="module")
def school(tmp_path_factory) -> Path:
    """Return a built, never refreshed workbook of 210 pupils (a one-form entry primary)."""
    path = tmp_path_factory.mktemp("school") / "school.xlsm"
    build_workbook(path, make_school(pupils=210, seed=3))
    return path


def kill_at_random(work, delays: list[float]):
    """Fork a child that does ``work`` once, then waits, and SIGKILL it after each delay in turn.

    Yields after each kill, so the caller can check the file before the next one.
    """
    for delay in delays:
        pid = os.fork()
        if pid == 0:  # the child: never returns to pytest
            try:
                work()
                time.sleep(60)
            finally:
                os._exit(0)
        time.sleep(delay)
        os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        assert os.WIFSIGNALED(status), "the child ended before it was killed"
        yield


def check_intact(path: Path, inputs: dict[str, bytes], versions: list[dict[str, bytes]]) -> int:
    """Check the workbook opens, its inputs are unchanged and its owned tabs are one whole version.

    Returns the index in ``versions`` of the version found.
    """
    package = Package.open(path)
    read_tables(package)
    owned = owned_parts(package)
    parts = zip_parts(path)
    assert {name: data for name, data in parts.items() if name not in owned} == inputs
    found = {name: parts[name] for name in owned}
    assert found in versions
    return versions.index(found)


def leftovers(folder: Path, keep: set[str]) -> list[Path]:
    """Return files in the folder besides ``keep``, all of which must be a save's temporary files."""
    extra = [path for path in folder.iterdir() if path.name not in keep]
    assert all(path.name.startswith(".~pptracker-") and path.suffix == ".tmp" for path in extra), extra
    return extra


def test_kill_during_save_keeps_original(school, tmp_path):
    path = tmp_path / school.name
    shutil.copy(school, path)
    package = Package.open(path)
    replacements = tab_replacements(package, build_tabs(run(read_tables(package), NOW)))
    owned = owned_parts(package)
    inputs = {name: data for name, data in package.parts.items() if name not in owned}
    old = {name: package.parts[name] for name in owned}
    new = {name: replacements.get(name, package.parts[name]) for name in owned}
    assert old != new

    start = time.perf_counter()
    package.save(path, replacements)
    one_save = time.perf_counter() - start
    shutil.copy(school, path)

    # Kills must land before, during and after the save, or the test proves little. On a
    # busy machine a forked save runs slower, so the delays widen until every outcome is seen.
    rng = random.Random(7)
    outcomes = {"mid_write": 0, "old": 0, "new": 0}
    kills = 0
    while kills < KILLS_DURING_SAVE or (min(outcomes.values()) == 0 and kills < 4 * KILLS_DURING_SAVE):
        longest = 2 * one_save * (1 + kills // KILLS_DURING_SAVE)
        for _ in kill_at_random(lambda: package.save(path, replacements), [rng.uniform(0, longest)]):
            version = check_intact(path, inputs, [old, new])
            outcomes[("old", "new")[version]] += 1
            temps = leftovers(tmp_path, {path.name})
            outcomes["mid_write"] += bool(temps)
            for temp in temps:
                temp.unlink()
            shutil.copy(school, path)  # each kill starts from the old version again
        kills += 1

    assert outcomes["mid_write"] > 0, outcomes
    assert outcomes["old"] > 0, outcomes
    assert outcomes["new"] > 0, outcomes


def test_kill_during_refresh_keeps_original(school, tmp_path):
    path = tmp_path / school.name
    shutil.copy(school, path)
    package = Package.open(path)
    owned = owned_parts(package)
    inputs = {name: data for name, data in package.parts.items() if name not in owned}
    old = {name: package.parts[name] for name in owned}
    refresh_file(path, tmp_path / "refreshed.xlsm", now=NOW)
    new = {name: data for name, data in zip_parts(tmp_path / "refreshed.xlsm").items() if name in owned}
    (tmp_path / "refreshed.xlsm").unlink()

    start = time.perf_counter()
    refresh_file(path, tmp_path / "timing.xlsm", now=NOW)
    one_refresh = time.perf_counter() - start
    (tmp_path / "timing.xlsm").unlink()

    rng = random.Random(11)
    delays = [rng.uniform(0, 1.5 * one_refresh) for _ in range(KILLS_DURING_REFRESH)]
    for _ in kill_at_random(lambda: refresh_file(path, now=NOW), delays):
        check_intact(path, inputs, [old, new])
        for temp in leftovers(tmp_path, {path.name}):
            temp.unlink()
        shutil.copy(school, path)


def test_refresh_after_kill_leftover(school, tmp_path, capsys):
    """A temporary file left by a killed save does not stop the next refresh."""
    path = tmp_path / school.name
    shutil.copy(school, path)
    (tmp_path / ".~pptracker-abcd1234.tmp").write_bytes(b"PK\x03\x04 half a zip")

    assert cli.main(["refresh", str(path)]) == 0
    assert capsys.readouterr().err == ""
    read_tables(Package.open(path))


def mount_tmpfs(folder: Path, size_kib: int) -> bool:
    """Mount a tmpfs of ``size_kib`` KiB on ``folder``, and return False where mounting is not allowed."""
    if sys.platform != "linux" or os.geteuid() != 0 or shutil.which("mount") is None:
        return False
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_kib}k", "tmpfs", str(folder)],
                            capture_output=True)
    return result.returncode == 0


@pytest.fixture
def small_drive(tmp_path):
    """Yield a folder on a real tmpfs, or None when mounting is not allowed here."""
    folder = tmp_path / "drive"
    folder.mkdir()
    mounted = mount_tmpfs(folder, 1024)
    yield folder if mounted else None
    if mounted:
        subprocess.run(["umount", "-l", str(folder)], check=True)


def fill(folder: Path, leave_bytes: int) -> None:
    """Fill a tmpfs until only about ``leave_bytes`` bytes are free."""
    free = shutil.disk_usage(folder).free
    if free > leave_bytes:
        (folder / "filler.bin").write_bytes(b"\0" * (free - leave_bytes))


def refuse_with(monkeypatch, code: int) -> None:
    """Make every write of a save fail with an OSError, as a full or read-only drive would."""
    real_fdopen = os.fdopen

    class FailingFile:
        def __init__(self, handle):
            self.handle = handle

        def write(self, data):
            raise OSError(code, os.strerror(code))

        def __getattr__(self, name):
            return getattr(self.handle, name)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.handle.close()

    monkeypatch.setattr("tracker.package.os.fdopen", lambda fd, mode: FailingFile(real_fdopen(fd, mode)))


def test_full_disk_leaves_original(school, small_drive, monkeypatch, capsys):
    if small_drive is None:
        folder = Path(school).parent / "full"
        folder.mkdir(exist_ok=True)
        refuse_with(monkeypatch, errno.ENOSPC)
    else:
        folder = small_drive
    path = folder / school.name
    shutil.copy(school, path)
    before = path.read_bytes()
    if small_drive is not None:
        fill(folder, leave_bytes=32 * 1024)

    assert cli.main(["refresh", str(path)]) == 1
    error = capsys.readouterr().err
    assert error.startswith(f"Error: {path.name} could not be saved: the disk is full.")
    assert error.count("\n") == 1
    assert path.read_bytes() == before
    leftovers(folder, {path.name, "filler.bin"})
    assert not [p for p in folder.iterdir() if p.suffix == ".tmp"]


def test_output_to_full_disk_leaves_both(school, small_drive, tmp_path, monkeypatch, capsys):
    if small_drive is None:
        pytest.skip("needs a real small drive (root on Linux)")
    source = tmp_path / school.name
    shutil.copy(school, source)
    before = source.read_bytes()
    fill(small_drive, leave_bytes=32 * 1024)

    assert cli.main(["refresh", str(source), "--output", str(small_drive / "out.xlsm")]) == 1
    assert "the disk is full" in capsys.readouterr().err
    assert source.read_bytes() == before
    assert not (small_drive / "out.xlsm").exists()
    assert not [p for p in small_drive.iterdir() if p.suffix == ".tmp"]


def test_read_only_drive_leaves_original(school, small_drive, monkeypatch, capsys):
    if small_drive is None:
        folder = Path(school).parent / "read-only"
        folder.mkdir(exist_ok=True)
        shutil.copy(school, folder / school.name)
        refuse_with(monkeypatch, errno.EROFS)
    else:
        folder = small_drive
        shutil.copy(school, folder / school.name)
        subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)
    path = folder / school.name
    before = path.read_bytes()

    assert cli.main(["refresh", str(path)]) == 1
    error = capsys.readouterr().err
    assert error.startswith(f"Error: {path.name} could not be saved: the folder {folder} is on a read-only drive.")
    assert error.count("\n") == 1
    assert path.read_bytes() == before
    assert sorted(p.name for p in folder.iterdir()) == [path.name]
