"""Masked zonal statistics and change statistics over CISC rasters, streamed block by block.

How a run goes:
1. Zones become runs of pixel centres on the first raster's grid (rasterize.zone_runs).
   Their lengths give every zone's count of pixel centres, inside the rasters or not.
2. The grid is cut into strips one read block high; a strip is worked on by one thread and
   only the blocks that some zone touches are read. A block wholly inside every zone present
   in it is counted once with whole-array counts. In a block crossed by a boundary each
   pixel's class (or transition) becomes a one in a counter packed into 64-bit words, and
   one np.add.reduceat over the block's runs counts every class of every run at once: no
   per-pixel zone raster is ever built.
3. Counts are integers summed per zone, so results do not depend on block size or the
   number of threads.

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

from .checks import (
    check_cisc_raster,
    check_mask,
    find_valid_mask,
    linear_unit_metres,
    require_overlap,
    require_same_grid,
)
from .dataset import CLASS_CODES, IMPERVIOUS
from .errors import CiscCancelled
from .feedback import EngineFeedback
from .fields import CHANGE_FIELDS, TRANSITION_FIELDS, ZONAL_FIELDS, class_area_field
from .messages import CoreMessage
from .raster_io import GridInfo, RasterReader, aligned_offset, is_network_path
from .rasterize import zone_runs
from .validity import mask_invalid, mask_nodata_tag, nodata_tag, other_value_error, other_values

__all__ = [
    "zonal_statistics",
    "change_statistics",
    "check_cisc_raster",
    "find_valid_mask",
    "zone_pixel_counts",
]

DEFAULT_BLOCK_SIZE = 512
RASTER_FILL = 255  # read beyond a raster's edge: not a class, so invalid
MASK_FILL = 0  # beyond a mask's edge: invalid
# Readers are reopened after this many blocks: closing a dataset drops the blocks GDAL cached
# for it, so the cache stays bounded (blocks x files x threads) whatever the raster's size.
BLOCKS_PER_READER = 32
BLOCKS_PER_WINDOW = 8
# On cancel (or an error) the run waits this long for the strips being read, then returns: a
# read blocked on a hung server (streaming) cannot be interrupted; its thread finishes it (the
# streaming timeouts bound it) and closes its own readers.
CANCEL_GRACE = 0.25
OTHER_VALUE_MODES = ("invalid", "error")

# A year's pixel code: its class 0..3, or 16 or more when invalid (INVALID is or-ed in).
# Then a class code is valid when below 4, and the transition code 4 * from + to is
# 0..15 when both years are valid and 16 or more otherwise: no clamping pass is needed.
INVALID = 16
MAX_BLOCK_SIZE = 4096


def _packed_luts(code_count: int, bits: int):
    """Lookup tables code -> 64-bit words holding one `bits`-wide counter per valid code.

    Summing the words of a run's pixels counts each code of the run in its own counter;
    codes code_count and above (invalid) add nothing."""
    per_word = 64 // bits
    luts = []
    for first in range(0, code_count, per_word):
        lut = np.zeros(256, dtype=np.uint64)
        for code in range(first, min(first + per_word, code_count)):
            lut[code] = np.uint64(1) << np.uint64(bits * (code - first))
        luts.append(lut)
    return luts


# classes: four 16-bit counters in one word; transitions: sixteen 8-bit counters in two
# words, so runs are cut to at most 255 pixels for them
_PACKING = {4: (16, _packed_luts(4, 16)), 16: (8, _packed_luts(16, 8))}


@dataclass
class _Year:
    raster: GridInfo
    mask: Optional[GridInfo]
    class_lut: np.ndarray  # uint8 value -> class 0..3 or INVALID
    nodata: Optional[float] = None  # the raster's nodata tag (validity.nodata_tag)
    mask_nodata: Optional[float] = None  # the mask's (validity.mask_nodata_tag)


# -- public API -------------------------------------------------------------------


def zonal_statistics(
    raster_path: str,
    zones: Sequence,
    mask_path: Optional[str] = None,
    *,
    feedback: Optional[EngineFeedback] = None,
    threads: Optional[int] = None,
    block_size: Optional[int] = None,
    other_values: str = "invalid",
    zone_labels: Optional[Sequence] = None,
    unmeasurable: Sequence[int] = (),
) -> List[dict]:
    """Class areas of valid pixels per zone; one dict per zone with the keys of ZONAL_FIELDS.

    zones: polygon geometries (WKB bytes or OGR geometries, None for none) in the raster's CRS.
    A zone whose coordinates are not finite (or impossibly far), or listed in unmeasurable (its
    index: e.g. a zone the caller could not transform), gets None everywhere and a warning naming
    it (zone_labels[i], e.g. its feature id; else its position, from 1).
    """
    feedback = feedback or EngineFeedback()
    raster = check_cisc_raster(raster_path)
    year = _prepare_year(raster, mask_path, feedback)
    run = _StatisticsRun([year], zones, 4, feedback, threads, block_size, other_values)
    counts, totals = run.execute()
    pixel_km2 = _pixel_km2(raster)
    rows = [_zonal_row(counts[index], totals[index], pixel_km2) for index in range(len(totals))]
    return _null_unmeasurable(rows, run.unmeasurable, unmeasurable, ZONAL_FIELDS, zone_labels, feedback)


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
    other_values: str = "invalid",
    zone_labels: Optional[Sequence] = None,
    unmeasurable: Sequence[int] = (),
) -> List[dict]:
    """Transitions between two years per zone, over pixels valid in both; keys of CHANGE_FIELDS
    (valid_pct and invalid_km2 over the zone's pixel centres, as in zonal_statistics)."""
    feedback = feedback or EngineFeedback()
    first = check_cisc_raster(from_path)
    second = check_cisc_raster(to_path)
    require_same_grid(first, second)
    require_overlap(first, second)
    years = [_prepare_year(first, from_mask, feedback), _prepare_year(second, to_mask, feedback)]
    run = _StatisticsRun(years, zones, 16, feedback, threads, block_size, other_values)
    counts, totals = run.execute()
    pixel_km2 = _pixel_km2(first)
    rows = [_change_row(counts[index], totals[index], pixel_km2) for index in range(len(totals))]
    return _null_unmeasurable(rows, run.unmeasurable, unmeasurable, CHANGE_FIELDS, zone_labels, feedback)


def zone_pixel_counts(zones: Sequence, geotransform) -> np.ndarray:
    """Pixel centres inside each zone on the grid of geotransform (no raster read)."""
    return zone_runs(zones, geotransform).pixel_counts


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


def _change_row(transition_counts: np.ndarray, total: int, pixel_km2: float) -> dict:
    matrix = transition_counts.reshape(4, 4).astype(np.int64)
    imperv_from = int(matrix[IMPERVIOUS, :].sum())
    imperv_to = int(matrix[:, IMPERVIOUS].sum())
    stayed = int(matrix[IMPERVIOUS, IMPERVIOUS])
    valid = int(matrix.sum())
    row = {
        "valid_km2": valid * pixel_km2,
        "invalid_km2": (int(total) - valid) * pixel_km2,
        "valid_pct": _percent(valid, int(total)),
    }
    for name, count in zip(TRANSITION_FIELDS, matrix.ravel()):
        row[name] = int(count) * pixel_km2
    row["imperv_from_km2"] = imperv_from * pixel_km2
    row["imperv_to_km2"] = imperv_to * pixel_km2
    row["gain_km2"] = (imperv_to - stayed) * pixel_km2
    row["loss_km2"] = (imperv_from - stayed) * pixel_km2
    row["net_km2"] = (imperv_to - imperv_from) * pixel_km2
    row["growth_pct"] = _percent(imperv_to - imperv_from, imperv_from)
    return {name: row[name] for name in CHANGE_FIELDS}


MAX_NAMED_ZONES = 10


def _null_unmeasurable(rows, found, given, fields, zone_labels, feedback):
    """Rows of zones without a measurable geometry (found: rasterize.ZoneRuns.unmeasurable; given:
    the caller's, e.g. zones it could not transform) become all None, with one warning naming them."""
    unmeasurable = sorted({int(index) for index in found} | {int(index) for index in given if 0 <= index < len(rows)})
    if not unmeasurable:
        return rows
    names = []
    for index in unmeasurable:
        rows[index] = {name: None for name in fields}
        label = zone_labels[index] if zone_labels is not None and index < len(zone_labels) else index + 1
        names.append(str(label))
    shown = ", ".join(names[:MAX_NAMED_ZONES]) + (", ..." if len(names) > MAX_NAMED_ZONES else "")
    feedback.warning(CoreMessage(
        "{count} zone(s) have no usable coordinates in the raster's CRS (not transformable, not finite "
        "numbers such as a latitude beyond 90 degrees transformed, or impossibly far away): {zones}. Their "
        "figures are NULL; the other zones are not affected. Check these geometries and the layer's CRS.",
        count=len(names), zones=shown,
    ))
    return rows


# -- inputs ---------------------------------------------------------------------------


def _prepare_year(raster: GridInfo, mask_path: Optional[str], feedback: EngineFeedback) -> _Year:
    """The year's lookup table and validity rule (plugin/core/validity.py: values 0..3 are
    classes; the nodata tag and every other value are invalid)."""
    lut = np.full(256, INVALID, dtype=np.uint8)
    lut[:4] = np.arange(4, dtype=np.uint8)
    nodata = nodata_tag(raster, feedback)
    mask = None
    if mask_path:
        mask = check_mask(mask_path, raster, feedback)
    return _Year(raster, mask, lut, nodata, mask_nodata_tag(mask))


# -- the run -------------------------------------------------------------------------


class _StatisticsRun:
    def __init__(self, years, zones, code_count, feedback, threads, block_size, other_values):
        if other_values not in OTHER_VALUE_MODES:
            raise ValueError(f"other_values must be one of {OTHER_VALUE_MODES}")
        self.years: List[_Year] = years
        self.target = years[0].raster
        self.code_count = code_count  # 4 classes or 16 transitions; code_count itself = invalid
        self.feedback = feedback
        self.threads = max(1, int(threads or os.cpu_count() or 1))
        self.block_size = int(block_size or _natural_block_size(self.target))
        if not 1 <= self.block_size <= MAX_BLOCK_SIZE:
            raise ValueError(f"block_size must be within 1..{MAX_BLOCK_SIZE}")
        self.strict = other_values == "error"
        self.cancel_event = threading.Event()
        # streamed files are read in worker threads even with threads=1: cancel never waits for the network
        self.remote = any(
            is_network_path(info.path) for year in years for info in (year.raster, year.mask) if info is not None
        )
        self.other_value_pixels = 0
        self._lock = threading.Lock()
        self._local = threading.local()
        self._reader_sets = []
        self.runs = zone_runs(zones, self.target.geotransform, self.threads)
        self.zone_count = len(self.runs.pixel_counts)
        self.unmeasurable = self.runs.unmeasurable

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
        totals = self.runs.pixel_counts
        counts = np.zeros((self.zone_count, self.code_count), dtype=np.int64)
        col0, row0, col1, row1 = self._region()
        self.region = (col0, row0, col1, row1)
        if col1 <= col0 or row1 <= row0 or not self.zone_count:
            self.feedback.set_progress(100.0)
            return counts, totals
        self._clip_runs_to_region()
        size = self.block_size
        strips = [
            (max(start, row0), min(start + size, row1))
            for start in range((row0 // size) * size, row1, size)
        ]
        strips = [strip for strip in strips if self._strip_slice(*strip).stop > self._strip_slice(*strip).start]
        self.feedback.info(CoreMessage(
            "Counting {zones} zone(s) over {strips} strip(s) of {size}-pixel blocks on {threads} thread(s).",
            zones=self.zone_count, strips=len(strips), size=size, threads=min(self.threads, max(1, len(strips))),
        ))
        try:
            if (self.threads == 1 or len(strips) <= 1) and not self.remote:
                for done, strip in enumerate(strips, start=1):
                    self._check_cancel()
                    self._add(counts, self._process_strip(*strip))
                    self.feedback.set_progress(100.0 * done / len(strips))
            else:
                self._run_threads(strips, counts)
        finally:
            self._close_all_readers()
        if self.other_value_pixels:
            self.feedback.warning(CoreMessage(
                "{count} pixel(s) in the blocks read hold values other than the "
                "CISC classes 0..3 (and the nodata tag); they are counted as invalid.",
                count=self.other_value_pixels,
            ))
        return counts, totals

    def _run_threads(self, strips, counts):
        queue_length = 2 * self.threads  # keeps cores busy while few results wait in memory
        strip_iter = iter(strips)
        pending = set()
        done = 0
        pool = ThreadPoolExecutor(max_workers=self.threads, thread_name_prefix="cisc-stats")
        try:
            while True:
                self._check_cancel()
                for strip in strip_iter:
                    pending.add(pool.submit(self._strip_in_thread, *strip))
                    if len(pending) >= queue_length:
                        break
                if not pending:
                    return
                finished, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
                for future in finished:
                    self._add(counts, future.result())
                    done += 1
                    self.feedback.set_progress(100.0 * done / len(strips))
        except BaseException as exc:
            # running strips stop at their next block; queued ones never start; a read blocked
            # on a hung server is not waited for beyond CANCEL_GRACE
            self.cancel_event.set()
            for future in pending:
                future.cancel()
            wait(pending, timeout=CANCEL_GRACE)
            if not isinstance(exc, CiscCancelled) and self.feedback.is_cancelled():
                raise CiscCancelled() from None  # a read that failed after cancel: cancelled all the same
            raise
        finally:
            pool.shutdown(wait=False)

    def _strip_in_thread(self, row_start, row_stop):
        reader_set = self._thread_readers()
        reader_set.enter()
        try:
            return self._process_strip(row_start, row_stop)
        finally:
            reader_set.leave()

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
    def _clip_runs_to_region(self):
        """Keep the runs' parts inside the region (the totals already hold the rest)."""
        col0, row0, col1, row1 = self.region
        runs, self.runs = self.runs, None  # clipped in place: one copy of the runs in memory
        starts = np.maximum(runs.starts, col0, out=runs.starts)
        ends = np.minimum(runs.ends, col1, out=runs.ends)
        keep = (ends > starts) & (runs.rows >= row0) & (runs.rows < row1)
        if keep.all():
            self.run_zones, self.run_rows, self.run_starts, self.run_ends = runs.zones, runs.rows, starts, ends
        else:
            self.run_zones, self.run_rows = runs.zones[keep], runs.rows[keep]
            self.run_starts, self.run_ends = starts[keep], ends[keep]

    def _strip_slice(self, row_start, row_stop) -> slice:
        return slice(*np.searchsorted(self.run_rows, [row_start, row_stop]))

    def _strip_pieces(self, row_start, row_stop):
        """Zone runs in the strip's rows (runs are sorted by row)."""
        rows = self._strip_slice(row_start, row_stop)
        if rows.stop <= rows.start:
            return None
        return self.run_zones[rows], self.run_rows[rows], self.run_starts[rows], self.run_ends[rows]

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
        # sorted by block, row and column: runs of a block come in reading order
        col0, _, col1, _ = self.region
        # one int64 key: argsort is far cheaper than a lexsort of the three columns
        order = np.argsort((block_col * (row_stop - row_start) + (rows - row_start)) * (col1 + 1) + starts,
                           kind="stable")
        block_col, zone_ids, rows, starts, ends = (
            block_col[order], zone_ids[order], rows[order], starts[order], ends[order]
        )
        # runs of one zone never overlap, so an overlap means overlapping zones
        overlap = (block_col[1:] == block_col[:-1]) & (rows[1:] == rows[:-1]) & (starts[1:] < ends[:-1])
        overlapping_blocks = set(block_col[1:][overlap].tolist())
        boundaries = np.flatnonzero(np.diff(block_col)) + 1
        groups = np.split(np.arange(block_col.size), boundaries)
        strip_counts = np.zeros((self.zone_count, self.code_count), dtype=np.int64)
        reader_set = self._thread_readers()
        for window_groups in _read_windows(groups, block_col):
            if self.cancel_event.is_set():
                return None
            first_block = int(block_col[window_groups[0][0]])
            last_block = int(block_col[window_groups[-1][0]])
            window_col0 = max(first_block * size, col0)
            window_col1 = min((last_block + 1) * size, col1)
            window = (window_col0, row_start, window_col1 - window_col0, row_stop - row_start)
            codes, clean = self._read_codes(reader_set.next_window(len(window_groups)), window)
            if codes is None:
                continue  # no valid pixel in these blocks
            blocks = []
            for group in window_groups:
                index = int(block_col[group[0]])
                block_col0 = max(index * size, col0) - window_col0
                block_col1 = min((index + 1) * size, col1) - window_col0
                runs = (zone_ids[group], rows[group] - row_start, starts[group] - window_col0 - block_col0,
                        ends[group] - window_col0 - block_col0)
                covering = _zones_covering(*runs, codes.shape[0], block_col1 - block_col0)
                blocks.append((index, block_col0, block_col1, runs, covering))
            first_covering = blocks[0][4]
            if first_covering is not None and all(
                block[4] is not None and np.array_equal(block[4], first_covering) for block in blocks
            ):
                # the same zones cover every block of the window: count the window at once
                strip_counts[first_covering] += self._code_counts(codes, clean)
                continue
            for index, block_col0, block_col1, runs, covering in blocks:
                view = codes[:, block_col0:block_col1]
                if covering is not None:
                    strip_counts[covering] += self._code_counts(view, clean)
                else:
                    self._count_block(view, index in overlapping_blocks, *runs, strip_counts)
        zones_in_strip = np.unique(zone_ids)
        return zones_in_strip, strip_counts[zones_in_strip]

    def _thread_readers(self) -> "_ReaderSet":
        reader_set = getattr(self._local, "readers", None)
        if reader_set is None:
            reader_set = self._local.readers = _ReaderSet(self._open_readers)
            with self._lock:
                self._reader_sets.append(reader_set)
        return reader_set

    def _close_all_readers(self):
        with self._lock:
            for reader_set in self._reader_sets:
                reader_set.retire()  # a set still reading is closed by its thread when the read returns
            self._reader_sets.clear()

    def _open_readers(self):
        readers = []
        for year in self.years:
            raster = RasterReader(year.raster, self.target)
            mask = RasterReader(year.mask, self.target) if year.mask is not None else None
            readers.append((raster, mask))
        return readers

    def _read_codes(self, readers, window):
        """Per-pixel codes of the window (class 0..3 or transition 0..15; other values are
        invalid) and whether all are valid; (None, False) when no pixel of the window is valid."""
        year_codes = []
        clean = True
        for year, (raster_reader, mask_reader) in zip(self.years, readers):
            invalid = None
            if mask_reader is not None:
                mask = mask_reader.read_window(*window, fill=MASK_FILL)
                invalid = mask_invalid(mask, year.mask_nodata)
                if invalid.all():
                    return None, False
                if not invalid.any():
                    invalid = None
            raw = raster_reader.read_window(*window, fill=RASTER_FILL)
            if raw.dtype == np.uint8 and raw.max() <= 3:
                codes = raw  # the usual case: nothing but class values, no lookup needed
            elif raw.dtype != np.uint8 and raw.min() >= 0 and raw.max() <= 3:
                codes = raw.astype(np.uint8)
            else:
                # other values are judged as stored (-1, 257), before the 8-bit lookup
                self._check_other_values(raw, year, invalid)
                codes = year.class_lut[self._as_uint8(raw)]
                clean = False
            if invalid is not None:
                clean = False
                # or-ing 16 in is far faster than np.where with an irregular mask
                codes |= invalid.view(np.uint8) << np.uint8(4)
            year_codes.append(codes)
        if len(year_codes) == 1:
            return year_codes[0], clean
        transitions = year_codes[0] * np.uint8(4)
        transitions += year_codes[1]
        return transitions, clean

    @staticmethod
    def _as_uint8(values):
        if values.dtype == np.uint8:
            return values
        out_of_range = (values < 0) | (values > 255)
        values = values.astype(np.uint8)
        values[out_of_range] = 255
        return values

    def _check_other_values(self, values, year, invalid):
        """Values neither a class nor the nodata tag on pixels the mask calls valid (validity.py):
        an error naming the value (strict), else counted for one warning."""
        other = other_values(values, year.nodata, None if invalid is None else ~invalid)
        count = int(np.count_nonzero(other))
        if not count:
            return
        if self.strict:
            raise other_value_error(year.raster.path, values[other][0], year.nodata)
        with self._lock:
            self.other_value_pixels += count

    # -- counting ---------------------------------------------------------------------
    def _count_block(self, codes, overlapping, zone_ids, rows, starts, ends, out):
        """Add to out the counts per zone of a block crossed by zone boundaries; runs come
        sorted by row and column."""
        width = codes.shape[1]
        bits, _ = _PACKING[self.code_count]
        if bits < 16:
            _, zone_ids, rows, starts, ends = _split_at_multiples(zone_ids, rows, starts, ends, (1 << bits) - 1)
        packed = _PackedBlock(codes, self.code_count)
        flat_starts = rows * width + starts
        flat_ends = rows * width + ends
        if overlapping:
            # runs of one zone never overlap: count zone by zone
            for zone in np.unique(zone_ids):
                mine = zone_ids == zone
                out[zone] += self._zone_counts(
                    packed, flat_starts[mine], flat_ends[mine], np.zeros(mine.sum(), np.int64), 1
                )[0]
            return
        # zone ids offset to start at 0 index the counts directly (no sort, unlike np.unique)
        first_zone = zone_ids.min()
        local = zone_ids - first_zone
        zone_span = int(local.max()) + 1
        out[first_zone : first_zone + zone_span] += self._zone_counts(
            packed, flat_starts, flat_ends, local, zone_span
        )

    def _zone_counts(self, packed, flat_starts, flat_ends, local, zone_count):
        """Per-zone code counts over disjoint, sorted runs [start, end) of the block."""
        bits, _ = _PACKING[self.code_count]
        field_mask = np.uint64((1 << bits) - 1)
        per_word = 64 // bits
        counts = np.zeros((zone_count, self.code_count), dtype=np.int64)
        for word_index, run_sums in enumerate(packed.run_sums(flat_starts, flat_ends)):
            first = word_index * per_word
            for code in range(first, min(first + per_word, self.code_count)):
                field = (run_sums >> np.uint64(bits * (code - first))) & field_mask
                counts[:, code] = np.bincount(local, weights=field, minlength=zone_count)
        return counts

    def _code_counts(self, codes, clean=False):
        """Counts of each valid code in a block (whole-array counts, the fast path).
        clean: the block holds valid codes only, so one class is what the others leave."""
        if self.code_count == 4:
            counts = np.empty(4, dtype=np.int64)
            for code in (1, 2, 3):
                counts[code] = np.count_nonzero(codes == code)
            counts[0] = codes.size - counts[1:].sum() if clean else np.count_nonzero(codes == 0)
            return counts
        return _histogram(codes, self.code_count)


_PAIR_LUTS = {}


def _pair_luts(code_count: int):
    """Per packed word, the table of a pair of pixels (read as one uint16) -> their summed word."""
    if code_count not in _PAIR_LUTS:
        pair = np.arange(65536)
        first, second = (pair & 255, pair >> 8) if np.little_endian else (pair >> 8, pair & 255)
        _PAIR_LUTS[code_count] = [lut[first] + lut[second] for lut in _PACKING[code_count][1]]
    return _PAIR_LUTS[code_count]


class _PackedBlock:
    """A block's codes as packed counter words, looked up two pixels at a time.

    Looking pixels up in pairs (the codes seen as uint16) halves the costliest step; a run
    that starts or ends in the middle of a pair gets that pixel's word added alone."""

    def __init__(self, codes: np.ndarray, code_count: int):
        flat = codes.ravel()
        if flat.size % 2:
            flat = np.append(flat, np.uint8(255))  # an invalid code completes the last pair
        self.codes = flat
        self.luts = _PACKING[code_count][1]
        pairs = flat.view(np.uint16)
        self.pair_words = [pair_lut[pairs] for pair_lut in _pair_luts(code_count)]

    def run_sums(self, flat_starts, flat_ends):
        """For each packed word, the sum over each run [start, end) (runs sorted, disjoint)."""
        first_pair = (flat_starts + 1) // 2
        end_pair = flat_ends // 2
        has_pairs = end_pair > first_pair
        bounds = np.empty(2 * int(has_pairs.sum()), dtype=np.int64)
        bounds[0::2] = first_pair[has_pairs]
        bounds[1::2] = end_pair[has_pairs]
        pair_count = self.pair_words[0].size
        if bounds.size and bounds[-1] == pair_count:
            bounds = bounds[:-1]  # reduceat's last segment runs to the end anyway
        lead = flat_starts % 2 == 1  # the run starts on the second pixel of a pair
        tail = flat_ends % 2 == 1  # the run ends on the first pixel of a pair
        lead_codes = self.codes[flat_starts[lead]]
        tail_codes = self.codes[flat_ends[tail] - 1]
        sums = []
        for lut, words in zip(self.luts, self.pair_words):
            run_sum = np.zeros(flat_starts.size, dtype=np.uint64)
            if bounds.size:
                # even segments are the runs' pairs; odd ones the gaps between runs, ignored
                run_sum[has_pairs] = np.add.reduceat(words, bounds)[0::2]
            run_sum[lead] += lut[lead_codes]
            run_sum[tail] += lut[tail_codes]
            sums.append(run_sum)
        return sums


def _histogram(codes: np.ndarray, code_count: int) -> np.ndarray:
    """Counts of codes 0..code_count-1 in a uint8 array.

    Counting pixel pairs (the array seen as uint16) halves bincount's work; each code is
    then counted from the pair table's row (first of a pair) and column (second)."""
    flat = codes.ravel()
    if flat.size % 2:
        return np.bincount(flat, minlength=256)[:code_count]
    pairs = np.bincount(flat.view(np.uint16), minlength=65536).reshape(256, 256)
    if np.little_endian:
        second, first = pairs.sum(axis=1), pairs.sum(axis=0)
    else:
        first, second = pairs.sum(axis=1), pairs.sum(axis=0)
    return (first + second)[:code_count]


def _natural_block_size(info: GridInfo) -> int:
    """The raster's tile size (or a divisor of it) so that each block read decodes whole tiles."""
    tile_w, tile_h = info.block_size
    if tile_w != tile_h or tile_w < 64:
        return DEFAULT_BLOCK_SIZE
    size = tile_w
    while size > MAX_BLOCK_SIZE:
        size //= 2
    return size


def _zones_covering(zone_ids, rows, starts, ends, height, width):
    """The zones present in a block if each covers all of it, else None."""
    if not np.all((starts == 0) & (ends == width)):
        return None
    # runs of one zone never overlap, so a zone covers the block when it has a full run in every row
    present, per_zone = np.unique(zone_ids, return_counts=True)
    return present if np.all(per_zone == height) else None


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


def _read_windows(groups, block_col):
    """Group the blocks to count into read windows: runs of adjacent blocks, at most
    BLOCKS_PER_WINDOW long. One read and one decoding pass per window instead of per block
    saves per-call overhead; counting still goes block by block."""
    window = []
    for group in groups:
        index = block_col[group[0]]
        if window and (index != block_col[window[-1][0]] + 1 or len(window) == BLOCKS_PER_WINDOW):
            yield window
            window = []
        window.append(group)
    if window:
        yield window


class _ReaderSet:
    """The readers one thread uses, reopened every BLOCKS_PER_READER blocks."""

    def __init__(self, open_readers):
        self._open_readers = open_readers
        self._readers = None
        self._blocks = 0
        self._state_lock = threading.Lock()
        self._busy = False
        self._retired = False

    def enter(self):
        with self._state_lock:
            self._busy = True

    def leave(self):
        with self._state_lock:
            self._busy = False
            retired = self._retired
        if retired:
            self.close()

    def retire(self):
        """The run is over: close now, or (from another thread, while this set is reading) once
        the read returns; no reader is opened again."""
        with self._state_lock:
            self._retired = True
            if self._busy:
                return
        self.close()

    def next_window(self, blocks: int):
        if self._retired:
            raise CiscCancelled()
        if self._readers is None or self._blocks >= BLOCKS_PER_READER:
            self.close()
            self._readers = self._open_readers()
        self._blocks += blocks
        return self._readers

    def close(self):
        _close_readers(self._readers)
        self._readers = None
        self._blocks = 0


def _close_readers(readers):
    if not readers:
        return
    for raster, mask in readers:
        raster.close()
        if mask is not None:
            mask.close()
