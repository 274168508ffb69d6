"""The module picluster.mpi.node_info: its functions, and a real run on this machine as Ansible runs it."""
from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import os
import pwd
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from ansible_collections.picluster.mpi.plugins.modules import node_info

SYSTEM_PYTHON = Path("/usr/bin/python3")  # what run_module runs the module with

KEYS = {
    "ed25519": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE mpi@rpi-0",
    "ecdsa": "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAA mpi@rpi-0",
    "rsa": "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ mpi@rpi-0",
}

# What the system Python, which the module runs with, has installed; computed by that Python.
SYSTEM_FACTS = """
import importlib.metadata, importlib.util, json, platform
def version(name):
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None
print(json.dumps({"python": platform.python_version(), "architecture": platform.machine(),
                  "mpi4py": version("mpi4py"), "numpy": version("numpy"),
                  "python_apt": importlib.util.find_spec("apt") is not None}))
"""


# --- the functions -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "expected"), [
    ("pytest", pytest.__version__),
    ("ansible-core", importlib.metadata.version("ansible-core")),
    ("no-such-distribution-picluster", None),
])
def test_distribution_version_reads_the_package_metadata(name, expected):
    assert node_info.distribution_version(name) == expected


@pytest.mark.parametrize("user", ["", "no-such-user-picluster"])
def test_public_keys_of_no_user_or_an_unknown_user_are_empty(user):
    assert node_info.public_keys(user) == {}


def test_online_cpus_are_the_cpus_this_process_may_run_on():
    assert node_info.online_cpus() == len(os.sched_getaffinity(0))


def home_with_keys(home: Path, monkeypatch, keys: dict) -> None:
    """`mpi` as an account whose home is the temporary `home`, holding the public keys `keys`."""
    (home / ".ssh").mkdir()
    for key_type, text in keys.items():
        (home / ".ssh" / f"id_{key_type}.pub").write_text(f"{text}\n")
    account = pwd.struct_passwd(("mpi", "x", 2000, 2000, "", str(home), "/bin/bash"))
    monkeypatch.setattr(node_info.pwd, "getpwnam", lambda name: account if name == "mpi" else pwd.getpwnam(name))


@pytest.mark.parametrize("key_types", [("ed25519",), ("ed25519", "ecdsa", "rsa"), ("rsa",), ()])
def test_public_keys_are_read_by_type_without_the_newline(tmp_path, monkeypatch, key_types):
    home_with_keys(tmp_path, monkeypatch, {key_type: KEYS[key_type] for key_type in key_types})
    assert node_info.public_keys("mpi") == {key_type: KEYS[key_type] for key_type in key_types}


def test_a_private_key_or_an_unknown_key_type_is_not_read(tmp_path, monkeypatch):
    home_with_keys(tmp_path, monkeypatch, {"dsa": "ssh-dss AAAAB3NzaC1kc3M mpi@rpi-0"})
    (tmp_path / ".ssh" / "id_ed25519").write_text("-----BEGIN OPENSSH PRIVATE KEY-----\n")
    assert node_info.public_keys("mpi") == {}


MARKER = "# BEGIN picluster.mpi"


@pytest.mark.parametrize("content,named", [
    ("#\n# Ansible managed\n#\nrpi-0 slots=4\n", True),
    ("", False),
    ("\n  \n", False),
    ("rpi-9 slots=2\n# BEGIN picluster.mpi machinefile: nodes and slots\nrpi-0 slots=4\n"
     "# END picluster.mpi machinefile: nodes and slots\n", False),
    ("  # BEGIN picluster.mpi, indented: not a marker line\n", True),
])
def test_a_file_with_lines_but_without_the_block_is_named(tmp_path, content, named):
    path = tmp_path / "machinefile"
    path.write_text(content)
    assert node_info.files_without_block([str(path)], MARKER) == ([str(path)] if named else [])


def test_the_boot_id_is_the_kernels_and_empty_without_one(tmp_path):
    path = tmp_path / "boot_id"
    path.write_text("13bb52f5-0074-4fd1-974d-f3ee08558c76\n")
    assert (node_info.boot_id(str(path)), node_info.boot_id(str(tmp_path / "absent"))) == (
        "13bb52f5-0074-4fd1-974d-f3ee08558c76", "")


