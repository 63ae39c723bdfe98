"""Tests of the CISC-like data factory (tests/datafactory.py): numpy + osgeo only."""

import datetime as dt
import hashlib
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
from osgeo import gdal, ogr, osr

from tests import datafactory as df

REPO_ROOT = Path(__file__).resolve().parents[1]
SIZE = 1024
NAMES = ("cisc_2020", "cisc_2022", "valid_mask_2020", "valid_mask_2022")


def _read(path):
    ds = gdal.Open(str(path))
    try:
        return ds.GetRasterBand(1).ReadAsArray()
    finally:
        ds = None


def _info(path):
    ds = gdal.Open(str(path))
    band = ds.GetRasterBand(1)
    out = {
        "gt": ds.GetGeoTransform(),
        "w": ds.RasterXSize,
        "h": ds.RasterYSize,
        "bands": ds.RasterCount,
        "dtype": gdal.GetDataTypeName(band.DataType),
        "block": band.GetBlockSize(),
        "overviews": band.GetOverviewCount(),
        "structure": ds.GetMetadata("IMAGE_STRUCTURE"),
        "wkt": ds.GetProjection(),
        "nodata": band.GetNoDataValue(),
    }
    ds = None
    return out


def _md5(path):
    return hashlib.md5(Path(path).read_bytes()).hexdigest()


def _offset(gt_a, gt_b):
    """Whole-pixel (column, row) offset of grid b's origin in grid a."""
    dc = (gt_b[0] - gt_a[0]) / gt_a[1]
    dr = (gt_b[3] - gt_a[3]) / gt_a[5]
    assert dc == round(dc) and dr == round(dr), "grids not aligned"
    return int(round(dc)), int(round(dr))


def _window_in(big_gt, big_shape, small_gt, small_shape):
    """Slices of the overlap of two aligned grids: (slices in big, slices in small)."""
    dc, dr = _offset(big_gt, small_gt)
    bh, bw = big_shape
    sh, sw = small_shape
    c0, c1 = max(0, dc), min(bw, dc + sw)
    r0, r1 = max(0, dr), min(bh, dr + sh)
    assert c1 > c0 and r1 > r0
    return (slice(r0, r1), slice(c0, c1)), (slice(r0 - dr, r1 - dr), slice(c0 - dc, c1 - dc))


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    return df.make_cisc_set(tmp_path_factory.mktemp("cisc") / "set", SIZE, SIZE, seed=1)


@pytest.fixture(scope="module")
def arrays(sample):
    return {name: _read(path) for name, path in sample.paths.items()}


# -- rasters ------------------------------------------------------------------------------


def test_sample_set_fields(sample):
    assert sample.width == SIZE and sample.height == SIZE
    for name in NAMES:
        assert os.path.exists(getattr(sample, name))
    assert os.path.basename(sample.cisc_2020) == "cisc_2020.tif"
    assert os.path.basename(sample.valid_mask_2022) == "valid_mask_2022.tif"
    assert sample.dates_zip and os.path.exists(sample.dates_zip)
    assert sample.geotransform == (df.DEFAULT_ORIGIN[0], 30.0, 0.0, df.DEFAULT_ORIGIN[1], 0.0, -30.0)
    assert df.DEFAULT_ORIGIN[0] % 30 == 0 and df.DEFAULT_ORIGIN[1] % 30 == 0
    assert set(sample.grids) == set(NAMES)


def test_determinism_same_bytes(sample, tmp_path):
    again = df.make_cisc_set(tmp_path / "again", SIZE, SIZE, seed=1)
    for name in NAMES:
        assert np.array_equal(_read(getattr(sample, name)), _read(getattr(again, name))), name
        assert _md5(getattr(sample, name)) == _md5(getattr(again, name)), name
    assert _md5(sample.dates_zip) == _md5(again.dates_zip)


