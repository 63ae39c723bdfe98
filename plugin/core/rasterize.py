"""Polygons to pixel runs ("spans") under the pixel-centre rule.

A pixel belongs to a polygon when its centre lies inside it. For each pixel row the
polygon's rings are cut by the horizontal line through the row's pixel centres; the
crossings, paired by the even-odd rule, bound the runs of pixel centres inside. Holes
are therefore excluded, and the parts of a multipolygon are united (overlaps counted
once). A centre exactly on an edge is decided as GDAL's rasterizer decides it (rows:
[top, bottom), columns: (left, right], with GDAL's arithmetic), so two polygons sharing
an edge never share a pixel and the result equals gdal_rasterize's; the one exception is
a centre lying exactly on a horizontal edge, which GDAL may add and this never does.

Spans are computed for an unbounded grid: the counts include pixel centres beyond a
raster's edge, which the statistics report as invalid area.

Runs of equal columns on consecutive rows come as one stack (a first row and a height) where a
polygon's boundary is vertical: a vertical edge crosses its rows at one column, and where only
such edges cross a stretch of rows, their crossings pair the same way in every row of it. A grid
of square cells in the raster's CRS then gives a cell one stack instead of a run per row.
"""

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from .errors import CiscError
from .intervals import expand_stacks, group_starts, owners, sort_by_key
from .zone_rings import (  # noqa: F401 (the readers of rings are imported from here too)
    SPAN_DTYPE,
    batch_rings,
    geometry_from_wkb,
    polygon_rings,
    wkb_polygon_rings,
    zone_polygon_rings,
)

# the runs of many zones (ZoneRuns) are kept as int32: half the memory of a million zones' runs
RUN_DTYPE = np.int32


def _inverse_geotransform(geotransform):
    """GDAL's inverse of a north-up geotransform (GDALInvGeoTransform's no-rotation case)."""
    origin_x, pixel_w, _, origin_y, _, pixel_h = geotransform
    return -origin_x / pixel_w, 1.0 / pixel_w, -origin_y / pixel_h, 1.0 / pixel_h


@dataclass
class ZoneRuns:
    """Runs of pixel centres of many zones, one per row, sorted by row: zone index, row, first
    column, end column (exclusive), each an int32 array (RUN_DTYPE). Within a zone and row the
    runs never overlap (they may touch)."""

    zones: np.ndarray
    rows: np.ndarray
    starts: np.ndarray
    ends: np.ndarray
    pixel_counts: np.ndarray  # per zone, all its pixel centres
    # zones whose coordinates on the grid are not finite (NaN, infinity: e.g. latitudes beyond 90
    # degrees transformed) or lie beyond MAX_PIXEL_COORDINATE: they have no runs, and no figure
    # can be given for them
    unmeasurable: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=SPAN_DTYPE))

    def __len__(self) -> int:
        return len(self.rows)


# zones parsed together, and crossings computed together: both bound the temporary arrays
# whatever the number of zones and the length of their boundaries in pixels
# (a batch holds at most ZONES_PER_BATCH zones and, past its first zone, about BATCH_BYTES of WKB:
# many small zones go in few batches, so a million grid cells do not pay a batch's fixed cost
# a million / 256 times)
ZONES_PER_BATCH = 4096
BATCH_BYTES = 1 << 20
CROSSINGS_PER_CHUNK = 1 << 17
# a vertex further than this many pixels from the grid's origin (2,000,000 km at 30 m, far beyond
# any coordinate on Earth) makes its zone unmeasurable, like a NaN or infinite one
MAX_PIXEL_COORDINATE = float(1 << 26)


