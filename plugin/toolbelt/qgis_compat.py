"""QGIS 3 / QGIS 4 (Qt 5 / Qt 6) compatibility: field types and NULL values.

Field types: from QGIS 3.38 on, QgsField is made with QMetaType.Type values
(QMetaType.Type.Double, QMetaType.Type.QDate, ...); before 3.38 it took QVariant.Type values
(QVariant.Double, QVariant.Date, ...), which Qt 6 no longer has. The plugin takes every field
type from here (FIELD_DOUBLE, FIELD_DATE, ...), makes fields with new_field() and compares
types with is_field_type(): this is the one module where QVariant field types may stand.
With Qt 5 both enums give a type the same number (QVariant::Double == QMetaType::Double == 6),
so numbers are what is compared.

NULL: QGIS with Qt 5 gives a NULL attribute as a null QVariant (qgis.core.NULL), QGIS with
Qt 6 as None; is_null() is true for both.
"""

from qgis.core import Qgis, QgsField
from qgis.PyQt.QtCore import QMetaType, QVariant

QGIS_VERSION_INT = Qgis.QGIS_VERSION_INT
#: QgsField takes QMetaType.Type field types (QGIS >= 3.38; the only kind with Qt 6)
FIELD_TYPES_ARE_QMETATYPE = QGIS_VERSION_INT >= 33800

if FIELD_TYPES_ARE_QMETATYPE:
    FIELD_BOOL = QMetaType.Type.Bool
    FIELD_INT = QMetaType.Type.Int
    FIELD_LONG = QMetaType.Type.LongLong
    FIELD_DOUBLE = QMetaType.Type.Double
    FIELD_STRING = QMetaType.Type.QString
    FIELD_DATE = QMetaType.Type.QDate
    FIELD_DATETIME = QMetaType.Type.QDateTime
else:  # QGIS < 3.38, always Qt 5
    FIELD_BOOL = QVariant.Bool
    FIELD_INT = QVariant.Int
    FIELD_LONG = QVariant.LongLong
    FIELD_DOUBLE = QVariant.Double
    FIELD_STRING = QVariant.String
    FIELD_DATE = QVariant.Date
    FIELD_DATETIME = QVariant.DateTime


def field_type_id(field_type) -> int:
    """The number of a field type: a QVariant.Type, a QMetaType.Type (a Python enum in PyQt6) or an int."""
    return int(getattr(field_type, "value", field_type))


def field_type(field: QgsField) -> int:
    """The number of a field's type, comparable with field_type_id(FIELD_...) on every QGIS."""
    return field_type_id(field.type())


def is_field_type(field: QgsField, expected) -> bool:
    """True when the field's type is expected (FIELD_DOUBLE, ...), whichever enum each side uses."""
    return field_type(field) == field_type_id(expected)


def new_field(name: str, field_type, type_name: str = "", length: int = 0, precision: int = 0) -> QgsField:
    """QgsField(name, field_type, type_name, length, precision) with a FIELD_... type, on every QGIS."""
    try:
        return QgsField(name, field_type, type_name, length, precision)
    except TypeError:
        # QGIS < 3.38 has only the QVariant.Type constructor, which takes the type's number
        return QgsField(name, field_type_id(field_type), type_name, length, precision)


def is_null(value) -> bool:
    """True for None and QGIS's NULL (a null QVariant with Qt 5, None with Qt 6)."""
    if value is None:
        return True
    return isinstance(value, QVariant) and value.isNull()


def python_value(value):
    """A plain Python value: None for NULL, the content of a (non-null) QVariant, else value itself."""
    if is_null(value):
        return None
    if isinstance(value, QVariant):
        return value.value()
    return value


def scale_bar_fit_width():
    """A scale bar's "fit the segment width" mode: Qgis.ScaleBarSegmentSizeMode.FitWidth where
    QGIS has it (3.40 takes nothing else), QgsScaleBarSettings.SegmentSizeMode before."""
    from qgis.core import Qgis

    modes = getattr(Qgis, "ScaleBarSegmentSizeMode", None)
    if modes is not None:
        return modes.FitWidth
    from qgis.core import QgsScaleBarSettings

    return QgsScaleBarSettings.SegmentSizeMode.SegmentSizeFitWidth
