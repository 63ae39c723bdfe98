"""Render every CISC layer as the plugin adds it and check the colours where the data are known.

The picture goes to docs/map_render.png when CISC_UPDATE_DOCS=1 is set. Expected colours are
composed from the data
(pixel values of the rasters read with GDAL, date polygons read with OGR) and the styles'
colours, bottom layer first, at points well inside uniform areas.
"""

import os
from pathlib import Path

import numpy as np
import pytest
from osgeo import gdal, ogr, osr
from qgis.core import (
    QgsMapRendererParallelJob,
    QgsMapSettings,
    QgsPalettedRasterRenderer,
    QgsProject,
    QgsRasterLayer,
    QgsRectangle,
)
from qgis.PyQt.QtCore import QSize
from qgis.PyQt.QtGui import QColor

from cisc_impervious.plugin.core import dataset, sources
from cisc_impervious.plugin.core.dates import parse_acquisition_date
from cisc_impervious.plugin.layers import loader, styling
from tests.layers_testutil import RICH_ORIGIN, enable_gdal_exceptions, make_set

DOCS_PNG = Path(__file__).resolve().parents[1] / "docs" / "map_render.png"
SIZE = 1024
STEP = 8  # candidate points every STEP image pixels
HALO = 4  # image pixels around a point that must see the same data
BORDER = 32  # image pixels along the picture's edges left out (clipping of outlines)


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    enable_gdal_exceptions()
    # 768 px of 30 m drawn on 1024 image pixels: zoomed in, so every image pixel shows one
    # raster pixel (nearest neighbour), never an overview
    return make_set(tmp_path_factory.mktemp("render") / "data", size=768, origin=RICH_ORIGIN)


def _lut(colors):
    """value -> RGBA table (values not styled are transparent)."""
    table = np.zeros((256, 4), dtype=np.float64)
    for value, color in colors.items():
        if 0 <= value < 256:
            table[value] = (color.red(), color.green(), color.blue(), color.alpha())
    return table


def _raster_values(layer, xs, ys):
    """Pixel values of a raster at map points (-1 outside its extent)."""
    ds = gdal.Open(layer.source())
    gt = ds.GetGeoTransform()
    array = ds.GetRasterBand(1).ReadAsArray().astype(np.int32)
    cols = np.floor((xs - gt[0]) / gt[1]).astype(np.int64)
    rows = np.floor((ys - gt[3]) / gt[5]).astype(np.int64)
    inside = (cols >= 0) & (cols < array.shape[1]) & (rows >= 0) & (rows < array.shape[0])
    values = np.full(xs.shape, -1, dtype=np.int32)
    values[inside] = array[rows[inside], cols[inside]]
    return values


def _date_values(layer, geotransform, crs_wkt):
    """Feature number (1..n, 0 none) of the date polygon at each image pixel, the pixels
    touched by any polygon's outline, and the fill colour of each feature number."""
    path = layer.source().split("|")[0]
    source = ogr.Open(path)
    src_layer = source.GetLayer(0)
    field = layer.customProperty(styling.PROP_DATE_FIELD)
    fills = {c.value(): c.symbol().color() for c in layer.renderer().categories()}
    albers = osr.SpatialReference()
    albers.ImportFromWkt(crs_wkt)
    albers.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    layer_srs = src_layer.GetSpatialRef().Clone()
    layer_srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    transform = osr.CoordinateTransformation(layer_srs, albers)
    memory = ogr.GetDriverByName("Memory").CreateDataSource("dates")
    polygons = memory.CreateLayer("polygons", albers, ogr.wkbMultiPolygon)
    polygons.CreateField(ogr.FieldDefn("n", ogr.OFTInteger))
    outlines = memory.CreateLayer("outlines", albers, ogr.wkbMultiLineString)
    colors = {}
    for number, feature in enumerate(src_layer, start=1):
        date = parse_acquisition_date(feature.GetField(field))
        colors[number] = fills[f"{date.year:04d}-{date.month:02d}"]
        geometry = feature.GetGeometryRef().Clone()
        geometry.Transform(transform)
        out = ogr.Feature(polygons.GetLayerDefn())
        out.SetField("n", number)
        out.SetGeometry(geometry)
        polygons.CreateFeature(out)
        line = ogr.Feature(outlines.GetLayerDefn())
        line.SetGeometry(geometry.Boundary())
        outlines.CreateFeature(line)

    def burn(target_layer, options):
        ds = gdal.GetDriverByName("MEM").Create("", SIZE, SIZE, 1, gdal.GDT_Int32)
        ds.SetGeoTransform(geotransform)
        ds.SetProjection(crs_wkt)
        gdal.RasterizeLayer(ds, [1], target_layer, options=options)
        return ds.GetRasterBand(1).ReadAsArray()

    number = burn(polygons, ["ATTRIBUTE=n"])
    ds = gdal.GetDriverByName("MEM").Create("", SIZE, SIZE, 1, gdal.GDT_Byte)
    ds.SetGeoTransform(geotransform)
    ds.SetProjection(crs_wkt)
    gdal.RasterizeLayer(ds, [1], outlines, burn_values=[1], options=["ALL_TOUCHED=TRUE"])
    edges = ds.GetRasterBand(1).ReadAsArray().astype(bool)
    return number, edges, colors


