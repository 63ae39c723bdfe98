"""The CISC Impervious Surface plugin package.

core/ is pure Python (numpy, GDAL/rasterio); everything else adapts it to QGIS.
"""
