"""Results table model, exports and charts on hand-made results (no raster needed)."""

import csv
import os
import subprocess
import sys

import pytest
from qgis.core import QgsFeature, QgsGeometry, QgsVectorLayer
from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtWidgets import QApplication


def _change_rows():
    """Three zones with consistent change figures (km2); zone C has no valid pixel."""
    rows = []
    for valid, t, pct in (
        (10.0, {"t00": 2.0, "t01": 1.0, "t11": 3.0, "t12": 0.5, "t22": 3.0, "t33": 0.5}, 80.0),
        (4.0, {"t00": 1.0, "t01": 0.2, "t11": 0.8, "t10": 0.3, "t22": 1.7}, 30.0),
        (0.0, {}, None),
    ):
        row = {"chg_valid_km2": valid, "chg_valid_pct": pct}
        for a in range(4):
            for b in range(4):
                row[f"chg_t{a}{b}_km2"] = t.get(f"t{a}{b}", 0.0)
        before = sum(row[f"chg_t1{b}_km2"] for b in range(4))
        after = sum(row[f"chg_t{a}1_km2"] for a in range(4))
        row["chg_imperv_from_km2"] = before
        row["chg_imperv_to_km2"] = after
        row["chg_gain_km2"] = sum(row[f"chg_t{a}1_km2"] for a in range(4) if a != 1)
        row["chg_loss_km2"] = sum(row[f"chg_t1{b}_km2"] for b in range(4) if b != 1)
        row["chg_net_km2"] = after - before
        row["chg_growth_pct"] = 100.0 * (after - before) / before if before else None
        rows.append(row)
    return rows


def _zonal_rows():
    return [
        {"y2020_valid_km2": 9.0, "y2020_invalid_km2": 1.0, "y2020_valid_pct": 90.0, "y2020_bare_km2": 2.0,
         "y2020_imperv_km2": 4.0, "y2020_veg_km2": 2.5, "y2020_water_km2": 0.5, "y2020_imperv_pct": 4 / 9 * 100},
        {"y2020_valid_km2": 1.0, "y2020_invalid_km2": 3.0, "y2020_valid_pct": 25.0, "y2020_bare_km2": 0.5,
         "y2020_imperv_km2": 0.25, "y2020_veg_km2": 0.25, "y2020_water_km2": 0.0, "y2020_imperv_pct": 25.0},
        {"y2020_valid_km2": 0.0, "y2020_invalid_km2": 0.0, "y2020_valid_pct": None, "y2020_bare_km2": 0.0,
         "y2020_imperv_km2": 0.0, "y2020_veg_km2": 0.0, "y2020_water_km2": 0.0, "y2020_imperv_pct": None},
    ]


def _layer(rows, keys):
    layer = QgsVectorLayer("Polygon?crs=EPSG:3857&field=name:string" + "".join(f"&field={k}:double" for k in keys), "r", "memory")
    features = []
    for i, (name, row) in enumerate(zip(("甲", "乙", "丙"), rows)):
        feature = QgsFeature(layer.fields())
        feature.setGeometry(QgsGeometry.fromWkt(f"POLYGON(({i} 0, {i + 1} 0, {i + 1} 1, {i} 1, {i} 0))"))
        feature.setAttributes([name] + [row.get(k) for k in keys])
        features.append(feature)
    layer.dataProvider().addFeatures(features)
    return layer


@pytest.fixture()
def zonal(qgis_app):
    from cisc_impervious.plugin.gui.results import ResultSet, columns_for

    rows = _zonal_rows()
    columns = columns_for("2020")
    return ResultSet("2020", ["Alpha", "beta", "Gamma"], rows, columns, "name",
                     layer=_layer(rows, [c.key for c in columns]), zones_name="z", key_field="name")


@pytest.fixture()
def change(qgis_app):
    from cisc_impervious.plugin.gui.results import ResultSet, columns_for

    rows = _change_rows()
    columns = columns_for("change")
    return ResultSet("change", ["甲", "乙", "丙"], rows, columns, "name",
                     layer=_layer(rows, [c.key for c in columns]), zones_name="z", key_field="name")


