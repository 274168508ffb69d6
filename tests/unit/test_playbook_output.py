"""The output readers the suites and benchmarks share (tests/support/playbook_output.py), on real playbook runs and
recorded ones."""
from __future__ import annotations

import pytest
from local_play import run_on_two_local_hosts
from playbook_output import changed_hosts, failed_task, failure_lines, recap

# Two hosts on the local connection: one task changes a file on the first only, one task fails on the second.
PLAY = """
- name: Exercise the recap
  hosts: all
  gather_facts: false
  tasks:
    - name: Touch a file on the first host only
      ansible.builtin.file:
        path: "{{ marker }}"
        state: touch
        mode: "0644"
      when: inventory_hostname == 'first'
    - name: Fail on the second host only
      ansible.builtin.fail:
        msg: on purpose
      when: inventory_hostname == 'second'
"""


@pytest.fixture(scope="module")
def output(tmp_path_factory) -> str:
    workdir = tmp_path_factory.mktemp("recap")
    result = run_on_two_local_hosts(workdir, PLAY, f"marker={workdir / 'touched'}\n")
    assert result.returncode == 2, result.stdout
    return result.stdout


def test_recap_has_every_host(output):
    assert sorted(recap(output)) == ["first", "second"], output


def test_recap_counts_each_hosts_results(output):
    counters = recap(output)
    assert (counters["first"]["changed"], counters["first"]["failed"]) == (1, 0), counters
    assert (counters["second"]["changed"], counters["second"]["failed"]) == (0, 1), counters


def test_changed_hosts_names_only_hosts_with_changes(output):
    assert changed_hosts(output) == {"first": 1}, output


def test_failed_task_names_the_task_a_host_failed_at(output):
    assert (failed_task(output, "second") or "").startswith("TASK [Fail on the second host only]"), output


def test_failed_task_is_none_for_a_host_that_did_not_fail(output):
    assert failed_task(output, "first") is None, output


def test_changed_hosts_is_empty_for_output_without_a_recap():
    assert changed_hosts("ERROR! the playbook could not be found\n") == {}


def test_failure_lines_keep_the_failed_task_result_with_its_reason(output):
    kept = failure_lines(output, limit=20)
    assert kept and kept[0].startswith("fatal: [second]: FAILED!") and "on purpose" in "\n".join(kept), output


# An unreachable node and a failed task as ansible-playbook prints them with the yaml result format (the project's
# ansible.cfg), between other tasks' lines: the reason is on the indented lines under each.
YAML_RESULTS = """TASK [picluster.mpi.mpi_job : Read every node's throttle state after the job] ***
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


def test_failure_lines_keep_an_unreachable_node_with_its_reason():
    assert failure_lines(YAML_RESULTS, limit=20)[:3] == [
        "fatal: [rpi-7]: UNREACHABLE! => changed=false",
        "  msg: 'Failed to connect to the host via ssh: Connection timed out during banner exchange'",
        "  unreachable: true"]


def test_failure_lines_keep_nothing_but_the_failed_results():
    assert failure_lines(YAML_RESULTS, limit=20)[3:] == [
        "fatal: [rpi-9]: FAILED! => changed=false", "  msg: 'Timeout (62s) waiting for privilege escalation prompt: '"]


def test_failure_lines_are_bounded():
    assert len(failure_lines(YAML_RESULTS * 100, limit=7)) == 7
