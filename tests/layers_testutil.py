"""Helpers shared by the layer, streaming, download and render tests (sample data, tasks)."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from osgeo import gdal, ogr, osr

SIZE = 1024  # pixels of cisc_2020: small, fast, still several COG tiles and overviews


def enable_gdal_exceptions():
    for module in (gdal, ogr, osr):
        module.UseExceptions()


def make_set(folder, naming="underscore", date_format="yyyymmdd", size=SIZE, origin=None):
    from tests.datafactory import DEFAULT_ORIGIN, make_cisc_set

    return make_cisc_set(
        Path(folder), size, size, seed=1, naming=naming, date_format=date_format, origin=origin or DEFAULT_ORIGIN
    )


# A 768 px window of the synthetic landscape holding every class (18 % impervious, some water)
RICH_ORIGIN = (990000.0 + 2 * 23040.0, 3780000.0)


def copy_folder(src, dst) -> Path:
    dst = Path(dst)
    if dst.exists():
        shutil.rmtree(dst)
    shutil.copytree(src, dst)
    return dst


def wait_for(predicate, app, timeout=30.0):
    """Process Qt events until predicate() is true; False on timeout."""
    from qgis.PyQt.QtCore import QCoreApplication

    end = time.monotonic() + timeout
    while time.monotonic() < end:
        QCoreApplication.processEvents()
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()


def run_task(task, timeout=30.0):
    """Start a DownloadTask through QGIS's task manager and wait for finished()."""
    from qgis.core import QgsApplication

    done = []
    previous = task.on_done

    def on_done(t):
        if previous is not None:
            previous(t)
        done.append(t)

    task.on_done = on_done
    task.start()
    assert wait_for(lambda: bool(done), QgsApplication.instance(), timeout), "the download task did not finish in time"
    return task.outcome
