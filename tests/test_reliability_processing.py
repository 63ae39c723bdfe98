"""Faults tried through Processing and the dock: feature outputs on a full disk, outputs that are
inputs, output folders checked before the work, zones reaching beyond the pole, GeoPackages with
an undefined CRS, an extent without area, the change valid coverage in the dock, and a folder
holding two candidate files for one year (see docs/reliability.md)."""

import hashlib
import os
import shutil
import sqlite3

import numpy as np
import pytest
from osgeo import gdal, ogr, osr

for _module in (gdal, ogr, osr):  # datafactory restores GDAL's exception mode on exit
    _module.UseExceptions()

from cisc_impervious.plugin.core.fields import CHANGE_FIELDS, ZONAL_FIELDS  # noqa: E402
from tests import datafactory as df  # noqa: E402
from tests import oracle  # noqa: E402
from tests.full_disk import full_disk_fixture  # noqa: E402, F401 - the fixture "full_disk"
from tests.test_dock import (  # noqa: E402
    _run_and_wait,
)
from tests.test_processing_statistics import (  # noqa: E402
    PIXEL_KM2,
    RecordingFeedback,
    output_rows,
    processing_error,
    zones_in_raster_crs,
)


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    folder = tmp_path_factory.mktemp("reliability_processing")
    sample = df.make_cisc_set(folder / "cisc", 520, 480, seed=13, with_dates=False, overviews=False)
    provinces = [(f"province_{i}", g) for i, g in enumerate(df.make_provinces(3, sample, 4))]
    counties = [(f"county_{i}", g) for i, g in enumerate(df.make_counties(400, sample, 4))]
    return {
        "sample": sample,
        "folder": folder,
        "zones": df.write_zones(str(folder / "zones.gpkg"), provinces, 4326),
        "zones_albers": df.write_zones(str(folder / "zones_albers.gpkg"), provinces, sample.crs_wkt),
        "counties": df.write_zones(str(folder / "counties.gpkg"), counties, 4326),
    }




def md5(path):
    return hashlib.md5(open(path, "rb").read()).hexdigest()


def run(algorithm, params, feedback=None):
    import processing

    return processing.run(algorithm, params, feedback=feedback)


# -- feature outputs on a full disk -----------------------------------------------------------


@pytest.mark.parametrize("extension,free_kb", [("gpkg", 48), ("shp", 48), ("csv", 8)])
def test_statistics_on_a_full_disk_leave_nothing_and_say_so(provider, data, full_disk, extension, free_kb):
    out = full_disk.folder / f"stats.{extension}"
    full_disk.fill(free_kb * 1024)  # room to create the file, not to finish it
    message = processing_error(run, "cisc:zonalstatistics", {
        "INPUT": data["sample"].cisc_2020, "ZONES": data["counties"], "OUTPUT": str(out)})
    # before: an SQL statement or "Feature creation error (OGR error: )", and 0-byte files left
    assert "disk is full" in message and str(out) in message, message
    assert full_disk.names() == []


@pytest.mark.parametrize("extension,free_kb", [("gpkg", 48), ("csv", 8)])
def test_many_zones_on_a_full_disk_leave_nothing(provider, data, full_disk, extension, free_kb):
    """More zones than one batch of the writer: the disk fills while the next batch is being
    prepared in the writer's helper thread (base._OutputBatches); the run still says so and
    leaves nothing."""
    from tests.test_processing_statistics import _grid_zone_file

    zones = full_disk.folder.parent / "grid.gpkg"
    _grid_zone_file(zones, data["sample"], side=50, cell_px=9)
    out = full_disk.folder / f"stats.{extension}"
    full_disk.fill(free_kb * 1024)
    message = processing_error(run, "cisc:zonalstatistics", {
        "INPUT": data["sample"].cisc_2020, "ZONES": str(zones), "OUTPUT": str(out)})
    assert "disk is full" in message and str(out) in message, message
    assert full_disk.names() == []


