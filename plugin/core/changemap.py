"""Change map between two CISC years: one GeoTIFF, streamed tile by tile.

Value = 10 x class_from + class_to (0..33) where the pixel is valid in both years, 255
(nodata) elsewhere. The output lies on the FROM raster's grid (optionally clipped to an
extent), is tiled and DEFLATE-compressed, and is written to a temporary file in the output's
folder that is renamed into place only when every tile is written: a cancelled or failed run
leaves no output behind.

No Qt, no qgis: numpy and osgeo.gdal (reading through raster_io.RasterReader).
"""

import contextlib
import logging
import math
import os
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Callable, List, Optional, Sequence, Tuple

import numpy as np

from .checks import check_cisc_raster, check_mask, require_overlap, require_same_grid
from .errors import CiscCancelled, CiscError
from .feedback import EngineFeedback
from .messages import CoreMessage
from .outputs import GEOTIFF_EXTENSIONS, check_output_path, make_output_folder, write_error
from .raster_io import GridInfo, RasterReader
from .validity import YearRule, year_rule

log = logging.getLogger("cisc_impervious.core.changemap")

CHANGE_NODATA = 255
OUTPUT_TILE = 512
# Written tiles leave GDAL's block cache every this many pixels (64 tiles of 512 x 512): the
# cache never holds more unwritten output than that (bounded memory), and a cancel has little
# left to compress when the output is dropped.
FLUSH_PIXELS = 64 * OUTPUT_TILE * OUTPUT_TILE


@dataclass(frozen=True)
class OutputWindow:
    """The output raster's place on the source grid: pixel window (col, row, width, height)."""

    col: int
    row: int
    width: int
    height: int


def extent_window(info: GridInfo, extent: Optional[Sequence[float]]) -> OutputWindow:
    """Pixels of info's grid touched by extent (xmin, ymin, xmax, ymax), clipped to the raster."""
    if extent is None:
        return OutputWindow(0, 0, info.width, info.height)
    xmin, ymin, xmax, ymax = (float(v) for v in extent)
    if not all(math.isfinite(v) for v in (xmin, ymin, xmax, ymax)) or not (xmax > xmin and ymax > ymin):
        raise CiscError(CoreMessage(
            "The extent ({xmin}, {ymin}, {xmax}, {ymax}) has no area; choose an extent with a width and a "
            "height, or leave it empty for the whole raster.",
            xmin=f"{xmin:g}", ymin=f"{ymin:g}", xmax=f"{xmax:g}", ymax=f"{ymax:g}",
        ))
    x0, dx, _, y0, _, dy = info.geotransform
    c0 = math.floor((xmin - x0) / dx + 1e-9)
    c1 = math.ceil((xmax - x0) / dx - 1e-9)
    r0 = math.floor((ymax - y0) / dy + 1e-9)
    r1 = math.ceil((ymin - y0) / dy - 1e-9)
    c0, r0 = max(c0, 0), max(r0, 0)
    c1, r1 = min(c1, info.width), min(r1, info.height)
    if c1 <= c0 or r1 <= r0:
        raise CiscError(
            f"{info.path}: the extent ({xmin:g}, {ymin:g}, {xmax:g}, {ymax:g}) does not overlap the raster; "
            "choose an extent inside it."
        )
    return OutputWindow(c0, r0, c1 - c0, r1 - r0)


