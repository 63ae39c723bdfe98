"""`make bench`: time the CISC engine against QGIS, exactextract and rasterstats on the same
generated files, check the targets of the engine and Processing issues, write RESULTS.md.

    python -m benchmarks.run_benchmarks --data benchmarks/data --out benchmarks/RESULTS.md
    python -m benchmarks.run_benchmarks --quick --skip-slow --data /tmp/d --out /tmp/R.md   # smoke

Every engine / exactextract / rasterstats / floor measurement runs in a fresh interpreter
(benchmarks/measure.py), so peak memory is per case; the QGIS comparisons run together in one
headless QgsApplication process. Each timing is repeated (--repeats, default 3; 1 with --quick)
and the median is reported. See benchmarks/README.md for what each row means.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import glob
import importlib.util
import os
import statistics
import sys
import time
from pathlib import Path

from . import bench_grids, bench_national, bench_processing, measure

FULL = {"size": 16000, "big": 31623, "zones": 34, "many": 3000}
QUICK = {"size": 4000, "big": 6000, "zones": 34, "many": 3000}

# target checks: (key, label, ratio key, comparison, bound)
MEMORY_LIMIT_MB = 400.0
MEMORY_GROWTH = 0.10  # "not growing": the 4x larger raster's peak within 10 % of the smaller's


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _available(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


class Bench:
    def __init__(self, args):
        self.args = args
        self.sizes = QUICK if args.quick else FULL
        self.repeats = args.repeats or (1 if args.quick else 3)
        self.threads = args.threads
        self.rows = {}  # key -> row dict
        self.order = []
        self.notes = []

    # -- measuring ------------------------------------------------------------------
    def measure(self, key: str, label: str, case: dict, pixels: int, repeats=None) -> dict:
        repeats = repeats or self.repeats
        if self.threads and case["kind"] in ("zonal", "change", "floor"):
            case = dict(case, threads=self.threads)
        runs, peaks, result, error = [], [], None, None
        for _ in range(repeats):
            try:
                out = measure.run_case(case)
            except Exception as exc:  # noqa: BLE001 (a failing tool is reported, the run goes on)
                error = str(exc).strip().splitlines()[-1][:300] if str(exc).strip() else repr(exc)
                _log(f"  {label}: FAILED: {exc}")
                break
            runs.append(out["seconds"])
            peaks.append(out["peak_rss_mb"])
            result = out["result"]
        row = {
            "label": label,
            "seconds": statistics.median(runs) if runs else None,
            "runs": runs,
            "peak_rss_mb": max(peaks) if peaks else None,
            "pixels": pixels,
            "result": result,
            "error": error,
        }
        self._add(key, row)
        if runs:
            _log(f"  {label}: {row['seconds']:.3f} s (runs {', '.join(f'{r:.3f}' for r in runs)}), "
                 f"peak {row['peak_rss_mb']:.0f} MB")
        return row

    def _add(self, key, row):
        self.rows[key] = row
        if key not in self.order:
            self.order.append(key)

    def skipped(self, key, label, why, pixels=None):
        self._add(key, {"label": label, "seconds": None, "runs": [], "peak_rss_mb": None, "pixels": pixels,
                        "result": None, "error": why})

    def seconds(self, key):
        row = self.rows.get(key)
        return row["seconds"] if row else None

    # -- the run ----------------------------------------------------------------------
    def run(self):
        args, sizes = self.args, self.sizes
        data = Path(args.data)
        data.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        self.load_start = _loadavg()
        main = measure.sample_set(data, sizes["size"], args.seed, log=_log)
        zones = measure.zones_file(main, "provinces", sizes["zones"], args.seed)
        many = measure.zones_file(main, "counties", sizes["many"], args.seed)
        big = measure.sample_set(data, sizes["big"], args.seed, log=_log)
        big_zones = measure.zones_file(big, "provinces", sizes["zones"], args.seed)
        for folder in (main.folder, big.folder):
            for stale in glob.glob(os.path.join(folder, "*.aux.xml")):
                os.remove(stale)  # statistics QGIS left beside the rasters in an earlier run
        self.main, self.big = main, big
        self.zone_paths = {"zones": zones, "many": many, "big": big_zones}
        px = main.width * main.height
        big_px = big.width * big.height
        n, m = sizes["zones"], sizes["many"]
        r2020, m2020 = main.cisc_2020, main.valid_mask_2020
        change_inputs = [main.cisc_2020, main.valid_mask_2020, main.cisc_2022, main.valid_mask_2022]
        self.generation_s = time.perf_counter() - started

        _log(f"measuring ({self.repeats} run(s) each, median) ...")
        self.measure("floor_raster", "floor: decode every block of cisc_2020",
                     {"kind": "floor", "paths": [r2020]}, px)
        self.measure("floor_mask", "floor: decode cisc_2020 + valid_mask_2020",
                     {"kind": "floor", "paths": [r2020, m2020]}, px)
        self.measure("floor_change", "floor: decode the four change inputs",
                     {"kind": "floor", "paths": change_inputs}, px)
        zonal_case = {"kind": "zonal", "raster": r2020, "mask": m2020, "zones": zones}
        self.measure("zonal", f"cisc engine zonal, masked, {n} zones", zonal_case, px)
        self.measure("zonal_nomask", f"cisc engine zonal, no mask, {n} zones",
                     {"kind": "zonal", "raster": r2020, "zones": zones}, px)
        self.measure("change", f"cisc engine change 2020->2022, two masks, {n} zones",
                     {"kind": "change", "raster_from": main.cisc_2020, "raster_to": main.cisc_2022,
                      "mask_from": main.valid_mask_2020, "mask_to": main.valid_mask_2022, "zones": zones}, px)
        self.measure("zonal_many", f"cisc engine zonal, masked, {m} zones", dict(zonal_case, zones=many), px)
        self.measure("floor_big", f"floor: decode cisc_2020 + mask, {big.width} x {big.height}",
                     {"kind": "floor", "paths": [big.cisc_2020, big.valid_mask_2020]}, big_px)
        self.measure("zonal_big", f"cisc engine zonal, masked, {n} zones, {big.width} x {big.height}",
                     {"kind": "zonal", "raster": big.cisc_2020, "mask": big.valid_mask_2020, "zones": big_zones},
                     big_px)
        bench_grids.measure_rows(self, big)  # 100,000 hexagons and 1,000,000 square cells, same raster
        bench_national.measure_rows(self)  # 22.7 Gpx China-shaped, 2,875 real counties (issue 13)

        if _available("exactextract"):
            self.measure("exactextract", 'exactextract ["count", "unique", "frac"] (no mask)',
                         {"kind": "exactextract", "raster": r2020, "zones": zones}, px)
        else:
            self.skipped("exactextract", "exactextract", "not installed (pip install -r requirements-bench.txt)", px)
        if _available("rasterstats"):
            self.measure("rasterstats", "rasterstats zonal_stats(categorical=True) (no mask)",
                         {"kind": "rasterstats", "raster": r2020, "zones": zones}, px)
        else:
            self.skipped("rasterstats", "rasterstats", "not installed (pip install -r requirements-bench.txt)", px)

        labels = {
            "cisc_processing": f"cisc:zonalstatistics through Processing, masked, {n} zones",
            "native_zonalhistogram": "QGIS native:zonalhistogram (no mask possible)",
            "native_zonalstatisticsfb": "QGIS native:zonalstatisticsfb, count + majority (no mask possible)",
        }
        labels.update(bench_processing.scaling_labels(self, big))  # 300 zones and 100,000 hexagons, 1 Gpx
        if args.skip_slow:
            for key, label in labels.items():
                self.skipped(key, label, "skipped (--skip-slow)", px)
        else:
            self._qgis(labels, r2020, m2020, zones, px)
        self._offset(r2020, m2020, many)
        self.changemap_cancel(data)
        # the first engine row again, minutes later: shows whether the machine's speed drifted
        self.measure("zonal_again", f"cisc engine zonal, masked, {n} zones, again at the end (drift check)",
                     zonal_case, px)
        self.total_s = time.perf_counter() - started
        self.load_end = _loadavg()

    def _qgis(self, labels, raster, mask, zones, px):
        _log("QGIS (one headless QgsApplication; native:zonalhistogram takes about a minute a run) ...")
        if not os.path.exists(os.path.join(measure.REPO_ROOT, "benchmarks", "bench_processing.py")):
            for key, label in labels.items():
                self.skipped(key, label, "benchmarks/bench_processing.py missing", px)
            return
        try:
            out = measure.run_case({"kind": "qgis", "raster": raster, "mask": mask, "zones": zones,
                                    "repeats": self.repeats, "scaling": getattr(self, "scaling_case", None)},
                                   timeout=3600)
        except Exception as exc:  # noqa: BLE001
            _log(f"  QGIS case FAILED: {exc}")
            for key, label in labels.items():
                self.skipped(key, label, f"failed: {str(exc).strip().splitlines()[-1][:300]}", px)
            return
        result = out["result"]
        for key, label in labels.items():
            runs = result["timings"].get(key) or []
            self._add(key, {"label": label, "seconds": statistics.median(runs) if runs else None, "runs": runs,
                            "peak_rss_mb": None, "pixels": px, "result": None,
                            "error": None if runs else "not run"})
            if runs:
                _log(f"  {label}: {statistics.median(runs):.3f} s (runs {', '.join(f'{r:.3f}' for r in runs)})")
        bench_processing.scaling_rows(self)
        self.qgis_result = result
        self.qgis_peak = out["peak_rss_mb"]

    def changemap_cancel(self, data):
        """Cancel of cisc:changemap's engine half-way through a 20000 x 20000 map: seconds from
        the cancel request to the return (the output dropped, no temporary file left)."""
        size = self.sizes["size"] if self.args.quick else 20000
        sample = measure.sample_set(data, size, self.args.seed, log=_log)
        key, label = "changemap_cancel", f"cisc:changemap cancelled at 50 %, {size} x {size}: cancel -> return"
        case = {"kind": "changemap_cancel", "raster_from": sample.cisc_2020, "raster_to": sample.cisc_2022,
                "mask_from": sample.valid_mask_2020, "mask_to": sample.valid_mask_2022, "cancel_at": 50}
        if self.threads:
            case["threads"] = self.threads
        runs, peaks, error = [], [], None
        for _ in range(self.repeats):
            try:
                out = measure.run_case(case)
            except Exception as exc:  # noqa: BLE001
                error = str(exc).strip().splitlines()[-1][:300] if str(exc).strip() else repr(exc)
                break
            result = out["result"]
            if result["left_behind"] or result["latency_s"] is None:
                error = f"left behind: {result['left_behind']}" if result["left_behind"] else "never cancelled"
                break
            runs.append(result["latency_s"])
            peaks.append(out["peak_rss_mb"])
        self._add(key, {"label": label, "seconds": statistics.median(runs) if runs and not error else None,
                        "runs": runs, "peak_rss_mb": max(peaks) if peaks else None, "pixels": None, "result": None,
                        "error": error})
        _log(f"  {label}: " + (error or f"{statistics.median(runs):.3f} s (runs "
                                         f"{', '.join(f'{r:.3f}' for r in runs)}), peak {max(peaks):.0f} MB"))

    def _offset(self, raster, mask, zones):
        """ZONES_OFFSET and exact edge reprojection against the plain run (bench_offset.py)."""
        _log("ZONES_OFFSET and edge densification through Processing (one QgsApplication) ...")
        self.offset_result = None
        try:
            out = measure.run_case({"kind": "offset", "raster": raster, "mask": mask, "zones": zones,
                                    "repeats": self.repeats}, timeout=1800)
        except Exception as exc:  # noqa: BLE001
            self.offset_error = str(exc).strip().splitlines()[-1][:300] if str(exc).strip() else repr(exc)
            _log(f"  offset case FAILED: {exc}")
            return
        self.offset_result = out["result"]
        for key, runs in self.offset_result["timings"].items():
            _log(f"  {key}: {statistics.median(runs):.3f} s (runs {', '.join(f'{r:.3f}' for r in runs)})")

    def offset_section(self):
        """The report's section on ZONES_OFFSET and densification (lines)."""
        from .bench_offset import LABELS

        lines = ["", "## Zones from web maps (ZONES_OFFSET) and exact edge reprojection", ""]
        result = getattr(self, "offset_result", None)
        if not result:
            lines.append(f"Not measured: {getattr(self, 'offset_error', 'not run')}.")
            return lines
        timings = result["timings"]
        plain = statistics.median(timings["plain"])
        plain_best = min(timings["plain"])
        lines += [
            f"cisc:zonalstatistics through Processing, masked, {self.sizes['many']} county-like zones in EPSG:4326 "
            f"({result['vertices']:,} vertices; edges every 1 km at most), on cisc_2020; the variants interleaved "
            "run by run in one QGIS process. Densification added "
            f"{result.get('inserted', 0):,} vertices (a tenth of a pixel: 3 m).",
            "",
            "| variant | median s | best s | runs (s) | x plain |",
            "| --- | ---: | ---: | --- | ---: |",
        ]
        for key, runs in timings.items():
            median = statistics.median(runs)
            lines.append(f"| {LABELS.get(key, key)} | {_s(median)} | {_s(min(runs))} | "
                         f"{', '.join(_s(r) for r in runs)} | {median / plain:.2f} |")
        lines += ["", "| target | measured | bound | |", "| --- | --- | --- | --- |"]
        for label, key in (("densified edges / plain", "densified"),
                           ("ZONES_OFFSET=1 / plain", "offset"),
                           ("ZONES_OFFSET=1 + densified edges / plain", "offset_densified")):
            ratio = statistics.median(timings[key]) / plain
            best = min(timings[key]) / plain_best
            paired = statistics.median(a / b for a, b in zip(timings[key], timings["plain"]))
            lines.append(f"| {label} | {ratio:.2f}x (best runs: {best:.2f}x; run by run: {paired:.2f}x) | <= 1.2x "
                         f"| {_mark(ratio <= 1.2)} |")
        if result.get("offset_log"):
            lines += ["", f"Log of the GCJ-02 run: {result['offset_log']}"]
        return lines

    # -- checks -------------------------------------------------------------------------
    def best(self, key):
        row = self.rows.get(key)
        return min(row["runs"]) if row and row["runs"] else None

    def ratio(self, slow_key, fast_key, pick=None):
        pick = pick or self.seconds
        slow, fast = pick(slow_key), pick(fast_key)
        return slow / fast if slow and fast else None

    def targets(self):
        """(what, value text, target text, met True/False/None)."""
        out = []

        def measured(r, num, den):
            if r is None:
                return "n/a"
            return f"{_x(r)} (best runs: {_x(self.ratio(num, den, self.best))})"

        def speed(label, slow, fast, bound):
            r = self.ratio(slow, fast)
            out.append((label, measured(r, slow, fast), f">= {bound:g}x", None if r is None else r >= bound))

        def cost(label, num, den, bound):
            r = self.ratio(num, den)
            out.append((label, measured(r, num, den), f"<= {bound:g}x", None if r is None else r <= bound))

        speed("engine zonal (masked) vs native:zonalhistogram", "native_zonalhistogram", "zonal", 50)
        speed("cisc:zonalstatistics (Processing) vs native:zonalhistogram, same process", "native_zonalhistogram",
              "cisc_processing", 50)
        speed("engine zonal (masked) vs exactextract", "exactextract", "zonal", 10)
        cost("engine change (2 rasters, 2 masks) / engine zonal", "change", "zonal", 2.5)
        cost(f"engine zonal (masked), {_mpx(self.main.width * self.main.height)} / its decode floor (raster + mask)",
             "zonal", "floor_mask", 3)
        cost(f"engine zonal {self.sizes['many']} zones / {self.sizes['zones']} zones", "zonal_many", "zonal", 2)
        out.extend(bench_grids.targets(self))
        out.extend(bench_national.targets(self))
        out.extend(bench_processing.targets(self))
        cancel = self.seconds("changemap_cancel")
        out.append(("cisc:changemap cancel -> return", "n/a" if cancel is None else f"{cancel:.2f} s", "< 1 s",
                    None if cancel is None else cancel < 1.0))
        small = (self.rows.get("zonal") or {}).get("peak_rss_mb")
        large = (self.rows.get("zonal_big") or {}).get("peak_rss_mb")
        if small and large:
            met = small < MEMORY_LIMIT_MB and large < MEMORY_LIMIT_MB and large <= small * (1 + MEMORY_GROWTH)
            out.append(("engine zonal peak memory (RSS high-water), "
                        f"{_mpx(self.rows['zonal']['pixels'])} -> {_mpx(self.rows['zonal_big']['pixels'])}",
                        f"{small:.0f} MB -> {large:.0f} MB ({(large / small - 1) * 100:+.0f} %)",
                        f"< {MEMORY_LIMIT_MB:.0f} MB, growth <= {MEMORY_GROWTH * 100:.0f} %", met))
        else:
            out.append(("engine zonal peak memory", "n/a", f"< {MEMORY_LIMIT_MB:.0f} MB", None))
        return out

    def agreement(self):
        """Per-zone impervious pixel counts of every tool against the engine without mask."""
        base_row = self.rows.get("zonal_nomask") or {}
        base = (base_row.get("result") or {}).get("imperv_px")
        if not base:
            return "agreement: not checked (the engine's no-mask run failed)"
        parts = []
        masked = (self.rows.get("zonal") or {}).get("result") or {}
        if masked.get("imperv_px"):
            parts.append(f"engine masked {_maxdiff(base, masked['imperv_px'])}")
        qgis = getattr(self, "qgis_result", None) or {}
        if qgis.get("native_imperv_px"):
            parts.append(f"native:zonalhistogram {_maxdiff(base, qgis['native_imperv_px'])}")
        if qgis.get("cisc_processing_imperv_km2"):
            pixel_km2 = abs(self.main.geotransform[1] * self.main.geotransform[5]) / 1e6
            via = [round((v or 0.0) / pixel_km2) for v in qgis["cisc_processing_imperv_km2"]]
            parts.append(f"cisc:zonalstatistics (Processing) {_maxdiff(base, via)}")
        rs = (self.rows.get("rasterstats") or {}).get("result") or {}
        if rs.get("imperv_px"):
            parts.append(f"rasterstats {_maxdiff(base, rs['imperv_px'])}")
        ee = (self.rows.get("exactextract") or {}).get("result") or {}
        if ee.get("imperv_px"):
            diffs = [abs(a - b) for a, b in zip(base, ee["imperv_px"])]
            worst = max(range(len(diffs)), key=diffs.__getitem__) if diffs else 0
            rel = 100.0 * diffs[worst] / base[worst] if base and base[worst] else 0.0
            total = 100.0 * abs(sum(ee["imperv_px"]) - sum(base)) / sum(base) if sum(base) else 0.0
            parts.append(f"exactextract (coverage-weighted) max |diff| {diffs[worst]:.1f} px "
                         f"({rel:.3f} % of that zone; {total:.4f} % over all zones)")
        return ("agreement: per-zone impervious pixels, against the cisc engine without mask ("
                f"{sum(base):,} px over {len(base)} zones): " + "; ".join(parts))


