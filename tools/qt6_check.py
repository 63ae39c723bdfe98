"""Check the code for Qt 6 / QGIS 4 with QGIS's own PyQt5 -> PyQt6 migration checker, read-only.

The checker is QGIS's scripts/pyqt5_to_pyqt6/pyqt5_to_pyqt6.py. It is not part of this
repository and must never be committed to it: this tool finds it at $QGIS_PYQT6_CHECKER, else
at ~/.cache/cisc_impervious/pyqt5_to_pyqt6/pyqt5_to_pyqt6.py, else downloads it there from the
QGIS repository. It writes the enum map the checker reads (enums.json, made by
tools/qt6_enum_map.py) beside it and runs it in its default mode, which only prints (never
with -i), on plugin/, tests/, tools/ and benchmarks/.

It fails when the checker prints a diff, a WARNING or ERROR line, a missing-import or removed-
class notice, or crashes. With --qgis3-incompatible-changes it also runs the checker's
QGIS-4-only mode (QVariant.X -> QMetaType.Type.X and such) and fails on its findings outside
plugin/toolbelt/qgis_compat.py, the one module where QVariant field types may stand.

Run it with the lint venv's Python (PyQt6 and tokenize-rt from PyPI; `make lint` creates
.venv-lint): .venv-lint/bin/python tools/qt6_check.py [--qgis3-incompatible-changes]
"""

import argparse
import importlib
import importlib.util
import json
import os
import re
import runpy
import subprocess
import sys
import urllib.request
from collections import defaultdict
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
CHECKER_URL = "https://raw.githubusercontent.com/qgis/QGIS/master/scripts/pyqt5_to_pyqt6/pyqt5_to_pyqt6.py"
CACHED_CHECKER = Path.home() / ".cache" / "cisc_impervious" / "pyqt5_to_pyqt6" / "pyqt5_to_pyqt6.py"
CHECKED_DIRS = ("plugin", "tests", "tools", "benchmarks")
# the only file whose QGIS-4-only findings are allowed: it keeps QVariant for QGIS < 3.38
COMPAT_MODULE = "plugin/toolbelt/qgis_compat.py"
INCOMPATIBLE_FLAG = "--qgis3-incompatible-changes"
PYQT6_MODULES = ("QtCore", "QtGui", "QtWidgets", "QtNetwork", "QtXml", "QtSvg", "QtPrintSupport", "QtSql", "QtTest",
                 "Qsci")
HOW_TO_PROVIDE = (
    "Provide QGIS's checker (scripts/pyqt5_to_pyqt6/pyqt5_to_pyqt6.py from the QGIS sources, "
    "any recent version) in one of these ways:\n"
    f"  - save it as {CACHED_CHECKER}\n"
    "  - or point QGIS_PYQT6_CHECKER at it: QGIS_PYQT6_CHECKER=/path/to/pyqt5_to_pyqt6.py make lint\n"
    "Never copy it into this repository."
)


class CheckerUnavailable(Exception):
    pass


def find_checker(timeout: float = 10.0) -> Path:
    """$QGIS_PYQT6_CHECKER, else the cached copy, else a fresh download into the cache."""
    configured = os.environ.get("QGIS_PYQT6_CHECKER")
    if configured:
        path = Path(configured).expanduser()
        if not path.is_file():
            raise CheckerUnavailable(f"QGIS_PYQT6_CHECKER={configured} is not a file.\n{HOW_TO_PROVIDE}")
        return path
    if CACHED_CHECKER.is_file():
        return CACHED_CHECKER
    url = os.environ.get("QGIS_PYQT6_CHECKER_URL", CHECKER_URL)
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - a fixed https URL
            text = response.read().decode("utf-8")
    except Exception as error:  # noqa: BLE001 - any network failure ends the same way
        raise CheckerUnavailable(f"the checker is not at {CACHED_CHECKER} and downloading it from {url} failed "
                                 f"({error}).\n{HOW_TO_PROVIDE}") from error
    if "def fix_file(" not in text or "tokenize_rt" not in text:
        raise CheckerUnavailable(f"{url} did not return QGIS's pyqt5_to_pyqt6.py.\n{HOW_TO_PROVIDE}")
    CACHED_CHECKER.parent.mkdir(parents=True, exist_ok=True)
    partial = CACHED_CHECKER.with_suffix(".part")
    partial.write_text(text, encoding="utf-8")
    partial.replace(CACHED_CHECKER)
    print(f"qt6_check: downloaded the checker to {CACHED_CHECKER}")
    return CACHED_CHECKER


