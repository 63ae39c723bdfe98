"""The statistics engine equals the brute-force oracle on every awkward case, for any
block size, thread count and reader, and refuses bad input with a message naming the file."""

import threading

import numpy as np
import pytest
from osgeo import gdal, ogr

import datafactory
import oracle
from cisc_impervious.plugin.core import engine
from cisc_impervious.plugin.core.errors import CiscCancelled, CiscError
from cisc_impervious.plugin.core.feedback import EngineFeedback
from cisc_impervious.plugin.core.fields import CHANGE_FIELDS, ZONAL_FIELDS

PIXEL_KM2 = 30 * 30 / 1e6


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    folder = tmp_path_factory.mktemp("engine_set")
    return datafactory.make_cisc_set(folder, 1100, 900, seed=7, tile=256, with_dates=False)


@pytest.fixture(scope="module")
def zones(sample):
    provinces = datafactory.make_provinces(6, sample, 7)
    counties = datafactory.make_counties(40, sample, 7)
    awkward = [geometry for _, geometry in datafactory.make_awkward_zones(sample, 7)]
    return provinces + counties + awkward


@pytest.fixture(scope="module")
def awkward(sample):
    return dict(datafactory.make_awkward_zones(sample, 7))


class RecordingFeedback(EngineFeedback):
    def __init__(self):
        self.warnings, self.infos, self.progress = [], [], []

    def warning(self, message):
        self.warnings.append(message)

    def info(self, message):
        self.infos.append(message)

    def set_progress(self, percent):
        self.progress.append(percent)


def _wkb(geometries):
    return [None if g is None else g.ExportToIsoWkb() for g in geometries]


def assert_zonal_equals_oracle(rows, raster, zones, mask):
    expected = oracle.oracle_zonal(raster, zones, mask)
    assert len(rows) == len(expected)
    for index, (row, want) in enumerate(zip(rows, expected)):
        try:
            oracle.assert_rows_equal(row, oracle.expected_zonal_row(want, PIXEL_KM2))
        except AssertionError as exc:
            raise AssertionError(f"zone {index}: {exc}") from None


def assert_change_equals_oracle(rows, sample, zones, masks=True):
    expected = oracle.oracle_change(
        sample.cisc_2020,
        sample.cisc_2022,
        zones,
        sample.valid_mask_2020 if masks else None,
        sample.valid_mask_2022 if masks else None,
    )
    for index, (row, want) in enumerate(zip(rows, expected)):
        try:
            oracle.assert_rows_equal(row, oracle.expected_change_row(want, PIXEL_KM2))
        except AssertionError as exc:
            raise AssertionError(f"zone {index}: {exc}") from None


@pytest.mark.parametrize("year", [2020, 2022])
@pytest.mark.parametrize("use_mask", [True, False])
def test_zonal_equals_oracle(sample, zones, year, use_mask):
    raster = getattr(sample, f"cisc_{year}")
    mask = getattr(sample, f"valid_mask_{year}") if use_mask else None
    rows = engine.zonal_statistics(raster, _wkb(zones), mask)
    assert [list(row) for row in rows] == [list(ZONAL_FIELDS)] * len(zones)
    assert_zonal_equals_oracle(rows, raster, zones, mask)


def test_change_equals_oracle(sample, zones):
    rows = engine.change_statistics(
        sample.cisc_2020, sample.cisc_2022, _wkb(zones), sample.valid_mask_2020, sample.valid_mask_2022
    )
    assert [list(row) for row in rows] == [list(CHANGE_FIELDS)] * len(zones)
    assert_change_equals_oracle(rows, sample, zones)
    # the data hold real change, so the test cannot pass on all-zero matrices
    assert sum(row["gain_km2"] for row in rows) > 0
    assert sum(row["loss_km2"] for row in rows) > 0


def test_change_without_masks_equals_oracle(sample, zones):
    rows = engine.change_statistics(sample.cisc_2020, sample.cisc_2022, _wkb(zones))
    assert_change_equals_oracle(rows, sample, zones, masks=False)


