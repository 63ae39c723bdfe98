"""Regenerate resources/styles/{cisc_classes,cisc_impervious_only,valid_mask,acquisition_dates}.qml.

QT_QPA_PLATFORM=offscreen .venv/bin/python tools/generate_styles.py
"""

import os
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def main() -> int:
    parent = Path(tempfile.gettempdir()) / f"cisc_pkg_{os.getuid()}"
    parent.mkdir(exist_ok=True)
    link = parent / "cisc_impervious"
    if not link.exists():
        link.symlink_to(REPO, target_is_directory=True)
    sys.path.insert(0, str(parent))
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
