"""A ResultSet from the output layers of a dock run: one row per zone with the statistics of
every step, zone labels from the name field, and a memory layer with the zones' geometry,
attributes and statistics (the copy added to the project and exported to GeoPackage)."""

import math
from typing import List

from qgis.core import QgsFeature, QgsField, QgsFields, QgsVectorLayer, QgsWkbTypes

from ..toolbelt.i18n import tr
from ..toolbelt.qgis_compat import FIELD_DOUBLE, is_null, new_field, python_value
from .results import ResultSet, columns_for


def null_to_none(value):
    """A number, or None for NULL / NaN / anything not numeric."""
    value = python_value(value)  # NULL: a null QVariant (Qt 5) or None (Qt 6)
    if value is None:
        return None
    try:
        if hasattr(value, "isNull") and value.isNull():
            return None
    except TypeError:
        pass
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def text_of(value) -> str:
    if is_null(value):
        return ""
    try:
        if hasattr(value, "isNull") and value.isNull():
            return ""
    except TypeError:
        pass
    return str(value)


def build_result(outputs: List[dict], request: dict) -> ResultSet:
    """Raise ValueError (worded for the user) when the outputs do not hold what the run asked."""
    analysis = request["analysis"]
    columns = columns_for(analysis)
    layers = [o.get("OUTPUT") for o in outputs]
    if not layers or any(layer is None for layer in layers):
        raise ValueError(tr("the algorithm returned no output layer"))
    first = layers[0]
    features = [list(layer.getFeatures()) for layer in layers]
    count = len(features[0])
    if any(len(f) != count for f in features):
        raise ValueError(tr("the two runs returned different numbers of zones"))

    name_field = request["name_field"]
    name_index = first.fields().indexOf(name_field) if name_field else -1
    labels, rows = [], []
    for i, feature in enumerate(features[0]):
        label = text_of(feature.attributes()[name_index]) if name_index >= 0 else ""
        labels.append(label or tr("Zone {n}").format(n=i + 1))
        rows.append({})
    for layer, feats in zip(layers, features):
        fields = layer.fields()
        for column in columns:
            index = fields.indexOf(column.key)
            if index < 0:
                continue
            for i, feature in enumerate(feats):
                rows[i][column.key] = null_to_none(feature.attributes()[index])
    missing = [c.key for c in columns if c.key not in rows[0]] if rows else []
    if missing:
        raise ValueError(tr("missing output fields: {fields}").format(fields=", ".join(missing)))

    # result layer: zone attributes and geometry of the first output, statistics of all
    fields = QgsFields()
    for f in first.fields():
        fields.append(QgsField(f))
    extra = []
    for column in columns:
        if fields.indexOf(column.key) < 0:
            fields.append(new_field(column.key, FIELD_DOUBLE))
            extra.append(column.key)
    crs = first.crs()
    uri = "{}?crs={}".format(QgsWkbTypes.displayString(first.wkbType()), crs.authid() or "")
    layer = QgsVectorLayer(uri, "results", "memory")
    if not crs.authid():
        layer.setCrs(crs)
    provider = layer.dataProvider()
    provider.addAttributes(list(fields))
    layer.updateFields()
    new_features = []
    first_count = first.fields().count()
    for i, feature in enumerate(features[0]):
        out = QgsFeature(layer.fields())
        out.setGeometry(feature.geometry())
        attributes = list(feature.attributes())[:first_count]
        attributes += [rows[i].get(key) for key in extra]
        out.setAttributes(attributes)
        new_features.append(out)
    provider.addFeatures(new_features)
    layer.updateExtents()
    return ResultSet(
        analysis=analysis,
        zone_labels=labels,
        rows=rows,
        columns=columns,
        label_header=tr("Zone"),
        layer=layer,
        zones_name=request["zones_name"],
        key_field=name_field or "",
    )
