"""Counting the codes of one block per zone: packed counters, run sums, whole-block counts.

A block's pixels carry codes (block_reading.py): a class 0..3 or a transition 0..15 when valid,
16 or more when not. Two ways to count them:
- a block wholly inside the zones present in it: whole-array counts (code_counts);
- pixels crossed by boundaries (count_runs): each pixel's code becomes a one in a counter packed
  into 64-bit words, looked up two pixels at a time, and the words' prefix sums give every code's
  count over every run with two lookups a run; no per-pixel zone raster is ever built.

Zone ids here are the caller's local ids (the zones present in its strip, compacted by
compact_ids). The work and the temporaries of a block are proportional to the zones and runs in
it, never to the spread of their ids: a window's runs are grouped by zone with a sort, and each
zone's counts added once.
"""

import numpy as np

from .intervals import cut_long, group_starts, owners, sort_by_key

# zone ids spread at most this plus 4 per id (repeats counted) are compacted with a table of
# the spread; wider ones with a sort (np.unique), so that no temporary grows with the spread
DIRECT_SPAN = 1024


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
PACKING = {4: (16, _packed_luts(4, 16)), 16: (8, _packed_luts(16, 8))}

_PAIR_LUTS = {}


def _pair_luts(code_count: int):
    """Per packed word, the table of a pair of pixels (read as one uint16) -> their summed word."""
    if code_count not in _PAIR_LUTS:
        pair = np.arange(65536)
        first, second = (pair & 255, pair >> 8) if np.little_endian else (pair >> 8, pair & 255)
        _PAIR_LUTS[code_count] = [lut[first] + lut[second] for lut in PACKING[code_count][1]]
    return _PAIR_LUTS[code_count]


class PackedCodes:
    """A window's codes as prefix sums of packed counter words, looked up two pixels at a time.

    Looking pixels up in pairs (the codes seen as uint16) halves the costliest step. The sum of
    the words over any run is the difference of two prefix sums: exact in wrapping 64-bit
    arithmetic whatever the carries before the run, as long as no counter of the run itself
    overflows (runs are cut short enough). Runs may come in any order and overlap; a run that
    starts or ends in the middle of a pair gets that pixel's word added alone."""

    def __init__(self, codes: np.ndarray, code_count: int):
        flat = codes.ravel()
        if flat.size % 2:
            flat = np.append(flat, np.uint8(255))  # an invalid code completes the last pair
        self.codes = flat
        self.luts = PACKING[code_count][1]
        pairs = flat.view(np.uint16)
        self.prefixes = []
        for pair_lut in _pair_luts(code_count):
            # take (a uint16 index never wraps a table of 65536) is faster than fancy indexing;
            # summed into another array: numpy buffers an in-place cumsum, which then scaled
            # 1.3x on two threads instead of 1.8x
            words = np.take(pair_lut, pairs, mode="wrap")
            prefix = np.empty(pairs.size + 1, dtype=np.uint64)
            prefix[0] = 0
            np.cumsum(words, out=prefix[1:])
            self.prefixes.append(prefix)

    def run_sums(self, flat_starts, flat_ends):
        """For each packed word, the sum over each run [start, end) of the flat window.

        The prefix sum of pixels up to x is the pairs' up to x // 2, plus the pixel before x
        when x is odd."""
        odd_start = (flat_starts & 1).astype(np.uint64)
        odd_end = (flat_ends & 1).astype(np.uint64)
        before_start = self.codes[flat_starts - 1]  # read for even starts too, then weighed 0
        before_end = self.codes[flat_ends - 1]
        start_pair = flat_starts >> 1
        end_pair = flat_ends >> 1
        sums = []
        for lut, prefix in zip(self.luts, self.prefixes):
            # wrapping uint64 arithmetic, exact for the run (see the class)
            run_sum = prefix[end_pair] - prefix[start_pair]
            run_sum += lut[before_end] * odd_end
            run_sum -= lut[before_start] * odd_start
            sums.append(run_sum)
        return sums


