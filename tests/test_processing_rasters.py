"""cisc:changemap, cisc:imperviousfraction and cisc:acquisitiondates through processing.run,
checked against brute-force numpy/ogr computations; styles applied by the post-processors."""

import datetime as dt
import math

import numpy as np
import pytest
from osgeo import gdal, ogr, osr

for _module in (gdal, ogr, osr):  # datafactory restores GDAL's exception mode on exit
    _module.UseExceptions()

from qgis.core import QgsProject, QgsVectorLayer  # noqa: E402

from tests import datafactory as df  # noqa: E402


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    folder = tmp_path_factory.mktemp("rasters")
    return df.make_cisc_set(folder / "cisc", 640, 560, seed=11, with_dates=True, date_format="iso")


def on_grid(path, gt, width, height, fill):
    """Whole raster `path` placed on the grid (gt, width, height); `fill` where it has no data."""
    ds = gdal.Open(path)
    sgt = ds.GetGeoTransform()
    col0 = round((sgt[0] - gt[0]) / gt[1])
    row0 = round((sgt[3] - gt[3]) / gt[5])
    data = ds.GetRasterBand(1).ReadAsArray()
    out = np.full((height, width), fill, dtype=np.int32)
    r0, c0 = max(row0, 0), max(col0, 0)
    r1, c1 = min(row0 + data.shape[0], height), min(col0 + data.shape[1], width)
    if r1 > r0 and c1 > c0:
        out[r0:r1, c0:c1] = data[r0 - row0 : r1 - row0, c0 - col0 : c1 - col0]
    return out


def expected_change(sample):
    gt, w, h = sample.geotransform, sample.width, sample.height
    a = on_grid(sample.cisc_2020, gt, w, h, 255)
    b = on_grid(sample.cisc_2022, gt, w, h, 255)
    ma = on_grid(sample.valid_mask_2020, gt, w, h, 0)
    mb = on_grid(sample.valid_mask_2022, gt, w, h, 0)
    valid = (a <= 3) & (b <= 3) & (ma != 0) & (mb != 0)
    return np.where(valid, 10 * a + b, 255)


def test_change_map_equals_brute_force(provider, sample, tmp_path):
    import processing

    out = tmp_path / "change.tif"
    result = processing.run(
        "cisc:changemap",
        {"INPUT_FROM": sample.cisc_2020, "VALID_MASK_FROM": sample.valid_mask_2020,
         "INPUT_TO": sample.cisc_2022, "VALID_MASK_TO": sample.valid_mask_2022, "OUTPUT": str(out)},
    )
    assert result["OUTPUT"] == str(out)
    ds = gdal.Open(str(out))
    assert ds.GetGeoTransform() == pytest.approx(sample.geotransform)
    band = ds.GetRasterBand(1)
    assert band.GetNoDataValue() == 255
    assert band.GetBlockSize() == [512, 512]
    assert ds.GetMetadata("IMAGE_STRUCTURE").get("COMPRESSION") == "DEFLATE"
    got = band.ReadAsArray()
    expected = expected_change(sample)
    np.testing.assert_array_equal(got, expected)
    # several transitions (to impervious among them) and nodata occur
    assert {11, 21}.issubset(set(np.unique(got).tolist())) and len(np.unique(got)) >= 8 and (got == 255).any()
    assert [p.name for p in tmp_path.iterdir()] == ["change.tif"]


def test_change_map_extent_clip_in_another_crs(provider, sample, tmp_path):
    import processing

    gt = sample.geotransform
    # a window of pixels (cols 100..300, rows 50..250) given as an extent in Albers with its CRS
    xmin, xmax = gt[0] + 100 * gt[1] + 7, gt[0] + 300 * gt[1] - 7
    ymax, ymin = gt[3] + 50 * gt[5] - 7, gt[3] + 250 * gt[5] + 7
    srs = osr.SpatialReference()
    srs.ImportFromWkt(sample.crs_wkt)
    out = tmp_path / "clip.tif"
    processing.run(
        "cisc:changemap",
        {"INPUT_FROM": sample.cisc_2020, "VALID_MASK_FROM": sample.valid_mask_2020,
         "INPUT_TO": sample.cisc_2022, "VALID_MASK_TO": sample.valid_mask_2022,
         "EXTENT": f"{xmin},{xmax},{ymin},{ymax} [{srs.ExportToProj4().strip()}]", "OUTPUT": str(out)},
    )
    ds = gdal.Open(str(out))
    assert (ds.RasterXSize, ds.RasterYSize) == (200, 200)
    assert ds.GetGeoTransform()[0] == pytest.approx(gt[0] + 100 * gt[1])
    np.testing.assert_array_equal(ds.GetRasterBand(1).ReadAsArray(), expected_change(sample)[50:250, 100:300])


