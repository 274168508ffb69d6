"""Slurm's accounting database as the roster wants it: what `sacctmgr` reports, and the `sacctmgr` commands that
bring it in step (the cluster, the accounts, each person's association and limits). Pure functions, so the unit
tests run them on sacctmgr's real output; the module picluster.mpi.slurm_accounts runs the commands.

Imported as ansible_collections.picluster.mpi.plugins.module_utils.slurm_accounting."""
from __future__ import annotations

# sacctmgr's parsable output (-n -P): one line per record, fields split by |, in the order the format asks.
ASSOC_FORMAT = ("user", "account", "maxjobs", "grptres", "fairshare")
ACCOUNT_FORMAT = ("account", "descr")
# What a person's limits are in sacctmgr's words, and the value that clears each.
LIMITS = {"max_jobs": ("MaxJobs", "maxjobs", "-1"), "max_cpus": ("GrpTRES", "grptres", "cpu=-1"),
          "fairshare": ("Fairshare", "fairshare", "1")}


def parse(text, fields):
    """Records of Slurm's parsable output (sacctmgr and sacct with --noheader --parsable2), as dicts by the format's
    field names; a missing trailing field reads as empty. The one reader of it, for the modules and the filters."""
    records = []
    for line in (text or "").splitlines():
        if line.strip():
            values = line.split("|")
            records.append(dict(zip(fields, values + [""] * (len(fields) - len(values)))))
    return records


def _limit_value(limit, value):
    """A limit as sacctmgr sets it (None clears it)."""
    if value is None:
        return LIMITS[limit][2]
    return f"cpu={value}" if limit == "max_cpus" else str(value)


def _limit_current(limit, record):
    """A limit as sacctmgr shows it, in the form _limit_value gives (unset shows as the clearing value)."""
    shown = record.get(LIMITS[limit][1], "")
    if limit == "max_cpus":
        cpus = dict(part.split("=", 1) for part in shown.split(",") if "=" in part).get("cpu")
        return f"cpu={cpus}" if cpus else LIMITS[limit][2]
    return shown or LIMITS[limit][2]


def _limits_argv(user, record=None):
    """`Name=value` words for the limits that differ from `record` (every limit set, without a record)."""
    words = []
    for limit, (name, _shown, _clear) in LIMITS.items():
        wanted = _limit_value(limit, user.get(limit))
        if record is None:
            if user.get(limit) is not None:
                words.append(f"{name}={wanted}")
        elif _limit_current(limit, record) != wanted:
            words.append(f"{name}={wanted}")
    return words


def plan(cluster, clusters, accounts, existing_accounts, users, associations):
    """The sacctmgr commands (argv lists, in order) that make the database hold: the cluster; every account of
    `accounts` (name, description) under it; for each user (name, slurm_account, state, limits) present, one association
    to their account with their limits, that account their default; for each one absent, none.

    `clusters`, `existing_accounts` and `associations` are what sacctmgr reports now (parse()). Accounts and
    people the roster does not name are left alone: the database may hold history the admin keeps."""
    sacctmgr = ["sacctmgr", "--immediate"]
    commands = []
    if cluster not in clusters:
        commands.append([*sacctmgr, "add", "cluster", cluster])
    described = {record["account"]: record.get("descr", "") for record in existing_accounts}
    for account in accounts:
        name, description = account["name"].lower(), account.get("description") or account["name"]
        if name not in described:
            commands.append([*sacctmgr, "add", "account", name, f"Description={description}", f"Cluster={cluster}"])
        elif described[name] != description.lower() and described[name] != description:
            commands.append([*sacctmgr, "modify", "account", "where", f"name={name}", "set",
                             f"Description={description}"])
    held = {}
    for record in associations:
        if record.get("user"):
            held.setdefault(record["user"], {})[record["account"]] = record
    for user in users:
        name, account = user["name"], (user.get("slurm_account") or "").lower()
        mine = held.get(name, {})
        if user.get("state", "present") == "absent":
            if mine:
                commands.append([*sacctmgr, "remove", "user", "where", f"name={name}", f"cluster={cluster}"])
            continue
        if account not in mine:
            commands.append([*sacctmgr, "add", "user", name, f"Account={account}", f"Cluster={cluster}",
                             f"DefaultAccount={account}", *_limits_argv(user)])
            if mine:
                # Moved to another account: that one becomes the default before the old association can go.
                commands.append([*sacctmgr, "modify", "user", "where", f"name={name}", "set",
                                 f"DefaultAccount={account}"])
        else:
            changed = _limits_argv(user, mine[account])
            if changed:
                commands.append([*sacctmgr, "modify", "user", "where", f"name={name}", f"account={account}",
                                 f"cluster={cluster}", "set", *changed])
        for other in sorted(set(mine) - {account}):
            commands.append([*sacctmgr, "remove", "user", "where", f"name={name}", f"account={other}",
                             f"cluster={cluster}"])
    return commands
