"""Verified download through QGIS's network stack, against a fake Zenodo on 127.0.0.1."""

import hashlib
import os
import time

import pytest

from cisc_impervious.plugin.core import dataset, sources
from cisc_impervious.plugin.layers.download import DownloadTask
from tests.layers_testutil import enable_gdal_exceptions, make_set, run_task, wait_for

WANT_2020 = sources.wanted_files([2020], masks=True, dates=True)
KEYS_2020 = ["cisc_2020.tif", "valid_mask_2020.tif", "source_date_dissovle.zip"]


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    enable_gdal_exceptions()
    return make_set(tmp_path_factory.mktemp("download") / "record", size=1024)


@pytest.fixture(autouse=True)
def clean_server(server):
    server.reset()
    yield
    server.reset()


def _md5(path):
    with open(path, "rb") as handle:
        return hashlib.md5(handle.read()).hexdigest()


def _task(server, folder, wanted=WANT_2020, **kwargs):
    kwargs.setdefault("retry_delay", 0.05)
    kwargs.setdefault("max_attempts", 1)
    return DownloadTask(wanted, str(folder), base_url=server.base_url, user_agent="cisc-test", **kwargs)


def test_download_verifies_and_names_files(qgis_app, server, sample, tmp_path):
    outcome = run_task(_task(server, tmp_path))
    assert outcome.errors == [] and outcome.checksums_from_api and not outcome.cancelled
    assert sorted(os.listdir(tmp_path)) == sorted(KEYS_2020)
    for key in KEYS_2020:
        assert _md5(tmp_path / key) == _md5(os.path.join(sample.folder, key))
    assert outcome.files[("cisc", 2020)] == str(tmp_path / "cisc_2020.tif")
    gets = [r for r in server.state.file_requests() if r.method == "GET"]
    assert len(gets) == 3 and all(r.path.endswith("?download=1") for r in gets)
    assert all(r.user_agent for r in server.state.requests)  # never an empty User-Agent
    # already there and verified: nothing is fetched again
    server.reset()
    again = run_task(_task(server, tmp_path))
    assert again.errors == [] and server.state.file_requests() == []
    assert sum("already downloaded and verified" in note for note in again.notes) == 3


def test_resume_after_a_cut_connection(qgis_app, server, sample, tmp_path):
    server.state.drop_after_bytes = 10_000
    server.state.drop_times = 1
    first = run_task(_task(server, tmp_path, wanted=[("cisc", 2020)]))
    assert len(first.errors) == 1
    message = first.errors[0]
    assert message.startswith("cisc_2020.tif:") and "cisc_2020.tif.part" in message and "resume" in message
    assert not (tmp_path / "cisc_2020.tif").exists()  # never taken for good
    part = tmp_path / "cisc_2020.tif.part"
    assert part.stat().st_size == 10_000
    with open(sample.cisc_2020, "rb") as handle:
        assert part.read_bytes() == handle.read(10_000)  # what was kept is correct
    server.reset()
    second = run_task(_task(server, tmp_path, wanted=[("cisc", 2020)]))
    assert second.errors == []
    ranged = [r for r in server.state.file_requests() if r.method == "GET"]
    assert [r.range for r in ranged] == ["bytes=10000-"] and ranged[0].status == 206
    assert _md5(tmp_path / "cisc_2020.tif") == _md5(sample.cisc_2020)
    assert not part.exists()


def test_retries_inside_one_task(qgis_app, server, sample, tmp_path):
    server.state.drop_after_bytes = 7_000
    server.state.drop_times = 2
    outcome = run_task(_task(server, tmp_path, wanted=[("cisc", 2020)], max_attempts=3))
    assert outcome.errors == []
    ranges = [r.range for r in server.state.file_requests() if r.method == "GET"]
    assert ranges == [None, "bytes=7000-", "bytes=14000-"]
    assert _md5(tmp_path / "cisc_2020.tif") == _md5(sample.cisc_2020)


