"""Gateway pieces on real sockets: OTLP/JSON, the CLI, the gRPC exporter's retry rules (UNAVAILABLE,
RESOURCE_EXHAUSTED with RetryInfo), the receivers' own RetryInfo, partial success, file rotation,
on_full=drop, self-metrics and the event loop staying responsive while a request is processed."""

from __future__ import annotations

import json
import threading

import grpc
import pytest
import requests
from google.rpc import error_details_pb2, status_pb2

from leak_corpus import Corpus, build_requests
from otel_privacy import cli
from otel_privacy.gateway import Gateway, load_config
from otel_privacy.otlp_json import OtlpJsonError, dumps, loads
from otlp_sink import OtlpSink, ReservedPort, readable

PROTO = {"Content-Type": "application/x-protobuf"}
TRACE_EXPORT = "/opentelemetry.proto.collector.trace.v1.TraceService/Export"
FAST_RETRY = {"initial_interval": "30ms", "max_interval": "100ms", "max_elapsed_time": "20s"}


def _cfg(exporters: dict, *, processors: list[str] | None = None, receiver: dict | None = None,
         procs: dict | None = None) -> dict:
    pipe = {"receivers": ["otlp"], "processors": processors or [], "exporters": list(exporters)}
    return {
        "receivers": {"otlp": {"protocols": {"grpc": {"endpoint": "127.0.0.1:0"},
                                             "http": {"endpoint": "127.0.0.1:0"}}, **(receiver or {})}},
        "processors": procs or {},
        "exporters": exporters,
        "service": {"pipelines": {s: pipe for s in ("traces", "logs", "metrics")}},
    }


def _requests() -> dict:
    return build_requests(Corpus())


def _post(gw: Gateway, signal: str, body: bytes, headers: dict | None = None,
          timeout: float = 10) -> requests.Response:
    return requests.post(f"http://127.0.0.1:{gw.http_port}/v1/{signal}", data=body, headers=headers or PROTO,
                         timeout=timeout)


# -- OTLP/JSON ---------------------------------------------------------------------------------

def test_otlp_json_uses_hex_ids_and_integer_enums_and_round_trips():
    reqs = _requests()
    span = reqs["traces"].resource_spans[0].scope_spans[0].spans[0]
    span.trace_id, span.span_id, span.parent_span_id = bytes(range(16)), bytes(range(8)), b"\xff" * 8
    span.kind = 3
    obj = json.loads(dumps(reqs["traces"]))
    out = obj["resourceSpans"][0]["scopeSpans"][0]["spans"][0]
    assert out["traceId"] == "000102030405060708090a0b0c0d0e0f"
    assert out["spanId"] == "0001020304050607" and out["parentSpanId"] == "ff" * 8
    assert out["kind"] == 3
    for signal, message in reqs.items():
        assert loads(signal, dumps(message)) == message
        assert loads(None, dumps(message)) == message  # signal inferred from the root key


@pytest.mark.parametrize("body", [b"[]", b"{bad", b'{"resourceSpans": [{"scopeSpans": [{"spans": [{"spanId": "xyz"}]}]}]}',
                                  b'{"nothing": 1}'])
def test_otlp_json_rejects_bad_input_with_a_short_reason(body):
    with pytest.raises(OtlpJsonError) as exc:
        loads(None, body)
    assert len(str(exc.value)) < 300


# -- CLI ---------------------------------------------------------------------------------------

def test_cli_validate_reports_ok_and_errors_with_lines(tmp_path, capsys):
    assert cli.main(["gateway", "--validate"]) == 0
    assert "OK (built-in defaults)" in capsys.readouterr().out
    bad = tmp_path / "gw.yaml"
    bad.write_text("receivers:\n  otlp:\n    protocols:\n      http:\n        endpoint: 127.0.0.1:4318\n"
                   "exporters:\n  debug:\n    verbosity: loud\n"
                   "service:\n  pipelines:\n    traces: {receivers: [otlp], exporters: [debug]}\n")
    assert cli.main(["gateway", "--config", str(bad), "--validate"]) == 2
    err = capsys.readouterr().err
    assert f"{bad}:8" in err and "verbosity" in err


def test_cli_policy_overrides_the_config_policy(tmp_path, capsys):
    cfg = tmp_path / "gw.yaml"
    cfg.write_text("receivers: {otlp: {protocols: {http: {endpoint: '127.0.0.1:0'}}}}\n"
                   "processors: {privacy: {policy: default}}\nexporters: {debug: {}}\n"
                   "service: {pipelines: {traces: {receivers: [otlp], processors: [privacy], exporters: [debug]}}}\n")
    assert cli.main(["gateway", "--config", str(cfg), "--policy", "strict", "--validate"]) == 0
    assert "policy strict" in capsys.readouterr().out
    assert cli.main(["gateway", "--config", str(cfg), "--policy", "no-such-preset", "--validate"]) == 2


