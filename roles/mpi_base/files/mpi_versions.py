"""Print the versions of this node's MPI stack as JSON (null for what is missing); never starts MPI."""
import importlib
import json
import platform
import re
import subprocess


def module_version(name):
    try:
        return importlib.import_module(name).__version__
    except Exception:  # noqa: BLE001 - a broken install counts as missing
        return None


def openmpi_version():
    try:
        out = subprocess.run(["ompi_info", "--version"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.search(r"Open MPI v(\S+)", out)
    return match.group(1) if match else None


print(json.dumps({
    "openmpi": openmpi_version(),
    "mpi4py": module_version("mpi4py"),
    "numpy": module_version("numpy"),
    "python": platform.python_version(),
    "architecture": platform.machine(),
}))
