"""Benchmark rows: the cost of ZONES_OFFSET and of the exact reprojection of zone edges.

cisc:zonalstatistics through Processing on the 3,000 county-like zones in EPSG:4326, in one
process, the variants interleaved run by run so that a machine slowing down hits them alike:

- plain: the zones transformed to the raster's CRS vertex by vertex (edge densification
  switched off: what the plugin did before);
- densified: the same zones, edges densified to a tenth of a pixel (the default now);
- offset: a GCJ-02 copy of the zones with ZONES_OFFSET = 1, vertex by vertex;
- offset + densified: the GCJ-02 copy with ZONES_OFFSET = 1 and densified edges (the default
  with the option).

Called by benchmarks/run_benchmarks.py (measure.py case "offset"), or alone:

    python -m benchmarks.bench_offset RASTER MASK --zones-albers ZONES.gpkg --repeats 3
"""

from __future__ import annotations

import os
import re
import tempfile
import time

VARIANTS = (
    ("plain", "true", None, False),
    ("densified", "true", None, True),
    ("offset", "gcj", 1, False),
    ("offset_densified", "gcj", 1, True),
)
LABELS = {
    "plain": "zones in EPSG:4326, vertex by vertex (before)",
    "densified": "zones in EPSG:4326, edges densified (default)",
    "offset": "GCJ-02 zones, ZONES_OFFSET=1, vertex by vertex",
    "offset_densified": "GCJ-02 zones, ZONES_OFFSET=1, edges densified (default with the option)",
}


def offset_zone_files(zones_albers: str, folder=None) -> dict:
    """The zones of zones_albers (a GeoPackage in the rasters' CRS) in EPSG:4326 ("true") and a
    GCJ-02 copy of them ("gcj"), written once beside it (or into folder)."""
    from osgeo import ogr, osr

    from tools.plugin_package import put_plugin_on_path

    put_plugin_on_path()
    from cisc_impervious.plugin.core.webmap_offset import OFFSET_GCJ02, forward
    from cisc_impervious.plugin.core.wkb_coords import map_wkb_xy

    folder = folder or os.path.dirname(os.path.abspath(zones_albers))
    stem = os.path.splitext(os.path.basename(zones_albers))[0]
    paths = {"true": os.path.join(folder, f"{stem}_4326.gpkg"), "gcj": os.path.join(folder, f"{stem}_gcj02.gpkg")}
    if all(os.path.exists(p) for p in paths.values()):
        return paths
    wgs84 = osr.SpatialReference()
    wgs84.ImportFromEPSG(4326)
    wgs84.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)

    def gcj(wkb):
        return ogr.CreateGeometryFromWkb(map_wkb_xy(wkb, lambda x, y: forward(x, y, OFFSET_GCJ02)))

    for key, convert in (("true", None), ("gcj", gcj)):
        _write_4326(zones_albers, paths[key], wgs84, convert)
    return paths


def _write_4326(source_path: str, path: str, wgs84, convert=None) -> None:
    """source_path's features in EPSG:4326 (vertex by vertex: write_zones densified the Albers
    edges to 1 km), each geometry through convert(wkb) -> OGR geometry when given."""
    from osgeo import ogr, osr

    source = ogr.Open(source_path)
    layer = source.GetLayer(0)
    transform = osr.CoordinateTransformation(layer.GetSpatialRef(), wgs84)
    driver = ogr.GetDriverByName("GPKG")
    part = path + ".part.gpkg"
    if os.path.exists(part):
        driver.DeleteDataSource(part)
    target = driver.CreateDataSource(part)
    out = target.CreateLayer("zones", wgs84, ogr.wkbMultiPolygon)
    definition = layer.GetLayerDefn()
    for index in range(definition.GetFieldCount()):
        out.CreateField(definition.GetFieldDefn(index))
    for feature in layer:
        geometry = feature.GetGeometryRef().Clone()
        geometry.Transform(transform)
        copy = ogr.Feature(out.GetLayerDefn())
        copy.SetFrom(feature)
        copy.SetGeometry(geometry if convert is None else convert(geometry.ExportToIsoWkb()))
        out.CreateFeature(copy)
    copy = out = layer = None
    target = source = None  # noqa: F841 - closes both files
    os.replace(part, path)


