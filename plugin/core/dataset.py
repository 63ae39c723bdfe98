"""Facts about the CISC dataset that the plugin relies on (see docs and shared/CISC.md)."""

import re
from dataclasses import dataclass

YEARS = (2020, 2022)

# Pixel values of cisc_<year>.tif. Anything else is invalid, never a class.
BARE, IMPERVIOUS, VEGETATION, WATER = 0, 1, 2, 3
CLASS_CODES = (BARE, IMPERVIOUS, VEGETATION, WATER)
CLASS_KEYS = {BARE: "bare", IMPERVIOUS: "imperv", VEGETATION: "veg", WATER: "water"}
AUXILIARY_CLASSES = (VEGETATION, WATER)  # reliability not guaranteed by the authors


@dataclass(frozen=True)
class ClassInfo:
    code: int
    key: str
    label_en: str
    label_zh: str
    color: str  # hex RGB
    auxiliary: bool


CLASSES = (
    ClassInfo(BARE, "bare", "Bare land / other", "裸地/其他", "#e8d8b0", False),
    ClassInfo(IMPERVIOUS, "imperv", "Impervious surface", "不透水面", "#d7191c", False),
    ClassInfo(VEGETATION, "veg", "Vegetation (reference only)", "植被（仅供参考）", "#3a9a3e", True),
    ClassInfo(WATER, "water", "Water body (reference only)", "水体（仅供参考）", "#2c7bb6", True),
)

# Zenodo record
RECORD_ID = 15004180
RECORD_URL = f"https://zenodo.org/records/{RECORD_ID}"
RECORD_API_URL = f"https://zenodo.org/api/records/{RECORD_ID}"
DOI = "10.1038/s41597-026-06619-3"
CITATION = (
    "China Impervious Surface Cover 2020 and 2022 (CISC2020, CISC2022). Scientific Data. "
    f"https://doi.org/{DOI}. Data: Zenodo record {RECORD_ID}."
)
CAVEATS = (
    "Invalid pixels (outside China, or without enough 2 m imagery) are stored as 0, the value of "
    "bare land: a 0 means bare land only where the year's valid mask is set. Vegetation and water "
    "are auxiliary classes whose reliability is not guaranteed by the authors. Not clipped to "
    "coastlines or administrative boundaries."
)

# Offline fallback of the record's file list: the record's API is the authority when reachable.
PUBLISHED_FILES = {
    "cisc_2020.tif": (852.9e6, "c906433e835779e2ac84b1fbb867c502"),
    "cisc_2022.tif": (806.2e6, "5c9632ff1803a0824e4cc2ed8f021ebe"),
    "valid_mask_2020.tif": (107.2e6, "ec01bc00bfcc0dc41ece21654b689b53"),
    "valid_mask_2022.tif": (107.6e6, "15921c30da31ebcc8b06db26f1972a66"),
    "source_date_dissovle.zip": (21.2e6, "5ad2d49e8cf5ae6e136078e01444623f"),
}

_CISC_NAME = re.compile(r"^cisc_?(20\d\d)\.tiff?$", re.IGNORECASE)
_MASK_NAME = re.compile(r"^valid_?mask_?(20\d\d)\.tiff?$", re.IGNORECASE)
_DATES_NAME = re.compile(r"^source_date.*\.zip$", re.IGNORECASE)


def classify_file_name(name: str):
    """Return ("cisc", year), ("mask", year), ("dates", None) or None for a file name."""
    match = _CISC_NAME.match(name)
    if match:
        return "cisc", int(match.group(1))
    match = _MASK_NAME.match(name)
    if match:
        return "mask", int(match.group(1))
    if _DATES_NAME.match(name):
        return "dates", None
    return None
