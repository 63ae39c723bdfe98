"""Help texts of the CISC algorithms (shortHelpString), translated through tr()."""

from ..core.dataset import CITATION
from ..toolbelt.i18n import tr

HELP_URL = "https://doi.org/10.1038/s41597-026-06619-3"


def group_name(group_id: str) -> str:
    return {
        "statistics": tr("Statistics"),
        "rasters": tr("Rasters"),
        "dates": tr("Imagery dates"),
        "coordinates": tr("Coordinates"),
        "reports": tr("Reports"),
    }.get(group_id, group_id)


def _pixel_rule() -> str:
    return tr(
        "<p><b>Pixel rule.</b> A pixel belongs to a zone when its centre lies inside the zone (holes are "
        "excluded, multipart zones are the union of their parts, overlapping zones are each counted in full). "
        "Areas come from the raster's pixel size (equal-area projection), in km².</p>"
    )


def _mask_rule() -> str:
    return tr(
        "<p><b>Valid mask.</b> A pixel is valid when it lies inside the raster, its valid mask is non-zero "
        "there and its value is a class 0..3. When the mask is left empty, a file valid_mask_&lt;year&gt;.tif "
        "beside the raster is used if present (the log says so); otherwise every pixel inside the raster is taken "
        "as valid and a warning says so. Without a mask a 0 cannot be told apart from an invalid pixel.</p>"
    )


def _caveats() -> str:
    return tr(
        "<p><b>Caveats.</b> Invalid pixels (outside China, or without enough 2 m imagery) are stored as 0, the "
        "value of bare land: 0 is bare land only where the year's valid mask is set. Vegetation and water are "
        "auxiliary classes whose reliability is not guaranteed by the dataset's authors. The data are not "
        "clipped to coastlines or administrative boundaries.</p>"
    )


def _offset_rule() -> str:
    return tr(
        "<p><b>ZONES_OFFSET.</b> Boundaries from Chinese web maps are offset by 100 to 700 m: GCJ-02 (AMap/Gaode, "
        "Tencent, DataV GeoAtlas) or BD-09 (Baidu). Choose the system and the zones (which must be in EPSG:4326 "
        "or EPSG:4490) are converted to WGS84 first, exactly (to 1 mm) inside mainland China; the log says how "
        "far their vertices moved. Leave it at None for boundaries from official or Tianditu data. Zone edges "
        "are reprojected exactly: densified until each lies within a tenth of a pixel of its true curve.</p>"
    )


def _citation() -> str:
    return tr("<p><b>Cite.</b> {citation}</p>").format(citation=CITATION)


