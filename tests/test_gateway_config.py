"""Gateway and policy config files: YAML pitfalls, and errors that name file, line and field."""

from __future__ import annotations

import re

import pytest

from otel_privacy.gateway import load_config
from otel_privacy.policy import Policy

PIPELINE = "service: {pipelines: {traces: {receivers: [otlp], processors: [privacy], exporters: [debug]}}}\n"


@pytest.mark.parametrize("text, preset", [
    pytest.param("extends: off\n", "off", id="off"),
    pytest.param("extends: 'off'\n", "off", id="quoted-off"),
    pytest.param("extends: strict\n", "strict", id="strict"),
])
def test_policy_extends_names_the_preset_even_where_yaml_1_1_reads_a_boolean(text, preset):
    policy = Policy.from_yaml(text + "rules: [{match: x.secret, action: drop}]\n", source="p.yaml")
    assert policy.extends == preset
    assert policy.rules[0].match == ["x.secret"]


def test_policy_switches_stay_booleans():
    """Only names are read as text: `enabled: off` is still false, and so is usage.enabled."""
    policy = Policy.from_yaml("enabled: off\nusage: {enabled: off}\n")
    assert policy.enabled is False and policy.usage == {"enabled": False}


@pytest.mark.parametrize("policy, enabled", [
    pytest.param("off", False, id="preset-off"),
    pytest.param("{extends: off}", False, id="inline-extends-off"),
    pytest.param("{extends: default, enabled: no}", False, id="inline-switch-no"),
    pytest.param("strict", True, id="preset-strict"),
])
def test_gateway_policy_fields_accept_the_preset_users_meant(tmp_path, policy, enabled):
    path = tmp_path / "gw.yaml"
    path.write_text(f"receivers: {{otlp: {{}}}}\nprocessors: {{privacy: {{policy: {policy}}}}}\n"
                    f"exporters: {{debug: {{}}}}\n{PIPELINE}")
    cfg = load_config(path)
    loaded = Policy.load(cfg.processors["privacy"].policy)
    assert loaded.enabled is enabled


def test_the_gateway_image_installs_the_gateway_extra():
    """`pip install otel-privacy` is the SDK door; the image must ask for the server stack."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    pyproject = (root / "pyproject.toml").read_text()
    core = re.search(r"^dependencies = \[(.*?)^\]", pyproject, re.S | re.M).group(1)
    gateway = re.search(r"^gateway = \[(.*?)^\]", pyproject, re.S | re.M).group(1)
    assert "aiohttp" in gateway and "grpcio" in gateway
    assert "aiohttp" not in core and "rich" not in core
    assert "'.[gateway]'" in (root / "examples" / "deploy" / "Dockerfile").read_text()