class AtomicGeoTiff:
    """A tiled, DEFLATE-compressed single-band GeoTIFF written to a temporary file in the
    output's folder and renamed into place by commit(); discard() removes the temporary file.

    Every write, the flush and the close are checked (GDAL reports a failed write, e.g. a full
    disk, as an error, not always as an exception), and the closed file is verified before it gets
    the output's name: it must open with the expected size and every tile must lie inside the
    file. A failure raises outputs.write_error (a full disk says so), removes the temporary file
    and leaves an existing output untouched."""

    def __init__(self, path: str, width: int, height: int, geotransform, crs_wkt: str, gdal_type: int,
                 nodata: float, tile: int = OUTPUT_TILE, predictor: int = 2):
        from osgeo import gdal

        self.path = os.path.abspath(str(path))
        self.width, self.height, self.tile = int(width), int(height), int(tile)
        folder = make_output_folder(self.path)
        base = os.path.basename(self.path)
        self.temp_path = os.path.join(folder, f".{base}.{uuid.uuid4().hex[:8]}.part.tif")
        options = [
            "TILED=YES",
            f"BLOCKXSIZE={tile}",
            f"BLOCKYSIZE={tile}",
            "COMPRESS=DEFLATE",
            f"PREDICTOR={predictor}",
            "BIGTIFF=IF_SAFER",
        ]
        self._dataset = self.band = None
        gdal.ErrorReset()
        self._dataset, problem = _attempt(
            gdal.GetDriverByName("GTiff").Create, self.temp_path, self.width, self.height, 1, gdal_type,
            options=options,
        )
        if problem:
            self._fail(problem)
        if self._dataset is None:  # GDAL not raising exceptions: its mode is QGIS's, not ours
            self._fail(gdal.GetLastErrorMsg())
        def describe():
            self._dataset.SetGeoTransform(tuple(geotransform))
            if crs_wkt:
                self._dataset.SetProjection(crs_wkt)
            self.band = self._dataset.GetRasterBand(1)
            self.band.SetNoDataValue(nodata)

        _, problem = _attempt(describe)
        if problem:
            self._fail(problem)
        self._check_errors()

    def _fail(self, detail: str, error_number=None):
        """Raise the write error of this output, its temporary file removed (looked at first, so
        that a full disk is still full when write_error checks it)."""
        error = write_error(self.path, detail, error_number)
        self.discard()
        raise error

    def _check_errors(self):
        """_fail when GDAL recorded an error since the last gdal.ErrorReset() (this thread)."""
        from osgeo import gdal

        if gdal.GetLastErrorType() >= gdal.CE_Failure:
            self._fail(gdal.GetLastErrorMsg())

    def write(self, col: int, row: int, array: np.ndarray) -> None:
        from osgeo import gdal

        gdal.ErrorReset()
        code, problem = _attempt(self.band.WriteArray, array, int(col), int(row))
        if problem or code != 0:
            self._fail(problem or gdal.GetLastErrorMsg() or "write failed")
        self._check_errors()

    def commit(self) -> str:
        from osgeo import gdal

        gdal.ErrorReset()
        _, problem = _attempt(lambda: (self.band.FlushCache(), self._dataset.FlushCache()))
        if problem:
            self._fail(problem)
        self._check_errors()
        self.band = None
        dataset, self._dataset = self._dataset, None
        try:
            if hasattr(dataset, "Close"):  # GDAL >= 3.8 reports errors of the close
                dataset.Close()
            dataset = None  # older GDAL: the last reference closes the file, errors go to GDAL's state
        except RuntimeError as exc:
            dataset = None
            self._fail(str(exc))
        self._check_errors()
        problem = self._verify()
        if problem:
            self._fail(problem)
        for suffix in ("", ".aux.xml"):
            target = self.path + suffix
            if suffix and os.path.exists(target):
                os.remove(target)
        try:
            os.replace(self.temp_path, self.path)
        except OSError as exc:
            self._fail(exc.strerror or str(exc), exc.errno)
        aux = self.temp_path + ".aux.xml"
        if os.path.exists(aux):
            os.replace(aux, self.path + ".aux.xml")
        return self.path

    def _verify(self) -> str:
        """"" when the closed temporary file is a complete GeoTIFF of the expected size, else what
        is wrong: it reopens with the expected size, every tile lies inside the file, and the first
        and last tiles decode."""
        from osgeo import gdal

        try:
            size = os.path.getsize(self.temp_path)
        except OSError as exc:
            return exc.strerror or str(exc)
        gdal.ErrorReset()
        try:
            dataset = gdal.Open(self.temp_path)
        except RuntimeError as exc:
            return str(exc)
        if dataset is None:
            return gdal.GetLastErrorMsg() or "the written file cannot be opened"
        try:
            if (dataset.RasterXSize, dataset.RasterYSize, dataset.RasterCount) != (self.width, self.height, 1):
                return "the written file does not have the expected size"
            band = dataset.GetRasterBand(1)
            tiles_x = -(-self.width // self.tile)
            tiles_y = -(-self.height // self.tile)
            for ty in range(tiles_y):
                for tx in range(tiles_x):
                    offset = band.GetMetadataItem(f"BLOCK_OFFSET_{tx}_{ty}", "TIFF")
                    length = band.GetMetadataItem(f"BLOCK_SIZE_{tx}_{ty}", "TIFF")
                    if not offset or not length or int(offset) + int(length) > size:
                        return f"tile {tx}, {ty} is missing or cut short: the file is incomplete"
            last = ((tiles_x - 1) * self.tile, (tiles_y - 1) * self.tile)
            for col, row in ((0, 0), last):
                width, height = min(self.tile, self.width - col), min(self.tile, self.height - row)
                gdal.ErrorReset()
                if band.ReadRaster(col, row, width, height) is None or gdal.GetLastErrorType() >= gdal.CE_Failure:
                    return gdal.GetLastErrorMsg() or "a tile of the written file cannot be read"
        except RuntimeError as exc:
            return str(exc)
        finally:
            band = None
            dataset = None
        return ""

    def flush_tiles(self) -> None:
        """Write the tiles written so far to the file and drop them from GDAL's block cache."""
        from osgeo import gdal

        gdal.ErrorReset()
        _, problem = _attempt(self.band.FlushCache)
        if problem:
            self._fail(problem)
        self._check_errors()

    def discard(self) -> None:
        """Drop the output. Closing the dataset still writes the tiles GDAL has cached (GDAL 3.6
        cannot drop them unwritten), which flush_tiles() keeps to at most FLUSH_PIXELS."""
        self.band = None
        dataset, self._dataset = self._dataset, None
        if dataset is not None and hasattr(dataset, "MarkSuppressOnClose"):
            # GDAL >= 3.8: the file is deleted on close, its cached tiles never written (writing
            # them to a full disk while closing crashed GDAL 3.10)
            with contextlib.suppress(RuntimeError):
                dataset.MarkSuppressOnClose()
        # the last reference closes it (no explicit Close(): after a failed write, Close() followed
        # by the object's release crashed GDAL 3.10)
        dataset = None  # the file is being dropped: a failing close changes nothing
        for path in (self.temp_path, self.temp_path + ".aux.xml"):
            try:
                os.remove(path)
            except OSError:
                pass


def _attempt(call, *args, **kwargs):
    """(result, None) of a GDAL call, or (None, its error text) when it raised.

    The exception is dropped here, before anyone closes the dataset: its traceback holds the
    frames of GDAL's Python helpers (gdal_array.BandWriteArray...), which hold the band, and
    closing a dataset while a band proxy is still alive crashes GDAL >= 3.8 (seen on 3.10 with a
    full disk)."""
    try:
        return call(*args, **kwargs), None
    except RuntimeError as exc:
        return None, str(exc) or type(exc).__name__


def tile_windows(width: int, height: int, tile: int) -> List[Tuple[int, int, int, int]]:
    return [
        (col, row, min(tile, width - col), min(tile, height - row))
        for row in range(0, height, tile)
        for col in range(0, width, tile)
    ]


def write_tiles(writer: AtomicGeoTiff, readers: "ThreadReaders", tasks: Sequence, compute: Callable,
                feedback: EngineFeedback, threads: Optional[int] = None) -> Tuple[str, int]:
    """Write compute(task) -> (array, count) at each task's (col, row) through writer; return the
    committed path and the sum of the counts. The output appears only once every tile is written:
    an error or a cancel discards it. The readers are closed either way."""
    total = [0]
    unflushed = [0]

    def write(task, result):
        array, count = result
        writer.write(task[0], task[1], array)
        total[0] += count
        unflushed[0] += array.size
        if unflushed[0] >= FLUSH_PIXELS:
            unflushed[0] = 0
            writer.flush_tiles()

    try:
        run_tiles(tasks, compute, write, feedback, threads)
        if feedback.is_cancelled():
            raise CiscCancelled()
        path = writer.commit()
    except BaseException:
        writer.discard()
        raise
    finally:
        readers.close()
    return path, total[0]


def run_tiles(tasks: Sequence, compute: Callable, write: Callable, feedback: EngineFeedback,
              threads: Optional[int] = None, progress_span: Tuple[float, float] = (0.0, 100.0)) -> None:
    """compute(task) in up to `threads` threads (readers are per thread), write(task, result)
    in the calling thread in task order; cancel checked between tasks."""
    threads = max(1, int(threads or os.cpu_count() or 1))
    total = max(len(tasks), 1)
    start, span = progress_span[0], progress_span[1] - progress_span[0]
    if threads == 1 or len(tasks) <= 1:
        for index, task in enumerate(tasks):
            if feedback.is_cancelled():
                raise CiscCancelled()
            write(task, compute(task))
            feedback.set_progress(start + span * (index + 1) / total)
        return
    batch = threads * 2
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="cisc-tiles") as pool:
        done = 0
        for first in range(0, len(tasks), batch):
            if feedback.is_cancelled():
                raise CiscCancelled()
            chunk = tasks[first : first + batch]
            futures = [pool.submit(compute, task) for task in chunk]
            try:
                for task, future in zip(chunk, futures):
                    result = future.result()
                    write(task, result)
                    done += 1
                    feedback.set_progress(start + span * done / total)
                    if feedback.is_cancelled():
                        raise CiscCancelled()
            finally:
                for future in futures:
                    future.cancel()


class ThreadReaders:
    """One RasterReader per thread and raster (readers are not thread-safe), reopened every
    TASKS_PER_READER tasks: closing a dataset drops the blocks GDAL cached for it, so the input
    blocks held in memory stay bounded (tasks x files x threads) whatever the raster's size."""

    TASKS_PER_READER = 32

    def __init__(self, target: GridInfo, infos: Sequence[Optional[GridInfo]]):
        self._target = target
        self._infos = list(infos)
        self._local = threading.local()
        self._all = []
        self._lock = threading.Lock()

    def get(self) -> List[Optional[RasterReader]]:
        readers = getattr(self._local, "readers", None)
        uses = getattr(self._local, "uses", 0)
        if readers is not None and uses >= self.TASKS_PER_READER:
            with self._lock:
                self._all = [r for r in self._all if all(r is not own for own in readers)]
            for reader in readers:
                if reader is not None:
                    reader.close()
            readers = None
        if readers is None:
            readers = [RasterReader(info, self._target) if info is not None else None for info in self._infos]
            self._local.readers = readers
            uses = 0
            with self._lock:
                self._all.extend(r for r in readers if r is not None)
        self._local.uses = uses + 1
        return readers

    def close(self):
        with self._lock:
            for reader in self._all:
                with contextlib.suppress(Exception):  # closing after an error: the error is what counts
                    reader.close()
            self._all = []


def outside_raster(reader: RasterReader, col: int, row: int, width: int, height: int) -> Optional[np.ndarray]:
    """Boolean array of a window's pixels beyond the reader's raster (None when there are none)."""
    info, offset = reader.info, reader.offset
    if offset is None:
        return None  # resampled reads: the fill value (255) marks them invalid
    c0, r0 = col + offset[0], row + offset[1]
    if c0 >= 0 and r0 >= 0 and c0 + width <= info.width and r0 + height <= info.height:
        return None
    cols = np.arange(c0, c0 + width)
    rows = np.arange(r0, r0 + height)
    return ~(((rows >= 0) & (rows < info.height))[:, None] & ((cols >= 0) & (cols < info.width))[None, :])


def valid_window(reader, mask_reader, rule: YearRule, col, row, width, height):
    """(values, valid) of a window of the target grid for one year, by validity.YearRule."""
    values = reader.read_window(col, row, width, height, fill=255)
    mask = mask_reader.read_window(col, row, width, height, fill=0) if mask_reader is not None else None
    outside = outside_raster(reader, col, row, width, height)
    return values, rule.valid(values, mask, outside)


def write_change_map(
    from_path: str,
    to_path: str,
    out_path: str,
    from_mask: Optional[str] = None,
    to_mask: Optional[str] = None,
    *,
    extent: Optional[Sequence[float]] = None,
    feedback: Optional[EngineFeedback] = None,
    threads: Optional[int] = None,
    other_values: str = "invalid",
) -> dict:
    """Write the change map of FROM -> TO to out_path; return {"path", "width", "height", "valid_pixels"}.

    extent: (xmin, ymin, xmax, ymax) in the rasters' CRS, or None for the FROM raster's extent.
    """
    feedback = feedback or EngineFeedback()
    from_info = check_cisc_raster(str(from_path))
    to_info = check_cisc_raster(str(to_path))
    require_same_grid(from_info, to_info)
    require_overlap(from_info, to_info)
    out_path = check_output_path(out_path, (from_path, to_path, from_mask, to_mask), GEOTIFF_EXTENSIONS)
    masks = [
        check_mask(str(mask_path), raster_info, feedback) if mask_path else None
        for mask_path, raster_info in ((from_mask, from_info), (to_mask, to_info))
    ]
    rules = [year_rule(info, mask, feedback, other_values) for info, mask in zip((from_info, to_info), masks)]
    window = extent_window(from_info, extent)
    x0, dx, rx, y0, ry, dy = from_info.geotransform
    geotransform = (x0 + window.col * dx, dx, rx, y0 + window.row * dy, ry, dy)

    from osgeo import gdal

    writer = AtomicGeoTiff(out_path, window.width, window.height, geotransform, from_info.crs_wkt,
                           gdal.GDT_Byte, CHANGE_NODATA)
    readers = ThreadReaders(from_info, [from_info, to_info, masks[0], masks[1]])

    def compute(task):
        col, row, width, height = task
        src_col, src_row = col + window.col, row + window.row
        r_from, r_to, r_mask_from, r_mask_to = readers.get()
        a, valid = valid_window(r_from, r_mask_from, rules[0], src_col, src_row, width, height)
        b, valid_to = valid_window(r_to, r_mask_to, rules[1], src_col, src_row, width, height)
        valid &= valid_to
        out = np.full((height, width), CHANGE_NODATA, dtype=np.uint8)
        out[valid] = (a[valid].astype(np.uint8) * 10 + b[valid].astype(np.uint8))
        return out, int(np.count_nonzero(valid))

    path, valid_pixels = write_tiles(writer, readers, tile_windows(window.width, window.height, OUTPUT_TILE),
                                     compute, feedback, threads)
    if from_mask is None or to_mask is None:
        missing = [p for p, m in ((from_path, from_mask), (to_path, to_mask)) if not m]
        log.info(CoreMessage(
            "No valid mask for {rasters}: every pixel inside the raster with a value 0..3 was taken as valid.",
            rasters=", ".join(str(m) for m in missing),
        ))
    return {"path": path, "width": window.width, "height": window.height, "valid_pixels": valid_pixels}


CHANGE_LABELS_EN = {0: "bare", 1: "impervious", 2: "vegetation", 3: "water"}


def change_code(class_from: int, class_to: int) -> int:
    return 10 * int(class_from) + int(class_to)


def change_label(code: int) -> str:
    return f"{CHANGE_LABELS_EN[code // 10]} -> {CHANGE_LABELS_EN[code % 10]}"
