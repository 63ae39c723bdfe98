"""A full disk for the tests: a 128 kB tmpfs the test mounts itself (root only), with a filler
file that leaves a chosen number of bytes free; unmounted afterwards. Skipped, with the reason,
where the machine does not allow mounting (not root, no mount, a container without
CAP_SYS_ADMIN)."""

import os
import shutil
import subprocess

import pytest

SIZE = 128 * 1024
FILLER = "filler.bin"


@pytest.fixture(name="full_disk")
def full_disk_fixture(tmp_path):
    """A folder on a 128 kB tmpfs; call fill(free_bytes) to leave about that much space."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        pytest.skip("the full-disk test mounts a 128 kB tmpfs, which needs root")
    if shutil.which("mount") is None or shutil.which("umount") is None:
        pytest.skip("the full-disk test needs mount and umount")
    folder = tmp_path / "full"
    folder.mkdir()
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={SIZE // 1024}k", "tmpfs", str(folder)],
                            capture_output=True, text=True)
    if result.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {result.stderr.strip() or result.returncode}")
    try:
        yield FullDisk(folder)
    finally:
        if subprocess.run(["umount", str(folder)], capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", str(folder)], capture_output=True)  # a file still open: lazily


class FullDisk:
    def __init__(self, folder):
        self.folder = folder

    def fill(self, free_bytes: int) -> None:
        """Leave about free_bytes free (tmpfs counts whole 4 kB pages)."""
        path = self.folder / FILLER
        size = shutil.disk_usage(self.folder).free - int(free_bytes)
        if size > 0:
            with open(path, "ab") as handle:
                handle.write(b"\0" * size)

    def names(self):
        """The folder's files other than the filler."""
        return sorted(n for n in os.listdir(self.folder) if n != FILLER)
