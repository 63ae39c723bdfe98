"""Scheduling of one statistics run: zones to runs, the grid to strips, strips to threads.

1. Zones become runs of pixel centres on the first raster's grid, kept by row band, one band per
   strip (run_bands.py over rasterize.py); their lengths give every zone's count of pixel
   centres, inside the rasters or not.
2. The grid is cut into strips one read block high; a strip is one task for a thread and only
   the blocks that some zone touches are read (block_reading.py), a few adjacent ones per read
   window (strip_plan.py).
3. A strip compacts the ids of the zones present in it and counts into a (present x codes)
   array, window by window (block_counting.py); the run merges it once into the per-zone counts.
   Work and memory of a strip follow the zones and runs in it, never the number of zones or the
   spread of ids.

Counts are integers summed per zone, so results do not depend on block size or thread count.
"""

import os
import threading
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from math import ceil, floor
from typing import List

import numpy as np

from .block_counting import code_counts, count_runs
from .block_reading import CodeReader, ReaderSet, Year
from .errors import CiscCancelled
from .messages import CoreMessage
from .raster_io import GridInfo, aligned_offset, is_network_path
from .run_bands import zone_run_bands
from .strip_plan import plan_strip
from .validity import OTHER_VALUE_MODES

DEFAULT_BLOCK_SIZE = 512
MAX_BLOCK_SIZE = 4096
# On cancel (or an error) the run waits this long for the strips being read, then returns: a
# read blocked on a hung server (streaming) cannot be interrupted; its thread finishes it (the
# streaming timeouts bound it) and closes its own readers.
CANCEL_GRACE = 0.25


