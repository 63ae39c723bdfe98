"""The `cisc` Processing provider. Algorithms are listed explicitly, one module each;
models shipped in resources/models/*.model3 are listed too."""

from pathlib import Path

from qgis.core import QgsApplication, QgsProcessingModelAlgorithm, QgsProcessingProvider

from ..plugin_main import plugin_icon
from ..toolbelt.i18n import tr
from ..toolbelt.log import get_logger

MODEL_DIR = Path(__file__).resolve().parents[2] / "resources" / "models"

log = get_logger("processing")


MODEL_TITLES = {
    "changereport": lambda: tr("Change report (statistics, change map, fraction)"),
}


class ShippedModel(QgsProcessingModelAlgorithm):
    """A model from resources/models: id cisc:<name>, with a readable, translated title."""

    def displayName(self):  # noqa: N802
        title = MODEL_TITLES.get(self.name())
        return title() if title else super().displayName()

    def group(self):
        return tr("Reports")


class CiscProvider(QgsProcessingProvider):
    def id(self):
        return "cisc"

    def name(self):
        return tr("CISC impervious surface")

    def longName(self):  # noqa: N802
        return self.name()

    def icon(self):
        return plugin_icon()

    def supportedOutputRasterLayerExtensions(self):  # noqa: N802
        return ["tif"]

    def defaultRasterFileExtension(self):  # noqa: N802
        return "tif"

    def loadAlgorithms(self):  # noqa: N802
        for algorithm_class in self.algorithm_classes():
            self.addAlgorithm(algorithm_class())
        unresolved = False
        for model in self.models():
            self.addAlgorithm(model)
            unresolved |= not model.outputDefinitions()
        if unresolved:
            # The models' steps are this provider's algorithms, which the registry only knows
            # once the provider is registered: load once more then, so the models resolve them.
            self._reload_when_registered()

    def _reload_when_registered(self):
        registry = QgsApplication.processingRegistry()
        if registry.providerById(self.id()) is self:
            return
        if getattr(self, "_waiting_for_registry", False):
            return
        self._waiting_for_registry = True

        def on_provider_added(provider_id):
            if provider_id != self.id():
                return
            try:
                registry.providerAdded.disconnect(on_provider_added)
            except TypeError:
                pass
            self._waiting_for_registry = False
            if registry.providerById(self.id()) is self:
                self.refreshAlgorithms()

        registry.providerAdded.connect(on_provider_added)

    @staticmethod
    def algorithm_classes():
        from .alg_acquisition_dates import AcquisitionDatesAlgorithm
        from .alg_change_map import ChangeMapAlgorithm
        from .alg_change_statistics import ChangeStatisticsAlgorithm
        from .alg_impervious_fraction import ImperviousFractionAlgorithm
        from .alg_zonal_statistics import ZonalStatisticsAlgorithm

        return [
            ZonalStatisticsAlgorithm,
            ChangeStatisticsAlgorithm,
            ChangeMapAlgorithm,
            ImperviousFractionAlgorithm,
            AcquisitionDatesAlgorithm,
        ]

    @staticmethod
    def model_paths():
        return sorted(MODEL_DIR.glob("*.model3"))

    def models(self):
        models = []
        for path in self.model_paths():
            model = ShippedModel()
            if model.fromFile(str(path)):
                models.append(model)
            else:
                log.warning("Could not load the model %s.", path)
        return models
