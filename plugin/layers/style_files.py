"""Write the shipped .qml styles (resources/styles) from the code that styles the layers.

Run `python -m tools.generate_styles` after changing plugin/layers/styling.py;
tests/test_layers.py checks that the shipped files and the code agree.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Dict

from qgis.core import QgsMapLayer, QgsRasterLayer, QgsVectorLayer

from . import styling

STYLES_DIR = Path(__file__).resolve().parents[2] / "resources" / "styles"
STYLE_FILES = {
    "classes": "cisc_classes.qml",
    "impervious_only": "cisc_impervious_only.qml",
    "valid_mask": "valid_mask.qml",
    "dates": "acquisition_dates.qml",
}
# The shipped date style cannot know the data's field: it uses this name (the plugin detects it).
DEFAULT_DATE_FIELD = "date"


def _byte_raster(path: str) -> None:
    from osgeo import gdal

    driver = gdal.GetDriverByName("GTiff")
    ds = driver.Create(path, 4, 4, 1, gdal.GDT_Byte)
    ds.SetGeoTransform((0, 30, 0, 120, 0, -30))
    ds.GetRasterBand(1).Fill(1)
    ds = None


def styled_template_layers(folder: str) -> Dict[str, QgsMapLayer]:
    raster = os.path.join(folder, "template.tif")
    _byte_raster(raster)
    layers = {}
    for key in ("classes", "impervious_only", "valid_mask"):
        layer = QgsRasterLayer(raster, key, "gdal")
        if key == "valid_mask":
            styling.style_valid_mask(layer)
        else:
            styling.style_classes(layer, impervious_only=key == "impervious_only")
        layers[key] = layer
    dates = QgsVectorLayer(f"Polygon?field={DEFAULT_DATE_FIELD}:string(10)", "dates", "memory")
    styling.apply_date_style(dates, DEFAULT_DATE_FIELD, False, styling.default_style_months(), with_other=True)
    layers["dates"] = dates
    return layers


def write_style_files(folder=STYLES_DIR) -> Dict[str, str]:
    """Write the four .qml files into folder; returns key -> path."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = {}
    with tempfile.TemporaryDirectory(prefix="cisc_styles_") as tmp:
        layers = styled_template_layers(tmp)
        for key, layer in layers.items():
            path = folder / STYLE_FILES[key]
            message, ok = layer.saveNamedStyle(str(path))
            if not ok:
                raise OSError(f"{path}: {message}")
            written[key] = str(path)
        del layers
    return written
