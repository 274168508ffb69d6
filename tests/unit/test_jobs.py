"""Unit tests of the pure functions of the MPI job scripts in files/mpi_jobs/.

The scripts are shipped standalone to the nodes, not as a package, so they are
loaded by path.  They import mpi4py only inside main(), so no MPI is needed
here; pi.py needs NumPy, and its tests are skipped where NumPy is missing.
"""

from __future__ import annotations

import json
import math
import os
import stat
import time
from pathlib import Path
from types import ModuleType

import pytest
from source_files import load_source

JOBS = Path(__file__).resolve().parents[2] / "files" / "mpi_jobs"


def load_job(name: str) -> ModuleType:
    return load_source(JOBS / f"{name}.py")


scatter = load_job("scatter")
temperature = load_job("temperature")


@pytest.fixture(scope="module")
def pi_job() -> ModuleType:
    pytest.importorskip("numpy", reason="pi.py needs NumPy")
    return load_job("pi")


def leibniz_asymptotic(terms: int) -> float:
    """pi - 4 * (sum of the first N Leibniz terms) = (-1)^N (1/N - 1/(4 N^3) + 5/(16 N^5) - ...)."""
    return (-1) ** terms * (1 / terms - 1 / (4 * terms**3))


# --- pi.py -------------------------------------------------------------------


@pytest.mark.parametrize(("index", "slice_size", "expected"), [
    (0, 1, (0, 1)),
    (7, 1, (7, 8)),
    (0, 1_000_000, (0, 1_000_000)),
    (49, 1_000_000, (49_000_000, 50_000_000)),
    (3, 7, (21, 28)),
])
def test_slice_bounds(pi_job: ModuleType, index: int, slice_size: int, expected: tuple[int, int]) -> None:
    assert pi_job.slice_bounds(index, slice_size) == expected


@pytest.mark.parametrize("slice_size", [1, 2, 3, 1000])
def test_slices_tile_the_series(pi_job: ModuleType, slice_size: int) -> None:
    bounds = [pi_job.slice_bounds(index, slice_size) for index in range(20)]
    assert bounds[0][0] == 0
    assert all(stop - start == slice_size for start, stop in bounds)
    assert all(left[1] == right[0] for left, right in zip(bounds, bounds[1:]))


@pytest.mark.parametrize(("index", "slice_size"), [(-1, 10), (0, 0), (3, -5)])
def test_slice_bounds_rejects_bad_input(pi_job: ModuleType, index: int, slice_size: int) -> None:
    with pytest.raises(ValueError, match="must be >= "):
        pi_job.slice_bounds(index, slice_size)


def test_partial_sum_first_terms_exact(pi_job: ModuleType) -> None:
    assert pi_job.partial_sum(0, 0) == 0.0
    assert pi_job.partial_sum(5, 5) == 0.0
    assert pi_job.partial_sum(0, 1) == 1.0
    assert pi_job.partial_sum(1, 2) == -1 / 3
    assert pi_job.partial_sum(2, 3) == 1 / 5
    # Two terms are summed as one pair, 2/(1*3): equal to 1 - 1/3 up to the last bit.
    assert math.isclose(pi_job.partial_sum(0, 2), 1 - 1 / 3, rel_tol=1e-15, abs_tol=0.0)


@pytest.mark.parametrize(("start", "stop", "chunk"), [
    (0, 1, 65536),
    (1, 2, 65536),
    (0, 7, 65536),
    (3, 10, 65536),
    (0, 100, 7),
    (1, 100, 7),
    (2, 101, 7),
    (0, 64, 64),
    (0, 65, 64),
    (63, 129, 64),
    (64, 128, 64),
    (5, 6, 1),
    (0, 33, 1),
    (1000, 5001, 1000),
    (999_999, 1_012_344, 65536),
    (12_345, 12_345 + 3 * 32768 + 5, 32768),
])
def test_partial_sum_matches_reference(pi_job: ModuleType, start: int, stop: int, chunk: int) -> None:
    expected = pi_job.partial_sum_reference(start, stop)
    assert pi_job.partial_sum(start, stop, chunk=chunk) == pytest.approx(expected, rel=0, abs=1e-15)


@pytest.mark.parametrize("chunk", [1, 2, 3, 4096, 32768, 99_999, 100_000, 1_000_000])
def test_partial_sum_does_not_depend_on_chunk(pi_job: ModuleType, chunk: int) -> None:
    expected = pi_job.partial_sum_reference(1, 100_000)
    assert pi_job.partial_sum(1, 100_000, chunk=chunk) == pytest.approx(expected, rel=0, abs=1e-15)


