"""Benchmark row: cisc:zonalstatistics through Processing against native:zonalhistogram.

Both run through processing.run in this process, on the same raster and zones, writing a
GeoPackage each. native:zonalhistogram cannot take a mask: cisc gets the mask, so it does
strictly more work. Called by benchmarks/run_benchmarks.py:

    from benchmarks.bench_processing import bench_processing
    row = bench_processing(raster, mask, zones_path)   # {"seconds_cisc": ..., "seconds_native": ...}
"""

import os
import tempfile
import time

from tools.plugin_package import put_plugin_on_path


def ensure_qgis():
    """A QgsApplication, Processing and the cisc provider: started here when the caller has not."""
    from qgis.core import QgsApplication

    app = QgsApplication.instance()
    if app is None:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        app = QgsApplication([], False)
        app.initQgis()
        ensure_qgis.app = app  # keep it alive
    put_plugin_on_path()  # Processing's plugin folder too
    registry = QgsApplication.processingRegistry()
    if registry.providerById("native") is None or registry.algorithmById("native:zonalhistogram") is None:
        from processing.core.Processing import Processing

        Processing.initialize()
    if registry.providerById("cisc") is None:
        from cisc_impervious.plugin.processing.provider import CiscProvider

        provider = CiscProvider()
        registry.addProvider(provider)
        ensure_qgis.provider = provider
    return app


def bench_processing(raster, mask, zones_path, repeats: int = 1, output_folder=None) -> dict:
    """Seconds (best of `repeats`) of cisc:zonalstatistics (with the mask) and of
    native:zonalhistogram (no mask: it has none) on the same files, through processing.run.

    output_folder: keep the outputs there ("cisc_output", "native_output": the last attempt's
    GeoPackages) instead of in a temporary folder removed on return."""
    ensure_qgis()
    import processing
    from qgis.core import QgsProcessingFeedback

    raster, zones_path = str(raster), str(zones_path)
    timings = {"seconds_cisc": float("inf"), "seconds_native": float("inf")}
    with tempfile.TemporaryDirectory(prefix="cisc_bench_processing_") as tmp:
        folder = str(output_folder) if output_folder else tmp
        for attempt in range(max(1, int(repeats))):
            out = timings["cisc_output"] = os.path.join(folder, f"cisc_{attempt}.gpkg")
            start = time.perf_counter()
            processing.run(
                "cisc:zonalstatistics",
                {"INPUT": raster, "VALID_MASK": str(mask) if mask else None, "ZONES": zones_path,
                 "COLUMN_PREFIX": "", "OUTPUT": out},
                feedback=QgsProcessingFeedback(),
            )
            timings["seconds_cisc"] = min(timings["seconds_cisc"], time.perf_counter() - start)

            out = timings["native_output"] = os.path.join(folder, f"native_{attempt}.gpkg")
            start = time.perf_counter()
            processing.run(
                "native:zonalhistogram",
                {"INPUT_RASTER": raster, "RASTER_BAND": 1, "INPUT_VECTOR": zones_path, "COLUMN_PREFIX": "HISTO_",
                 "OUTPUT": out},
                feedback=QgsProcessingFeedback(),
            )
            timings["seconds_native"] = min(timings["seconds_native"], time.perf_counter() - start)
    timings["speedup"] = timings["seconds_native"] / timings["seconds_cisc"] if timings["seconds_cisc"] > 0 else None
    if not output_folder:
        del timings["cisc_output"], timings["native_output"]  # removed with the temporary folder
    return timings


if __name__ == "__main__":
    import argparse
    import json

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("raster")
    parser.add_argument("zones")
    parser.add_argument("--mask")
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()
    print(json.dumps(bench_processing(args.raster, args.mask, args.zones, args.repeats), indent=2))
