"""When a stage runs out of time, tools/timed names the nodes its ssh commands wait on, to show what those nodes
were doing (stop 39's CI: an artifact stage waited 14 minutes on one node's apt, with nothing printed from the node)."""
from __future__ import annotations

from importlib.machinery import SourceFileLoader
from importlib.util import module_from_spec, spec_from_loader
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LOADER = SourceFileLoader("timed", str(ROOT / "tools/timed"))
timed = module_from_spec(spec_from_loader("timed", LOADER))
LOADER.exec_module(timed)

# The listing stop 39's CI printed, shortened: Ansible's ssh to a node, under the playbook that waited on it.
ANSIBLE_WAIT = """\
  PID     ELAPSED COMMAND
31406       14:29  \\_ /venv/bin/python3.11 /venv/bin/ansible-playbook -i /x/inventory.yml picluster.mpi.site
31911       14:23      \\_ ssh -C -o ControlMaster=auto -o User="pi" -tt 10.213.28.13 /bin/sh -c 'python3 AnsiballZ_apt.py'
"""


def test_the_address_ansibles_ssh_waits_on_is_named():
    assert timed.ssh_targets(ANSIBLE_WAIT) == ["10.213.28.13"]


def test_a_user_at_address_target_is_named_by_its_address():
    tree = "  12 00:10 \\_ /usr/bin/ssh -o BatchMode=yes mpi@172.18.0.11 hostname\n"
    assert timed.ssh_targets(tree) == ["172.18.0.11"]


def test_each_node_is_named_once_in_the_order_listed():
    tree = ("1 00:01 ssh -tt 10.0.0.12 true\n2 00:01 ssh -tt 10.0.0.11 true\n"
            "3 00:01 ssh -tt 10.0.0.12 true\n")
    assert timed.ssh_targets(tree) == ["10.0.0.12", "10.0.0.11"]


@pytest.mark.parametrize("line", [
    "9 01:00 /venv/bin/pytest molecule/heal/tests --hosts 10.0.0.11",
    "9 01:00 mpirun --host 10.0.0.11,10.0.0.12 python3 pi.py",
    "9 01:00 ssh-keyscan 10.0.0.11",
])
def test_addresses_outside_an_ssh_command_are_not_taken_for_its_target(line):
    assert timed.ssh_targets(line) == [], line