def _grow(mask, radius):
    out = mask.copy()
    for dy in range(-radius, radius + 1):
        for dx in range(-radius, radius + 1):
            out |= np.roll(np.roll(mask, dy, axis=0), dx, axis=1)
    return out


def _uniform(values, radius):
    """Pixels whose whole (2 radius + 1)^2 neighbourhood holds their value."""
    same = np.ones(values.shape, dtype=bool)
    for dy in range(-radius, radius + 1):
        rolled = np.roll(values, dy, axis=0)
        for dx in range(-radius, radius + 1):
            same &= np.roll(rolled, dx, axis=1) == values
    return same


def _over(dst, rgba):
    alpha = rgba[..., 3:4] / 255.0
    return rgba[..., :3] * alpha + dst * (1 - alpha)


def _image_array(image):
    from qgis.PyQt.QtGui import QImage

    image = image.convertToFormat(QImage.Format.Format_RGB32)
    pointer = image.constBits()
    pointer.setsize(image.height() * image.bytesPerLine())
    array = np.frombuffer(pointer, dtype=np.uint8).reshape(image.height(), image.bytesPerLine() // 4, 4)
    return array[:, : image.width(), [2, 1, 0]].astype(np.float64)  # BGRA in memory -> RGB


@pytest.fixture(scope="module")
def rendered(sample, qgis_app, qgis_iface, tmp_path_factory):
    project = QgsProject.instance()
    project.clear()
    found = sources.discover_local(sample.folder, [2020, 2022])
    result = loader.add_cisc_layers(loader.specs_for_local(found), project=project, iface=qgis_iface)
    assert result.errors == [] and len(result.layers) == 6
    layers = project.layerTreeRoot().layerOrder()  # top first, as drawn
    settings = QgsMapSettings()
    settings.setLayers(layers)
    settings.setDestinationCrs(layers[-1].crs())
    xmin, ymin, xmax, ymax = sample.union_bounds()
    side = max(xmax - xmin, ymax - ymin)
    cx, cy = (xmin + xmax) / 2, (ymin + ymax) / 2
    settings.setExtent(QgsRectangle(cx - side / 2, cy - side / 2, cx + side / 2, cy + side / 2))
    settings.setOutputSize(QSize(SIZE, SIZE))
    settings.setBackgroundColor(QColor(255, 255, 255))
    job = QgsMapRendererParallelJob(settings)
    job.start()
    job.waitForFinished()
    image = job.renderedImage()
    # the picture in docs/ is refreshed on request only, so a test run leaves the checkout as it was
    png = DOCS_PNG if os.environ.get("CISC_UPDATE_DOCS") else tmp_path_factory.mktemp("render") / DOCS_PNG.name
    png.parent.mkdir(exist_ok=True)
    assert image.save(str(png), "PNG")
    yield image, settings, layers, png
    project.clear()


def test_render_has_expected_colours(rendered, sample):
    image, settings, layers, png = rendered
    assert png.exists() and png.stat().st_size > 10_000
    extent, mupp = settings.visibleExtent(), settings.mapUnitsPerPixel()
    geotransform = (extent.xMinimum(), mupp, 0.0, extent.yMaximum(), 0.0, -mupp)
    cols, rows = np.meshgrid(np.arange(SIZE), np.arange(SIZE))
    xs = extent.xMinimum() + (cols + 0.5) * mupp
    ys = extent.yMaximum() - (rows + 0.5) * mupp

    expected = np.full((SIZE, SIZE, 3), 255.0)
    check = np.zeros((SIZE, SIZE), dtype=bool)
    check[BORDER:-BORDER, BORDER:-BORDER] = True
    data = {}
    for layer in reversed(layers):  # bottom first
        key = f"{layer.customProperty(styling.PROP_KIND)}{layer.customProperty(styling.PROP_YEAR)}"
        if isinstance(layer, QgsRasterLayer):
            assert isinstance(layer.renderer(), QgsPalettedRasterRenderer)
            values = _raster_values(layer, xs, ys)
            table = _lut({int(c.value): c.color for c in layer.renderer().classes()})
            rgba = np.where((values >= 0)[..., None], table[np.clip(values, 0, 255)], 0.0)
        else:
            values, edges, colors = _date_values(layer, geotransform, sample.crs_wkt)
            check &= ~_grow(edges, HALO)  # outlines: drawn over the fills
            table = np.zeros((max(colors) + 1, 4))
            for number, color in colors.items():
                table[number] = (color.red(), color.green(), color.blue(), color.alpha())
            rgba = table[values]
        check &= _uniform(values, HALO)
        expected = _over(expected, rgba)
        data[key] = values

    got = _image_array(image)
    diff = np.abs(got - expected).max(axis=2)
    assert check.sum() > SIZE * SIZE * 0.25, "too few pixels away from edges to check"
    bad = check & (diff > 6)
    assert bad.sum() == 0, [
        (int(r), int(c), got[r, c].tolist(), expected[r, c].tolist()) for r, c in zip(*np.nonzero(bad))
    ][:10]

    # what the eye should see: the top year's classes, grey where its mask says invalid
    nothing_of_2022 = (data["cisc2022"] < 0) & (data["mask2022"] < 0) & (data["dates2022"] == 0)
    top = np.where(data["cisc2022"] >= 0, 2022, np.where((data["cisc2020"] >= 0) & nothing_of_2022, 2020, 0))
    red, green, blue = got[..., 0], got[..., 1], got[..., 2]
    counts = {}
    for year in (2020, 2022):
        here = check & (top == year)
        cls, mask, dates = data[f"cisc{year}"], data[f"mask{year}"], data[f"dates{year}"]
        invalid = here & (mask == 0)
        impervious = here & (mask == 1) & (cls == dataset.IMPERVIOUS)
        pure_red = impervious & (dates == 0)
        vegetation = here & (mask == 1) & (cls == dataset.VEGETATION)
        water = here & (mask == 1) & (cls == dataset.WATER)
        spread = got.max(axis=2) - got.min(axis=2)
        assert (spread[invalid] < 60).all()  # grey overlay: unsaturated
        strong_red = (red > green + 60) & (red > blue + 40)
        assert strong_red[impervious].all(), got[impervious & ~strong_red][:5]  # a strong red
        if pure_red.any():
            assert (np.abs(got[pure_red] - (0xD7, 0x19, 0x1C)) <= 3).all()
        assert ((green > red) & (green > blue))[vegetation].all()
        assert (blue > red)[water].all()
        counts[year] = dict(
            invalid=int(invalid.sum()),
            impervious=int(impervious.sum()),
            vegetation=int(vegetation.sum()),
            water=int(water.sum()),
            dated=int((here & (dates > 0)).sum()),
        )
    assert all(value > 0 for value in counts[2022].values()), counts
    assert counts[2020]["invalid"] > 0, counts
