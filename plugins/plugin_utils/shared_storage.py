"""The shared storage of the cluster: which settings are refused, and how each backend mounts the head node's export
directory on every node. Imported by the filters as ansible_collections.picluster.mpi.plugins.plugin_utils.shared_storage.
"""
from __future__ import annotations

import posixpath

BACKENDS = ("none", "sshfs", "nfs")
# What systemd-escape leaves as it is in a path's name; every other byte becomes \\xNN.
SAFE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:_.")
# Directories of the operating system: the shared directory and the export directory may be neither one of these nor
# inside one (a mount there would hide what the system needs, an export would publish it).
SYSTEM_DIRECTORIES = ("/bin", "/boot", "/dev", "/etc", "/lib", "/lib32", "/lib64", "/proc", "/root", "/run", "/sbin",
                      "/sys", "/tmp", "/usr", "/var")


def _inside(path, directory):
    return path == directory or path.startswith(directory.rstrip("/") + "/")


def _path_problems(name, path, home):
    if not path.startswith("/"):
        return [f"{name} is '{path}': give an absolute path, such as /cluster."]
    if posixpath.normpath(path) != path:
        return [f"{name} is '{path}': write it plainly, as {posixpath.normpath(path)} (no '..', '.', '//' or "
                "trailing '/')."]
    refused = "/" if path == "/" else next((d for d in SYSTEM_DIRECTORIES if _inside(path, d)), None)
    if refused:
        return [f"{name} is '{path}', {'the root directory' if refused == '/' else 'inside ' + refused}, a directory "
                "of the operating system: use a directory of its own, such as /cluster or /srv/cluster."]
    if path == "/home" or _inside(path, home):
        return [f"{name} is '{path}', which would hide the MPI user's home ({home}) and its keys: use a directory "
                "of its own, such as /cluster."]
    return []


def problems(settings, home, head_paths=None):
    """What is wrong with the shared storage settings, each with what to fix; head_paths is what node_info read of
    the paths on the head node (None when the head node was not read)."""
    backend = settings.get("backend") or "none"
    if backend not in BACKENDS:
        return [f"shared_storage_backend is '{backend}': choose one of {', '.join(BACKENDS)}."]
    if backend == "none":
        return []
    path, export_dir = str(settings.get("path") or ""), str(settings.get("export_dir") or "")
    found = _path_problems("shared_storage_path", path, home)
    found += _path_problems("shared_storage_export_dir", export_dir, home)
    if found:
        return found
    if _inside(path, export_dir) or _inside(export_dir, path):
        return [f"shared_storage_path ({path}) and shared_storage_export_dir ({export_dir}) must be apart: every node, "
                "the head node too, mounts the export directory at the shared path."]
    exported = (head_paths or {}).get(export_dir)
    if head_paths is not None and not (exported or {}).get("directory"):
        return [f"shared_storage_export_dir {export_dir} does not exist on the head node: create it there (or mount "
                "the disk that holds the cluster's files there, such as a USB SSD), then run the playbook again."]
    return []


def in_place(node, settings):
    """Whether the node holds something of the shared storage role: its sshfs unit, its block in /etc/fstab, or a
    network file system mounted at the shared path."""
    paths = node.get("paths") or {}
    unit = (paths.get(settings.get("unit") or "") or {}).get("exists")
    mount = ((paths.get(settings.get("path") or "") or {}).get("mount") or {}).get("fstype", "")
    return bool(unit or node.get("fstab_block") is not None or mount in ("fuse.sshfs", "nfs", "nfs4"))


def sshfs_options(user_home, key_type):
    """sshfs's options, each for a reason (see the shared_storage role's README):
    - allow_other, default_permissions: every local user may use the mount, and the kernel checks each file's mode
      against them (the files carry the uid they have on the head node, the same on every node);
    - direct_io, dir_cache=no: no page cache and no directory cache on the client, so what one node wrote is what
      every other node reads next (MPI-IO writes and reads one file from every node);
    - reconnect, ServerAliveInterval/CountMax: a head node that reboots is reconnected to, and one that stopped
      answering is noticed within 45 s;
    - IdentityFile, BatchMode, StrictHostKeyChecking: the MPI user's login (login_options)."""
    return ["allow_other", "default_permissions", "direct_io", "dir_cache=no", "reconnect",
            "ServerAliveInterval=15", "ServerAliveCountMax=3", *login_options(user_home, key_type)]