def zone_batches(zones: Sequence, geotransform, threads: int = 1, finish=None):
    """(zone count, iterator over the batches of zones in order). Each batch is (its first zone,
    its zone count, its stacks of runs: zone ids, first rows, heights, starts, ends as int32
    arrays sorted by zone, first row and column, or None; its unmeasurable zones). A stack covers
    columns start..end - 1 of its rows first row..first row + height - 1; a zone's stacks never
    overlap. Batches are rasterized on `threads` threads (numpy releases the GIL on their large
    arrays) while the caller consumes the earlier ones; finish(first zone, zone count, stacks),
    when given, replaces the stacks in the batch's thread (the caller's own work on a batch,
    done in parallel too)."""
    if geotransform[2] != 0 or geotransform[4] != 0:
        raise CiscError("Rotated rasters are not supported (the geotransform has rotation terms).")
    zones = list(zones)
    firsts = _batch_firsts(zones)
    stops = dict(zip(firsts, firsts[1:] + [len(zones)]))

    def batch(first):
        chunk = zones[first : stops[first]]
        runs, unmeasurable = _batch_runs(chunk, first, geotransform)
        if finish is not None:
            runs = finish(first, len(chunk), runs)
        return first, len(chunk), runs, unmeasurable

    def batches():
        if threads > 1 and len(firsts) > 1:
            with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="cisc-zones") as pool:
                yield from pool.map(batch, firsts)
        else:
            for first in firsts:
                yield batch(first)

    return len(zones), batches()


def _batch_firsts(zones) -> list:
    """The first zone of each batch (see ZONES_PER_BATCH and BATCH_BYTES)."""
    if all(type(zone) is bytes for zone in zones):  # the usual case, a C loop for the sizes
        sizes = np.fromiter(map(len, zones), dtype=np.int64, count=len(zones))
    else:
        sizes = np.fromiter(
            (len(zone) if isinstance(zone, (bytes, bytearray, memoryview)) else
             (zone.WkbSize() if hasattr(zone, "WkbSize") else 0) for zone in zones),
            dtype=np.int64, count=len(zones),
        )
    by_bytes = (np.cumsum(sizes) - sizes) // BATCH_BYTES
    group_firsts = [0, *(np.flatnonzero(by_bytes[1:] != by_bytes[:-1]) + 1).tolist()]
    firsts = []
    for first, stop in zip(group_firsts, group_firsts[1:] + [len(zones)]):
        firsts.extend(range(first, stop, ZONES_PER_BATCH))
    return firsts


def zone_runs(zones: Sequence, geotransform, threads: int = 1) -> ZoneRuns:
    """Runs of every zone (WKB, OGR geometries or None) on the grid of geotransform, one per row,
    sorted by row (the statistics engine keeps the stacks by row band instead: run_bands.py)."""
    count, batches = zone_batches(zones, geotransform, threads)
    batches = list(batches)
    unmeasurable = np.array(sorted(zone for *_, bad in batches for zone in bad), dtype=SPAN_DTYPE)
    batches = [expand_stacks(*runs) for _, _, runs, _ in batches if runs is not None]
    if not batches:
        empty = np.empty(0, dtype=SPAN_DTYPE)
        return ZoneRuns(empty, empty, empty, empty, np.zeros(count, dtype=np.int64), unmeasurable)
    zone_ids, rows, starts, ends = _concatenate(batches)
    del batches
    pixel_counts = np.bincount(zone_ids, weights=ends - starts, minlength=count).astype(np.int64)
    # a stable sort by row keeps each row's runs in the batches' order: by zone, then column
    row_span = rows.max() - rows.min()
    order = np.argsort((rows - rows.min()).astype(np.uint16) if row_span < 65536 else rows, kind="stable")
    # gathered one array at a time, so at most one extra copy of the runs lives at once
    zone_ids = zone_ids[order]
    rows = rows[order]
    starts = starts[order]
    ends = ends[order]
    return ZoneRuns(zone_ids, rows, starts, ends, pixel_counts, unmeasurable)


