"""Benchmark rows of grids of zones: 100,000 hexagons and 1,000,000 square 1 km cells, also
clipped to a coastline, and turned by a degree (timed only).

Grids of zones (a 1 km fishnet, hexagons) over a province or the country are a common way to
use CISC; they are compared with the 34 province-like zones on the same 1-billion-pixel raster
(run_benchmarks.py), with the targets of the engine issue (#4 "All of China in minutes"):
100,000 zones at most 2x the 34-zone time, 1,000,000 zones at most 4x with a peak RSS under 1 GB.
A fishnet clipped to a boundary has a few cells of two parts (land on both sides of an inlet)
among its one-part cells; such cells once sent their whole batch through the slow paths (2x the
time of the unclipped fishnet): the clipped fishnet is held to 1.25x the unclipped one. A fishnet
made in another projected CRS (UTM, Gauss-Krüger) lies turned in Albers: its cells have slanted
sides, do not stack and go row by row; that row is timed, not judged (no target of issue 13).

The grids are generated with numpy as WKB (no OGR geometry per cell) and written once, beside
the raster, as GeoPackages in the raster's CRS (MultiPolygons, as QGIS writes most layers).
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np

HEXAGONS = 100_000
SQUARES_SIDE = 1000  # 1000 x 1000 cells of 1 km
SQUARE_CELL_M = 1000.0
CLIPPED_EVERY = 997  # one cell in this many of the clipped fishnet has two parts
ROTATED_DEGREES = 1.0  # the rotated fishnet: a grid made in another projected CRS


def _multipolygon_wkb(xs: np.ndarray, ys: np.ndarray) -> list:
    """ISO WKB MultiPolygons of one ring each; xs, ys: (cells, points) closed rings."""
    count, points = xs.shape
    header = (b"\x01\x06\x00\x00\x00\x01\x00\x00\x00\x01\x03\x00\x00\x00\x01\x00\x00\x00"
              + int(points).to_bytes(4, "little"))
    coordinates = np.empty((count, points, 2), dtype="<f8")
    coordinates[:, :, 0], coordinates[:, :, 1] = xs, ys
    body = np.concatenate(
        [np.broadcast_to(np.frombuffer(header, np.uint8), (count, len(header))),
         coordinates.view(np.uint8).reshape(count, points * 16)], axis=1)
    return [row.tobytes() for row in body]


def square_cells(bounds, side: int = SQUARES_SIDE, cell: float = SQUARE_CELL_M) -> list:
    """side x side square cells of `cell` metres centred on bounds (xmin, ymin, xmax, ymax): a
    fishnet that may reach beyond the raster (cells there hold invalid pixel centres)."""
    return _multipolygon_wkb(*_square_rings(bounds, side, cell))


def _square_rings(bounds, side: int, cell: float):
    """square_cells' closed rings: xs, ys of shape (cells, 5)."""
    xmin, ymin, xmax, ymax = bounds
    x0 = (xmin + xmax) / 2 - side * cell / 2
    y0 = (ymin + ymax) / 2 + side * cell / 2
    col, row = np.meshgrid(np.arange(side), np.arange(side))
    left = x0 + col.ravel() * cell
    top = y0 - row.ravel() * cell
    xs = np.stack([left, left + cell, left + cell, left, left], axis=1)
    ys = np.stack([top, top, top - cell, top - cell, top], axis=1)
    return xs, ys


