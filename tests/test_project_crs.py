"""The project CRS when CISC layers are added (the rasters' Albers, never the date layer's EPSG:4326),
its identification as an EPSG code, a readable name for a custom Albers, and the demo project."""

import contextlib
import os
import shutil
import zipfile

import numpy as np
import pytest
from osgeo import gdal, osr
from qgis.core import (
    QgsApplication,
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsProject,
    QgsRasterLayer,
    QgsSettings,
    QgsSingleSymbolRenderer,
    QgsVectorLayer,
)
from qgis.gui import QgsLayerTreeMapCanvasBridge

from cisc_impervious.plugin.core import sources
from cisc_impervious.plugin.layers import loader, project_crs, styling
from tests import datafactory
from tests.layers_testutil import enable_gdal_exceptions, make_set

SHORT = QgsCoordinateReferenceSystem.IdentifierType.ShortString


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    enable_gdal_exceptions()
    return make_set(tmp_path_factory.mktemp("crs") / "data", size=256)


@pytest.fixture()
def bridge(project, qgis_iface, monkeypatch):
    """QGIS's map canvas bridge as QGIS's main window has it (the mock interface has none): on the
    first layers of a project it sets the project CRS from the first layer of the Layers panel."""
    created = QgsLayerTreeMapCanvasBridge(project.layerTreeRoot(), qgis_iface.mapCanvas())
    monkeypatch.setattr(qgis_iface, "layerTreeCanvasBridge", lambda: created, raising=False)
    yield created
    created.deleteLater()
    QgsApplication.processEvents()


def _settle():
    for _ in range(5):  # the bridge works on the next event loop pass
        QgsApplication.processEvents()


def _local_specs(folder, years=(2020, 2022)):
    found = sources.discover_local(str(folder), list(years), masks=True, dates=True)
    return loader.specs_for_local(found)


def _like_a_new_qgis_project(project):
    """QGIS gives a new project its default CRS (EPSG:4326) until the first layer is added."""
    project.setCrs(QgsCoordinateReferenceSystem("EPSG:4326"))


def _write_raster(path, wkt, size=32, origin=(-1_000_000.0, -3_000_000.0)):
    driver = gdal.GetDriverByName("GTiff")
    ds = driver.Create(str(path), size, size, 1, gdal.GDT_Byte)
    ds.SetGeoTransform((origin[0], 30.0, 0.0, origin[1], 0.0, -30.0))
    ds.SetProjection(wkt)
    ds.GetRasterBand(1).WriteArray((np.arange(size * size).reshape(size, size) % 4).astype(np.uint8))
    ds = None
    return str(path)


def test_premise_qgis_takes_the_first_layer_of_the_panel_the_date_layer(project, qgis_iface, bridge, sample,
                                                                        monkeypatch):
    """Without the plugin's handling QGIS's bridge makes the project EPSG:4326 (the date layer on
    top): the issue this fixes."""
    monkeypatch.setattr(project_crs, "should_adopt", lambda _project: False)
    _like_a_new_qgis_project(project)
    result = loader.add_cisc_layers(_local_specs(sample.folder), iface=qgis_iface)
    _settle()
    first = project.layerTreeRoot().findLayers()[0].layer()
    assert first.customProperty(styling.PROP_KIND) == "dates" and first.crs().authid() == "EPSG:4326"
    assert result.layers and project.crs().authid() == "EPSG:4326"


def test_empty_project_gets_the_rasters_albers_not_the_date_layers_crs(project, qgis_iface, bridge, sample):
    _like_a_new_qgis_project(project)
    result = loader.add_cisc_layers(_local_specs(sample.folder), iface=qgis_iface)
    _settle()
    rasters = [layer for layer in result.layers if isinstance(layer, QgsRasterLayer)]
    dates = [layer for layer in result.layers if layer.customProperty(styling.PROP_KIND) == "dates"]
    assert len(rasters) == 4 and dates and dates[0].crs().authid() == "EPSG:4326"
    raster_crs = QgsCoordinateReferenceSystem.fromWkt(datafactory.CHINA_ALBERS_WKT)
    assert project.crs() == rasters[0].crs() and project.crs().toProj() == raster_crs.toProj()
    # the sample's China Albers (lat_1=25, lat_2=47, lon_0=105, WGS84) has no EPSG code
    assert project.crs().authid() == "" and project_crs.epsg_match(raster_crs) is None
    assert project.crs().description() == "China Albers Equal Area (WGS 84)"
    assert project.crs().userFriendlyIdentifier(SHORT) == "China Albers Equal Area (WGS 84)"
    # the canvas shows the rasters in their own CRS, zoomed onto them
    canvas = qgis_iface.mapCanvas()
    assert canvas.mapSettings().destinationCrs() == project.crs()
    assert result.zoomed and canvas.extent().intersects(rasters[0].extent())
    # the bridge's later passes do not change it any more
    _settle()
    assert project.crs() == rasters[0].crs()


