"""The `cisc` Processing provider. Algorithms are listed explicitly, one module each; the
shipped model cisc:changereport is built in code (model_change_report.py), in the user's
language."""

from qgis.core import QgsApplication, QgsProcessingProvider

from ..plugin_main import plugin_icon
from ..toolbelt.i18n import tr


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
        from .alg_report import ReportAlgorithm
        from .alg_web_map_offset import WebMapOffsetAlgorithm
        from .alg_zonal_statistics import ZonalStatisticsAlgorithm

        return [
            ZonalStatisticsAlgorithm,
            ChangeStatisticsAlgorithm,
            ChangeMapAlgorithm,
            ImperviousFractionAlgorithm,
            AcquisitionDatesAlgorithm,
            WebMapOffsetAlgorithm,
            ReportAlgorithm,
        ]

    @staticmethod
    def models():
        from .model_change_report import ChangeReportModel, build_model

        return [build_model(ChangeReportModel)]
