"""plugin/core/sources.py: local discovery, record API parsing, URLs, md5 and GDAL option scoping."""

import hashlib
import json
import os
import shutil
import urllib.request
from urllib.parse import unquote

import pytest
from osgeo import gdal

from cisc_impervious.plugin.core import dataset, sources
from cisc_impervious.plugin.core.errors import CiscError
from tests.http_range_server import RangeServer
from tests.layers_testutil import enable_gdal_exceptions, make_set

ALL = ["cisc_2020.tif", "valid_mask_2020.tif", "cisc_2022.tif", "valid_mask_2022.tif", "source_date_dissovle.zip"]


@pytest.fixture(scope="module")
def sets(tmp_path_factory):
    enable_gdal_exceptions()
    root = tmp_path_factory.mktemp("sources")
    return {
        naming: make_set(root / naming, naming=naming, size=256) for naming in ("underscore", "nounderscore", "upper")
    }


@pytest.mark.parametrize("naming", ["underscore", "nounderscore", "upper"])
def test_discover_each_naming_variant(sets, naming):
    sample = sets[naming]
    found = sources.discover_local(sample.folder, [2020, 2022])
    assert found.missing == []
    assert found.found[("cisc", 2020)] == sample.cisc_2020
    assert found.found[("cisc", 2022)] == sample.cisc_2022
    assert found.found[("mask", 2020)] == sample.valid_mask_2020
    assert found.found[("mask", 2022)] == sample.valid_mask_2022
    assert found.found[("dates", None)] == sample.dates_zip
    if naming == "nounderscore":
        assert os.path.basename(sample.cisc_2020) == "cisc2020.tif"
    if naming == "upper":
        assert os.path.basename(sample.cisc_2022) == "CISC_2022.TIF"


def test_missing_file_is_listed_not_guessed(sets, tmp_path):
    folder = tmp_path / "incomplete"
    shutil.copytree(sets["underscore"].folder, folder)
    os.remove(folder / "valid_mask_2022.tif")
    # leftovers of a failed download must never stand in for the missing file
    (folder / "valid_mask_2022.tif.part").write_bytes(b"partial")
    (folder / "valid_mask_2022.tif.md5-mismatch").write_bytes(b"wrong")
    found = sources.discover_local(str(folder), [2020, 2022])
    assert found.missing == ["valid_mask_2022.tif"]
    assert ("mask", 2022) not in found.found
    assert set(found.found) == {("cisc", 2020), ("mask", 2020), ("cisc", 2022), ("dates", None)}
    # only the wanted files are looked for
    only = sources.discover_local(str(folder), [2020], masks=False, dates=False)
    assert only.missing == [] and list(only.found) == [("cisc", 2020)]
    # no folder at all: everything missing, and said so
    none = sources.discover_local(str(tmp_path / "nope"), [2022])
    assert none.missing == ["cisc_2022.tif", "valid_mask_2022.tif", "source_date_dissovle.zip"]
    assert "Folder not found" in none.notes[0]


def test_two_spellings_prefer_the_record_name(tmp_path):
    for name in ("cisc2020.tif", "cisc_2020.tif", "Cisc_2020.TIF"):
        (tmp_path / name).write_bytes(b"x")
    found = sources.discover_local(str(tmp_path), [2020], masks=False, dates=False)
    assert os.path.basename(found.found[("cisc", 2020)]) == "cisc_2020.tif"
    assert "Several files" in found.notes[0]


def test_parse_years():
    assert sources.parse_years("2022, 2020,2020,1999,x") == [2020, 2022]
    assert sources.parse_years("") == []


def test_record_json_from_server_and_fallback(sets):
    folder = sets["nounderscore"].folder
    with RangeServer(folder) as server:
        url = sources.record_api_url(server.base_url)
        assert url == f"{server.base_url}/api/records/{dataset.RECORD_ID}"
        with urllib.request.urlopen(url, timeout=10) as answer:
            files = sources.parse_record_json(answer.read(), server.base_url)
    by_key = {f.key: f for f in files}
    assert set(by_key) == set(os.listdir(folder))
    for key, remote in by_key.items():
        with open(os.path.join(folder, key), "rb") as handle:
            data = handle.read()
        assert remote.md5 == hashlib.md5(data).hexdigest()
        assert remote.size == len(data)
        assert remote.url == f"{server.base_url}/records/{dataset.RECORD_ID}/files/{key}"
        assert remote.from_api
    # the record spells cisc2020.tif: matched to the wanted (cisc, 2020)
    found, missing = sources.select_remote(files, [2020, 2022])
    assert missing == []
    assert found[("cisc", 2020)].key == "cisc2020.tif"

    fallback = sources.published_files()
    assert {f.key: f.md5 for f in fallback} == {k: v[1] for k, v in dataset.PUBLISHED_FILES.items()}
    assert all(f.url.startswith("https://zenodo.org/records/15004180/files/") for f in fallback)