def test_a_project_without_crs_gets_it_too_headless(sample):
    project = QgsProject()
    assert not project.crs().isValid()
    result = loader.add_cisc_layers(_local_specs(sample.folder), project=project, zoom=False)
    assert result.layers
    raster = [layer for layer in result.layers if isinstance(layer, QgsRasterLayer)][0]
    assert project.crs() == raster.crs()
    assert project.crs().toProj() == QgsCoordinateReferenceSystem.fromWkt(datafactory.CHINA_ALBERS_WKT).toProj()
    project.clear()


def test_an_epsg_albers_raster_gives_the_epsg_code(project, qgis_iface, bridge, sample, tmp_path):
    """A raster in EPSG:3577 (GDA94 / Australian Albers, equal-area), its WKT without any
    AUTHORITY tag: the project CRS is EPSG:3577, and so is the layer's (the layer pickers show it)."""
    folder = tmp_path / "epsg"
    folder.mkdir()
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(3577)
    bare = srs.ExportToWkt().replace(',AUTHORITY["EPSG","3577"]', "")
    assert "3577" not in bare
    _write_raster(folder / "cisc_2022.tif", bare)
    shutil.copy(sample.dates_zip, folder / os.path.basename(sample.dates_zip))
    _like_a_new_qgis_project(project)
    result = loader.add_cisc_layers(_local_specs(folder, years=(2022,)), iface=qgis_iface)
    _settle()
    raster = [layer for layer in result.layers if isinstance(layer, QgsRasterLayer)][0]
    assert project.crs().authid() == "EPSG:3577"
    assert project.crs().description() == "GDA94 / Australian Albers"
    assert raster.crs().authid() == "EPSG:3577"


def test_identify_finds_the_epsg_code_of_an_equivalent_definition():
    equivalent = QgsCoordinateReferenceSystem.fromProj(
        "+proj=aea +lat_0=0 +lon_0=132 +lat_1=-18 +lat_2=-36 +x_0=0 +y_0=0 +ellps=GRS80 "
        "+towgs84=0,0,0,0,0,0,0 +units=m +no_defs"
    )
    assert project_crs.epsg_match(equivalent).authid() == "EPSG:3577"
    assert project_crs.identify(equivalent).authid() == "EPSG:3577"


def test_an_unnamed_custom_albers_is_named_china_albers_cisc(project, qgis_iface, bridge, tmp_path):
    srs = osr.SpatialReference()
    srs.ImportFromProj4(datafactory.CHINA_ALBERS_PROJ4)  # GDAL names it "unknown"
    unnamed = QgsCoordinateReferenceSystem.fromWkt(srs.ExportToWkt())
    assert unnamed.description() == "unknown" and unnamed.authid() == ""
    named = project_crs.identify(unnamed)
    assert named.description() == "China Albers (CISC)"
    assert named.userFriendlyIdentifier(SHORT) == "China Albers (CISC)"
    assert named.toProj() == unnamed.toProj() and named.authid() == ""
    # through the loader: the project holds the name, nothing is written into the user's CRS database
    folder = tmp_path / "unnamed"
    folder.mkdir()
    _write_raster(folder / "cisc_2020.tif", srs.ExportToWkt(), origin=(990000.0, 3780000.0))
    user_crs_before = QgsApplication.qgisUserDatabaseFilePath()
    size_before = os.path.getsize(user_crs_before) if os.path.exists(user_crs_before) else None
    _like_a_new_qgis_project(project)
    loader.add_cisc_layers(_local_specs(folder, years=(2020,)), iface=qgis_iface)
    _settle()
    assert project.crs().description() == "China Albers (CISC)"
    assert project.crs().toProj() == unnamed.toProj()
    assert project.crs().srsid() == 0  # a project-level definition, not a user CRS
    if size_before is not None:
        assert os.path.getsize(user_crs_before) == size_before


