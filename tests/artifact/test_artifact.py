"""The collection as users get it: the README's install commands, run as written at the top of a copy of the
checkout by a controller whose virtualenv holds nothing but ansible-core, then the playbooks by their full names.

It runs on the lowest and the highest ansible-core that meta/runtime.yml supports, each with a home directory of
its own (the install lands in its ~/.ansible/collections), on one four-node virtual cluster: the lowest provisions
it fresh, the highest then takes it over, as a user who upgrades ansible-core does. (The highest core provisions
fresh nodes in molecule's default scenario; the artifact's content is the same for both.)
The playbooks run from a working directory outside the checkout (so the checkout's ansible.cfg, its
`collections/` link and its job scripts are out of reach), with no ansible.cfg at all: ansible-core's own
defaults, as a new user has them.

    .venv/bin/pytest tests/artifact            (make artifact)
"""
from __future__ import annotations

import hashlib
import json
import math
import os
import re
import shlex
import shutil
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from playbook_output import changed_hosts, recap

PROJECT = Path(__file__).resolve().parents[2]
GALAXY = yaml.safe_load((PROJECT / "galaxy.yml").read_text())
RUNTIME = yaml.safe_load((PROJECT / "meta/runtime.yml").read_text())
ARTIFACT_NAME = f"{GALAXY['namespace']}-{GALAXY['name']}-{GALAXY['version']}.tar.gz"
CACHE = PROJECT / ".cache/artifact"
NODES = 4
SLOTS = 4

# What an installed collection needs, and nothing of the checkout's tooling, tests or caches.
ALLOWED_TOP_LEVEL = {"CHANGELOG.md", "FILES.json", "LICENSE", "MANIFEST.json", "README.md", "changelogs", "docs",
                     "files", "inventory", "meta", "playbooks", "plugins", "roles"}
REQUIRED_FILES = ["meta/runtime.yml", "LICENSE", "README.md", "CHANGELOG.md", "changelogs/changelog.yaml",
                  "playbooks/site.yml", "playbooks/run_job.yml", "playbooks/check.yml", "plugins/filter/cluster_view.py",
                  "plugins/modules/node_info.py", "plugins/modules/health_probe.py", "plugins/lookup/extra_var.py",
                  "files/mpi_jobs/pi.py", "files/mpi_jobs/scatter.py", "files/mpi_jobs/temperature.py",
                  "plugins/filter/health_report.py", "playbooks/power.yml", "plugins/modules/node_health.py",
                  "plugins/filter/throttle_change.py", "files/mpi_jobs/rma.py", "playbooks/usage.yml",
                  "plugins/modules/slurm_accounts.py"]
ROLES = sorted(path.name for path in (PROJECT / "roles").iterdir())


def pinned_core(requirements: Path) -> str:
    """The ansible-core version a requirements file pins (it must pin nothing else)."""
    pins = [line.strip() for line in requirements.read_text().splitlines() if line.strip() and not line.startswith("#")]
    assert len(pins) == 1 and pins[0].startswith("ansible-core=="), f"{requirements} must pin only ansible-core: {pins}"
    return pins[0].split("==")[1]


CORES = {
    "lowest": pinned_core(PROJECT / "tests/artifact/requirements-lowest.txt"),
    "highest": pinned_core(PROJECT / "requirements.txt"),
}


def minor(version: str) -> tuple[int, int]:
    major, minor_, *_patch = (int(part) for part in re.findall(r"\d+", version))
    return major, minor_


def readme_install_block() -> list[str]:
    """The command lines of the README's "Installing the collection" code block."""
    section = (PROJECT / "README.md").read_text().split("## Installing the collection", 1)[1]
    block = section.split("```sh\n", 1)[1].split("```", 1)[0]
    return [line for line in block.splitlines() if line.strip()]


README_INSTALL = readme_install_block()
README_GALAXY = [line for line in README_INSTALL if line.startswith("ansible-galaxy ")]
README_PLAYBOOKS = [shlex.split(line, comments=True) for line in README_INSTALL if line.startswith("ansible-playbook ")]


def test_readme_installs_with_ansible_galaxy_and_runs_the_playbooks_by_full_name():
    assert len(README_GALAXY) == 2 and [argv[3] for argv in README_PLAYBOOKS] == [
        "picluster.mpi.site", "picluster.mpi.run_job"], README_INSTALL


