"""plugin/core/fraction.py: impervious fraction on a coarse grid against a brute-force count."""

import os

import numpy as np
import pytest
from osgeo import gdal, ogr, osr

for _module in (gdal, ogr, osr):  # datafactory restores GDAL's exception mode on exit
    _module.UseExceptions()

from cisc_impervious.plugin.core.errors import CiscCancelled, CiscError  # noqa: E402
from cisc_impervious.plugin.core.feedback import EngineFeedback  # noqa: E402
from cisc_impervious.plugin.core.fraction import FRACTION_NODATA, write_impervious_fraction  # noqa: E402
from tests import datafactory as df  # noqa: E402


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    return df.make_cisc_set(tmp_path_factory.mktemp("fraction") / "cisc", 777, 555, seed=4, with_dates=False)


def mask_at_centres(mask, gt, width, height):
    """The mask's pixel under each raster pixel's centre is non-zero (False beyond the mask)."""
    mds = gdal.Open(mask)
    mgt = mds.GetGeoTransform()
    m = mds.GetRasterBand(1).ReadAsArray()
    cols = np.floor((gt[0] + (np.arange(width) + 0.5) * gt[1] - mgt[0]) / mgt[1]).astype(int)
    rows = np.floor((gt[3] + (np.arange(height) + 0.5) * gt[5] - mgt[3]) / mgt[5]).astype(int)
    inside = ((rows >= 0) & (rows < m.shape[0]))[:, None] & ((cols >= 0) & (cols < m.shape[1]))[None, :]
    sampled = m[np.clip(rows, 0, m.shape[0] - 1)][:, np.clip(cols, 0, m.shape[1] - 1)]
    return inside & (sampled != 0)


def brute_force(raster, mask, cell, min_pct):
    ds = gdal.Open(raster)
    gt = ds.GetGeoTransform()
    values = ds.GetRasterBand(1).ReadAsArray().astype(np.int64)
    h, w = values.shape
    valid = values <= 3
    if mask:
        valid &= mask_at_centres(mask, gt, w, h)
    px = gt[1]
    # each pixel's cell (by its centre), on the unbounded grid for the nominal counts
    cell_of_col = np.floor((np.arange(w + 400) + 0.5) * px / cell).astype(int)
    cell_of_row = np.floor((np.arange(h + 400) + 0.5) * px / cell).astype(int)
    out_w, out_h = cell_of_col[w - 1] + 1, cell_of_row[h - 1] + 1
    nominal_cols = np.bincount(cell_of_col)[:out_w]
    nominal_rows = np.bincount(cell_of_row)[:out_h]
    out = np.full((out_h, out_w), FRACTION_NODATA)
    for r in range(out_h):
        rows = cell_of_row[:h] == r
        for c in range(out_w):
            cols = cell_of_col[:w] == c
            v = valid[np.ix_(rows, cols)]
            n = int(v.sum())
            if n and n >= min_pct / 100.0 * nominal_rows[r] * nominal_cols[c]:
                out[r, c] = 100.0 * int((v & (values[np.ix_(rows, cols)] == 1)).sum()) / n
    return out, gt


@pytest.mark.parametrize("cell,min_pct,threads", [
    (1000.0, 50.0, 2), (990.0, 50.0, 1), (30.0, 0.0, 2), (2010.0, 75.0, 2), (450.0, 100.0, 1),
])
def test_fraction_equals_brute_force(sample, tmp_path, cell, min_pct, threads):
    out = tmp_path / "f.tif"
    info = write_impervious_fraction(sample.cisc_2020, str(out), sample.valid_mask_2020, cell_size=cell,
                                     min_valid_pct=min_pct, threads=threads)
    exp, gt = brute_force(sample.cisc_2020, sample.valid_mask_2020, cell, min_pct)
    ds = gdal.Open(str(out))
    got = ds.GetRasterBand(1).ReadAsArray()
    assert got.shape == exp.shape == (info["height"], info["width"])
    assert ds.GetGeoTransform() == (gt[0], cell, 0.0, gt[3], 0.0, -cell)
    assert ds.GetRasterBand(1).GetNoDataValue() == FRACTION_NODATA
    np.testing.assert_allclose(got, exp, rtol=1e-6, atol=1e-4)
    assert info["cells_with_value"] == int((exp != FRACTION_NODATA).sum())
    assert sorted(os.listdir(tmp_path)) == ["f.tif"]


@pytest.mark.parametrize("kind", ["coarser", "shifted"])
def test_fraction_with_misaligned_mask_warns_and_samples_at_centres(sample, tmp_path, kind):
    mask = df.make_misaligned_mask(str(tmp_path / f"mask_{kind}.tif"), sample, kind)
    warnings = []

    class Feedback(EngineFeedback):
        def warning(self, message):
            warnings.append(message)

    out = tmp_path / "f.tif"
    write_impervious_fraction(sample.cisc_2020, str(out), mask, cell_size=900.0, min_valid_pct=40.0,
                              feedback=Feedback())
    assert any(mask in w and "resampled" in w for w in warnings)
    exp, _ = brute_force(sample.cisc_2020, mask, 900.0, 40.0)
    assert (exp != FRACTION_NODATA).sum() > 0
    np.testing.assert_allclose(gdal.Open(str(out)).ReadAsArray(), exp, rtol=1e-6, atol=1e-4)


def test_fraction_without_mask_and_bad_parameters(sample, tmp_path):
    out = tmp_path / "f.tif"
    write_impervious_fraction(sample.cisc_2022, str(out), None, cell_size=600.0, min_valid_pct=10.0)
    exp, _ = brute_force(sample.cisc_2022, None, 600.0, 10.0)
    np.testing.assert_allclose(gdal.Open(str(out)).ReadAsArray(), exp, rtol=1e-6, atol=1e-4)
    with pytest.raises(CiscError, match="smaller than the pixel size"):
        write_impervious_fraction(sample.cisc_2022, str(tmp_path / "g.tif"), cell_size=10.0)
    with pytest.raises(CiscError, match="between 0 and 100"):
        write_impervious_fraction(sample.cisc_2022, str(tmp_path / "g.tif"), min_valid_pct=120.0)
    assert not (tmp_path / "g.tif").exists()


def test_fraction_cancel_leaves_nothing(sample, tmp_path):
    class Cancel(EngineFeedback):
        def is_cancelled(self):
            return True

    with pytest.raises(CiscCancelled):
        write_impervious_fraction(sample.cisc_2020, str(tmp_path / "f.tif"), cell_size=60.0, feedback=Cancel())
    assert os.listdir(tmp_path) == []
