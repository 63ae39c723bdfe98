"""Bad inputs give a QgsProcessingException naming the file and leave no output; cancel stops
a run and leaves nothing behind."""

import os
import shutil
import threading
import time

import pytest
from osgeo import gdal, ogr, osr

for _module in (gdal, ogr, osr):  # datafactory restores GDAL's exception mode on exit
    _module.UseExceptions()

from qgis.core import QgsProcessingException, QgsProcessingFeedback  # noqa: E402

from tests import datafactory as df  # noqa: E402
from tests.test_processing_statistics import processing_error  # noqa: E402


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bad")
    sample = df.make_cisc_set(folder / "cisc", 520, 480, seed=7, with_dates=False)
    bad = df.make_bad_rasters(folder / "bad")
    zones = df.write_zones(str(folder / "zones.gpkg"), df.make_provinces(3, sample, 1), 4326)
    # the 2022 raster shifted by half a pixel: a pair on different grids
    shifted = str(folder / "shifted" / "cisc_2022.tif")
    os.makedirs(os.path.dirname(shifted))
    gdal.Translate(shifted, sample.cisc_2022)
    ds = gdal.Open(shifted, gdal.GA_Update)
    gt = list(ds.GetGeoTransform())
    gt[0] += 15.0
    ds.SetGeoTransform(gt)
    ds = None
    # a point layer and an empty polygon layer as zones
    points = str(folder / "points.gpkg")
    driver = ogr.GetDriverByName("GPKG")
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(4326)
    source = driver.CreateDataSource(points)
    layer = source.CreateLayer("points", srs, ogr.wkbPoint)
    feature = ogr.Feature(layer.GetLayerDefn())
    feature.SetGeometry(ogr.CreateGeometryFromWkt("POINT (117 34)"))
    layer.CreateFeature(feature)
    source = None
    empty = str(folder / "empty.gpkg")
    source = driver.CreateDataSource(empty)
    source.CreateLayer("empty", srs, ogr.wkbMultiPolygon)
    source = None
    return {"sample": sample, "bad": bad, "zones": zones, "shifted": shifted, "points": points, "empty": empty,
            "folder": folder}


def run_expecting_error(algorithm, params, *expected_in_message):
    import processing

    message = processing_error(processing.run, algorithm, params)
    for text in expected_in_message:
        assert text in message, message
    output = params.get("OUTPUT")
    if output:
        assert not os.path.exists(output)
        folder = os.path.dirname(output)
        assert not [n for n in os.listdir(folder) if ".part" in n]
    return message


@pytest.mark.parametrize("kind,words", [
    ("float", "float32"),
    ("multiband", "3 bands"),
    ("values_above_3", "not a CISC class"),
    ("not_a_raster", "cannot be opened"),
    ("geographic", "geographic"),
])
def test_zonal_statistics_refuses_bad_raster(provider, data, tmp_path, kind, words):
    path = data["bad"][kind]
    run_expecting_error(
        "cisc:zonalstatistics", {"INPUT": path, "ZONES": data["zones"], "OUTPUT": str(tmp_path / "out.gpkg")},
        path, words,
    )


@pytest.mark.parametrize("kind", ["float", "multiband", "values_above_3", "not_a_raster"])
def test_raster_algorithms_refuse_bad_raster(provider, data, tmp_path, kind):
    path = data["bad"][kind]
    run_expecting_error("cisc:imperviousfraction", {"INPUT": path, "OUTPUT": str(tmp_path / "fraction.tif")}, path)
    run_expecting_error(
        "cisc:changemap", {"INPUT_FROM": path, "INPUT_TO": path, "OUTPUT": str(tmp_path / "change.tif")}, path
    )


def test_values_above_3_refused_in_change_statistics(provider, data, tmp_path):
    path = data["bad"]["values_above_3"]
    run_expecting_error(
        "cisc:changestatistics",
        {"INPUT_FROM": path, "INPUT_TO": path, "ZONES": data["zones"], "OUTPUT": str(tmp_path / "out.gpkg")},
        path, "not a CISC class",
    )


def test_nodata_tag_255_is_not_an_error(provider, data, tmp_path):
    import processing

    out = tmp_path / "out.gpkg"
    processing.run("cisc:zonalstatistics", {"INPUT": data["bad"]["nodata255"], "ZONES": data["zones"],
                                            "OUTPUT": str(out)})
    assert out.exists()