def write_enum_map(checker: Path, qgis_python: str) -> Path:
    """enums.json beside the checker, which loads it from its own folder."""
    sys.path.insert(0, str(REPO_ROOT / "tools"))
    try:
        import qt6_enum_map
    finally:
        sys.path.pop(0)
    data = qt6_enum_map.build(qgis_python)
    target = checker.parent / "enums.json"
    try:
        target.write_text(json.dumps(data, sort_keys=True), encoding="utf-8")
    except OSError as error:
        raise CheckerUnavailable(f"cannot write {target} beside the checker ({error}): the checker reads its enum "
                                 f"map from its own folder, so copy it to a writable one.\n{HOW_TO_PROVIDE}") from error
    return target


def checker_namespace(enums_path: Path) -> dict:
    """The names the checker evaluates when it rewrites an enum (``Qt.AlignmentFlag.AlignLeft``).

    The checker imports PyQt6 and the QGIS bindings together and, when that fails, as here,
    evaluates those expressions against names it does not have. It is given PyQt6's names, and
    stand-ins for the QGIS classes of the enum map that hold each enum with its members but no
    unscoped member (as enum values are in Qt 6)."""
    namespace = {}
    for name in PYQT6_MODULES:
        try:
            module = importlib.import_module(f"PyQt6.{name}")
        except ImportError:
            continue
        namespace.update({key: value for key, value in vars(module).items() if not key.startswith("_")})
    data = json.loads(enums_path.read_text(encoding="utf-8"))
    enums = defaultdict(lambda: defaultdict(set))
    for key, enum_name in data["qt_enums"].items():
        cls, member = key.split(":", 1)
        enums[cls][enum_name].add(member)
    for key, enum_names in data["ambiguous_enums"].items():
        cls, member = key.split(":", 1)
        for enum_name in enum_names:
            enums[cls][enum_name].add(member)
    for cls, members_by_enum in enums.items():
        if cls in namespace:
            continue
        attributes = {enum_name: type(enum_name, (), {member: object() for member in members})
                      for enum_name, members in members_by_enum.items()}
        namespace[cls] = type(cls, (), attributes)
    return namespace


def run_checker_here(checker: Path, directory: str, incompatible: bool) -> None:
    """Run the checker in this process (called in a child process, one per folder and mode)."""
    namespace = checker_namespace(checker.parent / "enums.json")
    sys.argv = [str(checker), directory] + ([INCOMPATIBLE_FLAG] if incompatible else [])
    runpy.run_path(str(checker), init_globals=namespace, run_name="__main__")


_LOCATED = re.compile(r"^(?P<file>.+?\.py):(?P<line>\d+):(?P<col>-?\d+) (?P<kind>WARNING|ERROR)\b")


def _run(lines, start, prefix):
    """The block of diff lines from start that begin with prefix."""
    block = []
    for line in lines[start:]:
        if not line.startswith(prefix) or line.startswith(prefix * 3 + " "):
            break
        block.append(line)
    return block


def parse_output(stdout: str, stderr: str):
    """{file: [finding lines]} from one run, and the crash text if it crashed."""
    findings = defaultdict(list)
    current = None
    lines = stdout.splitlines()
    for index, line in enumerate(lines):
        if line.startswith("Processing "):
            current = line[len("Processing "):]
        elif line.startswith("PyQt or QGIS classes not available"):
            continue
        elif line.startswith("--- ") or line.startswith("+++ ") or line.startswith("@@"):
            continue
        elif line.startswith("-") and current:
            if index and lines[index - 1].startswith("-") and not lines[index - 1].startswith("--- "):
                continue  # reported with the first line of its block
            removed = _run(lines, index, "-")
            added = _run(lines, index + len(removed), "+")
            for position, old in enumerate(removed):
                new = added[position] if position < len(added) else ""
                findings[current].append(f"{old[1:].strip()}  ->  {new[1:].strip()}")
        elif current and line.startswith(current + ": "):  # a notice: removed class, missing import
            text = line[len(current) + 2:]
            if text.startswith("Missing import") and index + 1 < len(lines) and lines[index + 1].startswith("\t"):
                text += " " + lines[index + 1].strip()
            findings[current].append(text)
    crash = ""
    for line in stderr.splitlines():
        match = _LOCATED.match(line)
        if match:
            findings[match.group("file")].append(line[len(match.group("file")) + 1:])
        elif line.strip():
            crash += line + "\n"
    return findings, crash


