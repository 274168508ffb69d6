"""bench/provision_bench.py keeps why a run failed: every failed or unreachable task result with its reason."""
from __future__ import annotations

from importlib.util import module_from_spec, spec_from_file_location
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SPEC = spec_from_file_location("provision_bench", ROOT / "bench/provision_bench.py")
bench = module_from_spec(SPEC)
SPEC.loader.exec_module(bench)

# As ansible-playbook prints them with the yaml result format (ansible.cfg), between other tasks' lines.
OUTPUT = """TASK [picluster.mpi.mpi_job : Read every node's throttle state after the job] ***
ok: [rpi-0]
fatal: [rpi-7]: UNREACHABLE! => changed=false
  msg: 'Failed to connect to the host via ssh: Connection timed out during banner exchange'
  unreachable: true
ok: [rpi-1]
fatal: [rpi-9]: FAILED! => changed=false
  msg: 'Timeout (62s) waiting for privilege escalation prompt: '

PLAY RECAP *********************************************************************
rpi-7                      : ok=30   changed=3    unreachable=1    failed=0
"""


def test_an_unreachable_node_is_kept_with_its_reason():
    kept = bench.failure_lines(OUTPUT)
    assert kept[:3] == ["fatal: [rpi-7]: UNREACHABLE! => changed=false",
                        "  msg: 'Failed to connect to the host via ssh: Connection timed out during banner exchange'",
                        "  unreachable: true"], kept


def test_a_failed_task_is_kept_with_its_reason_and_nothing_else_is():
    kept = bench.failure_lines(OUTPUT)
    assert kept[3:] == ["fatal: [rpi-9]: FAILED! => changed=false",
                        "  msg: 'Timeout (62s) waiting for privilege escalation prompt: '"], kept


def test_the_lines_kept_are_bounded():
    assert len(bench.failure_lines(OUTPUT * 100, limit=7)) == 7
