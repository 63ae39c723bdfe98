"""Pure logic of the plugin: numpy, GDAL/rasterio and the standard library only.

Nothing here imports Qt or qgis, so it runs and is tested without a GUI.
"""
