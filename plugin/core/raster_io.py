"""Reading rasters window by window through osgeo.gdal (or rasterio, when asked for).

Both paths return the same arrays. GDAL's is the default: it is what QGIS ships everywhere, and
its reads release the GIL so that two threads decode side by side (rasterio's reads, measured
here, scaled far less: 0.40 s against 0.28 s for the same 256 Mpx on two threads).
Readers are not thread-safe: open one per thread.
Set CISC_RASTER_BACKEND=rasterio (or gdal) to force a path, as the tests do.
"""

import os
from dataclasses import dataclass
from typing import Optional, Tuple

import numpy as np
from osgeo import gdal, gdal_array

from .errors import CiscError

try:  # optional: the plugin falls back to GDAL, with the same results
    import rasterio
    from rasterio.windows import Window as RasterioWindow
except Exception:  # ImportError, or a rasterio built against another GDAL
    rasterio = None
    RasterioWindow = None

BACKEND_ENV = "CISC_RASTER_BACKEND"


def backend_name() -> str:
    wanted = os.environ.get(BACKEND_ENV, "").strip().lower()
    if wanted != "rasterio":
        return "gdal"
    if rasterio is None:
        raise CiscError("rasterio was requested (CISC_RASTER_BACKEND=rasterio) but does not import.")
    return "rasterio"


@dataclass(frozen=True)
class GridInfo:
    path: str
    width: int
    height: int
    geotransform: Tuple[float, float, float, float, float, float]
    crs_wkt: str
    band_count: int
    dtype: str  # numpy name of band 1's type
    nodata: Optional[float]
    block_size: Tuple[int, int]  # (columns, rows) of band 1's internal tiles

    @property
    def pixel_width(self) -> float:
        return abs(self.geotransform[1])

    @property
    def pixel_height(self) -> float:
        return abs(self.geotransform[5])

    @property
    def pixel_area_m2(self) -> float:
        return self.pixel_width * self.pixel_height

    @property
    def bounds(self) -> Tuple[float, float, float, float]:
        x0, dx, _, y0, _, dy = self.geotransform
        xs = (x0, x0 + dx * self.width)
        ys = (y0, y0 + dy * self.height)
        return min(xs), min(ys), max(xs), max(ys)

    @property
    def is_north_up(self) -> bool:
        gt = self.geotransform
        return gt[2] == 0 and gt[4] == 0 and gt[1] > 0 and gt[5] < 0


_NETWORK_PREFIXES = ("/vsicurl", "/vsis3", "/vsigs", "/vsiaz", "/vsiadls", "/vsioss", "/vsiswift", "/vsiwebhdfs",
                     "/vsihdfs")


def is_network_path(path: str) -> bool:
    """True for a GDAL path read over the network (/vsicurl/..., /vsizip//vsicurl?..., ...)."""
    text = str(path or "")
    return any(prefix in text for prefix in _NETWORK_PREFIXES)


def _open_gdal(path: str):
    """gdal.Open that raises CiscError whether or not GDAL raises exceptions: the process's
    exception mode belongs to QGIS and the other plugins, so it is never changed here."""
    try:
        dataset = gdal.Open(path)
    except RuntimeError as exc:
        raise CiscError(f"{path}: cannot be opened as a raster ({_first_line(exc)}).") from None
    if dataset is None:
        reason = gdal.GetLastErrorMsg() or "not a raster GDAL can read"
        raise CiscError(f"{path}: cannot be opened as a raster ({_first_line(reason)}).")
    return dataset


def open_info(path: str) -> GridInfo:
    """Describe the raster at path; CiscError naming the file if it cannot be read."""
    path = str(path)
    if not path.startswith("/vsi") and not os.path.exists(path):
        raise CiscError(f"{path}: file not found.")
    dataset = _open_gdal(path)
    if dataset.RasterCount == 0:
        raise CiscError(f"{path}: cannot be opened as a raster (no raster band).")
    band = dataset.GetRasterBand(1)
    numpy_type = gdal_array.GDALTypeCodeToNumericTypeCode(band.DataType)
    block = band.GetBlockSize()
    info = GridInfo(
        path=path,
        width=dataset.RasterXSize,
        height=dataset.RasterYSize,
        geotransform=tuple(dataset.GetGeoTransform()),
        crs_wkt=dataset.GetProjection() or "",
        band_count=dataset.RasterCount,
        dtype=np.dtype(numpy_type).name if numpy_type is not None else "unknown",
        nodata=band.GetNoDataValue(),
        block_size=(int(block[0]), int(block[1])),
    )
    dataset = None
    return info


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else exc.__class__.__name__


class _GdalReader:
    def __init__(self, path: str):
        self._dataset = _open_gdal(path)
        self._band = self._dataset.GetRasterBand(1)
        self.path = path

    def read(self, col: int, row: int, width: int, height: int) -> np.ndarray:
        try:
            data = self._band.ReadAsArray(col, row, width, height)
        except RuntimeError as exc:
            raise CiscError(f"{self.path}: read failed ({_first_line(exc)}).") from None
        if data is None:
            raise CiscError(f"{self.path}: read failed ({_first_line(gdal.GetLastErrorMsg() or 'no data')}).")
        return data

    def drop_cache(self):
        # read-only: flushing writes nothing and drops the dataset's blocks from GDAL's cache
        self._dataset.FlushCache()

    def close(self):
        self._band = None
        self._dataset = None


