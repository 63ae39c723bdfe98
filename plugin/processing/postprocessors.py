"""Layer post-processors: styles applied to loaded outputs on the main thread.

Processing calls postProcessLayer() on the main thread once the algorithm has finished and
the output is loaded, so styling never happens inside the algorithm's worker thread.
Processing does not own the post-processor objects: a module-level registry keeps them
alive (one per output, replaced when the same output is produced again).
"""

from pathlib import Path

from qgis.core import QgsProcessingLayerPostProcessorInterface

from ..toolbelt.log import get_logger

STYLE_DIR = Path(__file__).resolve().parents[2] / "resources" / "styles"
CHANGE_MAP_STYLE = STYLE_DIR / "change_map.qml"
FRACTION_STYLE = STYLE_DIR / "impervious_fraction.qml"

log = get_logger("processing.style")

# keeps post-processors alive until Processing has used them (keyed by output id)
_POST_PROCESSORS = {}
_MAX_KEPT = 64


class StyleLoader(QgsProcessingLayerPostProcessorInterface):
    """Loads a .qml style onto the output layer."""

    def __init__(self, style_path: Path, layer_name: str = None):
        super().__init__()
        self.style_path = Path(style_path)
        self.layer_name = layer_name
        self.applied_to = []

    def postProcessLayer(self, layer, context, feedback):  # noqa: N802
        if layer is None or not layer.isValid():
            return
        message, ok = layer.loadNamedStyle(str(self.style_path))
        if not ok:
            log.warning("Could not apply the style %s to %s: %s", self.style_path, layer.source(), message)
            return
        layer.triggerRepaint()
        self.applied_to.append(layer.id())


def attach_style(context, output_id: str, style_path: Path, layer_name: str = None):
    """Style output_id with style_path when Processing loads it on completion."""
    if not output_id or not context.willLoadLayerOnCompletion(output_id):
        return None
    post_processor = StyleLoader(style_path, layer_name)
    if len(_POST_PROCESSORS) >= _MAX_KEPT:
        _POST_PROCESSORS.pop(next(iter(_POST_PROCESSORS)))
    _POST_PROCESSORS[output_id] = post_processor
    context.layerToLoadOnCompletionDetails(output_id).setPostProcessor(post_processor)
    return post_processor


def kept_post_processors():
    return dict(_POST_PROCESSORS)
