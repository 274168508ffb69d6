"""Which versions must be the same on every node: one policy for site.yml (the cluster view refuses to change a
mixed cluster) and check.yml (its versions line). Imported by the filters as
ansible_collections.picluster.mpi.plugins.plugin_utils.version_policy."""
from __future__ import annotations

# A difference here fails or hangs jobs: Open MPI and mpi4py speak their own versions' wire protocols; ranks on
# different Python minors exchange pickles one of them may not read; Slurm's daemons refuse other versions.
MUST_MATCH = (("openmpi", "Open MPI"), ("mpi4py", "mpi4py"), ("python", "Python"), ("slurm", "Slurm"))
# Shown beside them, and a difference is a warning: NumPy arrays cross nodes as buffers, whose layout does not
# change between releases.
SHOWN = (("numpy", "NumPy"),)


def comparable(key, version):
    """The part of a version that must match: Python's major and minor (3.11.2 and 3.11.4 share pickles), else
    the whole version."""
    version = str(version)
    return ".".join(version.split(".")[:2]) if key == "python" else version


def differences(versions, components=MUST_MATCH):
    """For every component whose installed versions differ between nodes: (key, label, {node: version}). Nodes
    without the component installed are left out of its comparison."""
    found = []
    for key, label in components:
        installed = {node: found_versions[key] for node, found_versions in versions.items() if found_versions.get(key)}
        if len({comparable(key, version) for version in installed.values()}) > 1:
            found.append((key, label, installed))
    return found


def shown(versions):
    """The components to show for these nodes: every one of the policy that some node has."""
    return [(key, label) for key, label in MUST_MATCH + SHOWN if any(v.get(key) for v in versions.values())]