class _RasterioReader:
    # rasterio has no call that drops a dataset's cached blocks: the file is reopened instead,
    # after this many drops (reopening costs more than a flush)
    DROPS_PER_OPEN = 32

    def __init__(self, path: str):
        self.path = path
        self._dataset = self._open()
        self._drops = 0

    def _open(self):
        try:
            return rasterio.open(self.path)
        except Exception as exc:
            raise CiscError(f"{self.path}: cannot be opened as a raster ({_first_line(exc)}).") from None

    def read(self, col: int, row: int, width: int, height: int) -> np.ndarray:
        if self._dataset is None:
            self._dataset = self._open()
        try:
            return self._dataset.read(1, window=RasterioWindow(col, row, width, height))
        except Exception as exc:
            raise CiscError(f"{self.path}: read failed ({_first_line(exc)}).") from None

    def drop_cache(self):
        self._drops += 1
        if self._drops >= self.DROPS_PER_OPEN:
            self.close()  # reopened at the next read

    def close(self):
        if self._dataset is not None:
            self._dataset.close()
        self._dataset = None
        self._drops = 0


class RasterReader:
    """Reads band 1 in windows given in the pixel grid of another raster (the "target" grid).

    The target grid must share this raster's CRS. When both grids share pixel size and
    alignment, windows are read directly (an integer offset); otherwise the raster is sampled
    nearest at the target pixel centres. Pixels beyond this raster's edge get `fill`.
    """

    def __init__(self, info: GridInfo, target: Optional[GridInfo] = None, backend: str = None):
        self.info = info
        backend = backend or backend_name()
        self._reader = _RasterioReader(info.path) if backend == "rasterio" else _GdalReader(info.path)
        target = target or info
        self.offset = aligned_offset(target, info)  # (col, row) of target's origin in this grid
        self._target = target

    def close(self):
        self._reader.close()

    def drop_cache(self):
        """Forget the blocks decoded so far: for a caller whose windows follow the raster's tiles
        and never come back to them, the cache (GDAL's, shared with QGIS) stays one window."""
        self._reader.drop_cache()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def read_window(self, col: int, row: int, width: int, height: int, fill: int = 0) -> np.ndarray:
        """Window (col, row, width, height) of the target grid, as a 2-D array."""
        if self.offset is None:
            return self._read_resampled(col, row, width, height, fill)
        src_col, src_row = col + self.offset[0], row + self.offset[1]
        c0, r0 = max(src_col, 0), max(src_row, 0)
        c1, r1 = min(src_col + width, self.info.width), min(src_row + height, self.info.height)
        if c0 == src_col and r0 == src_row and c1 - c0 == width and r1 - r0 == height:
            return self._reader.read(c0, r0, width, height)
        data = None
        if c1 > c0 and r1 > r0:
            data = self._reader.read(c0, r0, c1 - c0, r1 - r0)
        out = np.full((height, width), fill, dtype=data.dtype if data is not None else np.uint8)
        if data is not None:
            out[r0 - src_row : r1 - src_row, c0 - src_col : c1 - src_col] = data
        return out

    def _read_resampled(self, col, row, width, height, fill):
        tgt, src = self._target.geotransform, self.info.geotransform
        xs = tgt[0] + (col + np.arange(width) + 0.5) * tgt[1]
        ys = tgt[3] + (row + np.arange(height) + 0.5) * tgt[5]
        src_cols = np.floor((xs - src[0]) / src[1]).astype(np.int64)
        src_rows = np.floor((ys - src[3]) / src[5]).astype(np.int64)
        col_ok = (src_cols >= 0) & (src_cols < self.info.width)
        row_ok = (src_rows >= 0) & (src_rows < self.info.height)
        out = np.full((height, width), fill, dtype=np.uint8)
        if not col_ok.any() or not row_ok.any():
            return out
        c0, c1 = src_cols[col_ok].min(), src_cols[col_ok].max() + 1
        r0, r1 = src_rows[row_ok].min(), src_rows[row_ok].max() + 1
        data = self._reader.read(int(c0), int(r0), int(c1 - c0), int(r1 - r0))
        out = out.astype(data.dtype, copy=False)
        sub = data[np.ix_(src_rows[row_ok] - r0, src_cols[col_ok] - c0)]
        out[np.ix_(np.flatnonzero(row_ok), np.flatnonzero(col_ok))] = sub
        return out


# Two grids are one grid when their pixel sizes differ by less than what moves a pixel centre by
# PIXEL_DRIFT pixel across the larger raster (30 m and 30.00000005 m over 170,000 columns drift
# by 3e-4 pixel: the same grid, written with rounding), and their origins lie within
# ORIGIN_TOLERANCE pixel of a whole pixel of each other.
PIXEL_DRIFT = 0.01
ORIGIN_TOLERANCE = 1e-3


def same_pixel_size(first: GridInfo, second: GridInfo) -> bool:
    """True when the pixel sizes differ by less than PIXEL_DRIFT pixel over the larger raster."""
    f, s = first.geotransform, second.geotransform
    width, height = max(first.width, second.width, 1), max(first.height, second.height, 1)
    return (abs(f[1] - s[1]) * width <= PIXEL_DRIFT * abs(s[1])
            and abs(f[5] - s[5]) * height <= PIXEL_DRIFT * abs(s[5]))


def aligned_offset(target: GridInfo, other: GridInfo, tolerance: float = ORIGIN_TOLERANCE):
    """(col, row) of target's origin in other's grid, or None if the grids are not aligned (see
    same_pixel_size: a pixel size written with rounding is the same grid)."""
    t, o = target.geotransform, other.geotransform
    if not (target.is_north_up and other.is_north_up):
        return None
    if not same_pixel_size(target, other):
        return None
    col = (t[0] - o[0]) / o[1]
    row = (t[3] - o[3]) / o[5]
    if abs(col - round(col)) > tolerance or abs(row - round(row)) > tolerance:
        return None
    return int(round(col)), int(round(row))
