"""Regenerate resources/styles/{cisc_classes,cisc_impervious_only,valid_mask,acquisition_dates}.qml.

QT_QPA_PLATFORM=offscreen .venv/bin/python -m tools.generate_styles
"""

import sys

from tools.plugin_package import put_plugin_on_path


def main() -> int:
    put_plugin_on_path()
    from qgis.core import QgsApplication

    app = QgsApplication([], False)
    app.initQgis()
    from cisc_impervious.plugin.layers.style_files import write_style_files

    for key, path in write_style_files().items():
        print(f"{key}: {path}")
    app.exitQgis()
    return 0


if __name__ == "__main__":
    sys.exit(main())
