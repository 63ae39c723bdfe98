"""plugin/toolbelt/qgis_compat.py: field types and NULL on both API levels.

The level of this QGIS is tested as it is; the other one (QMetaType.Type field types from
QGIS 3.38 on, QVariant.Type before) by changing Qgis.QGIS_VERSION_INT and reloading the module:
a field made with each of its constants must have the right type on this QGIS too.
"""

import importlib

import pytest
from qgis.core import NULL, Qgis, QgsFields
from qgis.PyQt.QtCore import QMetaType, QVariant

from cisc_impervious.plugin.toolbelt import qgis_compat

# constant -> (QMetaType.Type member, the type's name in Qt's type system)
EXPECTED = {
    "FIELD_BOOL": ("Bool", "bool"),
    "FIELD_INT": ("Int", "int"),
    "FIELD_LONG": ("LongLong", "qlonglong"),
    "FIELD_DOUBLE": ("Double", "double"),
    "FIELD_STRING": ("QString", "QString"),
    "FIELD_DATE": ("QDate", "QDate"),
    "FIELD_DATETIME": ("QDateTime", "QDateTime"),
}
QT6 = not hasattr(QVariant, "Type")  # PyQt6 has no QVariant.Type (QGIS 4 field types are QMetaType only)


def _type_name(type_id: int) -> str:
    name = QMetaType(type_id).name()
    return bytes(name).decode() if isinstance(name, (bytes, bytearray)) or hasattr(name, "data") else str(name)


def _check_fields(module):
    """Every FIELD_ constant of module makes a field of the right type on this QGIS."""
    for constant, (member, type_name) in EXPECTED.items():
        value = getattr(module, constant)
        expected_id = module.field_type_id(getattr(QMetaType.Type, member))
        assert module.field_type_id(value) == expected_id, constant
        field = module.new_field(f"f_{constant.lower()}", value)
        assert field.name() == f"f_{constant.lower()}"
        assert module.field_type(field) == expected_id, constant
        assert _type_name(module.field_type(field)) == type_name, constant
        assert module.is_field_type(field, value)
        assert module.is_field_type(field, getattr(QMetaType.Type, member))
        others = [getattr(module, other) for other in EXPECTED if other != constant]
        assert not any(module.is_field_type(field, other) for other in others), constant
    field = module.new_field("area_km2", module.FIELD_DOUBLE, "double", 20, 6)
    assert (field.typeName(), field.length(), field.precision()) == ("double", 20, 6)
    fields = QgsFields()
    assert fields.append(module.new_field("name", module.FIELD_STRING, "text"))
    assert module.is_field_type(fields.field("name"), module.FIELD_STRING)


@pytest.fixture()
def other_level(monkeypatch):
    """qgis_compat reloaded as on the other side of QGIS 3.38; restored afterwards."""
    current = Qgis.QGIS_VERSION_INT
    other = 32200 if current >= 33800 else 33800
    if other < 33800 and QT6:
        pytest.skip("QVariant.Type field types (QGIS < 3.38) do not exist with Qt 6")
    monkeypatch.setattr(Qgis, "QGIS_VERSION_INT", other)
    yield importlib.reload(qgis_compat)
    monkeypatch.undo()
    importlib.reload(qgis_compat)
    assert qgis_compat.QGIS_VERSION_INT == current


def test_this_qgis_level():
    assert qgis_compat.QGIS_VERSION_INT == Qgis.QGIS_VERSION_INT
    assert qgis_compat.FIELD_TYPES_ARE_QMETATYPE == (Qgis.QGIS_VERSION_INT >= 33800)
    is_qmetatype = isinstance(qgis_compat.FIELD_DOUBLE, type(QMetaType.Type.Double))
    assert is_qmetatype == qgis_compat.FIELD_TYPES_ARE_QMETATYPE
    _check_fields(qgis_compat)


def test_other_qgis_level(other_level):
    assert other_level.FIELD_TYPES_ARE_QMETATYPE == (Qgis.QGIS_VERSION_INT >= 33800)
    is_qmetatype = isinstance(other_level.FIELD_DATE, type(QMetaType.Type.QDate))
    assert is_qmetatype == other_level.FIELD_TYPES_ARE_QMETATYPE
    _check_fields(other_level)


def test_field_type_id_takes_enums_and_ints():
    assert qgis_compat.field_type_id(QMetaType.Type.Double) == 6
    assert qgis_compat.field_type_id(6) == 6
    assert qgis_compat.field_type_id(qgis_compat.FIELD_DOUBLE) == 6


@pytest.mark.parametrize("value", [None, NULL])
def test_null_values(value):
    assert qgis_compat.is_null(value)
    assert qgis_compat.python_value(value) is None


@pytest.mark.parametrize("value", [0, 0.0, "", "x", 12.5, False])
def test_values_that_are_not_null(value):
    assert not qgis_compat.is_null(value)
    assert qgis_compat.python_value(value) == value


def test_python_value_unwraps_a_qvariant():
    assert qgis_compat.python_value(QVariant(2.5)) == 2.5
    assert qgis_compat.python_value(QVariant("a")) == "a"