def test_missing_files_and_directories_are_not_named(tmp_path):
    assert node_info.files_without_block([str(tmp_path / "absent"), str(tmp_path)], MARKER) == []


SIGNS = ["# Ansible managed", "# BEGIN picluster.mpi"]


@pytest.mark.parametrize("content, named", [
    # As 0.1.0's template wrote ~/.openmpi/mca-params.conf, and as 0.2.0's development wrote it, as a block.
    ("#\n# Ansible managed\n#\nbtl = self,vader,tcp\npml = ob1\n", True),
    ("mpi_yield_when_idle = 1\n# BEGIN picluster.mpi machinefile: written by site.yml\nbtl = self,tcp\n"
     "# END picluster.mpi machinefile: written by site.yml\n", True),
    # The owner's own settings are theirs.
    ("btl_tcp_eager_limit = 65536\n", False),
    ("# my notes: Ansible managed this once\n", False),
    ("", False),
])
def test_a_superseded_file_is_named_only_where_the_collection_wrote_it(tmp_path, content, named):
    path = tmp_path / "mca-params.conf"
    path.write_text(content)
    assert node_info.superseded_files([str(path)], SIGNS) == ([str(path)] if named else [])


def test_missing_superseded_files_are_not_named(tmp_path):
    assert node_info.superseded_files([str(tmp_path / "absent"), str(tmp_path)], SIGNS) == []


IP_ADDR = r"""1: lo    inet 127.0.0.1/8 scope host lo\       valid_lft forever preferred_lft forever
2: eth0    inet 192.0.2.10/24 brd 192.0.2.255 scope global eth0\       valid_lft forever preferred_lft forever
2: eth0    inet 192.0.2.51/24 scope global secondary eth0:1\       valid_lft forever preferred_lft forever
3: wlan0    inet 198.51.100.7/24 brd 198.51.100.255 scope global dynamic noprefixroute wlan0\       valid_lft 85950sec
4: eth0.100@eth0    inet 203.0.113.10/28 scope global eth0.100\       valid_lft forever preferred_lft forever
"""


def test_parse_ipv4_gives_every_address_but_loopback_with_device_and_prefix():
    assert node_info.parse_ipv4(IP_ADDR) == [
        {"device": "eth0", "address": "192.0.2.10", "prefix": 24},
        {"device": "eth0", "address": "192.0.2.51", "prefix": 24},
        {"device": "wlan0", "address": "198.51.100.7", "prefix": 24},
        {"device": "eth0.100", "address": "203.0.113.10", "prefix": 28},
    ]


def test_parse_ipv4_of_no_output_is_empty():
    assert node_info.parse_ipv4("") == []


OS_RELEASES = {
    "debian-bookworm": ('PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\n'
                        'VERSION_CODENAME=bookworm\nID=debian\n',
                        {"family": "Debian", "distribution": "Debian", "release": "bookworm"}),
    "raspberry-pi-os-32": ('PRETTY_NAME="Raspbian GNU/Linux 12 (bookworm)"\nNAME="Raspbian GNU/Linux"\n'
                           'VERSION_CODENAME=bookworm\nID=raspbian\nID_LIKE=debian\n',
                           {"family": "Debian", "distribution": "Raspbian", "release": "bookworm"}),
    "ubuntu-noble": ('NAME="Ubuntu"\nVERSION_ID="24.04"\nID=ubuntu\nID_LIKE=debian\nVERSION_CODENAME=noble\n',
                     {"family": "Debian", "distribution": "Ubuntu", "release": "noble"}),
    "rocky": ('NAME="Rocky Linux"\nVERSION_ID="9.3"\nID="rocky"\nID_LIKE="rhel centos fedora"\n',
              {"family": "Rocky", "distribution": "Rocky", "release": "9.3"}),
}


@pytest.mark.parametrize(("text", "expected"), OS_RELEASES.values(), ids=OS_RELEASES.keys())
def test_parse_os_release_gives_family_distribution_and_release(text, expected):
    assert node_info.parse_os_release(text) == expected