def test_partial_sums_add_up(pi_job: ModuleType) -> None:
    whole = pi_job.partial_sum(3, 300_001)
    parts = pi_job.partial_sum(3, 77_777) + pi_job.partial_sum(77_777, 300_001)
    assert parts == pytest.approx(whole, rel=0, abs=1e-15)


@pytest.mark.parametrize(("start", "stop", "chunk"), [
    (-1, 5, 10),
    (5, 4, 10),
    (0, 5, 0),
    (0, 2**52 + 1, 10),
])
def test_partial_sum_rejects_bad_input(pi_job: ModuleType, start: int, stop: int, chunk: int) -> None:
    with pytest.raises(ValueError, match=r"start|stop|chunk"):
        pi_job.partial_sum(start, stop, chunk=chunk)


@pytest.mark.parametrize("terms", [1000, 1001, 4096, 9999])
def test_asymptotic_error_formula(pi_job: ModuleType, terms: int) -> None:
    # Pins down the independent reference used for the 50M-term check below.
    four_sum = 4 * pi_job.partial_sum_reference(0, terms)
    assert math.pi - four_sum == pytest.approx(leibniz_asymptotic(terms), rel=0, abs=1e-14)


def test_default_fifty_million_terms(pi_job: ModuleType) -> None:
    slices, slice_size = 50, 1_000_000
    terms = slices * slice_size
    started = time.perf_counter()
    # The same arithmetic as rank 0: one partial sum per slice, added with fsum.
    four_sum = 4 * math.fsum(pi_job.partial_sum(*pi_job.slice_bounds(index, slice_size))
                             for index in range(slices))
    elapsed = time.perf_counter() - started
    # The next term of the expansion, 5 / (16 N^5), is ~1e-39: the reference is exact to float64.
    assert four_sum == pytest.approx(math.pi - leibniz_asymptotic(terms), rel=0, abs=1e-12)
    assert abs(four_sum - math.pi) < 2.1e-8
    # A different chunking must agree as well.
    assert 4 * pi_job.partial_sum(0, terms, chunk=1_000_003) == pytest.approx(four_sum, rel=0, abs=1e-12)
    # Generous bound: only catches a lost vectorization (a Python loop takes ~10 s).
    assert elapsed < 5.0


def test_pi_parse_args(pi_job: ModuleType) -> None:
    args = pi_job.parse_args([])
    assert (args.slices, args.slice_size) == (50, 1_000_000)
    args = pi_job.parse_args(["--slices", "2", "--slice-size", "1"])
    assert (args.slices, args.slice_size) == (2, 1)
    bad_arguments = (["--slices", "0"], ["--slice-size", "-3"], ["--slices", "x"],
                     ["--slices", str(2**52), "--slice-size", "2"])
    for bad in bad_arguments:
        with pytest.raises(SystemExit):
            pi_job.parse_args(bad)


def test_unique_in_order(pi_job: ModuleType) -> None:
    assert pi_job.unique_in_order(["rpi-0", "rpi-0", "rpi-1", "rpi-0", "rpi-2"]) == ["rpi-0", "rpi-1", "rpi-2"]


# --- format_result, identical in every job -------------------------------------


@pytest.mark.parametrize("job", ["pi", "scatter", "temperature"])
def test_format_result(job: str) -> None:
    if job == "pi":
        pytest.importorskip("numpy", reason="pi.py needs NumPy")
    module = load_job(job)
    result = {"job": job, "ranks": 3, "nodes": {"rpi-0": 47.2, "rpi-1": None}, "big": 64**63}
    line = module.format_result(result)
    assert line.startswith("RESULT {")
    assert "\n" not in line
    assert ", " not in line
    assert ": " not in line
    assert json.loads(line[len("RESULT "):]) == result


# --- scatter.py ----------------------------------------------------------------


def test_scatter_elements() -> None:
    assert scatter.scatter_elements(1) == [1]
    assert scatter.scatter_elements(5) == [1, 2, 9, 64, 625]
    sixteen = scatter.scatter_elements(16)
    assert len(sixteen) == 16
    assert sixteen[15] == 16**15


def test_scatter_elements_rejects_no_ranks() -> None:
    with pytest.raises(ValueError, match="size must be >= 1"):
        scatter.scatter_elements(0)


# --- temperature.py --------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("temp=47.2'C", 47.2),
    ("temp=47.2'C\n", 47.2),
    ("temp=60'C", 60.0),
    ("temp=-5.5'C", -5.5),
])
def test_parse_vcgencmd(text: str, expected: float) -> None:
    assert temperature.parse_vcgencmd(text) == expected


