import os, subprocess
import pytest
from osgeo import gdal, ogr, osr
for _m in (gdal, ogr, osr):
    _m.UseExceptions()
from tests import datafactory as df
from tests.test_processing_statistics import processing_error

def test_scratch(provider, tmp_path):
    import processing
    sample = df.make_cisc_set(tmp_path / "cisc", 300, 300, seed=5, with_dates=False)
    zones = df.write_zones(str(tmp_path / "zones.gpkg"), df.make_counties(1500, sample, 2), 4326)
    full = tmp_path / "full"; full.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=128k", "tmpfs", str(full)], check=True)
    try:
        for ext in ("gpkg", "shp", "csv"):
            out = str(full / f"out.{ext}")
            try:
                r = processing.run("cisc:zonalstatistics", {"INPUT": sample.cisc_2020, "ZONES": zones, "OUTPUT": out})
                print(ext, "OK", r)
            except Exception as e:
                print(ext, "ERR", str(e)[:500])
            if ext != "shp" and os.path.exists(out):
                try:
                    ds = ogr.Open(out); print("count", ds.GetLayer(0).GetFeatureCount())
                except Exception as e: print("reopen", e)
            print(os.listdir(full), [os.path.getsize(full / n) for n in os.listdir(full)])
            for n in os.listdir(full): os.remove(full / n)
    finally:
        subprocess.run(["umount", str(full)])
