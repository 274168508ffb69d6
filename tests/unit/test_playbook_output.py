"""The recap reader the suites and benchmarks share (tests/support/playbook_output.py), on real playbook runs."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from playbook_output import changed_hosts, failed_task, plain_output_env, recap

ANSIBLE_PLAYBOOK = Path(sys.executable).parent / "ansible-playbook"
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
    (workdir / "play.yml").write_text(PLAY)
    (workdir / "inventory.ini").write_text(
        "first ansible_connection=local\nsecond ansible_connection=local\n"
        f"[all:vars]\nansible_python_interpreter={sys.executable}\nmarker={workdir / 'touched'}\n")
    result = subprocess.run([str(ANSIBLE_PLAYBOOK), "-i", "inventory.ini", "play.yml"], cwd=workdir,
                            env=plain_output_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False)
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