def _concatenate(pieces):
    """Column-wise concatenation of (zone_ids, rows, starts, ends) pieces (no copy for one).
    The list is emptied as the pieces are copied, so they and the result never all live at once."""
    if len(pieces) == 1:
        return pieces.pop()
    total = sum(len(piece[0]) for piece in pieces)
    out = tuple(np.empty(total, dtype=column.dtype) for column in pieces[0])
    position = 0
    while pieces:
        piece = pieces.pop(0)
        for target, column in zip(out, piece):
            target[position : position + len(column)] = column
        position += len(piece[0])
    return out


def _batch_runs(zones, first_zone, geotransform):
    """(runs of a batch of zones sorted by zone, row and column, or None if there are none;
    the indices of its unmeasurable zones)."""
    col_origin, col_scale, row_origin, row_scale = _inverse_geotransform(geotransform)
    points, lengths, ring_part, part_zone = batch_rings(zones, first_zone)
    if not lengths.size:
        return None, []
    point_part = np.repeat(ring_part, lengths)
    # the same arithmetic as GDAL's transformer and scanline fill, so ties fall the same way
    with np.errstate(invalid="ignore", over="ignore"):
        px = col_origin + points[:, 0] * col_scale
        py = row_origin + points[:, 1] * row_scale
        bad_point = ~((np.abs(px) <= MAX_PIXEL_COORDINATE) & (np.abs(py) <= MAX_PIXEL_COORDINATE))
    unmeasurable = []
    if bad_point.any():  # NaN and infinity fail the comparison too
        unmeasurable = np.unique(part_zone[point_part[bad_point]]).tolist()
        ring_zone = part_zone[ring_part]
        keep_ring = ~np.isin(ring_zone, unmeasurable)
        if not keep_ring.any():
            return None, unmeasurable
        keep_point = np.repeat(keep_ring, lengths)
        points, px, py, point_part = points[keep_point], px[keep_point], py[keep_point], point_part[keep_point]
        lengths = lengths[keep_ring]
    # an edge joins consecutive points of one ring
    last_of_ring = np.cumsum(lengths) - 1
    is_edge = np.ones(len(points), dtype=bool)
    is_edge[last_of_ring] = False
    start = np.flatnonzero(is_edge)
    ax, ay, bx, by = px[start], py[start], px[start + 1], py[start + 1]
    edge_part = point_part[start]
    edge_zone = part_zone[edge_part] - first_zone
    # zones of several parts have their parts united row by row, the others stack: each kind goes
    # in chunks of its own, so that a fishnet clipped to a coastline (a few cells of several parts
    # among a million) still stacks
    shared = part_zone[1:] == part_zone[:-1]
    zone_of_many = np.zeros(len(zones), dtype=bool)
    zone_of_many[part_zone[1:][shared] - first_zone] = True
    edge_of_many = zone_of_many[edge_zone]
    mixed = bool(edge_of_many.any()) and not bool(edge_of_many.all())
    if mixed:  # the edges of one-part zones first, then the others, each in zone order
        order = np.concatenate([np.flatnonzero(~edge_of_many), np.flatnonzero(edge_of_many)])
        ax, ay, bx, by, edge_part, edge_zone = (column[order] for column in (ax, ay, bx, by, edge_part, edge_zone))
    per_zone = np.bincount(edge_zone, weights=_crossing_counts(ay, by), minlength=len(zones))
    edge_chunk = _zone_chunks(per_zone, zone_of_many if mixed else None)[edge_zone]
    bounds = np.concatenate([[0], np.flatnonzero(edge_chunk[1:] != edge_chunk[:-1]) + 1, [edge_chunk.size]])
    pieces = []
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        if hi > lo:
            # a chunk holds zones of one kind
            piece = _chunk_runs(ax[lo:hi], ay[lo:hi], bx[lo:hi], by[lo:hi], edge_part[lo:hi], part_zone,
                                one_part_zones=not zone_of_many[edge_zone[lo]])
            if piece is not None:
                pieces.append(piece)
    if not pieces:
        return None, unmeasurable
    # stored narrower (each piece before they are joined: half the bytes copied): pixel
    # coordinates are bounded by MAX_PIXEL_COORDINATE, zone indices by 2^31
    pieces = [tuple(column.astype(RUN_DTYPE) for column in piece) for piece in pieces]
    runs = _concatenate(pieces)
    if mixed:  # back in zone order: a zone's runs come from one chunk, so a stable sort keeps them in order
        runs = sort_by_key(*runs)
    return runs, unmeasurable


