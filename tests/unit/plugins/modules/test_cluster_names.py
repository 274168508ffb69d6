"""The module picluster.mpi.cluster_names: where the block goes, which lines go, the hostname file, and real runs
through Ansible that find files written by the tasks it replaces (blockinfile, lineinfile) already right."""
from __future__ import annotations

import os
import socket
import subprocess

import pytest
from ansible_collections.picluster.mpi.plugins.modules import cluster_names

MARKER = "# {mark} picluster.mpi hostsfile: cluster nodes"
BLOCK = "10.0.0.10 rpi-0\n10.0.0.11 rpi-1"
WRITTEN = ["# BEGIN picluster.mpi hostsfile: cluster nodes", "10.0.0.10 rpi-0", "10.0.0.11 rpi-1",
           "# END picluster.mpi hostsfile: cluster nodes"]
# Debian 12's own /etc/hosts on a Pi named raspberrypi.
DEBIAN = "127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\n\n127.0.1.1\traspberrypi\n"
# The head of cloud-init's Debian template, as Raspberry Pi OS 13 ships it.
TEMPLATE = ("## template:jinja\n{#\nThis file (/etc/cloud/templates/hosts.debian.tmpl) is only utilized\n#}\n"
            "127.0.1.1 {{fqdn}} {{hostname}}\n127.0.0.1 localhost\n")


def lines(text: str) -> list[str]:
    return text.splitlines()


def test_a_new_block_goes_first_and_the_loopback_line_of_the_own_name_goes():
    assert lines(cluster_names.hosts_text(DEBIAN, BLOCK, MARKER, remove=r"^127\.0\.1\.1\s")) == [
        *WRITTEN, "127.0.0.1\tlocalhost", "::1\t\tlocalhost ip6-localhost ip6-loopback", ""]


def test_a_block_already_in_the_file_is_replaced_where_it_is():
    old = "127.0.0.1 localhost\n# BEGIN picluster.mpi hostsfile: cluster nodes\n10.0.0.9 rpi-0\n" \
          "# END picluster.mpi hostsfile: cluster nodes\n192.0.2.5 nas\n"
    assert lines(cluster_names.hosts_text(old, BLOCK, MARKER)) == ["127.0.0.1 localhost", *WRITTEN, "192.0.2.5 nas"]


def test_the_remove_pattern_spares_the_blocks_own_lines():
    block = "127.0.1.1 rpi-0"  # whatever the block holds is the block's
    assert lines(cluster_names.hosts_text("127.0.1.1 old\n", block, MARKER, remove=r"^127\.0\.1\.1\s")) == [
        "# BEGIN picluster.mpi hostsfile: cluster nodes", "127.0.1.1 rpi-0",
        "# END picluster.mpi hostsfile: cluster nodes"]


@pytest.mark.parametrize(("text", "position"), [
    (TEMPLATE, 1),
    ("127.0.0.1 localhost\n", 1),
], ids=["after-the-last-match", "at-the-end-without-a-match"])
def test_insert_after_puts_a_new_block_after_the_last_matching_line(text, position):
    result = lines(cluster_names.hosts_text(text, BLOCK, MARKER, insert_after="^## template:jinja"))
    assert result[position:position + len(WRITTEN)] == WRITTEN, result


@pytest.mark.parametrize(("text", "expected"), [
    ("raspberrypi\n", "rpi-1\n"),
    ("# set by the Imager\nraspberrypi\n", "# set by the Imager\nrpi-1\n"),
    ("", "rpi-1\n"),
    ("# only a comment\n", "# only a comment\nrpi-1\n"),
], ids=["a-name", "comments-stay", "empty", "no-name-yet"])
def test_the_hostname_file_gets_the_name_and_keeps_its_comments(text, expected):
    assert cluster_names.hostname_text(text, "rpi-1") == expected


