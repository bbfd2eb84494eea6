"""Product usage events: real OTLP export, instance id persistence, pairing, opt-outs, `usage show`, proto."""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest

from otel_privacy import Redactor, UsageReporter
from otel_privacy.demo import CaptureReceiver
from otel_privacy.otlp import any_to_py, kv_to_dict
from otel_privacy.usage.v1 import usage_pb2

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _usage_on(monkeypatch):
    monkeypatch.delenv("DO_NOT_TRACK", raising=False)  # the suite sets it; these tests need events
    monkeypatch.delenv("OTEL_PRIVACY_USAGE_ENABLED", raising=False)


@pytest.fixture
def receiver():
    with CaptureReceiver() as r:
        yield r


def received(receiver) -> list[tuple[str, dict, dict]]:
    """(event name, attributes, body) of every log record the receiver got."""
    out = []
    for raw in receiver.bodies["logs"]:
        req = ExportLogsServiceRequest.FromString(raw)
        for rl in req.resource_logs:
            for sl in rl.scope_logs:
                for lr in sl.log_records:
                    out.append((lr.event_name, kv_to_dict(lr.attributes), any_to_py(lr.body)))
    return out


def test_events_over_real_otlp_with_pairs_alerts_and_hashed_identifiers(receiver):
    rep = UsageReporter("myapp", "1.2.3", endpoint=receiver.endpoint)
    rep.started({"workers": 4, "db_password": "hunter2"})
    with rep.track("backup", {"project_id": "acme-prod", "tables": 12}):
        pass
    with pytest.raises(ValueError), rep.track("restore", {"project_id": "acme-prod"}):
        raise ValueError("disk alice@example.com full")
    with pytest.raises(KeyboardInterrupt), rep.track("migrate"):
        raise KeyboardInterrupt
    rep.alert("warning", "quota reached for alice@example.com, card 4111111111111111")
    rep.stopped()
    assert rep.flush(10)
    events = received(receiver)
    names = [n for n, _, _ in events]
    assert names == ["otel_privacy.usage.started"] * 2 + ["otel_privacy.usage.completed"] + \
        ["otel_privacy.usage.started", "otel_privacy.usage.completed"] * 2 + \
        ["otel_privacy.usage.alert", "otel_privacy.usage.stopped"]
    bodies = [b for _, _, b in events]
    start = bodies[0]
    assert start["product"] == "myapp" and start["version"] == "1.2.3" and start["environment"]["cpu_count"] >= 1
    assert start["event_data"]["workers"] == "4" and start["event_data"]["db_password"] == "REDACTED"
    backup_started, backup_done = bodies[1], bodies[2]
    assert backup_done["work_id"] == backup_started["work_id"] and backup_done["work_name"] == "backup"
    assert backup_done["event_data"] == backup_started["event_data"]  # repeats the started payload
    assert backup_done["end_state"] == "END_STATE_SUCCESS" and backup_done["duration_seconds"] >= 0
    pseudonym = Redactor("default").pseudonymize("acme-prod")
    assert backup_started["event_data"]["project_id"] == pseudonym  # hashed, stable
    assert bodies[4]["end_state"] == "END_STATE_FAILED" and bodies[4]["error_class"] == "ValueError"
    assert bodies[6]["end_state"] == "END_STATE_ABORTED" and bodies[6]["error_class"] == "KeyboardInterrupt"
    assert "alice" not in json.dumps(bodies) and "4111111111111111" not in json.dumps(bodies)
    assert "hunter2" not in receiver.raw().decode("latin-1") and b"acme-prod" not in receiver.raw()
    assert float(bodies[-1]["event_data"]["uptime_seconds"]) >= 0
    attrs = events[0][1]
    assert attrs["event.name"] == "otel_privacy.usage.started" and attrs["otel_privacy.usage.instance_id"]
    assert rep.stats["sent"] == len(events) and rep.stats["failed"] == 0


def _id_in_subprocess(env: dict) -> str:
    code = "from otel_privacy import UsageReporter; print(UsageReporter('p', '1').instance_id)"
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True,
                          timeout=60).stdout.strip()


def test_instance_id_is_random_persisted_0600_and_shared_across_processes(tmp_path):
    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "a")}
    first = _id_in_subprocess(env)
    assert first == _id_in_subprocess(env)  # persisted
    path = tmp_path / "a" / "otel-privacy" / "instance_id"
    assert path.read_text().strip() == first and stat.S_IMODE(path.stat().st_mode) == 0o600
    other = _id_in_subprocess({**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "b")})
    assert other != first  # same host, same user: still a different id (random, not derived)


@pytest.mark.parametrize("switch", ["DO_NOT_TRACK", "env", "policy"])
def test_each_opt_out_sends_and_queues_nothing(receiver, monkeypatch, switch):
    policy = "default"
    if switch == "DO_NOT_TRACK":
        monkeypatch.setenv("DO_NOT_TRACK", "1")
    elif switch == "env":
        monkeypatch.setenv("OTEL_PRIVACY_USAGE_ENABLED", "false")
    else:
        policy = {"usage": {"enabled": False}}
    rep = UsageReporter("p", "1", endpoint=receiver.endpoint, policy=policy)
    assert rep.started() is None and rep.alert("info", "x") is None
    with rep.track("job"):
        pass
    assert rep.disabled_reason()
    assert rep._queue.qsize() == 0 and rep._thread is None and not receiver.bodies["logs"]
    assert rep.preview() == []


