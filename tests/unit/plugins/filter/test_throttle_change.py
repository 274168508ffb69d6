"""Which nodes throttled while a job ran, from node_health's readings before and after it."""
from __future__ import annotations

from pathlib import Path

import pytest
from ansible_collections.picluster.mpi.plugins.filter.throttle_change import throttle_change
from ansible_collections.picluster.mpi.plugins.module_utils import pi_sensors

ROOT = Path(__file__).resolve().parents[4]


def pi(value: int) -> dict:
    """The `pi` part of node_health on a board whose get_throttled printed `value`."""
    return {"throttled": f"0x{value:x}", **pi_sensors.decode_throttled(value), "temperature_c": 50.0, "error": None}


@pytest.mark.parametrize(("before", "after", "during"), [
    (0x0, 0x0, []),
    (0x50000, 0x50000, []),
    (0x0, 0x50005, ["under-voltage", "throttled"]),
    (0x0, 0x50000, ["under-voltage", "throttled"]),
    (0x50000, 0xD0000, ["soft temperature limit"]),
    (0x80008, 0x80008, ["soft temperature limit"]),
    (0x0, 0xE0000, ["frequency capped", "throttled", "soft temperature limit"]),
], ids=["healthy", "old-news", "under-voltage-now", "under-voltage-in-between", "hot-in-between",
        "hot-throughout", "hot-and-cooled"])
def test_during_names_what_held_at_the_end_or_first_happened_in_the_job(before, after, during):
    result = throttle_change({"rpi-1": pi(before)}, {"rpi-1": pi(after)})
    assert result["nodes"]["rpi-1"] == {"before": f"0x{before:x}", "after": f"0x{after:x}", "during": during}


def test_a_node_throttled_during_the_job_gets_a_warning_naming_it():
    result = throttle_change({"rpi-0": pi(0), "rpi-1": pi(0)}, {"rpi-0": pi(0), "rpi-1": pi(0x50005)})
    assert [w.split(" (")[0] for w in result["warnings"]] == ["rpi-1 was throttled during the job"], result


def test_nodes_off_a_pi_are_recorded_as_null_without_warnings():
    assert throttle_change({"rpi-0": None}, {"rpi-0": None}) == {"nodes": {"rpi-0": None}, "warnings": []}


def test_a_node_read_only_after_the_job_is_still_judged():
    result = throttle_change({}, {"rpi-2": pi(0x50005)})
    assert result["nodes"]["rpi-2"]["during"] == ["under-voltage", "throttled"] and result["warnings"], result