def test_an_earlier_output_survives_a_full_disk(provider, data, full_disk):
    out = full_disk.folder / "stats.csv"
    out.write_text("earlier results\n")
    full_disk.fill(24 * 1024)
    message = processing_error(run, "cisc:changestatistics", {
        "INPUT_FROM": data["sample"].cisc_2020, "INPUT_TO": data["sample"].cisc_2022, "ZONES": data["counties"],
        "OUTPUT": str(out)})
    assert "disk is full" in message, message
    assert full_disk.names() == ["stats.csv"] and out.read_text() == "earlier results\n"


def test_statistics_output_written_completely(provider, data, tmp_path):
    """The temporary-file route gives the same output as before: every zone, the layer's name."""
    out = tmp_path / "stats.gpkg"
    result = run("cisc:zonalstatistics", {"INPUT": data["sample"].cisc_2020, "ZONES": data["zones"],
                                          "OUTPUT": str(out)})
    assert result["OUTPUT"] == str(out)
    assert sorted(os.listdir(tmp_path)) == ["stats.gpkg"]
    dataset = ogr.Open(str(out))
    assert dataset.GetLayer(0).GetName() == "stats" and dataset.GetLayer(0).GetFeatureCount() == 3
    dataset = None


# -- outputs that are inputs, outputs checked before the work -----------------------------------


def test_outputs_that_are_inputs_are_refused(provider, data, tmp_path):
    sample = data["sample"]
    zones = tmp_path / "zones.gpkg"
    shutil.copy(data["zones"], zones)
    protected = [sample.cisc_2020, sample.valid_mask_2020, str(zones)]
    before = [md5(p) for p in protected]
    cases = [
        ("cisc:changemap", {"INPUT_FROM": sample.cisc_2020, "INPUT_TO": sample.cisc_2022, "OUTPUT": sample.cisc_2020}),
        ("cisc:imperviousfraction", {"INPUT": sample.cisc_2020, "VALID_MASK": sample.valid_mask_2020,
                                     "OUTPUT": sample.valid_mask_2020}),
        ("cisc:zonalstatistics", {"INPUT": sample.cisc_2020, "ZONES": str(zones), "OUTPUT": str(zones)}),
        ("cisc:changestatistics", {"INPUT_FROM": sample.cisc_2020, "INPUT_TO": sample.cisc_2022,
                                   "ZONES": str(zones), "OUTPUT": str(zones)}),
        ("cisc:webmapoffset", {"ZONES": str(zones), "DIRECTION": 0, "OUTPUT": str(zones)}),
    ]
    for algorithm, params in cases:
        message = processing_error(run, algorithm, params)
        assert "also an input" in message and params["OUTPUT"] in message, (algorithm, message)
    # the mask found beside the raster is an input too
    message = processing_error(run, "cisc:imperviousfraction", {"INPUT": sample.cisc_2020,
                                                                "OUTPUT": sample.valid_mask_2020})
    assert "also an input" in message
    assert [md5(p) for p in protected] == before


@pytest.mark.parametrize("extension", [".png", ".jpg", ".gpkg", ".asc"])
def test_change_map_refuses_other_formats(provider, data, tmp_path, extension):
    out = tmp_path / f"change{extension}"
    message = processing_error(run, "cisc:changemap", {
        "INPUT_FROM": data["sample"].cisc_2020, "INPUT_TO": data["sample"].cisc_2022, "OUTPUT": str(out)})
    assert ".tif" in message and str(out) in message, message
    assert os.listdir(tmp_path) == []


def test_zone_output_folder_is_checked_before_the_work(provider, data, tmp_path):
    blocker = tmp_path / "not_a_folder"
    blocker.write_text("x")
    out = blocker / "stats.gpkg"
    feedback = RecordingFeedback()
    message = processing_error(run, "cisc:zonalstatistics", {
        "INPUT": data["sample"].cisc_2020, "ZONES": data["zones"], "OUTPUT": str(out)}, feedback)
    assert str(out) in message and "sqlite3_open" not in message, message
    assert not any("Counting" in info for info in feedback.infos)  # before: refused after computing
    # a folder that does not exist yet is created, like the raster outputs' folders
    out = tmp_path / "new" / "stats.gpkg"
    run("cisc:zonalstatistics", {"INPUT": data["sample"].cisc_2020, "ZONES": data["zones"], "OUTPUT": str(out)})
    assert layer_count(out) == 3


