"""The plugin object QGIS loads: CISC menu and toolbar, Processing provider, dock.

GUI modules are imported when first used, so a missing optional dependency of one
feature never stops the plugin from loading.
"""

from pathlib import Path

from qgis.core import QgsApplication
from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtGui import QIcon
from qgis.PyQt.QtWidgets import QAction, QMenu, QToolBar

from .toolbelt.i18n import install_translator, remove_translator, tr
from .toolbelt.log import attach_message_log, detach_message_log, get_logger

PLUGIN_DIR = Path(__file__).resolve().parents[1]
ICON_DIR = PLUGIN_DIR / "resources" / "icons"
MENU_OBJECT_NAME = "mCiscImperviousMenu"
TOOLBAR_OBJECT_NAME = "mCiscImperviousToolBar"

log = get_logger("plugin")


def plugin_icon(name: str = "cisc.svg") -> QIcon:
    return QIcon(str(ICON_DIR / name))


class CiscPlugin:
    def __init__(self, iface):
        self.iface = iface
        self.provider = None
        self.menu = None
        self.toolbar = None
        self.actions = {}
        self.dock = None
        self.layer_post_processors = []
        self.toolbox_actions = []
        install_translator()
        attach_message_log()

    # -- Processing -------------------------------------------------------
    def initProcessing(self):  # noqa: N802 (QGIS API name)
        from .layers import report
        from .processing.alg_report import set_report_builder
        from .processing.provider import CiscProvider

        set_report_builder(report)  # cisc:report builds its layout with the layers tier

        if self.provider is None:
            provider = CiscProvider()
            # addProvider() refuses (and deletes) a provider whose id is already registered
            if QgsApplication.processingRegistry().addProvider(provider):
                self.provider = provider
            else:
                log.warning("A Processing provider with id 'cisc' is already registered.")

    # -- GUI ----------------------------------------------------------------
    def initGui(self):  # noqa: N802 (QGIS API name)
        self.initProcessing()
        main_window = self.iface.mainWindow()

        self.menu = QMenu(tr("CISC"), main_window)
        self.menu.setObjectName(MENU_OBJECT_NAME)
        self.toolbar = QToolBar(tr("CISC"), main_window)
        self.toolbar.setObjectName(TOOLBAR_OBJECT_NAME)
        self.iface.addToolBar(self.toolbar)

        self._add_action(
            "add_layers", tr("Add CISC layers…"), self.show_add_layers_dialog, "cisc.svg", toolbar=True
        )
        self._add_action(
            "dock", tr("Impervious surface statistics"), self.toggle_dock, "statistics.svg", toolbar=True
        )
        self.actions["dock"].setCheckable(True)
        self._add_action(
            "impervious_only", tr("Show impervious surface only"), self.style_impervious_only, "impervious.svg"
        )
        self._add_action(
            "modeler", tr("Open the change report in the graphical modeler…"), self.open_model_in_modeler, None
        )
        self._register_toolbox_actions()
        self.menu.addSeparator()
        self._add_action("about", tr("About the CISC dataset…"), self.show_about, None)

        menu_bar = main_window.menuBar()
        help_menu = self.iface.helpMenu() if hasattr(self.iface, "helpMenu") else None
        if help_menu is not None and help_menu.menuAction() in menu_bar.actions():
            menu_bar.insertMenu(help_menu.menuAction(), self.menu)
        else:
            menu_bar.addMenu(self.menu)

    def _add_action(self, key, text, slot, icon_name, toolbar=False):
        icon = plugin_icon(icon_name) if icon_name and (ICON_DIR / icon_name).exists() else plugin_icon()
        action = QAction(icon, text, self.iface.mainWindow())
        action.setObjectName(f"mCisc_{key}")
        action.triggered.connect(slot)
        self.menu.addAction(action)
        if toolbar:
            self.toolbar.addAction(action)
        self.actions[key] = action
        return action

    def _register_toolbox_actions(self):
        """Right-click "Open in the graphical modeler…" on the CISC models in the toolbox (QGIS
        offers "Edit Model…" only for its own providers' models)."""
        try:
            from processing.gui.ProviderActions import ProviderContextMenuActions

            from .gui.modeler import toolbox_context_actions

            self.toolbox_actions = toolbox_context_actions()
            ProviderContextMenuActions.registerProviderContextMenuActions(self.toolbox_actions)
        except Exception as error:  # noqa: BLE001 (Processing's Python plugin missing or changed)
            self.toolbox_actions = []
            log.warning("No toolbox action for the CISC models: %s", error)

    def _unregister_toolbox_actions(self):
        if self.toolbox_actions:
            from processing.gui.ProviderActions import ProviderContextMenuActions

            try:
                ProviderContextMenuActions.deregisterProviderContextMenuActions(self.toolbox_actions)
            except ValueError:  # Processing was reloaded meanwhile: its list no longer holds them
                pass
            self.toolbox_actions = []

    def unload(self):
        self._unregister_toolbox_actions()
        self._stop_layer_tasks()
        if self.dock is not None:
            self.dock.shutdown()  # its run, save dialogs and results window end here
            self.iface.removeDockWidget(self.dock)
            self.dock.deleteLater()
            self.dock = None
        for action in self.actions.values():
            action.triggered.disconnect()
            if self.toolbar is not None:
                self.toolbar.removeAction(action)
            action.deleteLater()
        self.actions = {}
        if self.menu is not None:
            self.menu.menuAction().setVisible(False)
            self.iface.mainWindow().menuBar().removeAction(self.menu.menuAction())
            self.menu.deleteLater()
            self.menu = None
        if self.toolbar is not None:
            self.iface.mainWindow().removeToolBar(self.toolbar)
            self.toolbar.deleteLater()
            self.toolbar = None
        if self.provider is not None:
            QgsApplication.processingRegistry().removeProvider(self.provider)
            self.provider = None
        detach_message_log()
        remove_translator()

    @staticmethod
    def _stop_layer_tasks():
        """Close the Add-layers dialogs and cancel their tasks (downloads, Zenodo probes): no
        dialog or callback of the plugin outlives its unload."""
        import sys

        dialogs = sys.modules.get(f"{__package__}.gui.add_layers_dialog")
        if dialogs is not None:
            dialogs.close_all()
        network = sys.modules.get(f"{__package__}.layers.network_task")
        if network is not None:
            network.cancel_running_tasks()
        file_dialogs = sys.modules.get(f"{__package__}.gui.file_dialogs")
        if file_dialogs is not None:
            file_dialogs.close_all()

    # -- Actions ------------------------------------------------------------
    def show_add_layers_dialog(self):
        from .gui.add_layers_dialog import AddLayersDialog

        dialog = AddLayersDialog(self.iface, parent=self.iface.mainWindow())
        dialog.exec()

    def toggle_dock(self, checked=None):
        from .gui.dock import StatisticsDock

        if self.dock is None:
            self.dock = StatisticsDock(self.iface, parent=self.iface.mainWindow())
            self.dock.setObjectName("CiscStatisticsDock")
            self.iface.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.dock)
            self.dock.visibilityChanged.connect(self.actions["dock"].setChecked)
            self.dock.show()
            return
        self.dock.setVisible(not self.dock.isVisible())

    def open_model_in_modeler(self):
        from .gui.modeler import open_in_modeler

        return open_in_modeler()

    def style_impervious_only(self):
        from .layers.styling import apply_impervious_only_to_active_layer

        apply_impervious_only_to_active_layer(self.iface)

    @staticmethod
    def about_text() -> str:
        """The About box: the citation (it holds the DOI and the Zenodo record) and the record's
        address, each once."""
        from .core.dataset import CITATION, RECORD_URL

        return tr(
            "China Impervious Surface Cover 2020 and 2022 (CISC), 30 m.\n\n"
            "Cite: {citation}\nZenodo record: {url}\n\n"
            "Vegetation and water are auxiliary classes whose reliability is not guaranteed "
            "by the authors. A value of 0 is bare land only where the year's valid mask is set."
        ).format(citation=CITATION, url=RECORD_URL)

    def show_about(self):
        from .gui import message_box

        message_box.information(self.iface.mainWindow(), tr("About the CISC dataset"), self.about_text())
