"""Shared fixtures.

The repository root is the plugin folder; QGIS imports it as the package
`cisc_impervious`. Tests import it the same way, through a symlink in a temporary
folder put first on sys.path, and load it through classFactory like QGIS does.
"""

import os
import sys
import tempfile
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
PACKAGE_NAME = "cisc_impervious"

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

_package_parent = Path(tempfile.gettempdir()) / f"cisc_pkg_{os.getuid()}"
_package_parent.mkdir(exist_ok=True)
_link = _package_parent / PACKAGE_NAME
if not _link.exists() or _link.resolve() != REPO_ROOT:
    if _link.is_symlink() or _link.exists():
        _link.unlink()
    _link.symlink_to(REPO_ROOT, target_is_directory=True)
TESTS_DIR = Path(__file__).resolve().parent
for path in (str(_package_parent), str(REPO_ROOT), str(TESTS_DIR), "/usr/share/qgis/python/plugins"):
    if path not in sys.path:
        sys.path.insert(0, path)


@pytest.fixture(scope="session")
def plugin(qgis_app, qgis_iface, qgis_processing):
    """The plugin loaded through classFactory, GUI and Processing provider initialised."""
    import cisc_impervious

    instance = cisc_impervious.classFactory(qgis_iface)
    instance.initGui()
    yield instance
    instance.unload()


@pytest.fixture(scope="session")
def provider(plugin):
    return plugin.provider


_exit_status = {}


def pytest_sessionfinish(session, exitstatus):
    _exit_status["value"] = int(exitstatus)


@pytest.hookimpl(tryfirst=True)
def pytest_unconfigure(config):
    """Leave without the interpreter's teardown once pytest has reported.

    QGIS 3.22's Python bindings can crash while objects still referenced by Python are
    destroyed after QgsApplication has exited, turning a passed run into exit code 139. The
    results are already reported at this point; only that teardown is skipped."""
    if "value" in _exit_status and not os.environ.get("CISC_TEST_FULL_TEARDOWN"):
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(_exit_status["value"])
