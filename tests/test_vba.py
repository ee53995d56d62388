"""The built workbook's VBA project and macro packaging.

The package is compared with workbooks that Excel saved: xlwings'
quickstart_standalone.xlsm (installed with xlwings) and the xlwings
examples fibonacci.xlsm and mpl.xlsm (tests/fixtures/excel_saved). Each
difference that remains is named and explained where it is checked.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
import python_calamine
import xlwings
from lxml import etree
from pyopenvba import ExcelFile
from pyopenvba.cfb import CFB
from pyopenvba.interpreter import HostBridge, Interpreter, parse_module, to_text

from tracker import buttons, vba
from tracker.build import build_workbook

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures" / "excel_saved"
QUICKSTART = Path(xlwings.__file__).parent / "quickstart_standalone.xlsm"
EXCEL_SAVED = [QUICKSTART, FIXTURES / "fibonacci.xlsm", FIXTURES / "mpl.xlsm"]

MACRO_ENABLED_MAIN = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
VBA_PROJECT_TYPE = "application/vnd.ms-office.vbaProject"
VBA_PROJECT_REL = "http://schemas.microsoft.com/office/2006/relationships/vbaProject"
NS = {
    "ct": "http://schemas.openxmlformats.org/package/2006/content-types",
    "rel": "http://schemas.openxmlformats.org/package/2006/relationships",
    "main": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
}
# Procedures Excel runs without a click: Auto_Open in a standard module and
# the Workbook and Worksheet event handlers in document modules.
AUTO_RUN = re.compile(r"^\s*(Public\s+|Private\s+)?Sub\s+(Auto_\w+|Workbook_\w+|Worksheet_\w+)\b",
                      re.I | re.M)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("build") / "pptracker.xlsm"
    return build_workbook(path)


def content_types(path: Path) -> dict[str, str]:
    """Return {part name or *.extension: content type} from [Content_Types].xml."""
    with zipfile.ZipFile(path) as archive:
        root = etree.fromstring(archive.read("[Content_Types].xml"))
    types = {f"*.{d.get('Extension').lower()}": d.get("ContentType") for d in root.findall("ct:Default", NS)}
    types.update({o.get("PartName"): o.get("ContentType") for o in root.findall("ct:Override", NS)})
    return types


def part_type(types: dict[str, str], part: str) -> str | None:
    return types.get("/" + part) or types.get("*." + part.rsplit(".", 1)[-1].lower())


def workbook_rels(path: Path) -> dict[str, str]:
    """Return {relationship type: target} for xl/workbook.xml."""
    with zipfile.ZipFile(path) as archive:
        root = etree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    return {r.get("Type"): r.get("Target") for r in root.findall("rel:Relationship", NS)}


def code_names(path: Path) -> tuple[str | None, list[str]]:
    """Return the workbook's code name and every worksheet's code name, from the package XML."""
    with zipfile.ZipFile(path) as archive:
        workbook = etree.fromstring(archive.read("xl/workbook.xml"))
        book_name = workbook.find("main:workbookPr", NS).get("codeName")
        sheets = []
        for name in archive.namelist():
            if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", name):
                sheet_pr = etree.fromstring(archive.read(name)).find("main:sheetPr", NS)
                sheets.append(sheet_pr.get("codeName") if sheet_pr is not None else None)
    return book_name, sheets


def project_stream(path: Path) -> dict[str, list[str]]:
    """Return the PROJECT stream's module lines by kind: Document, Module, Class."""
    with zipfile.ZipFile(path) as archive:
        text = CFB.from_bytes(archive.read("xl/vbaProject.bin")).get_stream("PROJECT").decode("latin-1")
    lines: dict[str, list[str]] = {"Document": [], "Module": [], "Class": []}
    for line in text.splitlines():
        key, _, value = line.partition("=")
        if key in lines:
            lines[key].append(value.split("/")[0])
    return lines


def modules(path: Path) -> dict[str, str]:
    with ExcelFile(path) as workbook:
        return {m.name: m.source.replace("\r\n", "\n") for m in workbook.vba_project().modules}


def references(path: Path) -> list[str]:
    with ExcelFile(path) as workbook:
        return [r.name for r in workbook.vba_project().references]


def class_body(source: str) -> str:
    """Return a class module's code without the VBE export header and Attribute lines."""
    source = source.replace("\r\n", "\n")
    if source.startswith("VERSION "):
        source = source.split("\nEND\n", 1)[1]
    return "\n".join(line for line in source.split("\n") if not line.startswith("Attribute "))


class RunPythonRecorder(HostBridge):
    """A host for pyOpenVBA's interpreter that records RunPython calls instead of starting Python."""

    def __init__(self):
        self.commands: list[str] = []

    def has_global_member(self, name: str) -> bool:
        return name == "runpython"  # the interpreter passes names in lower case

    def call_global(self, name, args, named):
        self.commands.append(to_text(args[0]))


