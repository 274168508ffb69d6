"""The module picluster.mpi.storage_probe: its verdicts, and two real rounds on this machine as Ansible runs it."""
from __future__ import annotations

import os

import pytest
from ansible_collections.picluster.mpi.plugins.modules import storage_probe

TOKEN = "20261205T101500.123456"


@pytest.mark.parametrize(("text", "owner", "mode", "verdict"), [
    (f"rpi-1 {TOKEN}\n", "mpi", 0o644, "ok"),
    ("rpi-1 20261204T000000.000000\n", "mpi", 0o644, "holds 'rpi-1 20261204T000000.000000', not what rpi-1 wrote in this check"),
    (f"rpi-1 {TOKEN}\n", "nobody", 0o644, "owned by nobody, not mpi"),
    (f"rpi-1 {TOKEN}\n", "mpi", 0o600, "mode 0600, not 0644"),
], ids=["right", "an-earlier-check", "squashed-owner", "private"])
def test_judge_a_peers_file(text, owner, mode, verdict):
    assert storage_probe.judge("rpi-1", TOKEN, text, owner, mode, "mpi") == verdict


def test_one_node_writes_and_reads_its_own_file_through_ansible(run_module, tmp_path):
    user = "root" if os.geteuid() == 0 else pytest.skip("runuser needs root")
    written = run_module("storage_probe", f"user={user} path={tmp_path} node=rpi-0 token={TOKEN} write=true")
    read = run_module("storage_probe", f"user={user} path={tmp_path} node=rpi-0 token={TOKEN} peers=rpi-0,rpi-9")
    assert (written["written"], read["read"]["rpi-0"]) == ("ok", "ok"), (written, read)
    assert read["read"]["rpi-9"].startswith("missing"), read
    assert (tmp_path / ".picluster-check/rpi-0").read_text() == f"rpi-0 {TOKEN}\n"