# ---- real runs through Ansible ----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("original", "placement"), [
    (DEBIAN, {"insertbefore": "BOF"}),
    (TEMPLATE, {"insertafter": "^## template:jinja"}),
], ids=["hosts-file", "cloud-init-template"])
def test_a_file_the_earlier_tasks_wrote_is_left_as_it_is(run_module, tmp_path, original, placement):
    hosts = tmp_path / "hosts"
    hosts.write_text(original)
    where = " ".join(f"{key}='{value}'" for key, value in placement.items())
    run_module("ansible.builtin.blockinfile", f"path={hosts} marker='{MARKER}' block='{BLOCK}' {where}")
    run_module("ansible.builtin.lineinfile", f"path={hosts} regexp='^127\\.0\\.1\\.1\\s' state=absent")
    before = hosts.read_text()
    after = "" if "insertbefore" in placement else "insert_after='^## template:jinja'"
    result = run_module("cluster_names", f"path={hosts} marker='{MARKER}' block='{BLOCK}' {after}")
    assert (result["changed"], hosts.read_text()) == (False, before), result


def test_bytes_that_are_not_utf8_are_kept_as_they_were(run_module, tmp_path):
    hosts = tmp_path / "hosts"
    hosts.write_bytes(b"192.0.2.7 caf\xe9  # a Latin-1 comment\n")
    run_module("cluster_names", f"path={hosts} marker='{MARKER}' block='{BLOCK}'")
    assert hosts.read_bytes().endswith(b"192.0.2.7 caf\xe9  # a Latin-1 comment\n"), hosts.read_bytes()


@pytest.fixture
def hosts_file(tmp_path):
    hosts = tmp_path / "hosts"
    hosts.write_text(DEBIAN)
    return hosts


def test_a_dry_run_reports_the_change_and_makes_none(run_module, hosts_file):
    result = run_module("cluster_names", f"path={hosts_file} marker='{MARKER}' block='{BLOCK}'", "--check")
    assert (result["changed"], result["changed_parts"], hosts_file.read_text()) == (
        True, ["hosts block", "removed lines"], DEBIAN), result


def test_a_run_writes_the_block_and_a_second_changes_nothing(run_module, hosts_file):
    first = run_module("cluster_names", f"path={hosts_file} marker='{MARKER}' block='{BLOCK}'")
    second = run_module("cluster_names", f"path={hosts_file} marker='{MARKER}' block='{BLOCK}'")
    assert (first["changed"], second["changed"], lines(hosts_file.read_text())[:4]) == (True, False, WRITTEN)


def test_the_hostname_file_is_written_with_its_mode_and_the_running_name_left_when_it_is_right(
        run_module, tmp_path, hosts_file):
    if os.geteuid() != 0:
        pytest.skip("the hostname file is owned by root")
    name_file = tmp_path / "hostname"
    name_file.write_text("# flashed\nraspberrypi\n")
    name_file.chmod(0o600)
    name = socket.gethostname()  # the running name is already right: this machine keeps its name
    result = run_module("cluster_names", f"path={hosts_file} marker='{MARKER}' block='{BLOCK}' hostname={name} "
                                         f"hostname_file={name_file}")
    assert (result["changed_parts"][:2], name_file.read_text(), oct(name_file.stat().st_mode & 0o777)) == (
        ["hostname file", "hostname file mode and owner"], f"# flashed\n{name}\n", "0o644"), result


def test_a_marker_without_its_place_for_begin_and_end_is_refused():
    assert cluster_names.marker_problem("# picluster") == "marker '# picluster' has no {mark}, where BEGIN and END go"


@pytest.fixture
def bind_mounted(tmp_path):
    """A hosts file bind-mounted over another, as Docker mounts a container's /etc/hosts: it cannot be renamed onto."""
    source, target = tmp_path / "source", tmp_path / "etc" / "hosts"
    source.write_text(DEBIAN)
    target.parent.mkdir()
    target.touch()
    if subprocess.run(["mount", "--bind", str(source), str(target)], capture_output=True, check=False).returncode:
        pytest.skip("bind mounts need root and CAP_SYS_ADMIN")
    yield target
    subprocess.run(["umount", str(target)], check=True)


def test_a_bind_mounted_hosts_file_is_written_in_place_with_unsafe_writes(run_module, bind_mounted):
    result = run_module("cluster_names", f"path={bind_mounted} marker='{MARKER}' block='{BLOCK}' unsafe_writes=true")
    left = sorted(path.name for path in bind_mounted.parent.iterdir())  # no temporary file beside it
    assert (result["changed"], lines(bind_mounted.read_text())[:4], left) == (True, WRITTEN, ["hosts"]), result