def short_help(name: str) -> str:
    body = {
        "zonalstatistics": tr(
            "<p>Per zone: valid and invalid area, the area of each class (bare, impervious, vegetation, "
            "water) and the impervious share of the valid area, from one year of CISC (China Impervious "
            "Surface Cover, 30 m).</p><p>Output: every zone with all its attributes and geometry, plus "
            "valid_km2, invalid_km2, valid_pct, bare_km2, imperv_km2, veg_km2, water_km2, imperv_pct, each "
            "named COLUMN_PREFIX + field. Percentages are 0..100; NULL when undefined (a zone without pixel "
            "centres, or without valid pixels).</p><p>Zones in any CRS are transformed to the raster's CRS. A "
            "raster that is not CISC-like (floating point, several bands, values above 3) is refused.</p>"
        ),
        "changestatistics": tr(
            "<p>Per zone, over the pixels valid in both years: the area of the 16 transitions "
            "t&lt;from&gt;&lt;to&gt;_km2 (class codes 0 bare, 1 impervious, 2 vegetation, 3 water), impervious "
            "area then and now, gain (to impervious from any other class), loss, net change and growth_pct = "
            "100 x (now - then) / then (NULL when then is 0); valid_km2, invalid_km2 and valid_pct (100 x pixel "
            "centres valid in both years / all the zone's pixel centres).</p><p>The two years must be on one grid "
            "(same pixel size and alignment; their extents may differ and must overlap). Each year has its own "
            "optional valid mask.</p>"
        ),
        "changemap": tr(
            "<p>A GeoTIFF (tiled, compressed) on the FROM raster's grid, optionally clipped to EXTENT: value "
            "10 x class_from + class_to (e.g. 21 = vegetation -> impervious) where the pixel is valid in both "
            "years, 255 (nodata) elsewhere. Loaded with a paletted style labelled \"vegetation -> impervious\" "
            "etc. OUTPUT must be a .tif file other than the inputs. A cancelled or failed run (a full disk) "
            "leaves no file behind.</p>"
        ),
        "imperviousfraction": tr(
            "<p>Impervious percent of the valid pixels of each coarse cell of CELL_SIZE metres (default 1 km), "
            "on a grid starting at the raster's top-left corner. A pixel belongs to the cell holding its centre, "
            "so 1000 m cells hold 33 or 34 pixels a side (use 990 or 1020 m for cells of equal pixel count). "
            "Cells whose valid pixels cover less than MIN_VALID_PCT percent of the cell are nodata. Float32 "
            "GeoTIFF, loaded with a continuous 0..100 ramp.</p>"
        ),
        "acquisitiondates": tr(
            "<p>Which imagery dates a zone's figures rest on: per zone the earliest, latest and area-weighted "
            "median acquisition date of the 2 m source imagery, and the share of the zone the date polygons "
            "cover (date_cover_pct).</p><p>DATES: the acquisition-date polygons (source_date_*_dissolve), or "
            "the zip itself (every shapefile inside is read). DATE_FIELD: detected when empty (a Date field, "
            "else a field whose name contains \"date\"); values such as 20200915, \"2020-09-15\" or "
            "\"2020/09/15\" are read. Areas are measured in an Albers equal-area projection for China.</p>"
        ),
        "webmapoffset": tr(
            "<p>Converts a vector layer's coordinates between WGS84 and the offset systems of Chinese web maps: "
            "GCJ-02 (AMap/Gaode, Tencent, DataV GeoAtlas) and BD-09 (Baidu). Use GCJ-02 -> WGS84 or BD-09 -> "
            "WGS84 to fix boundaries downloaded from those services once and keep the result; the forward "
            "directions produce data that lines up with their maps.</p><p>The layer must be in EPSG:4326 or "
            "EPSG:4490. Every vertex is converted (Z and M kept); the inverse conversions are exact to 1 mm (the "
            "published forward formulas, inverted by iteration). Vertices outside the offset area (a box around "
            "mainland China) are left unchanged, as the services do. The output keeps the layer's fields and "
            "CRS.</p>"
        ),
        "report": tr(
            "<p>A PDF report of a statistics layer (the output of Zonal statistics or Change statistics), made "
            "as a QGIS print layout: a map of the zones shaded by the impervious share (one year) or the net "
            "change (2020 -> 2022) with legend and scale bar, the key figures, charts, the table of the zones "
            "sorted by impervious area (areas to 0.0001 km², shares to 0.01 %), the zones whose valid coverage "
            "is below VALID_THRESHOLD, what the figures mean, and the dataset citation and DOI, in QGIS's "
            "language.</p><p>The zone boundaries and ZONES_OFFSET are those of the statistics run; YEAR only "
            "names the year of a one-year layer whose field names do not say it (COLUMN_PREFIX empty). OUTPUT "
            "must end in .pdf; it is written completely or not at all.</p>"
        ),
    }.get(name, "")
    rules = _pixel_rule() + _mask_rule() if name in ("zonalstatistics", "changestatistics") else ""
    if name in ("changemap", "imperviousfraction"):
        rules = _mask_rule()
    if name in ("zonalstatistics", "changestatistics", "acquisitiondates"):
        rules += _offset_rule()
    if name == "webmapoffset":
        return body + _citation()
    return body + rules + _caveats() + _citation()
