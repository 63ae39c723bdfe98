"""Brute-force reference for the statistics engine.

Independent of the engine's code: every zone is rasterized on its own with GDAL's
RasterizeLayer (pixel-centre rule) over a grid that covers the raster and all zones, the
whole raster and masks are read at once (masks warped nearest with gdal.Warp when they
lie on another grid), and pixels are counted with plain numpy. Only for small rasters.
"""

import math

import numpy as np
from osgeo import gdal, ogr, osr

gdal.UseExceptions()

PIXEL_CODES = range(4)
MAX_ORACLE_PIXELS = 64_000_000  # the largest grid the brute force may build (~2 GB of temporaries)


def _grid_cover(info_gt, width, height, geometries):
    """Geotransform and size of a grid aligned with the raster that covers it and every zone."""
    x0, dx, _, y0, _, dy = info_gt
    xmin, xmax, ymin, ymax = x0, x0 + width * dx, y0 + height * dy, y0
    for geometry in geometries:
        if geometry is None or geometry.IsEmpty():
            continue
        gxmin, gxmax, gymin, gymax = geometry.GetEnvelope()
        xmin, xmax, ymin, ymax = min(xmin, gxmin), max(xmax, gxmax), min(ymin, gymin), max(ymax, gymax)
    col_lo = math.floor((xmin - x0) / dx) - 1
    col_hi = math.ceil((xmax - x0) / dx) + 1
    row_lo = math.floor((ymax - y0) / dy) - 1
    row_hi = math.ceil((ymin - y0) / dy) + 1
    gt = (x0 + col_lo * dx, dx, 0.0, y0 + row_lo * dy, 0.0, dy)
    cols, rows = col_hi - col_lo, row_hi - row_lo
    if cols * rows > MAX_ORACLE_PIXELS:
        # Zones far from the raster: typically degrees never transformed to the raster's metres.
        # Fail the test now rather than rasterize gigabytes (this once took a machine's 21 GB).
        raise AssertionError(
            f"oracle grid of {cols} x {rows} pixels: the zones lie far outside the raster "
            f"(zones' bounds reach {xmin:.1f}, {ymin:.1f}, {xmax:.1f}, {ymax:.1f}); were they transformed?"
        )
    return gt, cols, rows, (-col_lo, -row_lo)


def _rasterize_one(geometry, gt, width, height, wkt):
    target = gdal.GetDriverByName("MEM").Create("", width, height, 1, gdal.GDT_Byte)
    target.SetGeoTransform(gt)
    target.SetProjection(wkt)
    if geometry is None or geometry.IsEmpty():
        return np.zeros((height, width), dtype=bool)
    source = ogr.GetDriverByName("Memory").CreateDataSource("zone")
    srs = osr.SpatialReference()
    srs.ImportFromWkt(wkt)
    layer = source.CreateLayer("zone", srs=srs)
    feature = ogr.Feature(layer.GetLayerDefn())
    feature.SetGeometry(geometry)
    layer.CreateFeature(feature)
    gdal.RasterizeLayer(target, [1], layer, burn_values=[1])
    return target.ReadAsArray().astype(bool)


def _on_grid(path, gt, width, height, wkt, fill):
    """The raster at path on the given grid (nearest), fill outside it."""
    warped = gdal.Warp(
        "",
        path,
        format="MEM",
        outputBounds=(gt[0], gt[3] + height * gt[5], gt[0] + width * gt[1], gt[3]),
        width=width,
        height=height,
        resampleAlg="near",
        dstSRS=wkt,
        outputType=gdal.GDT_Int32,
        warpOptions=[f"INIT_DEST={fill}"],
    )
    return warped.ReadAsArray()


def _valid_codes(path, mask_path, gt, width, height, wkt):
    dataset = gdal.Open(path)
    nodata = dataset.GetRasterBand(1).GetNoDataValue()
    values = _on_grid(path, gt, width, height, wkt, fill=-1)
    valid = (values >= 0) & (values <= 3)
    if nodata is not None and nodata > 3:
        valid &= values != nodata
    if mask_path:
        mask_ds = gdal.Open(mask_path)
        mask_nodata = mask_ds.GetRasterBand(1).GetNoDataValue()
        mask = _on_grid(mask_path, gt, width, height, wkt, fill=0)
        valid &= mask != 0
        if mask_nodata is not None:
            valid &= mask != mask_nodata
    return values, valid


def _as_geometries(zones):
    out = []
    for zone in zones:
        if zone is None:
            out.append(None)
        elif isinstance(zone, ogr.Geometry):
            out.append(zone)
        else:
            out.append(ogr.CreateGeometryFromWkb(bytes(zone)))
    return out


