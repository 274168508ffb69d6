"""The roster of the cluster's people (cluster_users): each entry filled in with its defaults, and every setting that
cannot work refused, naming the entry and what to fix, before any node is changed.

Imported by the cluster view as ansible_collections.picluster.mpi.plugins.plugin_utils.roster."""
from __future__ import annotations

import base64
import binascii
import re
import struct

FIELDS = ("name", "uid", "ssh_keys", "groups", "slurm_account", "max_jobs", "max_cpus", "fairshare", "state")
LIMITS = ("max_jobs", "max_cpus", "fairshare")
STATES = ("present", "absent")
# Debian's useradd: a login name starts with a lower-case letter or _, at most 32 characters.
NAME = re.compile(r"[a-z_][a-z0-9_-]{0,31}")
# Debian's range of uids for people (/etc/login.defs UID_MIN and UID_MAX).
UID_MIN, UID_MAX = 1000, 60000
RESERVED = ("root", "nobody")
KEY_TYPES = ("ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
             "sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com")


def key_problem(key):
    """Why `key` is not one line of an SSH public key (type, base64 blob, optional comment), or None."""
    fields = str(key).split() if isinstance(key, str) else []
    if len(fields) < 2 or "\n" in key:
        return "is not one line 'TYPE KEY [COMMENT]' of an SSH public key (the content of a .pub file)"
    if fields[0] not in KEY_TYPES:
        return f"has type '{fields[0]}', not one of {', '.join(KEY_TYPES)}"
    try:
        blob = base64.b64decode(fields[1], validate=True)
        length = struct.unpack(">I", blob[:4])[0]
        inner = blob[4:4 + length].decode("ascii")
    except (binascii.Error, struct.error, UnicodeDecodeError, ValueError):
        inner = None
    # The blob starts with the key's type, as a length and a name: what is not an SSH key fails here.
    if inner not in KEY_TYPES:
        return "has a key part that is not an SSH key's base64"
    if inner != fields[0]:
        return f"says '{fields[0]}' but holds a '{inner}' key"
    return None


def _positive_int(value):
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def normalize(users, default_account):
    """Every well-formed entry with its defaults filled in, in roster order (entries that are not mappings left out:
    problems() reports them)."""
    return [{
        "name": entry.get("name"),
        "uid": entry.get("uid"),
        "ssh_keys": list(entry.get("ssh_keys") or []),
        "groups": list(entry.get("groups") or []),
        "slurm_account": entry.get("slurm_account") or default_account,
        **{limit: entry.get(limit) for limit in LIMITS},
        "state": entry.get("state") or "present",
    } for entry in users or [] if isinstance(entry, dict)]


def _label(index, entry):
    name = entry.get("name") if isinstance(entry, dict) else None
    return f"cluster_users[{index}]" + (f" ({name})" if name else "")


def _entry_problems(label, entry, reserved, accounts):
    found = [f"{label}: unknown field '{field}'; the fields are {', '.join(FIELDS)}." for field in entry
             if field not in FIELDS]
    name, uid = entry.get("name"), entry.get("uid")
    if not isinstance(name, str) or not NAME.fullmatch(name):
        found.append(f"{label}: name {name!r} is not a login name (a lower-case letter or _, then lower-case letters, "
                     "digits, _ or -, at most 32 characters).")
    elif name in reserved:
        found.append(f"{label}: '{name}' is the name of root, nobody or the MPI user; give the person a name of "
                     "their own.")
    if not isinstance(uid, int) or isinstance(uid, bool) or not UID_MIN <= uid <= UID_MAX:
        found.append(f"{label}: uid {uid!r} must be a number from {UID_MIN} to {UID_MAX} (below {UID_MIN} are "
                     "system accounts), the same on every node.")
    keys = entry.get("ssh_keys") or []
    if not isinstance(keys, list):
        found.append(f"{label}: ssh_keys must be a list of SSH public keys.")
        keys = []
    for number, key in enumerate(keys):
        problem = key_problem(key)
        if problem:
            found.append(f"{label}: ssh_keys[{number}] {problem}.")
    if not isinstance(entry.get("groups") or [], list):
        found.append(f"{label}: groups must be a list of group names.")
    if entry.get("state", "present") not in STATES:
        found.append(f"{label}: state {entry.get('state')!r} must be present or absent.")
    for limit in LIMITS:
        if entry.get(limit) is not None and not _positive_int(entry.get(limit)):
            found.append(f"{label}: {limit} {entry.get(limit)!r} must be a whole number of at least 1 (or unset, no "
                         "limit).")
    account = entry.get("slurm_account")
    if account is not None and account not in accounts:
        found.append(f"{label}: slurm_account '{account}' does not exist; add it to cluster_accounts, or choose one "
                     f"of {', '.join(accounts)}.")
    return found