def _model(result, threshold=50.0):
    from cisc_impervious.plugin.gui.results import ResultsTableModel

    model = ResultsTableModel()
    model.set_threshold(threshold)
    model.set_result(result)
    return model


def test_headers_carry_units(zonal):
    model = _model(zonal)
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    assert headers[0] == "Zone"  # translated; the field shows in the tooltip
    assert "name" in model.headerData(0, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
    assert "Impervious area (km²)" in headers
    assert "Impervious share (%)" in headers
    assert "Valid coverage (%)" in headers
    assert model.columnCount() == 1 + 8


def test_sort_numbers_with_null_last(zonal):
    model = _model(zonal)
    col = 1 + [c.key for c in zonal.columns].index("y2020_imperv_pct")
    model.sort(col, Qt.SortOrder.DescendingOrder)
    assert [model.label(r) for r in range(3)] == ["Alpha", "beta", "Gamma"]
    model.sort(col, Qt.SortOrder.AscendingOrder)
    assert [model.label(r) for r in range(3)] == ["beta", "Alpha", "Gamma"]  # NULL stays last
    model.sort(0, Qt.SortOrder.AscendingOrder)  # labels, case-insensitive
    assert [model.label(r) for r in range(3)] == ["Alpha", "beta", "Gamma"]
    assert model.value(1, "y2020_imperv_km2") == 0.25
    assert model.data(model.index(1, col)) == "25.00"


def test_low_valid_flag_follows_the_threshold(zonal):
    from cisc_impervious.plugin.gui.results import FLAG_ROLE

    model = _model(zonal, threshold=50)
    flags = [model.data(model.index(r, 0), FLAG_ROLE) for r in range(3)]
    assert flags == [False, True, True]  # 25 % and no pixel at all
    assert model.flagged_count() == 2
    assert model.data(model.index(1, 0)).startswith("⚠")
    assert model.data(model.index(1, 2), Qt.ItemDataRole.BackgroundRole) is not None
    model.set_threshold(20)
    assert model.flagged_count() == 1
    assert model.data(model.index(0, 0)) == "Alpha"


def test_copy_to_clipboard(zonal):
    model = _model(zonal)
    text = model.copy_to_clipboard([1])
    assert QApplication.clipboard().text() == text
    lines = text.strip().split("\n")
    assert lines[0].split("\t")[:3] == ["name", "y2020_valid_km2", "y2020_invalid_km2"]
    assert lines[1].split("\t")[0] == "beta"
    assert float(lines[1].split("\t")[1]) == 1.0
    everything = model.copy_to_clipboard()
    assert everything.count("\n") == 4
    assert everything.split("\n")[3].split("\t")[3] == ""  # NULL is an empty cell


def test_csv_export_roundtrip_and_atomic(zonal, tmp_path, monkeypatch):
    from cisc_impervious.plugin.gui import results

    model = _model(zonal)
    target = tmp_path / "out.csv"
    results.export_csv(model, target)
    with open(target, encoding="utf-8-sig", newline="") as handle:
        table = list(csv.reader(handle))
    assert table[0][0] == "name" and len(table) == 4
    assert table[1][table[0].index("y2020_imperv_pct")] == "44.44"  # 44.444... rounded to 0.01 %
    before = target.read_bytes()

    class Boom(Exception):
        pass

    def broken_rows(*args, **kwargs):
        yield ["name", "x"]
        raise Boom("disk full")

    monkeypatch.setattr(model, "as_rows", broken_rows)
    with pytest.raises(Boom):
        results.export_csv(model, target)
    assert target.read_bytes() == before  # the old file is untouched
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]  # no half-written leftovers
    with pytest.raises(Boom):
        results.export_csv(model, tmp_path / "new.csv")
    assert not (tmp_path / "new.csv").exists()


