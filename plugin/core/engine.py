"""Masked zonal statistics and change statistics over CISC rasters, streamed block by block.

How a run goes:
1. Each zone becomes runs of pixel centres on the first raster's grid (rasterize.Spans).
   Their lengths give every zone's count of pixel centres, inside the rasters or not.
2. The grid is cut into strips one read block high; a strip is worked on by one thread and
   only the blocks that some zone touches are read. Every block is cut into cells: a cell
   wholly inside each zone present in it is counted once with fast whole-array counts; a
   cell crossed by a boundary gets a per-pixel zone label and one bincount.
3. Counts are integers summed per zone, so results do not depend on block size, cell size
   or the number of threads.

Valid pixel: inside the raster, mask present and non-zero there, value 0..3. For change
statistics a pixel must be valid in both years.
"""

import os
import threading
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass
from math import ceil, floor
from typing import List, Optional, Sequence

import numpy as np

from .checks import check_cisc_raster, check_mask, find_valid_mask, linear_unit_metres, require_same_grid
from .dataset import CLASS_CODES, IMPERVIOUS
from .errors import CiscCancelled, CiscError
from .feedback import EngineFeedback
from .fields import CHANGE_FIELDS, TRANSITION_FIELDS, ZONAL_FIELDS, class_area_field
from .raster_io import GridInfo, RasterReader, aligned_offset
from .rasterize import Spans, geometry_spans

__all__ = [
    "zonal_statistics",
    "change_statistics",
    "check_cisc_raster",
    "find_valid_mask",
    "zone_pixel_counts",
]

DEFAULT_BLOCK_SIZE = 512
DEFAULT_CELL_SIZE = 256
RASTER_FILL = 255  # read beyond a raster's edge: not a class, so invalid
MASK_FILL = 0  # beyond a mask's edge: invalid
BLOCKS_PER_READER = 32  # reopen readers this often so GDAL's block cache cannot grow with the raster
OTHER_VALUE_MODES = ("invalid", "error")

# class value -> code 0..3; every other value -> 4 (invalid)
_CLASS_CODE_LUT = np.full(256, 4, dtype=np.uint8)
_CLASS_CODE_LUT[:4] = np.arange(4, dtype=np.uint8)
# (from code 0..4) * 5 + (to code 0..4) -> transition 4 * from + to, or 16 when either is invalid
_TRANSITION_LUT = np.full(25, 16, dtype=np.uint8)
for _a in range(4):
    for _b in range(4):
        _TRANSITION_LUT[_a * 5 + _b] = _a * 4 + _b


@dataclass
class _Year:
    raster: GridInfo
    mask: Optional[GridInfo]
    class_lut: np.ndarray  # raster value -> code 0..4, nodata tag folded in


# -- public API -------------------------------------------------------------------


def zonal_statistics(
    raster_path: str,
    zones: Sequence,
    mask_path: Optional[str] = None,
    *,
    feedback: Optional[EngineFeedback] = None,
    threads: Optional[int] = None,
    block_size: Optional[int] = None,
    cell_size: Optional[int] = None,
    other_values: str = "invalid",
) -> List[dict]:
    """Class areas of valid pixels per zone; one dict per zone with the keys of ZONAL_FIELDS.

    zones: polygon geometries (WKB bytes or OGR geometries, None for none) in the raster's CRS.
    """
    feedback = feedback or EngineFeedback()
    raster = check_cisc_raster(raster_path)
    year = _prepare_year(raster, mask_path, feedback)
    run = _StatisticsRun([year], zones, 4, feedback, threads, block_size, cell_size, other_values)
    counts, totals = run.execute()
    pixel_km2 = _pixel_km2(raster)
    return [_zonal_row(counts[index], totals[index], pixel_km2) for index in range(len(totals))]


