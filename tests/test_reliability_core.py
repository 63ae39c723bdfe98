"""Faults tried on plugin/core (no QGIS): a full disk, outputs that are inputs, wrong output
formats, zones at infinity, huge fraction cells, nodata tags of any type, several candidate
files in a folder, equal-area projections, pixel sizes written with rounding, masks and years
that cannot serve. Each test fails without its fix (see docs/reliability.md)."""

import hashlib
import math
import os
import struct
import tracemalloc

import numpy as np
import pytest
from osgeo import gdal, ogr, osr

for _module in (gdal, ogr, osr):  # datafactory restores GDAL's exception mode on exit
    _module.UseExceptions()

from cisc_impervious.plugin.core import checks, discovery, raster_io, sources  # noqa: E402
from cisc_impervious.plugin.core.changemap import extent_window, write_change_map  # noqa: E402
from cisc_impervious.plugin.core.engine import change_statistics, zonal_statistics  # noqa: E402
from cisc_impervious.plugin.core.errors import CiscError  # noqa: E402
from cisc_impervious.plugin.core.feedback import EngineFeedback  # noqa: E402
from cisc_impervious.plugin.core.fields import CHANGE_FIELDS, ZONAL_FIELDS  # noqa: E402
from cisc_impervious.plugin.core.fraction import CHUNK_PIXELS, FRACTION_NODATA, write_impervious_fraction  # noqa: E402
from cisc_impervious.plugin.core.raster_io import GridInfo  # noqa: E402
from tests import datafactory as df  # noqa: E402
from tests import oracle  # noqa: E402
from tests.full_disk import full_disk_fixture  # noqa: E402, F401 - the fixture "full_disk"

ORIGIN = df.DEFAULT_ORIGIN
PIXEL_KM2 = 0.0009


class Recorder(EngineFeedback):
    def __init__(self):
        self.warnings = []

    def warning(self, message):
        self.warnings.append(str(message))


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    return df.make_cisc_set(tmp_path_factory.mktemp("reliability") / "cisc", 600, 500, seed=11, with_dates=False,
                            overviews=False)


def md5(path):
    return hashlib.md5(open(path, "rb").read()).hexdigest()


def box(xmin, ymin, xmax, ymax):
    return ogr.CreateGeometryFromWkt(
        f"POLYGON(({xmin} {ymin},{xmax} {ymin},{xmax} {ymax},{xmin} {ymax},{xmin} {ymin}))"
    )


def polygon_wkb(points):
    """Little-endian WKB of a one-ring polygon from raw floats (NaN and infinity allowed)."""
    ring = list(points) + [points[0]]
    data = struct.pack("<BII", 1, 3, 1) + struct.pack("<I", len(ring))
    for x, y in ring:
        data += struct.pack("<dd", x, y)
    return data


@pytest.fixture(scope="module")
def megapixel(tmp_path_factory):
    folder = tmp_path_factory.mktemp("megapixel")
    rng = np.random.default_rng(3)
    classes = rng.integers(0, 4, (1000, 1000), dtype=np.uint8)
    mask = (rng.random((1000, 1000)) > 0.2).astype(np.uint8)
    gt = (ORIGIN[0], 30.0, 0.0, ORIGIN[1], 0.0, -30.0)
    raster = df.write_cog(str(folder / "cisc_2020.tif"), classes, gt, df.CHINA_ALBERS_WKT, overviews=False)
    mask_path = df.write_cog(str(folder / "valid_mask_2020.tif"), mask, gt, df.CHINA_ALBERS_WKT, overviews=False)
    return raster, mask_path, classes, mask


# -- a full disk --------------------------------------------------------------------------


