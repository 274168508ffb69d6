"""The shared helpers of the molecule suites (molecule/shared) on the import path of this scenario's tests."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "shared"))