def login_options(user_home, key_type):
    """The MPI user's login to the head node, as ssh options: the MPI user's key, never a prompt, and the head node's
    host key as ssh_mesh publishes it in /etc/ssh/ssh_known_hosts."""
    return [f"IdentityFile={user_home}/.ssh/id_{key_type}", "BatchMode=yes", "StrictHostKeyChecking=yes"]


def sshfs_probe(user, head, user_home, key_type):
    """The argv of one login to the head node that runs nothing, for the sshfs unit to run before sshfs: sshfs 3
    mounts before it connects, so without it a node whose head node is off would show, for the seconds every attempt
    takes, a mount that fails every access."""
    options = [*login_options(user_home, key_type), "ConnectTimeout=10"]
    return ["/usr/bin/ssh", *(arg for option in options for arg in ("-o", option)), f"{user}@{head}", "true"]


NFS_EXPORT_OPTIONS = "rw,sync,no_subtree_check,root_squash"


def nfs_export_line(export_dir, addresses):
    """The /etc/exports line: to each node of the cluster by its address, and to no other host (a node removed from
    the inventory leaves the line at the next run); rw; sync (a write is on the disk before the client hears it is
    done); no_subtree_check (Debian's advice for exports that are whole file systems, as a USB SSD is); root_squash
    (root on a node is nobody on the export)."""
    return " ".join([export_dir, *(f"{address}({NFS_EXPORT_OPTIONS})" for address in addresses)])


def nfs_fstab_line(head_address, export_dir, path):
    """The /etc/fstab line of the NFS mount on every node: mounted on first use (systemd automount), so a node that
    boots before the head node neither hangs nor fails its boot (_netdev, nofail); hard mounts that wait for a head
    node that reboots instead of handing I/O errors to a job; no attribute caching (actimeo=0) and close-to-open, so
    what one node wrote is what the others read; NFSv4.2, whose locking needs no extra daemon."""
    options = ["_netdev", "nofail", "x-systemd.automount", "x-systemd.mount-timeout=30", "hard", "vers=4.2",
               "actimeo=0"]
    return f"{head_address}:{export_dir} {path} nfs {','.join(options)} 0 0"


def _escape(char, first):
    if char in SAFE and not (first and char == "."):
        return char
    return "".join(f"\\x{byte:02x}" for byte in char.encode())


def unit_name(path, suffix):
    """systemd's unit name for a mount point (as `systemd-escape --path --suffix=SUFFIX PATH` writes it)."""
    parts = [part for part in path.split("/") if part]
    if not parts:
        return f"-.{suffix}"
    escaped = "-".join("".join(_escape(char, index == 0 and not position) for position, char in enumerate(part))
                       for index, part in enumerate(parts))
    return f"{escaped}.{suffix}"


def homes(settings, home_base):
    """Where the roster's people have their homes: `base` (as every node sees it, for their accounts) and `made_in`
    (where the role makes each home directory), and whether they are `shared`.

    On NFS they are one home per person under the shared directory, seen from every node, made once on the head node
    in its export directory (root is squashed on the mount, so root on a node could not make or chown them there).
    sshfs cannot hold them: its mount is the MPI user's login, so every file in it belongs to the MPI user and no home
    could be private. Without NFS, each node makes its own homes under home_base."""
    if (settings.get("backend") or "none") != "nfs":
        return {"shared": False, "base": home_base, "made_in": home_base}
    return {"shared": True, "base": posixpath.join(settings["path"], "home"),
            "made_in": posixpath.join(settings["export_dir"], "home")}
