"""Property-based: on random small rasters, masks and polygons the engine equals the oracle."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from osgeo import gdal, ogr

import datafactory
import oracle
from cisc_impervious.plugin.core import engine
from cisc_impervious.plugin.core.errors import CiscError

PIXEL = 30.0
ORIGIN_X, ORIGIN_Y = 1_200_000.0, 3_600_000.0


def _write(path, array, origin_x, origin_y, pixel=PIXEL, nodata=None):
    dataset = gdal.GetDriverByName("GTiff").Create(
        str(path), array.shape[1], array.shape[0], 1, gdal.GDT_Byte, ["TILED=YES", "BLOCKXSIZE=16", "BLOCKYSIZE=16"]
    )
    dataset.SetGeoTransform((origin_x, pixel, 0, origin_y, 0, -pixel))
    dataset.SetProjection(datafactory.CHINA_ALBERS_WKT)
    dataset.GetRasterBand(1).WriteArray(array)
    if nodata is not None:
        dataset.GetRasterBand(1).SetNoDataValue(nodata)
    dataset = None
    return str(path)


@st.composite
def polygons(draw):
    """Star-shaped polygons, sometimes with a hole or a second part, around the raster."""
    parts = []
    for _ in range(draw(st.integers(1, 2))):
        cx = draw(st.floats(-200, 2000)) + ORIGIN_X
        cy = ORIGIN_Y - draw(st.floats(-200, 1600))
        count = draw(st.integers(3, 9))
        angles = np.sort(np.array(draw(st.lists(st.floats(0, 2 * np.pi), min_size=count, max_size=count))))
        radii = draw(st.lists(st.floats(5, 900), min_size=count, max_size=count))
        ring = [(float(cx + r * np.cos(a)), float(cy + r * np.sin(a))) for r, a in zip(radii, angles)]
        wkt_rings = ["(" + ",".join(f"{float(x)!r} {float(y)!r}" for x, y in ring + ring[:1]) + ")"]
        if draw(st.booleans()):
            hole = [(float(cx + 0.3 * r * np.cos(a)), float(cy + 0.3 * r * np.sin(a))) for r, a in zip(radii, angles)]
            wkt_rings.append("(" + ",".join(f"{float(x)!r} {float(y)!r}" for x, y in hole + hole[:1]) + ")")
        parts.append("(" + ",".join(wkt_rings) + ")")
    return ogr.CreateGeometryFromWkt("MULTIPOLYGON(" + ",".join(parts) + ")")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    seed=st.integers(0, 2**31),
    width=st.integers(5, 70),
    height=st.integers(5, 60),
    mask_shift=st.tuples(st.integers(-8, 8), st.integers(-8, 8)),
    zones=st.lists(polygons(), min_size=1, max_size=5),
    block_size=st.sampled_from([3, 7, 16, 64]),
    threads=st.sampled_from([1, 2]),
)
def test_engine_equals_oracle_on_random_inputs(tmp_path, seed, width, height, mask_shift, zones, block_size, threads):
    rng = np.random.default_rng(seed)
    values = rng.choice(np.array([0, 1, 2, 3, 3, 1, 9], dtype=np.uint8), size=(height, width))
    later = values.copy()
    later[rng.random(values.shape) < 0.3] = 1
    mask = (rng.random((height, width)) > 0.25).astype(np.uint8)
    first = _write(tmp_path / f"a{seed}.tif", values, ORIGIN_X, ORIGIN_Y)
    second = _write(tmp_path / f"b{seed}.tif", later, ORIGIN_X + PIXEL, ORIGIN_Y)
    mask_path = _write(
        tmp_path / f"m{seed}.tif", mask, ORIGIN_X + mask_shift[0] * PIXEL, ORIGIN_Y - mask_shift[1] * PIXEL
    )
    wkb = [zone.ExportToIsoWkb() for zone in zones]
    if abs(mask_shift[0]) >= width or abs(mask_shift[1]) >= height:
        # a mask beside the raster: every pixel would be invalid, so it is refused (reliability.md)
        with pytest.raises(CiscError, match="does not overlap"):
            engine.zonal_statistics(first, wkb, mask_path, block_size=block_size, threads=threads)
        return

    rows = engine.zonal_statistics(first, wkb, mask_path, block_size=block_size, threads=threads)
    for row, want in zip(rows, oracle.oracle_zonal(first, zones, mask_path)):
        oracle.assert_rows_equal(row, oracle.expected_zonal_row(want, PIXEL * PIXEL / 1e6))

    rows = engine.change_statistics(first, second, wkb, mask_path, None, block_size=block_size, threads=threads)
    for row, want in zip(rows, oracle.oracle_change(first, second, zones, mask_path, None)):
        oracle.assert_rows_equal(row, oracle.expected_change_row(want, PIXEL * PIXEL / 1e6))