def test_other_seed_differs(sample, tmp_path):
    other = df.make_cisc_set(tmp_path / "other", SIZE, SIZE, seed=2, with_dates=False)
    assert other.dates_zip is None
    assert not np.array_equal(_read(sample.cisc_2020), _read(other.cisc_2020))
    assert not np.array_equal(_read(sample.valid_mask_2022), _read(other.valid_mask_2022))


def test_cog_structure(sample):
    from osgeo_utils.samples import validate_cloud_optimized_geotiff as validator

    albers = osr.SpatialReference()
    albers.ImportFromProj4(df.CHINA_ALBERS_PROJ4)
    for name in NAMES:
        path = getattr(sample, name)
        info = _info(path)
        assert info["bands"] == 1 and info["dtype"] == "Byte"
        assert info["block"] == [512, 512]
        assert info["overviews"] >= 1
        assert info["structure"].get("COMPRESSION") == "DEFLATE"
        assert info["structure"].get("LAYOUT") == "COG"
        assert info["gt"][1] == 30.0 and info["gt"][5] == -30.0
        assert info["nodata"] is None
        srs = osr.SpatialReference(wkt=info["wkt"])
        assert srs.IsSame(albers), name
        errors, _warnings = validator.validate(str(path), full_check=True)[:2]
        assert errors == [], (name, errors)


def test_crs_constant_matches_proj_string():
    a = osr.SpatialReference(wkt=df.CHINA_ALBERS_WKT)
    b = osr.SpatialReference()
    b.ImportFromProj4(df.CHINA_ALBERS_PROJ4)
    assert a.IsSame(b)
    assert a.IsProjected() and a.GetLinearUnits() == 1.0


def test_classes_and_masks_values(arrays):
    for year in (2020, 2022):
        classes = arrays[f"cisc_{year}"]
        mask = arrays[f"valid_mask_{year}"]
        assert classes.max() <= 3
        assert set(np.unique(mask)) == {0, 1}
        assert set(np.unique(classes)) == {0, 1, 2, 3}


def test_class_zero_where_mask_zero_or_missing(sample, arrays):
    for year in (2020, 2022):
        cname, mname = f"cisc_{year}", f"valid_mask_{year}"
        cg, mg = sample.grids[cname], sample.grids[mname]
        classes, mask = arrays[cname], arrays[mname]
        in_c, in_m = _window_in(cg["geotransform"], classes.shape, mg["geotransform"], mask.shape)
        covered = np.zeros(classes.shape, dtype=bool)
        covered[in_c] = True
        valid = np.zeros(classes.shape, dtype=bool)
        valid[in_c] = mask[in_m] == 1
        assert (~covered).any(), "some raster pixels must have no mask"
        assert (classes[~valid] == 0).all()
        # and the valid part is real land cover, not all zeros
        shares = np.bincount(classes[valid], minlength=4) / valid.sum()
        assert 0.03 < shares[1] < 0.3, shares  # impervious
        assert 0.3 < shares[2] < 0.8, shares  # vegetation
        assert shares[3] > 0.005, shares  # water
        assert shares[0] > 0.05, shares  # bare


def test_extents_differ_but_aligned(sample):
    infos = {name: _info(getattr(sample, name)) for name in NAMES}
    for name in NAMES:
        assert infos[name]["gt"] == tuple(sample.grids[name]["geotransform"])
        assert (infos[name]["w"], infos[name]["h"]) == (sample.grids[name]["width"], sample.grids[name]["height"])
    base = infos["cisc_2020"]["gt"]
    sizes = {(i["w"], i["h"]) for i in infos.values()}
    origins = {i["gt"][:1] + i["gt"][3:4] for i in infos.values()}
    assert len(sizes) == 4 and len(origins) == 4
    for name in NAMES[1:]:
        _offset(base, infos[name]["gt"])  # whole pixels
    # 2022 is narrower but taller than 2020 and shifted
    assert infos["cisc_2022"]["w"] < SIZE < infos["cisc_2022"]["h"]
    # each mask misses part of its raster
    for year in (2020, 2022):
        c, m = infos[f"cisc_{year}"], infos[f"valid_mask_{year}"]
        dc, dr = _offset(c["gt"], m["gt"])
        assert dc > 0 or dr > 0 or dc + m["w"] < c["w"] or dr + m["h"] < c["h"]


