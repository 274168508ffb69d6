"""The lookup picluster.mpi.extra_var: an extra variable as given on the command line, spaces and all."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from ansible_collections.picluster.mpi.plugins.lookup import extra_var
from playbook_output import plain_output_env

ROOT = Path(__file__).resolve().parents[4]

ANSIBLE_PLAYBOOK = Path(sys.executable).parent / "ansible-playbook"
PLAY = """
- name: Read an extra variable whole
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Show the lookup's value
      ansible.builtin.debug:
        msg: "lookup=[{{ lookup('picluster.mpi.extra_var', 'job_args', default='none') }}]"
"""


@pytest.mark.parametrize(("arguments", "value"), [
    (["job_args=--slices 500"], "--slices 500"),
    (["job_args=--slices 500 --terms 1000000"], "--slices 500 --terms 1000000"),
    (["job_args=--slices 1", "job_args=--slices 2"], "--slices 2"),
    (["job_args=--slices 1", "job=pi", "job_args=--slices 2", "mpi_np=4"], "--slices 2"),
    (['job_args="--slices 500"'], "--slices 500"),
    (["job_args='--slices 500'"], "--slices 500"),
    (["job_args=\"--label 'a b'\""], "--label 'a b'"),
    (["job_args='--slices 500\""], "'--slices 500\""),
    (["job_args=\""], "\""),
    (["job_args="], ""),
    (["job_args=a=b"], "a=b"),
    (["  job_args=--slices 500  "], "--slices 500"),
], ids=["spaces", "several-options", "last-wins", "last-wins-among-others", "double-quotes", "single-quotes",
        "inner-quotes", "unmatched-quotes", "lone-quote", "empty", "equals-in-value", "surrounding-blanks"])
def test_the_value_is_the_whole_text_after_the_name(arguments, value):
    assert extra_var.value_from_command_line("job_args", arguments) == value


@pytest.mark.parametrize("arguments", [
    [],
    None,
    ['{"job_args": "--slices 500"}'],
    ["@vars.yml"],
    ["@job_args=--slices 500"],
    ['["job_args=--slices 500"]'],
    ["job=pi"],
    ["job_args_extra=--slices 500"],
    ["my_job_args=--slices 500"],
    ["job_args"],
], ids=["none-given", "null", "json", "file", "file-with-equals", "json-list", "other-name", "longer-name",
        "suffix-name", "no-equals"])
def test_a_variable_not_given_as_name_equals_value_is_none(arguments):
    assert extra_var.value_from_command_line("job_args", arguments) is None


def test_json_and_files_do_not_hide_an_earlier_name_equals_value():
    arguments = ["job_args=--slices 500", "@vars.yml", '{"mpi_np": 4}']
    assert extra_var.value_from_command_line("job_args", arguments) == "--slices 500"


@pytest.mark.parametrize(("name", "value"), [("job", "pi"), ("job_args", "--slices 500")])
def test_a_name_that_is_a_prefix_of_another_is_not_confused_with_it(name, value):
    arguments = ["job=pi", "job_args=--slices 500"] if name == "job" else ["job_args=--slices 500", "job=pi"]
    assert extra_var.value_from_command_line(name, arguments) == value


# --- a real playbook run -----------------------------------------------------------------------------------------------


def run_play(tmp_path: Path, *extra_vars: str) -> str:
    (tmp_path / "play.yml").write_text(PLAY)
    argv = [str(ANSIBLE_PLAYBOOK), "-i", "localhost,", "-c", "local", "play.yml"]
    for extra in extra_vars:
        argv += ["-e", extra]  # each -e value one argv element, as a shell hands over -e 'job_args=--slices 500'
    result = subprocess.run(argv, cwd=tmp_path, env=plain_output_env(ANSIBLE_COLLECTIONS_PATH=str(ROOT / "collections")),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False)
    assert result.returncode == 0, result.stdout
    return result.stdout


def shown(output: str) -> str:
    match = re.search(r'"msg": "lookup=\[(.*)\]"', output)
    assert match, output
    return match.group(1)


def test_a_playbook_gets_the_whole_value(tmp_path):
    assert shown(run_play(tmp_path, "job_args=--slices 500")) == "--slices 500"


def test_a_playbook_gets_the_last_value_given(tmp_path):
    assert shown(run_play(tmp_path, "job_args=--slices 1", "job_args=--slices 2")) == "--slices 2"


def test_a_playbook_without_the_variable_gets_the_default(tmp_path):
    assert shown(run_play(tmp_path, "job=pi")) == "none"