def compact_ids(zone_ids: np.ndarray):
    """(the distinct ids, ascending; each id's index among them): the strips' compaction of the
    zones present in them."""
    low, high = int(zone_ids.min()), int(zone_ids.max())
    spread = high - low + 1
    if spread > DIRECT_SPAN + 4 * zone_ids.size:
        return np.unique(zone_ids, return_inverse=True)
    seen = np.zeros(spread, dtype=bool)
    seen[zone_ids - low] = True
    index = np.cumsum(seen) - 1
    return np.flatnonzero(seen) + low, index[zone_ids - low]


def count_runs(codes, code_count, zone_ids, rows, heights, starts, ends, out):
    """Add to out (zones x code_count) the counts per zone over stacks of runs (zone id, first
    row, height, start, end in the coordinates of codes: the run start..end - 1 on each row of
    the stack), in any order; a zone's runs never overlap. Temporaries follow the runs, never the
    spread of the ids."""
    if not zone_ids.size:
        return
    width = codes.shape[1]
    zone_ids, rows, heights, starts, ends = sort_by_key(zone_ids, rows, heights, starts, ends)
    # a zone's stacks are consecutive from here on: one sum of its runs' counts
    zone_firsts = group_starts(zone_ids)
    flat_starts = rows.astype(np.int64) * width + starts
    lengths = ends - starts
    run_zone_firsts = zone_firsts
    if int(heights.max()) > 1:
        # each stack's rows as runs, in its place: its first row's flat positions plus a row each
        stack, run_firsts = owners(heights)
        row_in_stack = np.arange(stack.size) - run_firsts[stack]
        flat_starts = flat_starts[stack] + row_in_stack * width
        lengths = lengths[stack]
        run_zone_firsts = run_firsts[zone_firsts]
    flat_ends = flat_starts + lengths
    bits, _ = PACKING[code_count]
    if bits < 16:
        flat_starts, flat_ends, piece_firsts = cut_long(flat_starts, flat_ends, (1 << bits) - 1)
        if piece_firsts is not None:
            run_zone_firsts = piece_firsts[run_zone_firsts]
    fields = _counter_fields(PackedCodes(codes, code_count), code_count, flat_starts, flat_ends)
    out[zone_ids[zone_firsts]] += np.add.reduceat(fields, run_zone_firsts, axis=0, dtype=np.int64)


def _counter_fields(packed, code_count, flat_starts, flat_ends):
    """Each run's count of each code over [start, end) of the flat window: one column a code."""
    bits, _ = PACKING[code_count]
    per_word = 64 // bits
    # the counters of a word, one column each (a word holds them from its low bits up)
    fields = [
        run_sum.astype("<u8", copy=False).view(f"<u{bits // 8}").reshape(-1, per_word)[:, : min(per_word, code_count - index * per_word)]
        for index, run_sum in enumerate(packed.run_sums(flat_starts, flat_ends))
    ]
    return fields[0] if len(fields) == 1 else np.concatenate(fields, axis=1)


def code_counts(codes, code_count, clean=False):
    """Counts of each valid code in a block (whole-array counts, the fast path).
    clean: the block holds valid codes only, so one class is what the others leave."""
    if code_count == 4:
        counts = np.empty(4, dtype=np.int64)
        for code in (1, 2, 3):
            counts[code] = np.count_nonzero(codes == code)
        counts[0] = codes.size - counts[1:].sum() if clean else np.count_nonzero(codes == 0)
        return counts
    return histogram(codes, code_count, clean)


def histogram(codes: np.ndarray, code_count: int, clean: bool = False) -> np.ndarray:
    """Counts of codes 0..code_count-1 in a uint8 array (clean: it holds valid codes only).

    Counting pixel pairs (the array seen as uint16) halves bincount's work; each code is
    then counted from the pair table's rows (one pixel of a pair) and columns (the other). A
    clean array's pairs are below code_count * 256: a table that small is faster to clear and
    sum than the 65,536 pairs of any two bytes."""
    flat = codes.ravel()
    if flat.size % 2:
        return np.bincount(flat, minlength=256)[:code_count]
    rows = code_count if clean else 256
    pairs = np.bincount(flat.view(np.uint16), minlength=rows * 256).reshape(rows, 256)
    # a pair's high byte picks the row: the second pixel on little-endian machines
    by_row, by_column = pairs.sum(axis=1)[:code_count], pairs.sum(axis=0)[:code_count]
    return by_row + by_column
