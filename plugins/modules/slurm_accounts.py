#!/usr/bin/python
"""Module picluster.mpi.slurm_accounts: keep Slurm's accounting database in step with the roster."""
from __future__ import annotations

DOCUMENTATION = r"""
module: slurm_accounts
author: picluster.mpi maintainers (@picluster)
version_added: 0.2.0
short_description: Keep Slurm's cluster, accounts and people's associations in step with the roster
description:
  - Reads what Slurm's accounting database holds with C(sacctmgr) (the cluster, the accounts, the associations of
    people) and runs the C(sacctmgr) commands that make it hold the cluster, every account given, and for every
    person present one association to their account, with their limits, that account their default; a person
    absent has none left, so with C(AccountingStorageEnforce=associations) they can run no job.
  - Accounts and people it is not given are left alone.
  - Runs on the node of slurmdbd, as root (Slurm's administrator). Changes nothing where the database already holds
    all of it.
options:
  cluster:
    description: The cluster's name in Slurm (C(ClusterName)).
    type: str
    required: true
  accounts:
    description: The accounts, each with C(name) and C(description).
    type: list
    elements: dict
    default: []
  users:
    description:
      - The people, as the roster has them (other keys are ignored) - each with C(name), C(slurm_account), C(state)
        (C(present) or C(absent)) and the limits C(max_jobs)
        (MaxJobs, jobs running at once), C(max_cpus) (GrpTRES cpu, CPUs of their running jobs together) and
        C(fairshare) (Fairshare), each null for none.
    type: list
    elements: dict
    default: []
attributes:
  check_mode:
    description: Reports the commands it would run, and runs none.
    support: full
  diff_mode:
    description: Returns no diff.
    support: none
"""

EXAMPLES = r"""
- name: Bring Slurm's accounts in step with the roster
  picluster.mpi.slurm_accounts:
    cluster: cluster
    accounts: [{name: cluster, description: Everyone on the cluster}]
    users:
      - {name: alice, slurm_account: cluster, state: present, max_jobs: 2, max_cpus: null, fairshare: null}
"""

RETURN = r"""
commands:
  description: The sacctmgr commands run (in check mode, that would run), in order.
  returned: always
  type: list
  elements: list
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.picluster.mpi.plugins.module_utils.slurm_accounting import (
    ACCOUNT_FORMAT,
    ASSOC_FORMAT,
    parse,
    plan,
)


def read(module, *what, fields):
    rc, out, err = module.run_command(["sacctmgr", "--noheader", "--parsable2", "show", *what,
                                       f"format={','.join(fields)}"], environ_update={"LANG": "C"})
    if rc != 0:
        module.fail_json(msg=f"sacctmgr cannot read the accounting database: {err.strip() or out.strip()}. Is "
                             "slurmdbd running (systemctl status slurmdbd, /var/log/slurm/slurmdbd.log)?")
    return parse(out, fields)


def main():
    module = AnsibleModule(
        argument_spec={
            "cluster": {"type": "str", "required": True},
            "accounts": {"type": "list", "elements": "dict", "default": []},
            "users": {"type": "list", "elements": "dict", "default": []},
        },
        supports_check_mode=True,
    )
    cluster = module.params["cluster"].lower()
    clusters = [record["cluster"] for record in read(module, "cluster", fields=("cluster",))]
    existing = read(module, "account", fields=ACCOUNT_FORMAT)
    associations = read(module, "association", "where", f"cluster={cluster}", fields=ASSOC_FORMAT)
    commands = plan(cluster, clusters, module.params["accounts"], existing, module.params["users"], associations)
    if not module.check_mode:
        for argv in commands:
            rc, out, err = module.run_command(argv, environ_update={"LANG": "C"})
            if rc != 0:
                module.fail_json(msg=f"{' '.join(argv)} failed: {err.strip() or out.strip()}", commands=commands)
    module.exit_json(changed=bool(commands), commands=commands)


if __name__ == "__main__":
    main()
