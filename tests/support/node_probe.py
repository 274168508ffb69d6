"""Running the shared role's node state probe (roles/mpi/files/node_state.py) locally, as the roles run it."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

PROBE = Path(__file__).resolve().parents[2] / "roles/mpi/files/node_state.py"


def probe(request: dict) -> dict:
    """Run the probe the way tasks/state.yml does: its source with python -c, the request as one argument."""
    result = subprocess.run([sys.executable, "-c", PROBE.read_text(), json.dumps(request)],
                            capture_output=True, text=True, check=True)
    return json.loads(result.stdout)