def run_mode(checker: Path, incompatible: bool, dirs):
    """{relative file: [findings]} and the crashes, over every folder."""
    all_findings, crashes = {}, []
    for directory in dirs:
        path = REPO_ROOT / directory
        if not path.is_dir():
            continue
        command = [sys.executable, os.path.abspath(__file__), "--run-checker", str(checker), str(path)]
        if incompatible:
            command.append(INCOMPATIBLE_FLAG)
        done = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=REPO_ROOT)
        findings, crash = parse_output(done.stdout, done.stderr)
        if crash or done.returncode not in (0, 1) or (done.returncode == 1 and not findings):
            crashes.append(f"{directory}: the checker failed (exit {done.returncode}):\n{crash or done.stdout[-2000:]}")
        for file, items in findings.items():
            all_findings[os.path.relpath(file, REPO_ROOT)] = items
    return all_findings, crashes


def report(title: str, findings: dict, allowed=()) -> int:
    """Print the findings; return how many are not allowed."""
    counted = sum(len(items) for file, items in findings.items() if file not in allowed)
    print(f"qt6_check: {title}: {counted} finding(s)" + (f" outside {', '.join(allowed)}" if allowed else ""))
    for file in sorted(findings):
        items = findings[file]
        mark = " (allowed: the QVariant fallback for QGIS < 3.38)" if file in allowed else ""
        print(f"  {file}: {len(items)}{mark}")
        if not mark:
            for item in items:
                print(f"      {item}")
    return counted


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--run-checker"]:
        run_checker_here(Path(argv[1]), argv[2], INCOMPATIBLE_FLAG in argv[3:])
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(INCOMPATIBLE_FLAG, dest="incompatible", action="store_true",
                        help=f"also run the QGIS-4-only mode (findings allowed only in {COMPAT_MODULE})")
    parser.add_argument("--qgis-python", default=os.environ.get("QGIS_PYTHON", "/usr/bin/python3"),
                        help="a Python with the QGIS bindings, for the QGIS part of the enum map (default: %(default)s)")
    parser.add_argument("dirs", nargs="*", default=list(CHECKED_DIRS), help="folders to check (default: %(default)s)")
    args = parser.parse_args(argv)
    missing = [name for name in ("tokenize_rt", "PyQt6.QtCore") if importlib.util.find_spec(name.split(".")[0]) is None]
    if missing:
        print(f"qt6_check: {', '.join(missing)} missing in {sys.executable}: run it with the lint venv's Python "
              "(`make lint` creates .venv-lint with PyQt6 and tokenize-rt).", file=sys.stderr)
        return 2
    try:
        checker = find_checker()
    except CheckerUnavailable as error:
        print(f"qt6_check: {error}", file=sys.stderr)
        return 2
    try:
        enums_path = write_enum_map(checker, args.qgis_python)
    except CheckerUnavailable as error:
        print(f"qt6_check: {error}", file=sys.stderr)
        return 2
    print(f"qt6_check: checker {checker}, enum map {enums_path}")
    failed = 0
    findings, crashes = run_mode(checker, False, args.dirs)
    failed += report("default mode (Qt 5 and Qt 6 compatible fixes)", findings)
    if args.incompatible:
        findings, more = run_mode(checker, True, args.dirs)
        crashes += more
        failed += report(f"{INCOMPATIBLE_FLAG} mode", findings, allowed=(COMPAT_MODULE,))
    for crash in crashes:
        print(f"qt6_check: {crash}", file=sys.stderr)
    if failed or crashes:
        print("qt6_check: FAILED", file=sys.stderr)
        return 1
    print("qt6_check: OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