@pytest.mark.parametrize("backend", ["gdal", "rasterio"])
@pytest.mark.parametrize("block_size, threads", [(64, 1), (100, 2), (256, 2), (1000, 3)])
def test_results_identical_whatever_block_size_threads_and_reader(
    sample, zones, monkeypatch, backend, block_size, threads
):
    if backend == "rasterio":
        pytest.importorskip("rasterio")
    monkeypatch.setenv("CISC_RASTER_BACKEND", backend)
    reference = engine.zonal_statistics(sample.cisc_2020, _wkb(zones), sample.valid_mask_2020, threads=1)
    rows = engine.zonal_statistics(
        sample.cisc_2020, _wkb(zones), sample.valid_mask_2020, block_size=block_size, threads=threads
    )
    assert rows == reference
    change_reference = engine.change_statistics(
        sample.cisc_2020, sample.cisc_2022, _wkb(zones), sample.valid_mask_2020, sample.valid_mask_2022,
        threads=1,
    )
    change = engine.change_statistics(
        sample.cisc_2020, sample.cisc_2022, _wkb(zones), sample.valid_mask_2020, sample.valid_mask_2022,
        block_size=block_size, threads=threads,
    )
    assert change == change_reference


@pytest.mark.parametrize("zones_per_batch, crossings_per_chunk", [(1, 1), (7, 500), (256, 20_000)])
def test_results_identical_whatever_zone_batches_and_crossing_chunks(
    sample, zones, monkeypatch, zones_per_batch, crossings_per_chunk
):
    from cisc_impervious.plugin.core import rasterize

    wkbs = _wkb(zones)
    reference = rasterize.zone_runs(wkbs, sample.geotransform)
    monkeypatch.setattr(rasterize, "ZONES_PER_BATCH", zones_per_batch)
    monkeypatch.setattr(rasterize, "CROSSINGS_PER_CHUNK", crossings_per_chunk)
    runs = rasterize.zone_runs(wkbs, sample.geotransform, threads=2)
    # the same runs, in the same order (by row; within a row, by zone then column)
    for column in ("zones", "rows", "starts", "ends", "pixel_counts"):
        np.testing.assert_array_equal(getattr(runs, column), getattr(reference, column), err_msg=column)
    assert len(runs) > 1000
    rows = engine.change_statistics(
        sample.cisc_2020, sample.cisc_2022, wkbs, sample.valid_mask_2020, sample.valid_mask_2022, threads=2
    )
    assert_change_equals_oracle(rows, sample, zones)


def test_both_readers_give_the_oracle(sample, zones, monkeypatch):
    pytest.importorskip("rasterio")
    for backend in ("gdal", "rasterio"):
        monkeypatch.setenv("CISC_RASTER_BACKEND", backend)
        from cisc_impervious.plugin.core.raster_io import backend_name

        assert backend_name() == backend
        rows = engine.zonal_statistics(sample.cisc_2022, _wkb(zones), sample.valid_mask_2022, block_size=128)
        assert_zonal_equals_oracle(rows, sample.cisc_2022, zones, sample.valid_mask_2022)


def test_awkward_zones_have_defined_results(sample, awkward):
    names = list(awkward)
    rows = dict(zip(names, engine.zonal_statistics(
        sample.cisc_2020, _wkb(awkward.values()), sample.valid_mask_2020
    )))
    # outside every raster: all its pixel centres are invalid; no impervious share
    outside = rows["fully_outside"]
    assert outside["valid_km2"] == 0 and outside["invalid_km2"] > 0
    assert outside["valid_pct"] == 0 and outside["imperv_pct"] is None
    # smaller than a pixel, no pixel centre: nothing at all, percentages NULL
    assert rows["subpixel_nocentre"]["invalid_km2"] == 0 and rows["subpixel_nocentre"]["valid_pct"] is None
    centre = rows["subpixel_centre"]
    assert round((centre["valid_km2"] + centre["invalid_km2"]) / PIXEL_KM2) == 1
    # partly outside: some pixels counted, the rest invalid
    partly = rows["partly_outside"]
    assert partly["valid_km2"] > 0 and partly["invalid_km2"] > 0
    # inside the 2020 mask's invalid blob: bare land is never invented from 0s
    blob = rows["in_invalid_2020"]
    assert blob["valid_km2"] == 0 and blob["bare_km2"] == 0 and blob["invalid_km2"] > 0
    # an empty geometry is a zone with nothing in it
    empty = rows["empty"]
    assert empty["valid_km2"] == 0 and empty["invalid_km2"] == 0 and empty["valid_pct"] is None
    # overlapping zones are each counted in full: the union is less than the sum
    union = awkward["overlap_a"].Union(awkward["overlap_b"])
    union_row = engine.zonal_statistics(sample.cisc_2020, [union.ExportToWkb()], sample.valid_mask_2020)[0]
    both = rows["overlap_a"]["valid_km2"] + rows["overlap_b"]["valid_km2"]
    assert both > union_row["valid_km2"] > max(rows["overlap_a"]["valid_km2"], rows["overlap_b"]["valid_km2"])


