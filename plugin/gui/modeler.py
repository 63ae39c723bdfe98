"""Open the plugin's model (cisc:changereport) in QGIS's graphical modeler.

QGIS's Processing toolbox offers "Edit Model…" only for the models of its own providers
("model": the user's models folder, "project": models saved in the project), never for a model
of a plugin's provider. So the plugin opens the modeler itself (CISC menu, and the toolbox's
context menu on the model): the modeler edits a copy; "Save" asks for a file in the user's
models folder, after which the copy is listed under Models in the toolbox. The plugin's own
model is left as shipped.
"""

from qgis.core import QgsApplication, QgsProcessingModelAlgorithm

from ..processing.model_change_report import MODEL_ID
from ..toolbelt.i18n import tr
from ..toolbelt.log import get_logger

log = get_logger("gui.modeler")


def open_in_modeler(algorithm_id: str = MODEL_ID):
    """Show the graphical modeler on a copy of the model algorithm_id; return the dialog (None
    when the model is not available)."""
    from processing.modeler.ModelerDialog import ModelerDialog

    model = QgsApplication.processingRegistry().algorithmById(algorithm_id)
    if not isinstance(model, QgsProcessingModelAlgorithm):
        log.warning(tr("The model {id} is not available: is the CISC Processing provider loaded?").format(
            id=algorithm_id))
        return None
    dialog = ModelerDialog.create(model)  # edits model.create(), a copy
    dialog.update_model.connect(_refresh_user_models)
    dialog.show()
    dialog.activate()
    return dialog


def _refresh_user_models():
    """After "Save in project" (as QGIS's own "Edit Model…" does)."""
    for provider_id in ("model", "project"):
        provider = QgsApplication.processingRegistry().providerById(provider_id)
        if provider is not None:
            provider.refreshAlgorithms()


def toolbox_context_actions():
    """The toolbox's right-click action "Open in the graphical modeler…" for the CISC models
    (registered by the plugin with Processing's ProviderContextMenuActions)."""
    from processing.gui.ContextAction import ContextAction

    class OpenInModelerAction(ContextAction):
        def __init__(self):
            super().__init__()
            self.name = tr("Open in the graphical modeler…")

        def icon(self):
            return QgsApplication.getThemeIcon("/processingModel.svg")

        def isEnabled(self):  # noqa: N802
            algorithm = getattr(self, "itemData", None)
            return (
                isinstance(algorithm, QgsProcessingModelAlgorithm)
                and algorithm.provider() is not None
                and algorithm.provider().id() == "cisc"
            )

        def execute(self):
            open_in_modeler(self.itemData.id())

    return [OpenInModelerAction()]
