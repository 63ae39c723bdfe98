"""Adding, styling and describing the CISC layers; the shipped .qml styles; dialog; demo project."""

import os
import shutil
import zipfile

import pytest
from osgeo import ogr
from qgis.core import (
    QgsCategorizedSymbolRenderer,
    QgsExpression,
    QgsExpressionContext,
    QgsExpressionContextUtils,
    QgsLayerTreeGroup,
    QgsPalettedRasterRenderer,
    QgsProject,
    QgsRasterLayer,
    QgsVectorLayer,
)
from qgis.PyQt.QtGui import QColor

from cisc_impervious.plugin.core import dataset, sources
from cisc_impervious.plugin.core.dates import parse_acquisition_date
from cisc_impervious.plugin.layers import loader, style_files, styling
from tests import datafactory
from tests.layers_testutil import enable_gdal_exceptions, make_set


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    enable_gdal_exceptions()
    return make_set(tmp_path_factory.mktemp("layers") / "data", size=512)


def _tree(group):
    out = []
    for child in group.children():
        if isinstance(child, QgsLayerTreeGroup):
            out.append((child.name(), _tree(child)))
        else:
            out.append(child.layer().customProperty(styling.PROP_KIND))
    return out


def _ogr_dates(zip_path, member):
    ds = ogr.Open(f"/vsizip/{zip_path}/{member}")
    layer = ds.GetLayer(0)
    values = [feature.GetField("acq_date") for feature in layer]
    return values


def test_local_layers_grouped_styled_described(project, qgis_iface, sample):
    found = sources.discover_local(sample.folder, [2020, 2022])
    result = loader.add_cisc_layers(loader.specs_for_local(found), iface=qgis_iface)
    assert result.errors == []
    assert len(result.layers) == 6 and all(layer.isValid() for layer in result.layers)
    group = project.layerTreeRoot().findGroup("CISC")
    # newest year on top; inside a year: dates, mask overlay, classes
    assert _tree(group) == [("2022", ["dates", "mask", "cisc"]), ("2020", ["dates", "mask", "cisc"])]
    assert result.zoomed
    canvas_extent = qgis_iface.mapCanvas().extent()
    classes_2020 = [layer for layer in result.layers if layer.customProperty(styling.PROP_KIND) == "cisc"][0]
    assert canvas_extent.contains(classes_2020.extent().center())

    for layer in result.layers:
        kind = layer.customProperty(styling.PROP_KIND)
        metadata = layer.metadata()
        assert dataset.DOI in metadata.abstract() and dataset.DOI in metadata.identifier()
        assert "reliability is not guaranteed" in metadata.abstract()
        assert any(dataset.DOI in link.url for link in metadata.links())
        assert metadata.constraints()[0].type == "caveats"
        if kind == "cisc":
            renderer = layer.renderer()
            assert isinstance(renderer, QgsPalettedRasterRenderer)
            classes = {int(c.value): c for c in renderer.classes()}
            assert sorted(classes) == [0, 1, 2, 3]
            assert classes[1].color.name() == "#d7191c"  # strong red
            assert classes[1].label == "Impervious surface / 不透水面"
            assert "reference only" in classes[2].label and "仅供参考" in classes[2].label
            assert "reference only" in classes[3].label and "仅供参考" in classes[3].label
            assert classes[2].color.green() > classes[2].color.red()  # vegetation green
            assert classes[3].color.blue() > classes[3].color.red()  # water blue
            assert metadata.title().startswith("China Impervious Surface Cover")
        elif kind == "mask":
            classes = {int(c.value): c for c in layer.renderer().classes()}
            invalid, valid = classes[0].color, classes[1].color
            assert (
                invalid.red() == invalid.green() == invalid.blue() and 60 < invalid.alpha() < 255
            )  # grey, see-through
            assert valid.alpha() == 0  # valid area transparent
            assert "无有效数据" in classes[0].label
        else:
            assert layer.source().startswith("/vsizip/") and sample.dates_zip in layer.source()
            assert isinstance(layer.renderer(), QgsCategorizedSymbolRenderer)
            assert layer.customProperty(styling.PROP_DATE_FIELD) == "acq_date"
            assert "[%" in layer.mapTipTemplate()

    # adding again does not duplicate, and does not zoom again
    again = loader.add_cisc_layers(loader.specs_for_local(found), iface=qgis_iface)
    assert again.layers == [] and len(again.warnings) == 6 and not again.zoomed