def test_hole_is_excluded(sample, awkward):
    polygon = awkward["with_hole"]
    assert polygon.GetGeometryCount() == 2
    outer = ogr.Geometry(ogr.wkbPolygon)
    outer.AddGeometry(polygon.GetGeometryRef(0).Clone())
    hole = ogr.Geometry(ogr.wkbPolygon)
    hole.AddGeometry(polygon.GetGeometryRef(1).Clone())
    with_hole, full, inner = engine.zonal_statistics(
        sample.cisc_2020, _wkb([polygon, outer, hole]), sample.valid_mask_2020
    )
    for field in ("valid_km2", "invalid_km2", "imperv_km2", "veg_km2"):
        assert with_hole[field] == pytest.approx(full[field] - inner[field], abs=1e-9)
    assert inner["valid_km2"] + inner["invalid_km2"] > 0


@pytest.mark.parametrize("kind", ["coarser", "shifted"])
def test_mask_on_another_grid_is_resampled_with_a_warning(sample, zones, tmp_path, kind):
    mask = datafactory.make_misaligned_mask(tmp_path / f"mask_{kind}.tif", sample, kind=kind)
    feedback = RecordingFeedback()
    rows = engine.zonal_statistics(sample.cisc_2020, _wkb(zones), mask, feedback=feedback, block_size=200)
    assert any("resampled" in message and str(mask) in message for message in feedback.warnings)
    assert_zonal_equals_oracle(rows, sample.cisc_2020, zones, mask)


def test_pair_on_different_grids_is_refused(sample, tmp_path):
    shifted = tmp_path / "cisc_2022_shifted.tif"
    gdal.Translate(str(shifted), sample.cisc_2022)
    dataset = gdal.Open(str(shifted), gdal.GA_Update)
    gt = list(dataset.GetGeoTransform())
    gt[0] += 10.0  # a third of a pixel
    dataset.SetGeoTransform(gt)
    dataset = None
    with pytest.raises(CiscError, match="not aligned") as caught:
        engine.change_statistics(sample.cisc_2020, str(shifted), [None])
    assert str(shifted) in str(caught.value)


@pytest.fixture(scope="module")
def bad(tmp_path_factory):
    return datafactory.make_bad_rasters(tmp_path_factory.mktemp("bad"))


@pytest.mark.parametrize(
    "name, message",
    [
        ("float", "float32"),
        ("multiband", "3 bands"),
        ("not_a_raster", "cannot be opened as a raster"),
        ("geographic", "geographic CRS"),
    ],
)
def test_bad_rasters_are_refused_naming_the_file(bad, name, message):
    with pytest.raises(CiscError, match=message) as caught:
        engine.zonal_statistics(bad[name], [None])
    assert bad[name] in str(caught.value)


def test_missing_file_is_named(tmp_path):
    missing = str(tmp_path / "cisc_2020.tif")
    with pytest.raises(CiscError, match="file not found") as caught:
        engine.zonal_statistics(missing, [None])
    assert missing in str(caught.value)


def _whole_raster_zone(path, margin=0.0):
    dataset = gdal.Open(path)
    x0, dx, _, y0, _, dy = dataset.GetGeoTransform()
    x1, y1 = x0 + dx * dataset.RasterXSize, y0 + dy * dataset.RasterYSize
    return ogr.CreateGeometryFromWkt(
        f"POLYGON(({x0 + margin} {y0 - margin},{x1 - margin} {y0 - margin},{x1 - margin} {y1 + margin},"
        f"{x0 + margin} {y1 + margin},{x0 + margin} {y0 - margin}))"
    )


def test_values_above_3_are_invalid_or_refused(bad):
    path = bad["values_above_3"]
    zone = _whole_raster_zone(path, margin=7.3)
    values = datafactory.read_array(path)
    feedback = RecordingFeedback()
    row = engine.zonal_statistics(path, [zone.ExportToWkb()], feedback=feedback)[0]
    assert_zonal_equals_oracle([row], path, [zone], None)
    assert row["invalid_km2"] == pytest.approx(np.count_nonzero(values > 3) * PIXEL_KM2)
    assert any("other than the CISC classes" in message for message in feedback.warnings)
    with pytest.raises(CiscError, match="not a CISC class") as caught:
        engine.zonal_statistics(path, [zone.ExportToWkb()], other_values="error")
    assert path in str(caught.value)


def test_nodata_tag_is_invalid_not_an_error(bad):
    path = bad["nodata255"]
    zone = _whole_raster_zone(path, margin=3.1)
    values = datafactory.read_array(path)
    assert np.count_nonzero(values == 255) > 0
    row = engine.zonal_statistics(path, [zone.ExportToWkb()], other_values="error")[0]
    assert_zonal_equals_oracle([row], path, [zone], None)
    assert row["invalid_km2"] == pytest.approx(np.count_nonzero(values == 255) * PIXEL_KM2)