def test_host_keys_are_type_and_key_pairs_without_the_comment(tmp_path, monkeypatch):
    (tmp_path / "ssh_host_ed25519_key.pub").write_text("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE root@rpi-0\n")
    (tmp_path / "ssh_host_rsa_key.pub").write_text("ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ\n")
    monkeypatch.setattr(node_info, "HOST_KEY_FILE", str(tmp_path / "ssh_host_{}_key.pub"))
    assert node_info.host_keys() == [["ssh-ed25519", "AAAAC3NzaC1lZDI1NTE5AAAAIE"], ["ssh-rsa", "AAAAB3NzaC1yc2EAAAADAQABAAABAQ"]]


@pytest.mark.parametrize(("output", "version"), [
    ("slurm 22.05.8\n", "22.05.8"),
    ("slurm-wlm 24.11.5\n", "24.11.5"),
    ("", None),
    ("slurmd: error: something else\n", None),
], ids=["bookworm", "trixie", "empty", "error"])
def test_parse_slurm_version(output, version):
    assert node_info.parse_slurm_version(output) == version


# `apt-cache policy slurmctld slurmd` on a Debian 12 node with slurmd installed (recorded).
APT_POLICY = """slurmctld:
  Installed: (none)
  Candidate: 22.05.8-4+deb12u3
  Version table:
     22.05.8-4+deb12u3 500
        500 http://deb.debian.org/debian bookworm/main amd64 Packages
slurmd:
  Installed: 22.05.8-4+deb12u3
  Candidate: 22.05.8-4+deb12u3
  Version table:
 *** 22.05.8-4+deb12u3 500
        500 http://deb.debian.org/debian bookworm/main amd64 Packages
        100 /var/lib/dpkg/status
"""


@pytest.mark.parametrize(("name", "expected"), [
    ("slurmctld", {"installed": None, "candidate": "22.05.8-4+deb12u3"}),
    ("slurmd", {"installed": "22.05.8-4+deb12u3", "candidate": "22.05.8-4+deb12u3"}),
    ("nosuchpackage", {"installed": None, "candidate": None}),
], ids=["offered", "installed", "unknown"])
def test_parse_apt_policy_gives_installed_and_candidate_versions(name, expected):
    assert node_info.parse_apt_policy(APT_POLICY, ["slurmctld", "slurmd", "nosuchpackage"])[name] == expected


def test_parse_apt_policy_of_a_package_no_source_offers_has_no_candidate():
    text = "slurmctld:\n  Installed: (none)\n  Candidate: (none)\n  Version table:\n"
    assert node_info.parse_apt_policy(text, ["slurmctld"]) == {"slurmctld": {"installed": None, "candidate": None}}


@pytest.mark.parametrize(("layout", "expected"), [
    (["cgroup.controllers"], 2),
    (["freezer/"], 1),
    ([], None),
], ids=["unified", "legacy", "none"])
def test_control_groups_version(tmp_path, layout, expected):
    for entry in layout:
        (tmp_path / entry).mkdir() if entry.endswith("/") else (tmp_path / entry).write_text("cpu memory\n")
    assert node_info.control_groups(str(tmp_path), str(tmp_path / "machine"))["version"] == expected


def test_control_groups_name_the_container(tmp_path):
    (tmp_path / ".dockerenv").write_text("")
    assert node_info.control_groups(str(tmp_path), str(tmp_path))["container"] == "docker"


@pytest.mark.parametrize(("files", "present"), [
    (["deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages.lz4", "lock"], True),
    (["lock", "partial"], False),
], ids=["updated", "fresh-image"])
def test_apt_lists_are_present_once_apt_update_ran(tmp_path, files, present):
    for name in files:
        (tmp_path / name).touch()
    assert node_info.apt_lists_present(str(tmp_path)) is present


def fake_cpus(sysfs: Path, cores: list[tuple[int, int]]) -> list[int]:
    """A /sys/devices/system/cpu with one CPU per (package, core) pair; their numbers."""
    for cpu, (package, core) in enumerate(cores):
        topology = sysfs / f"cpu{cpu}/topology"
        topology.mkdir(parents=True)
        (topology / "physical_package_id").write_text(f"{package}\n")
        (topology / "core_id").write_text(f"{core}\n")
    return list(range(len(cores)))