def test_masks_differ_between_years(sample, arrays):
    g20, g22 = sample.grids["valid_mask_2020"], sample.grids["valid_mask_2022"]
    a, b = arrays["valid_mask_2020"], arrays["valid_mask_2022"]
    in_a, in_b = _window_in(g20["geotransform"], a.shape, g22["geotransform"], b.shape)
    differ = a[in_a] != b[in_b]
    assert differ.mean() > 0.02
    for mask in (a, b):
        assert 0.6 < mask.mean() < 0.98


def test_change_between_years(sample, arrays):
    g20, g22 = sample.grids["cisc_2020"], sample.grids["cisc_2022"]
    in20, in22 = _window_in(
        g20["geotransform"], arrays["cisc_2020"].shape, g22["geotransform"], arrays["cisc_2022"].shape
    )
    v20 = df.mask_block(sample, 2020, 0, 0, SIZE, SIZE).astype(bool)[in20]
    a = arrays["cisc_2020"][in20]
    b = arrays["cisc_2022"][in22]
    # both valid (mask value and mask coverage), read from the class rasters' own rules
    m22 = np.zeros(arrays["cisc_2022"].shape, dtype=bool)
    g = sample.grids["valid_mask_2022"]
    in_c, in_m = _window_in(g22["geotransform"], m22.shape, g["geotransform"], arrays["valid_mask_2022"].shape)
    m22[in_c] = arrays["valid_mask_2022"][in_m] == 1
    m20 = np.zeros(arrays["cisc_2020"].shape, dtype=bool)
    g = sample.grids["valid_mask_2020"]
    in_c, in_m = _window_in(g20["geotransform"], m20.shape, g["geotransform"], arrays["valid_mask_2020"].shape)
    m20[in_c] = arrays["valid_mask_2020"][in_m] == 1
    both = m20[in20] & m22[in22] & v20
    assert both.mean() > 0.5
    a, b = a[both], b[both]
    changed = (a != b).mean()
    assert 0.003 < changed < 0.1, changed
    gain = ((a != 1) & (b == 1)).sum()
    loss = ((a == 1) & (b != 1)).sum()
    assert gain > 0 and gain > 2 * loss
    # some loss too (before masking: the masks may hide the few lost pixels of a small set)
    frame = df._frame_of(sample)
    a0 = df._landcover_block(frame, 2020, 0, SIZE, 0, SIZE)
    b0 = df._landcover_block(frame, 2022, 0, SIZE, 0, SIZE)
    lost = ((a0 == 1) & (b0 != 1)).sum()
    gained = ((a0 != 1) & (b0 == 1)).sum()
    assert 0 < lost < gained
    assert ((a == 3) != (b == 3)).sum() > 0  # water changes a little
    # no change where neither year is valid is counted: every class of the overlap is 0..3
    assert b.max() <= 3


def _dilate(mask, radius):
    padded = np.pad(mask, radius)
    out = np.zeros_like(mask)
    h, w = mask.shape
    for dr in range(2 * radius + 1):
        for dc in range(2 * radius + 1):
            out |= padded[dr : dr + h, dc : dc + w]
    return out


def test_growth_near_existing_urban(sample):
    lo, n = 50, 900  # inside every file's and mask's grid
    a = df.class_block(sample, 2020, lo, lo, n, n)
    b = df.class_block(sample, 2022, lo, lo, n, n)
    valid = (df.mask_block(sample, 2020, lo, lo, n, n) == 1) & (df.mask_block(sample, 2022, lo, lo, n, n) == 1)
    new = (a != 1) & (b == 1) & valid
    assert new.sum() > 100
    near = _dilate(a == 1, 3)
    assert (near & new).sum() / new.sum() > 0.6