@contextlib.contextmanager
def _new_project_crs_behavior(value):
    settings = QgsSettings()
    key = project_crs.PRESET_CRS_SETTING
    previous = settings.value(key, None, section=QgsSettings.Section.App)
    settings.setValue(key, value, section=QgsSettings.Section.App)
    try:
        yield
    finally:
        if previous is None:
            settings.remove(key, section=QgsSettings.Section.App)
        else:
            settings.setValue(key, previous, section=QgsSettings.Section.App)


def test_a_preset_project_crs_or_a_project_with_layers_keeps_its_crs(project, qgis_iface, sample):
    with _new_project_crs_behavior("UsePresetCrs"):
        project.setCrs(QgsCoordinateReferenceSystem("EPSG:4490"))
        loader.add_cisc_layers(_local_specs(sample.folder, years=(2020,)), iface=qgis_iface)
        assert project.crs().authid() == "EPSG:4490"
    project.clear()
    zones = QgsVectorLayer("Polygon?crs=EPSG:3857", "zones", "memory")
    project.addMapLayer(zones)
    project.setCrs(QgsCoordinateReferenceSystem("EPSG:3857"))
    loader.add_cisc_layers(_local_specs(sample.folder, years=(2022,)), iface=qgis_iface)
    assert project.crs().authid() == "EPSG:3857"


def test_demo_project_has_labelled_county_zones_in_the_rasters_crs(tmp_path, sample):
    from qgis.core import QgsLayerTreeGroup

    from cisc_impervious.plugin.layers.project import ZONES_GROUP_NAME, write_demo_project

    demo = tmp_path / "demo"
    shutil.copytree(sample.folder, demo / "data")
    names = [f"County {i + 1:02d}" for i in range(4)]
    counties = datafactory.write_zones(
        str(demo / "data" / "counties_4490.gpkg"), datafactory.make_counties(4, sample, 1), 4490, names=names
    )
    path = write_demo_project(demo / "cisc_demo.qgz", str(demo / "data"), zones=[counties])
    with zipfile.ZipFile(path) as archive:
        text = archive.read([n for n in archive.namelist() if n.endswith(".qgs")][0]).decode("utf-8")
    assert str(tmp_path) not in text
    opened = QgsProject()
    assert opened.read(path)
    try:
        cisc = [layer for layer in opened.mapLayers().values() if layer.customProperty(styling.PROP_KIND) == "cisc"]
        assert len(cisc) == 2
        raster_crs = cisc[0].crs()
        assert opened.crs() == raster_crs
        assert raster_crs.toProj() == QgsCoordinateReferenceSystem.fromWkt(datafactory.CHINA_ALBERS_WKT).toProj()
        assert opened.crs().userFriendlyIdentifier(SHORT) == "China Albers Equal Area (WGS 84)"
        root = opened.layerTreeRoot()
        top = root.children()[0]
        assert isinstance(top, QgsLayerTreeGroup) and top.name() == ZONES_GROUP_NAME  # above the CISC group
        zones = top.findLayers()[0].layer()
        assert zones.isValid() and zones.crs().authid() == "EPSG:4490" and zones.featureCount() == 4
        assert sorted(f["name"] for f in zones.getFeatures()) == names
        renderer = zones.renderer()
        assert isinstance(renderer, QgsSingleSymbolRenderer)
        fill = renderer.symbol().symbolLayer(0)
        assert fill.color().alpha() == 0 and fill.strokeColor().name() == "#282828"  # outline only
        assert zones.labelsEnabled() and zones.labeling().settings().fieldName == "name"
        assert zones.labeling().settings().format().buffer().enabled()
        assert root.findLayer(zones.id()).isVisible()
        # the view opens on the data: the rasters and the zones, in the project CRS
        view = opened.viewSettings().defaultViewExtent()
        assert view.crs() == raster_crs
        for layer in cisc:
            assert view.contains(layer.extent())
        zones_extent = QgsCoordinateTransform(zones.crs(), raster_crs, opened).transformBoundingBox(zones.extent())
        assert view.contains(zones_extent)
        assert view.width() < 1.2 * max(layer.extent().width() for layer in cisc) + zones_extent.width()
    finally:
        opened.clear()
