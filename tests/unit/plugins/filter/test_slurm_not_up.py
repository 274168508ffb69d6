"""The filter slurm_not_up and the Slurm states it shares with check.yml's report (module_utils/slurm_states)."""
from __future__ import annotations

import pytest
from ansible_collections.picluster.mpi.plugins.filter.slurm_not_up import slurm_not_up
from ansible_collections.picluster.mpi.plugins.module_utils.slurm_states import node_states

# `sinfo --noheader --Node --format '%N|%t|%E'` on the virtual cluster (Slurm 22.05.8), rpi-2 powered off.
SINFO = "rpi-0|idle|none\nrpi-1|mix|none\nrpi-2|down*|Not responding\nrpi-3|alloc|none\n"


def test_sinfo_lines_give_each_node_its_state_and_reason():
    assert node_states(SINFO)["rpi-2"] == ("down*", "Not responding")


def test_a_node_that_runs_jobs_is_up_and_one_slurmctld_cannot_reach_is_not():
    assert slurm_not_up(SINFO) == ["rpi-2"]


@pytest.mark.parametrize("state", ["idle*", "idle~", "drain", "down", "unk"])
def test_a_flag_or_any_other_state_is_not_up(state):
    assert slurm_not_up(f"rpi-0|{state}|none\n") == ["rpi-0"]


def test_a_node_sinfo_does_not_list_is_not_up_when_it_must_be():
    assert slurm_not_up("rpi-0|idle|none\n", ["rpi-0", "rpi-1"]) == ["rpi-1"]


def test_no_output_leaves_no_node_up():
    assert slurm_not_up("", ["rpi-0"]) == ["rpi-0"]