def test_record_json_zenodo_shape_and_errors():
    answer = {
        "id": 15004180,
        "files": [
            {
                "key": "cisc_2020.tif",
                "size": 852900000,
                "checksum": "md5:C906433E835779E2AC84B1FBB867C502",
                "links": {"self": "https://zenodo.org/api/records/15004180/files/cisc_2020.tif/content"},
            },
            {"key": "valid_mask_2020.tif", "size": 1, "checksum": "sha256:abc"},
            {"no_key": True},
        ],
    }
    files = sources.parse_record_json(json.dumps(answer))
    assert [f.key for f in files] == ["cisc_2020.tif", "valid_mask_2020.tif"]
    assert files[0].md5 == "c906433e835779e2ac84b1fbb867c502"
    assert files[0].api_link.endswith("/content")
    assert files[0].url == "https://zenodo.org/records/15004180/files/cisc_2020.tif"
    assert files[1].md5 is None  # not an md5: taken from the published table only when asked
    filled = sources.fill_missing_checksums(files)
    assert filled[1].md5 == dataset.PUBLISHED_FILES["valid_mask_2020.tif"][1]
    with pytest.raises(CiscError, match="not JSON"):
        sources.parse_record_json(b"<html>Too Many Requests</html>")
    with pytest.raises(CiscError, match="no file list"):
        sources.parse_record_json({"id": 1})
    _, missing = sources.select_remote(files, [2020, 2022])
    assert missing == ["cisc_2022.tif", "valid_mask_2022.tif", "source_date_dissovle.zip"]


def test_md5_in_chunks_and_finalize(tmp_path):
    data = os.urandom(300_000)
    final = tmp_path / "cisc_2020.tif"
    part = sources.part_path(str(final))
    assert part.endswith("cisc_2020.tif.part")
    with open(part, "wb") as handle:
        handle.write(data)
    assert sources.md5_of_file(part, chunk_size=4096) == hashlib.md5(data).hexdigest()
    # mismatch: renamed .md5-mismatch, never given the final name
    with pytest.raises(CiscError, match=r"cisc_2020\.tif: md5 mismatch"):
        sources.finalize_download(part, str(final), "0" * 32)
    assert not final.exists() and not os.path.exists(part)
    assert (tmp_path / "cisc_2020.tif.md5-mismatch").read_bytes() == data
    # unknown checksum: refused too
    with open(part, "wb") as handle:
        handle.write(data)
    with pytest.raises(CiscError, match="cannot be verified"):
        sources.finalize_download(part, str(final), None)
    assert not final.exists()
    # match: final name
    assert sources.finalize_download(part, str(final), hashlib.md5(data).hexdigest().upper()) == str(final)
    assert final.read_bytes() == data and not os.path.exists(part)
    # cancellable
    with pytest.raises(Exception, match="Cancelled"):
        sources.md5_of_file(str(final), chunk_size=1024, is_cancelled=lambda: True)


def test_streaming_paths_carry_their_options():
    options = sources.gdal_http_options(
        "CISC test agent/1.0",
        sources.ProxySettings("proxy.example", 3128, "me", "secret"),
        max_retry=3,
        retry_delay=1.5,
    )
    assert options["GDAL_DISABLE_READDIR_ON_OPEN"] == "EMPTY_DIR"
    assert options["GDAL_HTTP_MERGE_CONSECUTIVE_RANGES"] == "YES"
    assert options["GDAL_HTTP_MAX_RETRY"] == "3" and options["GDAL_HTTP_RETRY_DELAY"] == "1.5"
    assert options["GDAL_HTTP_PROXY"] == "http://proxy.example:3128"
    assert options["GDAL_HTTP_PROXYUSERPWD"] == "me:secret"
    path = sources.streaming_path("cisc_2022.tif", "http://127.0.0.1:9", options)
    prefix = sources.streaming_prefix("http://127.0.0.1:9", options)
    assert path.startswith(prefix) and path.startswith("/vsicurl?")
    assert unquote(path.split("url=", 1)[1]) == "http://127.0.0.1:9/records/15004180/files/cisc_2022.tif"
    assert "useragent=CISC%20test%20agent%2F1.0" in path and "max_retry=3" in path and "empty_dir=yes" in path
    assert "secret" not in path  # credentials never go into a layer source (saved in projects)
    with pytest.raises(ValueError):
        sources.gdal_http_options("")
    assert sources.plain_vsicurl_path("a.tif") == "/vsicurl/https://zenodo.org/records/15004180/files/a.tif"


def test_path_specific_options_never_change_global_config():
    before = sources.global_http_options()
    options = sources.gdal_http_options("agent", max_retry=2)
    prefix = sources.streaming_prefix("http://127.0.0.1:9", options)
    with sources.scoped_http_options(prefix, options) as how:
        assert how in ("path-specific", "thread-local")
        assert sources.global_http_options() == before
    assert sources.global_http_options() == before
    if how == "path-specific" and hasattr(gdal, "GetPathSpecificOption"):
        assert gdal.GetPathSpecificOption(prefix + "x.tif", "GDAL_HTTP_MAX_RETRY") == "2"
        assert gdal.GetPathSpecificOption("/vsicurl/https://example.org/x.tif", "GDAL_HTTP_MAX_RETRY") is None
        sources.clear_path_specific_options(prefix)
        assert gdal.GetPathSpecificOption(prefix + "x.tif", "GDAL_HTTP_MAX_RETRY") is None
    assert sources.global_http_options() == before
