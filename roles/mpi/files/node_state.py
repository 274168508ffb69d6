"""Print, as JSON, everything the picluster.mpi roles need to know about this node, read in one go.

Usage: python3 -c "$(cat node_state.py)" '{"files": [...], "blocks": [...], "lines": [...], "user": "mpi"}'

The roles compare this state with what they would write and call a module only where the two differ, so a
re-run with nothing to change costs one call per node instead of one per task. It only reads: files that
do not exist and programs that are not installed come back as null.
"""
import grp
import hashlib
import json
import os
import platform
import pwd
import re
import stat
import subprocess
import sys


def run(argv):
    try:
        return subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return ""


def read_text(path):
    try:
        with open(path, encoding="utf-8", errors="surrogateescape") as handle:
            return handle.read()
    except OSError:
        return None


def file_state(path):
    """Type, owner, group, mode and SHA-1 of a path, or null when it does not exist."""
    try:
        info = os.lstat(path)
    except OSError:
        return None
    state = {
        "type": "directory" if stat.S_ISDIR(info.st_mode) else "file" if stat.S_ISREG(info.st_mode) else "other",
        "owner": name_of(pwd.getpwuid, info.st_uid),
        "group": name_of(grp.getgrgid, info.st_gid),
        "mode": f"{stat.S_IMODE(info.st_mode):04o}",
    }
    if state["type"] == "file":
        with open(path, "rb") as handle:
            state["sha1"] = hashlib.sha1(handle.read()).hexdigest()
    return state


def name_of(lookup, number):
    try:
        return lookup(number)[0]
    except KeyError:
        return str(number)


def block(path, marker_begin, marker_end):
    """The lines between two marker lines of a file, as blockinfile writes them, or null without the block."""
    lines = (read_text(path) or "").splitlines()
    if marker_begin not in lines or marker_end not in lines[lines.index(marker_begin):]:
        return None
    start = lines.index(marker_begin) + 1
    return "\n".join(lines[start:lines.index(marker_end, start)])


def has_line(path, pattern):
    return any(re.search(pattern, line) for line in (read_text(path) or "").splitlines())


def user(name):
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        return None
    return {"uid": entry.pw_uid, "gid": entry.pw_gid, "home": entry.pw_dir, "shell": entry.pw_shell,
            "comment": entry.pw_gecos}


def group(name):
    try:
        return grp.getgrnam(name).gr_gid
    except KeyError:
        return None


def installed_packages():
    listing = run(["dpkg-query", "--show", "--showformat", "${db:Status-Abbrev} ${Package}\n"])
    return sorted({line.split()[1] for line in listing.splitlines() if line.startswith("ii ")})


def python_version(distribution):
    # Package metadata is enough and does not import NumPy, which takes a good part of a second on a Pi.
    try:
        from importlib.metadata import PackageNotFoundError, version
    except ImportError:
        return None
    try:
        return version(distribution)
    except PackageNotFoundError:
        return None


def openmpi_version():
    match = re.search(r"Open MPI v(\S+)", run(["ompi_info", "--version"]))
    return match.group(1) if match else None


def online_cpus():
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


def main(request):
    print(json.dumps({
        "files": {path: file_state(path) for path in request.get("files", [])},
        "contents": {path: read_text(path) for path in request.get("contents", [])},
        "blocks": {path: {begin: block(path, begin, end) for begin, end in markers}
                   for path, markers in request.get("blocks", {}).items()},
        "lines": {path: {pattern: has_line(path, pattern) for pattern in patterns}
                  for path, patterns in request.get("lines", {}).items()},
        "user": user(request["user"]) if request.get("user") else None,
        "group": group(request["user"]) if request.get("user") else None,
        "packages": installed_packages(),
        "hostname": platform.node(),
        "cpus": online_cpus(),
        "versions": {
            "openmpi": openmpi_version(),
            "mpi4py": python_version("mpi4py"),
            "numpy": python_version("numpy"),
            "python": platform.python_version(),
            "architecture": platform.machine(),
        },
    }, sort_keys=True))


if __name__ == "__main__":
    main(json.loads(sys.argv[1]) if len(sys.argv) > 1 else {})