def test_md5_mismatch_is_refused(qgis_app, server, sample, tmp_path):
    server.state.corrupt_keys = {"valid_mask_2020.tif"}
    outcome = run_task(_task(server, tmp_path))
    assert len(outcome.errors) == 1 and outcome.errors[0].startswith("valid_mask_2020.tif: md5 mismatch")
    assert ("mask", 2020) not in outcome.files
    assert not (tmp_path / "valid_mask_2020.tif").exists()
    assert (tmp_path / "valid_mask_2020.tif.md5-mismatch").exists()
    assert not (tmp_path / "valid_mask_2020.tif.part").exists()
    # the other files are fine and usable
    assert _md5(outcome.files[("cisc", 2020)]) == _md5(sample.cisc_2020)
    # a later good download replaces nothing wrongly and succeeds
    server.reset()
    again = run_task(_task(server, tmp_path, wanted=[("mask", 2020)]))
    assert again.errors == [] and _md5(tmp_path / "valid_mask_2020.tif") == _md5(sample.valid_mask_2020)


def test_api_checksum_is_the_authority(qgis_app, server, tmp_path):
    server.state.api_md5_override = {"cisc_2020.tif": "f" * 32}
    outcome = run_task(_task(server, tmp_path, wanted=[("cisc", 2020)]))
    assert outcome.errors and "md5 mismatch (expected " + "f" * 32 in outcome.errors[0]
    assert not (tmp_path / "cisc_2020.tif").exists()


def test_api_unreachable_falls_back_to_published_table(qgis_app, server, tmp_path):
    server.state.api_status = 500
    outcome = run_task(_task(server, tmp_path, wanted=[("cisc", 2020)]))
    assert not outcome.checksums_from_api
    assert any("published checksums" in note for note in outcome.notes)
    # the generated file is not the real one: the published md5 refuses it
    assert outcome.errors and dataset.PUBLISHED_FILES["cisc_2020.tif"][1] in outcome.errors[0]
    assert not (tmp_path / "cisc_2020.tif").exists()


def test_rate_limited_server(qgis_app, server, sample, tmp_path):
    server.state.answer_429 = 100
    outcome = run_task(_task(server, tmp_path, wanted=[("cisc", 2020)], max_attempts=2))
    assert len(outcome.errors) == 1
    assert outcome.errors[0].startswith("cisc_2020.tif:") and "429" in outcome.errors[0]
    assert os.listdir(tmp_path) == []  # nothing corrupt left behind
    assert len(server.state.file_requests()) == 2  # bounded retries
    # a single 429 with Retry-After is waited out
    server.reset()
    server.state.answer_429 = 1
    server.state.retry_after = 0
    ok = run_task(_task(server, tmp_path, wanted=[("cisc", 2020)], max_attempts=2))
    assert ok.errors == [] and _md5(tmp_path / "cisc_2020.tif") == _md5(sample.cisc_2020)


def test_missing_on_record_is_reported(qgis_app, server, tmp_path):
    server.state.hidden_keys = {"valid_mask_2020.tif"}
    outcome = run_task(_task(server, tmp_path))
    assert outcome.missing == ["valid_mask_2020.tif"]
    assert any(e.startswith("valid_mask_2020.tif: not on the record") for e in outcome.errors)
    assert ("cisc", 2020) in outcome.files


def test_cancel_leaves_nothing_taken_for_good(qgis_app, server, sample, tmp_path):
    server.state.chunk_delay = 0.05  # about 80 kB/s: the 2022 raster takes a few seconds
    task = _task(server, tmp_path, wanted=[("cisc", 2022)])
    done = []
    task.on_done = done.append
    task.start()
    part = tmp_path / "cisc_2022.tif.part"
    assert wait_for(lambda: part.exists() and part.stat().st_size > 0, qgis_app, 20)
    task.cancel()
    assert wait_for(lambda: bool(done), qgis_app, 20)
    assert task.outcome.cancelled and task.outcome.files == {}
    assert "cancelled" in task.outcome.errors[0].lower()
    assert not (tmp_path / "cisc_2022.tif").exists()
    size = os.path.getsize(sample.cisc_2022)
    assert 0 < part.stat().st_size < size
    time.sleep(0.2)
    # the next run resumes from the partial file
    server.reset()
    outcome = run_task(_task(server, tmp_path, wanted=[("cisc", 2022)]))
    assert outcome.errors == [] and _md5(tmp_path / "cisc_2022.tif") == _md5(sample.cisc_2022)
    assert [r.range for r in server.state.file_requests() if r.method == "GET"][0].startswith("bytes=")


