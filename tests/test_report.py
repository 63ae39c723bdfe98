"""cisc:report: the PDF report of a statistics layer, rendered from demo-like data and read back
with poppler (pdfinfo, pdftotext): page count, the table's zone names and rounded impervious
areas (compared with the statistics output), the citation and DOI; in Chinese too."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from osgeo import gdal, ogr, osr

for _module in (gdal, ogr, osr):  # datafactory restores GDAL's exception mode on exit
    _module.UseExceptions()

from tests import datafactory as df  # noqa: E402
from tests.test_processing_statistics import processing_error  # noqa: E402

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) is missing")

DOI = "10.1038/s41597-026-06619-3"
ZONES = 12


@pytest.fixture(scope="module")
def statistics(tmp_path_factory, plugin):
    """Demo-like data (tools/demo.py at a smaller size) and the statistics outputs."""
    import processing

    folder = tmp_path_factory.mktemp("report")
    sample = df.make_cisc_set(folder / "data", 640, 560, seed=3, with_dates=False)
    zones = df.write_zones(str(folder / "data" / "counties_4490.gpkg"), df.make_counties(ZONES, sample, 3), 4490,
                           names=[f"County {i + 1:02d}" for i in range(ZONES)])
    zonal = processing.run("cisc:zonalstatistics", {
        "INPUT": sample.cisc_2022, "VALID_MASK": sample.valid_mask_2022, "ZONES": zones,
        "OUTPUT": str(folder / "zonal_2022.gpkg")})["OUTPUT"]
    change = processing.run("cisc:changestatistics", {
        "INPUT_FROM": sample.cisc_2020, "VALID_MASK_FROM": sample.valid_mask_2020,
        "INPUT_TO": sample.cisc_2022, "VALID_MASK_TO": sample.valid_mask_2022, "ZONES": zones,
        "OUTPUT": str(folder / "change.gpkg")})["OUTPUT"]
    return {"folder": folder, "zonal": zonal, "change": change}


def _values(path, field):
    layer = ogr.Open(str(path))
    return {f.GetField("name"): f.GetField(field) for f in layer.GetLayer(0)}


def pdf_pages(path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.MULTILINE).group(1))


def pdf_text(path, first=None, last=None) -> str:
    command = ["pdftotext", "-layout"]
    if first:
        command += ["-f", str(first)]
    if last:
        command += ["-l", str(last)]
    text = subprocess.run(command + [str(path), "-"], capture_output=True, text=True, check=True).stdout
    return text.replace("\ufb01", "fi").replace("\ufb02", "fl")  # the PDF's ligatures


def table_lines(text: str):
    """{zone: [numbers]} of the table's rows ("County 01  1.2345  12.34 ...")."""
    rows = {}
    for line in text.splitlines():
        match = re.match(r"\s*(County \d\d)( \*)?\s+(.*)$", line)
        if match:
            rows[match.group(1)] = match.group(3).split()
    return rows


def run_report(statistics, name, **extra):
    import processing

    output = statistics["folder"] / name
    parameters = {"INPUT": statistics["zonal"], "OUTPUT": str(output)}
    parameters.update(extra)
    result = processing.run("cisc:report", parameters)
    assert result["OUTPUT"] == str(output)
    return output


def test_zonal_report_pdf(statistics):
    output = run_report(statistics, "zonal.pdf", NAME_FIELD="name")
    assert output.read_bytes()[:5] == b"%PDF-"
    assert not list(output.parent.glob(".*.part.pdf"))  # the temporary file is gone
    pages = pdf_pages(output)
    assert pages == 3  # map, charts, 12 zones on one table page
    text = pdf_text(output)
    page1 = pdf_text(output, 1, 1)
    assert "Impervious surface report" in page1
    assert "Impervious share of the valid area 2022 (%)" in page1  # the legend of the shaded map
    flat = " ".join(text.split())
    assert DOI in flat
    assert "China Impervious Surface Cover 2020 and 2022 (CISC2020, CISC2022). Scientific Data." in flat
    assert "not guaranteed" in flat and "not clipped" in flat
    # the table: every zone, sorted by impervious area, with its rounded area and share
    table = pdf_text(output, 3, pages)
    header = " ".join(table.split("County")[0].split())  # long headers wrap within their column
    for word in ("Zone", "Impervious", "area", "share", "(km²)", "Valid", "coverage", "(%)"):
        assert word in header, word
    rows = table_lines(table)
    areas = _values(statistics["zonal"], "imperv_km2")
    shares = _values(statistics["zonal"], "imperv_pct")
    assert set(rows) == set(areas)
    for zone, cells in rows.items():
        assert cells[0] == f"{round(areas[zone], 4):.4f}", zone
        assert cells[1] == ("–" if shares[zone] is None else f"{round(shares[zone], 2):.2f}"), zone
    order = [m.group(1) for m in re.finditer(r"^\s*(County \d\d)", table, re.MULTILINE)]
    assert order == sorted(areas, key=lambda zone: -areas[zone])