def bench_offset(raster, mask, zones: dict, repeats: int = 3) -> dict:
    """Seconds of each variant (every run), the vertices added by densification and the
    offset's shifts as logged; zones: {"true": path, "gcj": path} (offset_zone_files)."""
    from benchmarks.bench_processing import ensure_qgis

    ensure_qgis()
    import processing
    from qgis.core import QgsProcessingFeedback

    from cisc_impervious.plugin.processing import zone_geometry

    class Recording(QgsProcessingFeedback):
        def __init__(self):
            super().__init__()
            self.infos = []

        def pushInfo(self, info):  # noqa: N802
            self.infos.append(info)

    timings = {key: [] for key, *_ in VARIANTS}
    logs = {}
    previous = zone_geometry.DENSIFY_EDGES
    try:
        with tempfile.TemporaryDirectory(prefix="cisc_bench_offset_") as tmp:
            # one untimed run first: the first run of a process pays for caches (CRS, GDAL, PROJ)
            processing.run("cisc:zonalstatistics", {"INPUT": str(raster), "VALID_MASK": str(mask) if mask else None,
                                                    "ZONES": zones["true"], "OUTPUT": os.path.join(tmp, "warm.gpkg")},
                           feedback=QgsProcessingFeedback())
            for attempt in range(max(1, int(repeats))):
                for key, zones_key, offset, densify in VARIANTS:
                    zone_geometry.DENSIFY_EDGES = densify
                    params = {"INPUT": str(raster), "VALID_MASK": str(mask) if mask else None,
                              "ZONES": zones[zones_key], "OUTPUT": os.path.join(tmp, f"{key}_{attempt}.gpkg")}
                    if offset is not None:
                        params["ZONES_OFFSET"] = offset
                    feedback = Recording()
                    start = time.perf_counter()
                    processing.run("cisc:zonalstatistics", params, feedback=feedback)
                    timings[key].append(time.perf_counter() - start)
                    logs[key] = feedback.infos
    finally:
        zone_geometry.DENSIFY_EDGES = previous
    result = {"timings": timings, "vertices": _vertex_count(zones["true"])}
    for line in logs.get("densified", []):
        found = re.search(r"(\d+) vertices added", line)
        if found:
            result["inserted"] = int(found.group(1))
    result.setdefault("inserted", 0)
    for line in logs.get("offset_densified", []):
        if "ZONES_OFFSET" in line:
            result["offset_log"] = line
    return result


def _vertex_count(path: str) -> int:
    from osgeo import ogr

    ds = ogr.Open(path)
    total = 0
    for feature in ds.GetLayer(0):
        geometry = feature.GetGeometryRef()
        stack = [geometry] if geometry is not None else []
        while stack:
            g = stack.pop()
            if g.GetGeometryCount():
                stack.extend(g.GetGeometryRef(i) for i in range(g.GetGeometryCount()))
            else:
                total += g.GetPointCount()
    return total


if __name__ == "__main__":
    import argparse
    import json
    import statistics

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("raster")
    parser.add_argument("mask")
    parser.add_argument("--zones-albers", required=True, help="the 3,000 zones in the rasters' CRS (GeoPackage)")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    files = offset_zone_files(args.zones_albers)
    out = bench_offset(args.raster, args.mask, files, args.repeats)
    plain = statistics.median(out["timings"]["plain"])
    out["ratios"] = {key: statistics.median(runs) / plain for key, runs in out["timings"].items()}
    print(json.dumps(out, indent=2, ensure_ascii=False))