def test_no_zones_gives_no_rows(sample):
    assert engine.zonal_statistics(sample.cisc_2020, []) == []
    assert engine.change_statistics(sample.cisc_2020, sample.cisc_2022, []) == []


def test_invalid_geometry_gives_a_defined_result(sample, awkward):
    bowtie = awkward["bowtie_invalid"]
    assert not bowtie.IsValid()
    row = engine.zonal_statistics(sample.cisc_2020, [bowtie.ExportToWkb()], sample.valid_mask_2020)[0]
    # even-odd over the ring: both lobes of the bow-tie, as GDAL rasterizes it
    assert_zonal_equals_oracle([row], sample.cisc_2020, [bowtie], sample.valid_mask_2020)
    assert row["valid_km2"] + row["invalid_km2"] > 0


def test_unreadable_wkb_is_named():
    with pytest.raises(CiscError, match="Zone 2"):
        engine.zone_pixel_counts([None, b"\x01\x02garbage"], (0, 30, 0, 0, 0, -30))


def test_progress_reaches_100(sample, zones):
    feedback = RecordingFeedback()
    engine.zonal_statistics(sample.cisc_2020, _wkb(zones), sample.valid_mask_2020, feedback=feedback,
                            block_size=128)
    assert feedback.progress and feedback.progress[-1] == pytest.approx(100.0)
    assert feedback.progress == sorted(feedback.progress)


class CancelAfter(EngineFeedback):
    """Asks to cancel once the run has reported some progress; counts calls after that."""

    def __init__(self):
        self.cancelled = threading.Event()
        self.progress_after_cancel = 0

    def set_progress(self, percent):
        if self.cancelled.is_set():
            self.progress_after_cancel += 1
        elif percent > 0:
            self.cancelled.set()

    def is_cancelled(self):
        return self.cancelled.is_set()


@pytest.mark.parametrize("threads", [1, 2])
def test_cancel_stops_the_run(sample, zones, threads):
    feedback = CancelAfter()
    with pytest.raises(CiscCancelled):
        engine.change_statistics(
            sample.cisc_2020, sample.cisc_2022, _wkb(zones), sample.valid_mask_2020, sample.valid_mask_2022,
            feedback=feedback, threads=threads, block_size=64,
        )
    assert feedback.cancelled.is_set()
    # at most the strips already running finish; the rest are never started
    assert feedback.progress_after_cancel <= 2 * threads


def test_not_equal_area_crs_is_refused(tmp_path, sample):
    path = str(tmp_path / "utm.tif")
    gdal.Warp(path, sample.cisc_2020, dstSRS="EPSG:32650", xRes=30, yRes=30, resampleAlg="near",
              outputBounds=None, format="GTiff")
    with pytest.raises(CiscError, match="not equal-area") as caught:
        engine.zonal_statistics(path, [None])
    assert path in str(caught.value)


def test_wkb_fast_path_reads_the_same_rings_as_ogr():
    from cisc_impervious.plugin.core.rasterize import polygon_rings, wkb_polygon_rings

    shapes = [
        "POLYGON((0 0,10 0,10 10,0 0),(1 1,2 1,2 2,1 1))",
        "MULTIPOLYGON(((0 0,1 0,1 1,0 0)),((5 5,6 5,6 6,5 5)))",
        "POLYGON Z((0 0 1,10 0 1,10 10 1,0 0 1))",
        "POLYGON M((0 0 1,10 0 1,10 10 1,0 0 1))",
        "MULTIPOLYGON ZM(((0 0 1 2,10 0 1 2,10 10 1 2,0 0 1 2)))",
        "POLYGON EMPTY",
    ]
    for wkt in shapes:
        geometry = ogr.CreateGeometryFromWkt(wkt)
        expected = list(polygon_rings(geometry))
        for wkb in (geometry.ExportToIsoWkb(), geometry.ExportToWkb(), geometry.ExportToIsoWkb(ogr.wkbXDR)):
            parts = wkb_polygon_rings(wkb)
            assert len(parts) == len(expected), wkt
            for got, want in zip(parts, expected):
                assert [ring.tolist() for ring in got] == [ring.tolist() for ring in want], wkt
    # anything else is left to OGR
    assert wkb_polygon_rings(ogr.CreateGeometryFromWkt("LINESTRING(0 0,1 1)").ExportToIsoWkb()) is None
    assert wkb_polygon_rings(b"\x07garbage") is None
