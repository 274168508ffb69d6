"""Every role documents its variables once: argument specs, defaults and README tables must agree."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

PROJECT = Path(__file__).resolve().parents[2]
ROLES = sorted(p.name for p in (PROJECT / "roles").iterdir() if p.is_dir())


def spec_options(role: str) -> dict:
    specs = yaml.safe_load((PROJECT / "roles" / role / "meta/argument_specs.yml").read_text())
    return specs["argument_specs"]["main"].get("options", {})


def defaults(role: str) -> dict:
    path = PROJECT / "roles" / role / "defaults/main.yml"
    return (yaml.safe_load(path.read_text()) or {}) if path.exists() else {}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("part", ["meta/argument_specs.yml", "meta/main.yml", "README.md", "tasks/main.yml"])
def test_role_has_its_parts(role, part):
    assert (PROJECT / "roles" / role / part).is_file(), f"roles/{role}/{part} is missing"


@pytest.mark.parametrize("role", ROLES)
def test_every_default_is_a_documented_option_and_back(role):
    with_default = {name for name, option in spec_options(role).items() if "default" in option}
    assert set(defaults(role)) == with_default, (
        f"{role}: only in defaults/main.yml: {sorted(set(defaults(role)) - with_default)}; "
        f"only in argument_specs.yml: {sorted(with_default - set(defaults(role)))}")


@pytest.mark.parametrize("role", ROLES)
def test_documented_defaults_equal_the_real_ones(role):
    options = spec_options(role)
    differ = {
        name: (value, options[name]["default"])
        for name, value in defaults(role).items()
        # A computed default ("{{ ... }}") is documented in words.
        if name in options and not (isinstance(value, str) and "{{" in value) and value != options[name]["default"]
    }
    assert not differ, f"{role}: defaults/main.yml vs argument_specs.yml: {differ}"


@pytest.mark.parametrize("role", ROLES)
def test_public_variables_carry_the_role_prefix(role):
    # The internal role holds the collection-wide settings (mpi_user, mpi_head, ...), and the shared storage's and
    # monitoring's, which every playbook reads (site.yml sets them up, run_job.yml runs jobs on the one and records
    # what the other saw, check.yml checks both); its own variables are __cluster_*.
    prefixes = ("mpi_", "shared_storage_", "cluster_", "monitoring_") if role == "_cluster" else (f"{role}_",)
    stray = [name for name in spec_options(role) if not name.startswith(prefixes)]
    assert not stray, f"{role}: variables without the prefix {' or '.join(prefixes)}: {stray}"


def test_readme_variable_tables_match_the_argument_specs():
    result = subprocess.run([sys.executable, str(PROJECT / "tools/role-docs"), "--check"], capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0, result.stderr
