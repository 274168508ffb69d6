"""The result a job printed on its RESULT line (filter job_result), as the mpi_job role saves it."""
from __future__ import annotations

import pytest
from ansible_collections.picluster.mpi.plugins.filter.job_result import job_result


def test_the_result_is_the_json_object_of_the_result_line():
    assert job_result(["pi = 3.14", 'RESULT {"job":"pi","ranks":4}']) == {"job": "pi", "ranks": 4}


def test_the_last_result_line_counts():
    assert job_result(['RESULT {"try": 1}', "retrying", 'RESULT {"try": 2}']) == {"try": 2}


def test_a_job_that_printed_no_result_gives_an_empty_result():
    assert job_result(["hello from rank 0", "RESULTS are in"]) == {}


@pytest.mark.parametrize("line", ["RESULT [('rpi-0', None), ('rpi-1', '1')]", "RESULT [1, 2]", 'RESULT "text"',
                                  "RESULT {broken"])
def test_a_result_line_that_holds_no_json_object_is_kept_as_text(line):
    assert job_result(["output", line]) == {"unparsed_result": line[len("RESULT "):]}


def test_a_long_line_that_is_not_json_is_cut():
    assert len(job_result(["RESULT " + "x" * 5000])["unparsed_result"]) == 1000
