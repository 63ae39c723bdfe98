"""Helpers of the benchmark: generated data (cached), one measured case per fresh process,
the machine's description.

A case runs in its own interpreter (`python -m benchmarks.measure '<json>'`) so its peak
memory (the process's RSS high-water mark) is its own. The clock starts after the imports
(interpreter start-up and `import numpy/osgeo/...` are not counted) and covers everything the
tool does from there: reading the zone file, opening the rasters, rasterizing, counting.
The case prints one JSON line: {"seconds", "peak_rss_mb", "base_rss_mb", "result"}.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tools.plugin_package import REPO_ROOT, put_plugin_on_path

RESULT_PREFIX = "BENCH-RESULT "


def datafactory():
    put_plugin_on_path()
    from tests import datafactory as module

    return module


# -- data ------------------------------------------------------------------------------


def sample_set(data_dir, size: int, seed: int = 1, log=print):
    """The CISC-like set of size x size pixels (cisc_2020), generated once into
    data_dir/cisc_<size>x<size>_seed<seed>_<factory fingerprint>/ and reused afterwards:
    a change to tests/datafactory.py makes new data."""
    factory = datafactory()
    fingerprint = hashlib.sha1(Path(factory.__file__).read_bytes()).hexdigest()[:8]
    folder = Path(data_dir) / f"cisc_{size}x{size}_seed{seed}_{fingerprint}"
    marker = folder / "sampleset.json"
    if marker.exists():
        values = json.loads(marker.read_text(encoding="utf-8"))
        sample = factory.SampleSet(**values)
        if all(os.path.exists(p) for p in sample.paths.values()):
            return sample
    log(f"generating {size} x {size} CISC-like rasters (seed {seed}) in {folder} ...")
    start = time.perf_counter()
    sample = factory.make_cisc_set(str(folder), size, size, seed, with_dates=False)
    marker.write_text(json.dumps(sample.to_json(), indent=1), encoding="utf-8")
    log(f"  done in {time.perf_counter() - start:.0f} s")
    return sample


def zones_file(sample, kind: str, count: int, seed: int = 1) -> str:
    """Voronoi zones (kind "provinces" or "counties") as a GeoPackage in the rasters' CRS,
    beside the rasters; generated once."""
    factory = datafactory()
    path = Path(sample.folder) / f"zones_{kind}{count}_seed{seed}.gpkg"
    if path.exists():
        return str(path)
    if kind == "provinces":
        geoms = factory.make_provinces(count, sample, seed)
    elif kind == "counties":
        geoms = factory.make_counties(count, sample, seed)
    else:
        raise ValueError(kind)
    tmp = path.with_name(path.stem + ".part.gpkg")
    factory.write_zones(str(tmp), geoms, sample.crs_wkt, names=[f"{kind[:-1]}_{i + 1}" for i in range(len(geoms))])
    os.replace(tmp, path)
    return str(path)


def read_zone_wkbs(zones_path: str):
    """The zones' geometries as WKB, in file order (they are in the rasters' CRS). Read in
    batches through OGR's Arrow stream when GDAL has it (3.6+): a million zones in about a
    second instead of a Python loop over features."""
    from osgeo import ogr

    ds = ogr.Open(zones_path)
    layer = ds.GetLayer(0)
    geometry_column = layer.GetGeometryColumn() or "wkb_geometry"
    if hasattr(layer, "GetArrowStreamAsNumPy"):
        wkbs = []
        for batch in layer.GetArrowStreamAsNumPy(options=["INCLUDE_FID=NO"]):
            wkbs.extend(None if wkb is None else bytes(wkb) for wkb in batch[geometry_column])
        return wkbs
    wkbs = []
    for feature in layer:
        geom = feature.GetGeometryRef()
        wkbs.append(None if geom is None else bytes(geom.ExportToIsoWkb()))
    return wkbs


# -- machine ---------------------------------------------------------------------------


def _first(path: str, key: str):
    try:
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                if line.lower().startswith(key.lower()):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return None


def machine_description() -> dict:
    """CPU, cores, RAM, OS and the versions of the libraries measured."""
    info = {
        "cpu": _first("/proc/cpuinfo", "model name") or platform.processor() or "unknown",
        "cores": os.cpu_count(),
        "ram_gb": None,
        "os": platform.platform(),
        "python": platform.python_version(),
    }
    mem = _first("/proc/meminfo", "MemTotal")
    if mem:
        info["ram_gb"] = round(int(mem.split()[0]) / 1024 / 1024, 1)
    try:
        debian = Path("/etc/debian_version").read_text(encoding="utf-8").strip()
        info["os"] = f"Debian {debian} ({platform.system()} {platform.release()})"
    except OSError:
        pass
    versions = {}
    for name, expr in (
        ("numpy", "numpy.__version__"),
        ("GDAL", "osgeo.gdal.__version__"),
        ("rasterio", "rasterio.__version__"),
        ("exactextract", "exactextract.__version__"),
        ("rasterstats", "rasterstats.__version__"),
    ):
        try:
            module = __import__(expr.rsplit(".", 1)[0], fromlist=["x"])
            versions[name] = str(getattr(module, expr.rsplit(".", 1)[1]))
        except Exception:  # noqa: BLE001 (absent or broken: say so)
            versions[name] = "not installed"
    try:
        from qgis.core import Qgis

        versions["QGIS"] = Qgis.version()
    except Exception:  # noqa: BLE001
        versions["QGIS"] = "not installed"
    info["versions"] = versions
    return info


# -- running a case in a fresh process ------------------------------------------------------


def run_case(case: dict, timeout: float = 1800) -> dict:
    """Run one case in a fresh interpreter; its JSON result (see the module docstring)."""
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH", "")) if p)
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.measure", json.dumps(case)],
        cwd=str(REPO_ROOT),
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith(RESULT_PREFIX):
            return json.loads(line[len(RESULT_PREFIX):])
    raise RuntimeError(
        f"case {case.get('kind')} failed (exit {proc.returncode}):\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}"
    )


def _rss_mb() -> float:
    try:
        with open("/proc/self/statm", encoding="ascii") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6
    except OSError:
        return float("nan")


def _peak_rss_mb() -> float:
    """This process's RSS high-water mark. VmHWM belongs to the process's own memory map;
    getrusage's ru_maxrss is not used because Linux carries it over from the parent across
    fork + exec (every case would show the runner's own peak)."""
    try:
        with open("/proc/self/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux


# -- the cases (run inside the fresh process) ------------------------------------------------


def _case_zonal(case):
    put_plugin_on_path()
    from cisc_impervious.plugin.core.engine import zonal_statistics
    from cisc_impervious.plugin.core.raster_io import open_info

    def work():
        zones = read_zone_wkbs(case["zones"])
        rows = zonal_statistics(case["raster"], zones, case.get("mask"), threads=case.get("threads"))
        return rows

    def summary(rows):
        pixel_km2 = _pixel_km2(open_info(case["raster"]))
        return {
            "zones": len(rows),
            "imperv_px": [round(r["imperv_km2"] / pixel_km2) for r in rows],
            "valid_px": [round(r["valid_km2"] / pixel_km2) for r in rows],
            "imperv_km2_total": sum(r["imperv_km2"] for r in rows),
        }

    return work, summary


def _case_change(case):
    put_plugin_on_path()
    from cisc_impervious.plugin.core.engine import change_statistics

    def work():
        zones = read_zone_wkbs(case["zones"])
        return change_statistics(
            case["raster_from"], case["raster_to"], zones, case.get("mask_from"), case.get("mask_to"),
            threads=case.get("threads"),
        )

    def summary(rows):
        return {"zones": len(rows), "net_km2_total": sum(r["net_km2"] for r in rows)}

    return work, summary


def _pixel_km2(info) -> float:
    return abs(info.pixel_width * info.pixel_height) / 1e6


def _case_floor(case):
    """Decode every block of the given files, on `threads` threads (per-thread datasets),
    doing nothing with the pixels: what no tool reading these files can go below."""
    from osgeo import gdal

    gdal.UseExceptions()
    gdal.SetCacheMax(64 * 1024 * 1024)  # decoded blocks are dropped, not kept: memory stays the floor's own
    threads = int(case.get("threads") or os.cpu_count() or 1)

    def decode(path, index):
        ds = gdal.Open(path)
        band = ds.GetRasterBand(1)
        bw, bh = band.GetBlockSize()
        width, height = ds.RasterXSize, ds.RasterYSize
        rows = range(index, (height + bh - 1) // bh, threads)
        pixels = 0
        for by in rows:
            y = by * bh
            h = min(bh, height - y)
            for x in range(0, width, bw):
                w = min(bw, width - x)
                band.ReadRaster(x, y, w, h)
                pixels += w * h
        return pixels

    def work():
        with ThreadPoolExecutor(threads) as pool:
            futures = [pool.submit(decode, p, i) for p in case["paths"] for i in range(threads)]
            return sum(f.result() for f in futures)

    def summary(pixels):
        return {"pixels": pixels, "threads": threads}

    return work, summary


def _case_exactextract(case):
    from exactextract import exact_extract

    def work():
        return exact_extract(case["raster"], case["zones"], ["count", "unique", "frac"])

    def summary(features):
        imperv = []
        for feature in features:
            props = feature["properties"]
            frac = dict(zip([int(v) for v in props["unique"]], props["frac"]))
            imperv.append(frac.get(1, 0.0) * props["count"])
        return {"zones": len(features), "imperv_px": imperv}

    return work, summary


def _case_rasterstats(case):
    import warnings

    from rasterstats import zonal_stats

    def work():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return zonal_stats(case["zones"], case["raster"], categorical=True)

    def summary(stats):
        return {"zones": len(stats), "imperv_px": [int(s.get(1, 0)) for s in stats]}

    return work, summary


def _histogram_counts(path: str, field_prefix: str, value: int):
    from osgeo import ogr

    ds = ogr.Open(path)
    layer = ds.GetLayer(0)
    out = []
    for feature in layer:
        index = feature.GetFieldIndex(f"{field_prefix}{value}")
        out.append(int(feature.GetField(index) or 0) if index >= 0 else 0)
    return out


def _case_qgis(case):
    """cisc:zonalstatistics through Processing against native:zonalhistogram (same process,
    bench_processing) and native:zonalstatisticsfb; timed one by one, repeats in this process."""
    from benchmarks import bench_processing as bp

    # one QgsApplication, kept alive by bench_processing for the whole case: a second one, made
    # after the first was garbage-collected, runs with QGIS's CRS caches switched off
    bp.ensure_qgis()
    import processing
    from qgis.core import QgsProcessingFeedback

    repeats = max(1, int(case.get("repeats", 3)))
    raster, mask, zones = case["raster"], case.get("mask"), case["zones"]
    timings = {"cisc_processing": [], "native_zonalhistogram": [], "native_zonalstatisticsfb": []}
    result = {}

    def work():
        tmp = tempfile.mkdtemp(prefix="cisc_bench_qgis_")
        # The Processing row: bench_processing (cisc then native, same process) once per repeat;
        # the last keeps its outputs, so the counts of native:zonalhistogram can be compared
        # with the engine's.
        for index in range(repeats):
            row = bp.bench_processing(raster, mask, zones, repeats=1,
                                      output_folder=tmp if index == repeats - 1 else None)
            timings["cisc_processing"].append(row["seconds_cisc"])
            timings["native_zonalhistogram"].append(row["seconds_native"])
        out, histo = row["cisc_output"], row["native_output"]
        result["native_imperv_px"] = _histogram_counts(histo, "HISTO_", 1)
        result["cisc_processing_imperv_km2"] = _field_values(out, "imperv_km2")
        if case.get("scaling"):  # a few hundred zones against 100,000 hexagons (bench_processing)
            timings.update(bp.bench_zone_scaling(**case["scaling"], repeats=repeats))
        if not case.get("skip_fb"):
            for index in range(repeats):
                start = time.perf_counter()
                processing.run(
                    "native:zonalstatisticsfb",
                    {"INPUT": zones, "INPUT_RASTER": raster, "RASTER_BAND": 1, "COLUMN_PREFIX": "_",
                     "STATISTICS": [0, 9],  # count, majority
                     "OUTPUT": os.path.join(tmp, f"fb_{index}.gpkg")},
                    feedback=QgsProcessingFeedback(),
                )
                timings["native_zonalstatisticsfb"].append(time.perf_counter() - start)
        return tmp

    def summary(tmp):
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)
        return {"timings": timings, **result}

    return work, summary


def _case_offset(case):
    """ZONES_OFFSET and edge densification against the plain run (benchmarks/bench_offset.py)."""
    from benchmarks import bench_offset as bo

    def work():
        files = bo.offset_zone_files(case["zones"])
        return bo.bench_offset(case["raster"], case.get("mask"), files, int(case.get("repeats", 3)))

    def summary(result):
        return result

    return work, summary


def _case_changemap_cancel(case):
    """write_change_map (the engine of cisc:changemap) cancelled once `cancel_at` % of the tiles
    are written: the time from the cancel request to the return, and what is left in the folder."""
    put_plugin_on_path()
    from cisc_impervious.plugin.core.changemap import write_change_map
    from cisc_impervious.plugin.core.errors import CiscCancelled
    from cisc_impervious.plugin.core.feedback import EngineFeedback

    class CancelAt(EngineFeedback):
        asked = None
        progress = 0.0

        def set_progress(self, percent):
            self.progress = percent
            if percent >= float(case.get("cancel_at", 50)) and self.asked is None:
                self.asked = time.perf_counter()

        def is_cancelled(self):
            return self.asked is not None

        def info(self, message):
            pass

    folder = tempfile.mkdtemp(prefix="cisc_cancel_")

    def work():
        feedback = CancelAt()
        try:
            write_change_map(case["raster_from"], case["raster_to"], os.path.join(folder, "change.tif"),
                             case.get("mask_from"), case.get("mask_to"), feedback=feedback,
                             threads=case.get("threads"))
        except CiscCancelled:
            pass
        return {"latency_s": time.perf_counter() - feedback.asked if feedback.asked else None,
                "progress_pct": feedback.progress, "left_behind": sorted(os.listdir(folder))}

    def summary(result):
        if not os.listdir(folder):
            os.rmdir(folder)
        return result

    return work, summary


def _field_values(path: str, name: str):
    from osgeo import ogr

    ds = ogr.Open(path)
    layer = ds.GetLayer(0)
    return [feature.GetField(name) for feature in layer]


CASES = {
    "zonal": _case_zonal,
    "change": _case_change,
    "floor": _case_floor,
    "exactextract": _case_exactextract,
    "rasterstats": _case_rasterstats,
    "qgis": _case_qgis,
    "offset": _case_offset,
    "changemap_cancel": _case_changemap_cancel,
}


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    case = json.loads(argv[0])
    work, summary = CASES[case["kind"]](case)
    base = _rss_mb()
    start = time.perf_counter()
    value = work()
    seconds = time.perf_counter() - start
    peak = _peak_rss_mb()
    out = {"seconds": seconds, "peak_rss_mb": peak, "base_rss_mb": base, "result": summary(value)}
    sys.stdout.write(RESULT_PREFIX + json.dumps(out) + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