def test_config_file_change_takes_effect_without_restart(receiver, tmp_path):
    cfg = tmp_path / "app.yaml"
    cfg.write_text("usage: {enabled: true}\n")
    rep = UsageReporter("p", "1", endpoint=receiver.endpoint, config_file=cfg)
    assert rep.alert("info", "one") is not None
    cfg.write_text("usage: {enabled: false}\n")
    os.utime(cfg, ns=(time.time_ns(), time.time_ns() + 1_000_000))
    assert rep.alert("info", "two") is None
    cfg.write_text("usage: {enabled: true}   # back on\n")
    os.utime(cfg, ns=(time.time_ns(), time.time_ns() + 2_000_000))
    assert rep.alert("info", "three") is not None
    rep.flush(10)
    messages = [b["event_data"]["message"] for _, _, b in received(receiver)]
    assert messages == ["one", "three"]


def test_usage_show_prints_exactly_what_the_receiver_gets(receiver, tmp_path):
    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path), "COLUMNS": "200"}
    env.pop("DO_NOT_TRACK", None)
    shown = json.loads(subprocess.run(
        [sys.executable, "-m", "otel_privacy.cli", "usage", "show", "--product", "shop", "--version", "2.0"],
        env=env, capture_output=True, text=True, check=True, timeout=60).stdout)
    os.environ["XDG_CONFIG_HOME"] = str(tmp_path)  # same install: same instance id
    rep = UsageReporter("shop", "2.0", endpoint=receiver.endpoint)
    rep.started()
    rep.stopped()
    got = [b for _, _, b in received(receiver)]
    for body in shown + got:
        body.pop("event_time_unix_nano")
        body.get("event_data", {}).pop("uptime_seconds", None)
    assert shown == got
    status = json.loads(subprocess.run([sys.executable, "-m", "otel_privacy.cli", "usage", "status"],
                                       env={**env, "DO_NOT_TRACK": "1"}, capture_output=True, text=True,
                                       check=True, timeout=60).stdout)
    assert status == {**status, "enabled": False, "reason": "DO_NOT_TRACK is set"}


def test_debug_echo_and_failures_are_silent(capsys, monkeypatch):
    monkeypatch.setenv("OTEL_PRIVACY_USAGE_DEBUG", "1")

    def broken(request):
        raise ConnectionError("backend down")

    rep = UsageReporter("p", "1", exporter=broken)
    body = rep.alert("error", "boom")
    assert rep.flush(5)
    echoed = json.loads(capsys.readouterr().out.strip().splitlines()[-1])["otel_privacy_usage_event"]
    assert echoed == body
    assert rep.stats["failed"] == 1 and rep.stats["sent"] == 0
    # a backend that accepts the connection and never answers does not block the caller: every call has
    # returned while the (background) send is still in flight — neither sent nor failed yet
    with socket.create_server(("127.0.0.1", 0)) as silent:
        silent.settimeout(30)
        slow = UsageReporter("p", "1", endpoint=f"http://127.0.0.1:{silent.getsockname()[1]}", timeout=30)
        for _ in range(50):
            slow.alert("info", "x")
        conn, _ = silent.accept()  # the sender thread has connected and is waiting for a response
        with conn:
            assert slow.stats["sent"] == 0 and slow.stats["failed"] == 0


def test_bounded_buffer_drops_and_counts():
    import threading

    gate = threading.Event()
    rep = UsageReporter("p", "1", exporter=lambda r: gate.wait(10), max_buffer=3)
    for _ in range(10):
        rep.alert("info", "x")
    assert rep.stats["dropped"] >= 6
    gate.set()
    assert rep.flush(10)


def test_proto_round_trip_and_generated_code_in_sync(tmp_path):
    event = usage_pb2.UsageEvent(instance_id="i", event_type="completed", end_state=usage_pb2.END_STATE_FAILED,
                                 duration_seconds=1.5, error_class="ValueError")
    event.event_data["k"] = "v"
    event.environment.cpu_count = 2
    assert usage_pb2.UsageEvent.FromString(event.SerializeToString()) == event
    grpc_tools = pytest.importorskip("grpc_tools.protoc")
    rc = grpc_tools.main(["protoc", f"-I{ROOT / 'proto'}", f"--python_out={tmp_path}",
                          str(ROOT / "proto/otel_privacy/usage/v1/usage.proto")])
    assert rc == 0
    generated = (tmp_path / "otel_privacy/usage/v1/usage_pb2.py").read_text()
    checked_in = (ROOT / "src/otel_privacy/usage/v1/usage_pb2.py").read_text()
    assert generated == checked_in, "run `make proto` and commit the result"


def test_gateway_sends_its_lifecycle_events_through_its_own_pipeline():
    from otel_privacy.gateway import Gateway, load_config
    from otlp_sink import OtlpSink

    with OtlpSink() as sink:
        gw = Gateway(load_config({
            "receivers": {"otlp": {"protocols": {"http": {"endpoint": "127.0.0.1:0"}}}},
            "processors": {"privacy": {}},
            "exporters": {"otlphttp": {"endpoint": sink.endpoint}},
            "service": {"pipelines": {"logs": {"receivers": ["otlp"], "processors": ["privacy"],
                                               "exporters": ["otlphttp"]}}},
        })).start()
        gw.stop(5)
        names = [lr.event_name for r in sink.requests("logs") for rl in r.resource_logs for sl in rl.scope_logs
                 for lr in sl.log_records]
        assert names == ["otel_privacy.usage.started", "otel_privacy.usage.stopped"]
        body = any_to_py(sink.requests("logs")[0].resource_logs[0].scope_logs[0].log_records[0].body)
        assert body["product"] == "otel-privacy-gateway" and body["event_data"]["pipelines"] == "logs:1"