@pytest.mark.parametrize(("cores", "expected"), [
    ([(0, 0), (0, 1), (0, 2), (0, 3)], (1, 4, 1)),                     # a Pi 4 or 5
    ([(0, 0), (0, 1), (0, 0), (0, 1)], (1, 2, 2)),                     # two cores with two threads each
    ([(0, 0), (0, 1), (1, 0), (1, 1)], (2, 2, 1)),                     # two sockets
], ids=["pi", "smt", "two-sockets"])
def test_cpu_topology_counts_sockets_cores_and_threads(tmp_path, cores, expected):
    topology = node_info.cpu_topology(fake_cpus(tmp_path, cores), sysfs=str(tmp_path))
    assert (topology["sockets"], topology["cores_per_socket"], topology["threads_per_core"]) == expected


def test_cpu_topology_is_unknown_where_the_kernel_does_not_say(tmp_path):
    assert node_info.cpu_topology([0, 1], sysfs=str(tmp_path)) == {
        "sockets": None, "cores_per_socket": None, "threads_per_core": None}


def test_memory_is_memtotal_in_mib(tmp_path):
    meminfo = tmp_path / "meminfo"
    meminfo.write_text("MemTotal:        3887780 kB\nMemFree:         3300000 kB\n")
    assert node_info.memory_mb(str(meminfo)) == 3796


def test_available_memory_is_memavailable_in_mib(tmp_path):
    meminfo = tmp_path / "meminfo"
    meminfo.write_text("MemTotal:        3887780 kB\nMemFree:          900000 kB\nMemAvailable:    3483648 kB\n")
    assert node_info.memory_mb(str(meminfo), field="MemAvailable") == 3402


# --- a real run --------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def system() -> dict:
    return json.loads(subprocess.run([str(SYSTEM_PYTHON), "-c", SYSTEM_FACTS], capture_output=True, text=True,
                                     check=True).stdout)


@pytest.fixture(scope="module")
def result(run_module) -> dict:
    return run_module("node_info", "user=root")


def installed_openmpi() -> str | None:
    ompi_info = shutil.which("ompi_info")
    if not ompi_info:
        return None
    match = re.search(r"Open MPI v(\S+)", subprocess.run([ompi_info, "--version"], capture_output=True, text=True,
                                                         check=False).stdout)
    return match.group(1) if match else None


def dpkg_version(package: str) -> str | None:
    out = subprocess.run(["dpkg-query", "-W", "-f", "${Status} ${Version}", package], capture_output=True,
                         text=True, check=False).stdout
    return out.split()[-1] if out.startswith("install ok installed") else None


@pytest.mark.skipif(not shutil.which("apt-cache") or not shutil.which("dpkg-query"), reason="needs apt and dpkg")
def test_the_run_reports_the_installed_version_dpkg_knows(run_module):
    packages = run_module("node_info", "packages=apt,nosuchpackage-picluster")["packages"]
    assert (packages["apt"]["installed"], packages["nosuchpackage-picluster"]) == (
        dpkg_version("apt"), {"installed": None, "candidate": None}), packages


def test_the_run_names_a_file_without_the_block(run_module, tmp_path):
    whole, blocked = tmp_path / "whole", tmp_path / "blocked"
    whole.write_text("#\n# Ansible managed\n#\nbtl = self,tcp\n")
    blocked.write_text(f"{MARKER} machinefile: x\nbtl = self,tcp\n# END picluster.mpi machinefile: x\n")
    files = run_module("node_info", f"block_files={whole},{blocked},{tmp_path / 'absent'}")["files_without_block"]
    assert files == [str(whole)]


def test_the_run_names_a_superseded_file_the_collection_wrote(run_module, tmp_path):
    written, own = tmp_path / "written", tmp_path / "own"
    written.write_text("#\n# Ansible managed\n#\nbtl = self,tcp\n")
    own.write_text("btl = self,tcp\n")
    files = run_module("node_info", f"superseded_files={written},{own},{tmp_path / 'absent'}")["superseded_files"]
    assert files == [str(written)]


def test_the_run_reports_this_machines_boot_id(result):
    assert result["boot_id"] == Path("/proc/sys/kernel/random/boot_id").read_text().strip(), result


def test_the_run_changes_nothing(result):
    assert result["changed"] is False, result