def test_dialog_downloads_then_adds_verified_layers(qgis_app, qgis_iface, qgis_new_project, server, tmp_path):
    from qgis.core import QgsProject

    from cisc_impervious.plugin.gui.add_layers_dialog import AddLayersDialog
    from cisc_impervious.plugin.layers import styling
    from cisc_impervious.plugin.toolbelt.settings import read_settings, write_settings

    saved = read_settings()
    QgsProject.instance().clear()
    server.state.corrupt_keys = {"source_date_dissovle.zip"}
    try:
        dialog = AddLayersDialog(qgis_iface)
        dialog.base_url = server.base_url
        dialog.radioDownload.setChecked(True)
        dialog.check2020.setChecked(False)
        dialog.check2022.setChecked(True)
        dialog.checkMasks.setChecked(True)
        dialog.checkDates.setChecked(True)
        dialog.editDownloadFolder.setText(str(tmp_path))
        assert "download: cisc_2022.tif" in dialog.textStatus.toPlainText()
        dialog.accept()
        task = dialog.download_task
        assert task is not None
        assert wait_for(lambda: dialog.last_result is not None, qgis_app, 30)
        kinds = sorted(layer.customProperty(styling.PROP_KIND) for layer in dialog.last_result.layers)
        assert kinds == ["cisc", "mask"]  # the corrupt zip is refused, never loaded
        assert all(layer.source().startswith(str(tmp_path)) for layer in dialog.last_result.layers)
        assert any("source_date_dissovle.zip: md5 mismatch" in m for m in task.outcome.errors)
        assert (tmp_path / "source_date_dissovle.zip.md5-mismatch").exists()
        assert not (tmp_path / "source_date_dissovle.zip").exists()
        critical = qgis_iface.messageBar().get_messages(2)  # Qgis.Critical
        assert any("source_date_dissovle.zip" in m for m in critical)
        assert read_settings().source_kind == "download" and read_settings().download_folder == str(tmp_path)
    finally:
        write_settings(saved)
        qgis_iface.messageBar().clear_messages()
        QgsProject.instance().clear()


def test_cancel_ends_a_stalled_read_at_once(qgis_app, server, sample, tmp_path):
    """The worker blocks in a socket read (no event loop to poll); cancel() shuts the socket."""
    server.state.chunk_delay = 30.0  # one 4 kB piece, then silence
    task = _task(server, tmp_path, wanted=[("cisc", 2022)])
    done = []
    task.on_done = done.append
    task.start()
    part = tmp_path / "cisc_2022.tif.part"
    assert wait_for(lambda: part.exists() and part.stat().st_size == 4096, qgis_app, 20)
    time.sleep(0.3)  # the worker is now blocked in recv()
    asked = time.monotonic()
    task.cancel()
    assert wait_for(lambda: bool(done), qgis_app, 5)
    assert time.monotonic() - asked < 1.0
    assert task.outcome.cancelled and task.outcome.files == {}
    assert part.stat().st_size == 4096  # kept for resume


def test_a_stalled_server_times_out_and_keeps_the_part(qgis_app, server, sample, tmp_path):
    server.state.chunk_delay = 30.0
    task = _task(server, tmp_path, wanted=[("cisc", 2022)])
    task._session.read_timeout = 0.5
    outcome = run_task(task, timeout=20)
    assert len(outcome.errors) == 1 and not outcome.cancelled
    assert outcome.errors[0].startswith("cisc_2022.tif:") and "timed out" in outcome.errors[0]
    assert "cisc_2022.tif.part" in outcome.errors[0] and (tmp_path / "cisc_2022.tif.part").stat().st_size == 4096


