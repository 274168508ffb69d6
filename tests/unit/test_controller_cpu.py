"""The benchmark's split of the controller's CPU (bench/callback_plugins/controller_cpu.py), on a real playbook run."""
from __future__ import annotations

import json
import resource
from pathlib import Path

import pytest
from local_play import run_on_two_local_hosts

ROOT = Path(__file__).resolve().parents[2]
# Two hosts: a task that waits a second on each, one that calls no module, and one that both skip.
PLAY = """
- name: Wait, think and skip
  hosts: all
  gather_facts: false
  tasks:
    - name: Wait a second
      ansible.builtin.command: sleep 1
      changed_when: false
    - name: Check something on the controller
      ansible.builtin.assert:
        that: true
    - name: Skip a module
      ansible.builtin.stat:
        path: /
      when: false
"""
TASKS = ["Wait a second", "Check something on the controller", "Skip a module"]


def children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@pytest.fixture(scope="module")
def split(tmp_path_factory) -> dict:
    workdir = tmp_path_factory.mktemp("controller_cpu")
    output = workdir / "split.json"
    before = children_cpu_s()
    result = run_on_two_local_hosts(workdir, PLAY, ANSIBLE_CALLBACK_PLUGINS=str(ROOT / "bench/callback_plugins"),
                                    ANSIBLE_CALLBACKS_ENABLED="controller_cpu", BENCH_CONTROLLER_CPU=str(output))
    assert result.returncode == 0, result.stdout
    return {**json.loads(output.read_text()), "whole_run_cpu_s": children_cpu_s() - before}


def test_every_task_result_on_every_host_is_a_host_task(split):
    assert split["host_tasks"] == len(TASKS) * 2, split


def test_every_task_is_noted_in_order(split):
    assert [task[0] for task in split["tasks"]] == TASKS, split["tasks"]


def test_a_task_that_waits_on_its_forks_lasts_as_long_as_they_do(split):
    name, wall, _cpu = split["tasks"][0]
    assert wall >= 1.0, f"{name} took {wall} s, less than the second each host slept"


def test_the_main_process_is_part_of_the_whole_run(split):
    assert 0 < split["main_cpu_s"] < split["whole_run_cpu_s"], split