def _loadavg():
    try:
        return os.getloadavg()[0]
    except OSError:
        return None


def _maxdiff(a, b):
    if len(a) != len(b):
        return f"zone counts differ ({len(a)} vs {len(b)})"
    diff = max((abs(int(x) - int(y)) for x, y in zip(a, b)), default=0)
    return f"max |diff| {diff} px"


def _x(value):
    return "n/a" if value is None else f"{value:.1f}x"


def _mpx(pixels):
    return f"{pixels / 1e6:,.0f} Mpx" if pixels >= 1e6 else f"{pixels:,} px"


def _s(value):
    if value is None:
        return "n/a"
    return f"{value:.2f}" if value >= 1 else f"{value:.3f}"


def _mark(met):
    return "n/a" if met is None else ("**met**" if met else "**NOT MET**")


def _size(path):
    return os.path.getsize(path) / 1e6 if os.path.exists(path) else 0.0


def write_report(bench: Bench, path: str, machine: dict) -> str:
    m, big, sizes = bench.main, bench.big, bench.sizes
    threads = bench.threads or machine["cores"]
    v = machine["versions"]
    lines = [
        "# Benchmark results",
        "",
        f"Written by `{'make bench' if not bench.args.quick else 'python -m benchmarks.run_benchmarks --quick'}` "
        f"(benchmarks/run_benchmarks.py) on {_dt.datetime.now().astimezone().strftime('%Y-%m-%d %H:%M %Z')}; "
        "one run, one machine. What each row means: benchmarks/README.md.",
        "",
        "## Machine",
        "",
        f"- CPU: {machine['cpu']}, {machine['cores']} cores; RAM {machine['ram_gb']} GB; {machine['os']}",
        f"- QGIS {v['QGIS']}, GDAL {v['GDAL']}, numpy {v['numpy']}, rasterio {v['rasterio']}, "
        f"exactextract {v['exactextract']}, rasterstats {v['rasterstats']}, Python {machine['python']}",
        f"- Engine threads: {threads} ({'--threads' if bench.threads else 'its default: all cores'}); "
        "exactextract, rasterstats and the QGIS algorithms use one thread each.",
        f"- Load average (1 min) when the benchmark started: {_load(bench.load_start)}, when it ended: "
        f"{_load(bench.load_end)} (a load above {machine['cores']} means other processes competed for the cores).",
        f"- Each timing: median of {bench.repeats} run(s); engine, floor, exactextract and rasterstats runs each in a "
        "fresh process (timed from after the imports: reading the zone file, opening the rasters, rasterizing "
        "and counting are all inside). The QGIS rows run in one headless QgsApplication process.",
        "",
        f"## Data (tests/datafactory.py, seed {bench.args.seed})",
        "",
        f"- {m.width} x {m.height} = {_mpx(m.width * m.height)} cisc_2020.tif ({_size(m.cisc_2020):.1f} MB on disk, "
        f"DEFLATE COG, 512 tiles), valid_mask_2020.tif ({_size(m.valid_mask_2020):.1f} MB), cisc_2022.tif and "
        "valid_mask_2022.tif (same grid, other extents)",
        f"- {sizes['zones']} province-like zones (make_provinces) and {sizes['many']} county-like zones "
        "(make_counties), GeoPackage in the rasters' CRS",
        f"- {big.width} x {big.height} = {_mpx(big.width * big.height)} cisc_2020.tif ({_size(big.cisc_2020):.1f} MB) "
        f"with its mask and {sizes['zones']} zones; on it, grids of zones (benchmarks/bench_grids.py): "
        + ", ".join(f"{n:,} {k.split('_', 1)[1].replace('_', ' ')}" for k, n in getattr(bench, "grid_counts", {}).items()),
        bench_national.data_line(bench),
        f"- Data generation / cache check: {bench.generation_s:.0f} s; whole benchmark: {bench.total_s:.0f} s",
        "",
        "## Timings",
        "",
        "| row | median s | best s | runs (s) | Mpx/s | peak RSS MB | x engine zonal |",
        "| --- | ---: | ---: | --- | ---: | ---: | ---: |",
    ]
    zonal_s = bench.seconds("zonal")
    for key in bench.order:
        row = bench.rows[key]
        if row["seconds"] is None:
            lines.append(f"| {row['label']} | n/a | | {row['error']} | | | |")
            continue
        rate = row["pixels"] / row["seconds"] / 1e6 if row["pixels"] and row["seconds"] else None
        rel = row["seconds"] / zonal_s if zonal_s else None
        lines.append(
            f"| {row['label']} | {_s(row['seconds'])} | {_s(min(row['runs']))} | "
            f"{', '.join(_s(r) for r in row['runs'])} | "
            f"{'' if rate is None else f'{rate:,.0f}'} | "
            f"{_peak(row)} | "
            f"{'' if rel is None else f'{rel:.2f}'} |"
        )
    if getattr(bench, "qgis_peak", None):
        lines.append("")
        lines.append(f"The QGIS process (all the QGIS rows, QgsApplication and Processing loaded) peaked at "
                     f"{bench.qgis_peak:.0f} MB RSS.")
    lines += [
        "",
        "## Targets",
        "",
        "Judged on the medians; the ratio of the best (fastest) runs is shown too, since other processes on a "
        "shared machine only ever slow a run down.",
        "",
        "| target | measured | bound | |",
        "| --- | --- | --- | --- |",
    ]
    for label, value, bound, met in bench.targets():
        lines.append(f"| {label} | {value} | {bound} | {_mark(met)} |")
    first, again = bench.seconds("zonal"), bench.seconds("zonal_again")
    if first and again:
        lines += ["", f"Drift: the masked engine zonal run took {_s(first)} s at the start and {_s(again)} s "
                  f"at the end ({(again / first - 1) * 100:+.0f} %); on a shared machine the other rows drift alike."]
    lines += bench.offset_section()
    lines += ["", bench.agreement(), ""]
    lines += [
        "Pixel rules: the cisc engine, cisc:zonalstatistics, native:zonalhistogram and rasterstats (all_touched=False) "
        "count a pixel in a zone when its centre lies inside; exactextract weights each pixel by the fraction of it "
        "the zone covers, so it differs on boundary pixels only. None of the other tools can apply a valid mask "
        "(in CISC invalid pixels are stored as 0, so masking does not change impervious counts, only valid/bare "
        "areas); the engine's masked rows do strictly more work than the tools they are compared with.",
        "",
    ]
    text = "\n".join(lines)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(text, encoding="utf-8")
    return text


def _load(value):
    return "n/a" if value is None else f"{value:.2f}"


def _peak(row):
    return "" if row["peak_rss_mb"] is None else f"{row['peak_rss_mb']:.0f}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run_benchmarks", description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default="benchmarks/data", help="generated data cache (default benchmarks/data)")
    parser.add_argument("--out", default="benchmarks/RESULTS.md", help="report (default benchmarks/RESULTS.md)")
    parser.add_argument("--quick", action="store_true",
                        help=f"small data ({QUICK['size']} px square, big case {QUICK['big']}), one run each")
    parser.add_argument("--skip-slow", action="store_true", help="skip the QGIS rows (native algorithms take minutes)")
    parser.add_argument("--repeats", type=int, default=None, help="runs per timing (default 3, 1 with --quick)")
    parser.add_argument("--threads", type=int, default=None, help="engine threads (default: all cores)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    bench = Bench(args)
    bench.run()
    machine = measure.machine_description()
    text = write_report(bench, args.out, machine)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