# -- gRPC exporter retry rules -----------------------------------------------------------------

def test_grpc_exporter_retries_unavailable_and_honours_retry_info():
    with OtlpSink() as sink:
        gw = Gateway(load_config(_cfg({"otlp": {"endpoint": sink.grpc_endpoint, "insecure": True,
                                                "retry_on_failure": FAST_RETRY}}))).start()
        try:
            sink.fail_next(2)  # UNAVAILABLE twice: retried with the short backoff
            assert _post(gw, "traces", _requests()["traces"].SerializeToString()).status_code == 200
            assert sink.wait_for(lambda: len(sink.bodies["traces"]) == 1, timeout=10)
            assert gw.metrics.get("retried", exporter="otlp") >= 2
            sink.attempts.clear()
            sink.fail_next(1, retry_after=1)  # RESOURCE_EXHAUSTED + RetryInfo(1s): wait the full second
            assert _post(gw, "traces", _requests()["traces"].SerializeToString()).status_code == 200
            assert sink.wait_for(lambda: len(sink.bodies["traces"]) == 2, timeout=10)
            (t0, s0), (t1, s1) = sink.attempts[:2]
            assert (s0, s1) == (503, 200)
            assert t1 - t0 >= 0.95
        finally:
            gw.stop(5)


def test_grpc_receiver_pushback_carries_retry_info():
    down = ReservedPort()
    gw = Gateway(load_config(_cfg({"otlphttp": {"endpoint": down.endpoint, "retry_on_failure": FAST_RETRY,
                                                "sending_queue": {"queue_size": 1}}}))).start()
    try:
        call = grpc.insecure_channel(f"127.0.0.1:{gw.grpc_port}").unary_unary(TRACE_EXPORT, None, None)
        body = _requests()["traces"].SerializeToString()
        codes = []
        for _ in range(4):
            try:
                call(body, timeout=5)
                codes.append("OK")
            except grpc.RpcError as exc:
                codes.append(exc.code().name)
                trailers = dict(exc.trailing_metadata() or ())
                status = status_pb2.Status.FromString(trailers["grpc-status-details-bin"])
                info = error_details_pb2.RetryInfo()
                assert status.details[0].Unpack(info) and info.retry_delay.seconds >= 1
        assert "RESOURCE_EXHAUSTED" in codes
    finally:
        gw.stop(0.5)
        down.release()


# -- partial success, file rotation, drop-on-full ----------------------------------------------

def test_partial_success_is_counted_not_retried():
    with OtlpSink() as sink:
        gw = Gateway(load_config(_cfg({"otlphttp": {"endpoint": sink.endpoint, "retry_on_failure": FAST_RETRY}}))
                     ).start()
        try:
            sink.partial_next(1, rejected=2, message="2 spans too old")
            request = _requests()["traces"]
            spans = sum(len(ss.spans) for rs in request.resource_spans for ss in rs.scope_spans)
            assert _post(gw, "traces", request.SerializeToString()).status_code == 200
            assert sink.wait_for(lambda: gw.metrics.get("partial_rejected", exporter="otlphttp") == 2, timeout=10)
            assert gw.metrics.get("exported", exporter="otlphttp", signal="traces") == spans - 2
            assert gw.metrics.get("retried") == 0 and len(sink.bodies["traces"]) == 1
        finally:
            gw.stop(5)


def test_file_exporter_rotates_and_every_line_is_otlp_json(tmp_path):
    path = tmp_path / "out" / "otlp.jsonl"
    gw = Gateway(load_config(_cfg({"file": {"path": str(path), "rotate_bytes": 4096, "backups": 2}},
                                  processors=["privacy"], procs={"privacy": {"policy": "default"}}))).start()
    corpus = Corpus()
    try:
        for _ in range(6):
            for signal, message in build_requests(corpus).items():
                assert _post(gw, signal, message.SerializeToString()).status_code == 200
    finally:
        gw.stop(5)
    files = sorted(p.name for p in path.parent.iterdir())
    assert files == ["otlp.jsonl", "otlp.jsonl.1", "otlp.jsonl.2"]
    for f in path.parent.iterdir():
        data = f.read_bytes()
        assert corpus.leaks(readable(data)) == []
        for line in data.splitlines():
            assert loads(None, line) is not None