def test_class_block_matches_files(sample, arrays):
    for year in (2020, 2022):
        g = sample.grids[f"cisc_{year}"]
        dc, dr = _offset(sample.geotransform, g["geotransform"])
        block = df.class_block(sample, year, dc + 100, dr + 50, 300, 200)
        assert np.array_equal(block, arrays[f"cisc_{year}"][50:250, 100:400])
        g = sample.grids[f"valid_mask_{year}"]
        dc, dr = _offset(sample.geotransform, g["geotransform"])
        block = df.mask_block(sample, year, dc + 10, dr + 20, 200, 100)
        assert np.array_equal(block, arrays[f"valid_mask_{year}"][20:120, 10:210])


def test_same_land_cover_whatever_the_extent(tmp_path):
    """The landscape is a function of absolute position: a set with another size and an
    origin moved by whole pixels agrees on the shared pixels."""
    small = df.make_cisc_set(
        tmp_path / "s",
        300,
        200,
        1,
        origin=(df.DEFAULT_ORIGIN[0] + 30 * 77, df.DEFAULT_ORIGIN[1] - 30 * 45),
        with_dates=False,
        overviews=False,
    )
    frame_a = df._Frame(
        1, small_gc := int(round(small.geotransform[0] / 30)), int(round(-small.geotransform[3] / 30)), 300, 200, 30.0
    )
    frame_b = df._Frame(1, small_gc - 77, frame_a.gr0 - 45, 1024, 1024, 30.0)
    a = df._landcover_block(frame_a, 2022, 0, 200, 0, 300)
    b = df._landcover_block(frame_b, 2022, 45, 200, 77, 300)
    assert np.array_equal(a, b)


def test_noise_is_exact_integers():
    raw = df._noise_raw([(df._key(1, "urban"), df._URBAN), (df._key(1, "growth"), df._GROWTH)], -126000, 70, 33000, 333)
    assert np.array_equal(raw, np.round(raw))
    total = df._UNIT * (df._weight_sum(df._URBAN) + df._weight_sum(df._GROWTH))
    assert raw.min() >= 0 and raw.max() <= total
    # chunked product == one product
    one = df._noise_raw([(df._key(1, "veg"), df._VEG)], 5, 20, -7, 100)
    big = df._noise_raw([(df._key(1, "veg"), df._VEG)], 5, 90, -7, 100)
    assert np.array_equal(one, big[:20])


def test_naming_styles(tmp_path):
    s = df.make_cisc_set(tmp_path / "n", 64, 64, 3, naming="nounderscore", with_dates=False, overviews=False)
    assert os.path.basename(s.cisc_2020) == "cisc2020.tif"
    assert os.path.basename(s.valid_mask_2020) == "valid_mask_2020.tif"
    u = df.make_cisc_set(tmp_path / "u", 64, 64, 3, naming="upper", with_dates=False, overviews=False)
    assert os.path.basename(u.cisc_2022) == "CISC_2022.TIF"
    assert os.path.basename(u.valid_mask_2022) == "VALID_MASK_2022.TIF"
    assert np.array_equal(_read(s.cisc_2022), _read(u.cisc_2022))
    with pytest.raises(ValueError):
        df.make_cisc_set(tmp_path / "x", 64, 64, naming="camel")


def test_tile_parameter(tmp_path):
    s = df.make_cisc_set(tmp_path / "t", 700, 600, 1, tile=256, with_dates=False)
    info = _info(s.cisc_2020)
    assert info["block"] == [256, 256] and info["overviews"] >= 1


