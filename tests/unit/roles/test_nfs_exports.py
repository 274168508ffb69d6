"""The head node's /etc/exports block, as the shared_storage role writes it, read by the NFS server's own exportfs.

exportfs parses /etc/exports and records what it exports in /var/lib/nfs/etab; it needs no NFS in the kernel for that.
Each check runs it in a mount namespace of its own, where the block is /etc/exports and a tmpfs is /var/lib/nfs, so
the machine's own files are never read or written."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from ansible_collections.picluster.mpi.plugins.plugin_utils import shared_storage

ROOT = Path(__file__).resolve().parents[3]
MARKER = yaml.safe_load((ROOT / "roles/_cluster/vars/main.yml").read_text())["__cluster_markers"]["exports"]
ADDRESSES = ["192.0.2.10", "192.0.2.11", "192.0.2.12", "192.0.2.13"]

pytestmark = pytest.mark.skipif(not shutil.which("exportfs", path="/usr/sbin:/sbin") or not shutil.which("unshare"),
                                reason="exportfs (Debian's nfs-kernel-server) or unshare is not installed")


def block(line: str) -> str:
    """The managed block as blockinfile writes it."""
    return "\n".join([MARKER.replace("{mark}", "BEGIN"), line, MARKER.replace("{mark}", "END")]) + "\n"


def exportfs(tmp_path: Path, exports: str) -> subprocess.CompletedProcess:
    """exportfs -ra, then exportfs -s (what it now exports), with `exports` as /etc/exports."""
    (tmp_path / "exports").write_text(exports)
    script = (f"mount --bind {tmp_path / 'exports'} /etc/exports && mount -t tmpfs tmpfs /var/lib/nfs "
              "&& /usr/sbin/exportfs -ra && /usr/sbin/exportfs -s")
    # As root, a mount namespace; otherwise a user namespace too, where the caller is root.
    unshare = ["unshare", "--mount"] if os.geteuid() == 0 else ["unshare", "--user", "--map-root-user", "--mount"]
    return subprocess.run([*unshare, "sh", "-c", script], capture_output=True, text=True, check=False)


@pytest.fixture
def export_dir(tmp_path):
    directory = tmp_path / "srv" / "cluster"
    directory.mkdir(parents=True)
    return str(directory)


@pytest.fixture
def exported(tmp_path, export_dir):
    result = exportfs(tmp_path, block(shared_storage.nfs_export_line(export_dir, ADDRESSES)))
    assert result.returncode == 0 and not result.stderr, result.stderr
    return {line.split()[1].split("(")[0]: line.split("(")[1].rstrip(")").split(",")
            for line in result.stdout.splitlines()}


def test_exportfs_exports_the_directory_to_each_node_and_no_other_host(exported):
    assert sorted(exported) == ADDRESSES, exported


@pytest.mark.parametrize("option", ["rw", "sync", "no_subtree_check", "root_squash"])
def test_exportfs_takes_each_option_for_each_node(exported, option):
    assert all(option in options for options in exported.values()), exported


def test_exportfs_refuses_an_option_it_does_not_know(tmp_path, export_dir):
    """The check above can fail: a block exportfs cannot read is an error."""
    result = exportfs(tmp_path, block(f"{export_dir} 192.0.2.10(rw,sync,subtree_chek)"))
    assert result.returncode != 0 and 'unknown keyword "subtree_chek"' in result.stderr, result.stderr
