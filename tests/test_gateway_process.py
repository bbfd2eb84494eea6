"""The gateway as a real process: SIGKILL with a persistent queue loses nothing it accepted; SIGTERM drains.
(The adversarial corpus through the gateway process is a door of the leak suite, tests/test_leak_suite.py.)"""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import requests
import yaml

from leak_corpus import Corpus, build_requests
from otlp_sink import OtlpSink, ReservedPort, free_port, wait_until_serving


def _write_config(path, http_port: int, backend: str, storage: str | None) -> None:
    queue = {"queue_size": 10_000, **({"storage": storage} if storage else {})}
    cfg = {
        "receivers": {"otlp": {"protocols": {"http": {"endpoint": f"127.0.0.1:{http_port}"}}}},
        "processors": {"privacy": {"policy": "default"}},
        "exporters": {"otlphttp": {"endpoint": backend, "sending_queue": queue,
                                   "retry_on_failure": {"initial_interval": "100ms", "max_interval": "300ms",
                                                        "max_elapsed_time": "120s"}}},
        "service": {"pipelines": {"traces": {"receivers": ["otlp"], "processors": ["privacy"],
                                             "exporters": ["otlphttp"]}}},
    }
    path.write_text(yaml.safe_dump(cfg))


def _start(config_path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "otel_privacy.gateway", "--config", str(config_path),
                             "--drain-timeout", "10", "--workers", "1"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=dict(os.environ))


def _wait_healthy(port: int, proc: subprocess.Popen) -> None:
    wait_until_serving(f"http://127.0.0.1:{port}/health", proc, lambda: proc.stderr.read().decode())


def _span_request(i: int):
    req = build_requests(Corpus())["traces"]
    span = req.resource_spans[0].scope_spans[0].spans[0]
    span.name = f"op-{i}"
    span.span_id = i.to_bytes(8, "big")
    return req.SerializeToString()


def test_sigkill_with_persistent_queue_delivers_every_accepted_span(tmp_path):
    backend = ReservedPort()
    http_port = free_port()
    cfg = tmp_path / "gw.yaml"
    _write_config(cfg, http_port, backend.endpoint, str(tmp_path / "queue"))
    proc = _start(cfg)
    try:
        _wait_healthy(http_port, proc)
        accepted = []
        for i in range(30):
            r = requests.post(f"http://127.0.0.1:{http_port}/v1/traces", data=_span_request(i),
                              headers={"Content-Type": "application/x-protobuf"}, timeout=5)
            if r.status_code == 200:
                accepted.append(f"op-{i}")
        assert len(accepted) == 30
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    assert list((tmp_path / "queue").glob("*.pb")), "accepted batches must be on disk"
    with OtlpSink(http_port=backend.release()) as sink:
        proc = _start(cfg)
        try:
            _wait_healthy(http_port, proc)
            assert sink.wait_for(lambda: set(accepted) <= set(sink.span_names()), timeout=30)
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(20)
    assert proc.returncode == 0
    assert not list((tmp_path / "queue").glob("*.pb")), "delivered batches are removed"


def test_sigterm_drains_the_queue_before_exit(tmp_path):
    with OtlpSink() as sink:
        sink.fail_next(3, status=503, retry_after=None)
        http_port = free_port()
        cfg = tmp_path / "gw.yaml"
        _write_config(cfg, http_port, sink.endpoint, None)
        proc = _start(cfg)
        _wait_healthy(http_port, proc)
        for i in range(10):
            assert requests.post(f"http://127.0.0.1:{http_port}/v1/traces", data=_span_request(i),
                                 headers={"Content-Type": "application/x-protobuf"}, timeout=5).status_code == 200
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
        assert proc.returncode == 0
        assert {f"op-{i}" for i in range(10)} <= set(sink.span_names())
        logs = proc.stderr.read().decode()
        assert '"level": "info"' in logs and "draining" in logs  # structured JSON logs
