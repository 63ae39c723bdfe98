"""What a dock run asks of Processing: the algorithm steps (cisc:zonalstatistics or
cisc:changestatistics, the same algorithms as the toolbox) and the request the result
builder and the result layer need afterwards."""

from dataclasses import dataclass
from typing import List, Tuple

from qgis.core import QgsCoordinateReferenceSystem, QgsProcessingFeatureSourceDefinition, QgsVectorLayer

from ..processing.base import ZONES_OFFSET
from ..toolbelt.i18n import tr
from .dock_inputs import Sources, years_of
from .results import ANALYSIS_CHANGE, PREFIX_2020, PREFIX_2022, PREFIX_CHANGE
from .task_runner import AlgorithmStep

ALGORITHM_IDS = {"zonal": "cisc:zonalstatistics", "change": "cisc:changestatistics"}


@dataclass
class RunOptions:
    analysis: str
    selected_only: bool
    zones_offset: int
    name_field: str
    add_layer: bool
    join: bool


def build_run(zones: QgsVectorLayer, sources: Sources, options: RunOptions) -> Tuple[List[AlgorithmStep], dict]:
    """The algorithm steps of a run and its request (a dict: analysis, zones, name field...)."""
    analysis = options.analysis
    zones_param = QgsProcessingFeatureSourceDefinition(zones.id(), options.selected_only)
    steps = []
    if analysis == ANALYSIS_CHANGE:
        params = {
            "INPUT_FROM": sources[2020][0],
            "INPUT_TO": sources[2022][0],
            "ZONES": zones_param,
            ZONES_OFFSET: options.zones_offset,
            "COLUMN_PREFIX": PREFIX_CHANGE,
            "OUTPUT": "TEMPORARY_OUTPUT",
        }
        if sources[2020][1]:
            params["VALID_MASK_FROM"] = sources[2020][1]
        if sources[2022][1]:
            params["VALID_MASK_TO"] = sources[2022][1]
        steps.append(AlgorithmStep(ALGORITHM_IDS["change"], params, tr("change statistics 2020 → 2022")))
    else:
        for year in years_of(analysis):
            params = {
                "INPUT": sources[year][0],
                "ZONES": zones_param,
                ZONES_OFFSET: options.zones_offset,
                "COLUMN_PREFIX": PREFIX_2020 if year == 2020 else PREFIX_2022,
                "OUTPUT": "TEMPORARY_OUTPUT",
            }
            if sources[year][1]:
                params["VALID_MASK"] = sources[year][1]
            steps.append(AlgorithmStep(ALGORITHM_IDS["zonal"], params, tr("zonal statistics {year}").format(year=year)))
    raster_crs = sources[years_of(analysis)[-1]][2]
    request = {
        "analysis": analysis,
        "zones_id": zones.id(),
        "zones_name": zones.name(),
        "name_field": options.name_field,
        "raster_crs": raster_crs if raster_crs is not None else QgsCoordinateReferenceSystem(),
        "add_layer": options.add_layer,
        "join": options.join,
        "zones_offset": options.zones_offset,
    }
    return steps, request