def layer_count(path):
    dataset = ogr.Open(str(path))
    try:
        return dataset.GetLayer(0).GetFeatureCount()
    finally:
        dataset = None


# -- zones beyond the pole -----------------------------------------------------------------


@pytest.mark.parametrize("algorithm", ["cisc:zonalstatistics", "cisc:changestatistics"])
def test_zone_reaching_beyond_the_pole_gets_nulls(provider, data, tmp_path, algorithm):
    sample = data["sample"]
    zones = tmp_path / "zones.gpkg"
    shutil.copy(data["zones"], zones)
    dataset = ogr.Open(str(zones), 1)
    layer = dataset.GetLayer(0)
    feature = ogr.Feature(layer.GetLayerDefn())
    feature.SetField("name", "polar")
    feature.SetGeometry(ogr.CreateGeometryFromWkt("MULTIPOLYGON(((116 34,117 34,117 95,116 95,116 34)))"))
    layer.CreateFeature(feature)
    polar_fid = feature.GetFID()
    feature = layer = dataset = None
    out = tmp_path / "out.gpkg"
    feedback = RecordingFeedback()
    params = {"ZONES": str(zones), "OUTPUT": str(out)}
    if algorithm == "cisc:zonalstatistics":
        params.update(INPUT=sample.cisc_2020, VALID_MASK=sample.valid_mask_2020)
        fields = ZONAL_FIELDS
    else:
        params.update(INPUT_FROM=sample.cisc_2020, VALID_MASK_FROM=sample.valid_mask_2020,
                      INPUT_TO=sample.cisc_2022, VALID_MASK_TO=sample.valid_mask_2022)
        fields = CHANGE_FIELDS
    run(algorithm, params, feedback)  # before: "ValueError: negative dimensions are not allowed"
    _, rows = output_rows(out, fields)
    assert rows["polar"] == {name: None for name in fields}
    assert any(f"feature {polar_fid}" in w and "NULL" in w for w in feedback.warnings), feedback.warnings
    names, wkbs = zones_in_raster_crs(data["zones"], sample.cisc_2020)
    if algorithm == "cisc:zonalstatistics":
        expected = [oracle.expected_zonal_row(r, PIXEL_KM2)
                    for r in oracle.oracle_zonal(sample.cisc_2020, wkbs, sample.valid_mask_2020)]
    else:
        expected = [oracle.expected_change_row(r, PIXEL_KM2) for r in oracle.oracle_change(
            sample.cisc_2020, sample.cisc_2022, wkbs, sample.valid_mask_2020, sample.valid_mask_2022)]
    for name, row in zip(names, expected):
        oracle.assert_rows_equal(rows[name], row)


# -- GeoPackages with an undefined CRS ------------------------------------------------------


def _undefine_srs(path, srs_id):
    connection = sqlite3.connect(path)
    if srs_id not in (0, -1):
        connection.execute("INSERT INTO gpkg_spatial_ref_sys VALUES ('undefined', ?, 'NONE', ?, 'undefined', "
                           "'undefined')", (srs_id, srs_id))
    connection.execute("UPDATE gpkg_geometry_columns SET srs_id = ?", (srs_id,))
    connection.execute("UPDATE gpkg_contents SET srs_id = ?", (srs_id,))
    connection.commit()
    connection.close()


