"""Build the enum map (`enums.json`) that QGIS's PyQt5 -> PyQt6 checker reads.

The checker (scripts/pyqt5_to_pyqt6/pyqt5_to_pyqt6.py in the QGIS sources, never copied into
this repository) turns unscoped enum values such as ``Qt.AlignLeft`` into their Qt 6 form
``Qt.AlignmentFlag.AlignLeft``. It needs a map (Class, member) -> enum name, which QGIS ships
beside the script; this tool makes the same map here by introspection:

- Qt: PyQt6 (from PyPI, in the lint venv) for QtCore, QtGui, QtWidgets, QtNetwork, QtXml,
  QtSvg, QtPrintSupport, QtSql, QtTest (and Qsci when installed): for every class, nested
  class and subclass, each member of each nested Python enum.
- QGIS: the host's qgis bindings (qgis.core, qgis.gui, qgis.analysis), run in a separate
  process with the QGIS Python (PyQt5 and PyQt6 are never loaded together): every
  (QgsClass, member) where ``getattr(QgsClass, EnumName)`` is an enum type (sip enum or
  Python enum) holding that member, inherited Qt enums included.

A (Class, member) found in two different enums is written as ambiguous, as the checker
expects. Output format: {"qt_enums": {"Class:member": "Enum"},
"ambiguous_enums": {"Class:member": ["EnumA", "EnumB"]}}.

Usage:
    python tools/qt6_enum_map.py --out enums.json [--qgis-python /usr/bin/python3]
    python tools/qt6_enum_map.py --part qt|qgis     # one part as JSON triples on stdout
"""

import argparse
import enum
import importlib
import inspect
import json
import os
import subprocess
import sys
from collections import defaultdict

QT_MODULES = ("QtCore", "QtGui", "QtWidgets", "QtNetwork", "QtXml", "QtSvg", "QtPrintSupport", "QtSql", "QtTest",
              "Qsci")
QGIS_MODULES = ("qgis.core", "qgis.gui", "qgis.analysis")
DEFAULT_QGIS_PYTHON = "/usr/bin/python3"


def _all_subclasses(cls):
    seen = set()
    stack = [cls]
    while stack:
        current = stack.pop()
        if current in seen:
            continue
        seen.add(current)
        try:
            stack.extend(current.__subclasses__())
        except TypeError:  # a metaclass's unbound __subclasses__
            continue
    return seen


def _is_enum_type(value) -> bool:
    return inspect.isclass(value) and (isinstance(value, enum.EnumMeta) or type(value).__name__ == "enumtype")


def qt_triples():
    """(class name, member, enum name) for the Qt modules of PyQt6."""
    triples = set()
    modules = []
    for name in QT_MODULES:
        try:
            modules.append(importlib.import_module(f"PyQt6.{name}"))
        except ImportError:
            if name != "Qsci":
                raise
    visited = set()

    def visit(cls):
        if cls in visited:
            return
        visited.add(cls)
        subclasses = _all_subclasses(cls)  # an enum is often named through a subclass
        for key, value in list(vars(cls).items()):
            if key == "baseClass":
                continue
            if isinstance(value, enum.EnumMeta):
                for member in value.__members__:
                    for sub in subclasses:
                        clash = getattr(sub, member, None)
                        if clash is not None and not isinstance(clash, enum.Enum):
                            continue  # Class.member is something else (a method, a class): leave it
                        triples.add((sub.__name__, member, key))
            elif inspect.isclass(value):
                visit(value)

    for module in modules:
        for value in list(vars(module).values()):
            if inspect.isclass(value) and value.__module__.startswith("PyQt6."):
                visit(value)
    return triples


def qgis_triples():
    """(class name, member, enum name) for the host's QGIS bindings (sip enums and Python enums)."""
    triples = set()
    visited = set()

    def visit(cls):
        if cls in visited:
            return
        visited.add(cls)
        enum_names = {}  # enum type -> the name it has on cls (the type's own name first)
        nested = []
        for name in dir(cls):
            if name.startswith("__"):
                continue
            try:
                value = getattr(cls, name)
            except Exception:  # noqa: BLE001 - a descriptor that cannot be read on the class
                continue
            if _is_enum_type(value):
                if value not in enum_names or name == value.__name__:
                    enum_names[value] = name
            elif inspect.isclass(value) and getattr(value, "__module__", "").startswith("qgis.") and name in vars(cls):
                nested.append(value)
        for enum_type, enum_name in enum_names.items():
            if isinstance(enum_type, enum.EnumMeta):
                for member in enum_type.__members__:
                    clash = getattr(cls, member, None)
                    if clash is not None and not isinstance(clash, enum.Enum):
                        continue
                    triples.add((cls.__name__, member, enum_name))
        for name in dir(cls):  # sip enums: the members are attributes of the class
            try:
                value = getattr(cls, name)
            except Exception:  # noqa: BLE001
                continue
            enum_type = type(value)
            if enum_type in enum_names and not isinstance(enum_type, enum.EnumMeta):
                triples.add((cls.__name__, name, enum_names[enum_type]))
        for value in nested:
            visit(value)

    for module_name in QGIS_MODULES:
        module = importlib.import_module(module_name)
        for value in list(vars(module).values()):
            if inspect.isclass(value) and getattr(value, "__module__", "").startswith("qgis."):
                visit(value)
    return triples


def merge(triples):
    """The checker's map: one enum per (class, member), or ambiguous when two enums claim it."""
    claims = defaultdict(set)
    for cls, member, enum_name in triples:
        claims[(cls, member)].add(enum_name)
    qt_enums, ambiguous = {}, {}
    for (cls, member), names in sorted(claims.items()):
        key = f"{cls}:{member}"
        if len(names) == 1:
            qt_enums[key] = next(iter(names))
        else:
            ambiguous[key] = sorted(names)
    return {"qt_enums": qt_enums, "ambiguous_enums": ambiguous}


def qgis_part_via(python: str):
    """Run the QGIS part in the QGIS Python (a separate process: its bindings use PyQt5)."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    done = subprocess.run([python, os.path.abspath(__file__), "--part", "qgis"], capture_output=True, text=True,
                          env=env, timeout=600)
    if done.returncode != 0:
        raise RuntimeError(f"the QGIS part failed in {python}:\n{done.stderr.strip()}")
    return {tuple(item) for item in json.loads(done.stdout)}


def build(qgis_python: str = DEFAULT_QGIS_PYTHON):
    return merge(qt_triples() | qgis_part_via(qgis_python))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", help="where to write enums.json")
    parser.add_argument("--part", choices=("qt", "qgis"), help="print one part's triples as JSON")
    parser.add_argument("--qgis-python", default=os.environ.get("QGIS_PYTHON", DEFAULT_QGIS_PYTHON),
                        help="a Python that imports the QGIS bindings (default: %(default)s)")
    args = parser.parse_args(argv)
    if args.part:
        triples = qt_triples() if args.part == "qt" else qgis_triples()
        json.dump(sorted(triples), sys.stdout)
        return 0
    if not args.out:
        parser.error("--out or --part is needed")
    data = build(args.qgis_python)
    with open(args.out, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=0, sort_keys=True)
    print(f"{args.out}: {len(data['qt_enums'])} enum values, {len(data['ambiguous_enums'])} ambiguous")
    return 0


if __name__ == "__main__":
    sys.exit(main())
