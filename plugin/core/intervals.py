"""Intervals and stacks of runs as numpy columns: items owned by counts, groups of equal values,
columns sorted by a small key, intervals cut at multiples or into short pieces, stacks of runs
expanded row by row.

The scanline (rasterize.py), the row bands (run_bands.py), the strip plans (strip_plan.py) and
the counting (block_counting.py) share these. numpy's repeat would do some of this in one call,
but it holds the GIL: with the engine's threads it was a tenth of a run's GIL-holding time, so
the expansions here are running counts (cumsum and scatter release it).
"""

import numpy as np


def owners(counts):
    """For counts (each at least 1): (the index of the count each item of their sum belongs to,
    the position of each count's first item), i.e. np.repeat(np.arange(counts.size), counts) and
    np.cumsum(counts) - counts."""
    firsts = np.cumsum(counts) - counts
    marks = np.zeros(int(counts.sum()), dtype=np.intp)
    marks[firsts[1:]] = 1  # counts of at least 1: no two counts start together
    return np.cumsum(marks, out=marks), firsts


def group_starts(values):
    """The index of the first item of each stretch of equal consecutive values."""
    new = np.ones(values.size, dtype=bool)
    np.not_equal(values[1:], values[:-1], out=new[1:])
    return np.flatnonzero(new)


def sort_by_key(key, *columns):
    """(key, *columns) reordered by ascending key, keeping the order of equal keys; as they are
    when already in order. A key spanning less than 65,536 is sorted as uint16: numpy's stable
    sort of those is a radix sort."""
    if key.size < 2 or not np.any(key[1:] < key[:-1]):
        return (key, *columns)
    low, high = int(key.min()), int(key.max())
    order = np.argsort((key - low).astype(np.uint16) if high - low < 65536 else key, kind="stable")
    return tuple(column[order] for column in (key, *columns))


def cut_at_multiples(starts, ends, unit, *carried):
    """Cut intervals [start, end) at multiples of unit; return (unit index, starts, ends, *carried)
    with the pieces of an interval in its place and in order, each carrying its interval's values.

    Usually few intervals cross a multiple: only those are expanded, the others are moved to
    their new positions with one scatter."""
    first = starts // unit
    extra = (ends - 1) // unit - first  # pieces beyond the first
    if not extra.any():
        return (first, starts, ends, *carried)
    position = np.arange(starts.size) + (np.cumsum(extra) - extra)  # of each interval's first piece
    total = starts.size + int(extra.sum())
    split = np.flatnonzero(extra)
    owner, piece_firsts = owners(extra[split] + 1)
    source = split[owner]  # the split intervals, once per piece
    offset = np.arange(source.size) - piece_firsts[owner]
    targets = position[source] + offset
    out = []
    for column in (first, starts, ends, *carried):
        values = np.empty(total, dtype=column.dtype)
        values[position] = column  # every interval's first piece (a split one's is rewritten below)
        values[targets] = column[source]
        out.append(values)
    index, new_starts, new_ends = out[:3]
    index[targets] += offset
    new_starts[targets] = np.maximum(new_starts[targets], index[targets] * unit)
    new_ends[targets] = np.minimum(new_ends[targets], (index[targets] + 1) * unit)
    return tuple(out)


def cut_long(starts, ends, limit):
    """Intervals longer than limit cut into pieces of at most limit, in their place: (starts,
    ends, the position of each interval's first piece, or None when none was cut)."""
    extra = (ends - starts - 1) // limit  # pieces beyond the first
    if not extra.any():
        return starts, ends, None
    owner, firsts = owners(extra + 1)
    new_starts = starts[owner] + (np.arange(owner.size) - firsts[owner]) * limit
    return new_starts, np.minimum(new_starts + limit, ends[owner]), firsts


def expand_stacks(zone_ids, rows, heights, starts, ends):
    """Stacks of runs (a run repeated on `height` rows from its first) as one run per row: zone
    ids, rows, starts, ends, each stack's rows in its place, top to bottom."""
    if heights.size == 0 or int(heights.max()) == 1:
        return zone_ids, rows, starts, ends
    stack, firsts = owners(heights)
    row_in_stack = (np.arange(stack.size) - firsts[stack]).astype(rows.dtype)
    return zone_ids[stack], rows[stack] + row_in_stack, starts[stack], ends[stack]
