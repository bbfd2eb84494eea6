"""``otel-privacy gateway --workers N``: real worker processes sharing the receiver's port (SO_REUSEPORT).

One module-level gateway with two workers: requests over fresh connections land in both (their
``/metrics`` series, labelled per worker, say so, from whichever worker answers the scrape), every span
reaches the backend redacted, each worker's persistent queue is its own directory, and SIGTERM to the
parent stops both workers cleanly (status 0, the port free again).
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys

import psutil
import pytest
import requests
import yaml

from leak_corpus import Corpus, build_requests
from otel_privacy import cli
from otel_privacy.gateway.selfmetrics import SelfMetrics
from otlp_sink import OtlpSink, free_port, wait_until_serving

pytestmark = pytest.mark.skipif(not hasattr(socket, "SO_REUSEPORT"), reason="needs SO_REUSEPORT")

PROTO = {"Content-Type": "application/x-protobuf"}


def _config(path, http_port: int, backend: str, storage: str) -> None:
    path.write_text(yaml.safe_dump({
        "receivers": {"otlp": {"protocols": {"http": {"endpoint": f"127.0.0.1:{http_port}"}}}},
        "processors": {"privacy": {"policy": "default"}},
        "exporters": {"otlphttp": {"endpoint": backend, "sending_queue": {"storage": storage}}},
        "service": {"pipelines": {"traces": {"receivers": ["otlp"], "processors": ["privacy"],
                                             "exporters": ["otlphttp"]}}},
    }))


def _received_by_worker(text: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for line in text.splitlines():
        m = re.match(r'otel_privacy_gateway_received_total\{(.*)\} (\S+)$', line)
        if m:
            worker = dict(re.findall(r'(\w+)="([^"]*)"', m.group(1))).get("worker", "")
            out[worker] = out.get(worker, 0) + float(m.group(2))
    return out


def test_two_workers_share_the_port_and_stop_cleanly(tmp_path):
    corpus = Corpus()
    request = build_requests(corpus)["traces"]
    span = request.resource_spans[0].scope_spans[0].spans[0]
    port = free_port()
    cfg = tmp_path / "gw.yaml"
    with OtlpSink() as sink:
        _config(cfg, port, sink.endpoint, str(tmp_path / "queue"))
        proc = subprocess.Popen([sys.executable, "-m", "otel_privacy.gateway", "--config", str(cfg),
                                 "--workers", "2", "--log-format", "text"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=dict(os.environ))
        try:
            wait_until_serving(f"http://127.0.0.1:{port}/health", proc, lambda: proc.stderr.read().decode())
            sent: list[str] = []
            by_worker: dict[str, float] = {}
            for i in range(300):  # each request on a new connection: the kernel picks a worker per connection
                span.name = f"op-{i}"
                r = requests.post(f"http://127.0.0.1:{port}/v1/traces", data=request.SerializeToString(),
                                  headers={**PROTO, "Connection": "close"}, timeout=10)
                assert r.status_code == 200
                sent.append(span.name)
                if i % 10 == 9:
                    by_worker = _received_by_worker(requests.get(f"http://127.0.0.1:{port}/metrics",
                                                                 timeout=10).text)
                    if set(by_worker) == {"0", "1"} and all(by_worker.values()):
                        break
            assert set(by_worker) == {"0", "1"}, by_worker  # both workers served, one scrape shows both
            assert sum(by_worker.values()) == len(sent)
            assert sink.wait_for(lambda: set(sent) <= set(sink.span_names()), timeout=30)
            assert corpus.leaks(sink.raw()) == []
            assert sorted(p.name for p in (tmp_path / "queue").iterdir()) == ["worker-0", "worker-1"]
            workers = psutil.Process(proc.pid).children()
            assert len(workers) == 2
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                _, err = proc.communicate(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                raise
    assert proc.returncode == 0, err.decode()[-2000:]
    assert "Traceback" not in err.decode()
    assert not [w for w in workers if w.is_running() and w.status() != psutil.STATUS_ZOMBIE]
    with socket.socket() as s:  # nobody listens on the port any more (connections may linger in TIME_WAIT)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", port))
        s.listen()


@pytest.mark.parametrize("name,args,expected", [
    ("free port with workers", ["--http", "127.0.0.1:0", "--workers", "2"], "fixed ports"),
    ("zero workers", ["--workers", "0"], "--workers"),
])
def test_workers_that_cannot_run_are_refused(name, args, expected, capsys):
    assert cli.main(["gateway", *args]) == 2
    assert expected in capsys.readouterr().err


def test_metrics_of_peers_are_merged_per_family():
    own, peer = SelfMetrics(worker="0"), SelfMetrics(worker="1")
    own.add("received", 2, signal="traces")
    peer.add("received", 3, signal="traces")
    peer.set("queue_size", 1, exporter="otlphttp")
    text = own.prometheus(peers=peer.series())
    assert text.count("# TYPE otel_privacy_gateway_received_total counter") == 1
    assert 'otel_privacy_gateway_received_total{signal="traces",worker="0"} 2' in text
    assert 'otel_privacy_gateway_received_total{signal="traces",worker="1"} 3' in text
    assert 'otel_privacy_gateway_queue_size{exporter="otlphttp",worker="1"} 1' in text
    # a family's lines stay together, as the text format requires
    names = [line.split("{")[0] for line in text.splitlines() if not line.startswith("#")]
    assert names == sorted(names, key=names.index) and len(set(names)) == len(
        [n for i, n in enumerate(names) if i == 0 or names[i - 1] != n])


def test_a_worker_that_cannot_start_stops_the_gateway(tmp_path):
    with socket.socket() as taken:  # another program holds the port (without SO_REUSEPORT)
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = subprocess.run([sys.executable, "-m", "otel_privacy.gateway", "--http", f"127.0.0.1:{port}",
                               "--grpc", f"127.0.0.1:{free_port()}", "--workers", "2", "--log-format", "text"],
                              capture_output=True, text=True, timeout=120, env=dict(os.environ))
    assert proc.returncode == 1, proc.stderr[-2000:]
    assert f"cannot bind OTLP/HTTP to 127.0.0.1:{port}" in proc.stderr
    assert "exited with status 1; stopping the others" in proc.stderr


@pytest.mark.parametrize("name,before,worker,after", [
    # (files per directory before, which process starts, files per directory after)
    ("one worker of two keeps its own", {"worker-0": 1, "worker-1": 2}, (0, 2), {"worker-0": 1, "worker-1": 2}),
    ("worker 0 takes a single process's queue", {"": 3}, (0, 2), {"worker-0": 3}),
    ("worker 0 takes a worker beyond the count", {"worker-0": 1, "worker-2": 2}, (0, 2), {"worker-0": 3}),
    ("worker 1 takes nothing of others", {"": 1, "worker-2": 1}, (1, 2), {"": 1, "worker-2": 1}),
    ("a single process takes every worker's queue", {"": 1, "worker-0": 1, "worker-3": 2}, None, {"": 4}),
])
def test_queue_directories_follow_the_worker_count(name, before, worker, after, tmp_path):
    from pathlib import Path

    from otel_privacy.gateway.config import load_config
    from otel_privacy.gateway.workers import WorkerSpec, assign_queue_directories

    root = tmp_path / "queue"
    n = 0
    for directory, count in before.items():
        (root / directory).mkdir(parents=True, exist_ok=True)
        for _ in range(count):
            n += 1
            (root / directory / f"{n:020d}-00000000-1.traces.pb").write_bytes(b"")
    cfg = load_config({
        "receivers": {"otlp": {"protocols": {"http": {"endpoint": "127.0.0.1:4318"}}}},
        "exporters": {"otlphttp": {"endpoint": "http://127.0.0.1:9", "sending_queue": {"storage": str(root)}}},
        "service": {"pipelines": {"traces": {"receivers": ["otlp"], "exporters": ["otlphttp"]}}},
    })
    spec = WorkerSpec(worker[0], worker[1], tmp_path, os.getpid()) if worker else None
    assign_queue_directories(cfg, spec)
    own = root / (f"worker-{worker[0]}" if worker else "")
    assert Path(cfg.exporters["otlphttp"].sending_queue.storage) == own
    found = {str(d.relative_to(root)).replace(".", ""): len(list(d.glob("*.pb")))
             for d in [root, *root.glob("worker-*")] if list(d.glob("*.pb"))}
    assert found == after
