"""Reading windows of the years' rasters and masks as per-pixel codes, with bounded caches.

A year's pixel code is its class 0..3, or 16 or more when invalid (INVALID is or-ed in), under
the one validity rule of plugin/core/validity.py. Then a class code is valid when below 4, and
the transition code 4 * from + to is 0..15 when both years are valid and 16 or more otherwise:
no clamping pass is needed.

Readers are not thread-safe: each thread has its own ReaderSet, open for the whole run; a reader
drops the blocks it decoded after each window (raster_io.py), so GDAL's block cache stays bounded
(one window x files x threads) whatever the raster.
"""

import threading
from dataclasses import dataclass
from typing import List, Optional

import numpy as np

from .checks import check_mask
from .errors import CiscCancelled
from .feedback import EngineFeedback
from .raster_io import GridInfo, RasterReader
from .validity import mask_invalid, mask_nodata_tag, nodata_tag, other_value_error, other_values

INVALID = 16
RASTER_FILL = 255  # read beyond a raster's edge: not a class, so invalid
MASK_FILL = 0  # beyond a mask's edge: invalid


@dataclass
class Year:
    raster: GridInfo
    mask: Optional[GridInfo]
    class_lut: np.ndarray  # uint8 value -> class 0..3 or INVALID
    nodata: Optional[float] = None  # the raster's nodata tag (validity.nodata_tag)
    mask_nodata: Optional[float] = None  # the mask's (validity.mask_nodata_tag)


def prepare_year(raster: GridInfo, mask_path: Optional[str], feedback: EngineFeedback) -> Year:
    """The year's lookup table and validity rule (plugin/core/validity.py: values 0..3 are
    classes; the nodata tag and every other value are invalid)."""
    lut = np.full(256, INVALID, dtype=np.uint8)
    lut[:4] = np.arange(4, dtype=np.uint8)
    nodata = nodata_tag(raster, feedback)
    mask = None
    if mask_path:
        mask = check_mask(mask_path, raster, feedback)
    return Year(raster, mask, lut, nodata, mask_nodata_tag(mask))


class CodeReader:
    """Turns windows of the years' rasters and masks into per-pixel codes (thread-safe: the
    readers come from the calling thread's ReaderSet)."""

    def __init__(self, years: List[Year], target: GridInfo, strict: bool):
        self.years = years
        self.target = target
        self.strict = strict  # other values stop the run (other_values="error")
        self.other_value_pixels = 0
        self._lock = threading.Lock()

    def open_readers(self):
        readers = []
        for year in self.years:
            raster = RasterReader(year.raster, self.target)
            mask = RasterReader(year.mask, self.target) if year.mask is not None else None
            readers.append((raster, mask))
        return readers

    def read_codes(self, readers, window):
        """Per-pixel codes of the window (class 0..3 or transition 0..15; other values are
        invalid) and whether all are valid; (None, False) when no pixel of the window is valid."""
        year_codes = []
        clean = True
        for year, (raster_reader, mask_reader) in zip(self.years, readers):
            invalid = None
            if mask_reader is not None:
                mask = mask_reader.read_window(*window, fill=MASK_FILL)
                # windows follow the target's tiles, so a tile is decoded once (a file whose
                # tiles lie across the windows' edges decodes those twice, as it did before)
                mask_reader.drop_cache()
                invalid = mask_invalid(mask, year.mask_nodata)
                invalid_count = np.count_nonzero(invalid)  # one pass for both questions
                if invalid_count == invalid.size:
                    return None, False
                if not invalid_count:
                    invalid = None
            raw = raster_reader.read_window(*window, fill=RASTER_FILL)
            raster_reader.drop_cache()
            if raw.dtype == np.uint8 and raw.max() <= 3:
                codes = raw  # the usual case: nothing but class values, no lookup needed
            elif raw.dtype != np.uint8 and raw.min() >= 0 and raw.max() <= 3:
                codes = raw.astype(np.uint8)
            else:
                # other values are judged as stored (-1, 257), before the 8-bit lookup
                self._check_other_values(raw, year, invalid)
                codes = year.class_lut[_as_uint8(raw)]
                clean = False
            if invalid is not None:
                clean = False
                # or-ing 16 in is far faster than np.where with an irregular mask (shifted in
                # place: the mask is not needed any more)
                flag = invalid.view(np.uint8)
                np.left_shift(flag, np.uint8(4), out=flag)
                codes |= flag
            year_codes.append(codes)
        if len(year_codes) == 1:
            return year_codes[0], clean
        transitions = year_codes[0] * np.uint8(4)
        transitions += year_codes[1]
        return transitions, clean

    def _check_other_values(self, values, year, invalid):
        """Values neither a class nor the nodata tag on pixels the mask calls valid (validity.py):
        an error naming the value (strict), else counted for one warning."""
        other = other_values(values, year.nodata, None if invalid is None else ~invalid)
        count = int(np.count_nonzero(other))
        if not count:
            return
        if self.strict:
            raise other_value_error(year.raster.path, values[other][0], year.nodata)
        with self._lock:
            self.other_value_pixels += count


def _as_uint8(values):
    if values.dtype == np.uint8:
        return values
    out_of_range = (values < 0) | (values > 255)
    values = values.astype(np.uint8)
    values[out_of_range] = 255
    return values


class ReaderSet:
    """The readers one thread uses, opened at its first window and closed when the run ends."""

    def __init__(self, open_readers):
        self._open_readers = open_readers
        self._readers = None
        self._state_lock = threading.Lock()
        self._busy = False
        self._retired = False

    def enter(self):
        with self._state_lock:
            self._busy = True

    def leave(self):
        with self._state_lock:
            self._busy = False
            retired = self._retired
        if retired:
            self.close()

    def retire(self):
        """The run is over: close now, or (from another thread, while this set is reading) once
        the read returns; no reader is opened again."""
        with self._state_lock:
            self._retired = True
            if self._busy:
                return
        self.close()

    def readers(self):
        if self._retired:
            raise CiscCancelled()
        if self._readers is None:
            self._readers = self._open_readers()
        return self._readers

    def close(self):
        _close_readers(self._readers)
        self._readers = None


def _close_readers(readers):
    if not readers:
        return
    for raster, mask in readers:
        raster.close()
        if mask is not None:
            mask.close()