def test_change_map_on_a_full_disk_says_so_and_keeps_the_old_file(megapixel, full_disk):
    # (with GDAL < 3.8 and its exceptions on, the failing close of the dropped temporary file is
    # reported as "Exception ignored in delete_Dataset": a warning, the outcome is the same)
    raster, mask, _, _ = megapixel  # random classes: a change map of about 250 kB
    out = full_disk.folder / "change.tif"
    out.write_bytes(b"old")
    full_disk.fill(40 * 1024)
    with pytest.raises(CiscError) as error:
        write_change_map(raster, raster, str(out), mask, mask, threads=2)
    message = str(error.value)
    assert "disk is full" in message and str(out) in message, message
    # no temporary file left, the earlier output untouched (before the fix: exit 0, a corrupt
    # GeoTIFF under the final name)
    assert full_disk.names() == ["change.tif"]
    assert out.read_bytes() == b"old"


def test_impervious_fraction_on_a_full_disk(megapixel, full_disk):
    raster, mask, _, _ = megapixel
    out = full_disk.folder / "fraction.tif"
    full_disk.fill(16 * 1024)
    with pytest.raises(CiscError, match="disk is full"):
        write_impervious_fraction(raster, str(out), mask, cell_size=30.0)
    assert full_disk.names() == []


# -- outputs that are inputs, or not GeoTIFFs -----------------------------------------------


def test_output_equal_to_an_input_is_refused(sample, tmp_path):
    before = {p: md5(p) for p in (sample.cisc_2020, sample.valid_mask_2020)}
    with pytest.raises(CiscError, match="also an input"):
        write_change_map(sample.cisc_2020, sample.cisc_2022, sample.cisc_2020)
    with pytest.raises(CiscError, match="also an input"):
        write_impervious_fraction(sample.cisc_2020, sample.valid_mask_2020, sample.valid_mask_2020)
    # the same file under another name: a symbolic link and a hard link
    link = tmp_path / "link.tif"
    link.symlink_to(sample.cisc_2022)
    with pytest.raises(CiscError, match="also an input"):
        write_change_map(sample.cisc_2020, sample.cisc_2022, str(link))
    hard = tmp_path / "hard.tif"
    os.link(sample.valid_mask_2020, hard)
    with pytest.raises(CiscError, match="also an input"):
        write_change_map(sample.cisc_2020, sample.cisc_2022, str(hard), sample.valid_mask_2020)
    assert {p: md5(p) for p in before} == before


@pytest.mark.parametrize("extension", [".png", ".jpg", ".gpkg", ".asc", ""])
def test_change_map_output_must_be_a_geotiff(sample, tmp_path, extension):
    out = tmp_path / f"change{extension}"
    with pytest.raises(CiscError, match=r"\.tif or \.tiff"):
        write_change_map(sample.cisc_2020, sample.cisc_2022, str(out))
    assert os.listdir(tmp_path) == []


