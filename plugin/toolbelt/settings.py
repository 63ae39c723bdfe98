"""Typed plugin settings, read and written through QgsSettings under "cisc_impervious/".

Add a field to PluginSettings with its default; its type drives the conversion.
"""

from dataclasses import asdict, dataclass, fields

from qgis.core import QgsSettings

SETTINGS_PREFIX = "cisc_impervious"


@dataclass
class PluginSettings:
    # Add-layers dialog
    source_kind: str = "local"  # "local" | "stream" | "download"
    local_folder: str = ""
    download_folder: str = ""
    years: str = "2020,2022"
    add_masks: bool = True
    add_dates: bool = True
    # Dock
    low_valid_threshold_pct: float = 50.0
    top_n_chart: int = 15
    last_export_folder: str = ""
    dock_analysis: str = "change"  # "2020" | "2022" | "both" | "change"
    dock_source: str = "layers"  # "layers" | "folder"
    dock_folder: str = ""
    dock_add_layer: bool = True
    dock_join: bool = False
    dock_zones_layer: str = ""  # id of the last zones layer used (the default while in the project)
    dock_zones_source: str = ""  # and its source, for the same layer in another session
    dock_splitter: str = ""  # base64 of the inputs/results splitter state
    dock_results_window: bool = False  # results (table and charts) in their own window
    dock_results_geometry: str = ""  # base64 of that window's geometry
    # Engine
    threads: int = 0  # 0: all cores


def read_settings() -> PluginSettings:
    store = QgsSettings()
    values = {}
    for field in fields(PluginSettings):
        default = field.default
        values[field.name] = store.value(
            f"{SETTINGS_PREFIX}/{field.name}", default, type=type(default)
        )
    return PluginSettings(**values)


def write_settings(settings: PluginSettings) -> None:
    store = QgsSettings()
    for name, value in asdict(settings).items():
        store.setValue(f"{SETTINGS_PREFIX}/{name}", value)


def update_settings(**changes) -> PluginSettings:
    settings = read_settings()
    for name, value in changes.items():
        if not hasattr(settings, name):
            raise AttributeError(f"unknown setting {name!r}")
        setattr(settings, name, value)
    write_settings(settings)
    return settings
