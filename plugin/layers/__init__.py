"""QGIS-side layers: loading, styling, downloading and the demo project of the CISC data."""
