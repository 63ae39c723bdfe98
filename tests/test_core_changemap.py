"""plugin/core/changemap.py: streamed change map against a whole-array computation."""

import os
import time

import numpy as np
import pytest
from osgeo import gdal, ogr, osr

for _module in (gdal, ogr, osr):  # datafactory restores GDAL's exception mode on exit
    _module.UseExceptions()

from cisc_impervious.plugin.core.changemap import change_label, write_change_map  # noqa: E402
from cisc_impervious.plugin.core.errors import CiscCancelled, CiscError  # noqa: E402
from cisc_impervious.plugin.core.feedback import EngineFeedback  # noqa: E402
from tests import datafactory as df  # noqa: E402


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    return df.make_cisc_set(tmp_path_factory.mktemp("changemap") / "cisc", 1100, 700, seed=2, with_dates=False)


def on_grid(path, gt, width, height, fill):
    ds = gdal.Open(path)
    sgt = ds.GetGeoTransform()
    col0, row0 = round((sgt[0] - gt[0]) / gt[1]), round((sgt[3] - gt[3]) / gt[5])
    data = ds.GetRasterBand(1).ReadAsArray()
    out = np.full((height, width), fill, dtype=np.int32)
    r0, c0 = max(row0, 0), max(col0, 0)
    r1, c1 = min(row0 + data.shape[0], height), min(col0 + data.shape[1], width)
    out[r0:r1, c0:c1] = data[r0 - row0 : r1 - row0, c0 - col0 : c1 - col0]
    return out


def expected(sample, masks=True):
    gt, w, h = sample.geotransform, sample.width, sample.height
    a = on_grid(sample.cisc_2020, gt, w, h, 255)
    b = on_grid(sample.cisc_2022, gt, w, h, 255)
    valid = (a <= 3) & (b <= 3)
    if masks:
        valid &= on_grid(sample.valid_mask_2020, gt, w, h, 0) != 0
        valid &= on_grid(sample.valid_mask_2022, gt, w, h, 0) != 0
    return np.where(valid, 10 * a + b, 255)


@pytest.mark.parametrize("threads", [1, 2])
def test_change_map_equals_whole_array(sample, tmp_path, threads):
    out = tmp_path / "change.tif"
    info = write_change_map(sample.cisc_2020, sample.cisc_2022, str(out), sample.valid_mask_2020,
                            sample.valid_mask_2022, threads=threads)
    got = df.read_array(out)
    exp = expected(sample)
    np.testing.assert_array_equal(got, exp)
    assert info["valid_pixels"] == int((exp != 255).sum()) > 0
    assert sorted(os.listdir(tmp_path)) == ["change.tif"]


def test_change_map_without_masks(sample, tmp_path):
    out = tmp_path / "change.tif"
    write_change_map(sample.cisc_2020, sample.cisc_2022, str(out))
    np.testing.assert_array_equal(df.read_array(out), expected(sample, masks=False))


def test_change_map_with_misaligned_mask(sample, tmp_path):
    coarse = df.make_misaligned_mask(str(tmp_path / "coarse_mask.tif"), sample, "coarser")
    warnings = []

    class Feedback(EngineFeedback):
        def warning(self, message):
            warnings.append(message)

    out = tmp_path / "change.tif"
    write_change_map(sample.cisc_2020, sample.cisc_2022, str(out), coarse, None, feedback=Feedback())
    assert any("coarse_mask.tif" in w for w in warnings)
    # the coarse mask sampled at each pixel centre
    ds = gdal.Open(coarse)
    mgt = ds.GetGeoTransform()
    mask = ds.GetRasterBand(1).ReadAsArray()
    gt = sample.geotransform
    xs = gt[0] + (np.arange(sample.width) + 0.5) * gt[1]
    ys = gt[3] + (np.arange(sample.height) + 0.5) * gt[5]
    cols = np.floor((xs - mgt[0]) / mgt[1]).astype(int)
    rows = np.floor((ys - mgt[3]) / mgt[5]).astype(int)
    inside = ((rows >= 0) & (rows < mask.shape[0]))[:, None] & ((cols >= 0) & (cols < mask.shape[1]))[None, :]
    sampled = np.where(inside, mask[np.clip(rows, 0, mask.shape[0] - 1)][:, np.clip(cols, 0, mask.shape[1] - 1)], 0)
    exp = expected(sample, masks=False)
    exp[sampled == 0] = 255
    np.testing.assert_array_equal(df.read_array(out), exp)


def test_extent_clip(sample, tmp_path):
    gt = sample.geotransform
    extent = (gt[0] + 600.5 * 30, gt[3] - 400.2 * 30, gt[0] + 1500 * 30, gt[3] - 100.9 * 30)
    out = tmp_path / "clip.tif"
    info = write_change_map(sample.cisc_2020, sample.cisc_2022, str(out), sample.valid_mask_2020,
                            sample.valid_mask_2022, extent=extent)
    # pixels touched by the extent, clipped to the raster: cols 600..1099, rows 100..400
    assert (info["width"], info["height"]) == (500, 301)
    np.testing.assert_array_equal(df.read_array(out), expected(sample)[100:401, 600:1100])
    with pytest.raises(CiscError, match="does not overlap"):
        write_change_map(sample.cisc_2020, sample.cisc_2022, str(tmp_path / "none.tif"),
                         extent=(0.0, 0.0, 10.0, 10.0))
    assert not (tmp_path / "none.tif").exists()