def _shared(entries, field):
    owners = {}
    for label, entry in entries:
        value = entry.get(field)
        if value is not None and not isinstance(value, (list, dict)):
            owners.setdefault(value, []).append(label)
    return [f"{' and '.join(labels)} have one {field}, {value!r}: every person needs their own."
            for value, labels in owners.items() if len(labels) > 1]


def _node_problems(users, mpi_user, node_accounts, node_groups):
    """Clashes with the accounts and groups already on the nodes: a roster name held there under another uid, a uid
    or gid held there by another name, a group that a node lacks."""
    found = []
    for user in users:
        name, uid = user["name"], user["uid"]
        for node, accounts in sorted((node_accounts or {}).items()):
            held = (accounts.get(name) or {}).get("uid")
            if held is not None and held != uid:
                found.append(f"{name} has uid {held} on {node}, not {uid}: give {name} uid {held} in cluster_users, "
                             f"or remove the account {name} from {node} first.")
            others = sorted(other for other, account in accounts.items() if account.get("uid") == uid and other != name)
            if others:
                found.append(f"uid {uid} of {name} is held on {node} by {', '.join(others)}: choose another uid.")
        for node, groups in sorted((node_groups or {}).items()):
            others = sorted(group for group, gid in groups.items() if gid == uid and group != name)
            if others:
                found.append(f"gid {uid} of {name}'s own group is held on {node} by the group {', '.join(others)}: "
                             "choose another uid.")
            held = groups.get(name)
            if held is not None and held != uid and name not in (node_accounts or {}).get(node, {}):
                found.append(f"the group {name} has gid {held} on {node}, not {uid}: remove the group there first.")
            missing = [group for group in user["groups"] if group not in groups]
            if missing and user["state"] == "present":
                found.append(f"{name}'s groups {', '.join(missing)} do not exist on {node}: create them there (the "
                             "roster adds people to existing groups only) or take them out.")
    return found


def account_names(accounts):
    return [account["name"] for account in accounts or [] if isinstance(account, dict) and account.get("name")]


def account_problems(accounts):
    """cluster_accounts: a list of Slurm accounts, each a mapping with a name (and a description)."""
    if not isinstance(accounts or [], list):
        return ["cluster_accounts must be a list of Slurm accounts, each with a name."]
    return [f"cluster_accounts[{index}] must be a mapping with a name (and a description), not {account!r}."
            for index, account in enumerate(accounts or [])
            if not isinstance(account, dict) or not isinstance(account.get("name"), str) or not account["name"]]


def problems(users, mpi_user, default_account, accounts=(), node_accounts=None, node_groups=None):
    """Every reason the roster cannot be applied, each naming the entry and what to fix. `mpi_user` is the MPI user
    (name, uid); `accounts` the Slurm accounts besides the default (cluster_accounts); node_accounts and node_groups the accounts
    (name: {uid}) and groups (name: gid) on each live node, as node_info reads them."""
    if users is None or users == []:
        return account_problems(accounts)
    if not isinstance(users, list):
        return ["cluster_users must be a list of people, each with a name, a uid and their ssh_keys."]
    found, entries = account_problems(accounts), []
    known_accounts = [default_account, *(a for a in account_names(accounts) if a != default_account)]
    reserved = (*RESERVED, mpi_user["name"])
    for index, entry in enumerate(users):
        if not isinstance(entry, dict):
            found.append(f"{_label(index, entry)} must be a mapping with name, uid and ssh_keys, not {entry!r}.")
            continue
        entries.append((_label(index, entry), entry))
        found += _entry_problems(_label(index, entry), entry, reserved, known_accounts)
        if entry.get("uid") == mpi_user["uid"]:
            found.append(f"{_label(index, entry)}: uid {entry['uid']} is the MPI user's; choose another.")
    found += _shared(entries, "name") + _shared(entries, "uid")
    if found:
        return found
    return _node_problems(normalize(users, default_account), mpi_user, node_accounts, node_groups)