def test_output_folder_is_checked_before_the_work(sample, tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("x")
    calls = []

    class Counting(EngineFeedback):
        def set_progress(self, percent):
            calls.append(percent)

    with pytest.raises(CiscError, match="cannot be created"):
        write_change_map(sample.cisc_2020, sample.cisc_2022, str(blocker / "sub" / "change.tif"), feedback=Counting())
    assert calls == []  # refused before a tile was computed
    # a folder that does not exist yet is created (at write time)
    out = tmp_path / "new" / "deeper" / "change.tif"
    write_change_map(sample.cisc_2020, sample.cisc_2022, str(out))
    assert gdal.Open(str(out)).RasterXSize == sample.width


# -- zones at infinity ---------------------------------------------------------------------


@pytest.mark.parametrize("statistics", ["zonal", "change"])
def test_zones_with_non_finite_coordinates_get_nulls(sample, statistics):
    x0, y0 = sample.geotransform[0], sample.geotransform[3]
    good = box(x0 + 1000, y0 - 9000, x0 + 7000, y0 - 1000)
    other = box(x0 + 5000, y0 - 12000, x0 + 15000, y0 - 4000)
    zones = [
        good.ExportToWkb(),
        polygon_wkb([(x0 + 100, y0 - 100), (x0 + 900, y0 - 100), (x0 + 900, math.inf), (x0 + 100, y0 - 900)]),
        polygon_wkb([(x0 + 100, y0 - 100), (math.nan, y0 - 100), (x0 + 900, y0 - 900)]),
        other.ExportToWkb(),
        polygon_wkb([(x0, y0), (x0 + 1e30, y0), (x0 + 1e30, y0 - 1e30)]),
        polygon_wkb([(-math.inf, -math.inf), (math.inf, -math.inf), (math.inf, math.inf)]),
    ]
    feedback = Recorder()
    labels = [f"feature {i}" for i in (10, 11, 12, 13, 14, 15)]
    if statistics == "zonal":
        rows = zonal_statistics(sample.cisc_2020, zones, sample.valid_mask_2020, feedback=feedback,
                                zone_labels=labels, threads=2)
        expected = [oracle.expected_zonal_row(r, PIXEL_KM2)
                    for r in oracle.oracle_zonal(sample.cisc_2020, [good, other], sample.valid_mask_2020)]
        fields = ZONAL_FIELDS
    else:
        rows = change_statistics(sample.cisc_2020, sample.cisc_2022, zones, sample.valid_mask_2020,
                                 sample.valid_mask_2022, feedback=feedback, zone_labels=labels, threads=2)
        expected = [oracle.expected_change_row(r, PIXEL_KM2) for r in oracle.oracle_change(
            sample.cisc_2020, sample.cisc_2022, [good, other], sample.valid_mask_2020, sample.valid_mask_2022)]
        fields = CHANGE_FIELDS
    for index in (1, 2, 4, 5):
        assert rows[index] == {name: None for name in fields}, index
    oracle.assert_rows_equal(rows[0], expected[0])
    oracle.assert_rows_equal(rows[3], expected[1])
    assert rows[0]["valid_km2"] > 0
    warning = " ".join(feedback.warnings)
    assert "feature 11, feature 12, feature 14, feature 15" in warning, feedback.warnings
    assert "feature 10" not in warning and "feature 13" not in warning


# -- huge fraction cells ---------------------------------------------------------------------


@pytest.mark.parametrize("cell_size", [300000.0, 1e9])
def test_fraction_with_huge_cells_uses_bounded_memory(megapixel, tmp_path, monkeypatch, cell_size):
    raster, mask_path, classes, mask = megapixel
    windows = []
    original = raster_io.RasterReader.read_window

    def recording(self, col, row, width, height, fill=0):
        windows.append((col, row, width, height))
        return original(self, col, row, width, height, fill)

    monkeypatch.setattr(raster_io.RasterReader, "read_window", recording)
    out = tmp_path / "fraction.tif"
    tracemalloc.start()
    try:
        info = write_impervious_fraction(raster, str(out), mask_path, cell_size=cell_size, min_valid_pct=0.0,
                                         threads=2)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # before: a 10,000 x 10,000-pixel window for 300 km cells (1.4 GB), "Out of memory" for 1e9 m
    assert peak < 64 * 1024 * 1024, f"peak {peak / 1e6:.0f} MB"
    assert windows and all(w <= CHUNK_PIXELS and h <= CHUNK_PIXELS for _, _, w, h in windows)
    assert all(c >= 0 and r >= 0 and c + w <= 1000 and r + h <= 1000 for c, r, w, h in windows)
    assert (info["width"], info["height"]) == (1, 1)
    valid = mask != 0
    expected = 100.0 * np.count_nonzero(valid & (classes == 1)) / np.count_nonzero(valid)
    assert df.read_array(out)[0, 0] == pytest.approx(expected, rel=1e-6)
    # the share of valid pixels counts every pixel centre of the huge cell: far below 50 %
    write_impervious_fraction(raster, str(out), mask_path, cell_size=cell_size, min_valid_pct=50.0)
    assert df.read_array(out)[0, 0] == FRACTION_NODATA


# -- nodata tags of any type: one rule -------------------------------------------------------


@pytest.fixture(scope="module")
def typed_rasters(tmp_path_factory):
    """Int16 with nodata -1 and UInt16 with nodata 65535 (holding the tag on a band of pixels);
    a UInt16 raster holding 257; the same classes in a plain byte raster; a mask of ones."""
    folder = tmp_path_factory.mktemp("typed")
    rng = np.random.default_rng(5)
    classes = rng.integers(0, 4, (300, 400)).astype(np.int32)
    gt = (ORIGIN[0], 30.0, 0.0, ORIGIN[1], 0.0, -30.0)
    out = {"classes": classes, "gt": gt}
    for name, dtype, nodata in (("int16", np.int16, -1), ("uint16", np.uint16, 65535)):
        data = classes.astype(dtype)
        data[:40, :] = nodata
        for year in (2020, 2022):
            out[(name, year)] = df.write_cog(str(folder / name / f"cisc_{year}.tif"), data, gt, df.CHINA_ALBERS_WKT,
                                             dtype=dtype, nodata=nodata, overviews=False)
    other = classes.astype(np.uint16)
    other[200, 300] = 257
    out["257"] = df.write_cog(str(folder / "other" / "cisc_2020.tif"), other, gt, df.CHINA_ALBERS_WKT,
                              dtype=np.uint16, nodata=65535, overviews=False)
    out["mask"] = df.write_cog(str(folder / "mask.tif"), np.ones_like(classes, dtype=np.uint8), gt,
                               df.CHINA_ALBERS_WKT, overviews=False)
    return out


@pytest.mark.parametrize("name", ["int16", "uint16"])
def test_nodata_tags_of_any_type_are_invalid_pixels_everywhere(typed_rasters, tmp_path, name):
    classes, gt = typed_rasters["classes"], typed_rasters["gt"]
    first, second, mask = typed_rasters[(name, 2020)], typed_rasters[(name, 2022)], typed_rasters["mask"]
    valid = np.ones(classes.shape, dtype=bool)
    valid[:40, :] = False
    whole = box(gt[0], gt[3] - 300 * 30, gt[0] + 400 * 30, gt[3]).ExportToWkb()
    # statistics (strict, as Processing runs them): before, "holds the value 255"
    row = zonal_statistics(first, [whole], mask, other_values="error")[0]
    assert row["valid_km2"] == pytest.approx(np.count_nonzero(valid) * PIXEL_KM2)
    assert row["imperv_km2"] == pytest.approx(np.count_nonzero(valid & (classes == 1)) * PIXEL_KM2)
    assert row["invalid_km2"] == pytest.approx(40 * 400 * PIXEL_KM2)
    change = change_statistics(first, second, [whole], mask, mask, other_values="error")[0]
    assert change["t11_km2"] == pytest.approx(np.count_nonzero(valid & (classes == 1)) * PIXEL_KM2)
    # the change map and the fraction apply the same rule
    out = tmp_path / "change.tif"
    write_change_map(first, second, str(out), mask, mask, other_values="error")
    np.testing.assert_array_equal(df.read_array(out), np.where(valid, 11 * classes, 255))
    fraction = tmp_path / "fraction.tif"
    write_impervious_fraction(first, str(fraction), mask, cell_size=300.0, min_valid_pct=0.0, other_values="error")
    got = df.read_array(fraction)
    expected = 100.0 * (classes[40:50, :10] == 1).sum() / 100.0
    assert got[4, 0] == pytest.approx(expected)
    assert got[0, 0] == FRACTION_NODATA


def test_a_value_that_is_no_class_is_named_as_stored(typed_rasters, tmp_path):
    path, mask, gt = typed_rasters["257"], typed_rasters["mask"], typed_rasters["gt"]
    whole = box(gt[0], gt[3] - 300 * 30, gt[0] + 400 * 30, gt[3]).ExportToWkb()
    calls = [
        lambda: zonal_statistics(path, [whole], mask, other_values="error"),
        lambda: write_change_map(path, path, str(tmp_path / "c.tif"), mask, mask, other_values="error"),
        lambda: write_impervious_fraction(path, str(tmp_path / "f.tif"), mask, other_values="error"),
    ]
    for call in calls:
        with pytest.raises(CiscError) as error:
            call()
        assert "holds the value 257" in str(error.value) and path in str(error.value)
    assert sorted(os.listdir(tmp_path)) == []


# -- several candidate files in one folder ----------------------------------------------------


def test_one_rule_finds_the_files_and_refuses_to_guess(sample, tmp_path):
    import shutil

    for name, source in (("CISC2020.tif", sample.cisc_2020), ("cisc_2020.tif", sample.cisc_2020),
                         ("Valid_Mask_2020.tif", sample.valid_mask_2020),
                         ("valid_mask_2020.tif", sample.valid_mask_2020)):
        shutil.copy(source, tmp_path / name)
    files = discovery.scan_folder(tmp_path)
    assert [os.path.basename(p) for p in files.paths("cisc", 2020)] == ["cisc_2020.tif", "CISC2020.tif"]
    assert [os.path.basename(p) for p in files.paths("mask", 2020)] == ["valid_mask_2020.tif", "Valid_Mask_2020.tif"]
    # the add-layers dialog loads the record's spelling and says which files it saw
    found = sources.discover_local(str(tmp_path), [2020], dates=False)
    assert os.path.basename(found.found[("cisc", 2020)]) == "cisc_2020.tif"
    assert os.path.basename(found.found[("mask", 2020)]) == "valid_mask_2020.tif"
    assert any("CISC2020.tif" in note and "cisc_2020.tif" in note for note in found.notes)
    # the mask looked up for statistics: no guess (before: Valid_Mask_2020.tif, silently)
    with pytest.raises(CiscError) as error:
        checks.find_valid_mask(str(tmp_path / "cisc_2020.tif"))
    assert "Valid_Mask_2020.tif" in str(error.value) and "valid_mask_2020.tif" in str(error.value)
    # one candidate: found, whatever its spelling
    os.remove(tmp_path / "valid_mask_2020.tif")
    assert checks.find_valid_mask(str(tmp_path / "CISC2020.tif")) == str(tmp_path / "Valid_Mask_2020.tif")


# -- equal-area projections and grids written with rounding -----------------------------------

EQUAL_AREA = [
    "EPSG:8857",  # Equal Earth
    "+proj=eqearth +datum=WGS84",
    "+proj=aea +lat_0=0 +lon_0=105 +lat_1=25 +lat_2=47 +ellps=krass +units=m",
    "ESRI:102025",  # Asia North Albers Equal Area Conic
    "EPSG:3035",  # Lambert azimuthal equal area
    "+proj=laea +lat_0=35 +lon_0=105 +R=6371000",
    "EPSG:6933",  # cylindrical equal area
    "+proj=cea +lat_ts=30",
    "ESRI:54034",
    "+proj=tcea",
    "+proj=moll",
    "ESRI:54009",
    "+proj=sinu",
    "+proj=eck2",
    "+proj=eck4",
    "+proj=eck6",
    "+proj=goode",
    "+proj=igh",
    "+proj=igh_o",
    "+proj=bonne +lat_1=45",
    "+proj=qua_aut",
    "+proj=mbtfpq",
    "+proj=wag4",
    "+proj=hammer",
    "+proj=crast",
    "+proj=leac",
]
NOT_EQUAL_AREA = ["EPSG:32650", "+proj=merc", "+proj=lcc +lat_1=25 +lat_2=47", "+proj=eqdc +lat_1=25 +lat_2=47",
                  "+proj=eqc", "+proj=robin", "+proj=stere +lat_0=90", "+proj=wag6"]


def _info(wkt, pixel=30.0, width=10, height=10, origin=(0.0, 0.0), path="r.tif"):
    return GridInfo(path, width, height, (origin[0], pixel, 0.0, origin[1], 0.0, -pixel), wkt, 1, "uint8", None,
                    (256, 256))


def _wkts(definition):
    srs = osr.SpatialReference()
    srs.SetFromUserInput(definition)
    esri = srs.Clone()
    esri.MorphToESRI()
    return {"wkt1": srs.ExportToWkt(), "wkt2": srs.ExportToWkt(["FORMAT=WKT2_2019"]), "esri": esri.ExportToWkt()}


@pytest.mark.parametrize("definition", EQUAL_AREA)
def test_every_equal_area_method_is_accepted(definition):
    for form, wkt in _wkts(definition).items():
        assert checks.linear_unit_metres(_info(wkt)) == 1.0, (definition, form)


@pytest.mark.parametrize("definition", NOT_EQUAL_AREA)
def test_other_projections_are_refused(definition):
    for wkt in _wkts(definition).values():
        with pytest.raises(CiscError, match="not equal-area"):
            checks.linear_unit_metres(_info(wkt))


def test_equal_earth_raster_file_is_accepted(tmp_path):
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(8857)
    path = df.write_cog(str(tmp_path / "ee.tif"), np.zeros((8, 8), np.uint8), (0, 30, 0, 0, 0, -30),
                        srs.ExportToWkt(), overviews=False)
    assert checks.check_cisc_raster(path).width == 8  # before: "projection (equal earth) is not equal-area"


def test_pixel_size_written_with_rounding_is_the_same_grid():
    wkt = df.CHINA_ALBERS_WKT
    first = _info(wkt, 30.0, 170000, 137000, ORIGIN, "cisc_2020.tif")
    second = _info(wkt, 30.00000005, 170000, 137000, (ORIGIN[0] + 300.0, ORIGIN[1]), "cisc_2022.tif")
    checks.require_same_grid(first, second)  # 3e-4 pixel over 170,000 columns: before, refused
    assert raster_io.aligned_offset(first, second) == (-10, 0)
    drifting = _info(wkt, 30.001, 1000, 1000, ORIGIN, "drift.tif")  # 1 m over 1000 columns: 1/30 pixel
    with pytest.raises(CiscError) as error:
        checks.require_same_grid(_info(wkt, 30.0, 1000, 1000, ORIGIN), drifting)
    assert "30.001 x 30.001" in str(error.value) and "30.0 x 30.0" in str(error.value)


# -- masks, second years and extents that cannot serve ------------------------------------------


def test_three_band_mask_is_refused(sample, tmp_path):
    ones = np.ones((3, 50, 50), np.uint8)
    mask = df.write_cog(str(tmp_path / "valid_mask_2020.tif"), ones, sample.geotransform, sample.crs_wkt,
                        overviews=False)
    zone = box(sample.geotransform[0], sample.geotransform[3] - 900, sample.geotransform[0] + 900,
               sample.geotransform[3])
    for call in (lambda: zonal_statistics(sample.cisc_2020, [zone], mask),
                 lambda: write_change_map(sample.cisc_2020, sample.cisc_2022, str(tmp_path / "c.tif"), mask),
                 lambda: write_impervious_fraction(sample.cisc_2020, str(tmp_path / "f.tif"), mask)):
        with pytest.raises(CiscError, match="3 bands") as error:
            call()
        assert mask in str(error.value)


def test_mask_or_second_year_elsewhere_is_refused(sample, tmp_path):
    far = (sample.geotransform[0] + 30.0 * 33333, 30.0, 0.0, sample.geotransform[3], 0.0, -30.0)
    mask = df.write_cog(str(tmp_path / "mask_far.tif"), np.ones((50, 50), np.uint8), far, sample.crs_wkt,
                        overviews=False)
    year = df.write_cog(str(tmp_path / "cisc_2022_far.tif"), np.ones((50, 50), np.uint8), far, sample.crs_wkt,
                        overviews=False)
    zone = box(sample.geotransform[0], sample.geotransform[3] - 900, sample.geotransform[0] + 900,
               sample.geotransform[3])
    with pytest.raises(CiscError, match="does not overlap") as error:
        zonal_statistics(sample.cisc_2020, [zone], mask)  # before: zeros, silently
    assert mask in str(error.value)
    with pytest.raises(CiscError, match="does not overlap") as error:
        change_statistics(sample.cisc_2020, year, [zone])
    assert year in str(error.value)
    with pytest.raises(CiscError, match="does not overlap"):
        write_change_map(sample.cisc_2020, year, str(tmp_path / "c.tif"))
    assert not (tmp_path / "c.tif").exists()


def test_extent_without_area_is_refused(sample):
    info = raster_io.open_info(sample.cisc_2020)
    x, y = sample.geotransform[0] + 3000.0, sample.geotransform[3] - 3000.0
    for extent in ((x, y, x, y), (x, y, x + 900.0, y), (x, y, x, y + 900.0)):
        with pytest.raises(CiscError, match="has no area"):  # before: one pixel, or a line of pixels
            extent_window(info, extent)
    assert extent_window(info, (x, y, x + 90.0, y + 90.0)).width == 3


# -- existing behaviours, verified -------------------------------------------------------------


@pytest.mark.parametrize("backend", ["gdal", "rasterio"])
@pytest.mark.parametrize("keep", [0.3, 0.9])
def test_truncated_cog_is_refused_naming_the_file(megapixel, tmp_path, monkeypatch, backend, keep):
    if backend == "rasterio" and raster_io.rasterio is None:
        pytest.skip("rasterio is not installed")
    monkeypatch.setenv(raster_io.BACKEND_ENV, backend)
    raster, mask, _, _ = megapixel
    cut = tmp_path / "cisc_2020.tif"
    data = open(raster, "rb").read()
    cut.write_bytes(data[: int(len(data) * keep)])  # a download or a copy cut short
    gt = gdal.Open(raster).GetGeoTransform()
    whole = box(gt[0], gt[3] - 1000 * 30, gt[0] + 1000 * 30, gt[3]).ExportToWkb()
    out = tmp_path / "out"
    out.mkdir()
    for call in (lambda: zonal_statistics(str(cut), [whole], mask),
                 lambda: write_change_map(str(cut), str(cut), str(out / "change.tif"), mask, mask),
                 lambda: write_impervious_fraction(str(cut), str(out / "fraction.tif"), mask)):
        with pytest.raises(CiscError) as error:
            call()
        assert str(cut) in str(error.value)
    assert os.listdir(out) == []


def test_failed_writes_leave_gdal_state_alone(megapixel, full_disk):
    raster, mask, _, _ = megapixel
    before = (gdal.GetUseExceptions(), gdal.GetConfigOption("GDAL_CACHEMAX"), gdal.GetCacheMax(),
              sources.global_http_options())
    full_disk.fill(40 * 1024)
    with pytest.raises(CiscError):
        write_change_map(raster, raster, str(full_disk.folder / "change.tif"), mask, mask)
    assert (gdal.GetUseExceptions(), gdal.GetConfigOption("GDAL_CACHEMAX"), gdal.GetCacheMax(),
            sources.global_http_options()) == before


def test_shipped_code_passes_bandit():
    """plugins.qgis.org scans uploads with bandit: the shipped code (plugin/, __init__.py) is clean
    (before: B324 High, hashlib.md5 in plugin/core/sources.py)."""
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    bandit = shutil.which("bandit", path=str(Path(sys.executable).parent)) or shutil.which("bandit")
    if bandit is None:
        pytest.skip("bandit is not installed (make venv installs it from requirements-dev.txt)")
    result = subprocess.run([bandit, "-q", "-r", "plugin", "__init__.py", "-f", "txt"], cwd=root,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    # md5 stays what the record publishes: an integrity check of the file's bytes
    path = root / "LICENSE"
    assert sources.md5_of_file(str(path)) == hashlib.md5(path.read_bytes()).hexdigest()