@pytest.mark.parametrize("srs_id", [0, -1, 99999])
def test_geopackage_with_undefined_crs_is_treated_as_no_crs(provider, data, tmp_path, srs_id):
    sample = data["sample"]
    degrees = tmp_path / "degrees.gpkg"
    metres = tmp_path / "metres.gpkg"
    shutil.copy(data["zones"], degrees)
    shutil.copy(data["zones_albers"], metres)
    _undefine_srs(str(degrees), srs_id)
    _undefine_srs(str(metres), srs_id)
    # degrees beside a raster in metres: refused, asking for the CRS, as for a shapefile without .prj
    # (before: srs_id 0 was taken as WGS84 without a word, -1 was "PROJ could not set up")
    message = processing_error(run, "cisc:zonalstatistics", {"INPUT": sample.cisc_2020, "ZONES": str(degrees),
                                                             "OUTPUT": str(tmp_path / "a.gpkg")})
    assert "has no CRS" in message and "longitude/latitude" in message, message
    # metres: taken as the raster's, with a warning, and the figures are the Albers zones'
    feedback = RecordingFeedback()
    out = tmp_path / "b.gpkg"
    run("cisc:zonalstatistics", {"INPUT": sample.cisc_2020, "VALID_MASK": sample.valid_mask_2020,
                                 "ZONES": str(metres), "OUTPUT": str(out)}, feedback)
    assert any("has no CRS" in w for w in feedback.warnings), feedback.warnings
    _, rows = output_rows(out, ZONAL_FIELDS)
    names, wkbs = zones_in_raster_crs(data["zones_albers"], sample.cisc_2020)
    for name, result in zip(names, oracle.oracle_zonal(sample.cisc_2020, wkbs, sample.valid_mask_2020)):
        oracle.assert_rows_equal(rows[name], oracle.expected_zonal_row(result, PIXEL_KM2))


# -- an extent without area ---------------------------------------------------------------------


def test_change_map_extent_without_area_is_refused(provider, data, tmp_path):
    x = data["sample"].geotransform[0] + 3000
    y = data["sample"].geotransform[3] - 3000
    for extent in (f"{x},{x},{y},{y} [EPSG:8857]", f"{x},{x + 900},{y},{y}"):
        out = tmp_path / "change.tif"
        message = processing_error(run, "cisc:changemap", {
            "INPUT_FROM": data["sample"].cisc_2020, "INPUT_TO": data["sample"].cisc_2022, "EXTENT": extent,
            "OUTPUT": str(out)})
        assert "has no area" in message, message  # before: the whole raster, silently
        assert not out.exists()


# -- the change valid coverage in the dock --------------------------------------------------------


@pytest.fixture(scope="module")
def all_valid(tmp_path_factory):
    """Two years and masks where every pixel is valid; a 100 m circle and a 45 m square inside."""
    folder = tmp_path_factory.mktemp("all_valid")
    rng = np.random.default_rng(8)
    gt = (df.DEFAULT_ORIGIN[0], 30.0, 0.0, df.DEFAULT_ORIGIN[1], 0.0, -30.0)
    for year in (2020, 2022):
        df.write_cog(str(folder / f"cisc_{year}.tif"), rng.integers(0, 4, (200, 200), dtype=np.uint8), gt,
                     df.CHINA_ALBERS_WKT, overviews=False)
        df.write_cog(str(folder / f"valid_mask_{year}.tif"), np.ones((200, 200), np.uint8), gt,
                     df.CHINA_ALBERS_WKT, overviews=False)
    cx, cy = gt[0] + 3000.0 + 7.0, gt[3] - 3000.0 - 11.0
    circle = ogr.CreateGeometryFromWkt(f"POINT({cx} {cy})").Buffer(100.0, 64)
    sx, sy = gt[0] + 4500.0 + 3.0, gt[3] - 4500.0 - 5.0
    square = ogr.CreateGeometryFromWkt(f"POLYGON(({sx} {sy},{sx + 45} {sy},{sx + 45} {sy + 45},{sx} {sy + 45},"
                                       f"{sx} {sy}))")
    zones = df.write_zones(str(folder / "zones" / "zones.gpkg"), [("circle", circle), ("square", square)],
                           df.CHINA_ALBERS_WKT)
    return {"folder": str(folder), "zones": zones}


