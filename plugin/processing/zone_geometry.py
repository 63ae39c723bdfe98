"""Zone geometries on their way to the raster's CRS: web-map offset removed, edges reprojected
exactly.

read_zones (zone_features.py) hands each zone's polygon WKB, in the zones' own CRS, to a ZonePipeline;
the pipeline works on batches of zones (about CHUNK_VERTICES vertices at a time, so memory stays
bounded whatever the layer):

1. ZONES_OFFSET GCJ-02 / BD-09: every vertex converted to WGS84 (core/webmap_offset.py, exact to
   0.1 mm; vertices outside the offset area unchanged), the shifts summed up for the log;
2. the edges densified adaptively in the source CRS (core/densify.py) until each transformed edge
   lies within `tolerance` (a tenth of a raster pixel) of its true curve, and transformed with the
   context's QgsCoordinateTransform: one C++ call per batch and level, bit for bit the
   coordinates QgsGeometry.transform() gives the same vertices;
3. the TransformProbe of crs_guard.py sees the first vertex of the sampled zones before and after.

A batch that cannot be transformed as a whole (a point PROJ cannot transform) is done zone by
zone: only the zones that fail get no geometry (zeros and NULLs, with a warning), as before.
"""

from __future__ import annotations

import struct
from typing import Dict, List, Optional, Tuple

import numpy as np
from qgis.core import QgsCoordinateReferenceSystem, QgsCoordinateTransform, QgsCsException, QgsGeometry

from ..core.densify import PolygonBlocks, TransformFailed, densify_transform, polygon_wkb, polygon_wkb_blocks
from ..core.webmap_offset import OFFSET_NONE, ShiftSummary, to_wgs84
from ..core.wkb_coords import map_wkb_xy

# vertices per batch
CHUNK_VERTICES = 200_000
# densify the zones' edges (True); False transforms vertex by vertex, as before (benchmark baseline)
DENSIFY_EDGES = True
# a tenth of CISC's 30 m pixel: the tolerance when no raster is at hand (metres, or degrees for a
# geographic target)
DEFAULT_TOLERANCE_M = 3.0
_METRES_PER_DEGREE = 111_320.0


