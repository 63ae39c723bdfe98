"""Streaming the COGs through GDAL /vsicurl/ from a fake Zenodo on 127.0.0.1."""

import numpy as np
import pytest
from osgeo import gdal
from qgis.core import QgsApplication, QgsMapRendererParallelJob, QgsMapSettings, QgsRasterLayer
from qgis.PyQt.QtCore import QSize
from qgis.PyQt.QtGui import QColor

from cisc_impervious.plugin.core import sources
from cisc_impervious.plugin.layers import loader, styling
from tests.layers_testutil import enable_gdal_exceptions, make_set, wait_for

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
        dialog.accept()  # Zenodo is contacted in a task; the layers come in its finished()
        assert wait_for(lambda: dialog.last_result is not None, QgsApplication.instance(), 30)
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


class _CancelFeedback:
    """EngineFeedback whose cancel() may be called from another thread."""

    def __init__(self):
        import threading

        self.event = threading.Event()

    def set_progress(self, percent):
        pass

    def is_cancelled(self):
        return self.event.is_set()

    def info(self, message):
        pass

    def warning(self, message):
        pass

    def raise_if_cancelled(self):
        from cisc_impervious.plugin.core.errors import CiscCancelled

        if self.is_cancelled():
            raise CiscCancelled()


def _box_wkb(sample):
    from osgeo import ogr

    x0, dx, _, y0, _, dy = sample.geotransform
    x1, y1 = x0 + dx * sample.width, y0 + dy * sample.height
    ring = f"POLYGON(({x0} {y0},{x1} {y0},{x1} {y1},{x0} {y1},{x0} {y0}))"
    return bytes(ogr.CreateGeometryFromWkt(ring).ExportToWkb())


def _stats_threads():
    import threading

    return [t for t in threading.enumerate() if t.name.startswith("cisc-stats")]


@pytest.mark.parametrize("threads", [1, 2])
def test_cancel_of_streamed_statistics_on_a_stalled_server(server, sample, threads):
    """A hung server: block reads get no answer. Cancel returns within a second, and the
    blocked read itself ends within the low-speed timeout (no thread left hanging)."""
    import threading
    import time

    from cisc_impervious.plugin.core.engine import zonal_statistics
    from cisc_impervious.plugin.core.errors import CiscCancelled
    from cisc_impervious.plugin.core.raster_io import open_info

    options = _options(max_retry=5, retry_delay=0.05, connect_timeout=2, timeout=30, low_speed_time=2)
    path = sources.streaming_path("cisc_2020.tif", server.base_url, options)
    open_info(path)  # the header is read (and cached by GDAL) while the server answers
    server.state.stall_seconds = 30.0
    server.state.stall_files = True
    feedback = _CancelFeedback()
    outcome = {}

    def run():
        try:
            outcome["rows"] = zonal_statistics(path, [_box_wkb(sample)], feedback=feedback, threads=threads,
                                               block_size=256)
        except BaseException as exc:  # noqa: BLE001 - examined below
            outcome["error"] = exc

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    deadline = time.monotonic() + 10
    while not server.state.stalled_requests() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert server.state.stalled_requests(), "the statistics never reached the server"
    time.sleep(0.3)  # a block read is now waiting for an answer that does not come
    asked = time.monotonic()
    feedback.event.set()
    worker.join(10)
    latency = time.monotonic() - asked
    print(f"cancel latency with threads={threads}: {latency:.3f} s")
    assert latency < 1.0, f"cancel took {latency:.2f} s"
    assert isinstance(outcome.get("error"), CiscCancelled), outcome
    # the read blocked on the hung server ends by itself within the low-speed time (2 s; GDAL
    # asks for the range up to three times): no thread is left hanging, its readers are closed
    deadline = time.monotonic() + 10
    while _stats_threads() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _stats_threads() == []


# -- Add-layers dialog: Zenodo is contacted in a task ------------------------------------------

