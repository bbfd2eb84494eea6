"""The deployment examples parse, and the config inside the ConfigMap is a valid gateway config."""

from __future__ import annotations

from pathlib import Path

import yaml

from otel_privacy.gateway import load_config

DEPLOY = Path(__file__).resolve().parents[1] / "examples" / "deploy"


def test_kubernetes_manifests_are_consistent(monkeypatch):
    docs = list(yaml.safe_load_all((DEPLOY / "kubernetes.yaml").read_text()))
    kinds = {d["kind"]: d for d in docs}
    assert {"Secret", "ConfigMap", "Deployment", "Service", "HorizontalPodAutoscaler"} <= set(kinds)
    container = kinds["Deployment"]["spec"]["template"]["spec"]["containers"][0]
    env = {e["name"]: e for e in container["env"]}
    assert env["OTEL_PRIVACY_HASH_KEY"]["valueFrom"]["secretKeyRef"]["name"] == kinds["Secret"]["metadata"]["name"]
    assert {p["containerPort"] for p in container["ports"]} == {4317, 4318}
    assert container["readinessProbe"]["httpGet"]["path"] == "/health"
    monkeypatch.setenv("BACKEND_ENDPOINT", env["BACKEND_ENDPOINT"]["value"])
    cfg = load_config(yaml.safe_load(
        __import__("otel_privacy.gateway.config", fromlist=["substitute_env"]).substitute_env(
            kinds["ConfigMap"]["data"]["gateway.yaml"])))
    assert set(cfg.service.pipelines) == {"traces", "logs", "metrics"}
    assert (DEPLOY / "gateway.yaml").read_text().split("receivers:", 1)[1].strip().splitlines()[0].strip() == "otlp:"
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    assert 'ENTRYPOINT ["otel-privacy", "gateway"]' in dockerfile and "EXPOSE 4317 4318" in dockerfile