def _zone_chunks(crossings, of_many=None):
    """The chunk of each zone: whole zones in zone order, about CROSSINGS_PER_CHUNK crossings a
    chunk (edges come zone by zone); with of_many, the one-part zones' chunks first, then those
    of the zones of several parts, never the two kinds in one chunk."""
    if of_many is None:
        return (np.cumsum(crossings) - crossings) // CROSSINGS_PER_CHUNK
    chunks = np.empty(crossings.size, dtype=np.int64)
    first_chunk = 0
    for kind in (~of_many, of_many):
        kind_crossings = crossings[kind]
        chunks[kind] = (np.cumsum(kind_crossings) - kind_crossings) // CROSSINGS_PER_CHUNK + first_chunk
        first_chunk = int(chunks[kind].max(initial=first_chunk - 1)) + 1
    return chunks


def _chunk_runs(ax, ay, bx, by, edge_part, part_zone, one_part_zones):
    """Stacks of runs of the edges of whole zones, sorted by zone, first row and column; None if
    there are none. one_part_zones: the zones are all of one part (else all of several, whose
    parts are united row by row)."""
    # the parts of a zone are united row by row: stacks only where every zone is one part
    parts, rows, heights, columns = _crossings(ax, ay, bx, by, edge_part, stacks=one_part_zones)
    if rows.size == 0:
        return None
    # crossings come edge by edge, each edge's rows ascending: a stable sort merges them fast
    order = np.argsort(_sort_key(parts, rows, columns), kind="stable")
    parts, rows, heights, columns = parts[order], rows[order], heights[order], columns[order]
    del order
    # the half-open crossing rule gives every (part, row) an even number of crossings; the
    # crossings starting at one row of a part all have its height (_stack_pieces)
    parts, rows, heights, starts, ends = parts[0::2], rows[0::2], heights[0::2], columns[0::2], columns[1::2]
    keep = ends > starts
    if not keep.any():
        return None
    zone_ids = part_zone[parts[keep]]
    if one_part_zones:
        # the even-odd pairs of a part never overlap, and they come sorted by part (= zone),
        # row and column already
        return zone_ids, rows[keep], heights[keep], starts[keep], ends[keep]
    zone_ids, rows, starts, ends = _union_per_zone(zone_ids, rows[keep], starts[keep], ends[keep])
    return zone_ids, rows, np.ones_like(rows), starts, ends


def _crossing_counts(ay, by):
    """How many pixel-row centre lines each edge crosses (see _crossings)."""
    low, high = np.minimum(ay, by), np.maximum(ay, by)
    # an estimate for chunking only: non-finite coordinates count as none
    return np.nan_to_num(np.ceil(high - 0.5) - np.ceil(low - 0.5), nan=0.0, posinf=0.0, neginf=0.0)


