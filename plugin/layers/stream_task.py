"""Prepare streamed CISC layers in a background task, so that QGIS's main thread never waits
for Zenodo.

run() (a worker thread; no layer, no GUI, no event loop): reads the record's file list from
its API (plugin/layers/http.py: timeouts, abort() on cancel), else takes the published list;
matches the wanted files; then opens each file's /vsicurl path with GDAL to check that it
answers (the connect, request and stalled-transfer timeouts travel in the path, see
core.sources.gdal_http_options). A file that does not answer is named, never added.

finished() (main thread) hands the outcome to on_done, which creates the layers from the
paths that answered: GDAL's /vsicurl cache already holds what opening them needs (headers,
the date shapefiles' attributes), so that step is quick.

A cancelled task calls nobody: its caller detaches on_done and goes on at once; a GDAL open
blocked on a hung server ends in the worker thread within the timeouts.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable, Dict, List

from osgeo import gdal, ogr

from ..core import dataset, sources
from ..core.errors import CiscCancelled, CiscError
from ..toolbelt.i18n import tr
from ..toolbelt.log import get_logger
from . import loader
from .network_task import NetworkTask

log = get_logger("layers.stream_task")


@dataclass
class StreamOutcome:
    specs: List[loader.LayerSpec] = field(default_factory=list)  # files that answered, ready to add
    errors: List[str] = field(default_factory=list)  # one per file that did not answer
    notes: List[str] = field(default_factory=list)
    missing: List[str] = field(default_factory=list)  # wanted, not on the record
    names_from_api: bool = False
    cancelled: bool = False


class _GdalMessages:
    """Collects GDAL's errors and warnings of the calls made in this thread."""

    def __init__(self):
        self.messages: List[str] = []

    def __call__(self, error_class, error_number, message):
        if error_class >= gdal.CE_Warning and message:
            self.messages.append(str(message).strip())

    def __enter__(self):
        gdal.PushErrorHandler(self)
        return self

    def __exit__(self, *exc):
        gdal.PopErrorHandler()


