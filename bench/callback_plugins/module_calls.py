"""Count the module calls of a playbook run per host, for bench/provision_bench.py.

Enabled with ANSIBLE_CALLBACK_PLUGINS=bench/callback_plugins ANSIBLE_CALLBACKS_ENABLED=module_calls; writes
{"host": calls, ...} as JSON to the file named by BENCH_MODULE_CALLS at the end of the run. A module call is a
result (or a loop item's result) that carries the module's `invocation`: tasks that run on the controller
alone (assert, set_fact, debug, argument specs, includes) and skipped ones carry none.
"""
from __future__ import annotations

import json
import os
from collections import Counter

from ansible.plugins.callback import CallbackBase


def module_calls(result: dict) -> int:
    """The module calls behind one task result: one per item that ran a module."""
    items = result.get("results")
    return sum(1 for item in (items if isinstance(items, list) else [result])
               if isinstance(item, dict) and "invocation" in item)


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "module_calls"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self) -> None:
        super().__init__()
        self.calls: Counter[str] = Counter()

    def _count(self, result) -> None:
        self.calls[result._host.get_name()] += module_calls(result._result)

    def v2_runner_on_ok(self, result) -> None:
        self._count(result)

    def v2_runner_on_failed(self, result, ignore_errors=False) -> None:
        self._count(result)

    def v2_playbook_on_stats(self, stats) -> None:
        with open(os.environ["BENCH_MODULE_CALLS"], "w", encoding="utf-8") as handle:
            json.dump(dict(self.calls), handle)