def test_write_cog_strips_and_arrays(tmp_path):
    gt = (df.DEFAULT_ORIGIN[0], 30.0, 0.0, df.DEFAULT_ORIGIN[1], 0.0, -30.0)
    data = (np.arange(700 * 600) % 4).astype(np.uint8).reshape(600, 700)
    strips = (data[i : i + 77] for i in range(0, 600, 77))
    path = df.write_cog(tmp_path / "s.tif", strips, gt, df.CHINA_ALBERS_WKT, size=(700, 600))
    assert np.array_equal(_read(path), data)
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp.tif")]
    with pytest.raises(ValueError):
        df.write_cog(tmp_path / "bad.tif", iter([data[:10]]), gt, df.CHINA_ALBERS_WKT, size=(700, 600))
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp.tif")]
    with pytest.raises(ValueError):
        df.write_cog(tmp_path / "nosize.tif", iter([data]), gt, df.CHINA_ALBERS_WKT)
    f = df.write_cog(
        tmp_path / "f.tif", data.astype(np.float32) / 3, gt, df.CHINA_ALBERS_WKT, dtype=np.float32, nodata=-1
    )
    info = _info(f)
    assert info["dtype"] == "Float32" and info["nodata"] == -1


def test_gdal_exception_state_restored(tmp_path):
    before = (gdal.GetUseExceptions(), ogr.GetUseExceptions(), osr.GetUseExceptions())
    df.make_bad_rasters(tmp_path / "bad", size=64)
    assert (gdal.GetUseExceptions(), ogr.GetUseExceptions(), osr.GetUseExceptions()) == before


# -- odd rasters ----------------------------------------------------------------------------


def test_misaligned_masks(sample, tmp_path):
    base = sample.grids["valid_mask_2020"]["geotransform"]
    coarse = _info(df.make_misaligned_mask(tmp_path / "c.tif", sample, "coarser"))
    assert coarse["gt"][1] == 60.0 and coarse["gt"][5] == -60.0
    assert coarse["gt"][0] == base[0] and coarse["gt"][3] == base[3]
    shifted = _info(df.make_misaligned_mask(tmp_path / "s.tif", sample, "shifted"))
    assert shifted["gt"][1] == 30.0
    assert shifted["gt"][0] - base[0] == 15.0 and base[3] - shifted["gt"][3] == 15.0
    fine = _read(sample.valid_mask_2020)
    c = _read(tmp_path / "c.tif")
    assert np.array_equal(c, fine[::2, ::2])
    assert np.array_equal(_read(tmp_path / "s.tif"), fine)
    with pytest.raises(ValueError):
        df.make_misaligned_mask(tmp_path / "x.tif", sample, "rotated")


def test_bad_rasters(tmp_path):
    bad = df.make_bad_rasters(tmp_path / "bad")
    assert set(bad) == {"float", "multiband", "values_above_3", "not_a_raster", "geographic", "nodata255"}
    assert _info(bad["float"])["dtype"] == "Float32"
    assert _info(bad["multiband"])["bands"] == 3
    values = _read(bad["values_above_3"])
    assert values.dtype == np.uint8 and (values == 7).any() and (values == 255).any()
    with pytest.raises(RuntimeError):
        with gdal.ExceptionMgr() if hasattr(gdal, "ExceptionMgr") else _Exceptions():
            gdal.Open(bad["not_a_raster"])
    geo = _info(bad["geographic"])
    srs = osr.SpatialReference(wkt=geo["wkt"])
    assert srs.IsGeographic() and geo["dtype"] == "Byte"
    nd = _info(bad["nodata255"])
    assert nd["nodata"] == 255 and (_read(bad["nodata255"]) == 255).any()


class _Exceptions:
    def __enter__(self):
        self.was = gdal.GetUseExceptions()
        gdal.UseExceptions()

    def __exit__(self, *exc):
        if not self.was:
            try:
                gdal.DontUseExceptions()
            except RuntimeError:
                pass
        return False


# -- zones ----------------------------------------------------------------------------------


def _union_area(geoms):
    multi = ogr.Geometry(ogr.wkbMultiPolygon)
    for g in geoms:
        multi.AddGeometry(g)
    return multi.UnionCascaded().GetArea()


def _box(bounds):
    xmin, ymin, xmax, ymax = bounds
    return df._polygon([(xmin, ymin), (xmax, ymin), (xmax, ymax), (xmin, ymax)])