def expected_fraction(raster, mask, cell, min_pct):
    ds = gdal.Open(raster)
    gt = ds.GetGeoTransform()
    values = ds.GetRasterBand(1).ReadAsArray().astype(np.int32)
    valid_mask = on_grid(mask, gt, ds.RasterXSize, ds.RasterYSize, 0) != 0
    h, w = values.shape
    px = gt[1]
    col_cell = np.floor((np.arange(w) + 0.5) * px / cell).astype(int)
    row_cell = np.floor((np.arange(h) + 0.5) * px / cell).astype(int)
    out_w, out_h = col_cell.max() + 1, row_cell.max() + 1
    valid = valid_mask & (values <= 3)
    out = np.full((out_h, out_w), -9999.0)
    # nominal pixel centres per cell, on the unbounded grid
    per_col = np.bincount(np.floor((np.arange(w + 200) + 0.5) * px / cell).astype(int))[:out_w]
    per_row = np.bincount(np.floor((np.arange(h + 200) + 0.5) * px / cell).astype(int))[:out_h]
    for r in range(out_h):
        for c in range(out_w):
            block = np.ix_(row_cell == r, col_cell == c)
            n_valid = valid[block].sum()
            if n_valid and n_valid >= min_pct / 100.0 * per_row[r] * per_col[c]:
                out[r, c] = 100.0 * (valid[block] & (values[block] == 1)).sum() / n_valid
    return out


@pytest.mark.parametrize("cell,min_pct", [(1000.0, 50.0), (990.0, 0.0), (600.0, 90.0)])
def test_impervious_fraction_equals_brute_force(provider, sample, tmp_path, cell, min_pct):
    import processing

    out = tmp_path / "fraction.tif"
    processing.run(
        "cisc:imperviousfraction",
        {"INPUT": sample.cisc_2022, "VALID_MASK": sample.valid_mask_2022, "CELL_SIZE": cell,
         "MIN_VALID_PCT": min_pct, "OUTPUT": str(out)},
    )
    ds = gdal.Open(str(out))
    assert ds.GetGeoTransform()[1] == cell
    assert ds.GetRasterBand(1).DataType == gdal.GDT_Float32
    got = ds.GetRasterBand(1).ReadAsArray()
    expected = expected_fraction(sample.cisc_2022, sample.valid_mask_2022, cell, min_pct)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-4)
    assert (got > 0).any() and (got == -9999).any() == (expected == -9999).any()


def _real_layer_tree_view(monkeypatch, project):
    """QGIS >= 3.44 hands iface.layerTreeView() to C++ (QgsProcessingGuiUtils.addResultLayers):
    give the test interface a real view instead of pytest-qgis's MagicMock."""
    import qgis.utils
    from qgis.core import QgsLayerTreeModel
    from qgis.gui import QgsLayerTreeView

    view = QgsLayerTreeView()
    model = QgsLayerTreeModel(project.layerTreeRoot(), view)
    view.setModel(model)
    monkeypatch.setattr(qgis.utils.iface, "layerTreeView", lambda: view, raising=False)
    return view


