"""The RESULT line of a job: one line of compact JSON, an object, that rank 0 prints last (every shipped job does,
and a user's script may). Read by the job_result filter, which saves it, and by the health report, which reads the
rma job's. Imported as ansible_collections.picluster.mpi.plugins.plugin_utils.job_result."""
from __future__ import annotations

import json

PREFIX = "RESULT "


def last_result_text(lines):
    """The text after `RESULT ` of the last such line of a job's output, or None when it printed none."""
    found = [line for line in lines if line.startswith(PREFIX)]
    return found[-1][len(PREFIX):] if found else None


def parse(text):
    """The JSON object a RESULT line holds, or None when it holds anything else."""
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None
