"""The benchmark's module-call counter (bench/callback_plugins/module_calls.py), on a real playbook run."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from local_play import run_on_two_local_hosts

ROOT = Path(__file__).resolve().parents[2]
# Per host: one stat, a loop of stat over three items of which the second host skips one, tasks that call no
# module (assert, set_fact, debug, a skipped stat), and a command that fails, ignored, on the second host.
PLAY = """
- name: Call modules and run tasks that call none
  hosts: all
  gather_facts: false
  tasks:
    - name: Call one module
      ansible.builtin.stat:
        path: /
    - name: Call a module per item
      ansible.builtin.stat:
        path: "{{ item }}"
      loop: [/, /tmp, /usr]
      when: not (inventory_hostname == 'second' and item == '/usr')
    - name: Check something on the controller
      ansible.builtin.assert:
        that: true
    - name: Set a fact
      ansible.builtin.set_fact:
        answer: 42
    - name: Say something
      ansible.builtin.debug:
        msg: hello
    - name: Skip a module
      ansible.builtin.stat:
        path: /
      when: false
    - name: Fail a module call on the second host
      ansible.builtin.command:
        argv: ["{{ 'true' if inventory_hostname == 'first' else 'false' }}"]
      changed_when: false
      ignore_errors: true
"""


@pytest.fixture(scope="module")
def counts(tmp_path_factory) -> dict[str, int]:
    workdir = tmp_path_factory.mktemp("module_calls")
    output = workdir / "calls.json"
    result = run_on_two_local_hosts(workdir, PLAY, ANSIBLE_CALLBACK_PLUGINS=str(ROOT / "bench/callback_plugins"),
                                    ANSIBLE_CALLBACKS_ENABLED="module_calls", BENCH_MODULE_CALLS=str(output))
    assert result.returncode == 0, result.stdout
    return json.loads(output.read_text())


def test_every_item_that_ran_a_module_counts(counts):
    assert counts["first"] == 5, counts


def test_skipped_items_and_controller_tasks_do_not_count_but_failed_calls_do(counts):
    assert counts["second"] == 4, counts