def test_outputs_styled_by_post_processor_when_loaded(provider, sample, tmp_path, monkeypatch):
    import processing
    from qgis.core import QgsPalettedRasterRenderer, QgsSingleBandPseudoColorRenderer

    from cisc_impervious.plugin.processing import postprocessors

    project = QgsProject.instance()
    view = _real_layer_tree_view(monkeypatch, project)  # noqa: F841 - kept alive for the test
    before = set(project.mapLayers())
    try:
        processing.runAndLoadResults(
            "cisc:changemap",
            {"INPUT_FROM": sample.cisc_2020, "INPUT_TO": sample.cisc_2022, "OUTPUT": str(tmp_path / "cm.tif")},
        )
        processing.runAndLoadResults(
            "cisc:imperviousfraction", {"INPUT": sample.cisc_2020, "OUTPUT": str(tmp_path / "fr.tif")}
        )
        new = [project.mapLayer(i) for i in set(project.mapLayers()) - before]
        by_file = {layer.source().rsplit("/", 1)[-1]: layer for layer in new}
        change = by_file["cm.tif"].renderer()
        assert isinstance(change, QgsPalettedRasterRenderer)
        labels = {c.value: c.label for c in change.classes()}
        assert labels[21] == "vegetation -> impervious"
        assert labels[1] == "bare -> impervious" and labels[33] == "water -> water"
        assert len([v for v in labels if v != 255]) == 16
        fraction = by_file["fr.tif"].renderer()
        assert isinstance(fraction, QgsSingleBandPseudoColorRenderer)
        assert (fraction.classificationMin(), fraction.classificationMax()) == (0, 100)
        kept = postprocessors.kept_post_processors()
        assert any(pp.applied_to for pp in kept.values())
    finally:
        for layer_id in set(project.mapLayers()) - before:
            project.removeMapLayer(layer_id)


# -- acquisition dates ----------------------------------------------------------------------

def brute_force_dates(zones_albers, zip_path):
    """Per zone (Albers ogr geometry): (min, max, area-weighted median, cover %), computed
    with ogr only from every shapefile of the zip."""
    from cisc_impervious.plugin.core.dates import CHINA_ALBERS_PROJ

    albers = osr.SpatialReference()
    albers.ImportFromProj4(CHINA_ALBERS_PROJ)
    albers.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    polygons = []
    for name in gdal.ReadDirRecursive(f"/vsizip/{zip_path}"):
        if not name.endswith(".shp"):
            continue
        ds = ogr.Open(f"/vsizip/{zip_path}/{name}")
        layer = ds.GetLayer(0)
        src = layer.GetSpatialRef()
        src.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
        transform = osr.CoordinateTransformation(src, albers)
        for feature in layer:
            value = feature.GetField("acq_date")
            geometry = feature.GetGeometryRef().Clone()
            geometry.Transform(transform)
            polygons.append((dt.date.fromisoformat(value), geometry))
    cover = None
    for _, geometry in polygons:
        cover = geometry.Clone() if cover is None else cover.Union(geometry)
    results = []
    for zone in zones_albers:
        if zone is None or zone.IsEmpty():
            results.append(None)
            continue
        pieces = [(d, g.Intersection(zone).GetArea()) for d, g in polygons if g.Intersects(zone)]
        pieces = [(d, a) for d, a in pieces if a > 0]
        if not pieces:
            results.append((None, None, None, 0.0))
            continue
        cover_pct = 100.0 * cover.Intersection(zone).GetArea() / zone.GetArea()
        pieces.sort()
        total = sum(a for _, a in pieces)
        running, median = 0.0, None
        for d, a in pieces:
            running += a
            if running >= total / 2 * (1 - 1e-12):
                median = d
                break
        results.append((pieces[0][0], pieces[-1][0], median, cover_pct))
    return results


def zones_as_algorithm_sees_them(path):
    """The zones of a file transformed to China Albers by QGIS, as ogr geometries."""
    from qgis.core import QgsCoordinateReferenceSystem, QgsCoordinateTransform, QgsGeometry

    from cisc_impervious.plugin.core.dates import CHINA_ALBERS_PROJ

    layer = QgsVectorLayer(str(path), "zones", "ogr")
    transform = QgsCoordinateTransform(layer.crs(), QgsCoordinateReferenceSystem.fromProj(CHINA_ALBERS_PROJ),
                                       QgsProject.instance().transformContext())
    out = []
    for feature in layer.getFeatures():
        geometry = QgsGeometry(feature.geometry())
        if geometry.isEmpty():
            out.append(None)
            continue
        geometry.transform(transform)
        out.append(ogr.CreateGeometryFromWkb(bytes(geometry.asWkb())))
    del layer  # never let a Python-owned layer outlive QGIS (3.22 crashes on exit)
    return out


