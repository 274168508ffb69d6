"""picluster.mpi.job_chart: the pictures of the pingpong and hpl results and of usage.yml's report, and its word when
it draws none."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from ansible_collections.picluster.mpi.plugins.modules import job_chart

SYSTEM_PYTHON = Path("/usr/bin/python3")  # what run_module runs modules with
PNG = b"\x89PNG\r\n\x1a\n"
PINGPONG = {"job": "pingpong", "hosts": ["rpi-0", "rpi-1", "rpi-2"], "sizes": [1048576, 4194304],
            "bandwidth_mbs": {"1048576": [[None, 110.0, 108.0], [111.0, None, 48.0], [109.0, 47.0, None]],
                              "4194304": [[None, 112.0, 110.0], [113.0, None, 50.0], [111.0, 49.0, None]]}}
HPL = {"job": "hpl", "gflops": 3.691, "n": 1200, "ranks": 2, "nodes": ["rpi-0", "rpi-1"], "star_dgemm_gflops": 5.865,
       "efficiency": 0.315}
HPL_ALONE = {"job": "hpl", "mode": "per_node", "n": 1200, "gflops": 9.0, "median_gflops": 3.2,
             "gflops_per_node": {"rpi-0": 3.2, "rpi-1": 3.3, "rpi-2": 2.5}, "slow": ["rpi-2"],
             "slow_nodes": ["rpi-2: 2.50 Gflops, 23% below the median of the others (3.25): check its throttling"]}
USAGE = {"job": "usage", "cluster": "cluster", "start": "2026-12-01", "end": "2026-12-05",
         "users": {"alice": {"jobs": 3, "cpu_hours": 2.5, "used_cpu_hours": 2.1, "states": {"COMPLETED": 3}},
                   "bob": {"jobs": 1, "cpu_hours": 0.25, "used_cpu_hours": 0.01, "states": {"FAILED": 1}}}}


@pytest.mark.parametrize(("result", "reason"), [
    ({"job": "pi"}, "the pi job has no chart"),
    ({**PINGPONG, "hosts": ["rpi-0"]}, "fewer than two ranks"),
    ({**HPL, "gflops": None}, "no Gflops"),
    (PINGPONG, ""),
    (HPL, ""),
    ({**USAGE, "users": {}}, "no job ran in the period"),
    (USAGE, ""),
], ids=["pi", "one-rank", "hpl-without-result", "pingpong", "hpl", "no-usage", "usage"])
def test_why_a_result_gets_no_chart(result, reason):
    assert (job_chart.why_not(result) == "") if not reason else (reason in job_chart.why_not(result))


@pytest.mark.parametrize(("draw", "result"), [("pingpong_chart", PINGPONG), ("hpl_chart", HPL),
                                              ("hpl_chart", HPL_ALONE), ("usage_chart", USAGE)])
def test_the_chart_is_a_png(tmp_path, draw, result):
    plt = job_chart._pyplot()
    figure = getattr(job_chart, draw)(plt, result)
    figure.savefig(tmp_path / "chart.png")
    assert (tmp_path / "chart.png").read_bytes().startswith(PNG)


def test_hpl_on_every_node_alone_draws_a_bar_per_node_with_the_slow_one_in_red():
    plt = job_chart._pyplot()
    figure = job_chart.hpl_chart(plt, HPL_ALONE)
    bars = figure.axes[0].patches
    assert [round(patch.get_height(), 1) for patch in bars] == [3.2, 3.3, 2.5]
    assert [patch.get_facecolor() == plt.matplotlib.colors.to_rgba("tab:red") for patch in bars] == [False, False, True]


def test_the_heat_map_shows_the_largest_message():
    plt = job_chart._pyplot()
    figure = job_chart.pingpong_chart(plt, PINGPONG)
    assert figure.axes[0].get_title() == "Ping-pong bandwidth, 4 MiB messages"


def test_a_run_with_matplotlib_writes_the_png(run_module, tmp_path):
    dest = tmp_path / "hpl.png"
    result = run_module("job_chart", json.dumps({"result": HPL, "dest": str(dest)}),
                        "-e", f"ansible_python_interpreter={sys.executable}")
    assert (result["written"], result["changed"], dest.read_bytes()[:8]) == (True, True, PNG), result


def test_a_run_without_matplotlib_writes_nothing_and_says_why(run_module, tmp_path):
    if subprocess.run([str(SYSTEM_PYTHON), "-c", "import matplotlib"], capture_output=True, check=False).returncode == 0:
        pytest.skip(f"{SYSTEM_PYTHON} has matplotlib")
    dest = tmp_path / "hpl.png"
    result = run_module("job_chart", json.dumps({"result": HPL, "dest": str(dest)}))
    assert (result["written"], result["changed"], dest.exists()) == (False, False, False), result
    assert "matplotlib is not installed" in result["reason"]


def test_the_usage_chart_puts_the_heaviest_user_first_with_their_job_count():
    plt = job_chart._pyplot()
    figure = job_chart.usage_chart(plt, USAGE)
    assert [label.get_text() for label in figure.axes[0].get_xticklabels()] == ["alice\n3 jobs", "bob\n1 job"]