FAST_TIMEOUTS = {"max_retry": 1, "retry_delay": 0.05, "connect_timeout": 1, "timeout": 5, "low_speed_time": 1}


def _probe(server, years=(2020, 2022), masks=True, dates=True, **timeouts):
    from cisc_impervious.plugin.layers.stream_task import StreamProbeTask

    options = _options(**dict(FAST_TIMEOUTS, **timeouts))
    loader.prepare_streaming(server.base_url, options)
    done = []
    task = StreamProbeTask(years, masks, dates, options, base_url=server.base_url, user_agent=AGENT,
                           on_done=done.append)
    return task, done


def test_probe_task_then_layers_from_gdal_cache_without_network(project, qgis_iface, server, sample):
    """The task opens every file; the layers are then made on the main thread from GDAL's cache:
    even a server hanging from then on does not hold the main thread."""
    import time

    task, done = _probe(server)
    task.start()
    assert wait_for(lambda: bool(done), QgsApplication.instance(), 30)
    outcome = task.outcome
    assert outcome.errors == [] and outcome.missing == [] and outcome.names_from_api
    assert sorted(spec.label for spec in outcome.specs) == [
        "cisc_2020.tif", "cisc_2022.tif", "source_date_dissovle.zip", "valid_mask_2020.tif", "valid_mask_2022.tif"
    ]
    server.state.stall_files = True
    server.state.stall_seconds = 30.0
    started = time.monotonic()
    result = loader.add_cisc_layers(outcome.specs, iface=qgis_iface)
    took = time.monotonic() - started
    assert result.errors == [] and len(result.layers) == 6 and all(layer.isValid() for layer in result.layers)
    assert server.state.stalled_requests() == []  # the main thread never went to the network
    assert took < 1.0, f"adding the layers took {took:.2f} s on the main thread"


def test_probe_task_names_files_that_do_not_answer(project, server, sample):
    import time

    task, done = _probe(server, years=(2022,), masks=True, dates=False)
    server.state.stall_files = True  # the API answers, the files never do
    server.state.stall_seconds = 30.0
    started = time.monotonic()
    task.start()
    assert wait_for(lambda: bool(done), QgsApplication.instance(), 30)
    took = time.monotonic() - started
    outcome = task.outcome
    assert outcome.specs == [] and not outcome.cancelled and outcome.names_from_api
    assert sorted(e.split(":")[0] for e in outcome.errors) == ["cisc_2022.tif", "valid_mask_2022.tif"]
    assert all("did not answer within" in e and "not added" in e for e in outcome.errors), outcome.errors
    assert took < 12, f"two hung files took {took:.1f} s with a 1 s low-speed timeout"


def _stream_dialog(qgis_iface, server):
    from cisc_impervious.plugin.gui.add_layers_dialog import AddLayersDialog

    dialog = AddLayersDialog(qgis_iface)
    dialog.base_url = server.base_url
    dialog.stream_settings = dict(FAST_TIMEOUTS)
    dialog.radioStream.setChecked(True)
    dialog.check2020.setChecked(True)
    dialog.check2022.setChecked(False)
    dialog.checkMasks.setChecked(True)
    dialog.checkDates.setChecked(False)
    dialog.show()
    return dialog