def test_main_part_is_macro_enabled(built):
    types = content_types(built)
    assert types["/xl/workbook.xml"] == MACRO_ENABLED_MAIN
    assert part_type(types, "xl/vbaProject.bin") == VBA_PROJECT_TYPE
    assert workbook_rels(built)[VBA_PROJECT_REL] == "vbaProject.bin"


def test_excel_saved_books_agree_on_types(built):
    for reference in EXCEL_SAVED:
        types = content_types(reference)
        assert types["/xl/workbook.xml"] == MACRO_ENABLED_MAIN, reference.name
        # Excel writes an Override for the project because its Default for
        # .bin is printer settings; XlsxWriter has no printer settings and
        # uses a Default. Both give the part the same type.
        assert part_type(types, "xl/vbaProject.bin") == VBA_PROJECT_TYPE, reference.name
        assert workbook_rels(reference)[VBA_PROJECT_REL] == "vbaProject.bin", reference.name


def test_code_names_match_document_modules(built):
    book_name, sheet_names = code_names(built)
    assert book_name == "ThisWorkbook"
    assert None not in sheet_names
    project = project_stream(built)
    assert sorted(project["Document"]) == sorted(["ThisWorkbook", *sheet_names])
    assert project["Module"] == [vba.BUTTONS_MODULE, vba.XLWINGS_MODULE]
    assert project["Class"] == [vba.DICTIONARY_CLASS]


def test_excel_saved_code_names_match_too():
    for reference in EXCEL_SAVED:
        book_name, sheet_names = code_names(reference)
        assert book_name == "ThisWorkbook", reference.name
        assert sorted(project_stream(reference)["Document"]) == sorted(["ThisWorkbook", *sheet_names])


def test_document_modules_as_excel_writes_them(built):
    ours = modules(built)
    excel = modules(FIXTURES / "fibonacci.xlsm")
    # Excel's empty ThisWorkbook and Sheet1 modules, attribute for attribute.
    assert ours["ThisWorkbook"] == excel["ThisWorkbook"]
    assert ours["Sheet1"] == excel["Sheet1"]
    for name, source in ours.items():
        if name == "ThisWorkbook" or re.fullmatch(r"Sheet\d+", name):
            code = [line for line in source.split("\n") if line and not line.startswith("Attribute ")]
            assert code == [], f"{name} holds code"


def test_references_explained(built):
    assert references(built) == ["stdole", "Office"]
    # quickstart_standalone.xlsm lists MSForms and Office. The examples add
    # stdole and, because they use the add-in, a project reference to
    # xlwings.xlam. MSForms comes with a UserForm or ActiveX control, and
    # xlwings.bas uses neither; the standalone module replaces the add-in.
    assert references(QUICKSTART) == ["MSForms", "Office"]
    for name in ("fibonacci.xlsm", "mpl.xlsm"):
        assert references(FIXTURES / name) == ["stdole", "Office", "MSForms", "xlwings"]


def test_xlwings_module_is_installed_one(built):
    ours = modules(built)
    installed = vba.xlwings_sources()
    assert ours[vba.XLWINGS_MODULE] == installed[vba.XLWINGS_MODULE].replace("\r\n", "\n")
    # pyOpenVBA drops the VBE export header and writes VB_Base; the code is the same.
    assert class_body(ours[vba.DICTIONARY_CLASS]) == class_body(installed[vba.DICTIONARY_CLASS])
    # The VBA editor gives each identifier one spelling across a project when
    # it saves ("Err.Raise" became "err.Raise" in quickstart_standalone.xlsm),
    # so Excel's copy matches only when case is ignored. Ours will be
    # recased the same way the first time Excel saves the workbook.
    saved = class_body(modules(QUICKSTART)[vba.DICTIONARY_CLASS])
    assert saved != class_body(installed[vba.DICTIONARY_CLASS])
    assert saved.lower() == class_body(installed[vba.DICTIONARY_CLASS]).lower()
    assert ours[vba.BUTTONS_MODULE] == vba.buttons_source()


def test_xlwings_versions_agree(built):
    pin = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    pinned = [d.split("==")[1] for d in pin if d.startswith("xlwings==")]
    assert pinned == [xlwings.__version__]
    module_version = vba.xlwings_module_version(modules(built)[vba.XLWINGS_MODULE])
    assert module_version == xlwings.__version__

    conf = python_calamine.CalamineWorkbook.from_path(str(built)).get_sheet_by_name(vba.XLWINGS_CONF_SHEET)
    rows = conf.to_python(skip_empty_area=False)
    row, col = vba.VERSION_CELL
    assert rows[row][col] == module_version


