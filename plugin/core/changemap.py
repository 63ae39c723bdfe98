"""Change map between two CISC years: one GeoTIFF, streamed tile by tile.

Value = 10 x class_from + class_to (0..33) where the pixel is valid in both years, 255
(nodata) elsewhere. The output lies on the FROM raster's grid (optionally clipped to an
extent), is tiled and DEFLATE-compressed, and is written to a temporary file in the output's
folder that is renamed into place only when every tile is written: a cancelled or failed run
leaves no output behind.

No Qt, no qgis: numpy and osgeo.gdal (reading through raster_io.RasterReader).
"""

import logging
import math
import os
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Callable, List, Optional, Sequence, Tuple

import numpy as np

from .checks import check_cisc_raster, check_mask, require_same_grid
from .errors import CiscCancelled, CiscError
from .feedback import EngineFeedback
from .messages import CoreMessage
from .raster_io import GridInfo, RasterReader

log = logging.getLogger("cisc_impervious.core.changemap")

CHANGE_NODATA = 255
OUTPUT_TILE = 512
MAX_CLASS = 3


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
    output's folder and renamed into place by commit(); discard() removes the temporary file."""

    def __init__(self, path: str, width: int, height: int, geotransform, crs_wkt: str, gdal_type: int,
                 nodata: float, tile: int = OUTPUT_TILE, predictor: int = 2):
        from osgeo import gdal

        self.path = os.path.abspath(str(path))
        folder = os.path.dirname(self.path) or "."
        if not os.path.isdir(folder):
            try:
                os.makedirs(folder, exist_ok=True)
            except OSError as exc:
                raise CiscError(f"{self.path}: cannot create the output folder ({exc.strerror}).") from None
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
        try:
            self._dataset = gdal.GetDriverByName("GTiff").Create(
                self.temp_path, int(width), int(height), 1, gdal_type, options=options
            )
        except RuntimeError as exc:
            raise CiscError(f"{self.path}: cannot be written ({str(exc).strip()}).") from None
        if self._dataset is None:  # GDAL not raising exceptions: its mode is QGIS's, not ours
            raise CiscError(f"{self.path}: cannot be written ({gdal.GetLastErrorMsg().strip()}).")
        self._dataset.SetGeoTransform(tuple(geotransform))
        if crs_wkt:
            self._dataset.SetProjection(crs_wkt)
        self.band = self._dataset.GetRasterBand(1)
        self.band.SetNoDataValue(nodata)

    def write(self, col: int, row: int, array: np.ndarray) -> None:
        try:
            failed = self.band.WriteArray(array, int(col), int(row)) != 0
        except RuntimeError as exc:
            raise CiscError(f"{self.path}: write failed ({str(exc).strip()}).") from None
        if failed:
            from osgeo import gdal

            raise CiscError(f"{self.path}: write failed ({gdal.GetLastErrorMsg().strip()}).")

    def commit(self) -> str:
        self.band.FlushCache()
        self.band = None
        self._dataset.FlushCache()
        self._dataset = None
        for suffix in ("", ".aux.xml"):
            target = self.path + suffix
            if suffix and os.path.exists(target):
                os.remove(target)
        try:
            os.replace(self.temp_path, self.path)
        except OSError as exc:
            self.discard()
            raise CiscError(f"{self.path}: cannot be written ({exc.strerror}).") from None
        aux = self.temp_path + ".aux.xml"
        if os.path.exists(aux):
            os.replace(aux, self.path + ".aux.xml")
        return self.path

    def discard(self) -> None:
        self.band = None
        self._dataset = None
        for path in (self.temp_path, self.temp_path + ".aux.xml"):
            try:
                os.remove(path)
            except OSError:
                pass


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

    def write(task, result):
        array, count = result
        writer.write(task[0], task[1], array)
        total[0] += count

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
    """One RasterReader per thread and raster (readers are not thread-safe)."""

    def __init__(self, target: GridInfo, infos: Sequence[Optional[GridInfo]]):
        self._target = target
        self._infos = list(infos)
        self._local = threading.local()
        self._all = []
        self._lock = threading.Lock()

    def get(self) -> List[Optional[RasterReader]]:
        readers = getattr(self._local, "readers", None)
        if readers is None:
            readers = [RasterReader(info, self._target) if info is not None else None for info in self._infos]
            self._local.readers = readers
            with self._lock:
                self._all.extend(r for r in readers if r is not None)
        return readers

    def close(self):
        with self._lock:
            for reader in self._all:
                try:
                    reader.close()
                except Exception:  # noqa: BLE001
                    pass
            self._all = []


def year_validity(values: np.ndarray, info: GridInfo, mask: Optional[np.ndarray], mask_info: Optional[GridInfo],
                  other_values: str, outside: Optional[np.ndarray] = None) -> np.ndarray:
    """Boolean array of valid pixels, by the engine's rule: value 0..3, mask present and non-zero
    (and not the mask's nodata tag); a nodata tag above 3 is invalid, one in 0..3 is ignored.
    With other_values="error", a value above 3 on a valid-mask pixel inside the raster that is
    not the nodata tag raises CiscError naming the file. `outside`: pixels beyond the raster."""
    valid = (values >= 0) & (values <= MAX_CLASS)
    in_mask = None
    if mask is not None:
        in_mask = mask != 0
        if mask_info is not None and mask_info.nodata is not None and mask_info.nodata != 0:
            in_mask &= mask != mask_info.nodata
        valid &= in_mask
    if outside is not None:
        valid &= ~outside
    if other_values == "error":
        other = values > MAX_CLASS
        nodata = info.nodata
        if nodata is not None and not math.isnan(nodata) and nodata > MAX_CLASS:
            other &= values != nodata
        if in_mask is not None:
            other &= in_mask
        if outside is not None:
            other &= ~outside
        if other.any():
            bad = int(values[other][0])
            raise CiscError(
                f"{info.path}: holds the value {bad}, which is not a CISC class (0 bare/other, 1 impervious, "
                "2 vegetation, 3 water). Is this a CISC raster? Use cisc_<year>.tif as published."
            )
    return valid


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


def valid_window(reader, mask_reader, mask_info, col, row, width, height, other_values):
    """(values, valid) of a window of the target grid for one year."""
    values = reader.read_window(col, row, width, height, fill=255)
    mask = mask_reader.read_window(col, row, width, height, fill=0) if mask_reader is not None else None
    outside = outside_raster(reader, col, row, width, height)
    return values, year_validity(values, reader.info, mask, mask_info, other_values, outside)


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
    masks = [
        check_mask(str(mask_path), raster_info, feedback) if mask_path else None
        for mask_path, raster_info in ((from_mask, from_info), (to_mask, to_info))
    ]
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
        a, valid = valid_window(r_from, r_mask_from, masks[0], src_col, src_row, width, height, other_values)
        b, valid_to = valid_window(r_to, r_mask_to, masks[1], src_col, src_row, width, height, other_values)
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
