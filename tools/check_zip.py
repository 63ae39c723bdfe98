"""Check a plugin zip: one top folder cisc_impervious, LICENSE and metadata inside, nothing
that is not the plugin (caches, tests, build tooling)."""

import sys
import zipfile

TOP = "cisc_impervious"
REQUIRED = ("__init__.py", "metadata.txt", "LICENSE", "plugin/plugin_main.py", "resources/icons/cisc.svg")
FORBIDDEN_PARTS = ("__pycache__", ".pyc", "tests/", "benchmarks/", "tools/", "Makefile", ".git", ".venv",
                   ".qgis-settings", ".pytest_cache", ".hypothesis", "pb_tool.cfg", "requirements")


def problems(path):
    found = []
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
    tops = {name.split("/", 1)[0] for name in names}
    if tops != {TOP}:
        found.append(f"top-level entries are {sorted(tops)}, expected only {TOP}/")
    for required in REQUIRED:
        if f"{TOP}/{required}" not in names:
            found.append(f"{required} is missing")
    for name in names:
        inner = name.split("/", 1)[1] if "/" in name else name
        for part in FORBIDDEN_PARTS:
            if part in inner:
                found.append(f"{name} should not be in the zip ({part})")
                break
    return found


def main(argv):
    path = argv[1]
    found = problems(path)
    for problem in found:
        print(f"{path}: {problem}", file=sys.stderr)
    if not found:
        print(f"{path}: OK")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
