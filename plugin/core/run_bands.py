"""Zone runs kept by row band: the statistics engine's store of the runs of every zone.

A band is block_size rows, aligned like the engine's strips, and holds the pieces of the stacks
of runs (rasterize.zone_batches) that fall in its rows, as the batches of zones produced them: a
stack reaching into several bands is cut at their edges. No global sort is needed (a strip groups
its own runs by read window), so the runs of a million zones live in memory once, at 14 bytes a
stack, and a band's memory is released once its strip is done.
Each zone's count of pixel centres (inside the rasters or not) is summed batch by batch.
"""

import threading
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from .intervals import cut_at_multiples, group_starts, sort_by_key
from .rasterize import SPAN_DTYPE, zone_batches


@dataclass
class BandedRuns:
    band_rows: int
    pixel_counts: np.ndarray  # per zone, all its pixel centres
    unmeasurable: np.ndarray  # zones without finite coordinates on the grid (rasterize.ZoneRuns)
    bands: Dict[int, List[Tuple[np.ndarray, ...]]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def band_indices(self) -> List[int]:
        return sorted(self.bands)

    def take(self, band: int) -> Optional[Tuple[np.ndarray, ...]]:
        """The band's stacks of runs (zone ids as int64; first rows, heights, starts, ends as int32:
        pixel coordinates stay below 2^27), removed from the store; None when it holds none (or
        was taken already)."""
        with self._lock:
            pieces = self.bands.pop(band, None)
        if not pieces:
            return None
        first_row = band * self.band_rows
        columns = [np.concatenate(column) if len(pieces) > 1 else column[0]
                   for column in zip(*((_zone_ids(piece), *piece[2:]) for piece in pieces))]
        zone_ids = columns[0].astype(np.int64)
        rows, heights, starts, ends = (column.astype(np.int32) for column in columns[1:])
        rows += first_row
        return zone_ids, rows, heights, starts, ends


def _zone_ids(piece):
    first_zone, offsets = piece[0], piece[1]
    return offsets.astype(np.int64) + first_zone


def _piece(first_zone, runs, lo, hi, first_row):
    """Stacks lo..hi of a batch (sorted by band) stored narrow: zone ids from the batch's first
    zone, rows from the band's first row and heights as uint16 (a batch holds at most
    ZONES_PER_BATCH zones, a band at most 4096 rows), starts and ends as int32: 14 bytes a stack."""
    zone_ids, rows, heights, starts, ends = (column[lo:hi] for column in runs)
    offsets = zone_ids - first_zone
    narrow = np.uint16 if offsets.size == 0 or int(offsets.max()) <= 0xFFFF else np.int32
    return (first_zone, offsets.astype(narrow), (rows - first_row).astype(np.uint16), heights.astype(np.uint16),
            starts.astype(np.int32), ends.astype(np.int32))


def zone_run_bands(zones: Sequence, geotransform, band_rows: int, threads: int = 1) -> BandedRuns:
    """The runs of every zone (WKB, OGR geometries or None) on the grid of geotransform, by band
    of band_rows rows (band b holds rows b * band_rows to (b + 1) * band_rows - 1)."""

    def banded(first, size, runs):
        return None if runs is None else _batch_bands(first, size, runs, band_rows)

    count, batches = zone_batches(zones, geotransform, threads, finish=banded)
    pixel_counts = np.zeros(count, dtype=np.int64)
    unmeasurable = []
    bands: Dict[int, list] = {}
    for first, size, batch, bad in batches:
        unmeasurable.extend(bad)
        if batch is None:
            continue
        batch_pixels, pieces = batch
        pixel_counts[first : first + size] += batch_pixels
        for number, piece in pieces:
            bands.setdefault(number, []).append(piece)
    return BandedRuns(int(band_rows), pixel_counts, np.array(sorted(unmeasurable), dtype=SPAN_DTYPE), bands)


def _batch_bands(first, size, runs, band_rows):
    """(the pixel centres of each zone of a batch, [(band, its piece of the batch's stacks)]),
    computed in the batch's thread."""
    zone_ids, rows, heights, starts, ends = runs
    # summed zone by zone (the stacks come by zone; a ufunc releases the GIL, bincount does not)
    zone_firsts = group_starts(zone_ids)
    pixels = np.zeros(size, dtype=np.int64)
    pixels[zone_ids[zone_firsts] - first] = np.add.reduceat((ends - starts).astype(np.int64) * heights, zone_firsts)
    # stacks cut at band edges, in rasterize's int32 (rows and heights stay below 2^31)
    band, rows, row_ends, zone_ids, starts, ends = cut_at_multiples(rows, rows + heights, band_rows, zone_ids,
                                                                     starts, ends)
    band, *runs = sort_by_key(band, zone_ids, rows, row_ends - rows, starts, ends)
    firsts = group_starts(band).tolist()
    pieces = []
    for lo, hi in zip(firsts, [*firsts[1:], band.size]):
        number = int(band[lo])
        pieces.append((number, _piece(first, runs, lo, hi, number * band_rows)))
    return pixels, pieces
