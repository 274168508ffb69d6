"""power.yml: refuses while a job runs, reboots one node or all of them (workers first, head last), shuts down."""
from __future__ import annotations

import subprocess

import pytest
from clustertest import HEAD, INVENTORY, NODES, as_mpi_user, node, playbook, vcluster
from playbook_output import changed_hosts

WORKERS = [name for name in NODES if name != HEAD]
ONE = WORKERS[-1]


def boot_times() -> dict[str, int]:
    """When each node booted: PID 1's start, in clock ticks since the host booted (one clock for every container)."""
    return {name: int(node(name).check_output("cut -d' ' -f22 /proc/1/stat")) for name in NODES}


def power(*extra: str) -> subprocess.CompletedProcess:
    return playbook("power.yml", *extra)


@pytest.fixture(scope="module")
def refused():
    """power.yml asked to reboot every node while an MPI job runs across them."""
    before = boot_times()
    job = f"setsid timeout 120 mpirun -np {len(NODES)} --host {','.join(NODES)} sleep 100 </dev/null >/dev/null 2>&1 &"
    node(HEAD).check_output(as_mpi_user(job))
    node(HEAD).check_output("for i in $(seq 50); do pgrep -x prted || pgrep -x orted || pgrep -x mpirun && exit 0; "
                            "sleep 0.2; done; exit 1")
    try:
        result = power("-e", "action=reboot")
    finally:
        node(HEAD).run("pkill -u mpi -x mpirun; pkill -u mpi -x prterun")
    return result, before, boot_times()


def test_power_refuses_while_an_mpi_job_runs_and_names_the_nodes(refused):
    result, _before, _after = refused
    assert result.returncode != 0 and "Jobs are running on" in result.stdout and HEAD in result.stdout, (
        result.stdout[-3000:])


def test_power_refused_reboots_no_node(refused):
    _result, before, after = refused
    assert after == before, (before, after)


def rebooted(*extra: str) -> tuple[subprocess.CompletedProcess, dict[str, int], dict[str, int]]:
    """power.yml -e action=reboot, with the nodes' boot times before and after."""
    before = boot_times()
    result = power("-e", "action=reboot", *extra)
    return result, before, boot_times()


@pytest.fixture(scope="module")
def one_rebooted():
    return rebooted("--limit", ONE)


@pytest.fixture(scope="module")
def all_rebooted():
    return rebooted()


@pytest.mark.parametrize("reboot", ["one_rebooted", "all_rebooted"])
def test_power_reboot_ends_with_a_healthy_check(reboot, request):
    result, _before, _after = request.getfixturevalue(reboot)
    assert result.returncode == 0 and "The cluster is healthy" in result.stdout, result.stdout[-3000:]


def test_power_reboot_with_limit_reboots_only_that_node(one_rebooted):
    _result, before, after = one_rebooted
    assert [name for name in NODES if after[name] != before[name]] == [ONE], (before, after)


def test_power_reboot_reboots_every_node(all_rebooted):
    _result, before, after = all_rebooted
    assert all(after[name] > before[name] for name in NODES), (before, after)


def test_power_reboot_boots_the_head_node_after_every_worker(all_rebooted):
    _result, _before, after = all_rebooted
    assert all(after[HEAD] > after[name] for name in WORKERS), after


def test_a_rebooted_node_keeps_its_provisioning():
    """A reboot loses nothing site.yml made: a re-run changes nothing."""
    result = playbook("site.yml")
    assert result.returncode == 0 and not changed_hosts(result.stdout), result.stdout[-3000:]


@pytest.fixture(scope="module")
def shut_down():
    result = power("-e", "action=shutdown", "--limit", ONE)
    container = f"{INVENTORY.parent.name}-{ONE}"
    state = subprocess.run(["docker", "inspect", "-f", "{{.State.Status}}", container], capture_output=True,
                           text=True, check=False).stdout.strip()
    vcluster("start", ONE)
    return result, state


def test_power_shutdown_with_limit_powers_that_node_off(shut_down):
    result, state = shut_down
    assert (result.returncode, state) == (0, "exited"), result.stdout[-3000:]