def _crossings(ax, ay, bx, by, part, stacks=True):
    """Parts, first rows, heights and columns where edges cross the centre lines of pixel rows:
    a crossing at x starts or ends a run at the first pixel whose centre lies beyond x.

    Edges are oriented downwards and the crossing computed with GDAL's formula; rows whose
    centre y = row + 0.5 satisfies top <= y < bottom are crossed (horizontal edges never).
    A vertical edge crosses all its rows at its x: with `stacks`, one crossing as tall as its
    rows where its part allows, cut where other stacks start or end (_stack_pieces); every other
    edge one crossing per row."""
    swap = ay > by
    x0, y0 = np.where(swap, bx, ax), np.where(swap, by, ay)
    x1, y1 = np.where(swap, ax, bx), np.where(swap, ay, by)
    first_row = np.ceil(y0 - 0.5).astype(SPAN_DTYPE)
    counts = np.ceil(y1 - 0.5).astype(SPAN_DTYPE) - first_row
    crossed = counts > 0
    x0, y0, x1, y1 = x0[crossed], y0[crossed], x1[crossed], y1[crossed]
    first_row, counts, part = first_row[crossed], counts[crossed], part[crossed]
    pieces = _stack_pieces(part, first_row, counts, (x0 == x1) & (counts > 1)) if stacks else None
    stacked = None
    if pieces is not None:
        stacked, piece_edge, stack_rows, stack_heights = pieces
        # GDAL's formula gives x0 itself on every row of a vertical edge
        stack_parts = part[piece_edge]
        stack_columns = np.floor(x0[piece_edge] + 0.5).astype(SPAN_DTYPE)
        single = ~stacked
        x0, y0, x1, y1 = x0[single], y0[single], x1[single], y1[single]
        first_row, counts, part = first_row[single], counts[single], part[single]
    edge, _ = owners(counts)
    rows = np.arange(edge.size, dtype=SPAN_DTYPE) - (np.cumsum(counts) - counts - first_row)[edge]
    ex0, ey0 = x0[edge], y0[edge]
    xs = (rows + 0.5 - ey0) * (x1[edge] - ex0) / (y1[edge] - ey0) + ex0
    columns = np.floor(xs + 0.5).astype(SPAN_DTYPE)
    del xs, ex0, ey0
    parts, heights = part[edge], np.ones_like(rows)
    if stacked is None:
        return parts, rows, heights, columns
    return (np.concatenate([parts, stack_parts]), np.concatenate([rows, stack_rows]),
            np.concatenate([heights, stack_heights]), np.concatenate([columns, stack_columns]))