def test_on_full_drop_accepts_and_counts_the_drop():
    down = ReservedPort()
    gw = Gateway(load_config(_cfg({"otlphttp": {"endpoint": down.endpoint, "retry_on_failure": FAST_RETRY,
                                                "sending_queue": {"queue_size": 1, "on_full": "drop"}}}))).start()
    try:
        body = _requests()["traces"].SerializeToString()
        assert all(_post(gw, "traces", body).status_code == 200 for _ in range(5))
        assert gw.metrics.get("dropped", exporter="otlphttp", reason="queue_full") > 0
        text = requests.get(f"http://127.0.0.1:{gw.http_port}/metrics", timeout=5).text
        for name in ("received_total", "accepted_total", "dropped_total", "redacted_values_total",
                     "queue_size", "queue_bytes"):
            if name != "redacted_values_total":  # no privacy processor in this pipeline
                assert f"otel_privacy_gateway_{name}" in text, name
    finally:
        gw.stop(0.5)
        down.release()


def test_health_stays_responsive_while_a_big_request_is_processed(monkeypatch):
    import otel_privacy.gateway.processors as processors

    # Hold the redaction of the big request until the test has seen health answers: how many come back
    # must not depend on how fast this machine redacts (the work itself still runs, for real, afterwards).
    in_redaction, release = threading.Event(), threading.Event()
    real = processors.WireRedactor.redact_message  # the privacy processor's one redaction entry point

    def held(self, *args, **kwargs):
        in_redaction.set()
        release.wait(30)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(processors.WireRedactor, "redact_message", held)
    corpus = Corpus()
    big = build_requests(corpus)["traces"]
    template = big.resource_spans[0].scope_spans[0].spans[0]
    spans = big.resource_spans[0].scope_spans[0].spans
    for _ in range(4000):
        spans.add().CopyFrom(template)
    body = big.SerializeToString()
    with OtlpSink() as sink:
        gw = Gateway(load_config(_cfg({"otlphttp": {"endpoint": sink.endpoint, "retry_on_failure": FAST_RETRY}},
                                      processors=["privacy"], procs={"privacy": {"policy": "default"}},
                                      receiver={"max_request_bytes": 32 << 20, "max_decompressed_bytes": 32 << 20}))
                     ).start()
        try:
            result: list[int] = []
            # the 4,000-span request takes seconds to redact on a loaded machine: its client waits for it
            t = threading.Thread(target=lambda: result.append(_post(gw, "traces", body, timeout=300).status_code))
            t.start()
            assert in_redaction.wait(30)
            # The event loop is not blocked by decoding and redacting: health answers come back while the
            # request is being redacted (counted only if it is still in flight after each answer).
            answered_during_export = 0
            for _ in range(5):
                assert requests.get(f"http://127.0.0.1:{gw.http_port}/health", timeout=5).status_code == 200
                answered_during_export += t.is_alive()
            release.set()
            t.join()
            assert result == [200]
            assert answered_during_export > 3
        finally:
            release.set()
            gw.stop(5)


def test_telemetry_port_and_self_metrics_as_otlp():
    with OtlpSink() as sink:
        cfg = _cfg({"otlphttp": {"endpoint": sink.endpoint, "retry_on_failure": FAST_RETRY}})
        cfg["service"]["telemetry"] = {"metrics_address": "127.0.0.1:0", "self_metrics_interval": "100ms",
                                       "usage_events": False}
        gw = Gateway(load_config(cfg)).start()
        try:
            assert gw.telemetry_port and gw.telemetry_port != gw.http_port
            base = f"http://127.0.0.1:{gw.telemetry_port}"
            assert requests.get(f"{base}/health", timeout=5).json()["status"] == "ok"
            assert _post(gw, "traces", _requests()["traces"].SerializeToString()).status_code == 200
            assert requests.post(f"{base}/v1/traces", data=b"", headers=PROTO, timeout=5).status_code in (404, 405)

            def exported_self_metrics() -> set[str]:
                return {m.name for r in sink.requests("metrics") for rm in r.resource_metrics
                        for sm in rm.scope_metrics for m in sm.metrics}

            assert sink.wait_for(lambda: "otel_privacy.gateway.exported" in exported_self_metrics(), timeout=10)
            names = exported_self_metrics()
            assert {"otel_privacy.gateway.received", "otel_privacy.gateway.accepted",
                    "otel_privacy.gateway.queue_size"} <= names
            text = requests.get(f"{base}/metrics", timeout=5).text
            assert 'otel_privacy_gateway_accepted_total{pipeline="traces",signal="traces"}' in text
        finally:
            gw.stop(5)