@pytest.mark.parametrize("date_format", ["yyyymmdd", "iso", "int", "date", "slash"])
def test_date_layer_categories_and_map_tips(tmp_path, sample, date_format):
    zip_path = datafactory.make_dates_zip(tmp_path / "source_date_dissovle.zip", sample, 3, date_format=date_format)
    members = loader.date_members(str(zip_path))
    assert [year for _, year in members] == [2020, 2022]
    for member, _year in members:
        layer = QgsVectorLayer(member, "dates", "ogr")
        assert layer.isValid()
        assert styling.style_dates(layer) == "acq_date"
        raw = _ogr_dates(zip_path, os.path.basename(member))
        expected = [
            parse_acquisition_date(v) if not isinstance(v, str) or date_format != "date" else parse_acquisition_date(v)
            for v in raw
        ]
        assert all(expected), raw
        months = {f"{d.year:04d}-{d.month:02d}" for d in expected}
        renderer = layer.renderer()
        assert {c.value() for c in renderer.categories()} == months
        labels = [c.label() for c in renderer.categories()]
        assert labels == sorted(labels)  # legend in time order
        # each feature: the renderer's key and the map tip give its acquisition date
        key_expression = QgsExpression(renderer.classAttribute())
        for feature in layer.getFeatures():
            date = parse_acquisition_date(feature["acq_date"])
            context = QgsExpressionContext(QgsExpressionContextUtils.globalProjectLayerScopes(layer))
            context.setFeature(feature)
            assert key_expression.evaluate(context) == f"{date.year:04d}-{date.month:02d}"
            tip = QgsExpression.replaceExpressionText(layer.mapTipTemplate(), context)
            assert date.isoformat() in tip, tip
        # colours: one family per year, darker later in the year
        first = [c for c in renderer.categories()][0]
        assert first.symbol().color().alpha() == styling.DATE_FILL_ALPHA


def test_unreadable_dates_get_their_own_category(tmp_path):
    layer = QgsVectorLayer("Polygon?crs=EPSG:4326&field=Date_acq:string(12)", "d", "memory")
    from qgis.core import QgsFeature, QgsGeometry

    for value in ("2020-09-15", "garbage", "2021/1/2"):
        feature = QgsFeature(layer.fields())
        feature["Date_acq"] = value
        feature.setGeometry(QgsGeometry.fromWkt("POLYGON((0 0,1 0,1 1,0 1,0 0))"))
        layer.dataProvider().addFeature(feature)
    assert styling.style_dates(layer) == "Date_acq"
    values = [c.value() for c in layer.renderer().categories()]
    assert values == ["2020-09", "2021-01", ""]
    # no date field at all: a plain style, reported
    plain = QgsVectorLayer("Polygon?crs=EPSG:4326&field=name:string", "p", "memory")
    assert styling.style_dates(plain) is None


def test_impervious_only_one_click(project, qgis_iface, sample):
    layer = QgsRasterLayer(sample.cisc_2022, "cisc_2022", "gdal")
    project.addMapLayer(layer)
    qgis_iface.setActiveLayer(layer)
    assert styling.apply_impervious_only_to_active_layer(qgis_iface)
    classes = layer.renderer().classes()
    assert [int(c.value) for c in classes] == [1] and classes[0].color.name() == "#d7191c"
    assert layer.customProperty(styling.PROP_STYLE) == styling.STYLE_IMPERVIOUS_ONLY
    # a second click brings every class back
    assert styling.apply_impervious_only_to_active_layer(qgis_iface)
    assert [int(c.value) for c in layer.renderer().classes()] == [0, 1, 2, 3]
    # a mask layer is not a classification: refused with a message
    mask = QgsRasterLayer(sample.valid_mask_2022, "mask", "gdal")
    project.addMapLayer(mask)
    qgis_iface.setActiveLayer(mask)
    assert not styling.apply_impervious_only_to_active_layer(qgis_iface)
    assert mask.renderer().type() != "paletted" or mask.customProperty(styling.PROP_STYLE) is None


