"""The helpers shared by the suites and the benchmarks (tests/support) on the import path of tests/*, and the checkout
as the collection picluster.mpi (collections/), so that tests import its shared code as Ansible does:
ansible_collections.picluster.mpi.plugins.module_utils...."""
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent
sys.path[:0] = [str(TESTS / "support"), str(TESTS.parent / "collections")]
