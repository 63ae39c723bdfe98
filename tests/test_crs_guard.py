"""Zones never reach the engine in the wrong units (plugin/processing/crs_guard.py).

The state seen on QGIS 3.40 (zones in EPSG:4490 handed on in degrees, statistics 0.0) is
reproduced through QGIS's public API: a transform context whose operation from EPSG:4490 to the
raster's CRS is a no-op. QgsCoordinateTransform then is valid and silently returns the degrees;
the algorithms must refuse instead of computing."""

import os

import pytest
from osgeo import gdal, ogr, osr

for _module in (gdal, ogr, osr):
    _module.UseExceptions()

from qgis.core import (  # noqa: E402
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsCoordinateTransformContext,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProject,
)

from tests import datafactory as df  # noqa: E402
from tests.test_processing_statistics import RecordingFeedback, processing_error  # noqa: E402


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    folder = tmp_path_factory.mktemp("crs_guard")
    sample = df.make_cisc_set(folder / "cisc", 300, 260, seed=11, with_dates=True)
    zones = [(f"county_{i}", g) for i, g in enumerate(df.make_counties(4, sample, 3))]
    paths = {
        "cgcs2000": df.write_zones(str(folder / "zones_4490.gpkg"), zones, 4490),
        "albers": df.write_zones(str(folder / "zones_albers.gpkg"), zones, sample.crs_wkt),
        "degrees_no_crs": df.write_zones(str(folder / "zones_no_crs.shp"), zones, 4490),
        "albers_no_crs": df.write_zones(str(folder / "albers_no_crs.shp"), zones, sample.crs_wkt),
    }
    for key in ("degrees_no_crs", "albers_no_crs"):
        os.remove(os.path.splitext(paths[key])[0] + ".prj")
    return {"sample": sample, "zones": paths}


def raster_crs(sample):
    return QgsCoordinateReferenceSystem.fromWkt(gdal.Open(sample.cisc_2020).GetProjection())


def noop_context(sample, source="EPSG:4490"):
    """A processing context whose transform context maps source -> raster CRS with +proj=noop."""
    transforms = QgsCoordinateTransformContext()
    assert transforms.addCoordinateOperation(QgsCoordinateReferenceSystem(source), raster_crs(sample), "+proj=noop")
    context = QgsProcessingContext()
    context.setProject(QgsProject.instance())
    context.setTransformContext(transforms)
    return context


def test_the_reproduced_state_really_treats_degrees_as_metres(data):
    """The premise: with that context QGIS's transform is valid and changes nothing."""
    transforms = noop_context(data["sample"]).transformContext()
    transform = QgsCoordinateTransform(QgsCoordinateReferenceSystem("EPSG:4490"), raster_crs(data["sample"]), transforms)
    assert transform.isValid()
    x, y = 116.4, 39.9
    point = transform.transform(x, y)
    assert (point.x(), point.y()) == (x, y)


@pytest.mark.parametrize("algorithm", ["cisc:zonalstatistics", "cisc:changestatistics"])
def test_noop_transformation_of_zones_is_refused(provider, data, tmp_path, algorithm):
    import processing

    sample = data["sample"]
    out = tmp_path / "out.gpkg"
    parameters = {"ZONES": data["zones"]["cgcs2000"], "OUTPUT": str(out)}
    if algorithm == "cisc:zonalstatistics":
        parameters["INPUT"] = sample.cisc_2020
    else:
        parameters.update(INPUT_FROM=sample.cisc_2020, INPUT_TO=sample.cisc_2022)
    message = processing_error(
        processing.run, algorithm, parameters, context=noop_context(sample), feedback=RecordingFeedback()
    )
    assert data["zones"]["cgcs2000"] in message
    assert "EPSG:4490" in message and "gave wrong coordinates" in message and "nothing was computed" in message
    assert not out.exists()