def test_dialog_stays_responsive_while_zenodo_hangs_and_cancels_at_once(project, qgis_iface, server):
    import time

    from qgis.PyQt.QtCore import QTimer
    from qgis.PyQt.QtWidgets import QDialogButtonBox

    from cisc_impervious.plugin.layers.network_task import RUNNING as _RUNNING
    from cisc_impervious.plugin.toolbelt.settings import read_settings, write_settings

    saved = read_settings()
    server.state.stall_api = True
    server.state.stall_files = True
    server.state.stall_seconds = 30.0
    try:
        dialog = _stream_dialog(qgis_iface, server)
        started = time.monotonic()
        dialog.accept()
        assert time.monotonic() - started < 0.5  # nothing waits for Zenodo on the main thread
        task = dialog.stream_task
        assert task is not None and dialog.isVisible()
        assert dialog.textStatus.toPlainText() == "Contacting Zenodo…"
        assert dialog.progressBar.isVisible()
        assert not dialog.buttonBox.button(QDialogButtonBox.StandardButton.Ok).isEnabled()
        # the event loop keeps turning: a 50 ms timer fires on time, again and again
        ticks = []
        timer = QTimer()
        timer.timeout.connect(lambda: ticks.append(time.monotonic()))
        timer.start(50)
        wait_for(lambda: len(ticks) >= 20, QgsApplication.instance(), 5)
        timer.stop()
        assert len(ticks) >= 20 and max(b - a for a, b in zip(ticks, ticks[1:])) < 0.5
        assert server.state.stalled_requests()  # the task is waiting for the record API
        asked = time.monotonic()
        dialog.reject()  # Cancel
        assert time.monotonic() - asked < 1.0 and not dialog.isVisible()
        assert dialog.stream_task is None and task.on_done is None
        # the record fetch is aborted: the task itself ends at once too
        assert wait_for(lambda: task not in _RUNNING, QgsApplication.instance(), 3)
        assert time.monotonic() - asked < 1.5
        assert task.outcome.cancelled and project.layerTreeRoot().findGroup("CISC") is None
        assert read_settings().source_kind == saved.source_kind  # a cancelled add saves no choice
    finally:
        write_settings(saved)


def test_dialog_shows_files_that_do_not_answer(project, qgis_iface, server):
    from qgis.PyQt.QtWidgets import QDialogButtonBox

    server.state.stall_files = True
    server.state.stall_seconds = 30.0
    dialog = _stream_dialog(qgis_iface, server)
    try:
        dialog.accept()
        assert wait_for(lambda: dialog.last_stream_outcome is not None, QgsApplication.instance(), 30)
        text = dialog.textStatus.toPlainText()
        assert text.startswith("Nothing could be streamed.")
        assert "cisc_2020.tif: the server did not answer within" in text
        assert "valid_mask_2020.tif: the server did not answer within" in text
        assert dialog.isVisible() and not dialog.progressBar.isVisible()  # still open: choose again
        assert dialog.buttonBox.button(QDialogButtonBox.StandardButton.Ok).isEnabled()
        assert project.layerTreeRoot().findGroup("CISC") is None
    finally:
        dialog.reject()


def test_plugin_unload_closes_the_dialog_and_cancels_its_tasks(project, qgis_iface, server, tmp_path):
    from cisc_impervious.plugin.layers.download import DownloadTask
    from cisc_impervious.plugin.layers.network_task import RUNNING as _RUNNING
    from cisc_impervious.plugin.plugin_main import CiscPlugin

    # earlier tests' probes of hung servers may still hold the task manager's threads (a GDAL read
    # ends within its timeouts, not at cancel): start from a free pool, so the two tasks below run
    assert wait_for(lambda: QgsApplication.taskManager().countActiveTasks() == 0, QgsApplication.instance(), 120)
    server.state.stall_api = True
    server.state.stall_files = True
    dialog = _stream_dialog(qgis_iface, server)
    dialog.accept()
    stream = dialog.stream_task
    called = []
    download = DownloadTask([("cisc", 2020)], str(tmp_path), base_url=server.base_url, user_agent=AGENT,
                            on_done=called.append).start()
    assert stream in _RUNNING and download in _RUNNING
    CiscPlugin._stop_layer_tasks()  # what unload() does first
    assert not dialog.isVisible() and stream.on_done is None and download.on_done is None
    assert wait_for(lambda: stream not in _RUNNING and download not in _RUNNING, QgsApplication.instance(), 30)
    assert called == [] and download.outcome.cancelled and stream.outcome.cancelled
