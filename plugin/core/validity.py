"""The one rule of pixel validity, used by the statistics engine, the change map and the fraction.

A pixel of a CISC raster is valid when:
- it lies inside the raster (pixels beyond its edge are invalid);
- the year's valid mask is present there, non-zero and not the mask's nodata tag (when a mask
  is used at all);
- its value is a CISC class, 0..3.

Every other value is invalid. The raster's nodata tag is invalid without comment (whatever its
type: -1 in an Int16 raster, 65535 in a UInt16 one, 255 in a Byte one); a nodata tag that is
itself a class value (0..3) is ignored, with a warning: in CISC 0 is bare land, and the mask
decides. Any other value (not a class, not the tag) on a pixel the mask calls valid is "another
value": with other_values="error" it stops the run with a message naming the file and the real
value as stored (257, -5, ...), with "invalid" it is counted as invalid.

No Qt, no qgis: numpy only.
"""

import math
from dataclasses import dataclass
from typing import Optional

import numpy as np

from .errors import CiscError
from .messages import CoreMessage

MAX_CLASS = 3
OTHER_VALUE_MODES = ("invalid", "error")


def nodata_tag(info, feedback=None) -> Optional[float]:
    """The raster's nodata tag whose pixels are invalid, or None (no tag, a NaN tag, or a tag that
    is a class value 0..3: ignored, and feedback gets a warning saying so)."""
    nodata = info.nodata
    if nodata is None or math.isnan(float(nodata)):
        return None
    nodata = float(nodata)
    if nodata.is_integer() and 0 <= nodata <= MAX_CLASS:
        if feedback is not None:
            feedback.warning(CoreMessage(
                "{path}: its nodata tag ({nodata}) is also a CISC class value; "
                "the tag is ignored and the valid mask alone decides which pixels are valid.",
                path=info.path, nodata=int(nodata),
            ))
        return None
    return nodata


def mask_nodata_tag(mask_info) -> Optional[float]:
    """The mask's nodata tag whose pixels are invalid (a tag of 0 is invalid anyway), or None."""
    if mask_info is None or mask_info.nodata is None or math.isnan(float(mask_info.nodata)):
        return None
    return None if float(mask_info.nodata) == 0 else float(mask_info.nodata)


def mask_invalid(mask: np.ndarray, mask_nodata: Optional[float]) -> np.ndarray:
    """True where a mask marks a pixel invalid: 0, or the mask's nodata tag."""
    invalid = mask == 0
    if mask_nodata is not None:
        invalid |= mask == mask_nodata
    return invalid


def is_class(values: np.ndarray) -> np.ndarray:
    """True where a value is a CISC class 0..3."""
    if values.dtype.kind == "u":
        return values <= MAX_CLASS
    return (values >= 0) & (values <= MAX_CLASS)


def other_values(values: np.ndarray, nodata: Optional[float], where: Optional[np.ndarray] = None) -> np.ndarray:
    """True where a value is neither a class nor the nodata tag (restricted to `where`)."""
    other = ~is_class(values)
    if nodata is not None:
        other &= values != nodata
    if where is not None:
        other &= where
    return other


def other_value_error(path: str, value, nodata: Optional[float] = None) -> CiscError:
    """The error of a raster holding a value that is neither a class nor its nodata tag."""
    tag = "no nodata tag" if nodata is None else f"nodata tag {_number(nodata)}"
    return CiscError(
        f"{path}: holds the value {_number(value)}, which is not a CISC class (0 bare/other, 1 impervious, "
        f"2 vegetation, 3 water) nor the raster's nodata value ({tag}). Is this a CISC raster? "
        "Use cisc_<year>.tif as published."
    )


def _number(value) -> str:
    value = float(value)
    return str(int(value)) if value.is_integer() else repr(value)


@dataclass(frozen=True)
class YearRule:
    """The validity rule of one year's raster and mask, decided once per run."""

    path: str
    nodata: Optional[float]
    mask_nodata: Optional[float]
    strict: bool  # other values stop the run (other_values="error")

    def valid(self, values: np.ndarray, mask: Optional[np.ndarray] = None,
              outside: Optional[np.ndarray] = None) -> np.ndarray:
        """Boolean array of the valid pixels of a window. `mask`: the mask's values there (None:
        no mask, every pixel inside the raster may be valid); `outside`: pixels beyond the raster.
        Raises CiscError (strict) when a pixel the mask calls valid holds another value."""
        valid = is_class(values)
        where = None
        if mask is not None:
            where = ~mask_invalid(mask, self.mask_nodata)
            valid &= where
        if outside is not None:
            valid &= ~outside
            where = ~outside if where is None else where & ~outside
        if self.strict and not valid.all():
            other = other_values(values, self.nodata, where)
            if other.any():
                raise other_value_error(self.path, values[other][0], self.nodata)
        return valid


def year_rule(info, mask_info=None, feedback=None, other_values_mode: str = "invalid") -> YearRule:
    """The YearRule of a raster (GridInfo) and its mask (GridInfo or None); warns once about a
    nodata tag that is a class value."""
    if other_values_mode not in OTHER_VALUE_MODES:
        raise ValueError(f"other_values must be one of {OTHER_VALUE_MODES}")
    return YearRule(info.path, nodata_tag(info, feedback), mask_nodata_tag(mask_info), other_values_mode == "error")
