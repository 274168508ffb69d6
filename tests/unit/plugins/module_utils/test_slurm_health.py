"""What the Pi sensor collector makes of Slurm (module_utils/pi_sensors with module_utils/slurm_states): the head
node's metrics of every node's Slurm state, and Slurm's health check, which drains a throttled node and resumes it.
The runs at the end copy both files to a directory of their own, as the monitoring role does on the nodes, with
stand-ins for vcgencmd, sinfo and scontrol (real Slurm is tested in molecule/slurm)."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from ansible_collections.picluster.mpi.plugins.module_utils import pi_sensors, slurm_states

PROJECT = Path(__file__).resolve().parents[4]
THROTTLED_NOW = 0x50005          # under-voltage and throttled now, and since boot
THROTTLED_BEFORE = 0x50000       # since boot only
OURS = "picluster: throttled now (throttled, under-voltage)"


@pytest.mark.parametrize(("throttled", "state", "reason", "action"), [
    (THROTTLED_NOW, "idle", "", ("drain", OURS)),
    (THROTTLED_NOW, "alloc", "", ("drain", OURS)),
    (THROTTLED_NOW, "drain", OURS, None),
    (THROTTLED_NOW, "drng", "picluster: throttled now (under-voltage)", ("drain", OURS)),
    (THROTTLED_NOW, "drain", "fan replaced tomorrow", None),
    (THROTTLED_BEFORE, "drain", OURS, ("resume", OURS)),
    (THROTTLED_BEFORE, "drain*", OURS, ("resume", OURS)),
    (THROTTLED_BEFORE, "drain", "fan replaced tomorrow", None),
    (THROTTLED_BEFORE, "idle", "", None),
    (0, "down*", "Not responding", None),
    (None, "drain", OURS, None),
])
def test_health_action(throttled, state, reason, action):
    assert pi_sensors.health_action(throttled, state, reason) == action


def test_the_drain_reason_names_what_throttles_the_node_now():
    assert pi_sensors.health_action(0x4, "idle", "") == ("drain", "picluster: throttled now (throttled)")


SINFO = "rpi-0|idle|none\nrpi-1|drain|picluster: throttled now (throttled)\nrpi-2|down*|Not responding\n"


def test_slurm_samples_give_every_node_by_its_slurm_name():
    found = {labels["slurm_node"]: (value, labels["state"]) for name, labels, value, _help
             in pi_sensors.slurm_samples(SINFO) if name == "node_up"}
    assert found == {"rpi-0": (1, "idle"), "rpi-1": (0, "drain"), "rpi-2": (0, "down*")}


def test_slurm_samples_say_when_slurmctld_did_not_answer():
    assert pi_sensors.slurm_samples(None) == [
        ("controller_answers", {}, 0, "Whether slurmctld answered sinfo on the head node.")]


def test_a_reason_with_quotes_stays_one_label():
    text = pi_sensors.render(pi_sensors.slurm_samples('rpi-1|drain|said "later"\n'), pi_sensors.SLURM_PREFIX)
    assert 'reason="said \\"later\\""' in text, text


@pytest.mark.parametrize(("state", "drained"), [("drain", True), ("drng", True), ("drain*", True), ("idle", False),
                                                ("down*", False), ("mix", False)])
def test_is_drained(state, drained):
    assert slurm_states.is_drained(state) is drained


def test_the_cluster_views_sinfo_command_is_the_one_the_parser_reads():
    import yaml
    defined = yaml.safe_load((PROJECT / "roles" / "_cluster" / "vars" / "main.yml").read_text())
    assert defined["__cluster_sinfo_nodes"] == slurm_states.SINFO_NODES


# ---- as a program on a node ---------------------------------------------------------------------------------------

def stand_in(directory: Path, name: str, script: str) -> None:
    path = directory / name
    path.write_text("#!/bin/sh\n" + script)
    path.chmod(0o755)


@pytest.fixture
def node(tmp_path):
    """A directory holding the two files as the role copies them, and a bin directory of stand-ins: sinfo says
    what $STATE says; scontrol writes its arguments to a file."""
    program = tmp_path / "lib"
    program.mkdir()
    for module in (pi_sensors, slurm_states):
        shutil.copy(module.__file__, program)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    stand_in(bin_dir, "vcgencmd", 'case "$1" in get_throttled) echo "throttled=$THROTTLED";; *) exit 1;; esac\n')
    stand_in(bin_dir, "sinfo", 'printf "rpi-1|%s|%s\\n" "$STATE" "$REASON"\n')
    stand_in(bin_dir, "scontrol", f'echo "$@" > {tmp_path}/scontrol.args\n')
    return tmp_path


def health_check(node: Path, throttled: str, state: str, reason: str = "") -> tuple:
    """Runs the health check as slurmd does (with no PYTHONPATH): its exit status, output and scontrol's arguments."""
    done = subprocess.run(
        [sys.executable, str(node / "lib" / "pi_sensors.py"), "--slurm-health", "rpi-1",
         "--vcgencmd", str(node / "bin" / "vcgencmd")],
        env={"PATH": f"{node / 'bin'}:/usr/bin:/bin", "THROTTLED": throttled, "STATE": state, "REASON": reason},
        capture_output=True, text=True, check=False)
    args = node / "scontrol.args"
    return done.returncode, done.stdout + done.stderr, args.read_text().strip() if args.exists() else None


def test_the_health_check_drains_a_throttled_node_with_the_reason(node):
    assert health_check(node, "0x50005", "idle") == (
        0, f"rpi-1: drain ({OURS})\n", f"update NodeName=rpi-1 State=DRAIN Reason={OURS}")


def test_the_health_check_resumes_the_node_it_drained(node):
    assert health_check(node, "0x50000", "drain", OURS) == (
        0, f"rpi-1: resume ({OURS})\n", "update NodeName=rpi-1 State=RESUME")


def test_the_health_check_leaves_someone_elses_drain(node):
    assert health_check(node, "0x0", "drain", "new fan") == (0, "rpi-1: left as it is (drain)\n", None)


def test_the_health_check_exits_0_when_slurm_does_not_answer(node):
    (node / "bin" / "sinfo").write_text("#!/bin/sh\nexit 1\n")
    assert health_check(node, "0x50005", "idle") == (0, "rpi-1: left as it is (not known to Slurm)\n", None)


def test_the_head_nodes_collector_adds_the_slurm_states(node):
    output = node / "picluster_pi.prom"
    subprocess.run([sys.executable, str(node / "lib" / "pi_sensors.py"), "--output", str(output), "--slurm-states",
                    "--vcgencmd", str(node / "bin" / "vcgencmd")],
                   env={"PATH": f"{node / 'bin'}:/usr/bin:/bin", "THROTTLED": "0x0", "STATE": "idle", "REASON": "none"},
                   check=True)
    assert 'picluster_slurm_node_up{reason="none",slurm_node="rpi-1",state="idle"} 1' in output.read_text()
