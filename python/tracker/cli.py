"""The pptracker command: a thin layer over the library functions."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .errors import TrackerError


def _refresh(args: argparse.Namespace) -> int:
    from .core.pipeline import to_json
    from .refresh import refresh_file

    result = refresh_file(args.book, args.output)
    if args.json:
        json.dump(to_json(result), sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    else:
        target = args.output or args.book
        print(f"Refreshed {target}: {len(result.pupils)} pupils, "
              f"{len(result.not_on_track)} not on track at {result.settings.current_point}, "
              f"{len(result.issues)} data issues.")
    return 0


def _build(args: argparse.Namespace) -> int:
    from .build import build_workbook

    path = build_workbook(args.out)
    print(f"Built {path}")
    return 0


def _setup_classes(args: argparse.Namespace) -> int:
    from .classes import setup_classes

    report = setup_classes(args.book)
    print(report.summary())
    return 0


def _demo(args: argparse.Namespace) -> int:
    from .demo import write_demo

    result = write_demo(args.out, pupils=args.pupils, pp_share=args.pp_share, seed=args.seed)
    print(f"Wrote {args.out}: a demo school of {len(result.pupils)} pupils, "
          f"{len(result.issues)} data issues (some are deliberate).")
    return 0


def _export(args: argparse.Namespace) -> int:
    from .export import export_for_head, read_password

    password = read_password() if args.password else None
    path = export_for_head(args.book, args.out, password=password, include_inputs=args.include_inputs,
                           governors=args.governors)
    kind = "governors' report (figures only)" if args.governors else "export for the head"
    print(f"Wrote {path}: {kind}{', encrypted with a password' if password else ''}.")
    return 0


def _import_progress(args: argparse.Namespace) -> int:
    from .importing import import_progress
    from .importing.terminal import TerminalProgress

    report = import_progress(args.book, args.paths, progress=TerminalProgress(), out=args.output)
    print(report.summary())
    # Some unreadable files are normal and reported; none read at all means a wrong path.
    return 0 if report.files_read or not report.files_skipped else 1


def _import_register(args: argparse.Namespace) -> int:
    from .importing import import_register
    from .importing.terminal import TerminalProgress

    report = import_register(args.book, args.file, census_date=args.census_date, out=args.output,
                             progress=TerminalProgress())
    print(report.summary())
    # A register that could not be read at all means a wrong path or file, so scripts must see a failure.
    return 1 if report.unreadable else 0


def _uk_date(text: str):
    from datetime import datetime

    try:
        return datetime.strptime(text, "%d/%m/%Y").date()
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date; type it as dd/mm/yyyy, such as 15/01/2026.")


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pptracker", description="Pupil Premium tracker for primary schools.")
    commands = parser.add_subparsers(dest="command", required=True)

    refresh = commands.add_parser("refresh", help="Refill Summary, Not on track, PP pupils and Data issues.")
    refresh.add_argument("book", help="the workbook (.xlsm) to refresh")
    refresh.add_argument("--output", "-o", help="write the refreshed workbook here instead of in place")
    refresh.add_argument("--json", action="store_true", help="print the figures as JSON on standard output")
    refresh.set_defaults(handler=_refresh)

    build = commands.add_parser("build-workbook", help="Build an empty pptracker.xlsm from source.")
    build.add_argument("out", nargs="?", default="pptracker.xlsm", help="where to write it (default pptracker.xlsm)")
    build.set_defaults(handler=_build)

    setup = commands.add_parser("setup-classes", help="Create or update one sheet per class from the register.")
    setup.add_argument("book", help="the workbook (.xlsm) whose class sheets to create or update")
    setup.set_defaults(handler=_setup_classes)

    demo = commands.add_parser("demo", help="Write a synthetic demo school and refresh it.")
    demo.add_argument("out", help="where to write the demo workbook (.xlsm)")
    demo.add_argument("--pupils", type=int, default=420, help="number of pupils (default 420, two-form entry)")
    demo.add_argument("--pp-share", type=float, default=0.25,
                      help="share of pupils eligible for PP, from 0 to 1 (default 0.25)")
    demo.add_argument("--seed", type=int, default=1, help="random seed, so the same seed gives the same school")
    demo.set_defaults(handler=_demo)

    export = commands.add_parser("export", help="Write a macro-free .xlsx of the results to share.")
    export.add_argument("book", help="the workbook (.xlsm) to export from")
    export.add_argument("out", help="where to write the export (.xlsx)")
    export.add_argument("--password", action="store_true",
                        help="encrypt the export; the password is read from PPTRACKER_PASSWORD, "
                             "or asked for at the terminal")
    export.add_argument("--include-inputs", action="store_true",
                        help="also include the input sheets and Data issues, as values")
    export.add_argument("--governors", action="store_true",
                        help="write the governors' report: figures only, small groups suppressed")
    export.set_defaults(handler=_export)

    progress = commands.add_parser("import", help="Import grades from teachers' progress files into empty cells.")
    progress.add_argument("book", help="the workbook (.xlsm) to import into")
    progress.add_argument("paths", nargs="+", help="progress files (.xlsx, .xlsm, .xls, .csv) or folders of them")
    progress.add_argument("--output", "-o", help="write the result here instead of changing the workbook")
    progress.set_defaults(handler=_import_progress)

    register = commands.add_parser("import-register", help="Update the Pupils table from an MIS export or a CTF.")
    register.add_argument("book", help="the workbook (.xlsm) to update")
    register.add_argument("file", help="the MIS export (.csv, .xlsx, .xls) or Common Transfer File (.xml)")
    register.add_argument("--census-date", type=_uk_date, metavar="DD/MM/YYYY",
                          help="the census date Ever 6 FSM is worked out at from a CTF (default: today)")
    register.add_argument("--output", "-o", help="write the result here instead of changing the workbook")
    register.set_defaults(handler=_import_register)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = make_parser().parse_args(argv)
    try:
        return args.handler(args)
    except TrackerError as error:
        print(f"Error: {error}", file=sys.stderr)
        return 1
    except PermissionError as error:
        print(f"Error: could not write {_shown_path(error.filename)}: permission denied. "
              "Check that the folder is not read-only and the file is not open elsewhere.", file=sys.stderr)
        return 1
    except BrokenPipeError:
        return 0
    except OSError as error:
        print(f"Error: {error.strerror or error} ({_shown_path(error.filename)}). "
              "The workbook was not changed.", file=sys.stderr)
        return 1


def _shown_path(filename: object) -> str:
    """Return the path to name in an error: the folder, for pptracker's own temporary file."""
    if not filename:
        return "file"
    path = Path(str(filename))
    if path.name.startswith(".~pptracker-"):
        return f"in the folder {path.parent}"
    return str(path)


if __name__ == "__main__":
    raise SystemExit(main())