def test_cancel_and_errors_leave_nothing(sample, tmp_path):
    class CancelAfterFirst(EngineFeedback):
        calls = 0

        def set_progress(self, percent):
            self.calls += 1

        def is_cancelled(self):
            return self.calls >= 1

    out = tmp_path / "change.tif"
    with pytest.raises(CiscCancelled):
        write_change_map(sample.cisc_2020, sample.cisc_2022, str(out), feedback=CancelAfterFirst(), threads=2)
    assert os.listdir(tmp_path) == []
    bad = df.make_bad_rasters(tmp_path / "bad")
    with pytest.raises(CiscError, match="not a CISC class"):
        write_change_map(bad["values_above_3"], bad["values_above_3"], str(out), other_values="error")
    assert not out.exists() and not [n for n in os.listdir(tmp_path) if n.startswith(".")]
    # with other_values="invalid" the same file gives 255 where a value is above 3
    write_change_map(bad["values_above_3"], bad["values_above_3"], str(out))
    values = df.read_array(bad["values_above_3"])
    got = df.read_array(out)
    np.testing.assert_array_equal(got == 255, values > 3)


def test_existing_output_replaced_only_on_success(sample, tmp_path):
    out = tmp_path / "change.tif"
    out.write_bytes(b"old")

    class Cancel(EngineFeedback):
        def is_cancelled(self):
            return True

    with pytest.raises(CiscCancelled):
        write_change_map(sample.cisc_2020, sample.cisc_2022, str(out), feedback=Cancel())
    assert out.read_bytes() == b"old"
    write_change_map(sample.cisc_2020, sample.cisc_2022, str(out))
    assert gdal.Open(str(out)).RasterXSize == sample.width


def test_labels():
    assert change_label(21) == "vegetation -> impervious"
    assert change_label(0) == "bare -> bare"
    assert change_label(13) == "impervious -> water"


@pytest.fixture(scope="module")
def large(tmp_path_factory):
    return df.make_cisc_set(tmp_path_factory.mktemp("changemap_large") / "cisc", 4096, 4096, seed=3,
                            with_dates=False)


class _CancelAt(EngineFeedback):
    """Cancels once progress reaches `percent`; records GDAL's block-cache use above `base`."""

    def __init__(self, percent):
        self.percent = percent
        self.base = gdal.GetCacheUsed()
        self.peak_cache = 0
        self.cancelled_at = None

    def set_progress(self, percent):
        self.peak_cache = max(self.peak_cache, gdal.GetCacheUsed() - self.base)
        if percent >= self.percent and self.cancelled_at is None:
            self.cancelled_at = time.perf_counter()

    def is_cancelled(self):
        return self.cancelled_at is not None


def test_cancel_is_quick_bounded_and_leaves_nothing(large, tmp_path, monkeypatch):
    """Written tiles leave GDAL's cache as the map is written and input blocks are dropped as
    readers are reopened: the cache holds a bounded amount (not GDAL_CACHEMAX of tiles that a
    cancel would have to compress and write), and a cancel drops the output at once."""
    from cisc_impervious.plugin.core import changemap

    monkeypatch.setattr(changemap, "FLUSH_PIXELS", 4 * changemap.OUTPUT_TILE ** 2, raising=False)  # 4 of 64 tiles
    monkeypatch.setattr(changemap.ThreadReaders, "TASKS_PER_READER", 4, raising=False)
    feedback = _CancelAt(75.0)
    with pytest.raises(CiscCancelled):
        write_change_map(large.cisc_2020, large.cisc_2022, str(tmp_path / "change.tif"), large.valid_mask_2020,
                         large.valid_mask_2022, feedback=feedback, threads=2)
    latency = time.perf_counter() - feedback.cancelled_at
    assert latency < 5.0
    assert os.listdir(tmp_path) == []  # no temporary file, no output
    # without the flushes the cache held about 100 MB here: 75 % of four inputs and the output
    assert 0 < feedback.peak_cache < 48e6, f"{feedback.peak_cache / 1e6:.0f} MB in GDAL's cache"


def test_flushed_and_reopened_map_is_exact(sample, tmp_path, monkeypatch):
    from cisc_impervious.plugin.core import changemap

    monkeypatch.setattr(changemap, "FLUSH_PIXELS", 1)  # every tile goes to disk at once
    monkeypatch.setattr(changemap.ThreadReaders, "TASKS_PER_READER", 1)  # new readers for every tile
    out = tmp_path / "change.tif"
    write_change_map(sample.cisc_2020, sample.cisc_2022, str(out), sample.valid_mask_2020, sample.valid_mask_2022,
                     threads=2)
    np.testing.assert_array_equal(df.read_array(out), expected(sample))
