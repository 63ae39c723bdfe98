"""`make zip`'s packaging: pb_tool stages the plugin and the zip holds the plugin only."""

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

sys.path.insert(0, str(REPO_ROOT))
from tools.check_zip import problems  # noqa: E402


@pytest.mark.skipif(shutil.which("zip") is None, reason="the zip command is installed by `make zip`'s set-up")
def test_pb_tool_zip_holds_one_clean_plugin_folder(tmp_path):
    pb_tool = Path(sys.executable).parent / "pb_tool"
    stage = tmp_path / "stage"
    work = tmp_path / "work"
    work.mkdir()
    # pb_tool writes the zip into the current folder and reads pb_tool.cfg's relative paths
    # from it: run it from a copy of the tree so the checkout is left as it was
    shutil.copytree(REPO_ROOT, work / "src", ignore=shutil.ignore_patterns(".venv", ".venv-lint", ".git", "zip_build",
                                                                          "demo", "benchmarks", ".qgis-settings"))
    subprocess.run(
        [str(pb_tool), "zip", "--config_file", "pb_tool.cfg", "--quick", "--no-docs", "--plugin_path", str(stage)],
        cwd=work / "src", check=True, capture_output=True, timeout=120,
    )
    archive = work / "src" / "cisc_impervious.zip"
    assert problems(archive) == []
    with zipfile.ZipFile(archive) as opened:
        names = opened.namelist()
        metadata = opened.read("cisc_impervious/metadata.txt").decode()
    assert "cisc_impervious/plugin/core/engine.py" in names
    assert "cisc_impervious/resources/models/cisc_change_report.model3" in names
    assert "hasProcessingProvider=yes" in metadata
    assert "qgisMaximumVersion=4.99" in metadata and "supportsQt6=True" in metadata


def test_check_zip_flags_caches_and_tests(tmp_path):
    path = tmp_path / "bad.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("cisc_impervious/__init__.py", "")
        archive.writestr("cisc_impervious/tests/test_x.py", "")
        archive.writestr("cisc_impervious/plugin/__pycache__/x.pyc", "")
        archive.writestr("other/readme.txt", "")
    found = "\n".join(problems(path))
    assert "tests/" in found and "__pycache__" in found and "top-level" in found and "LICENSE is missing" in found
