"""The monitoring role's Alertmanager configuration, rendered as the role renders it, checked by Alertmanager's own
amtool (as the role's validate does on the head node): the README's receivers are taken, a broken one is not."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar

try:
    from ansible.template import trust_as_template
except ImportError:  # ansible-core before 2.19 templates every string
    def trust_as_template(text):
        return text

ROOT = Path(__file__).resolve().parents[3]
TEMPLATE = ROOT / "roles" / "monitoring" / "templates" / "alertmanager.yml.j2"

pytestmark = pytest.mark.skipif(not shutil.which("amtool"), reason="amtool (Debian's prometheus-alertmanager) is "
                                "not installed")

EMAIL = {"email_configs": [{"to": "teacher@example.org", "from": "picluster@example.org",
                            "smarthost": "mail.example.org:587", "auth_username": "picluster",
                            "auth_password": "from-ansible-vault"}]}
WEBHOOK = {"webhook_configs": [{"url": "http://192.0.2.10:5001/"}]}


def check(tmp_path: Path, receiver: dict) -> tuple[subprocess.CompletedProcess, dict]:
    variables = {"ansible_managed": "Ansible managed", "monitoring_alertmanager_receiver": receiver}
    text = Templar(loader=DataLoader(), variables=variables).template(trust_as_template(TEMPLATE.read_text()))
    path = tmp_path / "alertmanager.yml"
    path.write_text(text)
    done = subprocess.run(["amtool", "check-config", str(path)], capture_output=True, text=True, check=False)
    return done, yaml.safe_load(text)


@pytest.mark.parametrize("receiver", [EMAIL, WEBHOOK, {**EMAIL, **WEBHOOK}], ids=["email", "webhook", "both"])
def test_amtool_takes_the_readmes_receivers(tmp_path, receiver):
    done, _config = check(tmp_path, receiver)
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_alert_goes_to_the_receiver_grouped_by_alert_and_node(tmp_path):
    _done, config = check(tmp_path, WEBHOOK)
    assert (config["route"]["receiver"], config["route"]["group_by"], config["receivers"]) == (
        "picluster", ["alertname", "node"], [{"name": "picluster", **WEBHOOK}]), config


def test_amtool_refuses_a_receiver_that_cannot_send(tmp_path):
    done, _config = check(tmp_path, {"webhook_configs": [{"url": "not a url"}]})
    assert done.returncode != 0, done.stdout
