"""Headless use: qgis_process runs cisc:zonalstatistics with the plugin loaded through
QGIS_PLUGINPATH and enabled in a throwaway profile (HOME points to a temporary folder, so the
user's own QGIS settings are never read or written)."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from osgeo import gdal, ogr, osr

for _module in (gdal, ogr, osr):  # datafactory restores GDAL's exception mode on exit
    _module.UseExceptions()

from tests import datafactory as df  # noqa: E402
from tests import oracle  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parents[1]


def qgis_process_executable():
    # Debian 12 ships a broken `qgis_process` wrapper: the binary is qgis_process.bin
    for name in ("qgis_process.bin", "qgis_process"):
        path = shutil.which(name)
        if path:
            return path
    return None


@pytest.fixture(scope="module")
def headless_env(tmp_path_factory):
    executable = qgis_process_executable()
    if executable is None:
        pytest.skip("qgis_process is not installed")
    root = tmp_path_factory.mktemp("qgis_process")
    home = root / "home"
    plugins = root / "plugins"
    runtime = root / "runtime"
    for folder in (home, plugins, runtime):
        folder.mkdir()
    runtime.chmod(0o700)
    (plugins / "cisc_impervious").symlink_to(REPO_ROOT, target_is_directory=True)
    env = {
        key: value for key, value in os.environ.items()
        if not key.startswith(("QGIS_", "PYTEST", "COV_"))
    }
    env.update(HOME=str(home), QGIS_PLUGINPATH=str(plugins), QT_QPA_PLATFORM="offscreen",
               XDG_RUNTIME_DIR=str(runtime), XDG_CONFIG_HOME=str(home / ".config"),
               XDG_DATA_HOME=str(home / ".local" / "share"), PYTHONDONTWRITEBYTECODE="1")
    enable = subprocess.run([executable, "plugins", "enable", "cisc_impervious"], env=env, capture_output=True,
                            text=True, timeout=180)
    assert enable.returncode == 0, enable.stdout + enable.stderr
    return executable, env, home


def test_plugins_enabled_only_in_throwaway_profile(headless_env):
    executable, env, home = headless_env
    listing = subprocess.run([executable, "plugins"], env=env, capture_output=True, text=True, timeout=180)
    assert "* cisc_impervious" in listing.stdout, listing.stdout
    inis = list(home.rglob("QGIS3.ini"))
    assert inis and all(str(p).startswith(str(home)) for p in inis)


def test_qgis_process_runs_zonal_statistics(headless_env, tmp_path):
    executable, env, _ = headless_env
    sample = df.make_cisc_set(tmp_path / "cisc", 512, 512, seed=13, with_dates=False)
    zones = [(f"p{i}", g) for i, g in enumerate(df.make_provinces(4, sample, 2))]
    zones_path = df.write_zones(str(tmp_path / "zones.gpkg"), zones, sample.crs_wkt)
    out = tmp_path / "zonal.gpkg"
    run = subprocess.run(
        [executable, "--json", "run", "cisc:zonalstatistics", "--",
         f"INPUT={sample.cisc_2020}", f"ZONES={zones_path}", "COLUMN_PREFIX=c_", f"OUTPUT={out}"],
        env=env, capture_output=True, text=True, timeout=300,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    result = json.loads(run.stdout[run.stdout.index("{"):])
    assert result["results"]["OUTPUT"] == str(out)
    # the mask beside the raster was found and said so
    assert "valid_mask_2020.tif" in json.dumps(result.get("log", "")) or "valid_mask_2020" in run.stdout
    # numbers: the oracle (zones already in the raster's CRS)
    source = ogr.Open(str(out))
    layer = source.GetLayer(0)
    rows = {}
    for feature in layer:
        rows[feature.GetField("name")] = {
            name: (feature.GetField("c_" + name) if feature.IsFieldSetAndNotNull("c_" + name) else None)
            for name in ("valid_km2", "invalid_km2", "valid_pct", "bare_km2", "imperv_km2", "veg_km2",
                         "water_km2", "imperv_pct")
        }
    expected = oracle.oracle_zonal(sample.cisc_2020, [g for _, g in zones], sample.valid_mask_2020)
    assert set(rows) == {name for name, _ in zones}
    for (name, _), result_row in zip(zones, expected):
        oracle.assert_rows_equal(rows[name], oracle.expected_zonal_row(result_row, 0.0009))


def test_qgis_process_reports_bad_input(headless_env, tmp_path):
    executable, env, _ = headless_env
    bad = df.make_bad_rasters(tmp_path / "bad")
    bounds = (990000.0, 3772320.0, 997680.0, 3780000.0)  # the bad rasters' extent
    sample_zones = df.write_zones(str(tmp_path / "zones.gpkg"), df.make_provinces(2, bounds, 1), 4326)
    out = tmp_path / "zonal.gpkg"
    run = subprocess.run(
        [executable, "run", "cisc:zonalstatistics", "--", f"INPUT={bad['float']}", f"ZONES={sample_zones}",
         f"OUTPUT={out}"],
        env=env, capture_output=True, text=True, timeout=300,
    )
    assert run.returncode != 0
    assert bad["float"] in run.stdout + run.stderr
    assert not out.exists()
