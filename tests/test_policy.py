"""Policy loading and validation: presets, extension, and errors that name the field and line."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from otel_privacy import Policy, PolicyError
from otel_privacy.cli import main


def write(tmp_path, text: str):
    path = tmp_path / "privacy.yaml"
    path.write_text(textwrap.dedent(text))
    return path


@pytest.mark.parametrize("name", ["default", "strict", "off"])
def test_presets_load_and_have_distinct_fingerprints(name):
    policy = Policy.preset(name)
    assert policy.name == name
    assert policy.fingerprint.startswith(f"{name}:")
    assert Policy.preset(name).fingerprint == policy.fingerprint  # stable


def test_fingerprints_differ_between_presets():
    assert len({Policy.preset(n).fingerprint for n in ("default", "strict", "off")}) == 3


def test_user_policy_extends_default_and_its_rules_come_first(tmp_path):
    path = write(tmp_path, """
        name: shop
        rules:
          - match: user.id
            action: keep
        url:
          allow_query_keys: [page]
    """)
    policy = Policy.load(path)
    assert policy.extends == "default"
    assert policy.rules[0].match == ["user.id"] and policy.rules[0].action == "keep"
    assert any(r.action == "db_statement" for r in policy.rules)  # preset rules kept after
    assert policy.url.allow_query_keys == ["page"]
    assert policy.url.drop_fragment is True  # untouched nested option inherited


def test_nested_detector_override_keeps_other_detectors():
    policy = Policy.from_dict({"text": {"detectors": {"ip": False}}})
    assert policy.text.detectors["ip"] is False
    assert policy.text.detectors["email"] is True


def test_strict_extends_default_and_adds_allow_list():
    strict = Policy.preset("strict")
    assert strict.allow_keys and "service.name" in strict.allow_keys
    assert strict.text.detectors["home_path"] is True
    extended = Policy.from_dict({"extends": "strict", "allow_keys": ["app.tier"]})
    assert "app.tier" in extended.allow_keys and "service.name" in extended.allow_keys


ERROR_CASES = [
    pytest.param("rules:\n  - match: a\n    action: obliterate\n", "rules[0].action", 3, id="bad-action"),
    pytest.param("name: x\nunknown_thing: 1\n", "unknown_thing: unknown field", 2, id="unknown-top-level-key"),
    pytest.param("url:\n  drop_fragment: true\n  typo_key: 1\n", "url.typo_key: unknown field", 3, id="unknown-nested-key"),
    pytest.param("max_value_length: lots\n", "max_value_length", 1, id="wrong-type"),
    pytest.param("secret_key_patterns:\n  - ok\n  - '(unclosed'\n", "secret_key_patterns[1]", 3, id="bad-regex"),
    pytest.param("text:\n  custom:\n    - name: x\n      pattern: '[z'\n", "text.custom[0].pattern", 4, id="bad-custom-regex"),
    pytest.param("text:\n  detectors:\n    emial: true\n", "unknown detector", 2, id="unknown-detector"),
    pytest.param("extends: nonsense\n", "unknown preset", None, id="unknown-preset"),
    pytest.param("rules: [\n", "malformed YAML", 2, id="malformed-yaml"),
    pytest.param("- just\n- a list\n", "must be a mapping", None, id="not-a-mapping"),
]


@pytest.mark.parametrize(("text", "fragment", "line"), ERROR_CASES)
def test_policy_errors_name_the_field_and_line(tmp_path, text, fragment, line):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(PolicyError) as info:
        Policy.load(path)
    message = str(info.value)
    assert fragment in message
    assert str(path) in message
    if line is not None:
        assert f"{path}:{line}:" in message


def test_cli_policy_check_exits_non_zero_on_error(tmp_path, capsys):
    path = write(tmp_path, "rules:\n  - match: a\n    action: nope\n")
    assert main(["policy", "check", str(path)]) == 2
    err = capsys.readouterr().err
    assert "rules[0].action" in err and f"{path}:3" in err


def test_cli_policy_check_prints_effective_policy(tmp_path, capsys):
    path = write(tmp_path, "name: shop\nidentity:\n  key: supersecret\n")
    assert main(["policy", "check", str(path)]) == 0
    out = capsys.readouterr().out
    assert "OK" in out and "name: shop" in out and "db_statement" in out
    assert "supersecret" not in out  # the hash key is masked


def test_policy_schema_is_json_schema_that_knows_the_fields():
    proc = subprocess.run([sys.executable, "-m", "otel_privacy.cli", "policy", "schema"],
                          capture_output=True, text=True, check=True)
    schema = json.loads(proc.stdout)
    assert schema["additionalProperties"] is False
    assert {"rules", "text", "url", "sql", "identity"} <= set(schema["properties"])


def test_load_accepts_preset_names_dicts_and_policies():
    assert Policy.load("strict").name == "strict"
    assert Policy.load({"name": "d"}).name == "d"
    p = Policy.preset("off")
    assert Policy.load(p) is p
    assert Policy.load(None).name == "default"


def test_hash_key_is_not_part_of_the_fingerprint():
    a = Policy.from_dict({"identity": {"key": "one"}})
    b = Policy.from_dict({"identity": {"key": "two"}})
    assert a.fingerprint == b.fingerprint


def test_example_policies_are_valid():
    from pathlib import Path

    for path in sorted((Path(__file__).resolve().parents[1] / "examples" / "policies").glob("*.yaml")):
        assert Policy.load(path).name, path
