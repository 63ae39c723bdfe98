"""Import this checkout as the package `cisc_impervious`, the name QGIS gives the plugin.

The repository root is the plugin folder. Outside QGIS (tests, demo, benchmark, tools) it is
imported through a symlink named cisc_impervious in a temporary folder put first on sys.path.
The folder is per user and per checkout, so two clones never import each other's code.
"""

import hashlib
import os
import sys
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
PACKAGE_NAME = "cisc_impervious"
# Processing's Python plugin, which QGIS puts on the path itself
QGIS_PYTHON_PLUGINS = "/usr/share/qgis/python/plugins"


def link_folder() -> Path:
    """The folder holding this checkout's cisc_impervious symlink."""
    checkout = hashlib.sha1(str(REPO_ROOT).encode()).hexdigest()[:10]
    return Path(tempfile.gettempdir()) / f"cisc_pkg_{os.getuid()}_{checkout}"


def put_plugin_on_path() -> Path:
    """Make `import cisc_impervious` (and Processing's `import processing`) work; return the
    folder that sys.path got, for child processes."""
    parent = link_folder()
    parent.mkdir(exist_ok=True)
    link = parent / PACKAGE_NAME
    if not (link.is_symlink() and link.resolve() == REPO_ROOT):
        staged = parent / f".{PACKAGE_NAME}.{os.getpid()}"
        if staged.is_symlink():
            staged.unlink()
        staged.symlink_to(REPO_ROOT, target_is_directory=True)
        os.replace(staged, link)  # atomic: a concurrent run never sees no link
    for path in (QGIS_PYTHON_PLUGINS, str(REPO_ROOT), str(parent)):
        if path not in sys.path:
            sys.path.insert(0, path)
    return parent