@pytest.mark.parametrize("text", [
    "", "garbage", "temp='C", "VCHI initialization failed", "47212", "temp=999'C", "volt=1.2000V",
])
def test_parse_vcgencmd_garbage(text: str) -> None:
    assert temperature.parse_vcgencmd(text) is None


@pytest.mark.parametrize(("text", "expected"), [
    ("47212", 47.212),
    ("47212\n", 47.212),
    (" 51000 ", 51.0),
    ("-1000", -1.0),
    ("0", 0.0),
])
def test_parse_millidegrees(text: str, expected: float) -> None:
    assert temperature.parse_millidegrees(text) == pytest.approx(expected)


@pytest.mark.parametrize("text", ["", "garbage", "47.2", "temp=47.2'C", "999999999", "-273150"])
def test_parse_millidegrees_garbage(text: str) -> None:
    assert temperature.parse_millidegrees(text) is None


def make_zones(root: Path, readings: dict[int, str]) -> str:
    for number, text in readings.items():
        zone = root / f"thermal_zone{number}"
        zone.mkdir()
        (zone / "temp").write_text(text)
    return str(root / "thermal_zone*" / "temp")


def test_thermal_zones_first_plausible_in_numeric_order(tmp_path: Path) -> None:
    pattern = make_zones(tmp_path, {0: "garbage\n", 2: "51000\n", 10: "47212\n"})
    assert temperature.read_thermal_zones(pattern) == (51.0, "thermal_zone2")


def test_thermal_zones_skip_unreadable(tmp_path: Path) -> None:
    (tmp_path / "thermal_zone0" / "temp").mkdir(parents=True)  # reading a directory raises OSError
    pattern = make_zones(tmp_path, {1: "\xff\xfe", 3: "45000"})
    assert temperature.read_thermal_zones(pattern) == (45.0, "thermal_zone3")


def test_thermal_zones_missing(tmp_path: Path) -> None:
    assert temperature.read_thermal_zones(str(tmp_path / "thermal_zone*" / "temp")) == (None, None)