def test_pair_on_different_grids_refused(provider, data, tmp_path):
    sample = data["sample"]
    for algorithm, extra in (
        ("cisc:changestatistics", {"ZONES": data["zones"], "OUTPUT": str(tmp_path / "out.gpkg")}),
        ("cisc:changemap", {"OUTPUT": str(tmp_path / "change.tif")}),
    ):
        message = run_expecting_error(
            algorithm, {"INPUT_FROM": sample.cisc_2020, "INPUT_TO": data["shifted"], **extra}, data["shifted"],
        )
        assert "aligned" in message or "grid" in message


def test_missing_file_named(provider, data, tmp_path):
    missing = str(tmp_path / "nowhere" / "cisc_2020.tif")
    message = run_expecting_error(
        "cisc:zonalstatistics", {"INPUT": missing, "ZONES": data["zones"], "OUTPUT": str(tmp_path / "out.gpkg")},
    )
    assert "nowhere" in message or "INPUT" in message


@pytest.mark.parametrize("which", ["points", "empty"])
def test_zone_layer_without_polygons_refused(provider, data, tmp_path, which):
    import processing

    zones = data[which]
    out = tmp_path / "out.gpkg"
    message = processing_error(processing.run, "cisc:zonalstatistics",
                               {"INPUT": data["sample"].cisc_2020, "ZONES": zones, "OUTPUT": str(out)})
    assert "polygon" in message.lower(), message
    assert not out.exists()


# -- cancel ---------------------------------------------------------------------------------

class CancelOnProgress(QgsProcessingFeedback):
    """Cancels itself the first time progress passes `threshold` percent."""

    def __init__(self, threshold):
        super().__init__()
        self.threshold = threshold
        self.progressChanged.connect(self._on_progress)

    def _on_progress(self, value):
        if value > self.threshold and not self.isCanceled():
            self.cancel()


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cancel")
    return df.make_cisc_set(folder / "cisc", 2048, 2048, seed=9, with_dates=False, overviews=False)


@pytest.mark.parametrize("algorithm", ["cisc:changemap", "cisc:imperviousfraction", "cisc:zonalstatistics",
                                       "cisc:changestatistics"])
def test_cancel_leaves_no_output(provider, big, tmp_path, algorithm):
    import processing

    zones = df.write_zones(str(tmp_path / "zones.gpkg"), df.make_counties(40, big, 3), big.crs_wkt)
    ext = "tif" if algorithm in ("cisc:changemap", "cisc:imperviousfraction") else "gpkg"
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    out = out_dir / f"result.{ext}"
    params = {
        "cisc:changemap": {"INPUT_FROM": big.cisc_2020, "INPUT_TO": big.cisc_2022},
        "cisc:imperviousfraction": {"INPUT": big.cisc_2020, "CELL_SIZE": 90.0},
        "cisc:zonalstatistics": {"INPUT": big.cisc_2020, "ZONES": zones},
        "cisc:changestatistics": {"INPUT_FROM": big.cisc_2020, "INPUT_TO": big.cisc_2022, "ZONES": zones},
    }[algorithm]
    feedback = CancelOnProgress(12.0)
    message = processing_error(processing.run, algorithm, {**params, "OUTPUT": str(out)}, feedback=feedback)
    assert "Cancel" in message
    assert feedback.isCanceled()
    assert list(out_dir.iterdir()) == []


def test_cancel_from_another_thread_stops_quickly(provider, big, tmp_path):
    import processing

    out_dir = tmp_path / "out"
    out_dir.mkdir()
    feedback = QgsProcessingFeedback()
    timer = threading.Timer(0.05, feedback.cancel)
    timer.start()
    start = time.monotonic()
    try:
        processing.run("cisc:changemap", {"INPUT_FROM": big.cisc_2020, "INPUT_TO": big.cisc_2022,
                                          "OUTPUT": str(out_dir / "change.tif")}, feedback=feedback)
    except QgsProcessingException as exc:
        assert "Cancel" in str(exc)
        exc.__traceback__ = None
    finally:
        timer.cancel()
    elapsed = time.monotonic() - start
    assert elapsed < 1.0 + 0.05
    # either it finished before the cancel (then the file is complete) or nothing is left
    names = [p.name for p in out_dir.iterdir()]
    assert names in ([], ["change.tif"])
    assert not [n for n in names if ".part" in n]
    shutil.rmtree(out_dir)


def test_unreadable_zone_file_named(provider, data, tmp_path):
    import processing

    broken = tmp_path / "zones.gpkg"
    broken.write_text("not a GeoPackage")
    out = tmp_path / "out.gpkg"
    message = processing_error(processing.run, "cisc:zonalstatistics",
                               {"INPUT": data["sample"].cisc_2020, "ZONES": str(broken), "OUTPUT": str(out)})
    assert str(broken) in message and "cannot be opened" in message
    assert not out.exists()