def test_through_the_plugin_action(project, plugin, qgis_iface, sample):
    layer = QgsRasterLayer(sample.cisc_2020, "cisc_2020", "gdal")
    project.addMapLayer(layer)
    qgis_iface.setActiveLayer(layer)
    plugin.actions["impervious_only"].trigger()
    assert [int(c.value) for c in layer.renderer().classes()] == [1]


def test_bad_files_are_named_and_skipped(project, qgis_iface, tmp_path, sample):
    bad = datafactory.make_bad_rasters(tmp_path / "bad")
    folder = tmp_path / "folder"
    folder.mkdir()
    shutil.copy(bad["not_a_raster"], folder / "cisc_2020.tif")
    shutil.copy(bad["multiband"], folder / "cisc_2022.tif")
    shutil.copy(sample.valid_mask_2020, folder / "valid_mask_2020.tif")
    (folder / "source_date_dissovle.zip").write_bytes(b"not a zip")
    found = sources.discover_local(str(folder), [2020, 2022])
    result = loader.add_cisc_layers(loader.specs_for_local(found), iface=qgis_iface)
    assert [layer.customProperty(styling.PROP_KIND) for layer in result.layers] == ["mask"]
    text = "\n".join(result.errors)
    assert "cisc_2020.tif: cannot be opened" in text
    assert "cisc_2022.tif: has 3 bands" in text or "cisc_2022.tif: has" in text
    assert "source_date_dissovle.zip" in text


def test_nodata_tag_never_hides_a_class(tmp_path, sample):
    from osgeo import gdal

    path = str(tmp_path / "cisc_2020.tif")
    gdal.Translate(path, sample.cisc_2020, noData=0)
    layer = QgsRasterLayer(path, "x", "gdal")
    styling.style_classes(layer)
    assert not layer.dataProvider().useSourceNoDataValue(1)


def test_shipped_styles_match_the_code(tmp_path):
    """resources/styles/*.qml (usable without the plugin) hold what the code produces."""
    fresh = style_files.styled_template_layers(str(tmp_path))
    for key, name in style_files.STYLE_FILES.items():
        shipped = style_files.STYLES_DIR / name
        assert shipped.exists(), f"{shipped} missing: run python -m tools.generate_styles"
        template = fresh[key]
        if isinstance(template, QgsRasterLayer):
            target = QgsRasterLayer(str(tmp_path / "template.tif"), "t", "gdal")
        else:
            target = QgsVectorLayer(f"Polygon?field={style_files.DEFAULT_DATE_FIELD}:string(10)", "t", "memory")
        message, ok = target.loadNamedStyle(str(shipped))
        assert ok, message
        renderer, expected = target.renderer(), template.renderer()
        if isinstance(expected, QgsPalettedRasterRenderer):
            got = [(c.value, c.color.name(QColor.NameFormat.HexArgb), c.label) for c in renderer.classes()]
            want = [(c.value, c.color.name(QColor.NameFormat.HexArgb), c.label) for c in expected.classes()]
        else:
            assert renderer.classAttribute() == expected.classAttribute()
            assert target.mapTipTemplate() == template.mapTipTemplate()
            got = [
                (c.value(), c.label(), c.symbol().color().name(QColor.NameFormat.HexArgb))
                for c in renderer.categories()
            ]
            want = [
                (c.value(), c.label(), c.symbol().color().name(QColor.NameFormat.HexArgb))
                for c in expected.categories()
            ]
        assert got == want, f"{name} is out of date: run python -m tools.generate_styles"


