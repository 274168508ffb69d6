"""The outcome of the command that ran a job (filter command_outcome): exit status, lines, wall time, time limit."""
from __future__ import annotations

import pytest
from ansible_collections.picluster.mpi.plugins.filter.command_outcome import command_outcome


def run(rc: int, delta: str) -> dict:
    return {"rc": rc, "delta": delta, "stdout_lines": ["out"], "stderr_lines": ["err"]}


def test_the_outcome_has_the_exit_status_every_line_and_the_wall_time_in_seconds():
    outcome = command_outcome(run(0, "1:02:03.456789"), "mpirun exited with 0")
    assert outcome == {"rc": 0, "lines": ["out", "err"], "wall_s": 3723.457, "timed_out": False,
                       "reason": "mpirun exited with 0", "launch": {}}


@pytest.mark.parametrize(("rc", "timed_out"), [(124, True), (137, True), (1, False), (0, False)],
                         ids=["stopped", "killed-after-stopping", "failed", "passed"])
def test_the_time_limit_is_told_by_timeouts_exit_status(rc, timed_out):
    assert command_outcome(run(rc, "0:10:00.0"), "")["timed_out"] is timed_out


def test_a_command_without_stderr_gives_its_stdout():
    assert command_outcome({"rc": 0, "delta": "0:00:01.5", "stdout_lines": ["a"]}, "")["lines"] == ["a"]