def change_statistics(
    from_path: str,
    to_path: str,
    zones: Sequence,
    from_mask: Optional[str] = None,
    to_mask: Optional[str] = None,
    *,
    feedback: Optional[EngineFeedback] = None,
    threads: Optional[int] = None,
    block_size: Optional[int] = None,
    cell_size: Optional[int] = None,
    other_values: str = "invalid",
) -> List[dict]:
    """Transitions between two years per zone, over pixels valid in both; keys of CHANGE_FIELDS."""
    feedback = feedback or EngineFeedback()
    first = check_cisc_raster(from_path)
    second = check_cisc_raster(to_path)
    require_same_grid(first, second)
    years = [_prepare_year(first, from_mask, feedback), _prepare_year(second, to_mask, feedback)]
    run = _StatisticsRun(years, zones, 16, feedback, threads, block_size, cell_size, other_values)
    counts, totals = run.execute()
    pixel_km2 = _pixel_km2(first)
    return [_change_row(counts[index], pixel_km2) for index in range(len(totals))]


def zone_pixel_counts(zones: Sequence, geotransform) -> np.ndarray:
    """Pixel centres inside each zone on the grid of geotransform (no raster read)."""
    return np.array([geometry_spans(zone, geotransform).pixel_count for zone in zones], dtype=np.int64)


# -- rows ---------------------------------------------------------------------------


def _pixel_km2(info: GridInfo) -> float:
    metres = linear_unit_metres(info)
    return info.pixel_width * metres * info.pixel_height * metres / 1e6


def _percent(part: float, whole: float):
    return None if whole == 0 else 100.0 * part / whole


def _zonal_row(class_counts: np.ndarray, total: int, pixel_km2: float) -> dict:
    valid = int(class_counts.sum())
    row = {
        "valid_km2": valid * pixel_km2,
        "invalid_km2": (int(total) - valid) * pixel_km2,
        "valid_pct": _percent(valid, int(total)),
    }
    for code in CLASS_CODES:
        row[class_area_field(code)] = int(class_counts[code]) * pixel_km2
    row["imperv_pct"] = _percent(int(class_counts[IMPERVIOUS]), valid)
    return {name: row[name] for name in ZONAL_FIELDS}


def _change_row(transition_counts: np.ndarray, pixel_km2: float) -> dict:
    matrix = transition_counts.reshape(4, 4).astype(np.int64)
    imperv_from = int(matrix[IMPERVIOUS, :].sum())
    imperv_to = int(matrix[:, IMPERVIOUS].sum())
    stayed = int(matrix[IMPERVIOUS, IMPERVIOUS])
    row = {"valid_km2": int(matrix.sum()) * pixel_km2}
    for name, count in zip(TRANSITION_FIELDS, matrix.ravel()):
        row[name] = int(count) * pixel_km2
    row["imperv_from_km2"] = imperv_from * pixel_km2
    row["imperv_to_km2"] = imperv_to * pixel_km2
    row["gain_km2"] = (imperv_to - stayed) * pixel_km2
    row["loss_km2"] = (imperv_from - stayed) * pixel_km2
    row["net_km2"] = (imperv_to - imperv_from) * pixel_km2
    row["growth_pct"] = _percent(imperv_to - imperv_from, imperv_from)
    return {name: row[name] for name in CHANGE_FIELDS}


# -- inputs ---------------------------------------------------------------------------


def _prepare_year(raster: GridInfo, mask_path: Optional[str], feedback: EngineFeedback) -> _Year:
    lut = _CLASS_CODE_LUT.copy()
    nodata = raster.nodata
    if nodata is not None and float(nodata).is_integer() and 0 <= nodata <= 255:
        if nodata <= 3:
            feedback.warning(
                f"{raster.path}: its nodata tag ({int(nodata)}) is also a CISC class value; "
                "the tag is ignored and the valid mask alone decides which pixels are valid."
            )
        else:
            lut[int(nodata)] = 4
    mask = None
    if mask_path:
        mask = check_mask(mask_path, raster)
        if aligned_offset(raster, mask) is None:
            feedback.warning(
                f"{mask_path}: the valid mask's grid (pixel size {mask.pixel_width:g}) is not aligned "
                f"with that of {raster.path} (pixel size {raster.pixel_width:g}); it is resampled "
                "(nearest: the mask pixel under each raster pixel's centre)."
            )
    return _Year(raster, mask, lut)