def test_provinces_tessellate_and_cross_raster_edge(sample):
    provinces = df.make_provinces(9, sample, seed=1)
    assert len(provinces) == 9
    assert all(g.IsValid() for g in provinces)
    xmin, ymin, xmax, ymax = df._expand(sample.union_bounds(), 0.04)
    box_area = (xmax - xmin) * (ymax - ymin)
    total = sum(g.GetArea() for g in provinces)
    assert total == pytest.approx(box_area, rel=1e-9)
    assert _union_area(provinces) == pytest.approx(box_area, rel=1e-9)  # no overlaps, no gaps
    raster = _box(sample.bounds("cisc_2020"))
    crossing = [g for g in provinces if g.Intersects(raster) and not raster.Contains(g)]
    assert crossing
    # wiggly shared boundaries, float vertices
    assert max(g.GetGeometryRef(0).GetPointCount() for g in provinces) > 20
    again = df.make_provinces(9, sample, seed=1)
    assert [g.ExportToWkb() for g in provinces] == [g.ExportToWkb() for g in again]


def test_counties_tessellate_bounds(sample):
    bounds = sample.bounds("cisc_2020")
    counties = df.make_counties(60, bounds, seed=4)
    assert len(counties) == 60 and all(g.IsValid() for g in counties)
    area = (bounds[2] - bounds[0]) * (bounds[3] - bounds[1])
    assert sum(g.GetArea() for g in counties) == pytest.approx(area, rel=1e-9)
    assert _union_area(counties) == pytest.approx(area, rel=1e-9)
    straight = df.voronoi_cells(60, bounds, 4, wiggle=0)
    assert max(g.GetGeometryRef(0).GetPointCount() for g in straight) < 20


def test_awkward_zones(sample):
    zones = dict(df.make_awkward_zones(sample, seed=1))
    expected = {
        "overlap_a",
        "overlap_b",
        "with_hole",
        "multipart",
        "subpixel_centre",
        "subpixel_nocentre",
        "partly_outside",
        "fully_outside",
        "tiny_sliver",
        "bowtie_invalid",
        "in_invalid_2020",
        "only_2022",
        "empty",
    }
    assert set(zones) == expected
    assert zones["overlap_a"].Intersects(zones["overlap_b"])
    assert zones["overlap_a"].Intersection(zones["overlap_b"]).GetArea() > 0
    assert zones["with_hole"].GetGeometryCount() == 2
    assert zones["multipart"].GetGeometryCount() >= 2
    assert zones["empty"].IsEmpty()
    gdal.PushErrorHandler("CPLQuietErrorHandler")
    try:
        assert not zones["bowtie_invalid"].IsValid()
    finally:
        gdal.PopErrorHandler()
    gt = sample.geotransform

    def centres_inside(geom):
        env = geom.GetEnvelope()
        c0 = int(np.floor((env[0] - gt[0]) / 30)) - 1
        c1 = int(np.ceil((env[1] - gt[0]) / 30)) + 1
        r0 = int(np.floor((gt[3] - env[3]) / 30)) - 1
        r1 = int(np.ceil((gt[3] - env[2]) / 30)) + 1
        count = 0
        for r in range(r0, r1):
            for c in range(c0, c1):
                p = ogr.Geometry(ogr.wkbPoint)
                p.AddPoint_2D(gt[0] + (c + 0.5) * 30, gt[3] - (r + 0.5) * 30)
                count += geom.Contains(p)
        return count

    for name in ("subpixel_centre", "subpixel_nocentre"):
        assert zones[name].GetArea() < 900
    assert centres_inside(zones["subpixel_centre"]) == 1
    assert centres_inside(zones["subpixel_nocentre"]) == 0
    r20 = _box(sample.bounds("cisc_2020"))
    everything = _box(sample.union_bounds())
    assert not zones["fully_outside"].Intersects(everything)
    assert zones["partly_outside"].Intersects(r20) and not r20.Contains(zones["partly_outside"])
    assert zones["tiny_sliver"].GetArea() < 0.001 * zones["overlap_a"].GetArea()
    r22 = _box(sample.bounds("cisc_2022"))
    assert r22.Contains(zones["only_2022"]) and not zones["only_2022"].Intersects(r20)
    # the in_invalid_2020 zone lies in the 2020 mask's blob: its pixels are invalid in 2020
    env = zones["in_invalid_2020"].GetEnvelope()
    c0, c1 = int((env[0] - gt[0]) / 30), int((env[1] - gt[0]) / 30)
    r0, r1 = int((gt[3] - env[3]) / 30), int((gt[3] - env[2]) / 30)
    block = df.mask_block(sample, 2020, c0, r0, c1 - c0, r1 - r0)
    assert block.mean() < 0.05


