"""The file_differs filter (plugins/filter/file_differs.py) on states the node probe really reports."""
from __future__ import annotations

import hashlib
import importlib.util
import os
import pwd
from pathlib import Path

import pytest
from node_probe import probe

PLUGIN = Path(__file__).resolve().parents[2] / "plugins/filter/file_differs.py"
spec = importlib.util.spec_from_file_location("file_differs", PLUGIN)
file_differs_module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(file_differs_module)
file_differs = file_differs_module.file_differs
ME = pwd.getpwuid(os.getuid()).pw_name


@pytest.fixture
def config(tmp_path) -> tuple[Path, dict]:
    path = tmp_path / "mca-params.conf"
    path.write_text("btl = self,vader,tcp\n")
    path.chmod(0o644)
    return path, probe({"files": [str(path)]})["files"][str(path)]


def right(path: Path) -> dict:
    return {"type": "file", "owner": ME, "mode": "0644", "sha1": hashlib.sha1(path.read_bytes()).hexdigest()}


def test_a_file_as_wanted_does_not_differ(config):
    path, state = config
    assert file_differs(state, **right(path)) is False


@pytest.mark.parametrize("attribute,value", [("mode", "0600"), ("owner", "nobody-else"), ("type", "directory"),
                                             ("sha1", hashlib.sha1(b"other\n").hexdigest())])
def test_one_wrong_attribute_differs(config, attribute, value):
    path, state = config
    assert file_differs(state, **{**right(path), attribute: value}) is True


def test_attributes_left_out_are_not_compared(config):
    _path, state = config
    assert file_differs(state, type="file", mode="0644") is False


def test_a_missing_path_differs(tmp_path):
    missing = str(tmp_path / "absent")
    assert file_differs(probe({"files": [missing]})["files"][missing], mode="0644") is True


def test_a_directory_as_wanted_does_not_differ(tmp_path):
    tmp_path.chmod(0o755)
    state = probe({"files": [str(tmp_path)]})["files"][str(tmp_path)]
    assert file_differs(state, type="directory", owner=ME, mode="0755") is False


def test_an_unknown_attribute_is_refused(config):
    _path, state = config
    with pytest.raises(ValueError, match="not size"):
        file_differs(state, size=12)


def test_the_filter_is_registered_under_its_name():
    assert file_differs_module.FilterModule().filters() == {"file_differs": file_differs}
