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

PLUGIN = Path(__file__).resolve().parents[2] / "plugins/modules/node_info.py"
spec = importlib.util.spec_from_file_location("node_info", PLUGIN)
node_info = importlib.util.module_from_spec(spec)
spec.loader.exec_module(node_info)

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
    assert run_module("node_info", "user=root", "--check") == result
