"""The statistics dock's texts: the .ui's labels through the plugin's translation context,
the short note on valid pixels, the "About the data" page."""

import html

from ..core.dataset import CITATION, DOI, RECORD_URL
from ..toolbelt.i18n import tr


def translate_ui(ui) -> None:
    """Labels of the .ui through the plugin's single translation context."""
    for widget, text in (
        (ui.zonesGroup, tr("Zones")),
        (ui.analysisGroup, tr("Analysis and data")),
    ):
        widget.setTitle(text)
    for widget, text in (
        (ui.zonesLabel, tr("Zones layer")),
        (ui.nameFieldLabel, tr("Zone name field")),
        (ui.analysisLabel, tr("Analysis")),
        (ui.sourceLabel, tr("CISC data")),
        (ui.thresholdLabel, tr("Flag valid coverage below")),
        (ui.topNLabel, tr("Top")),
        (ui.selectedOnlyCheck, tr("Selected features only")),
        (ui.sourceLayersRadio, tr("Layers in the project")),
        (ui.sourceFolderRadio, tr("Folder")),
        (ui.addLayerCheck, tr("Add the results as a new layer to the project")),
        (ui.joinCheck, tr("Join the results onto the zones layer (by the zone name field)")),
        (ui.runButton, tr("Run")),
        (ui.cancelButton, tr("Cancel")),
        (ui.copyButton, tr("Copy")),
        (ui.exportCsvButton, tr("Export CSV…")),
        (ui.exportGpkgButton, tr("Export GeoPackage…")),
        (ui.selectedZoneCheck, tr("Transition matrix of the zone selected in the table (else all zones)")),
        (ui.savePngButton, tr("Save chart as PNG…")),
    ):
        widget.setText(text)
    ui.zonesLayerCombo.setToolTip(tr("Polygon layer of the zones (provinces, cities, counties…), in any CRS"))
    ui.nameFieldCombo.setToolTip(tr("Field used as zone label in the table and charts, and as join key"))
    ui.folderWidget.setToolTip(
        tr("Folder holding cisc_2020.tif, cisc_2022.tif and valid_mask_2020.tif, valid_mask_2022.tif")
    )
    ui.thresholdSpin.setToolTip(
        tr("Zones whose valid share (inside the valid mask and the raster) is below this percentage are flagged")
    )
    ui.copyButton.setToolTip(tr("Copy the selected rows (or all rows) to the clipboard, tab-separated"))
    ui.tabWidget.setTabText(0, tr("Table"))
    ui.tabWidget.setTabText(1, tr("Charts"))
    ui.tabWidget.setTabText(2, tr("About the data"))


def short_note() -> str:
    return tr(
        "Valid: inside the year's valid mask, the only place where a 0 means bare land. "
        "Vegetation and water are auxiliary classes whose reliability is not guaranteed by the "
        "authors. Data: CISC, Scientific Data, DOI {doi}."
    ).format(doi=DOI)


def about_html() -> str:
    parts = [
        "<h3>{}</h3>".format(html.escape(tr("China Impervious Surface Cover 2020 and 2022 (CISC), 30 m"))),
        "<p><b>{}</b> {}</p>".format(
            html.escape(tr("Valid pixels.")),
            html.escape(tr(
                "A pixel is valid when it lies inside the raster, its year's valid mask is set there "
                "and its value is 0 to 3. Invalid pixels (outside China, or without enough 2 m "
                "imagery) are stored as 0, the value of bare land: without the mask they cannot be "
                "told apart. Areas and shares are computed over valid pixels only; the change "
                "statistics use pixels valid in both years."
            )),
        ),
        "<p><b>{}</b> {}</p>".format(
            html.escape(tr("Auxiliary classes.")),
            html.escape(tr(
                "Impervious surface is the product's main class. Vegetation and water are "
                "auxiliary classes whose reliability is not guaranteed by the authors: use their "
                "figures for reference only."
            )),
        ),
        "<p><b>{}</b> {}</p>".format(
            html.escape(tr("Zones.")),
            html.escape(tr(
                "A pixel belongs to a zone when its centre lies inside the zone. Zones with a low "
                "valid coverage are flagged in the table: their figures rest on a small part of "
                "their area. The data are not clipped to coastlines or administrative boundaries."
            )),
        ),
        "<p><b>{}</b> {}<br/>DOI: <a href=\"https://doi.org/{doi}\">{doi}</a><br/>"
        "<a href=\"{url}\">{url}</a></p>".format(
            html.escape(tr("Please cite:")), html.escape(CITATION), doi=DOI, url=RECORD_URL
        ),
    ]
    return "\n".join(parts)