def points_transform(transform: QgsCoordinateTransform):
    """(x, y) float64 arrays -> transformed arrays, through transform in one call: the points go
    to QGIS as one linestring's WKB, are transformed in place in C++ and come back as WKB.
    Raises QgsCsException where QGIS does; an untransformable point may also come back inf."""

    def apply(x: np.ndarray, y: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        x = np.asarray(x, dtype=np.float64).reshape(-1)
        y = np.asarray(y, dtype=np.float64).reshape(-1)
        if x.size == 0:
            return x.copy(), y.copy()
        xy = np.empty((x.size, 2), dtype="<f8")
        xy[:, 0], xy[:, 1] = x, y
        line = QgsGeometry()
        line.fromWkb(struct.pack("<BII", 1, 2, x.size) + xy.tobytes())
        line.transform(transform)
        out = np.frombuffer(bytes(line.asWkb()), dtype="<f8", offset=9).reshape(-1, 2)
        return out[:, 0].copy(), out[:, 1].copy()

    return apply


def tolerance_for(target_crs: QgsCoordinateReferenceSystem, pixel_size: Optional[float]) -> float:
    """A tenth of the raster's pixel (target units); a tenth of 30 m without a raster."""
    if pixel_size and pixel_size > 0:
        return float(pixel_size) / 10.0
    if target_crs is not None and target_crs.isValid() and target_crs.isGeographic():
        return DEFAULT_TOLERANCE_M / _METRES_PER_DEGREE
    return DEFAULT_TOLERANCE_M


class ZonePipeline:
    """Zones (polygon WKB in the zones' CRS) -> WKB in the target CRS, batch by batch.

    add(position, wkb) queues a zone (wkb None: no polygon); finish() returns
    {position: WKB or None}. untransformable counts the zones that got no geometry because the
    transformation failed; inserted the vertices densification added; summary the web-map
    offset's shifts (None without offset)."""

    def __init__(self, transform: Optional[QgsCoordinateTransform], offset: int = OFFSET_NONE,
                 tolerance: float = DEFAULT_TOLERANCE_M, probe=None, densify: Optional[bool] = None):
        self.transform = transform
        self.offset = int(offset or OFFSET_NONE)
        self.tolerance = float(tolerance)
        self.probe = probe
        self.densify = DENSIFY_EDGES if densify is None else bool(densify)
        self.summary = ShiftSummary() if self.offset != OFFSET_NONE else None
        self.untransformable = 0
        self.inserted = 0
        self._points = points_transform(transform) if transform is not None else None
        self._pending: List[Tuple[int, PolygonBlocks, bool]] = []
        self._pending_vertices = 0
        self._results: Dict[int, Optional[bytes]] = {}

    @property
    def passthrough(self) -> bool:
        """True when the pipeline hands every zone back as it is (no transform, no offset)."""
        return self._points is None and self.offset == OFFSET_NONE

    def add(self, position: int, wkb: Optional[bytes]) -> None:
        if wkb is None:
            self._results[position] = None
            return
        if self.passthrough:
            self._results[position] = wkb  # nothing to do: the zones are in the target CRS
            return
        blocks = polygon_wkb_blocks(wkb)
        if blocks is None:  # not readable as polygons: left to QGIS, vertex by vertex
            self._results[position] = self._fallback(wkb)
            return
        if blocks.vertex_count == 0:
            self._results[position] = None
            return
        sampled = self.probe is not None and self._points is not None and self.probe.wants()
        self._pending.append((position, blocks, sampled))
        self._pending_vertices += blocks.vertex_count
        if self._pending_vertices >= CHUNK_VERTICES:
            self.flush()

    def finish(self) -> Dict[int, Optional[bytes]]:
        self.flush()
        return self._results

    # -- batches -------------------------------------------------------------------------
    def flush(self) -> None:
        pending, self._pending, self._pending_vertices = self._pending, [], 0
        if not pending:
            return
        xy = np.concatenate([ring for _, blocks, _ in pending for ring in blocks.ring_arrays()])
        x, y = np.ascontiguousarray(xy[:, 0]), np.ascontiguousarray(xy[:, 1])
        if self.offset != OFFSET_NONE:
            x, y = to_wgs84(x, y, self.offset, self.summary)
        counts = [blocks.vertex_count for _, blocks, _ in pending]
        sizes = np.fromiter((n for _, blocks, _ in pending for n in blocks.counts), dtype=np.int64)
        if self._points is None:
            self._store(pending, x, y, sizes)
            return
        try:
            tx, ty, new_sizes = self._densified(x, y, sizes)
        except (QgsCsException, TransformFailed):
            self._zone_by_zone(pending, x, y, counts)
            return
        self._sample(pending, x, y, counts, tx, ty, new_sizes)
        self._store(pending, tx, ty, new_sizes)

    def _densified(self, x, y, sizes):
        if not self.densify:
            tx, ty = self._points(x, y)
            tx, ty = np.asarray(tx), np.asarray(ty)
            if not (np.isfinite(tx).all() and np.isfinite(ty).all()):
                raise TransformFailed("non-finite coordinates")
            return tx, ty, sizes
        tx, ty, new_sizes, inserted = densify_transform(x, y, sizes, self._points, self.tolerance)
        self.inserted += inserted
        return tx, ty, new_sizes

    def _zone_by_zone(self, pending, x, y, counts) -> None:
        starts = np.concatenate([[0], np.cumsum(counts)])
        for index, item in enumerate(pending):
            position, blocks, _sampled = item
            zx, zy = x[starts[index]:starts[index + 1]], y[starts[index]:starts[index + 1]]
            try:
                tx, ty, sizes = self._densified(zx, zy, np.asarray(blocks.counts, dtype=np.int64))
            except (QgsCsException, TransformFailed):
                self.untransformable += 1
                self._results[position] = None
                continue
            self._sample([item], zx, zy, [blocks.vertex_count], tx, ty, sizes)
            self._store([item], tx, ty, sizes)

    def _sample(self, pending, x, y, counts, tx, ty, new_sizes) -> None:
        """The probe's (before, after) pair of each sampled zone: its first vertex."""
        if self.probe is None:
            return
        start = new_start = ring = 0
        for (_position, blocks, sampled), count in zip(pending, counts):
            rings = len(blocks.counts)
            new_count = int(new_sizes[ring:ring + rings].sum())
            if sampled:
                self.probe.add((float(x[start]), float(y[start])), (float(tx[new_start]), float(ty[new_start])))
            start += count
            new_start += new_count
            ring += rings

    def _store(self, pending, x, y, new_sizes) -> None:
        """Each zone's WKB with its new coordinates: rewritten in place when no vertex was added."""
        xy = np.empty((len(x), 2), dtype="<f8")
        xy[:, 0], xy[:, 1] = x, y
        start = ring = 0
        for position, blocks, _sampled in pending:
            rings = len(blocks.counts)
            sizes = new_sizes[ring:ring + rings]
            n = int(sizes.sum())
            if n == blocks.vertex_count:
                self._results[position] = blocks.with_coordinates(xy[start:start + n])
            else:
                self._results[position] = polygon_wkb(x[start:start + n], y[start:start + n], sizes,
                                                      blocks.part_rings)
            start += n
            ring += rings

    def _fallback(self, wkb: bytes) -> Optional[bytes]:
        """A geometry the polygon reader does not take: offset removed, transformed by QGIS itself."""
        if self.offset != OFFSET_NONE:
            try:
                wkb = map_wkb_xy(wkb, lambda x, y: to_wgs84(x, y, self.offset, self.summary))
            except ValueError:
                pass  # not readable here either: QGIS reads what it can
        geometry = QgsGeometry()
        geometry.fromWkb(wkb)
        if self.transform is not None:
            try:
                geometry.transform(self.transform)
            except QgsCsException:
                self.untransformable += 1
                return None
        return bytes(geometry.asWkb())


def densified_extent(rect, transform: Optional[QgsCoordinateTransform], tolerance: float):
    """The bounding box, in the transform's destination CRS, of a rectangle (QgsRectangle in the
    source CRS) whose edges are densified until the transformed outline lies within tolerance
    of the true one. rect itself when transform is None. QgsCsException / TransformFailed when
    the rectangle cannot be transformed."""
    from qgis.core import QgsRectangle

    if transform is None:
        return rect
    x0, y0, x1, y1 = rect.xMinimum(), rect.yMinimum(), rect.xMaximum(), rect.yMaximum()
    x = np.array([x0, x1, x1, x0, x0], dtype=np.float64)
    y = np.array([y0, y0, y1, y1, y0], dtype=np.float64)
    tx, ty, _sizes, _inserted = densify_transform(x, y, [5], points_transform(transform), tolerance)
    return QgsRectangle(float(tx.min()), float(ty.min()), float(tx.max()), float(ty.max()))
