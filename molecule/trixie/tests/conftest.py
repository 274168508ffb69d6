"""The shared helpers (molecule/shared, tests/support) on the import path of this scenario's tests."""
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[3]
sys.path[:0] = [str(PROJECT / "molecule/shared"), str(PROJECT / "tests/support")]