def test_acquisition_dates_from_zip(provider, sample, tmp_path):
    import processing

    zones = [(n, g) for n, g in df.make_awkward_zones(sample, 4) if n != "bowtie_invalid"]
    zones_path = df.write_zones(str(tmp_path / "zones.gpkg"), zones, 4490)
    out = tmp_path / "dates.gpkg"
    processing.run("cisc:acquisitiondates", {"ZONES": zones_path, "DATES": sample.dates_zip, "OUTPUT": str(out)})
    layer = QgsVectorLayer(str(out), "dates", "ogr")
    rows = {f["name"]: f for f in layer.getFeatures()}
    del layer
    assert set(rows) == {n for n, _ in zones}
    expected = brute_force_dates(zones_as_algorithm_sees_them(zones_path), sample.dates_zip)
    checked = 0
    for (name, _geometry), exp in zip(zones, expected):
        row = rows[name]
        if exp is None:
            assert _null(row["date_cover_pct"])
            continue
        got = tuple(row[f].toPyDate() if not row[f].isNull() else None for f in ("date_min", "date_max", "date_median"))
        assert got == exp[:3], name
        assert row["date_cover_pct"] == pytest.approx(exp[3], abs=1e-6), name
        checked += exp[0] is not None
    assert checked >= 8
    # zones well inside the dates' cover are almost fully covered; the outside one is not
    assert rows["fully_outside"]["date_cover_pct"] < 100.0
    assert 0.0 <= min(f["date_cover_pct"] for f in rows.values() if not _null(f["date_cover_pct"]))
    assert max(f["date_cover_pct"] for f in rows.values() if not _null(f["date_cover_pct"])) <= 100.0


def _null(value):
    return value is None or (hasattr(value, "isNull") and value.isNull())


@pytest.mark.parametrize("date_format", ["date", "int", "slash"])
def test_acquisition_dates_field_detection_and_formats(provider, sample, tmp_path, date_format):
    import processing

    zip_path = df.make_dates_zip(str(tmp_path / "source_date_x.zip"), sample, 3, date_format=date_format,
                                 years=(2022,))
    zones = df.make_provinces(4, sample, 9)
    zones_path = df.write_zones(str(tmp_path / "zones.gpkg"), zones, sample.crs_wkt)
    dates_layer = QgsVectorLayer(f"/vsizip/{zip_path}/source_date_2022_dissolve.shp", "d", "ogr")
    assert dates_layer.isValid()
    out = tmp_path / "dates.gpkg"
    # as a layer (not the zip), the field detected from its type or name
    processing.run("cisc:acquisitiondates", {"ZONES": zones_path, "DATES": dates_layer, "OUTPUT": str(out)})
    layer = QgsVectorLayer(str(out), "dates", "ogr")
    medians = [f["date_median"] for f in layer.getFeatures()]
    covers = [f["date_cover_pct"] for f in layer.getFeatures()]
    del layer, dates_layer
    assert all(not _null(m) for m in medians)
    assert all(dt.date(2021, 9, 1) <= m.toPyDate() <= dt.date(2022, 12, 31) for m in medians)
    assert all(0 < c <= 100.0 + 1e-9 for c in covers) and not all(math.isclose(c, 100.0) for c in covers)


def test_acquisition_dates_errors_and_explicit_field(provider, sample, tmp_path):
    import zipfile

    import processing

    from tests.test_processing_statistics import output_rows, processing_error

    zones_path = df.write_zones(str(tmp_path / "zones.gpkg"), df.make_provinces(3, sample, 4), 4326)
    empty_zip = tmp_path / "source_date_empty.zip"
    with zipfile.ZipFile(empty_zip, "w") as archive:
        archive.writestr("readme.txt", "no shapefile here")
    out = tmp_path / "dates.gpkg"
    message = processing_error(processing.run, "cisc:acquisitiondates",
                               {"ZONES": zones_path, "DATES": str(empty_zip), "OUTPUT": str(out)})
    assert str(empty_zip) in message and "no shapefile" in message
    # a field without dates chosen explicitly: no date is read, the zones are not covered
    processing.run("cisc:acquisitiondates", {"ZONES": zones_path, "DATES": sample.dates_zip, "DATE_FIELD": "sensor",
                                             "OUTPUT": str(out)})
    _, rows = output_rows(out, ["date_median", "date_cover_pct"])
    assert all(row["date_median"] is None and row["date_cover_pct"] == 0.0 for row in rows.values())
    # a layer without any date field: refused, asking for DATE_FIELD
    message = processing_error(processing.run, "cisc:acquisitiondates",
                               {"ZONES": zones_path, "DATES": zones_path, "OUTPUT": str(tmp_path / "x.gpkg")})
    assert "DATE_FIELD" in message
    assert not (tmp_path / "x.gpkg").exists()
