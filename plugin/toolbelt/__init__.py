"""Small QGIS-side helpers shared by the plugin: translation, logging, settings."""