class StreamProbeTask(NetworkTask):
    """Find and probe the streamed files of a selection; on_done(task) runs on the main thread."""

    def __init__(
        self,
        years,
        masks: bool,
        dates: bool,
        options: Dict[str, str],
        *,
        base_url: str | None = None,
        record_id: int = dataset.RECORD_ID,
        user_agent: str = "cisc_impervious QGIS plugin",
        on_done: Callable[[StreamProbeTask], None] | None = None,
        record_timeout: float = 20.0,
    ):
        super().__init__(tr("Contacting Zenodo for the CISC layers"), user_agent, on_done, timeout=record_timeout)
        self.years = sorted(int(y) for y in years)
        self.masks = bool(masks)
        self.dates = bool(dates)
        self.options = dict(options)
        self.base_url = base_url
        self.record_id = record_id
        self.outcome = StreamOutcome()

    # -- main thread ---------------------------------------------------------------
    def report(self) -> None:
        if self.exception is not None:
            self.outcome.errors.append(tr("Streaming could not be prepared: {error}").format(error=self.exception))
        for note in self.outcome.notes:
            log.info(note)

    def calls_back(self) -> bool:
        return not self.outcome.cancelled  # a cancelled probe calls nobody

    # -- worker thread -------------------------------------------------------------
    def run(self) -> bool:
        try:
            self._run()
        except CiscCancelled:
            self.outcome.cancelled = True
        except Exception as exc:  # noqa: BLE001 - stored, reported in finished()
            self.exception = exc
        if self.isCanceled():
            self.outcome.cancelled = True
        return not self.outcome.cancelled and self.exception is None and bool(self.outcome.specs)

    def _run(self) -> None:
        files = self._record_files()
        self._check_cancel()
        found, self.outcome.missing = sources.select_remote(files, self.years, self.masks, self.dates)
        specs = loader.specs_for_stream(found, self.base_url, self.options)
        for index, spec in enumerate(specs):
            self._check_cancel()
            self.setProgress(10.0 + 90.0 * index / max(1, len(specs)))
            try:
                self._probe(spec)
            except CiscError as exc:
                self.outcome.errors.append(str(exc))
                continue
            self.outcome.specs.append(spec)
        self._check_cancel()
        self.setProgress(100.0)

    def _record_files(self) -> List[sources.RemoteFile]:
        files, url, problem = self.record_from_api(self.base_url, self.record_id)
        if files is not None:
            self.outcome.names_from_api = True
            return files
        self.outcome.notes.append(
            tr("The record's API ({url}) could not be read ({error}); using the published file list.").format(
                url=url, error=problem
            )
        )
        self.setProgress(10.0)
        return sources.published_files(self.base_url, self.record_id)

    def _probe(self, spec: loader.LayerSpec) -> None:
        """Open the file through GDAL (in this thread); CiscError naming it when it does not answer."""
        started = time.monotonic()
        with _GdalMessages() as messages:
            try:
                if spec.kind == sources.DATES:
                    problem = self._probe_dates(spec)
                else:
                    problem = self._probe_raster(spec)
            except RuntimeError as exc:  # GDAL raising exceptions (the process's mode, never changed here)
                problem = str(exc)
        if problem is None:
            return
        self._check_cancel()
        elapsed = time.monotonic() - started
        stalled_after = min(
            float(self.options.get("GDAL_HTTP_LOW_SPEED_TIME") or sources.HTTP_LOW_SPEED_TIME),
            float(self.options.get("GDAL_HTTP_CONNECTTIMEOUT") or sources.HTTP_CONNECT_TIMEOUT),
        )
        if elapsed >= stalled_after * 0.9:
            raise CiscError(
                tr("{name}: the server did not answer within {seconds:.0f} s; not added. Try again later.").format(
                    name=spec.label, seconds=elapsed
                )
            )
        detail = next((m for m in messages.messages if "HTTP" in m), None) or problem
        raise CiscError(
            tr("{name}: cannot be opened from {url} ({detail}); not added.").format(
                name=spec.label, url=sources.file_url(spec.label, self.base_url, self.record_id),
                detail=_short(detail, spec.path),
            )
        )

    @staticmethod
    def _probe_raster(spec: loader.LayerSpec) -> str | None:
        opened = gdal.Open(spec.path)
        if opened is None:
            return gdal.GetLastErrorMsg() or "no answer"
        if spec.kind == sources.CISC and opened.RasterCount != 1:
            return f"{opened.RasterCount} bands; a CISC classification has one"
        # what QGIS reads when it opens the layer, read here: then it comes from GDAL's cache
        opened.GetMetadata()
        for index in range(1, opened.RasterCount + 1):
            band = opened.GetRasterBand(index)
            band.GetNoDataValue()
            band.GetMaskFlags()
            band.GetColorTable()
            band.GetMetadata()
            band.ComputeRasterMinMax(True)  # QGIS's default renderer asks for it (a few sampled blocks)
            for level in range(band.GetOverviewCount()):
                overview = band.GetOverview(level)
                if overview is not None:
                    overview.GetBlockSize()
        opened = None
        return None

    @staticmethod
    def _probe_dates(spec: loader.LayerSpec) -> str | None:
        members = loader.date_members(spec.path)
        if not members:
            return gdal.GetLastErrorMsg() or "no shapefile of acquisition dates in the zip"
        for member, _year in members:
            source = ogr.Open(member)
            if source is None or source.GetLayerCount() == 0:
                return gdal.GetLastErrorMsg() or f"{member.rsplit('/', 1)[-1]} cannot be read"
            layer = source.GetLayer(0)
            # read the attributes once here: the styling reads them on the main thread, from GDAL's cache
            layer.SetIgnoredFields(["OGR_GEOMETRY"])
            for _feature in layer:
                pass
            source = None
        return None


def _short(message: str, path: str) -> str:
    """The first line of a GDAL message, without the (long) /vsicurl path it may quote."""
    text = (str(message or "").strip().splitlines() or [""])[0]
    for quoted in (f"`{path}'", f"'{path}'", path):
        text = text.replace(quoted, "the file")
    return text.strip() or "no answer"
