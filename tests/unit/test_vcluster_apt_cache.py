"""tools/vcluster's apt cache report, read from apt-cacher-ng log lines as the cache writes them."""
from __future__ import annotations

import re
from importlib.machinery import SourceFileLoader
from importlib.util import module_from_spec, spec_from_loader
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LOADER = SourceFileLoader("vcluster", str(ROOT / "tools/vcluster"))
vcluster = module_from_spec(spec_from_loader("vcluster", LOADER))
LOADER.exec_module(vcluster)

DEB = "debrep/pool/main/libn/libnl3/libnl-3-200_3.7.0-0.2+b1_amd64.deb"
# Recorded from the cache: a package fetched for one node, asked for by a second while it came in (133 header
# bytes), and served from the cache to both.
LOG = f"""1796395539|I|7160|10.213.4.10|debrep/dists/bookworm-updates/main/binary-amd64/by-hash/SHA256/87e7
1796395546|I|63388|10.213.4.11|{DEB}
1796395546|O|63373|10.213.4.11|{DEB}
1796395546|I|133|10.213.4.10|{DEB}
1796395600|O|63373|10.213.4.10|{DEB}
"""


def test_a_package_fetched_once_and_served_twice_is_counted_so():
    report = vcluster.apt_cache_report(LOG)
    assert report.startswith("apt cache: 1 packages fetched from the network (0 MB), 2 served") and report.endswith(
        "fetched more than once: none"), report


def test_a_package_fetched_twice_is_named():
    report = vcluster.apt_cache_report(LOG + f"1796395700|I|63388|10.213.4.12|{DEB}\n")
    assert report.endswith("fetched more than once: libnl-3-200_3.7.0-0.2+b1_amd64.deb"), report


def test_transfers_before_the_run_are_left_out():
    report = vcluster.apt_cache_report(LOG, since=1796395599)
    assert report.startswith("apt cache: 0 packages fetched from the network (0 MB), 1 served"), report


# Recorded from the cache during stop 39's CI: four nodes asked for the same index in the same second; one got 742
# bytes (apt-cacher-ng: "Failure to move file ... out of the way ... errno: File exists") and then waited for good.
RACE = """1796517620|I|151287|10.213.28.12|debrep/dists/bookworm/InRelease
1796517620|O|151293|10.213.28.12|debrep/dists/bookworm/InRelease
1796517620|I|151287|10.213.28.11|debrep/dists/bookworm/InRelease
1796517620|O|151293|10.213.28.11|debrep/dists/bookworm/InRelease
1796517620|O|742|10.213.28.13|debrep/dists/bookworm/InRelease
1796517620|I|151287|10.213.28.10|debrep/dists/bookworm/InRelease
1796517620|O|151293|10.213.28.10|debrep/dists/bookworm/InRelease
"""


def test_an_answer_cut_short_is_named_with_its_node_path_and_time():
    assert vcluster.cut_short(vcluster.transfers(RACE)) == [
        "10.213.28.13 got 742 of 151293 bytes of debrep/dists/bookworm/InRelease at 00:40:20 UTC"]


def test_the_report_says_so_on_a_line_of_its_own():
    second = vcluster.apt_cache_report(LOG + RACE).splitlines()[1]
    assert second.startswith("apt cache: answers cut short (1;") and "10.213.28.13 got 742" in second, second


def test_whole_answers_are_not_taken_for_short_ones():
    assert vcluster.cut_short(vcluster.transfers(LOG)) == [] and "\n" not in vcluster.apt_cache_report(LOG)


# What nodes ask the cache for: the release files pass through (apt asks for them fresh on every update, and
# apt-cacher-ng, refreshing its copy for nodes asking at once, cut one answer short); what never changes is cached.
PASSED_THROUGH = ["http://deb.debian.org/debian/dists/bookworm/InRelease",
                  "http://deb.debian.org/debian/dists/bookworm-updates/InRelease",
                  "http://deb.debian.org/debian/dists/trixie/Release", "http://deb.debian.org/debian/dists/trixie/Release.gpg"]
CACHED = ["http://deb.debian.org/debian/dists/bookworm/main/binary-amd64/by-hash/SHA256/9e0b5aab",
          f"http://deb.debian.org/debian/{DEB.removeprefix('debrep/')}",
          "http://deb.debian.org/debian/pool/main/r/release-notes/InRelease-notes_1_all.deb"]


@pytest.mark.parametrize("url", PASSED_THROUGH)
def test_release_files_pass_through_the_cache(url):
    assert re.search(vcluster.APT_CACHE_PASS_THROUGH, url), f"{url} would be cached"


@pytest.mark.parametrize("url", CACHED)
def test_packages_and_indexes_by_hash_are_cached(url):
    assert not re.search(vcluster.APT_CACHE_PASS_THROUGH, url), f"{url} would pass through uncached"


def test_the_cache_is_started_with_the_pass_through():
    assert f"DontCacheResolved={vcluster.APT_CACHE_PASS_THROUGH}" in vcluster.APT_CACHE_COMMAND
