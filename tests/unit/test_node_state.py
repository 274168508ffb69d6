"""The node state probe of the shared role (roles/mpi/files/node_state.py), run as the roles run it."""
from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

import pytest
from node_probe import probe

BEGIN, END = "# BEGIN picluster.mpi test", "# END picluster.mpi test"


@pytest.fixture
def hosts(tmp_path) -> Path:
    path = tmp_path / "hosts"
    path.write_text(f"{BEGIN}\n10.0.0.1\trpi-0\n10.0.0.2\trpi-1\n{END}\n127.0.0.1\tlocalhost\n127.0.1.1\traspberrypi\n")
    path.chmod(0o640)
    return path


def test_file_state_has_type_mode_and_checksum(hosts):
    state = probe({"files": [str(hosts)]})["files"][str(hosts)]
    assert state["type"] == "file" and state["mode"] == "0640", state
    assert state["sha1"] == hashlib.sha1(hosts.read_bytes()).hexdigest(), state


def test_directory_state_has_no_checksum(tmp_path):
    state = probe({"files": [str(tmp_path)]})["files"][str(tmp_path)]
    assert state["type"] == "directory" and "sha1" not in state, state


def test_missing_file_is_null(tmp_path):
    missing = str(tmp_path / "absent")
    assert probe({"files": [missing], "contents": [missing]})["files"][missing] is None


def test_block_is_the_lines_between_the_markers(hosts):
    blocks = probe({"blocks": {str(hosts): [[BEGIN, END]]}})["blocks"][str(hosts)]
    assert blocks[BEGIN] == "10.0.0.1\trpi-0\n10.0.0.2\trpi-1", blocks


def test_block_without_end_marker_is_null(tmp_path):
    path = tmp_path / "hosts"
    path.write_text(f"{BEGIN}\n10.0.0.1\trpi-0\n")
    assert probe({"blocks": {str(path): [[BEGIN, END]]}})["blocks"][str(path)][BEGIN] is None


@pytest.mark.parametrize("pattern,found", [(r"^127\.0\.1\.1\s", True), (r"^192\.0\.2\.1\s", False)])
def test_lines_report_whether_a_pattern_matches(hosts, pattern, found):
    assert probe({"lines": {str(hosts): [pattern]}})["lines"][str(hosts)][pattern] is found


def test_user_and_group_of_the_caller():
    import grp
    import pwd
    me = pwd.getpwuid(os.getuid())
    state = probe({"user": me.pw_name})
    assert state["user"]["uid"] == me.pw_uid and state["user"]["home"] == me.pw_dir, state["user"]
    assert state["group"] == (grp.getgrnam(me.pw_name).gr_gid if me.pw_name in {g.gr_name for g in grp.getgrall()} else None)


def test_installed_packages_come_from_dpkg():
    listing = subprocess.run(["dpkg-query", "--show", "--showformat", "${db:Status-Abbrev} ${Package}\n", "python3"],
                             capture_output=True, text=True, check=False).stdout
    assert ("python3" in probe({})["packages"]) == listing.startswith("ii ")


def test_openmpi_version_matches_ompi_info():
    out = subprocess.run(["ompi_info", "--version"], capture_output=True, text=True, check=True).stdout
    version = probe({})["versions"]["openmpi"]
    assert version and f"Open MPI v{version}" in out, out
