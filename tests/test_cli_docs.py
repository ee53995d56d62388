"""Every command of the pptracker CLI is shown in the README."""

from __future__ import annotations

import argparse
from pathlib import Path

from tracker.cli import make_parser

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")


def commands() -> list[str]:
    parser = make_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return sorted(action.choices)


def test_cli_has_core_commands():
    assert {"refresh", "build-workbook", "setup-classes", "demo", "import", "import-register",
            "export"} <= set(commands())


def test_every_command_in_readme():
    missing = [name for name in commands() if f"pptracker {name} " not in README]
    assert missing == []