@pytest.mark.parametrize("key", ["python", "architecture", "mpi4py", "numpy"])
def test_the_run_reports_the_versions_of_the_interpreter_it_runs_with(result, system, key):
    assert result["versions"][key] == system[key], f"{key}: module {result['versions']}, {SYSTEM_PYTHON} {system}"


def test_the_run_reports_the_installed_open_mpi(result):
    assert result["versions"]["openmpi"] == installed_openmpi(), result["versions"]


def test_the_run_reports_whether_python3_apt_is_installed(result, system):
    assert result["python_apt"] is system["python_apt"], result


def test_the_run_reports_the_cpus_it_may_run_on(result):
    assert result["cpus"] == len(os.sched_getaffinity(0)), result


def test_the_run_reports_the_users_public_keys(result):
    ssh = Path(pwd.getpwnam("root").pw_dir) / ".ssh"
    expected = {key_type: (ssh / f"id_{key_type}.pub").read_text().strip() for key_type in ("ed25519", "ecdsa", "rsa")
                if (ssh / f"id_{key_type}.pub").is_file()}
    assert result["public_keys"] == expected, result


def test_a_check_mode_run_reports_the_same(run_module, result):
    # Free memory changes from one moment to the next; everything else is the same.
    def steady(info: dict) -> dict:
        return {key: value for key, value in info.items() if key != "memory_available_mb"}

    assert steady(run_module("node_info", "user=root", "--check")) == steady(result)


# --- against Ansible's own facts on the same machine ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def facts(run_module) -> dict:
    return run_module("ansible.builtin.setup", "gather_subset=!all,min,network")["ansible_facts"]


def test_the_default_address_is_the_one_fact_gathering_reports(result, facts):
    assert result["default_ipv4"] == facts.get("ansible_default_ipv4", {}).get("address", ""), result


def test_the_addresses_are_the_ones_fact_gathering_reports(result, facts):
    assert sorted(a["address"] for a in result["ipv4"]) == sorted(facts["ansible_all_ipv4_addresses"]), result


def test_the_hostname_and_release_are_the_ones_fact_gathering_reports(result, facts):
    assert (result["hostname"], result["os"]["family"], result["os"]["release"]) == (
        facts["ansible_hostname"], facts["ansible_os_family"], facts["ansible_distribution_release"]), result


def test_the_host_keys_are_the_ones_fact_gathering_reports(result, facts):
    expected = [[facts[f"ansible_ssh_host_key_{kind}_public_keytype"], facts[f"ansible_ssh_host_key_{kind}_public"]]
                for kind in ("ed25519", "ecdsa", "rsa") if f"ansible_ssh_host_key_{kind}_public" in facts]
    assert result["host_keys"] == expected, result


def test_the_memory_is_the_kernels(result):
    kib = int(Path("/proc/meminfo").read_text().split("MemTotal:")[1].split()[0])
    assert result["memory_mb"] == kib // 1024, result


def test_the_topology_accounts_for_every_cpu(result):
    topology = result["topology"]
    assert topology["sockets"] * topology["cores_per_socket"] * topology["threads_per_core"] == result["cpus"], result


# ---- time sync services and cpufreq ------------------------------------------------------------------------------

@pytest.mark.parametrize(("units", "found"), [
    ([], []),
    (["systemd-timesyncd.service"], ["systemd-timesyncd"]),
    (["chrony.service", "systemd-timesyncd.service"], ["chrony", "systemd-timesyncd"]),
    (["ntpsec.service", "ssh.service"], ["ntpsec"]),
])
def test_time_services_are_the_installed_units(tmp_path, units, found):
    for unit in units:
        (tmp_path / unit).write_text("[Service]\n")
    assert node_info.time_services([str(tmp_path)]) == found


def test_cpufreq_reads_the_governor_and_those_offered(tmp_path):
    (tmp_path / "scaling_available_governors").write_text("conservative ondemand userspace powersave performance\n")
    (tmp_path / "scaling_governor").write_text("ondemand\n")
    assert node_info.cpufreq(str(tmp_path)) == {
        "governor": "ondemand", "governors": ["conservative", "ondemand", "userspace", "powersave", "performance"]}


def test_cpufreq_is_none_without_it(tmp_path):
    assert node_info.cpufreq(str(tmp_path / "missing")) is None


