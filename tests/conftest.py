"""The helpers shared by the suites and the benchmarks (tests/support) on the import path of tests/*."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "support"))