def copy_of_checkout(destination: Path) -> Path:
    """What a fresh clone of this tree holds: the files git tracks (and new ones it would), as they are now."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=PROJECT,
                            capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        source, target = PROJECT / name, destination / name
        if source.is_symlink() or source.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target, follow_symlinks=False)
    return destination


def run(argv: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False, **kwargs)


@pytest.fixture(scope="session")
def artifact(tmp_path_factory) -> Path:
    """The collection built from the checkout exactly as a maintainer builds it."""
    out = tmp_path_factory.mktemp("build")
    result = run([str(PROJECT / ".venv/bin/ansible-galaxy"), "collection", "build", "--output-path", str(out)],
                 cwd=PROJECT)
    assert result.returncode == 0, result.stdout
    return out / ARTIFACT_NAME


@pytest.fixture(scope="session")
def members(artifact) -> list[str]:
    with tarfile.open(artifact) as tar:
        return tar.getnames()


def test_artifact_top_level_is_what_users_need(members):
    extra = {name.split("/")[0] for name in members} - ALLOWED_TOP_LEVEL
    assert not extra, f"the artifact carries {sorted(extra)}: add them to build_ignore in galaxy.yml"


def test_artifact_has_no_build_output(members):
    junk = [name for name in members if "__pycache__" in name or name.endswith((".pyc", ".tar.gz"))]
    assert not junk, f"build output in the artifact: {junk}"


@pytest.mark.parametrize("path", REQUIRED_FILES + [f"roles/{role}/meta/argument_specs.yml" for role in ROLES])
def test_artifact_ships(members, path):
    assert path in members, f"{path} is missing from the artifact"


def test_lowest_tested_core_is_the_supported_minimum():
    minimum = re.search(r">=\s*([\d.]+)", RUNTIME["requires_ansible"]).group(1)
    assert minor(CORES["lowest"]) == minor(minimum), (
        f"meta/runtime.yml supports ansible-core {RUNTIME['requires_ansible']}, but the lowest tested is "
        f"{CORES['lowest']}: update tests/artifact/requirements-lowest.txt")


def test_highest_tested_core_is_inside_the_supported_range():
    maximum = re.search(r"<\s*([\d.]+)", RUNTIME["requires_ansible"])
    assert maximum is None or minor(CORES["highest"]) < minor(maximum.group(1)), RUNTIME["requires_ansible"]


@dataclass
class Controller:
    """A user's controller: a virtualenv with only ansible-core, a home of its own, a cluster to manage."""

    core: str
    bin: Path
    home: Path
    workdir: Path
    inventory: Path
    cluster: str
    installs: list[subprocess.CompletedProcess]

    @property
    def collections(self) -> Path:
        return self.home / ".ansible/collections"

    def env(self) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if not key.startswith(("ANSIBLE_", "MOLECULE_", "VIRTUAL_ENV"))}
        # PWD as a shell in the working directory sets it: run_job.yml saves results under $PWD/results.
        env.update(PATH=f"{self.bin}:{env['PATH']}", HOME=str(self.home), PWD=str(self.workdir), ANSIBLE_NOCOLOR="1")
        return env

    def readme_playbook(self, index: int, *extra: str) -> subprocess.CompletedProcess:
        """The README's index-th ansible-playbook line on this controller's cluster, run outside the checkout."""
        argv = [str(self.inventory) if arg == "my-inventory" else arg for arg in README_PLAYBOOKS[index]]
        result = run([str(self.bin / "ansible-playbook"), *argv[1:], *extra], cwd=self.workdir, env=self.env(),
                     timeout=1200)
        print(result.stdout)
        return result

    def node(self, name: str, command: str) -> str:
        return subprocess.run([str(PROJECT / "tools/vcluster"), "--name", self.cluster, "ssh", name, "--", command],
                              capture_output=True, text=True, check=True).stdout


def make_venv(core: str) -> Path:
    """A virtualenv with ansible-core `core` alone, kept between runs under .cache/artifact."""
    venv = CACHE / f"venv-ansible-core-{core}"
    marker = venv / ".installed"
    if not marker.exists():
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
        pip = run([str(venv / "bin/pip"), "install", "--quiet", f"ansible-core=={core}"])
        assert pip.returncode == 0, pip.stdout
        marker.touch()
    return venv / "bin"


