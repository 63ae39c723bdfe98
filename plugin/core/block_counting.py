"""Counting the codes of one block per zone: packed counters, run sums, whole-block counts.

A block's pixels carry codes (block_reading.py): a class 0..3 or a transition 0..15 when valid,
16 or more when not. Two ways to count them:
- a block wholly inside the zones present in it: whole-array counts (code_counts);
- a block crossed by boundaries (count_block): each pixel's code becomes a one in a counter packed
  into 64-bit words, looked up two pixels at a time, and one np.add.reduceat over the block's runs
  counts every code of every run at once; no per-pixel zone raster is ever built.

Zone ids here are the caller's local ids (the zones present in its strip, compacted). The work
and the temporaries of a block are proportional to the zones and runs in it, never to the spread
of their ids: ids spread wider than the runs warrant are compacted first.
"""

import numpy as np

# zone ids of a block whose spread is at most this plus 4 per run index the counts directly;
# wider ones are compacted (np.unique) so that no temporary grows with the spread
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


class PackedBlock:
    """A block's codes as packed counter words, looked up two pixels at a time.

    Looking pixels up in pairs (the codes seen as uint16) halves the costliest step; a run
    that starts or ends in the middle of a pair gets that pixel's word added alone."""

    def __init__(self, codes: np.ndarray, code_count: int):
        flat = codes.ravel()
        if flat.size % 2:
            flat = np.append(flat, np.uint8(255))  # an invalid code completes the last pair
        self.codes = flat
        self.luts = PACKING[code_count][1]
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


def count_block(codes, code_count, overlapping, zone_ids, rows, starts, ends, out):
    """Add to out (zones x code_count) the counts per zone of a block crossed by zone boundaries.

    Runs (zone id, row, start, end in block coordinates) come sorted by row and column;
    overlapping: some runs overlap (overlapping zones), so zones are counted one by one."""
    width = codes.shape[1]
    bits, _ = PACKING[code_count]
    if bits < 16:
        _, zone_ids, rows, starts, ends = split_at_multiples(zone_ids, rows, starts, ends, (1 << bits) - 1)
    packed = PackedBlock(codes, code_count)
    flat_starts = rows * width + starts
    flat_ends = rows * width + ends
    if overlapping:
        # runs of one zone never overlap: count zone by zone
        for zone in np.unique(zone_ids):
            mine = zone_ids == zone
            out[zone] += _zone_counts(
                packed, code_count, flat_starts[mine], flat_ends[mine], np.zeros(int(mine.sum()), np.int64), 1
            )[0]
        return
    first_zone = int(zone_ids.min())
    zone_span = int(zone_ids.max()) - first_zone + 1
    if zone_span <= DIRECT_SPAN + 4 * zone_ids.size:
        # ids offset to start at 0 index the counts directly (no sort, unlike np.unique)
        out[first_zone : first_zone + zone_span] += _zone_counts(
            packed, code_count, flat_starts, flat_ends, zone_ids - first_zone, zone_span
        )
        return
    present, local = np.unique(zone_ids, return_inverse=True)
    out[present] += _zone_counts(packed, code_count, flat_starts, flat_ends, local, present.size)


def _zone_counts(packed, code_count, flat_starts, flat_ends, local, zone_count):
    """Per-zone code counts over disjoint, sorted runs [start, end) of the block."""
    bits, _ = PACKING[code_count]
    field_mask = np.uint64((1 << bits) - 1)
    per_word = 64 // bits
    counts = np.zeros((zone_count, code_count), dtype=np.int64)
    for word_index, run_sums in enumerate(packed.run_sums(flat_starts, flat_ends)):
        first = word_index * per_word
        for code in range(first, min(first + per_word, code_count)):
            field = (run_sums >> np.uint64(bits * (code - first))) & field_mask
            counts[:, code] = np.bincount(local, weights=field, minlength=zone_count)
    return counts


def code_counts(codes, code_count, clean=False):
    """Counts of each valid code in a block (whole-array counts, the fast path).
    clean: the block holds valid codes only, so one class is what the others leave."""
    if code_count == 4:
        counts = np.empty(4, dtype=np.int64)
        for code in (1, 2, 3):
            counts[code] = np.count_nonzero(codes == code)
        counts[0] = codes.size - counts[1:].sum() if clean else np.count_nonzero(codes == 0)
        return counts
    return histogram(codes, code_count)


def histogram(codes: np.ndarray, code_count: int) -> np.ndarray:
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


def zones_covering(zone_ids, rows, starts, ends, height, width):
    """The zones present in a block if each covers all of it, else None."""
    if not np.all((starts == 0) & (ends == width)):
        return None
    # runs of one zone never overlap, so a zone covers the block when it has a full run in every row
    present, per_zone = np.unique(zone_ids, return_counts=True)
    return present if np.all(per_zone == height) else None


def split_at_multiples(zone_ids, rows, starts, ends, unit):
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
