"""The dock's web-map offset choice: remembered per zones layer, passed to the algorithms as
ZONES_OFFSET, and the statistics of GCJ-02 zones equal those of the true zones."""

import pytest
from qgis.core import QgsProject

from cisc_impervious.plugin.core import webmap_offset as wmo
from tests import datafactory
from tests.test_dock import (
    _add_zones,
    _assert_table_matches,
    _direct,
    _run_and_wait,
)
from tests.test_processing_offset import rewrite_zones

NAMES = ["黄浦区", "徐汇区", "长宁区", "静安区", "普陀区", "虹口区"]


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    folder = tmp_path_factory.mktemp("dock_offset")
    sample_set = datafactory.make_cisc_set(folder / "cisc", 640, 576, seed=8, with_dates=False, overviews=False)
    geoms = datafactory.make_counties(len(NAMES), sample_set, seed=8)
    plain = datafactory.write_zones(folder / "plain.gpkg", geoms, 4326, names=NAMES)
    true = rewrite_zones(plain, folder / "true.gpkg", segmentize=0.001)
    gcj = rewrite_zones(true, folder / "gcj.gpkg", lambda x, y: wmo.forward(x, y, wmo.OFFSET_GCJ02))
    return {"set": sample_set, "true": true, "gcj": gcj}




def test_offset_choice_is_remembered_per_zones_layer(dock, sample):
    from cisc_impervious.plugin.gui.dock import PROP_ZONES_OFFSET

    gcj = _add_zones(sample["gcj"], "gcj")
    true = _add_zones(sample["true"], "true")
    dock.zonesLayerCombo.setLayer(gcj)
    assert dock.zones_offset() == wmo.OFFSET_NONE  # the default: coordinates are what their CRS says
    assert dock.offsetCombo.count() == 3
    dock.set_zones_offset(wmo.OFFSET_GCJ02)
    assert int(gcj.customProperty(PROP_ZONES_OFFSET)) == wmo.OFFSET_GCJ02
    dock.zonesLayerCombo.setLayer(true)
    assert dock.zones_offset() == wmo.OFFSET_NONE
    dock.set_zones_offset(wmo.OFFSET_BD09)
    dock.zonesLayerCombo.setLayer(gcj)
    assert dock.zones_offset() == wmo.OFFSET_GCJ02
    dock.zonesLayerCombo.setLayer(true)
    assert dock.zones_offset() == wmo.OFFSET_BD09
    # every step of a run gets it
    dock.set_analysis("both")
    dock.set_source_folder(sample["set"].folder)
    steps, request = dock.build_steps()
    assert len(steps) == 2 and all(step.parameters["ZONES_OFFSET"] == wmo.OFFSET_BD09 for step in steps)
    assert request["zones_offset"] == wmo.OFFSET_BD09


def test_gcj02_zones_with_the_offset_give_the_true_statistics(dock, sample):
    from cisc_impervious.plugin.core.fields import ZONAL_FIELDS

    gcj = _add_zones(sample["gcj"], "gcj")
    true = _add_zones(sample["true"], "true")
    dock.zonesLayerCombo.setLayer(gcj)
    dock.nameFieldCombo.setField("name")
    dock.set_zones_offset(wmo.OFFSET_GCJ02)
    dock.set_analysis("2020")
    dock.set_source_folder(sample["set"].folder)
    dock.addLayerCheck.setChecked(False)
    dock.joinCheck.setChecked(False)
    ok, message = _run_and_wait(dock)
    assert ok, message
    direct = _direct("cisc:zonalstatistics", {
        "INPUT": sample["set"].cisc_2020, "VALID_MASK": sample["set"].valid_mask_2020,
        "ZONES": true, "COLUMN_PREFIX": "y2020_", "OUTPUT": "TEMPORARY_OUTPUT",
    })
    _assert_table_matches(dock, direct, ["y2020_" + f for f in ZONAL_FIELDS])
    assert sum(f["y2020_imperv_km2"] for f in direct.getFeatures()) > 0
    assert QgsProject.instance().mapLayer(gcj.id()) is not None
