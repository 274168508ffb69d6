"""playbooks/run_job.yml on the provisioned virtual cluster, run from the controller as a user runs it."""
from __future__ import annotations

import json
import math
import os
import subprocess
import time
from pathlib import Path

import pytest
from clustertest import EVERY_RELEASE, INVENTORY, MPI_HOME, NODES, PROJECT, SLOTS, job_module, node, playbook
from playbook_output import recap

ALL_RANKS = SLOTS * len(NODES)


def run_job(*extra: str, inventory: Path = INVENTORY, results: Path | None = None):
    return playbook("playbooks/run_job.yml", *extra, *(["-e", f"mpi_job_results_dir={results}"] if results else []),
                    inventory=inventory)


def saved_result(results: Path, job: str) -> dict:
    files = sorted(results.glob(f"{job}-*.json"))
    assert len(files) == 1, f"expected one saved result for {job}, found {files}"
    return json.loads(files[0].read_text())


@EVERY_RELEASE
def test_pi_on_16_ranks_across_all_nodes(tmp_path):
    result = run_job("-e", "job=pi", "-e", f"np={ALL_RANKS}", results=tmp_path)
    assert result.returncode == 0, result.stdout[-3000:]
    saved = saved_result(tmp_path, "pi")
    assert abs(saved["pi"] - math.pi) < 2.1e-8, saved
    assert (saved["ranks"], set(saved["hosts"])) == (ALL_RANKS, set(NODES)), saved


@EVERY_RELEASE
def test_scatter_hands_every_rank_its_element(tmp_path):
    result = run_job("-e", "job=scatter", results=tmp_path)
    assert result.returncode == 0, result.stdout[-3000:]
    saved = saved_result(tmp_path, "scatter")
    assert saved["received"] == [(rank + 1) ** rank for rank in range(ALL_RANKS)], saved
    assert set(saved["hosts"]) == set(NODES), saved


@EVERY_RELEASE
def test_rma_passes_every_one_sided_step_with_ranks_on_every_node(tmp_path):
    result = run_job("-e", "job=rma", results=tmp_path)
    assert result.returncode == 0, result.stdout[-3000:]
    saved = saved_result(tmp_path, "rma")
    assert (saved["steps"], set(saved["hosts"])) == (job_module("rma").STEPS, set(NODES)), saved


def test_temperature_reports_every_node(tmp_path):
    result = run_job("-e", "job=temperature", results=tmp_path)
    assert result.returncode == 0, result.stdout[-3000:]
    assert set(saved_result(tmp_path, "temperature")["nodes"]) == set(NODES)


USER_SCRIPT = '''
"""A user's own job: every rank reports its host; rank 0 prints a RESULT line."""
import json
from mpi4py import MPI
comm = MPI.COMM_WORLD
hosts = comm.gather(MPI.Get_processor_name(), root=0)
if comm.Get_rank() == 0:
    print("RESULT " + json.dumps({"job": "my_job", "ranks": comm.Get_size(), "hosts": hosts}))
'''


# A stand-in for a Pi's vcgencmd: 0x0 at its first reading (before the job), then 0x50000, what a Pi with a weak
# power supply reports once it has been under-voltage and throttled (after the job).
STAND_IN_VCGENCMD = """#!/bin/sh
case "$1" in
get_throttled)
  if [ -e /run/stand-in-vcgencmd ]; then echo throttled=0x50000; else touch /run/stand-in-vcgencmd; echo throttled=0x0; fi;;
measure_temp) echo "temp=55.5'C";;
esac
"""


@pytest.fixture(scope="module")
def throttled_run(tmp_path_factory):
    host, results = node(NODES[-1]), tmp_path_factory.mktemp("throttled")
    host.check_output(f"cat > /usr/local/bin/vcgencmd <<'EOF'\n{STAND_IN_VCGENCMD}EOF\n"
                      "chmod 0755 /usr/local/bin/vcgencmd && rm -f /run/stand-in-vcgencmd")
    try:
        result = run_job("-e", "job=scatter", results=results)
    finally:
        host.check_output("rm -f /usr/local/bin/vcgencmd /run/stand-in-vcgencmd")
    return result, saved_result(results, "scatter")


def test_stand_in_vcgencmd_throttle_before_and_after_the_job_is_saved_per_node(throttled_run):
    _result, saved = throttled_run
    expected = dict.fromkeys(NODES)
    expected[NODES[-1]] = {"before": "0x0", "after": "0x50000", "during": ["under-voltage", "throttled"]}
    assert saved["throttle"] == expected, saved


