"""Impervious fraction on a coarse grid: percent impervious of the valid pixels of each cell.

The coarse grid starts at the raster's top-left corner, with square cells of CELL_SIZE
metres. A 30 m pixel belongs to the cell that holds its centre (the plugin's one pixel rule),
so any cell size works: 1000 m cells hold 33 or 34 pixels a side when the size is not a
multiple of the pixel size (990 or 1020 m give cells of exactly 33 x 33 or 34 x 34 pixels).

Output: float32 percent 0..100, nodata (FRACTION_NODATA) where the valid pixels cover less
than MIN_VALID_PCT percent of the cell's pixel centres (pixel centres beyond the raster's
edge count as not valid). Streamed in chunks of whole cells, so memory stays bounded; written
to a temporary file renamed into place at the end (nothing left behind on cancel or error).
"""

import logging
import math
from typing import Optional

import numpy as np

from .changemap import AtomicGeoTiff, ThreadReaders, tile_windows, valid_window, write_tiles
from .checks import check_cisc_raster, check_mask
from .dataset import IMPERVIOUS
from .errors import CiscError
from .feedback import EngineFeedback
from .messages import CoreMessage
from .outputs import GEOTIFF_EXTENSIONS, check_output_path
from .validity import year_rule

log = logging.getLogger("cisc_impervious.core.fraction")

FRACTION_NODATA = -9999.0
OUTPUT_TILE = 256
# a chunk of whole cells covers about this many source pixels a side; a read window never
# exceeds it (a cell larger than that is read in several windows) and never reaches beyond the
# raster: memory is bounded whatever the cell size
CHUNK_PIXELS = 2048


def _first_pixel(cell_index: int, ratio: float) -> int:
    """Index of the first fine pixel whose centre lies in coarse cell `cell_index`."""
    return int(math.ceil(cell_index * ratio - 0.5 - 1e-9))