def _stack_pieces(part, first_row, counts, candidate):
    """The candidate edges (vertical, two rows or more) that cross as stacks, and their stacks:
    (stacked edges as a mask, each stack's edge, first row, height); None if there are none.

    A part's candidates are cut at every candidate end (top or bottom) of the part inside their
    rows, so that two stacks of a part cover the same rows or none in common: then in those rows
    the part's crossings are these stacks (no other edge crosses them, or the part's edges all
    cross row by row) and pair the same way in each row, and the crossings starting at one row of
    a part all have the same height."""
    if not candidate.any():
        return None
    base = np.int64(first_row.min())
    span = np.int64((first_row + counts).max()) - base + 1  # rows from base, end rows included
    top = first_row - base
    bottom = top + counts  # exclusive
    # parts kept apart in one sorted array: part * span is below any row key of the part
    key = part * span
    bad_part = np.zeros(part.max() + 1, dtype=bool)
    other = ~candidate
    cand = np.flatnonzero(candidate)
    if other.any():
        # an edge crossing row by row over a candidate's rows: the others by (part, top), with a
        # running maximum of their bottoms; the last other above a candidate's bottom reaches
        # below its top
        other_key = key[other] + top[other]
        order = np.argsort(other_key, kind="stable")
        other_key = other_key[order]
        deepest = np.maximum.accumulate((key[other] + bottom[other])[order])
        before = np.searchsorted(other_key, key[cand] + bottom[cand], side="left") - 1
        reach = np.where(before >= 0, deepest[np.maximum(before, 0)], -1)
        bad_part[part[cand][(reach >= key[cand]) & (reach - key[cand] > top[cand])]] = True
        if bad_part[part[cand]].all():
            return None
        cand = cand[~bad_part[part[cand]]]
    # parts whose candidates all cover the same rows (the two sides of a square or a pointy-top
    # hexagon) have no end inside another's rows: one stack each, without the sort below
    cand_part = part[cand]
    if bool(np.all(cand_part[1:] >= cand_part[:-1])):  # edges come part by part
        first_of_part = group_starts(cand_part)
        part_of, _ = owners(np.diff(np.append(first_of_part, cand.size)))
        same = ((np.minimum.reduceat(top[cand], first_of_part) == np.maximum.reduceat(top[cand], first_of_part))
                & (np.minimum.reduceat(bottom[cand], first_of_part)
                   == np.maximum.reduceat(bottom[cand], first_of_part)))[part_of]
        whole, cand = cand[same], cand[~same]
    else:
        whole = cand[:0]
    stacked = np.zeros(candidate.size, dtype=bool)
    stacked[whole] = True
    if not cand.size:
        return stacked, whole, first_row[whole], counts[whole]
    # cut at the candidates' ends strictly inside a candidate's rows
    cuts = np.unique(np.concatenate([key[cand] + top[cand], key[cand] + bottom[cand]]))
    lo = np.searchsorted(cuts, key[cand] + top[cand], side="right")
    hi = np.searchsorted(cuts, key[cand] + bottom[cand], side="left")
    pieces = hi - lo + 1
    owner, firsts = owners(pieces)
    piece_edge = cand[owner]
    inner = np.arange(owner.size) - firsts[owner]  # the piece's place in its edge
    piece_lo = lo[owner] + inner  # the cut below the piece's top, if any
    is_first = inner == 0
    is_last = inner == (pieces - 1)[owner]
    piece_key = key[piece_edge]
    piece_top = np.where(is_first, top[piece_edge], cuts[np.minimum(piece_lo - 1, cuts.size - 1)] - piece_key)
    piece_bottom = np.where(is_last, bottom[piece_edge], cuts[np.minimum(piece_lo, cuts.size - 1)] - piece_key)
    stacked[cand] = True
    return (stacked, np.concatenate([whole, piece_edge]), np.concatenate([first_row[whole], piece_top + base]),
            np.concatenate([counts[whole], piece_bottom - piece_top]))


def _sort_key(major, rows, columns):
    """One int64 that sorts like (major, row, column): one argsort instead of a lexsort."""
    row_span = np.int64(rows.max() - rows.min() + 1)
    column_span = np.int64(columns.max() - columns.min() + 1)
    if row_span * column_span * np.int64(major.max() + 1) >= np.int64(1) << 62:
        raise CiscError("A zone lies too far from the raster for its pixels to be counted.")
    return (major * row_span + (rows - rows.min())) * column_span + (columns - columns.min())


def _union_per_zone(zone_ids, rows, starts, ends):
    """Runs united per zone and row where they overlap (parts of a multipolygon may), sorted by
    zone, row and column; touching runs stay apart, so a zone of one part gets the runs it would
    get alone, whatever the batch."""
    order = np.argsort(_sort_key(zone_ids, rows, starts), kind="stable")
    zone_ids, rows, starts, ends = zone_ids[order], rows[order], starts[order], ends[order]
    group = np.ones(rows.size, dtype=bool)  # first run of a (zone, row)
    group[1:] = (rows[1:] != rows[:-1]) | (zone_ids[1:] != zone_ids[:-1])
    # running maximum of the ends within each (zone, row), groups kept apart by an offset
    group_number = np.cumsum(group)
    offset = (group_number * (np.int64(ends.max()) - starts.min() + 2)).astype(SPAN_DTYPE)
    running_end = np.maximum.accumulate(ends + offset) - offset
    previous_end = np.empty_like(running_end)
    previous_end[0] = 0
    previous_end[1:] = running_end[:-1]
    begins = group | (starts >= previous_end)  # touching runs stay apart, as a single part leaves them
    first = np.flatnonzero(begins)
    last = np.append(first[1:], rows.size) - 1
    return zone_ids[first], rows[first], starts[first], running_end[last]