def clipped_square_cells(bounds, side: int = SQUARES_SIDE, cell: float = SQUARE_CELL_M,
                         every: int = CLIPPED_EVERY) -> list:
    """square_cells, with one cell in `every` clipped into two parts (a MultiPolygon of its left
    60 % and right 30 %: land both sides of a channel), the others untouched."""
    xs, ys = _square_rings(bounds, side, cell)
    wkbs = _multipolygon_wkb(xs, ys)
    ring_header = b"\x01\x03\x00\x00\x00\x01\x00\x00\x00\x05\x00\x00\x00"
    for index in range(every // 2, len(wkbs), every):
        x0, x1, y0, y1 = xs[index].min(), xs[index].max(), ys[index].min(), ys[index].max()
        parts = []
        for left, right in ((x0, x0 + 0.6 * (x1 - x0)), (x0 + 0.7 * (x1 - x0), x1)):
            ring = np.array([[left, y1], [right, y1], [right, y0], [left, y0], [left, y1]], dtype="<f8")
            parts.append(ring_header + ring.tobytes())
        wkbs[index] = b"\x01\x06\x00\x00\x00" + len(parts).to_bytes(4, "little") + b"".join(parts)
    return wkbs


def rotated_square_cells(bounds, side: int = SQUARES_SIDE, cell: float = SQUARE_CELL_M,
                         degrees: float = ROTATED_DEGREES) -> list:
    """square_cells turned by `degrees` about their centre, as a 1 km grid made in UTM or
    Gauss-Krüger lies in Albers: cells with slanted sides, which go row by row (no stacks)."""
    xs, ys = _square_rings(bounds, side, cell)
    centre_x, centre_y = xs.mean(), ys.mean()
    angle = math.radians(degrees)
    x, y = xs - centre_x, ys - centre_y
    return _multipolygon_wkb(centre_x + x * math.cos(angle) - y * math.sin(angle),
                             centre_y + x * math.sin(angle) + y * math.cos(angle))


def hexagons(bounds, count: int = HEXAGONS) -> list:
    """About `count` regular pointy-top hexagons tiling bounds."""
    xmin, ymin, xmax, ymax = bounds
    width, height = xmax - xmin, ymax - ymin
    side = math.sqrt(width * height / (1.5 * math.sqrt(3) * count))
    dx, dy = math.sqrt(3) * side, 1.5 * side
    columns, rows = max(1, round(width / dx)), max(1, round(height / dy))
    col, row = np.meshgrid(np.arange(columns), np.arange(rows))
    cx = xmin + (col.ravel() + 0.5 + 0.5 * (row.ravel() % 2)) * dx - dx / 4
    cy = ymax - (row.ravel() + 0.5) * dy
    angles = np.radians(90 + 60 * np.arange(7))  # closed ring, pointy top
    xs = cx[:, None] + side * np.cos(angles)[None, :]
    ys = cy[:, None] + side * np.sin(angles)[None, :]
    return _multipolygon_wkb(xs, ys)


def write_wkb_zones(path: str, wkbs: list, crs_wkt: str, text_fields=(), texts=None) -> str:
    """A GeoPackage layer "zones" (zone_id from 1, then text_fields with texts[i] for wkbs[i])
    of the WKB geometries; written to a .part first."""
    from osgeo import ogr, osr

    ogr.UseExceptions()
    tmp = str(path) + ".part.gpkg"
    if os.path.exists(tmp):
        os.remove(tmp)
    srs = osr.SpatialReference()
    srs.ImportFromWkt(crs_wkt)
    ds = ogr.GetDriverByName("GPKG").CreateDataSource(tmp)
    layer = ds.CreateLayer("zones", srs=srs, geom_type=ogr.wkbMultiPolygon, options=["SPATIAL_INDEX=NO"])
    layer.CreateField(ogr.FieldDefn("zone_id", ogr.OFTInteger))
    for name in text_fields:
        layer.CreateField(ogr.FieldDefn(name, ogr.OFTString))
    definition = layer.GetLayerDefn()
    layer.StartTransaction()
    for index, wkb in enumerate(wkbs, start=1):
        feature = ogr.Feature(definition)
        feature.SetField(0, index)
        for position, value in enumerate(texts[index - 1] if texts is not None else (), start=1):
            feature.SetField(position, value)
        feature.SetGeometryDirectly(ogr.CreateGeometryFromWkb(wkb))
        layer.CreateFeature(feature)
    layer.CommitTransaction()
    ds = None
    os.replace(tmp, path)
    return str(path)


def grid_zones_file(sample, kind: str, quick: bool = False, log=print) -> str:
    """The grid's GeoPackage beside the sample's rasters (kind "hexagons", "squares" or
    "squares_clipped", "squares_rotated"); made once.
    quick: a hundredth of the zones (the smoke test)."""
    path = Path(sample.folder) / f"zones_{kind}{'_quick' if quick else ''}.gpkg"
    if path.exists():
        return str(path)
    bounds = sample.bounds("cisc_2020")
    log(f"writing the {kind} grid over {sample.width} x {sample.height} pixels ...")
    if kind == "hexagons":
        wkbs = hexagons(bounds, HEXAGONS // 100 if quick else HEXAGONS)
    elif kind == "squares_clipped":
        wkbs = clipped_square_cells(bounds, SQUARES_SIDE // 10 if quick else SQUARES_SIDE)
    elif kind == "squares_rotated":
        wkbs = rotated_square_cells(bounds, SQUARES_SIDE // 10 if quick else SQUARES_SIDE)
    else:
        wkbs = square_cells(bounds, SQUARES_SIDE // 10 if quick else SQUARES_SIDE)
    return write_wkb_zones(str(path), wkbs, sample.crs_wkt)


# -- rows and targets of run_benchmarks ------------------------------------------------------

GRID_ROWS = (("zonal_hexagons", "hexagons", 2.0), ("zonal_squares", "squares", 4.0))
GRID_MEMORY_MB = 1000.0  # the million zones' peak RSS bound
# the clipped fishnet against the whole one: (key, kind, bound)
CLIPPED_ROW = ("zonal_squares_clipped", "squares_clipped", 1.25)
# timed, not judged (no target of issue 13): the fishnet turned by ROTATED_DEGREES
ROTATED_ROW = ("zonal_squares_rotated", "squares_rotated", None)


def measure_rows(bench, big, big_zones_key: str = "zonal_big"):
    """Time the grids on the big raster (masked zonal, as the 34-zone row big_zones_key)."""
    quick = bench.args.quick
    pixels = big.width * big.height
    for key, kind, _ in (*GRID_ROWS, CLIPPED_ROW, ROTATED_ROW):
        path = grid_zones_file(big, kind, quick, log=bench_log)
        count = zone_count(path)
        what = {"hexagons": f"{count:,} hexagons", "squares": f"{count:,} square cells of 1 km",
                "squares_clipped": f"{count:,} square cells of 1 km, one in {CLIPPED_EVERY} of two parts",
                "squares_rotated": f"{count:,} square cells of 1 km turned by {ROTATED_DEGREES:g} degree "
                                   "(not judged)"}[kind]
        bench.measure(key, f"cisc engine zonal, masked, {what}, {big.width} x {big.height}",
                      {"kind": "zonal", "raster": big.cisc_2020, "mask": big.valid_mask_2020, "zones": path},
                      pixels)
        bench.grid_counts = getattr(bench, "grid_counts", {})
        bench.grid_counts[key] = count
    return bench


def targets(bench, big_zones_key: str = "zonal_big"):
    """(label, measured, bound, met) of the grid rows against the 34 zones on the same raster."""
    out = []
    counts = getattr(bench, "grid_counts", {})
    for key, kind, bound in GRID_ROWS:
        ratio = bench.ratio(key, big_zones_key)
        best = bench.ratio(key, big_zones_key, bench.best)
        label = f"engine zonal {counts.get(key, 0):,} {kind} / 34 zones, same raster"
        measured = "n/a" if ratio is None else f"{ratio:.1f}x (best runs: {best:.1f}x)"
        out.append((label, measured, f"<= {bound:g}x", None if ratio is None else ratio <= bound))
    key, _, bound = CLIPPED_ROW
    ratio, best = bench.ratio(key, "zonal_squares"), bench.ratio(key, "zonal_squares", bench.best)
    out.append((f"engine zonal {counts.get(key, 0):,} squares, one in {CLIPPED_EVERY} of two parts / the same "
                "squares whole", "n/a" if ratio is None else f"{ratio:.2f}x (best runs: {best:.2f}x)",
                f"<= {bound:g}x", None if ratio is None else ratio <= bound))
    peak = (bench.rows.get("zonal_squares") or {}).get("peak_rss_mb")
    out.append((f"engine zonal {counts.get('zonal_squares', 0):,} squares, peak memory (RSS high-water)",
                "n/a" if peak is None else f"{peak:.0f} MB", f"< {GRID_MEMORY_MB:.0f} MB",
                None if peak is None else peak < GRID_MEMORY_MB))
    return out


def bench_log(message: str) -> None:
    import sys

    print(message, file=sys.stderr, flush=True)


def zone_count(path: str) -> int:
    from osgeo import ogr

    ds = ogr.Open(str(path))
    return int(ds.GetLayer(0).GetFeatureCount())