def test_xlwings_conf_settings(built):
    conf = python_calamine.CalamineWorkbook.from_path(str(built)).get_sheet_by_name(vba.XLWINGS_CONF_SHEET)
    rows = conf.to_python(skip_empty_area=False)
    # xlwings reads keys from A1 down to the first blank cell in column A.
    keys = []
    for row in rows:
        if row[0] == "":
            break
        keys.append((row[0], row[1]))
    assert keys == [(k, "" if v == "" else v) for k, v in vba.XLWINGS_SETTINGS]
    with zipfile.ZipFile(built) as archive:
        workbook = archive.read("xl/workbook.xml").decode()
    assert re.search(r'<sheet name="xlwings\.conf" sheetId="\d+" state="hidden"', workbook)


def test_no_macro_runs_by_itself(built):
    for name, source in modules(built).items():
        assert not AUTO_RUN.search(source), f"{name} has a macro that runs without a click"


def test_each_button_macro_runs_its_handler(built):
    source = modules(built)[vba.BUTTONS_MODULE]
    parsed = parse_module(source, name=vba.BUTTONS_MODULE)
    subs = {p.name: p for p in parsed.procedures}
    assert sorted(subs) == sorted(b.macro for b in buttons.BUTTONS)

    for spec in buttons.BUTTONS:
        procedure = subs[spec.macro]
        assert (procedure.kind, procedure.scope, list(procedure.params)) == ("sub", "public", [])
        assert len(procedure.body) == 1, f"{spec.macro} does more than one RunPython call"

        # The interpreter has no workbook, so a command built from the
        # workbook's name or a cell would fail here instead of being recorded.
        recorder = RunPythonRecorder()
        interpreter = Interpreter(recorder)
        interpreter.add_module(source, name=vba.BUTTONS_MODULE)
        interpreter.run(spec.macro)
        assert recorder.commands == [f"import tracker.buttons; tracker.buttons.{spec.function}()"]
        assert callable(getattr(buttons, spec.function))


def test_start_buttons_call_macros(built):
    with zipfile.ZipFile(built) as archive:
        vml = [archive.read(n).decode() for n in archive.namelist() if n.endswith(".vml")]
    assert len(vml) == 1
    macros = re.findall(r"<x:FmlaMacro>\[0\]!(\w+)</x:FmlaMacro>", vml[0])
    captions = re.findall(r"<font[^>]*>([^<]+)</font>", vml[0])
    assert macros == [b.macro for b in buttons.BUTTONS]
    assert captions == [b.caption for b in buttons.BUTTONS]


def test_excel_saved_buttons_use_same_macro_form():
    # Excel writes the same legacy VML button plus a <controls> copy with
    # ctrlProp parts. XlsxWriter writes only the VML form.
    # NOTE: that Excel shows XlsxWriter's VML-only button was not checked here.
    with zipfile.ZipFile(FIXTURES / "fibonacci.xlsm") as archive:
        vml = archive.read("xl/drawings/vmlDrawing1.vml").decode()
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    assert re.findall(r"<x:FmlaMacro>\[0\]!(\w+)</x:FmlaMacro>", vml) == ["FibonacciLite", "FibonacciStandalone"]
    assert 'macro="[0]!FibonacciLite"' in sheet


def test_vba_project_bytes_repeat():
    first = vba.build_vba_project.__wrapped__(5)
    second = vba.build_vba_project.__wrapped__(5)
    assert first == second
    other_process = subprocess.run(
        [sys.executable, "-c", "import sys; from tracker import vba; "
                               "sys.stdout.buffer.write(vba.build_vba_project(5))"],
        capture_output=True, check=True, env={**os.environ, "PYTHONHASHSEED": "7"},
    ).stdout
    assert other_process == first


def package_parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_build_repeats_part_by_part(tmp_path):
    first = package_parts(build_workbook(tmp_path / "one.xlsm"))
    second = package_parts(build_workbook(tmp_path / "two.xlsm"))
    assert sorted(first) == sorted(second)
    for name in first:
        assert first[name] == second[name], name


def test_committed_workbook_is_fresh_build(tmp_path):
    committed = ROOT / "pptracker.xlsm"
    assert committed.exists(), "pptracker.xlsm is missing: run 'pptracker build-workbook pptracker.xlsm'"
    fresh = package_parts(build_workbook(tmp_path / "pptracker.xlsm"))
    kept = package_parts(committed)
    # No part or element is ignored: the build fixes the creation date and
    # pyOpenVBA writes no timestamps, so every byte must match.
    assert sorted(kept) == sorted(fresh)
    stale = [name for name in fresh if fresh[name] != kept[name]]
    assert stale == [], ("pptracker.xlsm is out of date in these parts; rebuild it with "
                         f"'pptracker build-workbook pptracker.xlsm': {stale}")