def test_dock_change_valid_coverage_comes_from_pixel_centres(dock, all_valid):
    from qgis.core import QgsProject, QgsVectorLayer

    zones = QgsVectorLayer(all_valid["zones"], "zones", "ogr")
    assert zones.isValid()
    QgsProject.instance().addMapLayer(zones)
    dock.zonesLayerCombo.setLayer(zones)
    dock.nameFieldCombo.setField("name")
    dock.set_analysis("change")
    dock.set_source_folder(all_valid["folder"])
    dock.addLayerCheck.setChecked(False)
    dock.joinCheck.setChecked(False)
    ok, message = _run_and_wait(dock)
    assert ok, message
    labels = [dock.model.label(r) for r in range(dock.model.rowCount())]
    shares = {label: dock.result.rows[i]["chg_valid_pct"] for i, label in enumerate(labels)}
    invalid = {label: dock.result.rows[i]["chg_invalid_km2"] for i, label in enumerate(labels)}
    # every pixel is valid: 100 % (before: 92.26 % for the circle, 177.78 % capped for the square)
    assert shares == {"circle": 100.0, "square": 100.0}
    assert invalid == {"circle": 0.0, "square": 0.0}


def test_dock_refuses_a_folder_with_two_rasters_for_a_year(dock, data, tmp_path):
    from qgis.core import QgsProject, QgsVectorLayer

    sample = data["sample"]
    for name, source in (("CISC2020.tif", sample.cisc_2020), ("cisc_2020.tif", sample.cisc_2020),
                         ("cisc_2022.tif", sample.cisc_2022), ("Valid_Mask_2020.tif", sample.valid_mask_2020),
                         ("valid_mask_2020.tif", sample.valid_mask_2020)):
        shutil.copy(source, tmp_path / name)
    dock.set_analysis("2022")
    dock.set_source_folder(str(tmp_path))
    assert dock.resolve_sources()[2022][0] == str(tmp_path / "cisc_2022.tif")  # 2022 is unambiguous
    dock.set_analysis("2020")
    from cisc_impervious.plugin.gui.dock import InputError

    with pytest.raises(InputError) as error:
        dock.resolve_sources()
    assert "CISC2020.tif" in str(error.value) and "cisc_2020.tif" in str(error.value)
    # a run refused for it says so in the dock and leaves the user's settings as they were
    from cisc_impervious.plugin.toolbelt.settings import read_settings

    zones = QgsVectorLayer(data["zones"], "zones", "ogr")
    QgsProject.instance().addMapLayer(zones)
    dock.zonesLayerCombo.setLayer(zones)
    saved = read_settings()
    assert dock.run() is False
    assert "CISC2020.tif" in dock.message()
    assert read_settings() == saved
    # Processing's mask lookup beside the raster refuses to guess too
    message = processing_error(run, "cisc:zonalstatistics", {"INPUT": str(tmp_path / "cisc_2020.tif"),
                                                             "ZONES": data["zones"],
                                                             "OUTPUT": str(tmp_path / "out.gpkg")})
    assert "Valid_Mask_2020.tif" in message and "valid_mask_2020.tif" in message, message


def test_output_loaded_on_completion_under_its_final_name(provider, data, tmp_path, project):
    """An output the toolbox asks to load (an output definition with a project) is loaded from its
    final file, not from the temporary one."""
    import processing
    from qgis.core import QgsProcessingContext, QgsProcessingFeedback, QgsProcessingOutputLayerDefinition

    out = tmp_path / "loaded.gpkg"
    context = QgsProcessingContext()
    context.setProject(project)
    feedback = QgsProcessingFeedback()
    definition = QgsProcessingOutputLayerDefinition(str(out), project)
    definition.destinationName = "loaded"
    result = processing.run("cisc:zonalstatistics", {"INPUT": data["sample"].cisc_2020, "ZONES": data["zones"],
                                                     "OUTPUT": definition}, context=context, feedback=feedback)
    assert result["OUTPUT"] == str(out)
    assert list(context.layersToLoadOnCompletion()) == [str(out)]
    assert not [n for n in os.listdir(tmp_path) if n.startswith(".cisc-")]
