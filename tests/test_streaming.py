"""Streaming the COGs through GDAL /vsicurl/ from a fake Zenodo on 127.0.0.1."""

import numpy as np
import pytest
from osgeo import gdal
from qgis.core import QgsMapRendererParallelJob, QgsMapSettings, QgsRasterLayer
from qgis.PyQt.QtCore import QSize
from qgis.PyQt.QtGui import QColor

from cisc_impervious.plugin.core import sources
from cisc_impervious.plugin.layers import loader, styling
from tests.layers_testutil import enable_gdal_exceptions, make_set

AGENT = "cisc-streaming-test/1.0"


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    enable_gdal_exceptions()
    return make_set(tmp_path_factory.mktemp("stream") / "record", size=1024)


@pytest.fixture(autouse=True)
def fresh(server):
    server.reset()
    gdal.VSICurlClearCache()
    before = sources.global_http_options()
    yield
    # the HTTP options were scoped to the record's URLs: nothing changed globally
    assert sources.global_http_options() == before
    server.reset()
    gdal.VSICurlClearCache()


def _options(**kwargs):
    kwargs.setdefault("max_retry", 2)
    kwargs.setdefault("retry_delay", 0.05)
    return sources.gdal_http_options(AGENT, **kwargs)


def test_gdal_reads_the_same_pixels_with_our_agent(server, sample):
    options = _options()
    sources.set_path_specific_options(sources.streaming_prefix(server.base_url, options), options)
    path = sources.streaming_path("cisc_2020.tif", server.base_url, options)
    remote = gdal.Open(path)
    local = gdal.Open(sample.cisc_2020)
    assert (remote.RasterXSize, remote.RasterYSize) == (local.RasterXSize, local.RasterYSize)
    window = (300, 200, 256, 256)
    np.testing.assert_array_equal(remote.ReadAsArray(*window), local.ReadAsArray(*window))
    remote = None
    requests = server.state.requests
    assert requests and all(r.user_agent == AGENT for r in requests)
    assert all(r.range for r in requests if r.method == "GET")  # range reads only, never the whole file
    assert len(requests) <= 12
    assert not any(r.path.rstrip("/").endswith("/files") for r in requests)  # no directory listing


def _render(layers, extent, size=256):
    settings = QgsMapSettings()
    settings.setLayers(layers)
    settings.setDestinationCrs(layers[-1].crs())
    settings.setExtent(extent)
    settings.setOutputSize(QSize(size, size))
    settings.setBackgroundColor(QColor(255, 255, 255))
    job = QgsMapRendererParallelJob(settings)
    job.start()
    job.waitForFinished()
    return job.renderedImage()


def test_streamed_layers_open_style_and_render(project, qgis_iface, server, sample):
    files = sources.published_files(server.base_url)
    found, missing = sources.select_remote(files, [2020, 2022])
    assert missing == []
    options, prefix = loader.prepare_streaming(server.base_url, _options())
    result = loader.add_cisc_layers(loader.specs_for_stream(found, server.base_url, options), iface=qgis_iface)
    assert result.errors == []
    kinds = sorted(
        (str(layer.customProperty(styling.PROP_KIND)), layer.customProperty(styling.PROP_YEAR) or 0)
        for layer in result.layers
    )
    assert kinds == [("cisc", 2020), ("cisc", 2022), ("dates", 2020), ("dates", 2022), ("mask", 2020), ("mask", 2022)]
    for layer in result.layers:
        assert layer.isValid() and layer.source().startswith(("/vsicurl?", "/vsizip//vsicurl?"))
        assert "127.0.0.1" in layer.source()
    classes = [
        layer
        for layer in result.layers
        if layer.customProperty(styling.PROP_KIND) == "cisc" and layer.customProperty(styling.PROP_YEAR) == 2020
    ][0]
    image = _render([classes], classes.extent())
    colours = {image.pixelColor(x, y).name() for x in range(0, 256, 4) for y in range(0, 256, 4)}
    assert "#d7191c" in colours and "#3a9a3e" in colours  # impervious red, vegetation green
    assert all(r.user_agent == AGENT for r in server.state.requests)
    assert len(server.state.requests) < 200


def test_dialog_streams_with_remembered_choice(project, qgis_iface, server):
    from cisc_impervious.plugin.gui.add_layers_dialog import AddLayersDialog
    from cisc_impervious.plugin.toolbelt.settings import read_settings, write_settings

    saved = read_settings()
    try:
        dialog = AddLayersDialog(qgis_iface)
        dialog.base_url = server.base_url
        dialog.radioStream.setChecked(True)
        dialog.check2020.setChecked(False)
        dialog.check2022.setChecked(True)
        dialog.checkMasks.setChecked(True)
        dialog.checkDates.setChecked(False)
        assert "stream: cisc_2022.tif" in dialog.textStatus.toPlainText()
        dialog.accept()
        layers = dialog.last_result.layers
        assert sorted(layer.customProperty(styling.PROP_KIND) for layer in layers) == ["cisc", "mask"]
        assert any(r.path == "/api/records/15004180" for r in server.state.requests)  # names from the API
        assert read_settings().source_kind == "stream"
    finally:
        write_settings(saved)


def test_rate_limited_stream_is_named_and_adds_nothing(project, qgis_iface, server):
    options = _options(max_retry=1)
    files = sources.published_files(server.base_url)
    found, _ = sources.select_remote(files, [2022], masks=False, dates=False)
    server.state.answer_429 = 1000
    result = loader.add_cisc_layers(loader.specs_for_stream(found, server.base_url, options), iface=qgis_iface)
    assert result.layers == []
    assert len(result.errors) == 1 and result.errors[0].startswith("cisc_2022.tif: cannot be opened")
    assert project.layerTreeRoot().findGroup("CISC").findLayers() == []
    assert 1 <= len(server.state.requests) <= 6  # bounded retries
    # one 429 only: GDAL's retry gets through
    server.reset()
    gdal.VSICurlClearCache()
    server.state.answer_429 = 1
    again = loader.add_cisc_layers(loader.specs_for_stream(found, server.base_url, options), iface=qgis_iface)
    assert again.errors == [] and len(again.layers) == 1 and again.layers[0].isValid()


def test_dropped_connection_while_streaming(project, qgis_iface, server, sample):
    options = _options(max_retry=1)
    path = sources.streaming_path("valid_mask_2020.tif", server.base_url, options)
    server.state.drop_after_bytes = 100
    server.state.drop_times = 1000
    layer = QgsRasterLayer(path, "mask", "gdal")
    # nothing half-read is shown: the layer is refused, and the loader says which file
    assert not layer.isValid()
    found, _ = sources.select_remote(sources.published_files(server.base_url), [2020], masks=True, dates=False)
    result = loader.add_cisc_layers(
        loader.specs_for_stream({("mask", 2020): found[("mask", 2020)]}, server.base_url, options), iface=qgis_iface
    )
    assert result.layers == [] and result.errors[0].startswith("valid_mask_2020.tif: cannot be opened")
