"""The plugin loads, unloads and reloads cleanly in QGIS."""

from qgis.core import QgsApplication
from qgis.PyQt.QtWidgets import QMenu, QToolBar


def _cisc_menus(main_window):
    return [m for m in main_window.findChildren(QMenu, "mCiscImperviousMenu")]


def test_metadata_complete():
    from configparser import ConfigParser

    from conftest import REPO_ROOT

    parser = ConfigParser()
    parser.read(REPO_ROOT / "metadata.txt", encoding="utf-8")
    general = parser["general"]
    for key in (
        "name", "qgisMinimumVersion", "qgisMaximumVersion", "description", "about", "version",
        "author", "email", "repository", "tracker", "homepage", "tags", "category", "icon",
        "hasProcessingProvider", "changelog",
    ):
        assert general.get(key, "").strip(), f"metadata.txt lacks {key}"
    assert general["qgisMinimumVersion"] == "3.22"
    assert general["qgisMaximumVersion"] == "4.99"  # QGIS 4 (Qt 6) included
    assert general.getboolean("supportsQt6") is True  # what plugins.qgis.org reads for QGIS 4
    assert general["hasProcessingProvider"] == "yes"
    assert (REPO_ROOT / general["icon"]).exists()


def test_plugin_registers_menu_toolbar_and_provider(plugin, qgis_iface):
    registry = QgsApplication.processingRegistry()
    assert registry.providerById("cisc") is plugin.provider
    main_window = qgis_iface.mainWindow()
    menu = plugin.menu
    assert menu.title() == "CISC"
    assert menu.menuAction() in main_window.menuBar().actions()
    texts = [a.text() for a in menu.actions() if a.text()]
    assert any("Add CISC layers" in t for t in texts)
    assert plugin.toolbar.actions(), "toolbar has no buttons"


def test_unload_and_reload_leave_nothing_behind(qgis_app, qgis_iface, qgis_processing):
    import cisc_impervious

    registry = QgsApplication.processingRegistry()
    main_window = qgis_iface.mainWindow()
    before_menus = len(main_window.menuBar().actions())
    before_toolbars = len([t for t in main_window.findChildren(QToolBar) if t.isVisibleTo(main_window)])
    for _ in range(2):
        second = cisc_impervious.classFactory(qgis_iface)
        second.initGui()
        # the session's plugin holds the id: a second provider is refused, not crashed on
        assert second.provider is None
        assert second.menu.menuAction() in main_window.menuBar().actions()
        second.unload()
        assert second.menu is None and second.toolbar is None
        QgsApplication.processEvents()
    assert len(main_window.menuBar().actions()) == before_menus
    toolbars = [t for t in main_window.findChildren(QToolBar) if t.isVisibleTo(main_window)]
    assert len(toolbars) == before_toolbars
    assert registry.providerById("cisc") is not None  # the session plugin's provider is still there
