"""Benchmark rows: cisc:zonalstatistics through Processing against native:zonalhistogram, and
with a few hundred zones against 100,000 hexagons.

- bench_processing: cisc:zonalstatistics and native:zonalhistogram through processing.run in this
  process, on the same raster and zones, writing a GeoPackage each. native:zonalhistogram cannot
  take a mask: cisc gets the mask, so it does strictly more work.
- bench_zone_scaling: cisc:zonalstatistics, masked, on the 1-billion-pixel raster with 300
  county-like zones and with the 99,960 hexagons of bench_grids.py, interleaved run by run, each
  run reading the zones and writing its GeoPackage (issue 13: 100,000+ zones through Processing at
  most 3x a few hundred zones on the same raster).

Called by benchmarks/run_benchmarks.py (measure.py case "qgis"):

    from benchmarks.bench_processing import bench_processing
    row = bench_processing(raster, mask, zones_path)   # {"seconds_cisc": ..., "seconds_native": ...}
    runs = bench_zone_scaling(raster, mask, few_zones, many_zones, repeats=3)  # {key: [seconds, ...]}

or alone: python -m benchmarks.bench_processing RASTER FEW_ZONES --mask MASK --many MANY_ZONES --repeats 3
"""

import os
import statistics
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


# -- a few hundred zones against 100,000 hexagons, through Processing ------------------------

FEW_ZONES = 300  # county-like Voronoi zones (tests/datafactory.py make_counties)
SCALING_BOUND = 3.0  # 100,000 hexagons at most 3x the few hundred zones
KEY_FEW, KEY_MANY = "processing_zones_few", "processing_hexagons"


def bench_zone_scaling(raster, mask, few, many, repeats: int = 3) -> dict:
    """Seconds of every run of cisc:zonalstatistics (masked, GeoPackage output in a temporary
    folder) with the zones `few` and with the zones `many`, on the same raster, interleaved run by
    run: {KEY_FEW: [...], KEY_MANY: [...]}. Each output is checked to hold every zone (outside the
    clock) and removed."""
    ensure_qgis()
    import processing
    from qgis.core import QgsProcessingFeedback

    timings = {KEY_FEW: [], KEY_MANY: []}
    expected = {KEY_FEW: _feature_count(few), KEY_MANY: _feature_count(many)}
    with tempfile.TemporaryDirectory(prefix="cisc_bench_scaling_") as tmp:
        for attempt in range(max(1, int(repeats))):
            for key, zones in ((KEY_FEW, few), (KEY_MANY, many)):
                out = os.path.join(tmp, f"{key}_{attempt}.gpkg")
                start = time.perf_counter()
                processing.run(
                    "cisc:zonalstatistics",
                    {"INPUT": str(raster), "VALID_MASK": str(mask) if mask else None, "ZONES": str(zones),
                     "COLUMN_PREFIX": "", "OUTPUT": out},
                    feedback=QgsProcessingFeedback(),
                )
                timings[key].append(time.perf_counter() - start)
                written = _feature_count(out)
                if written != expected[key]:
                    raise RuntimeError(f"cisc:zonalstatistics wrote {written} of {expected[key]} zones of {zones}")
                os.remove(out)
    return timings


def _feature_count(path) -> int:
    from osgeo import ogr

    dataset = ogr.Open(str(path))
    if dataset is None:
        raise RuntimeError(f"{path}: cannot be opened")
    return int(dataset.GetLayer(0).GetFeatureCount())


def scaling_labels(bench, big) -> dict:
    """The two rows' labels for run_benchmarks (its `labels` of the QGIS rows); notes the case on
    bench (bench.scaling_case, given to measure.py's "qgis" case), making the few hundred zones
    beside the big raster unless the QGIS rows are skipped."""
    from . import bench_grids, measure

    many = bench_grids.grid_zones_file(big, "hexagons", bench.args.quick, log=bench_grids.bench_log)
    bench.scaling_counts = {KEY_FEW: FEW_ZONES, KEY_MANY: bench_grids.zone_count(many)}
    bench.scaling_pixels = big.width * big.height
    if not bench.args.skip_slow:
        few = measure.zones_file(big, "counties", FEW_ZONES, bench.args.seed)
        bench.scaling_case = {"raster": big.cisc_2020, "mask": big.valid_mask_2020, "few": few, "many": many}
    size = f"{big.width} x {big.height}"
    return {
        KEY_FEW: f"cisc:zonalstatistics through Processing, masked, {FEW_ZONES} county-like zones, {size}",
        KEY_MANY: f"cisc:zonalstatistics through Processing, masked, {bench.scaling_counts[KEY_MANY]:,} hexagons, "
                  f"{size}",
    }


def scaling_rows(bench) -> None:
    """The two rows count the big raster's pixels (run_benchmarks' QGIS rows count the main one's)."""
    for key in (KEY_FEW, KEY_MANY):
        if key in bench.rows and getattr(bench, "scaling_pixels", None):
            bench.rows[key]["pixels"] = bench.scaling_pixels


def targets(bench) -> list:
    """(label, measured, bound, met): the hexagons' median time over the few zones' median."""
    counts = getattr(bench, "scaling_counts", {})
    label = (f"cisc:zonalstatistics {counts.get(KEY_MANY, 0):,} hexagons / {counts.get(KEY_FEW, FEW_ZONES)} zones, "
             "same raster, through Processing")
    ratio = bench.ratio(KEY_MANY, KEY_FEW)
    if ratio is None:
        return [(label, "n/a", f"<= {SCALING_BOUND:g}x", None)]
    best = bench.ratio(KEY_MANY, KEY_FEW, bench.best)
    few, many = bench.rows[KEY_FEW]["runs"], bench.rows[KEY_MANY]["runs"]
    paired = statistics.median(b / a for a, b in zip(few, many))
    measured = f"{ratio:.2f}x (best runs: {best:.2f}x; run by run: {paired:.2f}x)"
    return [(label, measured, f"<= {SCALING_BOUND:g}x", ratio <= SCALING_BOUND)]


if __name__ == "__main__":
    import argparse
    import json

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("raster")
    parser.add_argument("zones")
    parser.add_argument("--mask")
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--many", help="time ZONES against these zones (bench_zone_scaling) instead of native")
    args = parser.parse_args()
    if args.many:
        runs = bench_zone_scaling(args.raster, args.mask, args.zones, args.many, args.repeats)
        runs["ratio_of_medians"] = statistics.median(runs[KEY_MANY]) / statistics.median(runs[KEY_FEW])
        print(json.dumps(runs, indent=2))
    else:
        print(json.dumps(bench_processing(args.raster, args.mask, args.zones, args.repeats), indent=2))
