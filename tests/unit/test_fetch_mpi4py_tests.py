"""tools/fetch-mpi4py-tests: the one-sided suites come out of an sdist whole, and only from one that has the pinned
SHA-256. The archives here are made on the spot and read through file:// URLs, as urllib reads PyPI's."""
from __future__ import annotations

import hashlib
import io
import tarfile
from importlib.machinery import SourceFileLoader
from importlib.util import module_from_spec, spec_from_loader
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LOADER = SourceFileLoader("fetch_mpi4py_tests", str(ROOT / "tools/fetch-mpi4py-tests"))
fetcher = module_from_spec(spec_from_loader("fetch_mpi4py_tests", LOADER))
LOADER.exec_module(fetcher)

FILES = ("test_rma.py", "mpiunittest.py")


def sdist(path: Path, version: str, names: tuple[str, ...]) -> str:
    """Write an sdist holding test/NAME for every name; its SHA-256."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name in names:
            data = f"# {name} of {version}\n".encode()
            member = tarfile.TarInfo(f"mpi4py-{version}/test/{name}")
            member.size = len(data)
            tar.addfile(member, io.BytesIO(data))
    path.write_bytes(buffer.getvalue())
    return hashlib.sha256(buffer.getvalue()).hexdigest()


def test_the_suites_come_out_of_an_sdist_with_the_pinned_digest(tmp_path, monkeypatch):
    archive = tmp_path / "mpi4py-9.9.tar.gz"
    digest = sdist(archive, "9.9", (*FILES, "test_other.py"))
    monkeypatch.setitem(fetcher.RELEASES, "9.9", (archive.as_uri(), digest, FILES))
    dest = fetcher.fetch("9.9", tmp_path / "out")
    assert sorted(path.name for path in dest.iterdir()) == sorted(FILES)
    assert (dest / "test_rma.py").read_text() == "# test_rma.py of 9.9\n"


def test_an_sdist_with_another_digest_is_refused_and_nothing_is_kept(tmp_path, monkeypatch):
    archive = tmp_path / "mpi4py-9.9.tar.gz"
    sdist(archive, "9.9", FILES)
    monkeypatch.setitem(fetcher.RELEASES, "9.9", (archive.as_uri(), "0" * 64, FILES))
    with pytest.raises(SystemExit, match="not the pinned"):
        fetcher.fetch("9.9", tmp_path / "out")
    assert not (tmp_path / "out" / "9.9").exists()


def test_an_sdist_without_a_suite_is_refused_by_name(tmp_path, monkeypatch):
    archive = tmp_path / "mpi4py-9.9.tar.gz"
    digest = sdist(archive, "9.9", FILES[:1])
    monkeypatch.setitem(fetcher.RELEASES, "9.9", (archive.as_uri(), digest, FILES))
    with pytest.raises(SystemExit, match=r"no test/mpiunittest\.py"):
        fetcher.fetch("9.9", tmp_path / "out")


def test_every_release_keeps_the_three_one_sided_suites():
    assert all(set(fetcher.SUITES) <= set(files) for _url, _digest, files in fetcher.RELEASES.values())