def oracle_zonal(raster_path, zones, mask_path=None):
    """Per zone: total pixel centres, valid pixels and class counts (integers)."""
    dataset = gdal.Open(raster_path)
    wkt = dataset.GetProjection()
    geometries = _as_geometries(zones)
    gt, width, height, _ = _grid_cover(
        dataset.GetGeoTransform(), dataset.RasterXSize, dataset.RasterYSize, geometries
    )
    values, valid = _valid_codes(raster_path, mask_path, gt, width, height, wkt)
    results = []
    for geometry in geometries:
        inside = _rasterize_one(geometry, gt, width, height, wkt)
        zone_valid = inside & valid
        results.append(
            {
                "total": int(inside.sum()),
                "valid": int(zone_valid.sum()),
                "classes": [int(np.count_nonzero(zone_valid & (values == code))) for code in PIXEL_CODES],
            }
        )
    return results


def oracle_change(from_path, to_path, zones, from_mask=None, to_mask=None):
    """Per zone: total pixel centres, pixels valid in both years and the 4 x 4 transition counts."""
    dataset = gdal.Open(from_path)
    wkt = dataset.GetProjection()
    geometries = _as_geometries(zones)
    gt, width, height, _ = _grid_cover(
        dataset.GetGeoTransform(), dataset.RasterXSize, dataset.RasterYSize, geometries
    )
    # pixels beyond the first year's extent are never valid for change
    first_extent = _rasterize_extent(dataset, gt, width, height)
    before, valid_before = _valid_codes(from_path, from_mask, gt, width, height, wkt)
    after, valid_after = _valid_codes(to_path, to_mask, gt, width, height, wkt)
    valid = valid_before & valid_after & first_extent
    results = []
    for geometry in geometries:
        zone = _rasterize_one(geometry, gt, width, height, wkt)
        inside = zone & valid
        matrix = np.zeros((4, 4), dtype=np.int64)
        for a in PIXEL_CODES:
            from_a = inside & (before == a)
            for b in PIXEL_CODES:
                matrix[a, b] = np.count_nonzero(from_a & (after == b))
        results.append({"total": int(zone.sum()), "valid": int(inside.sum()), "matrix": matrix})
    return results


def _rasterize_extent(dataset, gt, width, height):
    x0, dx, _, y0, _, dy = dataset.GetGeoTransform()
    col0 = round((x0 - gt[0]) / gt[1])
    row0 = round((y0 - gt[3]) / gt[5])
    extent = np.zeros((height, width), dtype=bool)
    extent[max(row0, 0) : row0 + dataset.RasterYSize, max(col0, 0) : col0 + dataset.RasterXSize] = True
    return extent


def expected_zonal_row(result, pixel_km2):
    """The engine's output fields computed from oracle counts."""
    total, valid, classes = result["total"], result["valid"], result["classes"]
    return {
        "valid_km2": valid * pixel_km2,
        "invalid_km2": (total - valid) * pixel_km2,
        "valid_pct": None if total == 0 else 100.0 * valid / total,
        "bare_km2": classes[0] * pixel_km2,
        "imperv_km2": classes[1] * pixel_km2,
        "veg_km2": classes[2] * pixel_km2,
        "water_km2": classes[3] * pixel_km2,
        "imperv_pct": None if valid == 0 else 100.0 * classes[1] / valid,
    }


def expected_change_row(result, pixel_km2):
    matrix, total, valid = result["matrix"], result["total"], result["valid"]
    row = {
        "valid_km2": valid * pixel_km2,
        "invalid_km2": (total - valid) * pixel_km2,
        "valid_pct": None if total == 0 else 100.0 * valid / total,
    }
    for a in PIXEL_CODES:
        for b in PIXEL_CODES:
            row[f"t{a}{b}_km2"] = int(matrix[a, b]) * pixel_km2
    imperv_from, imperv_to, stayed = int(matrix[1, :].sum()), int(matrix[:, 1].sum()), int(matrix[1, 1])
    row.update(
        imperv_from_km2=imperv_from * pixel_km2,
        imperv_to_km2=imperv_to * pixel_km2,
        gain_km2=(imperv_to - stayed) * pixel_km2,
        loss_km2=(imperv_from - stayed) * pixel_km2,
        net_km2=(imperv_to - imperv_from) * pixel_km2,
        growth_pct=None if imperv_from == 0 else 100.0 * (imperv_to - imperv_from) / imperv_from,
    )
    return row


def assert_rows_equal(actual, expected, rel=1e-9):
    assert actual.keys() == expected.keys(), (sorted(actual), sorted(expected))
    for key, value in expected.items():
        got = actual[key]
        if value is None:
            assert got is None, f"{key}: expected NULL, got {got}"
        else:
            assert got is not None, f"{key}: expected {value}, got NULL"
            assert math.isclose(got, value, rel_tol=rel, abs_tol=1e-9), f"{key}: {got} != {value}"