def test_the_run_reports_the_time_services_installed_here(result):
    assert result["time_services"] == node_info.time_services(), result


# --- cloud-init ----------------------------------------------------------------------------------------------------

HOSTS_MARKER = "# {mark} picluster.mpi hostsfile: cluster nodes"
HOSTS_BLOCK = "# BEGIN picluster.mpi hostsfile: cluster nodes\n192.0.2.10\trpi-0\n# END picluster.mpi hostsfile: cluster nodes\n"
IMAGER_USER_DATA = "#cloud-config\nhostname: pi1\nmanage_etc_hosts: true\nusers:\n  - name: pi\n"


def cloud_init_root(tmp_path, user_data=IMAGER_USER_DATA, system="preserve_hostname: false\n", confd=None,
                    template="## template:jinja\n127.0.1.1 {{fqdn}} {{hostname}}\n", disabled=False):
    """A file tree as Debian's cloud-init leaves it after a boot with the Imager's user-data."""
    files = {"usr/bin/cloud-init": "", "etc/cloud/cloud.cfg": system,
             "var/lib/cloud/instance/cloud-config.txt": user_data, **(confd or {})}
    if template is not None:
        files["etc/cloud/templates/hosts.debian.tmpl"] = template
    if disabled:
        files["etc/cloud/cloud-init.disabled"] = ""
    for path, content in files.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(content)
    return str(tmp_path)


def test_without_cloud_init_there_is_nothing_to_report(tmp_path):
    assert node_info.cloud_init(str(tmp_path), HOSTS_MARKER) is None


def test_the_imagers_user_data_renders_etc_hosts_and_names_the_node(tmp_path):
    found = node_info.cloud_init(cloud_init_root(tmp_path), HOSTS_MARKER)
    assert found == {"enabled": True, "manage_etc_hosts": "template", "preserve_hostname": False, "hostname": "pi1",
                     "hosts_template": "/etc/cloud/templates/hosts.debian.tmpl", "hosts_template_block": None}


def test_the_template_block_is_read_between_its_markers(tmp_path):
    root = cloud_init_root(tmp_path, template="## template:jinja\n" + HOSTS_BLOCK + "127.0.0.1 localhost\n")
    assert node_info.cloud_init(root, HOSTS_MARKER)["hosts_template_block"] == "192.0.2.10\trpi-0"


def test_a_missing_template_is_named_as_none(tmp_path):
    assert node_info.cloud_init(cloud_init_root(tmp_path, template=None), HOSTS_MARKER)["hosts_template"] == ""


def test_a_disabled_cloud_init_says_so(tmp_path):
    assert node_info.cloud_init(cloud_init_root(tmp_path, disabled=True), HOSTS_MARKER)["enabled"] is False


@pytest.mark.parametrize(("confd", "preserve"), [
    ({}, False),
    ({"etc/cloud/cloud.cfg.d/99_picluster_hostname.cfg": "preserve_hostname: true\n"}, True),
    # The last file of cloud.cfg.d wins, as cloud-init merges them.
    ({"etc/cloud/cloud.cfg.d/10_a.cfg": "preserve_hostname: true\n",
      "etc/cloud/cloud.cfg.d/20_b.cfg": "preserve_hostname: false\n"}, False),
    ({"etc/cloud/cloud.cfg.d/10_a.cfg": "preserve_hostname: false\n",
      "etc/cloud/cloud.cfg.d/20_b.cfg": "preserve_hostname: true\n"}, True),
])
def test_cloud_cfg_d_outranks_cloud_cfg_and_the_last_file_wins(tmp_path, confd, preserve):
    assert node_info.cloud_init(cloud_init_root(tmp_path, confd=confd), HOSTS_MARKER)["preserve_hostname"] is preserve


def test_user_data_outranks_cloud_cfg_d(tmp_path):
    root = cloud_init_root(tmp_path, user_data=IMAGER_USER_DATA + "preserve_hostname: false\n",
                           confd={"etc/cloud/cloud.cfg.d/99_picluster_hostname.cfg": "preserve_hostname: true\n",
                                  "etc/cloud/cloud.cfg.d/98_hosts.cfg": "manage_etc_hosts: false\n"})
    found = node_info.cloud_init(root, HOSTS_MARKER)
    assert (found["preserve_hostname"], found["manage_etc_hosts"]) == (False, "template")


