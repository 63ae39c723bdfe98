"""Masked zonal statistics and change statistics over CISC rasters, streamed block by block.

The public entry points. The work is split along its responsibilities:
- stats_run.py: scheduling (zones to runs, strips, threads, cancel, merging per-zone counts);
- block_reading.py: reading windows of the rasters and masks as per-pixel codes, bounded caches;
- block_counting.py: counting the codes of a block per zone (packed counters, whole-block counts);
- stats_rows.py: per-zone counts to output rows (areas, percentages, NULL rows);
- validity.py: the one rule of a valid pixel (shared with the change map and the fraction).

Valid pixel: inside the raster, mask present and non-zero there, value 0..3. For change
statistics a pixel must be valid in both years.
"""

from typing import List, Optional, Sequence

import numpy as np

from .block_reading import prepare_year
from .checks import (
    check_cisc_raster,
    find_valid_mask,
    require_overlap,
    require_same_grid,
)
from .feedback import EngineFeedback
from .fields import CHANGE_FIELDS, ZONAL_FIELDS
from .rasterize import zone_runs
from .stats_rows import change_rows, null_unmeasurable, pixel_km2, zonal_rows
from .stats_run import StatisticsRun

__all__ = [
    "zonal_statistics",
    "change_statistics",
    "check_cisc_raster",
    "find_valid_mask",
    "zone_pixel_counts",
]


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
    year = prepare_year(raster, mask_path, feedback)
    run = StatisticsRun([year], zones, 4, feedback, threads, block_size, other_values)
    counts, totals = run.execute()
    rows = zonal_rows(counts, totals, pixel_km2(raster))
    return null_unmeasurable(rows, run.unmeasurable, unmeasurable, ZONAL_FIELDS, zone_labels, feedback)


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
    years = [prepare_year(first, from_mask, feedback), prepare_year(second, to_mask, feedback)]
    run = StatisticsRun(years, zones, 16, feedback, threads, block_size, other_values)
    counts, totals = run.execute()
    rows = change_rows(counts, totals, pixel_km2(first))
    return null_unmeasurable(rows, run.unmeasurable, unmeasurable, CHANGE_FIELDS, zone_labels, feedback)


def zone_pixel_counts(zones: Sequence, geotransform) -> np.ndarray:
    """Pixel centres inside each zone on the grid of geotransform (no raster read)."""
    return zone_runs(zones, geotransform).pixel_counts
