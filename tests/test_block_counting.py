"""Counting runs of a window and planning a strip's windows, against brute force.

block_counting.count_runs sums packed counters through prefix sums: runs may come in any order
and zones may overlap; strip_plan.plan_strip groups a strip's runs by read window and marks the
blocks one zone covers whole. Both are checked pixel by pixel on random cases, including odd
widths, runs of one pixel at odd and even positions, runs longer than a transition counter holds,
and zone ids spread far apart (the sorted path)."""

import numpy as np
import pytest

from cisc_impervious.plugin.core import block_counting, intervals, strip_plan
from cisc_impervious.plugin.core.block_reading import INVALID


def _random_runs(rng, height, width, zone_ids, max_runs_per_zone):
    """Runs (zone, row, start, end) in shuffled order; a zone's runs never overlap, different
    zones' runs may."""
    runs = []
    for zone in zone_ids:
        for row in rng.choice(height, size=min(height, rng.integers(1, max_runs_per_zone + 1)), replace=False):
            pairs = min(int(rng.integers(1, 4)), (width + 1) // 2)
            cuts = np.sort(rng.choice(np.arange(width + 1), size=2 * pairs, replace=False))
            runs.extend((zone, row, start, end) for start, end in zip(cuts[0::2], cuts[1::2]))
    runs = np.array(runs, dtype=np.int64)
    runs = runs[rng.permutation(len(runs))]
    return tuple(runs[:, column].copy() for column in range(4))


def _brute_force(codes, code_count, zone_ids, rows, starts, ends, zone_total):
    out = np.zeros((zone_total, code_count), dtype=np.int64)
    for zone, row, start, end in zip(zone_ids, rows, starts, ends):
        values = codes[row, start:end]
        out[zone] += np.bincount(values[values < code_count], minlength=code_count)[:code_count]
    return out


@pytest.mark.parametrize("code_count", [4, 16])
@pytest.mark.parametrize("width", [1, 2, 37, 512, 1301])
@pytest.mark.parametrize("spread", [1, 1_000_003])
def test_count_runs_equals_brute_force(code_count, width, spread):
    rng = np.random.default_rng(width * 31 + code_count + spread % 97)
    height = 9
    codes = rng.integers(0, code_count, size=(height, width)).astype(np.uint8)
    codes[rng.random(codes.shape) < 0.2] = INVALID + 3  # invalid pixels add nothing
    zones = np.arange(12) * spread
    zone_ids, rows, starts, ends = _random_runs(rng, height, width, zones, 5)
    out = np.zeros((zones.max() + 1, code_count), dtype=np.int64)
    block_counting.count_runs(codes, code_count, zone_ids, rows, np.ones_like(rows), starts, ends, out)
    expected = _brute_force(codes, code_count, zone_ids, rows, starts, ends, zones.max() + 1)
    np.testing.assert_array_equal(out[zones], expected[zones])
    assert out.sum() == expected.sum() > 0


@pytest.mark.parametrize("code_count", [4, 16])
@pytest.mark.parametrize("spread", [1, 100_003])
def test_count_stacks_equals_brute_force(code_count, spread):
    """Stacks of runs (a run on each of `height` rows from its first), in any order, count the
    pixels of their rows; long ones cross transition counters' cuts."""
    rng = np.random.default_rng(code_count + spread % 89)
    height, width = 40, 700
    codes = rng.integers(0, code_count, size=(height, width)).astype(np.uint8)
    codes[rng.random(codes.shape) < 0.2] = INVALID + 1
    count = 300
    zone_ids = rng.integers(0, 15, count) * spread
    rows = rng.integers(0, height, count)
    heights = np.minimum(rng.integers(1, 30, count), height - rows)
    starts = rng.integers(0, width - 1, count)
    ends = np.minimum(starts + rng.choice([1, 2, 7, 300, 699], count), width)
    out = np.zeros((zone_ids.max() + 1, code_count), dtype=np.int64)
    block_counting.count_runs(codes, code_count, zone_ids, rows, heights, starts, ends, out)
    present, local = np.unique(zone_ids, return_inverse=True)
    expanded = intervals.expand_stacks(local, rows, heights, starts, ends)
    assert expanded[0].size == heights.sum() > count
    expected = _brute_force(codes, code_count, *expanded, present.size)
    np.testing.assert_array_equal(out[present], expected)
    assert out.sum() == expected.sum()  # nothing counted for an id not given


def test_count_runs_long_runs_of_one_code():
    """Runs of 4096 pixels of one code: transition counters (8 bits) are cut short enough, class
    counters (16 bits) hold them; every code and both pixel parities at the ends."""
    for code_count in (4, 16):
        for code in range(code_count):
            codes = np.full((3, 4097), code, dtype=np.uint8)
            zone_ids = np.array([0, 1, 2, 0])
            rows = np.array([0, 1, 2, 2])
            starts = np.array([0, 1, 0, 4096])
            ends = np.array([4096, 4097, 4095, 4097])
            out = np.zeros((3, code_count), dtype=np.int64)
            block_counting.count_runs(codes, code_count, zone_ids, rows, np.ones_like(rows), starts, ends, out)
            assert out[:, code].tolist() == [4097, 4096, 4095]
            assert out.sum() == 3 * 4096


def _plan_case(rng, size, strip_height, col0, col1, zone_total):
    """Runs on one strip: large zones covering whole blocks, small ones crossing others, gaps."""
    runs = []
    blocks = (col1 + size - 1) // size
    for block in range(col0 // size, blocks):
        kind = rng.integers(0, 5)
        b0, b1 = max(block * size, col0), min((block + 1) * size, col1)
        if kind == 0:
            continue  # no zone here
        if kind == 1:  # one zone covers it whole
            zone = rng.integers(0, 3)
            runs.extend((zone, row, b0, b1) for row in range(strip_height))
        elif kind == 2:  # whole in all rows but one
            zone = rng.integers(0, 3)
            runs.extend((zone, row, b0, b1) for row in range(1, strip_height))
        elif kind == 3:  # whole rows, but of two zones
            runs.extend((row % 2, row, b0, b1) for row in range(strip_height))
        else:
            for zone in rng.choice(zone_total, size=3, replace=False):
                for row in range(strip_height):
                    start = rng.integers(b0, b1)
                    runs.append((zone, row, start, rng.integers(start + 1, b1 + 1)))
    runs = np.array(runs, dtype=np.int64)
    return tuple(runs[:, column].copy() for column in range(4))


@pytest.mark.parametrize("seed", range(6))
def test_plan_strip_windows_and_covered_blocks(seed):
    rng = np.random.default_rng(seed)
    size, height, row_start = 16, 5, 80
    col0, col1 = 7, 16 * 40 - 3
    zone_ids, rows, starts, ends = _plan_case(rng, size, height, col0, col1, 50)
    zone_ids = zone_ids * 1000 + 17  # spread ids: the plan compacts them
    plan = strip_plan.plan_strip(zone_ids, rows + row_start, np.ones_like(rows), starts, ends, row_start, height, size,
                                 col0, col1)
    covered_by = {}
    seen = 0
    previous_last = -2
    for window in plan:
        assert 1 <= window.block_count <= strip_plan.BLOCKS_PER_WINDOW
        assert window.first_block > previous_last  # windows come in order, never overlap
        previous_last = window.first_block + window.block_count - 1
        runs = window.runs
        block_of_run = plan.starts[runs] // size
        assert np.all(block_of_run == (plan.ends[runs] - 1) // size)  # cut at block edges
        assert set(block_of_run.tolist()) == set(range(window.first_block, previous_last + 1))
        for offset, zone in enumerate(window.covering_zone.tolist()):
            covered_by[window.first_block + offset] = zone if zone < 0 else int(plan.present[zone])
        seen += runs.stop - runs.start
    assert seen == plan.zone_ids.size
    assert np.all(plan.heights == 1)
    # the pixels of the runs are the pixels given, zone by zone
    for zone in np.unique(zone_ids):
        given = np.zeros((height, col1), dtype=np.int64)
        for row, start, end in zip(rows[zone_ids == zone], starts[zone_ids == zone], ends[zone_ids == zone]):
            given[row, start:end] += 1
        planned = np.zeros_like(given)
        mine = plan.present[plan.zone_ids] == zone
        for row, start, end in zip(plan.rows[mine], plan.starts[mine], plan.ends[mine]):
            planned[row, start:end] += 1
        np.testing.assert_array_equal(planned, given)
    # covered: exactly the blocks one zone fills in every row with no other zone's runs
    for block, zone in covered_by.items():
        b0, b1 = max(block * size, col0), min((block + 1) * size, col1)
        inside = (starts < b1) & (ends > b0)
        whole = inside & (starts <= b0) & (ends >= b1)
        zones_inside = set(zone_ids[inside].tolist())
        expected = (int(zone_ids[inside][0]) if len(zones_inside) == 1 and whole.sum() == height
                    and inside.sum() == height else -1)
        assert zone == expected, block
    assert any(zone >= 0 for zone in covered_by.values()) and any(zone < 0 for zone in covered_by.values())


def _stacked(zone_ids, rows, starts, ends):
    """The runs with equal runs on consecutive rows of a zone merged into stacks: (zone ids, first
    rows, heights, starts, ends)."""
    order = np.lexsort((rows, ends, starts, zone_ids))
    zone_ids, rows, starts, ends = zone_ids[order], rows[order], starts[order], ends[order]
    go_on = np.zeros(rows.size, dtype=bool)
    go_on[1:] = ((zone_ids[1:] == zone_ids[:-1]) & (rows[1:] == rows[:-1] + 1) & (starts[1:] == starts[:-1])
                 & (ends[1:] == ends[:-1]))
    first = np.flatnonzero(~go_on)
    heights = np.diff(np.append(first, rows.size))
    return zone_ids[first], rows[first], heights, starts[first], ends[first]


@pytest.mark.parametrize("seed", range(6))
def test_plan_strip_of_stacks_equals_its_runs(seed):
    """Stacks (a run repeated on rows below) plan the pixels and covered blocks their runs do."""
    rng = np.random.default_rng(seed)
    size, height, row_start = 16, 5, 80
    col0, col1 = 7, 16 * 40 - 3
    runs = _plan_case(rng, size, height, col0, col1, 50)
    stacks = _stacked(*runs)
    assert stacks[2].max() > 1 and stacks[0].size < runs[0].size
    by_runs = strip_plan.plan_strip(runs[0], runs[1] + row_start, np.ones_like(runs[1]), *runs[2:], row_start,
                                    height, size, col0, col1)
    by_stacks = strip_plan.plan_strip(stacks[0], stacks[1] + row_start, *stacks[2:], row_start, height, size,
                                      col0, col1)
    assert [(w.first_block, w.block_count, w.covering_zone.tolist()) for w in by_runs] == [
        (w.first_block, w.block_count, w.covering_zone.tolist()) for w in by_stacks]
    for a, b in zip(by_runs, by_stacks):
        from_runs = sorted(zip(*(column[a.runs].tolist() for column in (
            by_runs.present[by_runs.zone_ids], by_runs.rows, by_runs.starts, by_runs.ends))))
        expanded = intervals.expand_stacks(by_stacks.present[by_stacks.zone_ids][b.runs], by_stacks.rows[b.runs],
                                           by_stacks.heights[b.runs], by_stacks.starts[b.runs],
                                           by_stacks.ends[b.runs])
        assert sorted(zip(*(column.tolist() for column in expanded))) == from_runs


@pytest.mark.parametrize("seed", range(4))
def test_plan_strip_of_small_zones_cuts_at_window_edges_only(seed):
    """Runs all shorter than a block (a grid of small zones): no block can be covered, the runs are
    cut only where aligned windows meet, and they still give the pixels given."""
    rng = np.random.default_rng(seed)
    size, height, row_start = 16, 5, 80
    col0, col1 = 7, 16 * 40 - 3
    runs = []
    for zone in range(60):
        row, start = int(rng.integers(0, height)), int(rng.integers(col0, col1 - 1))
        runs.append((zone, row, int(rng.integers(1, 3)), start, min(col1, start + int(rng.integers(1, 9)))))
    runs = np.array(runs, dtype=np.int64)
    zone_ids, rows, heights, starts, ends = (runs[:, column].copy() for column in range(5))
    heights = np.minimum(heights, height - rows)
    # the narrowest block is the first, 7..15: 9 columns, longer than every run
    plan = strip_plan.plan_strip(zone_ids * 7 + 3, rows + row_start, heights, starts, ends, row_start, height,
                                 size, col0, col1)
    per_window = strip_plan.BLOCKS_PER_WINDOW
    previous_last = -1
    crossing_a_block_edge = 0
    for window in plan:
        last = window.first_block + window.block_count - 1
        assert window.first_block > previous_last and window.first_block // per_window == last // per_window
        assert np.all(window.covering_zone == -1)
        previous_last = last
        in_window = slice(window.runs.start, window.runs.stop)
        assert plan.starts[in_window].min() // size == window.first_block
        assert (plan.ends[in_window].max() - 1) // size == last
        crossing_a_block_edge += int(np.sum(plan.starts[in_window] // size != (plan.ends[in_window] - 1) // size))
    assert crossing_a_block_edge > 0  # not cut inside a window
    given = np.zeros((60 * 7 + 3, height, col1), dtype=np.int64)
    for zone, row, rows_tall, start, end in zip(zone_ids * 7 + 3, rows, heights, starts, ends):
        given[zone, row : row + rows_tall, start:end] += 1
    planned = np.zeros_like(given)
    for zone, row, rows_tall, start, end in zip(plan.present[plan.zone_ids], plan.rows, plan.heights, plan.starts,
                                                plan.ends):
        planned[zone, row : row + rows_tall, start:end] += 1
    np.testing.assert_array_equal(planned, given)


def test_expand_stacks():
    zone_ids, rows, heights = np.array([4, 2, 9]), np.array([10, 3, 0]), np.array([3, 1, 2])
    starts, ends = np.array([0, 5, 7]), np.array([2, 6, 9])
    got = intervals.expand_stacks(zone_ids, rows, heights, starts, ends)
    assert [column.tolist() for column in got] == [
        [4, 4, 4, 2, 9, 9], [10, 11, 12, 3, 0, 1], [0, 0, 0, 5, 7, 7], [2, 2, 2, 6, 9, 9]]


def test_compact_ids_both_paths():
    dense = np.array([5, 9, 5, 7, 9, 9])
    present, index = block_counting.compact_ids(dense)
    assert present.tolist() == [5, 7, 9] and index.tolist() == [0, 2, 0, 1, 2, 2]
    spread = np.array([10**9, 3, 10**9, 3])
    present, index = block_counting.compact_ids(spread)
    assert present.tolist() == [3, 10**9] and index.tolist() == [1, 0, 1, 0]


def test_cut_at_multiples_equals_cutting_run_by_run():
    """Intervals cut at multiples of the unit (negative columns too), pieces in the interval's
    place, each carrying its interval's values."""
    rng = np.random.default_rng(5)
    for _ in range(200):
        count, unit = int(rng.integers(1, 60)), int(rng.integers(1, 40))
        starts = rng.integers(-100, 400, count)
        ends = starts + rng.integers(1, int(rng.choice([3, 40, 300])), count)
        zone_ids, rows = rng.integers(0, 9, count), rng.integers(0, 5, count)
        expected = []
        for zone, row, start, end in zip(zone_ids, rows, starts, ends):
            cut = start
            while cut < end:
                index = cut // unit
                stop = min(end, (index + 1) * unit)
                expected.append((index, cut, stop, zone, row))
                cut = stop
        got = intervals.cut_at_multiples(starts, ends, unit, zone_ids, rows)
        assert list(zip(*(column.tolist() for column in got))) == [tuple(map(int, piece)) for piece in expected]


def test_owners_and_cut_long_equal_repeat():
    rng = np.random.default_rng(3)
    for _ in range(50):
        counts = rng.integers(1, 9, int(rng.integers(1, 40)))
        owner, firsts = intervals.owners(counts)
        assert owner.tolist() == np.repeat(np.arange(counts.size), counts).tolist()
        assert firsts.tolist() == (np.cumsum(counts) - counts).tolist()
        starts = rng.integers(-50, 500, counts.size)
        ends = starts + counts * int(rng.integers(1, 30))
        limit = int(rng.integers(1, 40))
        new_starts, new_ends, first_piece = intervals.cut_long(starts, ends, limit)
        expected = [(cut, min(cut + limit, end)) for start, end in zip(starts.tolist(), ends.tolist())
                    for cut in range(start, end, limit)]
        assert list(zip(new_starts.tolist(), new_ends.tolist())) == expected
        if first_piece is not None:
            assert new_starts[first_piece].tolist() == starts.tolist()


@pytest.mark.parametrize("code_count", [4, 16])
def test_histogram_equals_bincount(code_count):
    rng = np.random.default_rng(code_count)
    for shape in ((512, 512), (7, 13), (3, 4)):
        clean = rng.integers(0, code_count, size=shape).astype(np.uint8)
        dirty = clean.copy()
        dirty[rng.random(shape) < 0.3] = INVALID + 5
        for codes, is_clean in ((clean, True), (clean, False), (dirty, False)):
            expected = np.bincount(codes.ravel(), minlength=256)[:code_count]
            np.testing.assert_array_equal(block_counting.histogram(codes, code_count, is_clean), expected)
            np.testing.assert_array_equal(block_counting.code_counts(codes, code_count, is_clean), expected)
