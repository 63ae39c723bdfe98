"""Output files: one check for every algorithm, made before any work starts, and the wording of a
failed write.

- check_output_path: an output must not be one of the run's inputs (the same file after links and
  case are resolved), must have an extension the writer really writes (GeoTIFF outputs: .tif or
  .tiff only), and must go into a folder that exists or can be created and that is writable.
- write_error: the CiscError of a failed write; a full disk (ENOSPC) says "the disk is full" and
  names the output, whatever the writer's own message (GDAL, SQLite, shapelib) was.

Writers (changemap.AtomicGeoTiff, processing.outputs.FeatureOutput) write to a temporary file
beside the output and give it the output's name only once it is complete and verified; they call
write_error, delete their temporary files and leave an existing output as it was.

No Qt, no qgis: the standard library only.
"""

import errno
import os
import shutil
from typing import Iterable, Optional, Sequence

from .errors import CiscError
from .messages import CoreMessage

GEOTIFF_EXTENSIONS = (".tif", ".tiff")
PDF_EXTENSIONS = (".pdf",)
_FORMAT_NAMES = {GEOTIFF_EXTENSIONS: "GeoTIFF", PDF_EXTENSIONS: "PDF"}
# below this many free bytes a failed write is a full disk (GDAL writes tiles of at most a few
# hundred kB, SQLite pages of 4 kB)
DISK_FULL_BYTES = 1 << 20
_DISK_FULL_WORDS = ("no space left", "disk is full", "disk full", "not enough space", "enospc")


def _plain_path(path) -> Optional[str]:
    """A local file path, or None for what cannot be compared on disk (/vsi, URLs, empty)."""
    if path is None:
        return None
    text = str(path).strip().split("|")[0]
    if not text or text.startswith("/vsi") or "://" in text:
        return None
    return text


def same_file(first, second) -> bool:
    """True when two paths name one file: the same inode when both exist, else the same real
    path (links resolved) compared case-insensitively where the file system is (os.path.normcase)."""
    first, second = _plain_path(first), _plain_path(second)
    if first is None or second is None:
        return False
    try:
        if os.path.exists(first) and os.path.exists(second):
            return os.path.samefile(first, second)
    except OSError:
        pass
    return os.path.normcase(os.path.realpath(first)) == os.path.normcase(os.path.realpath(second))


def _existing_ancestor(folder: str) -> str:
    while folder and not os.path.exists(folder):
        parent = os.path.dirname(folder)
        if parent == folder:
            break
        folder = parent
    return folder


def check_extension(path, extensions: Sequence[str]) -> None:
    """CiscError unless path ends in one of extensions (lower case, with the dot): an output is
    written in one format, never under another format's name."""
    extension = os.path.splitext(str(path))[1].lower()
    if extension not in extensions:
        raise CiscError(CoreMessage(
            "{path}: this output is written as {format}, so its name must end in {allowed} "
            "(not \"{extension}\"); choose a {example} file name.",
            path=path, format=_FORMAT_NAMES.get(tuple(extensions), extensions[0]), allowed=" or ".join(extensions),
            extension=extension or "no extension", example=extensions[0],
        ))


def check_output_path(path, inputs: Iterable = (), extensions: Optional[Sequence[str]] = None,
                      label: str = "") -> str:
    """The output's absolute path when it can be written; CiscError naming it otherwise.

    inputs: every file the run reads (rasters, masks, zones; None and remote paths are skipped).
    extensions: the only extensions allowed (lower case, with the dot), e.g. GEOTIFF_EXTENSIONS.
    The output's folder is not created here (a run that stops early leaves nothing behind): it
    must exist, or its nearest existing parent must be a writable folder."""
    name = f"{label}: " if label else ""
    text = "" if path is None else str(path).strip()
    if not text:
        raise CiscError(CoreMessage("{name}no output file given.", name=name))
    absolute = os.path.abspath(text)
    if extensions is not None:
        check_extension(absolute, extensions)
    for source in inputs:
        if same_file(absolute, source):
            raise CiscError(CoreMessage(
                "{path}: the output is also an input of this run ({source}); writing it would destroy "
                "the input. Choose another output file.",
                path=absolute, source=str(source),
            ))
    if os.path.isdir(absolute):
        raise CiscError(CoreMessage("{path}: is a folder; choose an output file name.", path=absolute))
    folder = os.path.dirname(absolute)
    existing = _existing_ancestor(folder)
    if not os.path.isdir(existing):
        raise CiscError(CoreMessage(
            "{path}: the output folder cannot be created ({existing} is not a folder).",
            path=absolute, existing=existing,
        ))
    if not os.access(existing, os.W_OK | os.X_OK):
        raise CiscError(CoreMessage(
            "{path}: the folder {folder} is not writable; choose another output folder.",
            path=absolute, folder=existing,
        ))
    if os.path.exists(absolute) and not os.access(absolute, os.W_OK):
        raise CiscError(CoreMessage(
            "{path}: the existing file is read-only; choose another output file.", path=absolute,
        ))
    return absolute


def make_output_folder(path: str) -> str:
    """Create the output's folder when missing (at write time); CiscError when it cannot be."""
    folder = os.path.dirname(os.path.abspath(path)) or "."
    if not os.path.isdir(folder):
        try:
            os.makedirs(folder, exist_ok=True)
        except OSError as exc:
            raise write_error(path, exc.strerror or str(exc), exc.errno) from None
    return folder


def disk_full(folder: str, detail: str = "", error_number: Optional[int] = None) -> bool:
    """True when a failed write into folder is a full disk: ENOSPC, a writer's "no space" message,
    or less than DISK_FULL_BYTES left on the folder's file system."""
    if error_number in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        return True
    lowered = (detail or "").lower()
    if any(word in lowered for word in _DISK_FULL_WORDS):
        return True
    try:
        return shutil.disk_usage(_existing_ancestor(folder) or ".").free < DISK_FULL_BYTES
    except OSError:
        return False


def write_error(path, detail: str = "", error_number: Optional[int] = None) -> CiscError:
    """The CiscError of a failed write of path. Call it before deleting the temporary files, so
    that a full disk is still full when it is looked at."""
    absolute = os.path.abspath(str(path))
    detail = _first_line(detail)
    if disk_full(os.path.dirname(absolute), detail, error_number):
        return CiscError(CoreMessage(
            "{path}: the disk is full (no space left on device); nothing was written and an existing "
            "file of that name is unchanged. Free some space or choose another folder, then run again.",
            path=absolute,
        ))
    return CiscError(CoreMessage(
        "{path}: cannot be written ({detail}); nothing was written and an existing file of that name "
        "is unchanged.",
        path=absolute, detail=detail or "unknown error",
    ))


def _first_line(text) -> str:
    text = str(text or "").strip()
    return text.splitlines()[0][:300] if text else ""