def _mount_small_tmpfs(folder, size="256k"):
    """Mount a tmpfs of `size` on folder; pytest.skip (with the reason) when that is not possible."""
    import subprocess

    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        pytest.skip("a full disk is simulated with a small tmpfs, and mounting one needs root")
    try:
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
                              capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError) as exc:
        pytest.skip(f"cannot mount a tmpfs to simulate a full disk ({exc})")
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs to simulate a full disk ({(done.stderr or done.stdout).strip()})")


def _unmount(folder):
    import subprocess

    if subprocess.run(["umount", str(folder)], capture_output=True, timeout=30).returncode != 0:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True, timeout=30)


def test_full_disk_with_unknown_sizes_keeps_the_part(qgis_app, tmp_path):
    """Record API down: sizes unknown, so no free-space check beforehand; the disk fills up
    while writing. The task ends with a message (no crash, no md5 verdict) and keeps the .part."""
    from tests.http_range_server import RangeServer

    record = tmp_path / "record"
    record.mkdir()
    content = os.urandom(1_000_000)  # four times the disk below
    (record / "cisc_2020.tif").write_bytes(content)
    disk = tmp_path / "disk"
    disk.mkdir()
    _mount_small_tmpfs(disk, "256k")
    try:
        with RangeServer(str(record)) as fake:
            fake.state.api_status = 500  # sizes unknown: the download cannot know it will not fit
            folder = disk / "downloads"
            task = DownloadTask([("cisc", 2020)], str(folder), base_url=fake.base_url, user_agent="cisc-test",
                                max_attempts=3, retry_delay=0.05)
            outcome = run_task(task, timeout=30)
            part = folder / "cisc_2020.tif.part"
            assert not outcome.checksums_from_api and not outcome.cancelled
            assert len(outcome.errors) == 1, outcome.errors
            message = outcome.errors[0]
            assert message.startswith(f"{part}: the disk is full (No space left on device)")
            assert "is kept" in message and "resume" in message
            assert "md5" not in message  # never taken for a corrupt file
            assert outcome.files == {}
            assert sorted(os.listdir(folder)) == ["cisc_2020.tif.part"]  # no final name, no .md5-mismatch
            kept = part.stat().st_size
            assert 100_000 < kept <= 256 * 1024
            assert part.read_bytes() == content[:kept]  # what was written is right
            # not retried against a full disk: one GET
            assert len([r for r in fake.state.file_requests() if r.method == "GET"]) == 1
            # space freed (the part moved to a roomy disk) and the API back: the download resumes
            roomy = tmp_path / "roomy"
            roomy.mkdir()
            (roomy / "cisc_2020.tif.part").write_bytes(part.read_bytes())
            fake.reset()
            again = run_task(DownloadTask([("cisc", 2020)], str(roomy), base_url=fake.base_url,
                                          user_agent="cisc-test", max_attempts=1))
            assert again.errors == []
            assert [r.range for r in fake.state.file_requests() if r.method == "GET"] == [f"bytes={kept}-"]
            assert (roomy / "cisc_2020.tif").read_bytes() == content
    finally:
        _unmount(disk)


def test_abort_while_connecting_sends_nothing_to_a_stalled_server(server, monkeypatch):
    """abort() between the connection's creation and its socket (no socket to shut yet): the
    GET ends at once, cancelled, instead of waiting out the read timeout on a server that never
    answers (what made a cancelled Add-layers probe outlive the plugin's unload by 30 s)."""
    import http.client

    from cisc_impervious.plugin.layers.http import HttpError, HttpSession

    server.state.stall_api = True
    session = HttpSession("cisc-test", use_environment_proxy=False, connect_timeout=5, read_timeout=20)
    connect = http.client.HTTPConnection.connect

    def connect_after_abort(connection):
        session.abort()  # from "another thread", before the socket exists
        connect(connection)

    monkeypatch.setattr(http.client.HTTPConnection, "connect", connect_after_abort)
    started = time.monotonic()
    with pytest.raises(HttpError, match="cancelled"):
        session.get(sources.record_api_url(server.base_url))
    assert time.monotonic() - started < 2
    assert session.aborted and not [r for r in server.state.requests if "/api/" in r.path]