def test_stand_in_vcgencmd_a_node_throttled_during_the_job_is_warned_about(throttled_run):
    result, _saved = throttled_run
    assert result.returncode == 0 and f"WARNING: {NODES[-1]} was throttled during the job" in result.stdout, (
        result.stdout[-3000:])


def test_a_user_script_is_copied_to_every_node_and_run(tmp_path):
    script = tmp_path / "my_job.py"
    script.write_text(USER_SCRIPT)
    result = run_job("-e", f"job_script={script}", "-e", "np=8", results=tmp_path)
    assert result.returncode == 0, result.stdout[-3000:]
    saved = saved_result(tmp_path, "my_job")
    assert saved["ranks"] == 8 and len(saved["hosts"]) == 8, saved
    missing = [name for name in NODES if not node(name).file(f"{MPI_HOME}/mpi_jobs/my_job.py").exists]
    assert not missing, f"my_job.py was not copied to {missing}"


HANGING_SCRIPT = '''
"""Never finishes: rank 0 waits for a message nobody sends, the others sleep forever."""
import time
from mpi4py import MPI
if MPI.COMM_WORLD.Get_rank() == 0:
    MPI.COMM_WORLD.recv(source=1, tag=99)
while True:
    time.sleep(1)
'''


@pytest.fixture(scope="module")
def hanging_run(tmp_path_factory):
    script = tmp_path_factory.mktemp("hang") / "hanging_job.py"
    script.write_text(HANGING_SCRIPT)
    started = time.monotonic()
    result = run_job("-e", f"job_script={script}", "-e", "job_timeout=5")
    return result, time.monotonic() - started


@EVERY_RELEASE
def test_a_hanging_job_is_stopped_at_job_timeout(hanging_run):
    result, elapsed = hanging_run
    assert result.returncode != 0 and "ran past job_timeout=5 s" in result.stdout, result.stdout[-3000:]
    assert elapsed < 5 + 60, f"the playbook took {elapsed:.0f} s for a 5 s limit"


@EVERY_RELEASE
@pytest.mark.parametrize("name", NODES)
def test_a_hanging_job_leaves_no_process_behind(hanging_run, name):
    left = node(name).run("pgrep -a -u mpi -f 'hanging_job.py|orted'")
    assert left.rc == 1, f"left on {name}: {left.stdout}"


BAD_INPUTS = [
    (["-e", "job=nosuch"], "There is no job 'nosuch'"),
    (["-e", "job_script=/nonexistent/job.py"], "does not exist on this computer"),
    (["-e", "job=pi", "-e", "job_script=/nonexistent/job.py"], "Name one job"),
    ([], "Name one job"),
    (["-e", "job=pi", "-e", "np=0"], "np is '0'"),
    (["-e", "job=pi", "-e", "np=-3"], "np is '-3'"),
    (["-e", "job=pi", "-e", f"np={ALL_RANKS + 1}"], f"has {ALL_RANKS}"),
    (["-e", "job=pi", "-e", "job_timeout=0"], "job_timeout is '0'"),
    (["-e", "job=pi", "-e", "nodes=rpi-9"], "rpi-9 is not a node of group 'cluster'"),
]


@pytest.mark.parametrize("extra,message", BAD_INPUTS, ids=[" ".join(e) or "no-job" for e, _message in BAD_INPUTS])
def test_bad_input_fails_before_anything_runs(extra, message, tmp_path):
    result = run_job(*extra, results=tmp_path)
    assert result.returncode != 0 and message in result.stdout, result.stdout[-3000:]
    assert {c['changed'] for c in recap(result.stdout).values()} == {0}, f"something changed:\n{result.stdout[-2000:]}"
    assert not list(tmp_path.iterdir()), "a result was saved for a job that should not have run"


@pytest.fixture(scope="module")
def bare_cluster():
    """A fresh node that site.yml never touched."""
    env = {**os.environ, "VCLUSTER_NAME": "molecule-bare"}
    subprocess.run([str(PROJECT / "tools/vcluster"), "up", "--nodes", "1"], env=env, check=True, capture_output=True)
    try:
        yield PROJECT / ".vcluster/molecule-bare/inventory.yml"
    finally:
        subprocess.run([str(PROJECT / "tools/vcluster"), "down"], env=env, check=False, capture_output=True)


def test_an_unprovisioned_cluster_is_reported(bare_cluster, tmp_path):
    result = run_job("-e", "job=pi", inventory=bare_cluster, results=tmp_path)
    reported = "is not provisioned" in result.stdout and "Run site.yml" in result.stdout
    assert result.returncode != 0 and reported, result.stdout[-3000:]