def _zone_spans(zones: Sequence, geotransform) -> List[Spans]:
    spans = []
    for index, zone in enumerate(zones):
        try:
            spans.append(geometry_spans(zone, geotransform))
        except CiscError as exc:
            raise CiscError(f"Zone {index + 1}: {exc}") from None
    return spans


# -- the run -------------------------------------------------------------------------


class _StatisticsRun:
    def __init__(self, years, zones, code_count, feedback, threads, block_size, cell_size, other_values):
        if other_values not in OTHER_VALUE_MODES:
            raise ValueError(f"other_values must be one of {OTHER_VALUE_MODES}")
        self.years: List[_Year] = years
        self.target = years[0].raster
        self.code_count = code_count  # 4 classes or 16 transitions; code_count itself = invalid
        self.feedback = feedback
        self.threads = max(1, int(threads or os.cpu_count() or 1))
        tile_w, tile_h = self.target.block_size
        natural = tile_w if tile_w == tile_h and 64 <= tile_w <= 4096 else DEFAULT_BLOCK_SIZE
        self.block_size = int(block_size or natural)
        self.cell_size = int(min(cell_size or DEFAULT_CELL_SIZE, self.block_size))
        if self.block_size < 1 or self.cell_size < 1:
            raise ValueError("block and cell sizes must be positive")
        self.strict = other_values == "error"
        self.cancel_event = threading.Event()
        self.other_value_pixels = 0
        self._lock = threading.Lock()
        self.zones = _zone_spans(zones, self.target.geotransform)
        self.zone_count = len(self.zones)

    # region where a pixel can be valid, in target pixel coordinates
    def _region(self):
        col0, row0, col1, row1 = 0, 0, self.target.width, self.target.height
        for year in self.years:
            for info in (year.raster, year.mask):
                if info is None or info is self.target:
                    continue
                c0, r0, c1, r1 = self._extent_in_target(info)
                col0, row0, col1, row1 = max(col0, c0), max(row0, r0), min(col1, c1), min(row1, r1)
        return col0, row0, col1, row1

    def _extent_in_target(self, info: GridInfo):
        offset = aligned_offset(self.target, info)
        if offset is not None:
            return -offset[0], -offset[1], info.width - offset[0], info.height - offset[1]
        gt = self.target.geotransform
        xmin, ymin, xmax, ymax = info.bounds
        return (
            floor((xmin - gt[0]) / gt[1]) - 1,
            floor((ymax - gt[3]) / gt[5]) - 1,
            ceil((xmax - gt[0]) / gt[1]) + 1,
            ceil((ymin - gt[3]) / gt[5]) + 1,
        )

    def execute(self):
        totals = np.array([spans.pixel_count for spans in self.zones], dtype=np.int64)
        counts = np.zeros((self.zone_count, self.code_count), dtype=np.int64)
        col0, row0, col1, row1 = self._region()
        self.region = (col0, row0, col1, row1)
        if col1 <= col0 or row1 <= row0 or not self.zone_count:
            self.feedback.set_progress(100.0)
            return counts, totals
        self._index_zones()
        size = self.block_size
        strips = [
            (max(start, row0), min(start + size, row1))
            for start in range((row0 // size) * size, row1, size)
        ]
        strips = [strip for strip in strips if self._zones_in_rows(*strip).size]
        self.feedback.info(
            f"Counting {self.zone_count} zone(s) over {len(strips)} strip(s) of {size}-pixel blocks "
            f"on {min(self.threads, max(1, len(strips)))} thread(s)."
        )
        if self.threads == 1 or len(strips) <= 1:
            for done, strip in enumerate(strips, start=1):
                self._check_cancel()
                self._add(counts, self._process_strip(*strip))
                self.feedback.set_progress(100.0 * done / len(strips))
        else:
            self._run_threads(strips, counts)
        if self.other_value_pixels:
            self.feedback.warning(
                f"{self.other_value_pixels} pixel(s) in the blocks read hold values other than the "
                "CISC classes 0..3 (and the nodata tag); they are counted as invalid."
            )
        return counts, totals

    def _run_threads(self, strips, counts):
        pending = set()
        done = 0
        strip_iter = iter(strips)
        with ThreadPoolExecutor(max_workers=self.threads, thread_name_prefix="cisc-stats") as pool:
            try:
                # a few strips queued per thread keeps cores busy while results stay few in memory
                for strip in strip_iter:
                    pending.add(pool.submit(self._process_strip, *strip))
                    if len(pending) >= 2 * self.threads:
                        break
                while pending:
                    finished, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
                    if self.feedback.is_cancelled():
                        self.cancel_event.set()
                    for future in finished:
                        self._add(counts, future.result())
                        done += 1
                        self.feedback.set_progress(100.0 * done / len(strips))
                        if not self.cancel_event.is_set():
                            for strip in strip_iter:
                                pending.add(pool.submit(self._process_strip, *strip))
                                break
                self._check_cancel()
            except BaseException:
                self.cancel_event.set()
                for future in pending:
                    future.cancel()
                raise

    def _check_cancel(self):
        if self.feedback.is_cancelled():
            self.cancel_event.set()
        if self.cancel_event.is_set():
            raise CiscCancelled()

    @staticmethod
    def _add(counts, partial):
        if partial is not None:
            zone_ids, zone_counts = partial
            np.add.at(counts, zone_ids, zone_counts)

    # -- zones per strip --------------------------------------------------------------
    def _index_zones(self):
        first = np.full(self.zone_count, np.iinfo(np.int64).max, dtype=np.int64)
        last = np.full(self.zone_count, np.iinfo(np.int64).min, dtype=np.int64)
        for index, spans in enumerate(self.zones):
            if len(spans):
                first[index], last[index] = spans.rows[0], spans.rows[-1]
        self.zone_first_row, self.zone_last_row = first, last

    def _zones_in_rows(self, row_start, row_stop):
        return np.flatnonzero((self.zone_first_row < row_stop) & (self.zone_last_row >= row_start))

    def _strip_pieces(self, row_start, row_stop):
        """Zone runs in the strip's rows, clipped to the region's columns."""
        col0, _, col1, _ = self.region
        parts = []
        for zone in self._zones_in_rows(row_start, row_stop):
            spans = self.zones[zone].row_slice(row_start, row_stop)
            if len(spans):
                parts.append((zone, spans))
        if not parts:
            return None
        zone_ids = np.concatenate([np.full(len(s), z, dtype=np.int64) for z, s in parts])
        rows = np.concatenate([s.rows for _, s in parts])
        starts = np.maximum(np.concatenate([s.starts for _, s in parts]), col0)
        ends = np.minimum(np.concatenate([s.ends for _, s in parts]), col1)
        keep = ends > starts
        if not keep.any():
            return None
        return zone_ids[keep], rows[keep], starts[keep], ends[keep]

    # -- work of one thread ---------------------------------------------------------------
    def _process_strip(self, row_start, row_stop):
        if self.cancel_event.is_set():
            return None
        pieces = self._strip_pieces(row_start, row_stop)
        if pieces is None:
            return None
        zone_ids, rows, starts, ends = pieces
        size = self.block_size
        block_col, zone_ids, rows, starts, ends = _split_at_multiples(zone_ids, rows, starts, ends, size)
        order = np.argsort(block_col, kind="stable")
        block_col, zone_ids, rows, starts, ends = (
            block_col[order], zone_ids[order], rows[order], starts[order], ends[order]
        )
        boundaries = np.flatnonzero(np.diff(block_col)) + 1
        groups = np.split(np.arange(block_col.size), boundaries)
        col0, _, col1, _ = self.region
        strip_counts = np.zeros((self.zone_count, self.code_count), dtype=np.int64)
        touched = np.zeros(self.zone_count, dtype=bool)
        readers = None
        try:
            for number, group in enumerate(groups):
                if self.cancel_event.is_set():
                    return None
                if number % BLOCKS_PER_READER == 0:
                    # fresh readers drop the blocks GDAL cached for the previous ones
                    _close_readers(readers)
                    readers = self._open_readers()
                index = int(block_col[group[0]])
                window_col0 = max(index * size, col0)
                window_col1 = min((index + 1) * size, col1)
                window = (window_col0, row_start, window_col1 - window_col0, row_stop - row_start)
                codes = self._read_codes(readers, window)
                if codes is None:
                    touched[zone_ids[group]] = True  # counted: no valid pixel in this block
                    continue
                self._count_block(
                    codes,
                    window,
                    zone_ids[group],
                    rows[group] - row_start,
                    starts[group] - window_col0,
                    ends[group] - window_col0,
                    strip_counts,
                )
                touched[zone_ids[group]] = True
        finally:
            _close_readers(readers)
        zones_touched = np.flatnonzero(touched)
        return zones_touched, strip_counts[zones_touched]

    def _open_readers(self):
        readers = []
        for year in self.years:
            raster = RasterReader(year.raster, self.target)
            mask = RasterReader(year.mask, self.target) if year.mask is not None else None
            readers.append((raster, mask))
        return readers

    def _read_codes(self, readers, window):
        """Per-pixel codes of the window (class 0..3 or transition 0..15; code_count = invalid),
        or None when no pixel of the window is valid."""
        year_codes = []
        for year, (raster_reader, mask_reader) in zip(self.years, readers):
            valid = None
            if mask_reader is not None:
                mask = mask_reader.read_window(*window, fill=MASK_FILL)
                valid = mask != 0
                if year.mask.nodata is not None and year.mask.nodata != 0:
                    valid &= mask != year.mask.nodata
                if not valid.any():
                    return None
                if valid.all():
                    valid = None
            values = raster_reader.read_window(*window, fill=RASTER_FILL)
            values = self._as_uint8(values, year.raster)
            codes = year.class_lut[values]
            if valid is not None:
                codes[~valid] = 4
            self._check_other_values(values, codes, year, valid)
            year_codes.append(codes)
        if len(year_codes) == 1:
            return year_codes[0]
        combined = year_codes[0] * np.uint8(5)
        combined += year_codes[1]
        return _TRANSITION_LUT[combined]

    @staticmethod
    def _as_uint8(values, info):
        if values.dtype == np.uint8:
            return values
        out_of_range = (values < 0) | (values > 255)
        values = values.astype(np.uint8)
        values[out_of_range] = 255
        return values

    def _check_other_values(self, values, codes, year, valid):
        if values.max() <= 3:
            return
        other = values > 3
        if year.raster.nodata is not None and 3 < year.raster.nodata <= 255:
            other &= values != np.uint8(year.raster.nodata)
        if valid is not None:
            other &= valid
        count = int(np.count_nonzero(other))
        if not count:
            return
        if self.strict:
            bad_value = int(values[other][0])
            raise CiscError(
                f"{year.raster.path}: holds the value {bad_value}, which is not a CISC class "
                "(0 bare/other, 1 impervious, 2 vegetation, 3 water). Is this a CISC raster?"
            )
        with self._lock:
            self.other_value_pixels += count

    # -- counting ---------------------------------------------------------------------
    def _count_block(self, codes, window, zone_ids, rows, starts, ends, out):
        height, width = codes.shape
        cell = self.cell_size
        cell_col, zone_ids, rows, starts, ends = _split_at_multiples(zone_ids, rows, starts, ends, cell)
        cell_row = rows // cell
        cells_across = (width + cell - 1) // cell
        cell_index = cell_row * cells_across + cell_col
        order = np.argsort(cell_index, kind="stable")
        cell_index, zone_ids, rows, starts, ends = (
            cell_index[order], zone_ids[order], rows[order], starts[order], ends[order]
        )
        boundaries = np.flatnonzero(np.diff(cell_index)) + 1
        for group in np.split(np.arange(cell_index.size), boundaries):
            index = int(cell_index[group[0]])
            r0 = (index // cells_across) * cell
            c0 = (index % cells_across) * cell
            r1, c1 = min(r0 + cell, height), min(c0 + cell, width)
            view = codes[r0:r1, c0:c1]
            self._count_cell(
                view, zone_ids[group], rows[group] - r0, starts[group] - c0, ends[group] - c0, out
            )

    def _count_cell(self, view, zone_ids, rows, starts, ends, out):
        height, width = view.shape
        present, local = np.unique(zone_ids, return_inverse=True)
        full_rows = np.bincount(local[(starts == 0) & (ends == width)], minlength=present.size)
        if np.all(full_rows == height):
            out[present] += self._class_counts(view)
            return
        if _overlapping(rows, starts, ends):
            for number, zone in enumerate(present):
                mine = local == number
                out[zone] += self._labelled_counts(view, np.zeros(mine.sum(), dtype=np.int64),
                                                   rows[mine], starts[mine], ends[mine], 1)[0]
            return
        out[present] += self._labelled_counts(view, local, rows, starts, ends, present.size)

    def _class_counts(self, view):
        codes = self.code_count
        if codes == 4:
            counts = np.empty(4, dtype=np.int64)
            counts[1] = np.count_nonzero(view == 1)
            counts[2] = np.count_nonzero(view == 2)
            counts[3] = np.count_nonzero(view == 3)
            counts[0] = np.count_nonzero(view == 0)
            return counts
        return np.bincount(view.ravel(), minlength=codes + 1)[:codes]

    def _labelled_counts(self, view, local, rows, starts, ends, zone_count):
        """Counts per zone in a cell crossed by boundaries: label each pixel with its zone
        (runs do not overlap here), then one bincount over label and code."""
        height, width = view.shape
        opened = np.zeros((height, width + 1), dtype=np.int32)
        closed = np.zeros((height, width + 1), dtype=np.int32)
        opened[rows, starts] = local + 1
        closed[rows, ends] = local + 1
        labels = np.cumsum(opened[:, :width] - closed[:, :width], axis=1, dtype=np.int32)
        stride = self.code_count + 1
        labels *= stride
        labels += view
        counts = np.bincount(labels.ravel(), minlength=(zone_count + 1) * stride)
        return counts.reshape(zone_count + 1, stride)[1:, : self.code_count]


def _overlapping(rows, starts, ends) -> bool:
    """Whether runs of different zones overlap (runs of one zone never do)."""
    if rows.size < 2:
        return False
    order = np.lexsort((starts, rows))
    rows, starts, ends = rows[order], starts[order], ends[order]
    same_row = rows[1:] == rows[:-1]
    return bool(np.any(same_row & (starts[1:] < ends[:-1])))


def _split_at_multiples(zone_ids, rows, starts, ends, unit):
    """Cut runs at column multiples of unit; return (unit index, zone, row, start, end)."""
    first = starts // unit
    last = (ends - 1) // unit
    pieces = last - first + 1
    if np.all(pieces == 1):
        return first, zone_ids, rows, starts, ends
    source = np.repeat(np.arange(starts.size), pieces)
    offset = np.arange(source.size) - np.repeat(np.cumsum(pieces) - pieces, pieces)
    index = first[source] + offset
    new_starts = np.maximum(starts[source], index * unit)
    new_ends = np.minimum(ends[source], (index + 1) * unit)
    return index, zone_ids[source], rows[source], new_starts, new_ends


def _close_readers(readers):
    if not readers:
        return
    for raster, mask in readers:
        raster.close()
        if mask is not None:
            mask.close()
