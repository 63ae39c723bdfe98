"""A strip's runs planned for counting: read windows, the runs grouped by window, covered blocks.

A strip is one block high. Its runs come in stacks (a run repeated on consecutive rows:
rasterize.py), counted as runs row by row. They are cut at block edges, and the blocks they
touch are grouped into read windows (adjacent blocks, at most BLOCKS_PER_WINDOW of them: one read
and one decoding pass per window instead of per block saves per-call overhead). The runs are
grouped by window, so a window's runs are one slice, counted in one pass over its pixels whatever
the number of blocks and zones in it (block_counting.count_runs takes runs in any order). A block
that one zone covers whole (the inside of large zones) is marked: it is counted with whole-array
counts instead. When no run of the strip is as long as a block (a grid of small zones), no block
can be covered: the runs are cut only at the edges of windows aligned every BLOCKS_PER_WINDOW
blocks, so there are fewer of them to count.

Everything is computed for all the strip's runs at once with numpy: no Python per block or run.
"""

from dataclasses import dataclass
from typing import Iterator

import numpy as np

from .block_counting import compact_ids
from .intervals import cut_at_multiples, group_starts, sort_by_key

# 4 blocks of 512 x 512 (1 Mpx): measured faster than 2 or 8, and its temporaries stay in cache
BLOCKS_PER_WINDOW = 4


@dataclass
class Window:
    first_block: int
    block_count: int
    runs: slice  # of the plan's runs
    covering_zone: np.ndarray  # per block of the window: the zone covering it whole, or -1


@dataclass
class StripPlan:
    present: np.ndarray  # the ids of the zones in the strip; the runs carry indices into it
    zone_ids: np.ndarray
    rows: np.ndarray  # from the strip's first row: each stack's first row
    heights: np.ndarray  # rows of each stack
    starts: np.ndarray
    ends: np.ndarray
    windows: list

    def __iter__(self) -> Iterator[Window]:
        return iter(self.windows)


def plan_strip(zone_ids, rows, heights, starts, ends, row_start, height, size, col0, col1) -> StripPlan:
    """Plan the stacks of runs (zone ids, first rows, heights, starts, ends in raster pixels, inside
    columns col0..col1 and rows row_start..row_start + height) of one strip of blocks of `size`
    columns."""
    present, zone_ids = compact_ids(zone_ids)
    rows = rows - row_start
    if int((ends - starts).max()) < _narrowest_block(size, col0, col1):
        return _plan_without_covered_blocks(present, zone_ids, rows, heights, starts, ends, size)
    block, starts, ends, zone_ids, rows, heights = cut_at_multiples(starts, ends, size, zone_ids, rows, heights)
    first_block = int(block.min())
    runs_per_block = np.bincount(block - first_block)
    blocks = np.flatnonzero(runs_per_block)  # the blocks touched, from first_block
    block_index = np.cumsum(runs_per_block > 0)[block - first_block] - 1
    blocks += first_block
    # windows: runs of adjacent blocks, cut every BLOCKS_PER_WINDOW blocks
    new_group = np.ones(blocks.size, dtype=bool)
    new_group[1:] = np.diff(blocks) != 1
    group_first = np.flatnonzero(new_group)
    position = np.arange(blocks.size) - np.repeat(group_first, np.diff(np.append(group_first, blocks.size)))
    block_window = np.cumsum(position % BLOCKS_PER_WINDOW == 0) - 1
    covering = _covering_zones(zone_ids, heights, starts, ends, block_index, blocks, height, size, col0, col1)
    # the runs grouped by window (their order within a window does not matter)
    window, zone_ids, rows, heights, starts, ends = sort_by_key(block_window[block_index], zone_ids, rows, heights,
                                                               starts, ends)
    bounds = np.searchsorted(window, np.arange(block_window[-1] + 2)).tolist()
    first_blocks = group_starts(block_window)
    last_blocks = np.append(first_blocks[1:], block_window.size) - 1
    windows = [
        Window(int(blocks[first]), int(last - first + 1), slice(lo, hi), covering[first : last + 1])
        for first, last, lo, hi in zip(first_blocks.tolist(), last_blocks.tolist(), bounds[:-1], bounds[1:])
    ]
    return StripPlan(present, zone_ids, rows, heights, starts, ends, windows)


def _narrowest_block(size, col0, col1) -> int:
    """The width of the narrowest block of the columns col0..col1 (those at its ends may be cut)."""
    first = min((col0 // size + 1) * size, col1) - col0
    last = col1 - max((col1 - 1) // size * size, col0)
    return min(size, first, last)


def _plan_without_covered_blocks(present, zone_ids, rows, heights, starts, ends, size) -> StripPlan:
    """The plan of a strip whose runs are all shorter than its narrowest block (a grid of small
    zones): no block can be covered whole, so the runs are cut only at the edges of windows of
    BLOCKS_PER_WINDOW blocks (aligned to them), not at every block's: fewer, longer runs to count.
    A window spans the blocks from its runs' first to their last."""
    span = BLOCKS_PER_WINDOW * size
    window, starts, ends, zone_ids, rows, heights = cut_at_multiples(starts, ends, span, zone_ids, rows, heights)
    window, zone_ids, rows, heights, starts, ends = sort_by_key(window, zone_ids, rows, heights, starts, ends)
    firsts = group_starts(window)
    bounds = np.append(firsts, window.size).tolist()
    first_blocks = (np.minimum.reduceat(starts, firsts) // size).tolist()
    last_blocks = ((np.maximum.reduceat(ends, firsts) - 1) // size).tolist()
    windows = [
        Window(first, last - first + 1, slice(lo, hi), np.full(last - first + 1, -1, dtype=np.int64))
        for first, last, lo, hi in zip(first_blocks, last_blocks, bounds[:-1], bounds[1:])
    ]
    return StripPlan(present, zone_ids, rows, heights, starts, ends, windows)


def _covering_zones(zone_ids, heights, starts, ends, block_index, blocks, height, size, col0, col1):
    """Per block, the zone that covers it whole (runs from its first to its last column in each
    of its rows), or -1. Stacks of one zone never overlap, so full stacks of one zone `height`
    rows tall in all in a block cover each of its rows once."""
    count = blocks.size
    covering = np.full(count, -1, dtype=np.int64)
    candidate = np.bincount(block_index, weights=heights, minlength=count) == height
    if not candidate.any():  # blocks crossed by many small zones: no block is a candidate
        return covering
    block_col0 = np.maximum(blocks * size, col0)[block_index]
    block_col1 = np.minimum((blocks + 1) * size, col1)[block_index]
    full = (starts == block_col0) & (ends == block_col1)
    candidate &= np.bincount(block_index, weights=heights * full, minlength=count) == height
    if not candidate.any():
        return covering
    in_candidate = candidate[block_index]
    covering[block_index[in_candidate]] = zone_ids[in_candidate]  # one of each block's zones
    other_zone = zone_ids[in_candidate] != covering[block_index[in_candidate]]
    mixed = np.bincount(block_index[in_candidate], weights=other_zone, minlength=count) > 0
    covering[~candidate | mixed] = -1
    return covering