def test_change_report_in_chinese(statistics, qgis_app):
    from cisc_impervious.plugin.toolbelt.i18n import install_translator, remove_translator
    from tests.test_i18n import build_qm

    build_qm()
    assert install_translator("zh_CN") == "zh_CN"
    try:
        output = run_report(statistics, "change_zh.pdf", INPUT=statistics["change"], VALID_THRESHOLD=99.5)
    finally:
        remove_translator()
    text = pdf_text(output)
    flat = " ".join(text.split())
    assert "不透水面" in text
    assert "净变化" in text  # the net change: legend and table header
    assert DOI in flat
    rows = table_lines(pdf_text(output, 3, pdf_pages(output)))
    net = _values(statistics["change"], "net_km2")
    gain = _values(statistics["change"], "gain_km2")
    assert set(rows) == set(net)
    for zone, cells in rows.items():  # 2020, 2022, gain, loss, net, growth, valid coverage
        assert cells[2] == f"{round(gain[zone], 4):.4f}"
        assert cells[4] == f"{round(net[zone], 4):.4f}"


def test_report_refuses_a_non_pdf_output(statistics):
    import processing

    target = statistics["folder"] / "report.txt"
    message = processing_error(processing.run, "cisc:report", {"INPUT": statistics["zonal"], "OUTPUT": str(target)})
    assert ".pdf" in message and "report.txt" in message
    assert not target.exists()


def test_report_refuses_a_layer_without_statistics(statistics, tmp_path):
    import processing

    zones = df.write_zones(str(tmp_path / "plain.gpkg"), [("a", ogr.CreateGeometryFromWkt(
        "POLYGON ((0 0, 1000 0, 1000 1000, 0 1000, 0 0))"))], df.CHINA_ALBERS_WKT, source_crs=df.CHINA_ALBERS_WKT)
    message = processing_error(processing.run, "cisc:report", {"INPUT": zones, "OUTPUT": str(tmp_path / "r.pdf")})
    assert "no CISC statistics" in message
    assert not (tmp_path / "r.pdf").exists()


def test_layout_added_to_the_project(statistics, project):
    """The dock's path: write_report(add_to_project=True) puts the layout in Project > Layouts."""
    from qgis.core import QgsVectorLayer

    from cisc_impervious.plugin.layers.report import result_from_layer, write_report

    layer = QgsVectorLayer(str(statistics["zonal"]), "counties", "ogr")
    result = result_from_layer(layer, "name")
    path, layout = write_report(result, str(statistics["folder"] / "dock.pdf"), project=project, add_to_project=True)
    assert Path(path).exists()
    assert project.layoutManager().layoutByName(layout.name()) is layout
    assert layout.name() == "Impervious surface report – counties"
    assert layout.itemById("map") is not None and layout.itemById("legend") is not None
    # a second export replaces the layout of that name
    write_report(result, str(statistics["folder"] / "dock.pdf"), project=project, add_to_project=True)
    assert len(project.layoutManager().printLayouts()) == 1


def test_dock_export_report(statistics, dock, tmp_path):
    """The dock's "Export report…" writes the same PDF (the code of cisc:report) and adds the layout
    to the project, its map showing the dock's result layer when there is one."""
    from qgis.core import QgsProject, QgsVectorLayer

    from cisc_impervious.plugin.layers.report import result_from_layer

    layer = QgsVectorLayer(str(statistics["change"]), "counties", "ogr")
    dock.set_result(result_from_layer(layer, "name"))
    assert dock.exportReportButton.isEnabled()
    dock.thresholdSpin.setValue(90)
    path = dock.export_report(tmp_path / "dock_report.pdf")
    assert path is not None, dock.message()
    assert pdf_pages(path) == 3
    text = pdf_text(path)
    assert "Net change of impervious area 2020 → 2022 (km²)" in text
    assert "Valid coverage below 90 %" in " ".join(text.split())
    layouts = QgsProject.instance().layoutManager().printLayouts()
    assert [item.name() for item in layouts] == ["Impervious surface report – counties"]
    assert not [p for p in tmp_path.iterdir() if ".part" in p.name]
    dock.set_result(None)
