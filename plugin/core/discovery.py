"""Which files of a local folder are the CISC files: one rule for every caller (the add-layers
dialog and project builder through sources.discover_local, the dock's folder source, the valid
mask looked up beside a raster).

- A file is a candidate for (kind, year) when dataset.classify_file_name recognises its name:
  cisc_2020.tif or cisc2020.tif, valid_mask_2020.tif or validmask2020.tif, any case, .tif or .tiff;
  the dates zip. Only files count; leftovers of downloads (.part, .md5-mismatch) never match.
- Candidates are ranked: the record's own spelling first (cisc_2020.tif), then its lower-case
  form, then the others by name. The ranking only orders; it does not make a choice safe.
- A folder holding more than one candidate for one (kind, year) is ambiguous (CISC2020.tif and
  cisc_2020.tif may be different versions, or one a clip): whoever computes a figure from it
  refuses with ambiguity_error, naming the folder and the files; the add-layers dialog loads
  the first-ranked one and says which it used.

No Qt, no qgis: the standard library only.
"""

import os
import re
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

from . import dataset
from .errors import CiscError
from .messages import CoreMessage

Key = Tuple[str, Optional[int]]


def record_name(kind: str, year: Optional[int] = None) -> str:
    """The file's name on the record (cisc_2020.tif, valid_mask_2022.tif, the dates zip)."""
    from .sources import canonical_name

    return canonical_name(kind, year)


def spelling_rank(kind: str, year: Optional[int], name: str) -> Tuple[int, str]:
    """Sort key: the record's spelling, then its lower-case form, then anything else by name."""
    canonical = record_name(kind, year)
    if name == canonical:
        return (0, name)
    if name.lower() == canonical:
        return (1, name)
    return (2, name)


@dataclass
class FolderFiles:
    """The CISC files of one folder: (kind, year) -> ranked full paths."""

    folder: str
    candidates: Dict[Key, List[str]] = field(default_factory=dict)

    def paths(self, kind: str, year: Optional[int] = None) -> List[str]:
        return list(self.candidates.get((kind, year), []))

    def best(self, kind: str, year: Optional[int] = None) -> Optional[str]:
        paths = self.candidates.get((kind, year))
        return paths[0] if paths else None

    def ambiguous(self, kind: str, year: Optional[int] = None) -> bool:
        return len(self.candidates.get((kind, year), [])) > 1

    def unique(self, kind: str, year: Optional[int] = None) -> Optional[str]:
        """The one candidate for (kind, year), None when there is none; ambiguity_error when
        there are several."""
        if self.ambiguous(kind, year):
            raise ambiguity_error(self, kind, year)
        return self.best(kind, year)


def scan_folder(folder) -> FolderFiles:
    """The CISC files of folder (not recursive); an unreadable or missing folder has none."""
    result = FolderFiles(str(folder))
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return result
    found: Dict[Key, List[str]] = {}
    for name in names:
        kind_year = dataset.classify_file_name(name)
        if kind_year is None:
            continue
        path = os.path.join(str(folder), name)
        if os.path.isfile(path):
            found.setdefault(tuple(kind_year), []).append(name)
    for (kind, year), matches in found.items():
        matches.sort(key=lambda n: spelling_rank(kind, year, n))
        result.candidates[(kind, year)] = [os.path.join(str(folder), n) for n in matches]
    return result


def _what(kind: str, year: Optional[int]) -> str:
    return {"cisc": f"the CISC {year} raster", "mask": f"the {year} valid mask"}.get(kind, "the dates zip")


def several_files_note(files: FolderFiles, kind: str, year: Optional[int]) -> CoreMessage:
    """The note of a folder holding several candidates, when the first-ranked one is used."""
    names = [os.path.basename(p) for p in files.paths(kind, year)]
    return CoreMessage(
        "Several files for {name} in {folder}: {names}; using {used}. Remove or rename the others "
        "if that is not the right one.",
        name=record_name(kind, year), folder=files.folder, names=", ".join(names), used=names[0],
    )


def ambiguity_error(files: FolderFiles, kind: str, year: Optional[int]) -> CiscError:
    names = [os.path.basename(p) for p in files.paths(kind, year)]
    return CiscError(CoreMessage(
        "{folder} holds more than one file for {what}: {names}. They may differ, so none is picked: "
        "remove or rename all but one, or give the file explicitly.",
        folder=files.folder, what=_what(kind, year), names=", ".join(names),
    ))


def year_of_raster(raster_path) -> Optional[int]:
    """The year of a CISC raster from its name: the record's names, else any 20xx in the name
    (a clip such as cisc_2020_nanjing.tif)."""
    name = os.path.basename(str(raster_path))
    kind_year = dataset.classify_file_name(name)
    if kind_year is not None and kind_year[1] is not None:
        return int(kind_year[1])
    match = re.search(r"(20\d\d)", name)
    return int(match.group(1)) if match else None


def find_valid_mask(raster_path) -> Optional[str]:
    """The valid mask of the raster's year beside it (by the rule above), or None; CiscError when
    the folder holds several candidates for that mask."""
    raster_path = str(raster_path)
    if raster_path.startswith("/vsi") or "://" in raster_path:
        return None
    year = year_of_raster(raster_path)
    if year is None:
        return None
    return scan_folder(os.path.dirname(os.path.abspath(raster_path))).unique("mask", year)
