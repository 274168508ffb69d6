"""The module picluster.mpi.blas_provider: reading update-alternatives, what it sets, and a dry run on this machine."""
from __future__ import annotations

import shutil
import subprocess

import pytest
from ansible_collections.picluster.mpi.plugins.modules import blas_provider

LIB = "/usr/lib/x86_64-linux-gnu"
# update-alternatives --query on a bookworm node with both OpenBLAS variants installed, and nothing chosen by hand.
QUERY = f"""Name: libblas.so.3-x86_64-linux-gnu
Link: {LIB}/libblas.so.3
Status: auto
Best: {LIB}/openblas-pthread/libblas.so.3
Value: {LIB}/openblas-pthread/libblas.so.3

Alternative: {LIB}/openblas-pthread/libblas.so.3
Priority: 100

Alternative: {LIB}/openblas-serial/libblas.so.3
Priority: 90
"""
SELECTIONS = f"""libblas.so.3-x86_64-linux-gnu  auto     {LIB}/openblas-pthread/libblas.so.3
libblas.so.3-aarch64-linux-gnu manual   /usr/lib/aarch64-linux-gnu/openblas-serial/libblas.so.3
liblapack.so.3-x86_64-linux-gnu auto     {LIB}/openblas-pthread/liblapack.so.3
libblas64.so.3-x86_64-linux-gnu auto     {LIB}/openblas64-pthread/libblas64.so.3
pager                          auto     /bin/more
"""


def test_the_query_gives_status_value_and_every_candidate():
    assert blas_provider.parse_query(QUERY) == {
        "status": "auto", "value": f"{LIB}/openblas-pthread/libblas.so.3",
        "candidates": [f"{LIB}/openblas-pthread/libblas.so.3", f"{LIB}/openblas-serial/libblas.so.3"]}


@pytest.mark.parametrize(("library", "names"), [
    ("libblas.so.3", ["libblas.so.3-aarch64-linux-gnu", "libblas.so.3-x86_64-linux-gnu"]),
    ("liblapack.so.3", ["liblapack.so.3-x86_64-linux-gnu"]),
    ("libcblas.so.3", []),
], ids=["one-per-architecture", "lapack", "none"])
def test_a_librarys_alternatives_are_its_own_per_architecture_and_not_the_64_bit_index_ones(library, names):
    assert blas_provider.alternatives_of(library, blas_provider.parse_selections(SELECTIONS)) == names


def test_the_pthread_variant_chosen_automatically_is_replaced_by_the_serial_one():
    path, needed, error = blas_provider.choice("libblas.so.3-x86_64-linux-gnu", blas_provider.parse_query(QUERY),
                                               "openblas-serial")
    assert (path, needed, error) == (f"{LIB}/openblas-serial/libblas.so.3", True, None)


@pytest.mark.parametrize(("status", "needed"), [("manual", False), ("auto", True)])
def test_the_right_value_is_left_alone_only_when_chosen_by_hand(status, needed):
    # In automatic mode a variant installed later, of higher priority, would take its place.
    query = blas_provider.parse_query(QUERY.replace("Status: auto", f"Status: {status}").replace(
        f"Value: {LIB}/openblas-pthread/", f"Value: {LIB}/openblas-serial/"))
    assert blas_provider.choice("libblas.so.3-x86_64-linux-gnu", query, "openblas-serial")[1] is needed


def test_a_provider_that_is_not_installed_is_named_with_what_is():
    _path, _needed, error = blas_provider.choice("libblas.so.3-x86_64-linux-gnu", blas_provider.parse_query(QUERY),
                                                 "blis-openmp")
    assert error.startswith("libblas.so.3-x86_64-linux-gnu has no candidate from blis-openmp (candidates: "
                            f"{LIB}/openblas-pthread/libblas.so.3, "), error


def test_a_dry_run_on_this_machine_reports_its_blas_and_changes_nothing(run_module):
    if shutil.which("update-alternatives") is None:
        pytest.skip("this machine has no update-alternatives")
    before = subprocess.run(["update-alternatives", "--get-selections"], capture_output=True, text=True,
                            check=True).stdout
    names = blas_provider.alternatives_of("libblas.so.3", blas_provider.parse_selections(before))
    if not names:
        pytest.skip("this machine has no BLAS installed as an alternative")
    current = blas_provider.parse_query(subprocess.run(["update-alternatives", "--query", names[0]],
                                                       capture_output=True, text=True, check=True).stdout)["value"]
    provider = current.split("/")[-2]
    result = run_module("blas_provider", f"provider={provider} libraries=libblas.so.3", "--check")
    assert result["selected"][names[0]] == current, result
    after = subprocess.run(["update-alternatives", "--get-selections"], capture_output=True, text=True,
                           check=True).stdout
    assert after == before, "a dry run changed the machine's alternatives"