@pytest.mark.parametrize(
    "ext,crs,epsg", [(".gpkg", 4490, "4490"), (".shp", 4326, "4326"), (".gpkg", "EPSG:4326", "4326")]
)
def test_write_zones(sample, tmp_path, ext, crs, epsg):
    zones = df.make_awkward_zones(sample, seed=1)
    path = df.write_zones(tmp_path / f"zones{ext}", zones, crs)
    ds = ogr.Open(str(path))
    layer = ds.GetLayer(0)
    if ext == ".gpkg":
        assert layer.GetName() == "zones"
    assert layer.GetFeatureCount() == len(zones)
    defn = layer.GetLayerDefn()
    fields = {defn.GetFieldDefn(i).GetName(): defn.GetFieldDefn(i).GetType() for i in range(defn.GetFieldCount())}
    assert fields["zone_id"] == ogr.OFTInteger and fields["name"] == ogr.OFTString
    srs = layer.GetSpatialRef()
    assert srs.GetAuthorityCode(None) == epsg
    xmin, xmax, ymin, ymax = layer.GetExtent()
    assert 110 < xmin < xmax < 125 and 25 < ymin < ymax < 40  # x = longitude, y = latitude
    names = []
    for feature in layer:
        names.append(feature.GetField("name"))
        assert feature.GetField("zone_id") == len(names)
    assert names == [n for n, _ in zones]
    ds = None


def test_write_zones_round_trip(sample, tmp_path):
    provinces = df.make_provinces(5, sample, seed=2)
    path = df.write_zones(tmp_path / "p.gpkg", provinces, 4326, names=[f"p{i}" for i in range(5)])
    ds = ogr.Open(str(path))
    layer = ds.GetLayer(0)
    src = layer.GetSpatialRef().Clone()
    src.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    dst = osr.SpatialReference(wkt=df.CHINA_ALBERS_WKT)
    dst.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    back = osr.CoordinateTransformation(src, dst)
    for feature, original in zip(layer, provinces):
        g = feature.GetGeometryRef().Clone()
        assert g.GetGeometryType() == ogr.wkbMultiPolygon
        g.Transform(back)
        assert g.GetArea() == pytest.approx(original.GetArea(), rel=1e-6)
        assert g.SymDifference(original).GetArea() < 1e-6 * original.GetArea()
    ds = None
    albers = df.write_zones(tmp_path / "a.shp", provinces, df.CHINA_ALBERS_WKT, densify=None, multi=False)
    ds = ogr.Open(str(albers))
    for feature, original in zip(ds.GetLayer(0), provinces):
        g = feature.GetGeometryRef()
        assert g.GetGeometryType() == ogr.wkbPolygon
        # same vertices (a shapefile may reverse ring order), exactly the same shape
        assert g.GetGeometryRef(0).GetPointCount() == original.GetGeometryRef(0).GetPointCount()
        assert g.SymDifference(original).GetArea() < 1e-9 * original.GetArea()
    ds = None


