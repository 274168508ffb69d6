"""The stage table at the end of `make test`: tools/timed records a stage, tools/test-summary prints it beside the
test counts of the stage's JUnit report."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
JUNIT = """<testsuites><testsuite name="pytest">
<testcase name="a"/><testcase name="b"/><testcase name="c"><failure message="no"/></testcase>
<testcase name="d"><skipped message="later"/></testcase>
</testsuite></testsuites>
"""


def timed(stage_dir: Path, stage: str, *command: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "STAGE_DIR": str(stage_dir)}
    return subprocess.run([sys.executable, str(ROOT / "tools/timed"), stage, "--", *command], env=env,
                          capture_output=True, text=True, check=False)


def summary(junit: Path, stages: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "tools/test-summary"), str(junit), str(stages)],
                          capture_output=True, text=True, check=False)


def test_timed_records_the_stage_and_passes_its_exit_status_on(tmp_path):
    result = timed(tmp_path, "unit", "sh", "-c", "sleep 0.3; exit 3")
    record = json.loads((tmp_path / "unit.json").read_text())
    assert result.returncode == 3 and record["stage"] == "unit" and record["status"] == 3, (result, record)
    assert 0.3 <= record["seconds"] < 5, record


def test_the_table_puts_each_stage_beside_its_report_in_the_order_they_ran(tmp_path):
    junit, stages = tmp_path / "junit", tmp_path / "stages"
    junit.mkdir()
    (junit / "unit.xml").write_text(JUNIT)
    assert timed(stages, "lint", "true").returncode == 0
    assert timed(stages, "unit", "true").returncode == 0
    lines = summary(junit, stages).stdout.splitlines()
    rows = [line.split() for line in lines[1:3]]
    assert [row[0] for row in rows] == ["lint", "unit"], lines
    assert rows[1][2:] == ["ok", "2", "1", "1"], lines
    assert lines[3].split()[:2] == ["all", "stages"] and lines[-1] == "tests: 2 passed, 1 failed, 1 skipped", lines


def test_a_failed_stage_fails_the_summary_even_with_every_test_passed(tmp_path):
    junit, stages = tmp_path / "junit", tmp_path / "stages"
    junit.mkdir()
    (junit / "lint.xml").write_text('<testsuite><testcase name="a"/></testsuite>')
    timed(stages, "lint", "false")
    result = summary(junit, stages)
    assert result.returncode == 1 and "exit 1" in result.stdout and "failed stages: lint" in result.stdout, result.stdout


def test_the_failed_tests_are_named_with_why_before_the_counts(tmp_path):
    junit, stages = tmp_path / "junit", tmp_path / "stages"
    junit.mkdir()
    (junit / "molecule-heal.xml").write_text(
        '<testsuite><testcase classname="test_6_power" name="test_the_node_comes_back">'
        '<failure message="AssertionError: rpi-3 is exited&#10;assert False"/></testcase>'
        '<testcase classname="test_1_replace" name="test_site_succeeds"><error message="fixture timed out"/>'
        '</testcase><testcase name="fine"/></testsuite>')
    timed(stages, "molecule-heal", "false")
    lines = summary(junit, stages).stdout.splitlines()
    start = lines.index("failed tests:")
    assert lines[start + 1:start + 3] == [
        "  molecule-heal: test_6_power::test_the_node_comes_back: AssertionError: rpi-3 is exited",
        "  molecule-heal: test_1_replace::test_site_succeeds: fixture timed out"], lines
    assert lines[start + 3] == "tests: 1 passed, 2 failed, 0 skipped", lines


def running(pid: int) -> bool:
    """Whether a process runs (a zombie, ended but not yet reaped by its new parent, does not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def test_a_stage_past_its_limit_is_stopped_whole_and_says_what_it_ran(tmp_path):
    marker = tmp_path / "child.pid"
    # The stage's child outlives its shell unless the whole process group is ended.
    command = f"sleep 60 & echo $! > {marker}; wait"
    result = subprocess.run([sys.executable, str(ROOT / "tools/timed"), "molecule-default", "--limit", "1", "--",
                             "sh", "-c", command], env={**os.environ, "STAGE_DIR": str(tmp_path)},
                            capture_output=True, text=True, timeout=60, check=False)
    record = json.loads((tmp_path / "molecule-default.json").read_text())
    assert result.returncode == 124 and record["timed_out"] and record["status"] == 124, (result, record)
    assert "sleep 60" in result.stderr and "its limit" in result.stderr, result.stderr
    assert not running(int(marker.read_text())), "the stage's child process still runs"


def test_the_table_says_which_stage_ran_out_of_time(tmp_path):
    junit, stages = tmp_path / "junit", tmp_path / "stages"
    junit.mkdir()
    (junit / "lint.xml").write_text('<testsuite><testcase name="a"/></testsuite>')
    subprocess.run([sys.executable, str(ROOT / "tools/timed"), "lint", "--limit", "0.5", "--", "sleep", "30"],
                   env={**os.environ, "STAGE_DIR": str(stages)}, capture_output=True, timeout=60, check=False)
    result = summary(junit, stages)
    assert result.returncode == 1 and "timed out" in result.stdout, result.stdout
    assert "failed stages: lint" in result.stdout, result.stdout


def test_timed_refuses_a_limit_that_is_not_a_number():
    bad = subprocess.run([sys.executable, str(ROOT / "tools/timed"), "lint", "--limit", "soon", "--", "true"],
                         capture_output=True, text=True, check=False)
    assert bad.returncode == 2 and "Usage" in bad.stderr, bad.stderr
