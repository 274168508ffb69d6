"""A job's output as run_job.yml shows it (filter job_output): what the job printed for people, without RESULT lines."""
from __future__ import annotations

from ansible_collections.picluster.mpi.plugins.filter.job_output import job_output


def test_the_result_lines_are_left_out_and_the_others_kept_in_order():
    assert job_output(["pi = 3.14", 'RESULT {"job":"pi"}', "took 1.2 s", 'RESULT {"try": 2}']) == [
        "pi = 3.14", "took 1.2 s"]


def test_a_line_that_names_result_later_on_is_shown():
    assert job_output(["the RESULT is 3", " RESULT indented"]) == ["the RESULT is 3", " RESULT indented"]