def test_geopackage_export_roundtrip_and_atomic(change, tmp_path, monkeypatch):
    from cisc_impervious.plugin.gui import results

    target = tmp_path / "out.gpkg"
    results.export_geopackage(change, target)
    layer = QgsVectorLayer(str(target), "x", "ogr")
    assert layer.isValid() and layer.featureCount() == 3
    values = {f["name"]: f["chg_gain_km2"] for f in layer.getFeatures()}
    assert values["甲"] == pytest.approx(1.0) and values["乙"] == pytest.approx(0.2)
    del layer
    size = target.stat().st_size

    def failing(*args, **kwargs):
        return (results.QgsVectorFileWriter.WriterError.ErrCreateDataSource, "cannot create", "", "")

    monkeypatch.setattr(results.QgsVectorFileWriter, "writeAsVectorFormatV3", failing)
    with pytest.raises(OSError, match="cannot create"):
        results.export_geopackage(change, target)
    assert target.stat().st_size == size
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.gpkg"]


def test_transition_matrix_and_composition(change):
    from cisc_impervious.plugin.gui import charts

    matrix = change.transition_matrix()
    assert matrix[0][1] == pytest.approx(1.2)
    assert matrix[1][0] == pytest.approx(0.3)
    assert sum(map(sum, matrix)) == pytest.approx(14.0)  # valid in both years
    one = change.transition_matrix(1)
    assert sum(map(sum, one)) == pytest.approx(4.0)
    shares_2020 = charts.composition_percent(change, 0, "2020")
    assert sum(shares_2020) == pytest.approx(100.0)
    assert shares_2020[1] == pytest.approx(35.0)  # 3.5 of 10 km2 impervious in 2020
    assert charts.composition_percent(change, 2, "2022") == [0.0, 0.0, 0.0, 0.0]
    assert charts.top_rows(change, "chg_net_km2", 2, absolute=True) == [0, 1]


def test_every_chart_draws_and_saves(change, zonal, tmp_path):
    from cisc_impervious.plugin.gui import charts

    assert charts.matplotlib_available()
    for kind in charts.CHART_KINDS:
        figure = charts.make_figure(kind, change, top_n=2)
        assert figure.axes
        path = charts.save_png(figure, tmp_path / kind)
        assert path.suffix == ".png" and path.read_bytes()[:4] == b"\x89PNG"
    # the heatmap of one zone holds that zone's numbers
    figure = charts.make_figure(charts.CHART_TRANSITIONS, change, selected_row=1)
    texts = [t.get_text() for t in figure.axes[0].texts]
    assert "1.70" in texts and "0.30" in texts
    assert "乙" in figure.axes[0].get_title()
    # zonal results have no transition or gain/loss chart, with a reason
    assert charts.chart_unavailable_reason(charts.CHART_TRANSITIONS, zonal)
    with pytest.raises(ValueError):
        charts.make_figure(charts.CHART_GAIN_LOSS, zonal)
    bars = charts.make_figure(charts.CHART_IMPERVIOUS, zonal, top_n=2).axes[0].patches
    assert sorted(round(b.get_width(), 6) for b in bars) == [0.25, 4.0]
    assert not [p for p in tmp_path.iterdir() if ".part" in p.name]


def test_charts_module_imports_matplotlib_lazily():
    from tools.plugin_package import link_folder

    code = (
        f"import sys; sys.path.insert(0, {str(link_folder())!r}); "
        "import cisc_impervious.plugin.gui.charts as c; "
        "assert 'matplotlib' not in sys.modules, 'imported eagerly'; "
        "print(c.matplotlib_available())"
    )
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120, check=False)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().endswith("True")


def test_dock_degrades_to_the_table_without_matplotlib(plugin, qgis_iface, change, monkeypatch):
    from cisc_impervious.plugin.gui import charts
    from cisc_impervious.plugin.gui.dock import StatisticsDock

    monkeypatch.setitem(charts._matplotlib_state, "checked", True)
    monkeypatch.setitem(charts._matplotlib_state, "ok", False)
    monkeypatch.setitem(charts._matplotlib_state, "error", "No module named 'matplotlib'")
    dock = StatisticsDock(qgis_iface)
    try:
        dock.set_result(change)
        assert dock.model.rowCount() == 3  # the table is there
        assert dock.current_figure() is None
        assert "matplotlib" in dock.chartNoteLabel.text()
        assert not dock.savePngButton.isEnabled()
    finally:
        dock.disconnect_project()
        dock.deleteLater()