def test_the_same_zones_with_a_sound_context_are_computed(provider, data, tmp_path):
    """The guard does not refuse a working transformation (control for the test above)."""
    import processing

    sample = data["sample"]
    context = QgsProcessingContext()
    context.setProject(QgsProject.instance())
    result = processing.run(
        "cisc:zonalstatistics",
        {"INPUT": sample.cisc_2020, "ZONES": data["zones"]["cgcs2000"], "OUTPUT": str(tmp_path / "ok.gpkg")},
        context=context,
    )
    from qgis.core import QgsVectorLayer

    layer = QgsVectorLayer(result["OUTPUT"], "ok", "ogr")
    valid = [f["valid_km2"] for f in layer.getFeatures()]
    del layer
    assert len(valid) == 4 and all(v is not None and v > 0 for v in valid)


def test_noop_transformation_of_date_polygons_is_refused(provider, data, tmp_path):
    import processing

    sample = data["sample"]
    # the date polygons of the zip are in EPSG:4326
    context = noop_context(sample, "EPSG:4326")
    from cisc_impervious.plugin.core.dates import CHINA_ALBERS_PROJ

    albers = QgsCoordinateReferenceSystem.fromProj(CHINA_ALBERS_PROJ)
    transforms = context.transformContext()
    for source in ("EPSG:4326", "EPSG:4490"):
        transforms.addCoordinateOperation(QgsCoordinateReferenceSystem(source), albers, "+proj=noop")
    context.setTransformContext(transforms)
    message = processing_error(
        processing.run,
        "cisc:acquisitiondates",
        {"ZONES": data["zones"]["albers"], "DATES": sample.dates_zip, "OUTPUT": str(tmp_path / "dates.gpkg")},
        context=context,
        feedback=RecordingFeedback(),
    )
    assert "gave wrong coordinates" in message
    assert not (tmp_path / "dates.gpkg").exists()


def test_zones_without_crs_in_degrees_are_refused(provider, data, tmp_path):
    import processing

    sample = data["sample"]
    message = processing_error(
        processing.run,
        "cisc:zonalstatistics",
        {"INPUT": sample.cisc_2020, "ZONES": data["zones"]["degrees_no_crs"], "OUTPUT": str(tmp_path / "o.gpkg")},
    )
    assert "zones_no_crs" in message and "has no CRS" in message and "longitude/latitude" in message
    assert not (tmp_path / "o.gpkg").exists()


def test_zones_without_crs_in_the_rasters_metres_are_taken_with_a_warning(provider, data, tmp_path):
    import processing

    sample = data["sample"]
    feedback = RecordingFeedback()
    result = processing.run(
        "cisc:zonalstatistics",
        {"INPUT": sample.cisc_2020, "ZONES": data["zones"]["albers_no_crs"], "OUTPUT": str(tmp_path / "o.gpkg")},
        feedback=feedback,
    )
    assert os.path.exists(result["OUTPUT"])
    assert any("has no CRS" in w for w in feedback.warnings)


def test_probe_compares_with_an_independent_transformation():
    """Unit level: the probe accepts PROJ's own answer and refuses the untransformed point."""
    from cisc_impervious.plugin.processing.crs_guard import TransformProbe

    source = QgsCoordinateReferenceSystem("EPSG:4490")
    target = QgsCoordinateReferenceSystem("EPSG:3857")
    transform = QgsCoordinateTransform(source, target, QgsCoordinateTransformContext())
    good = TransformProbe(transform, "layer")
    projected = transform.transform(116.4, 39.9)
    good.add((116.4, 39.9), (projected.x(), projected.y()))
    good.check()
    bad = TransformProbe(transform, "layer")
    bad.add((116.4, 39.9), (116.4, 39.9))
    with pytest.raises(QgsProcessingException, match="gave wrong coordinates"):
        bad.check()


def test_oracle_refuses_zones_in_degrees_instead_of_allocating_gigabytes(data):
    """The brute-force oracle of the tests fails fast on untransformed degrees (it once built a
    33,699 x 126,001 grid and took a machine's 21 GB)."""
    from tests import oracle

    degrees = ogr.CreateGeometryFromWkt("POLYGON((116 34,117 34,117 35,116 35,116 34))")
    with pytest.raises(AssertionError, match="far outside the raster"):
        oracle.oracle_zonal(data["sample"].cisc_2020, [degrees], data["sample"].valid_mask_2020)