def write_impervious_fraction(
    raster_path: str,
    out_path: str,
    mask_path: Optional[str] = None,
    *,
    cell_size: float = 1000.0,
    min_valid_pct: float = 50.0,
    feedback: Optional[EngineFeedback] = None,
    threads: Optional[int] = None,
    other_values: str = "invalid",
) -> dict:
    """Write the fraction raster; return {"path", "width", "height", "cells_with_value"}."""
    feedback = feedback or EngineFeedback()
    info = check_cisc_raster(str(raster_path))
    if not info.is_north_up:
        raise CiscError(f"{raster_path}: the raster is rotated; only north-up rasters are supported.")
    cell_size = float(cell_size)
    if not cell_size > 0:
        raise CiscError(f"The cell size must be positive (got {cell_size:g} m).")
    if cell_size < max(info.pixel_width, info.pixel_height) - 1e-9:
        raise CiscError(
            f"The cell size ({cell_size:g} m) is smaller than the pixel size of {raster_path} "
            f"({info.pixel_width:g} m); choose a cell of at least one pixel."
        )
    if not 0 <= float(min_valid_pct) <= 100:
        raise CiscError(f"The minimum valid share must be between 0 and 100 % (got {min_valid_pct:g}).")
    mask_info = check_mask(str(mask_path), info, feedback) if mask_path else None
    out_path = check_output_path(out_path, (raster_path, mask_path), GEOTIFF_EXTENSIONS)
    rule = year_rule(info, mask_info, feedback, other_values)
    ratio_x = cell_size / info.pixel_width
    ratio_y = cell_size / info.pixel_height
    out_width = int(math.ceil(info.width / ratio_x - 1e-9))
    out_height = int(math.ceil(info.height / ratio_y - 1e-9))
    # the last cell must hold at least one pixel centre: trim a cell beyond the last centre
    while out_width > 1 and _first_pixel(out_width - 1, ratio_x) >= info.width:
        out_width -= 1
    while out_height > 1 and _first_pixel(out_height - 1, ratio_y) >= info.height:
        out_height -= 1
    x0, dx, _, y0, _, dy = info.geotransform
    geotransform = (x0, cell_size, 0.0, y0, 0.0, -cell_size)
    min_share = float(min_valid_pct) / 100.0

    from osgeo import gdal

    writer = AtomicGeoTiff(out_path, out_width, out_height, geotransform, info.crs_wkt, gdal.GDT_Float32,
                           FRACTION_NODATA, tile=OUTPUT_TILE, predictor=1)
    readers = ThreadReaders(info, [info, mask_info])
    cells_per_chunk = max(1, int(CHUNK_PIXELS // max(ratio_x, ratio_y)))
    # keep chunks aligned to the output tiles where possible
    if cells_per_chunk >= OUTPUT_TILE:
        cells_per_chunk = OUTPUT_TILE

    def compute(task):
        ccol, crow, cwidth, cheight = task
        col_edges = np.array([_first_pixel(c, ratio_x) for c in range(ccol, ccol + cwidth + 1)], dtype=np.int64)
        row_edges = np.array([_first_pixel(r, ratio_y) for r in range(crow, crow + cheight + 1)], dtype=np.int64)
        # every pixel centre of a cell counts in its share, those beyond the raster's edge too
        cell_pixels = np.outer(np.diff(row_edges), np.diff(col_edges))
        valid_count = np.zeros((cheight, cwidth), dtype=np.int64)
        imperv_count = np.zeros((cheight, cwidth), dtype=np.int64)
        reader, mask_reader = readers.get()
        # only pixels inside the raster are read, in windows of at most CHUNK_PIXELS a side
        fc0, fc1 = max(int(col_edges[0]), 0), min(int(col_edges[-1]), info.width)
        fr0, fr1 = max(int(row_edges[0]), 0), min(int(row_edges[-1]), info.height)
        for r0 in range(fr0, fr1, CHUNK_PIXELS):
            r1 = min(r0 + CHUNK_PIXELS, fr1)
            row_cells = np.searchsorted(row_edges, np.arange(r0, r1), side="right") - 1
            for c0 in range(fc0, fc1, CHUNK_PIXELS):
                c1 = min(c0 + CHUNK_PIXELS, fc1)
                col_cells = np.searchsorted(col_edges, np.arange(c0, c1), side="right") - 1
                values, valid = valid_window(reader, mask_reader, rule, c0, r0, c1 - c0, r1 - r0)
                _add_cell_sums(valid_count, valid, row_cells, col_cells)
                _add_cell_sums(imperv_count, valid & (values == IMPERVIOUS), row_cells, col_cells)
        out = np.full((cheight, cwidth), FRACTION_NODATA, dtype=np.float32)
        enough = (valid_count > 0) & (valid_count >= min_share * cell_pixels - 1e-9)
        out[enough] = (100.0 * imperv_count[enough] / valid_count[enough]).astype(np.float32)
        return out, int(np.count_nonzero(enough))

    tasks = tile_windows(out_width, out_height, cells_per_chunk)
    path, cells_with_value = write_tiles(writer, readers, tasks, compute, feedback, threads)
    if not mask_path:
        log.info(CoreMessage(
            "No valid mask for {rasters}: every pixel inside the raster with a value 0..3 was taken as valid.",
            rasters=raster_path,
        ))
    return {"path": path, "width": out_width, "height": out_height, "cells_with_value": cells_with_value}


def _add_cell_sums(out: np.ndarray, pixels: np.ndarray, row_cells: np.ndarray, col_cells: np.ndarray) -> None:
    """Add to out[cell row, cell col] the count of true pixels of each cell; row_cells and
    col_cells give each pixel row's and column's cell (non-decreasing)."""
    row_starts = np.flatnonzero(np.r_[True, row_cells[1:] != row_cells[:-1]])
    col_starts = np.flatnonzero(np.r_[True, col_cells[1:] != col_cells[:-1]])
    sums = np.add.reduceat(np.add.reduceat(pixels, row_starts, axis=0, dtype=np.int32), col_starts, axis=1)
    out[np.ix_(row_cells[row_starts], col_cells[col_starts])] += sums