@pytest.fixture(scope="session")
def cluster() -> Iterator[str]:
    """The four fresh nodes both controllers manage, one after the other."""
    name = "artifact"
    vcluster = [str(PROJECT / "tools/vcluster"), "--name", name]
    subprocess.run([*vcluster, "down"], check=True)
    subprocess.run([*vcluster, "up", "--nodes", str(NODES), "--slots", str(SLOTS)], check=True)
    try:
        yield name
    finally:
        subprocess.run([*vcluster, "down"], check=False)


# In the order of CORES: the lowest first, on the fresh nodes.
@pytest.fixture(scope="class", params=list(CORES), ids=lambda name: f"{name}-core")
def controller(request, tmp_path_factory, cluster):
    core = CORES[request.param]
    bin_ = make_venv(core)
    user = tmp_path_factory.mktemp(f"user-{request.param}")
    home, workdir = user / "home", user / "work"
    home.mkdir()
    workdir.mkdir()
    checkout = copy_of_checkout(user / "picluster")
    controller = Controller(core, bin_, home, workdir, PROJECT / ".vcluster" / cluster / "inventory.yml", cluster, [])
    for line in README_GALAXY:
        controller.installs.append(run(["bash", "-c", line], cwd=checkout, env=controller.env()))
    return controller


@pytest.fixture(scope="class")
def converged(controller) -> subprocess.CompletedProcess:
    return controller.readme_playbook(0)


@pytest.fixture(scope="class")
def reconverged(controller, converged) -> subprocess.CompletedProcess:
    return controller.readme_playbook(0)


@pytest.fixture(scope="class")
def pi_job(controller, converged) -> subprocess.CompletedProcess:
    return controller.readme_playbook(1, "-e", f"np={NODES * SLOTS}")


class TestFromArtifact:
    def test_virtualenv_holds_only_ansible_core(self, controller):
        freeze = run([str(controller.bin / "pip"), "freeze"]).stdout.splitlines()
        ansible_dists = sorted(line for line in freeze if line.lower().startswith("ansible"))
        assert ansible_dists == [f"ansible-core=={controller.core}"], freeze

    @pytest.mark.parametrize("step", range(len(README_GALAXY)))
    def test_readme_install_command_succeeds_in_the_checkout(self, controller, step):
        done = controller.installs[step]
        assert done.returncode == 0 and "Nothing to do" not in done.stdout, f"{README_GALAXY[step]}:\n{done.stdout}"

    def test_collection_is_installed_from_the_artifact(self, controller):
        listing = run([str(controller.bin / "ansible-galaxy"), "collection", "list", "picluster.mpi"],
                      cwd=controller.workdir, env=controller.env()).stdout
        assert re.search(rf"picluster\.mpi\s+{re.escape(GALAXY['version'])}", listing), listing
        assert str(controller.collections) in listing, listing

    def test_site_converges(self, converged):
        counters = recap(converged.stdout)
        assert converged.returncode == 0, converged.stdout[-3000:]
        assert sorted(host for host in counters if host != "localhost") == [f"rpi-{n}" for n in range(NODES)], counters

    def test_site_rerun_changes_nothing(self, reconverged):
        assert reconverged.returncode == 0, reconverged.stdout[-3000:]
        changed = changed_hosts(reconverged.stdout)
        assert not changed, f"a second site run changed {changed}"

    def test_run_job_pi_succeeds(self, pi_job):
        assert pi_job.returncode == 0, pi_job.stdout[-3000:]

    def test_run_job_pi_result(self, controller, pi_job):
        results = sorted((controller.workdir / "results").glob("pi-*.json"))
        assert results, f"no result saved under {controller.workdir / 'results'}"
        result = json.loads(results[-1].read_text())
        assert result["ranks"] == NODES * SLOTS, result
        assert sorted(result["hosts"]) == [f"rpi-{n}" for n in range(NODES)], result
        assert math.isclose(result["pi"], math.pi, abs_tol=1e-6), result

    def test_job_script_comes_from_the_installed_collection(self, controller, pi_job):
        installed = (controller.collections / "ansible_collections/picluster/mpi/files/mpi_jobs/pi.py").read_bytes()
        on_head = controller.node("rpi-0", "sudo sha256sum /home/mpi/mpi_jobs/pi.py").split()[0]
        assert on_head == hashlib.sha256(installed).hexdigest()