def fake_command(path: Path, body: str) -> str:
    path.write_text("#!/bin/sh\n" + body + "\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


@pytest.fixture
def zones(tmp_path: Path) -> str:
    root = tmp_path / "thermal"
    root.mkdir()
    return make_zones(root, {0: "42000"})


def test_read_temperature_prefers_vcgencmd(tmp_path: Path, zones: str) -> None:
    command = fake_command(tmp_path / "vcgencmd", "echo \"temp=47.2'C\"")
    assert temperature.read_temperature(command, zones) == (47.2, "vcgencmd")


def test_read_temperature_falls_back_to_sysfs(tmp_path: Path, zones: str) -> None:
    missing = str(tmp_path / "no-such-vcgencmd")
    assert temperature.read_temperature(missing, zones) == (42.0, "thermal_zone0")
    failing = fake_command(tmp_path / "vcgencmd", "echo 'VCHI initialization failed' >&2; exit 255")
    assert temperature.read_temperature(failing, zones) == (42.0, "thermal_zone0")


def test_read_temperature_nothing_available(tmp_path: Path) -> None:
    missing = str(tmp_path / "no-such-vcgencmd")
    assert temperature.read_temperature(missing, str(tmp_path / "none*" / "temp")) == (None, None)


@pytest.mark.skipif(os.name != "posix", reason="uses a shell script as a fake vcgencmd")
def test_read_vcgencmd_times_out(tmp_path: Path) -> None:
    # exec, so that the killed process is the sleep itself and no grandchild holds the pipes open.
    hanging = fake_command(tmp_path / "vcgencmd", "exec sleep 30")
    started = time.monotonic()
    assert temperature.read_vcgencmd(hanging, timeout=0.2) is None
    assert time.monotonic() - started < 10


def test_summarize_nodes() -> None:
    reports = [
        (3, "rpi-1", 50.0, "vcgencmd"),
        (0, "rpi-0", None, None),
        (2, "rpi-1", 49.0, "vcgencmd"),
        (1, "rpi-0", 47.2, "thermal_zone0"),
        (4, "rpi-2", None, None),
    ]
    nodes = temperature.summarize_nodes(reports)
    assert list(nodes) == ["rpi-0", "rpi-1", "rpi-2"]
    assert nodes["rpi-0"] == {"celsius": 47.2, "source": "thermal_zone0", "ranks": [0, 1]}
    assert nodes["rpi-1"] == {"celsius": 49.0, "source": "vcgencmd", "ranks": [2, 3]}
    assert nodes["rpi-2"] == {"celsius": None, "source": None, "ranks": [4]}


def test_format_celsius() -> None:
    assert temperature.format_celsius(None) == "n/a"
    assert temperature.format_celsius(47.212) == "47.2 C"


# ---- rma -------------------------------------------------------------------------------------------------------------

rma = load_job("rma")


@pytest.mark.parametrize(("rank", "size", "expected"), [(0, 1, (0, 0)), (0, 4, (3, 1)), (3, 4, (2, 0)), (1, 2, (0, 0))])
def test_rma_neighbours_form_a_ring(rank: int, size: int, expected: tuple[int, int]) -> None:
    assert rma.neighbours(rank, size) == expected


@pytest.mark.parametrize(("size", "total"), [(1, 1), (2, 3), (4, 10), (16, 136)])
def test_rma_expected_sum_adds_every_rank_plus_one(size: int, total: int) -> None:
    assert rma.expected_sum(size) == sum(rank + 1 for rank in range(size)) == total


@pytest.mark.parametrize(("tickets", "size", "ok"), [
    ([2, 0, 1], 3, True),
    ([0], 1, True),
    ([0, 0, 1], 3, False),  # two ranks fetched the same count: the fetch and the add were not one operation
    ([1, 2, 3], 3, False),
    ([0, 1], 3, False),     # a rank's ticket is missing
])
def test_rma_every_count_is_fetched_once(tickets: list[int], size: int, ok: bool) -> None:
    assert rma.tickets_ok(tickets, size) is ok


@pytest.mark.parametrize(("seen", "final", "ok"), [
    ([2, 2, -1], 2, True),    # rank 2 swapped first, the others found its rank
    ([-1], 0, True),
    ([-1, -1, 0], 0, False),  # two winners: the swap was not atomic
    ([1, -1, 1], 2, False),   # the cell holds a rank that did not win
    ([1, -1, 0], 1, False),   # a loser saw something else than the winner
    ([0, 0, 0], 0, False),    # nobody won
])
def test_rma_compare_and_swap_has_one_winner_that_everyone_saw(seen: list[int], final: int, ok: bool) -> None:
    assert rma.swap_ok(seen, final) is ok


@pytest.mark.parametrize(("epochs", "expected"), [
    ([], "n/a"),
    ([0.01, 0.6], "asynchronous"),
    ([0.46, 0.5], "when the target calls MPI"),
    ([0.44, 0.9], "asynchronous"),
])
def test_rma_progress_tells_a_held_epoch_from_an_asynchronous_one(epochs: list[float], expected: str) -> None:
    assert rma.progress(epochs, 0.5) == expected


def test_rma_busy_computes_for_about_the_time_asked() -> None:
    started = time.perf_counter()
    rma.busy(0.05)
    assert 0.05 <= time.perf_counter() - started < 1


def test_rma_explains_a_window_refused_under_thread_multiple() -> None:
    assert rma.HINT in rma.explain(Exception("MPI_ERR_WIN: invalid window"), "multiple")


def test_rma_passes_other_errors_on_as_they_are() -> None:
    assert rma.explain(Exception("MPI_ERR_WIN: invalid window"), "serialized") == "MPI_ERR_WIN: invalid window"


def test_rma_parse_args_defaults() -> None:
    args = rma.parse_args([])
    assert (args.rounds, args.time_limit) == (3, 120)


# ---- mpiio ----------------------------------------------------------------------------------------------------------

def test_mpiio_blocks_differ_from_rank_to_rank():
    mpiio = load_job("mpiio")
    assert bytes(mpiio.block_pattern(0, 4096)) != bytes(mpiio.block_pattern(1, 4096))


def test_mpiio_reads_back_the_block_of_a_rank_on_another_node_however_ranks_are_placed():
    mpiio = load_job("mpiio")
    by_slot = {rank: rank // 4 for rank in range(16)}  # four ranks on each of four nodes, in turn
    by_node = {rank: rank % 4 for rank in range(16)}  # one rank per node, round robin
    for node_of in (by_slot, by_node):
        assert all(node_of[rank] != node_of[mpiio.partner(rank, 16)] for rank in range(16)), node_of


def test_mpiio_refuses_a_size_of_nothing():
    with pytest.raises(SystemExit):
        load_job("mpiio").parse_args(["--mib", "0"])


def test_mpiio_says_which_nodes_do_not_see_the_directory_and_what_to_do():
    message = load_job("mpiio").unshared_message("/home/mpi", ["rpi-2", "rpi-1", "rpi-2"])
    assert "/home/mpi is not shared: ranks on rpi-1, rpi-2 cannot read" in message and "shared_storage_backend" in message
