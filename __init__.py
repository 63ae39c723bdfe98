"""QGIS entry point of the CISC Impervious Surface plugin."""


def classFactory(iface):  # noqa: N802 (QGIS API name)
    from .plugin.plugin_main import CiscPlugin

    return CiscPlugin(iface)