@pytest.mark.parametrize(("value", "mode"), [
    ("true", "template"), ("True", "template"), ("template", "template"), ("localhost", "localhost"),
    ("false", ""), ("'off'", ""),
])
def test_manage_etc_hosts_is_read_as_cloud_init_reads_it(tmp_path, value, mode):
    root = cloud_init_root(tmp_path, user_data=f"#cloud-config\nmanage_etc_hosts: {value}\n")
    assert node_info.cloud_init(root, HOSTS_MARKER)["manage_etc_hosts"] == mode


@pytest.mark.parametrize(("user_data", "hostname"), [
    ("#cloud-config\nfqdn: pi1.example.org\n", "pi1"),
    ("#cloud-config\nhostname: pi1.example.org\n", "pi1"),
    ("#cloud-config\n", ""),
    ("#!/bin/sh\necho a script, not cloud-config\n", ""),
])
def test_the_hostname_cloud_init_applies_is_the_first_label(tmp_path, user_data, hostname):
    assert node_info.cloud_init(cloud_init_root(tmp_path, user_data=user_data), HOSTS_MARKER)["hostname"] == hostname


def test_the_datasource_local_hostname_is_the_fallback(tmp_path):
    root = cloud_init_root(tmp_path, user_data="#cloud-config\n")
    (tmp_path / "run/cloud-init").mkdir(parents=True)
    (tmp_path / "run/cloud-init/instance-data.json").write_text('{"v1": {"local_hostname": "pi7"}}')
    assert node_info.cloud_init(root, HOSTS_MARKER)["hostname"] == "pi7"


@pytest.mark.parametrize(("text", "block"), [
    (HOSTS_BLOCK, "192.0.2.10\trpi-0"),
    ("127.0.0.1 localhost\n", None),
    (HOSTS_BLOCK.split("# END", maxsplit=1)[0], None),
    (None, None),
])
def test_block_lines_are_those_between_the_markers(text, block):
    assert node_info.block_lines(text, HOSTS_MARKER) == block


@pytest.mark.parametrize(("directories", "found"), [
    (["/usr/local/lib/python3.11/dist-packages", "/usr/lib/python3/dist-packages"],
     "/usr/local/lib/python3.11/dist-packages"),
    (["/usr/lib/python3/dist-packages", "/usr/local/lib/python3.13/dist-packages"],
     "/usr/local/lib/python3.13/dist-packages"),
    (["/opt/python/lib/python3.12/site-packages"], "/opt/python/lib/python3.12/site-packages"),
    ([], ""),
])
def test_the_python_site_is_the_local_one_where_there_is_one(directories, found):
    assert node_info.python_site(directories) == found


# ---- paths and mounts -------------------------------------------------------------------------------------------------

MOUNTS = """overlay / overlay rw 0 0
mpi@rpi-0:/srv/cluster /cluster fuse.sshfs rw,nosuid,nodev 0 0
/dev/sda1 /srv/my\\040disk ext4 rw 0 0
"""


def test_path_states_say_what_exists_and_what_is_mounted_there(tmp_path):
    (tmp_path / "file").write_text("x")
    states = node_info.path_states([str(tmp_path), str(tmp_path / "file"), "/cluster", "/srv/my disk", "/absent"],
                                   MOUNTS)
    assert states[str(tmp_path)] == {"exists": True, "directory": True, "mount": None}
    assert states[str(tmp_path / "file")] == {"exists": True, "directory": False, "mount": None}
    assert states["/cluster"]["mount"] == {"fstype": "fuse.sshfs", "source": "mpi@rpi-0:/srv/cluster"}
    assert states["/srv/my disk"]["mount"] == {"fstype": "ext4", "source": "/dev/sda1"}
    assert states["/absent"] == {"exists": False, "directory": False, "mount": None}


def test_the_run_reports_the_paths_asked_for(run_module):
    result = run_module("node_info", "paths=/proc,/nonexistent-picluster")
    assert result["paths"]["/proc"]["mount"]["fstype"] == "proc" and not result["paths"]["/nonexistent-picluster"][
        "exists"], result["paths"]
