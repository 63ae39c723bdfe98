"""`make demo`: the plugin's main job on built-in sample data, headless.

Generates a CISC-like sample (two years, masks, acquisition dates) and county zones in
EPSG:4490, runs the plugin's Processing algorithms (zonal statistics for both years,
change statistics, change map, impervious fraction, acquisition dates), prints a summary
and writes demo/cisc_demo.qgz, a QGIS project with the styled layers, the county zones
(outlines labelled by name) and the outputs, in the rasters' CRS.

    python -m tools.demo [--out demo] [--size 2048] [--zones 24]
"""

import argparse
import os
import sys
import time
from pathlib import Path

from tools.plugin_package import REPO_ROOT, put_plugin_on_path


def _start_qgis():
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from qgis.core import QgsApplication

    app = QgsApplication([], False)
    app.initQgis()
    from processing.core.Processing import Processing

    Processing.initialize()
    import cisc_impervious

    # registered as QGIS does it (the plugin's initProcessing), headless: no iface
    plugin = cisc_impervious.classFactory(None)
    plugin.initProcessing()
    return app, plugin.provider


def _run(algorithm, parameters):
    import processing
    from qgis.core import QgsProcessingContext, QgsProcessingFeedback

    started = time.perf_counter()
    result = processing.run(algorithm, parameters, context=QgsProcessingContext(), feedback=QgsProcessingFeedback())
    print(f"  {algorithm:<28} {time.perf_counter() - started:6.2f} s")
    return result


def _table(path, columns, name_field="name", limit=8, sort_by=None):
    from qgis.core import QgsVectorLayer

    layer = QgsVectorLayer(path, "t", "ogr")
    rows = [feature.attributes() for feature in layer.getFeatures()]
    names = [field.name() for field in layer.fields()]
    index = {name: names.index(name) for name in [name_field, *columns]}
    if sort_by:
        rows.sort(key=lambda row: -(row[index[sort_by]] or 0))
    header = f"  {'zone':<14}" + "".join(f"{column:>16}" for column in columns)
    print(header)
    for row in rows[:limit]:
        cells = []
        for column in columns:
            value = row[index[column]]
            cells.append(f"{'NULL':>16}" if value is None or str(value) == "NULL" else f"{value:>16.3f}")
        print(f"  {str(row[index[name_field]]):<14}" + "".join(cells))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(REPO_ROOT / "demo"))
    parser.add_argument("--size", type=int, default=2048, help="raster width and height in pixels")
    parser.add_argument("--zones", type=int, default=24, help="number of county zones")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    put_plugin_on_path()
    sys.path.insert(0, str(REPO_ROOT / "tests"))
    import datafactory

    out = Path(args.out).resolve()
    data = out / "data"
    outputs = out / "outputs"
    outputs.mkdir(parents=True, exist_ok=True)
    print(f"Sample data ({args.size} x {args.size} pixels, 30 m) in {data}")
    sample = datafactory.make_cisc_set(data, args.size, args.size, seed=args.seed)
    zones_path = datafactory.write_zones(
        str(data / "counties_4490.gpkg"),
        datafactory.make_counties(args.zones, sample, args.seed),
        4490,
        names=[f"County {index + 1:02d}" for index in range(args.zones)],
    )

    app, _provider = _start_qgis()
    try:
        print("Running the CISC algorithms:")
        results = {}
        for year in (2020, 2022):
            results[f"zonal_{year}"] = _run(
                "cisc:zonalstatistics",
                {
                    "INPUT": getattr(sample, f"cisc_{year}"),
                    "VALID_MASK": getattr(sample, f"valid_mask_{year}"),
                    "ZONES": zones_path,
                    "COLUMN_PREFIX": "",
                    "OUTPUT": str(outputs / f"zonal_{year}.gpkg"),
                },
            )
        results["change"] = _run(
            "cisc:changestatistics",
            {
                "INPUT_FROM": sample.cisc_2020,
                "VALID_MASK_FROM": sample.valid_mask_2020,
                "INPUT_TO": sample.cisc_2022,
                "VALID_MASK_TO": sample.valid_mask_2022,
                "ZONES": zones_path,
                "COLUMN_PREFIX": "",
                "OUTPUT": str(outputs / "change_2020_2022.gpkg"),
            },
        )
        results["change_map"] = _run(
            "cisc:changemap",
            {
                "INPUT_FROM": sample.cisc_2020,
                "VALID_MASK_FROM": sample.valid_mask_2020,
                "INPUT_TO": sample.cisc_2022,
                "VALID_MASK_TO": sample.valid_mask_2022,
                "OUTPUT": str(outputs / "change_map_2020_2022.tif"),
            },
        )
        results["fraction"] = _run(
            "cisc:imperviousfraction",
            {
                "INPUT": sample.cisc_2022,
                "VALID_MASK": sample.valid_mask_2022,
                "CELL_SIZE": 1000,
                "MIN_VALID_PCT": 50,
                "OUTPUT": str(outputs / "impervious_fraction_2022_1km.tif"),
            },
        )
        if sample.dates_zip:
            results["dates"] = _run(
                "cisc:acquisitiondates",
                {"ZONES": zones_path, "DATES": sample.dates_zip, "OUTPUT": str(outputs / "acquisition_dates.gpkg")},
            )

        results["report"] = _run(
            "cisc:report",
            {"INPUT": results["change"]["OUTPUT"], "NAME_FIELD": "name", "TITLE": "Impervious surface change 2020–2022: demo counties",
             "OUTPUT": str(outputs / "report_change.pdf")},
        )

        print("\nImpervious surface 2022, zones with the largest impervious area (km2, %):")
        _table(results["zonal_2022"]["OUTPUT"], ["imperv_km2", "imperv_pct", "valid_pct"], sort_by="imperv_km2")
        print("\nChange 2020 -> 2022 (km2, %):")
        _table(results["change"]["OUTPUT"], ["gain_km2", "loss_km2", "net_km2", "growth_pct"], sort_by="gain_km2")

        from cisc_impervious.plugin.layers.project import write_demo_project

        extra = [results[key]["OUTPUT"] for key in results if key != "report"]
        project_path = write_demo_project(out / "cisc_demo.qgz", sample, extra_layers=extra, zones=[zones_path])
        print(f"\nQGIS project: {project_path}")
        print(f"PDF report: {results['report']['OUTPUT']}")
        print(f"Outputs: {outputs}")
    finally:
        app.exitQgis()
    return 0


if __name__ == "__main__":
    sys.exit(main())