def test_dialog_local_lists_missing_and_remembers(project, qgis_iface, tmp_path, sample):
    from cisc_impervious.plugin.gui.add_layers_dialog import AddLayersDialog
    from cisc_impervious.plugin.toolbelt.settings import read_settings, write_settings

    saved = read_settings()
    folder = tmp_path / "partial"
    shutil.copytree(sample.folder, folder)
    os.remove(folder / "cisc_2022.tif")
    try:
        dialog = AddLayersDialog(qgis_iface)
        dialog.radioLocal.setChecked(True)
        dialog.check2020.setChecked(True)
        dialog.check2022.setChecked(True)
        dialog.checkMasks.setChecked(True)
        dialog.checkDates.setChecked(False)
        dialog.editLocalFolder.setText(str(folder))
        status = dialog.textStatus.toPlainText()
        assert "MISSING: cisc_2022.tif" in status
        assert "found: cisc_2020.tif" in status and "found: valid_mask_2022.tif" in status
        dialog.accept()
        kinds = sorted(
            (layer.customProperty(styling.PROP_KIND), layer.customProperty(styling.PROP_YEAR))
            for layer in dialog.last_result.layers
        )
        assert kinds == [("cisc", 2020), ("mask", 2020), ("mask", 2022)]
        warnings = qgis_iface.messageBar().get_messages(1)  # Qgis.Warning
        assert any("cisc_2022.tif" in message for message in warnings)
        remembered = read_settings()
        assert remembered.source_kind == "local" and remembered.local_folder == str(folder)
        assert remembered.years == "2020,2022" and remembered.add_masks and not remembered.add_dates
        # a new dialog starts from what was remembered
        second = AddLayersDialog(qgis_iface)
        assert second.editLocalFolder.text() == str(folder) and not second.checkDates.isChecked()
        assert second.radioLocal.isChecked() and second.check2022.isChecked()
    finally:
        write_settings(saved)
        qgis_iface.messageBar().clear_messages()


def test_demo_project_opens_as_is_elsewhere(tmp_path, sample):
    from cisc_impervious.plugin.layers.project import write_demo_project

    demo = tmp_path / "demo"
    shutil.copytree(sample.folder, demo / "data")
    extra = demo / "zones.gpkg"
    datafactory.write_zones(str(extra), datafactory.make_provinces(3, sample, 1), sample.crs_wkt)
    fraction = demo / "impervious_fraction_2022_1km.tif"
    shutil.copy(sample.cisc_2022, fraction)  # stands in for a statistics raster: styled by its name
    path = write_demo_project(demo / "cisc_demo.qgz", str(demo / "data"), extra_layers=[str(extra), str(fraction)])
    assert path.endswith("cisc_demo.qgz") and os.path.exists(path)
    with zipfile.ZipFile(path) as archive:
        qgs = [n for n in archive.namelist() if n.endswith(".qgs")][0]
        text = archive.read(qgs).decode("utf-8")
    assert str(tmp_path) not in text  # every path relative
    moved = shutil.move(str(demo), str(tmp_path / "elsewhere"))
    other = QgsProject()
    assert other.read(os.path.join(moved, "cisc_demo.qgz"))
    layers = list(other.mapLayers().values())
    assert len(layers) == 8 and all(layer.isValid() for layer in layers)
    kinds = sorted(str(layer.customProperty(styling.PROP_KIND)) for layer in layers)
    assert kinds == ["None", "None", "cisc", "cisc", "dates", "dates", "mask", "mask"]
    styled = [layer for layer in layers if layer.name() == "impervious_fraction_2022_1km"][0]
    assert styled.renderer().type() != "singlebandgray"
    for layer in layers:
        assert layer.source().startswith(("/vsizip/" + moved, moved)), layer.source()
        if layer.customProperty(styling.PROP_KIND) == "cisc":
            assert isinstance(layer.renderer(), QgsPalettedRasterRenderer)
    assert other.layerTreeRoot().findGroup("Statistics") is not None
    assert not other.viewSettings().defaultViewExtent().isEmpty()
    other.clear()