class StatisticsRun:
    def __init__(self, years, zones, code_count, feedback, threads, block_size, other_values):
        if other_values not in OTHER_VALUE_MODES:
            raise ValueError(f"other_values must be one of {OTHER_VALUE_MODES}")
        self.years: List[Year] = years
        self.target = years[0].raster
        self.code_count = code_count  # 4 classes or 16 transitions; code_count itself = invalid
        self.feedback = feedback
        self.threads = max(1, int(threads or os.cpu_count() or 1))
        self.block_size = int(block_size or natural_block_size(self.target))
        if not 1 <= self.block_size <= MAX_BLOCK_SIZE:
            raise ValueError(f"block_size must be within 1..{MAX_BLOCK_SIZE}")
        self.cancel_event = threading.Event()
        # streamed files are read in worker threads even with threads=1: cancel never waits for the network
        self.remote = any(
            is_network_path(info.path) for year in years for info in (year.raster, year.mask) if info is not None
        )
        self.reader = CodeReader(years, self.target, other_values == "error")
        self._lock = threading.Lock()
        self._local = threading.local()
        self._reader_sets = []
        self.runs = zone_run_bands(zones, self.target.geotransform, self.block_size, self.threads)
        release_free_memory()  # the scanline's temporaries, freed in its threads' heaps
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
        """(counts per zone and code, pixel centres per zone)."""
        totals = self.runs.pixel_counts
        counts = np.zeros((self.zone_count, self.code_count), dtype=np.int64)
        col0, row0, col1, row1 = self._region()
        self.region = (col0, row0, col1, row1)
        if col1 <= col0 or row1 <= row0 or not self.zone_count:
            self.feedback.set_progress(100.0)
            return counts, totals
        size = self.block_size
        # one strip per band of runs (band b: rows b * size to (b + 1) * size) inside the region
        strips = [(max(band * size, row0), min((band + 1) * size, row1)) for band in self.runs.band_indices()]
        strips = [strip for strip in strips if strip[1] > strip[0]]
        self.feedback.info(CoreMessage(
            "Counting {zones} zone(s) over {strips} strip(s) of {size}-pixel blocks on {threads} thread(s).",
            zones=self.zone_count, strips=len(strips), size=size, threads=min(self.threads, max(1, len(strips))),
        ))
        try:
            if (self.threads == 1 or len(strips) <= 1) and not self.remote:
                for done, strip in enumerate(strips, start=1):
                    self._check_cancel()
                    _add(counts, self._process_strip(*strip))
                    self.feedback.set_progress(100.0 * done / len(strips))
            else:
                self._run_threads(strips, counts)
        finally:
            self._close_all_readers()
            self.runs.bands.clear()  # what cancel or an error left: the rows need not share memory with it
            release_free_memory()
        if self.reader.other_value_pixels:
            self.feedback.warning(CoreMessage(
                "{count} pixel(s) in the blocks read hold values other than the "
                "CISC classes 0..3 (and the nodata tag); they are counted as invalid.",
                count=self.reader.other_value_pixels,
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
                    _add(counts, future.result())
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

    # -- zones per strip --------------------------------------------------------------
    def _strip_pieces(self, row_start, row_stop):
        """The stacks of runs of the strip's band, clipped to the region (the totals hold the
        rest); None when none is left. The band is taken from the store: its memory goes with
        the strip."""
        runs = self.runs.take(row_start // self.block_size)
        if runs is None:
            return None
        zone_ids, rows, heights, starts, ends = runs
        col0, _, col1, _ = self.region
        np.maximum(starts, col0, out=starts)
        np.minimum(ends, col1, out=ends)
        row_ends = np.minimum(rows + heights, row_stop)
        np.maximum(rows, row_start, out=rows)
        np.subtract(row_ends, rows, out=heights)
        keep = (ends > starts) & (heights > 0)
        if not keep.any():
            return None
        if keep.all():
            return zone_ids, rows, heights, starts, ends
        return zone_ids[keep], rows[keep], heights[keep], starts[keep], ends[keep]

    # -- work of one thread ---------------------------------------------------------------
    def _process_strip(self, row_start, row_stop):
        """(ids of the zones present in the strip, their counts) or None."""
        if self.cancel_event.is_set():
            return None
        pieces = self._strip_pieces(row_start, row_stop)
        if pieces is None:
            return None
        size = self.block_size
        col0, _, col1, _ = self.region
        plan = plan_strip(*pieces, row_start, row_stop - row_start, size, col0, col1)
        del pieces
        # sized to the zones present, never to the zone count
        strip_counts = np.zeros((plan.present.size, self.code_count), dtype=np.int64)
        reader_set = self._thread_readers()
        for window in plan:
            if self.cancel_event.is_set():
                return None
            window_col0 = max(window.first_block * size, col0)
            window_col1 = min((window.first_block + window.block_count) * size, col1)
            codes, clean = self.reader.read_codes(
                reader_set.readers(), (window_col0, row_start, window_col1 - window_col0, row_stop - row_start)
            )
            if codes is not None:  # else no valid pixel in the window
                self._count_window(codes, clean, window, window_col0, plan, strip_counts)
        return plan.present, strip_counts

    def _count_window(self, codes, clean, window, window_col0, plan, strip_counts):
        """Add a window's counts: whole-array counts for the blocks one zone covers, one pass
        over the pixels of the others (from the first to the last of them)."""
        size = self.block_size
        covering = window.covering_zone
        if covering[0] >= 0 and np.all(covering == covering[0]):
            strip_counts[covering[0]] += code_counts(codes, self.code_count, clean)
            return
        # block b of the window spans window columns edges[b] to edges[b + 1]
        edges = [min(max((window.first_block + block) * size - window_col0, 0), codes.shape[1])
                 for block in range(window.block_count + 1)]
        crossed = np.flatnonzero(covering < 0)
        for block in np.flatnonzero(covering >= 0).tolist():
            strip_counts[covering[block]] += code_counts(codes[:, edges[block] : edges[block + 1]],
                                                         self.code_count, clean)
        runs = window.runs
        stacks = plan.zone_ids[runs], plan.rows[runs], plan.heights[runs], plan.starts[runs], plan.ends[runs]
        if crossed.size < window.block_count:
            block = plan.starts[runs] // size - window.first_block  # runs are cut at block edges
            stacks = tuple(column[covering[block] < 0] for column in stacks)
        zone_ids, rows, heights, starts, ends = stacks
        # the pixels from the first to the last crossed block, in the runs' coordinates
        first = edges[crossed[0]]
        last = edges[crossed[-1] + 1]
        offset = window_col0 + first
        count_runs(codes[:, first:last], self.code_count, zone_ids, rows, heights, starts - offset, ends - offset,
                   strip_counts)

    def _thread_readers(self) -> ReaderSet:
        reader_set = getattr(self._local, "readers", None)
        if reader_set is None:
            reader_set = self._local.readers = ReaderSet(self.reader.open_readers)
            with self._lock:
                self._reader_sets.append(reader_set)
        return reader_set

    def _close_all_readers(self):
        with self._lock:
            for reader_set in self._reader_sets:
                reader_set.retire()  # a set still reading is closed by its thread when the read returns
            self._reader_sets.clear()


def release_free_memory():
    """Give the heap's free memory back to the system (glibc's malloc_trim; nothing elsewhere).

    The runs of many zones are freed band by band from several threads' heaps, where glibc keeps
    them; without this, a million zones' rows would be built on top of their runs' memory."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def _add(counts, partial):
    """Merge a strip's counts (its zone ids are unique) into the run's."""
    if partial is not None:
        zone_ids, zone_counts = partial
        counts[zone_ids] += zone_counts


def natural_block_size(info: GridInfo) -> int:
    """The raster's tile size (or a divisor of it) so that each block read decodes whole tiles."""
    tile_w, tile_h = info.block_size
    if tile_w != tile_h or tile_w < 64:
        return DEFAULT_BLOCK_SIZE
    size = tile_w
    while size > MAX_BLOCK_SIZE:
        size //= 2
    return size
