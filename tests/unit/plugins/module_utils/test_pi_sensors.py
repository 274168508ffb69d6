"""A Pi's sensors as vcgencmd reports them, and the metrics the monitoring role's collector makes of them
(module_utils/pi_sensors), on outputs recorded on real boards."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from ansible_collections.picluster.mpi.plugins.module_utils import pi_sensors

RECORDED = Path(__file__).resolve().parents[2] / "recorded" / "vcgencmd"
PI5_PMIC = (RECORDED / "pi5-pmic_read_adc.txt").read_text()
# A Pi 4 that ran hot and on a weak supply, as check.yml's stories record it.
PI4 = {"throttled": "throttled=0x50005\n", "temperature": "temp=81.3'C\n", "clock": "frequency(48)=1500398464\n",
       "clock_max": "arm_freq=1800\n", "pmic": None}

# ---- the throttle flags, on the values real boards report -----------------------------------------------------------
THROTTLED = [
    (0x0, [], []),
    (0x50000, [], ["under-voltage", "throttled"]),
    (0x50005, ["under-voltage", "throttled"], ["under-voltage", "throttled"]),
    (0x80008, ["soft temperature limit"], ["soft temperature limit"]),
    (0xE0000, [], ["frequency capped", "throttled", "soft temperature limit"]),
    (0xF000F, ["under-voltage", "frequency capped", "throttled", "soft temperature limit"],
     ["under-voltage", "frequency capped", "throttled", "soft temperature limit"]),
]


@pytest.mark.parametrize(("value", "now", "since_boot"), THROTTLED, ids=[
    "healthy", "weak-supply-earlier", "weak-supply-now", "hot-now", "hot-earlier", "everything"])
def test_decode_throttled_names_what_holds_now_and_since_boot(value, now, since_boot):
    assert pi_sensors.decode_throttled(value) == {"now": now, "since_boot": since_boot}


@pytest.mark.parametrize(("output", "value"), [
    ("throttled=0x0\n", 0),
    ("throttled=0x50005\n", 0x50005),
    ("throttled=0xe0000", 0xE0000),
    ("VCHI initialization failed\n", None),
    ("", None),
])
def test_parse_throttled_reads_vcgencmd_output(output, value):
    assert pi_sensors.parse_throttled(output) == value


@pytest.mark.parametrize(("output", "celsius"), [
    ("temp=48.3'C\n", 48.3), ("temp=85.0'C", 85.0), ("temp=-2.5'C", -2.5), ("error", None)])
def test_parse_temperature_reads_vcgencmd_output(output, celsius):
    assert pi_sensors.parse_temperature(output) == celsius


@pytest.mark.parametrize(("output", "hertz"), [
    ("frequency(48)=1500398464\n", 1500398464),
    ("frequency(0)=2400000000", 2400000000),
    ("error=2 error_msg=\"Invalid arguments\"", None),
])
def test_parse_clock_reads_measure_clock(output, hertz):
    assert pi_sensors.parse_clock(output) == hertz


def test_parse_clock_max_reads_arm_freq_in_megahertz():
    assert pi_sensors.parse_clock_max("arm_freq=1800\n") == 1_800_000_000


def test_the_pmic_rails_pair_current_and_voltage_by_name_not_by_channel():
    assert pi_sensors.parse_pmic(PI5_PMIC)["VDD_CORE"] == {"amps": 6.22421, "volts": 0.861733}


def test_pmic_power_sums_only_rails_with_both_readings():
    rails = pi_sensors.parse_pmic(PI5_PMIC)
    both = [rail for rail in rails.values() if len(rail) == 2]
    assert len(both) == 12 and pi_sensors.pmic_power(rails) == pytest.approx(
        sum(rail["amps"] * rail["volts"] for rail in both))


def test_pmic_power_of_the_recorded_pi5_under_load_is_about_eight_watts():
    assert 7 < pi_sensors.pmic_power(pi_sensors.parse_pmic(PI5_PMIC)) < 9


def test_a_board_without_a_pmic_has_no_power():
    assert pi_sensors.pmic_power(pi_sensors.parse_pmic("")) is None


def metrics(outputs) -> dict:
    return {name + pi_sensors._labels(labels): value for name, labels, value, _help in pi_sensors.samples(outputs)}


def test_off_a_pi_only_the_missing_vcgencmd_is_reported():
    assert metrics(None) == {"vcgencmd_available": 0}


@pytest.mark.parametrize(("series", "value"), [
    ('throttled{flag="under-voltage",when="now"}', 1),
    ('throttled{flag="throttled",when="since_boot"}', 1),
    ('throttled{flag="frequency capped",when="now"}', 0),
    ("soc_temperature_celsius", 81.3),
    ("arm_clock_hertz", 1500398464),
    ("arm_clock_max_hertz", 1800000000),
])
def test_a_pi4s_readings_become_metrics(series, value):
    assert metrics(PI4)[series] == value


def test_a_pi4_has_no_power_metric():
    assert not [series for series in metrics(PI4) if "watts" in series or "volts" in series]


def test_a_pi5_reports_its_power_and_input_voltage():
    found = metrics({**PI4, "pmic": PI5_PMIC})
    assert (round(found["pmic_power_watts"], 3), found["input_volts"]) == (
        round(pi_sensors.pmic_power(pi_sensors.parse_pmic(PI5_PMIC)), 3), 5.09066)


def test_a_reading_that_failed_is_left_out_not_made_up():
    assert "soc_temperature_celsius" not in metrics({**PI4, "temperature": None})


@pytest.fixture
def collected(tmp_path):
    """The file the collector writes with a stand-in vcgencmd that knows two commands and fails the others."""
    stand_in = tmp_path / "vcgencmd"
    stand_in.write_text("#!/bin/sh\ncase \"$1\" in get_throttled) echo throttled=0x50005;; "
                        "measure_temp) echo \"temp=81.3'C\";; *) exit 1;; esac\n")
    stand_in.chmod(0o755)
    output = tmp_path / "picluster_pi.prom"
    subprocess.run([sys.executable, pi_sensors.__file__, "--output", str(output), "--vcgencmd", str(stand_in)],
                   check=True)
    return output.read_text()


@pytest.mark.skipif(not shutil.which("promtool"), reason="promtool (Debian's prometheus) is not installed")
def test_the_collector_writes_what_promtool_accepts(collected):
    lint = subprocess.run(["promtool", "check", "metrics"], input=collected, capture_output=True, text=True,
                          check=False)
    assert lint.returncode == 0 and not lint.stdout + lint.stderr, lint.stdout + lint.stderr


def test_the_collectors_file_holds_the_readings(collected):
    assert 'picluster_pi_throttled{flag="under-voltage",when="now"} 1' in collected and "arm_clock" not in collected