# -- dates ----------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["yyyymmdd", "iso", "int", "date", "slash"])
def test_dates_zip(sample, tmp_path, fmt):
    path = df.make_dates_zip(tmp_path / "source_date_dissovle.zip", sample, seed=1, date_format=fmt)
    with zipfile.ZipFile(path) as zf:
        members = set(zf.namelist())
    for year in (2020, 2022):
        for ext in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
            assert f"source_date_{year}_dissolve{ext}" in members
    ds = ogr.Open(f"/vsizip/{path}")
    assert ds is not None and ds.GetLayerCount() == 2
    for year in (2020, 2022):
        layer = ds.GetLayerByName(f"source_date_{year}_dissolve")
        defn = layer.GetLayerDefn()
        index = defn.GetFieldIndex("acq_date")
        assert index >= 0
        ftype = defn.GetFieldDefn(index).GetType()
        assert ftype == {"int": ogr.OFTInteger, "date": ogr.OFTDate}.get(fmt, ogr.OFTString)
        dates = []
        src = layer.GetSpatialRef().Clone()
        src.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
        dst = osr.SpatialReference(wkt=df.CHINA_ALBERS_WKT)
        dst.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
        to_albers = osr.CoordinateTransformation(src, dst)
        area = 0.0
        for feature in layer:
            value = feature.GetField(index)
            text = str(value)
            if fmt == "iso":
                d = dt.date.fromisoformat(text)
            elif fmt in ("date", "slash"):
                d = dt.datetime.strptime(text, "%Y/%m/%d").date()
            else:
                assert len(text) == 8
                d = dt.datetime.strptime(text, "%Y%m%d").date()
            dates.append(d)
            g = feature.GetGeometryRef().Clone()
            g.Transform(to_albers)
            area += g.GetArea()
        assert len(set(dates)) >= 3
        assert all(dt.date(year - 1, 1, 1) <= d <= dt.date(year, 12, 31) for d in dates)
        xmin, ymin, xmax, ymax = sample.union_bounds()
        assert area > 0.6 * (xmax - xmin) * (ymax - ymin)
    ds = None


def test_dates_zip_rejects_unknown_format(sample, tmp_path):
    with pytest.raises(ValueError):
        df.make_dates_zip(tmp_path / "d.zip", sample, 1, date_format="julian")


# -- command line ---------------------------------------------------------------------------


def test_command_line(tmp_path):
    out = tmp_path / "cli"
    result = subprocess.run(
        [sys.executable, "-m", "tests.datafactory", str(out), "--size", "300", "--seed", "5"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    for name in (
        "cisc_2020.tif",
        "cisc_2022.tif",
        "valid_mask_2020.tif",
        "valid_mask_2022.tif",
        df.DATES_ZIP_NAME,
        "manifest.json",
    ):
        assert (out / name).exists(), name
    for name in (
        "zones/provinces_4490.gpkg",
        "zones/counties_4326.shp",
        "zones/awkward_4326.gpkg",
        "misaligned/valid_mask_2020_coarser.tif",
        "bad/not_a_raster.tif",
    ):
        assert (out / name).exists(), name


# -- property -------------------------------------------------------------------------------

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=15, deadline=None)
@given(
    r=st.integers(-3000, 3000),
    c=st.integers(-3000, 3000),
    dr=st.integers(0, 40),
    dc=st.integers(0, 40),
    year=st.sampled_from([2020, 2022]),
    seed=st.integers(0, 5),
)
def test_any_window_agrees_with_a_larger_one(r, c, dr, dc, year, seed):
    frame = df._Frame(seed, 33000, -126000, 1000, 1000, 30.0)
    big = df._landcover_block(frame, year, r, 90, c, 120)
    small = df._landcover_block(frame, year, r + dr, 37, c + dc, 53)
    assert np.array_equal(small, big[dr : dr + 37, dc : dc + 53])
    vbig = df._valid_block(frame, year, r % 1000, 60, c % 1000, 70)
    vsmall = df._valid_block(frame, year, r % 1000 + dr, 20, c % 1000 + dc, 30)
    assert np.array_equal(vsmall, vbig[dr : dr + 20, dc : dc + 30])
