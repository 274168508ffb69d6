"""Filter picluster.mpi.job_result: the result a job printed, as the mpi_job role saves it."""
from __future__ import annotations

DOCUMENTATION = r"""
name: job_result
author: picluster.mpi maintainers
version_added: 0.2.0
short_description: The result a job printed on its RESULT line
description:
  - Reads the last line of a job's output that starts with C(RESULT ) and returns the JSON object it holds.
  - A job that printed no such line gives an empty dict. A line that holds no JSON object (a user's script that
    printed something else after C(RESULT )) gives C(unparsed_result), its text, so that the run still saves what
    it measured and says what went wrong instead of failing on the JSON.
options:
  _input:
    description: The job's output lines.
    type: list
    elements: str
    required: true
"""

EXAMPLES = r"""
result: "{{ __mpi_job_outcome.lines | picluster.mpi.job_result }}"
"""

RETURN = r"""
_value:
  description: The RESULT line's JSON object; empty without one; C(unparsed_result) when the line holds no object.
  type: dict
"""

from ansible_collections.picluster.mpi.plugins.plugin_utils.job_result import last_result_text, parse

# How much of a line that is not JSON the saved result keeps.
UNPARSED_CHARS = 1000


def job_result(lines):
    text = last_result_text(lines)
    if text is None:
        return {}
    parsed = parse(text)
    return parsed if parsed is not None else {"unparsed_result": text[:UNPARSED_CHARS]}


class FilterModule:
    def filters(self):
        return {"job_result": job_result}
