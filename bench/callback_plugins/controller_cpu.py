"""Split the controller's CPU of a playbook run between Ansible's main process and its forks, for
bench/provision_bench.py.

Enabled with ANSIBLE_CALLBACK_PLUGINS=bench/callback_plugins ANSIBLE_CALLBACKS_ENABLED=controller_cpu; writes
{"main_cpu_s": ..., "host_tasks": ..., "tasks": [...]} as JSON to the file named by BENCH_CONTROLLER_CPU at the end of
the run.
The main process reads every task's variables for every host, decides what runs, starts the forks and waits on
them; the forks (and the ssh clients they start) are the rest of ansible-playbook's CPU, which the bench gets as its
children's. A host task is one task's result on one host (ok, failed, skipped or unreachable): the count the main
process's work should follow. "tasks" gives, for each task, its name, its wall seconds and the main process's CPU
seconds from its start to the next task's: a long task's share is the cost of waiting on the forks, which follows the
wall time, not the work.
"""
from __future__ import annotations

import json
import os
import resource
import time

from ansible.plugins.callback import CallbackBase


def own_cpu_s() -> float:
    """CPU seconds of this process alone (its threads, not its children)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "controller_cpu"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self) -> None:
        super().__init__()
        self.host_tasks = 0
        self.tasks: list[list] = []
        self._started: tuple[str, float, float] | None = None

    def _close_task(self) -> None:
        if self._started:
            name, wall, cpu = self._started
            self.tasks.append([name, round(time.monotonic() - wall, 2), round(own_cpu_s() - cpu, 3)])
            self._started = None

    def v2_playbook_on_task_start(self, task, is_conditional) -> None:
        self._close_task()
        self._started = (task.get_name(), time.monotonic(), own_cpu_s())

    def _count(self, *_args, **_kwargs) -> None:
        self.host_tasks += 1

    v2_runner_on_ok = v2_runner_on_failed = v2_runner_on_skipped = v2_runner_on_unreachable = _count

    def v2_playbook_on_stats(self, stats) -> None:
        self._close_task()
        with open(os.environ["BENCH_CONTROLLER_CPU"], "w", encoding="utf-8") as handle:
            json.dump({"main_cpu_s": round(own_cpu_s(), 2), "host_tasks": self.host_tasks,
                       "tasks": self.tasks}, handle)
