"""Every option of the gateway config changes what the gateway does, or is refused with file, line and field.

The schema is walked from the component factories (and the service section), so an option added
later without a behaviour check fails :func:`test_every_option_has_a_behaviour_check`. A check is
either a function run here, or the name of the test elsewhere that proves it (heavier ones: TLS,
crash recovery, overload), whose existence is verified here. Options shared by every exporter
(``sending_queue``, ``retry_on_failure``) live in one base class and are checked once.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import fnmatch
import gzip
import importlib
import io
import logging
import re
import threading
import typing
from collections.abc import Callable, Iterator
from concurrent import futures
from pathlib import Path

import grpc
import pytest
import requests
import yaml
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import KeyValue
from pydantic import BaseModel

from otel_privacy.gateway import Gateway, GatewayConfigError, load_config
from otel_privacy.gateway.components import ComponentId, Delivery, Host
from otel_privacy.gateway.config import ServiceConfig
from otel_privacy.gateway.exporters import RetryOnFailure, next_backoff
from otel_privacy.gateway.factories import FACTORIES
from otel_privacy.gateway.processors import PipelineInfo
from otel_privacy.gateway.selfmetrics import SelfMetrics
from otel_privacy.otlp import kv_to_dict, py_to_any
from otlp_sink import OtlpSink, ReservedPort, SilentPort, free_port, wait_for

PROTO = {"Content-Type": "application/x-protobuf"}
TRACE_EXPORT = "/opentelemetry.proto.collector.trace.v1.TraceService/Export"
FAST = {"initial_interval": "10ms", "max_interval": "20ms", "max_elapsed_time": "20s"}


# -- the schema ------------------------------------------------------------------------------------

def _models(annotation: typing.Any) -> Iterator[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
    for arg in typing.get_args(annotation):
        yield from _models(arg)


def _fields(model: type[BaseModel], prefix: str) -> Iterator[str]:
    for name, field in model.model_fields.items():
        nested = list(_models(field.annotation))
        if nested:
            for sub in nested:
                yield from _fields(sub, f"{prefix}.{name}")
        else:
            yield f"{prefix}.{name}"


def schema_fields() -> list[str]:
    out = [p for kind, factories in FACTORIES.items() for t, f in factories.items()
           for p in _fields(f.config, f"{kind}.{t}")]
    return sorted(set(out + list(_fields(ServiceConfig, "service"))))


# -- helpers ---------------------------------------------------------------------------------------

def _request(name: str = "op", size: int = 0) -> ExportTraceServiceRequest:
    req = ExportTraceServiceRequest()
    rs = req.resource_spans.add()
    rs.resource.attributes.append(KeyValue(key="service.name", value=py_to_any("schema-svc")))
    span = rs.scope_spans.add().spans.add(name=name, trace_id=b"\x01" * 16, span_id=b"\x02" * 8)
    if size:
        span.attributes.append(KeyValue(key="pad", value=py_to_any("x" * size)))
    return req


def _cfg(exporters: dict, *, receiver: dict | None = None, processors: dict | None = None,
         telemetry: dict | None = None) -> dict:
    processors = processors or {}
    service: dict = {"pipelines": {"traces": {"receivers": ["otlp"], "processors": list(processors),
                                              "exporters": list(exporters)}}}
    if telemetry:
        service["telemetry"] = telemetry
    return {"receivers": {"otlp": receiver or {"protocols": {"grpc": {"endpoint": "127.0.0.1:0"},
                                                             "http": {"endpoint": "127.0.0.1:0"}}}},
            "processors": processors, "exporters": exporters, "service": service}


@contextlib.contextmanager
def _gateway(cfg: dict) -> Iterator[Gateway]:
    gw = Gateway(load_config(cfg)).start()
    try:
        yield gw
    finally:
        gw.stop(2)


def _post(gw: Gateway, body: bytes, headers: dict | None = None) -> requests.Response:
    return requests.post(f"http://127.0.0.1:{gw.http_port}/v1/traces", data=body, headers=headers or PROTO,
                         timeout=20)


def _exporter(type_: str, settings: dict):
    factory = FACTORIES["exporters"][type_]
    return factory.create(ComponentId(type_), factory.config.model_validate(settings), Host(SelfMetrics()))


def _send(exporter, timeout: float = 20.0):
    """One attempt, in a thread: a send that ignores its timeout shows as still running."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(exporter.send, "traces", _request().SerializeToString()).result(timeout)


def _enqueue(exporter) -> None:
    assert exporter.reserve_slot()  # as the pipeline does: a slot first, then the request
    exporter.enqueue("traces", _request().SerializeToString(), 1)


def _still_running_after(exporter, seconds: float) -> bool:
    result: list = []
    t = threading.Thread(target=lambda: result.append(exporter.send("traces", _request().SerializeToString())),
                         daemon=True)
    t.start()
    t.join(seconds)
    return t.is_alive()


# -- behaviour checks run here ---------------------------------------------------------------------

def check_grpc_endpoint(tmp_path, monkeypatch):
    port = free_port()
    with OtlpSink() as sink, _gateway(_cfg({"otlphttp": {"endpoint": sink.endpoint}},
                                           receiver={"protocols": {"grpc": {"endpoint": f"127.0.0.1:{port}"}}})):
        call = grpc.insecure_channel(f"127.0.0.1:{port}").unary_unary(TRACE_EXPORT, None, None)
        assert call(_request().SerializeToString(), timeout=10) == b""
        assert sink.wait_for(lambda: sink.span_names() == ["op"])


def check_http_endpoint(tmp_path, monkeypatch):
    port = free_port()
    with OtlpSink() as sink, _gateway(_cfg({"otlphttp": {"endpoint": sink.endpoint}},
                                           receiver={"protocols": {"http": {"endpoint": f"127.0.0.1:{port}"}}})) as gw:
        assert gw.http_port == port and gw.grpc_port is None
        assert _post(gw, _request().SerializeToString()).status_code == 200


def check_max_request_bytes(tmp_path, monkeypatch):
    receiver = {"protocols": {"http": {"endpoint": "127.0.0.1:0"}}, "max_request_bytes": 2048}
    with OtlpSink() as sink, _gateway(_cfg({"otlphttp": {"endpoint": sink.endpoint}}, receiver=receiver)) as gw:
        assert _post(gw, _request(size=3000).SerializeToString()).status_code == 413
        assert _post(gw, _request(size=500).SerializeToString()).status_code == 200


def check_max_decompressed_bytes(tmp_path, monkeypatch):
    receiver = {"protocols": {"http": {"endpoint": "127.0.0.1:0"}}, "max_decompressed_bytes": 2048}
    gz = {**PROTO, "Content-Encoding": "gzip"}
    with OtlpSink() as sink, _gateway(_cfg({"otlphttp": {"endpoint": sink.endpoint}}, receiver=receiver)) as gw:
        big = gzip.compress(_request(size=3000).SerializeToString())
        assert len(big) < 2048
        assert _post(gw, big, gz).status_code == 413
        assert _post(gw, gzip.compress(_request(size=500).SerializeToString()), gz).status_code == 200


def check_bearer_tokens_file(tmp_path, monkeypatch):
    tokens = tmp_path / "tokens"
    tokens.write_text("first-token\n\nsecond-token\n")
    receiver = {"protocols": {"http": {"endpoint": "127.0.0.1:0"}}, "auth": {"bearer_tokens_file": str(tokens)}}
    with OtlpSink() as sink, _gateway(_cfg({"otlphttp": {"endpoint": sink.endpoint}}, receiver=receiver)) as gw:
        body = _request().SerializeToString()
        assert _post(gw, body).status_code == 401
        assert _post(gw, body, {**PROTO, "Authorization": "Bearer second-token"}).status_code == 200


def check_memory_limiter_retry_after(tmp_path, monkeypatch):
    down = ReservedPort()
    with _gateway(_cfg({"otlphttp": {"endpoint": down.endpoint}},
                       processors={"memory_limiter": {"limit_mib": 1, "retry_after": "7s"}})) as gw:
        r = _post(gw, _request(size=1_200_000).SerializeToString())
        assert r.status_code == 429 and r.headers["Retry-After"] == "7"
    down.release()


def check_batch_timeout(tmp_path, monkeypatch):
    """A long timeout holds a lone request until the batch fills; a short one sends it alone."""
    with OtlpSink() as sink, _gateway(_cfg({"otlphttp": {"endpoint": sink.endpoint}},
                                           processors={"batch": {"send_batch_size": 2, "timeout": "60s"}})) as gw:
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            first = pool.submit(_post, gw, _request("first").SerializeToString())
            with pytest.raises(concurrent.futures.TimeoutError):
                first.result(1.0)  # waiting in the batch, not sent
            assert sink.bodies["traces"] == []
            second = pool.submit(_post, gw, _request("second").SerializeToString())
            assert first.result(20).status_code == second.result(20).status_code == 200
        assert sink.wait_for(lambda: len(sink.span_names()) == 2) and len(sink.bodies["traces"]) == 1
    with OtlpSink() as sink, _gateway(_cfg({"otlphttp": {"endpoint": sink.endpoint}},
                                           processors={"batch": {"send_batch_size": 2, "timeout": "50ms"}})) as gw:
        assert _post(gw, _request("alone").SerializeToString()).status_code == 200
        assert sink.wait_for(lambda: sink.span_names() == ["alone"])


def check_attributes_actions(tmp_path, monkeypatch):
    class Keep:
        def consume(self, request, delivery):
            self.request = request

    factory = FACTORIES["processors"]["attributes"]
    cases = [  # (action, key, value, present before) -> the key's value after (None: absent)
        ("insert", "k", "new", None, "new"), ("insert", "k", "new", "old", "old"),
        ("update", "k", "new", None, None), ("update", "k", "new", "old", "new"),
        ("upsert", "k", 7, None, 7), ("upsert", "k", True, "old", True),
        ("delete", "k", None, "old", None), ("delete", "other", None, "old", "old"),
    ]
    for action, key, value, before, after in cases:
        cfg = factory.config.model_validate({"actions": [{"key": key, "action": action,
                                                          **({"value": value} if value is not None else {})}]})
        keep = Keep()
        processor = factory.create(ComponentId("attributes"), cfg, Host(SelfMetrics()), next=keep,
                                   pipeline=PipelineInfo("traces", "traces", 1))
        request = _request()
        if before is not None:
            request.resource_spans[0].scope_spans[0].spans[0].attributes.append(
                KeyValue(key="k", value=py_to_any(before)))
        processor.consume(request, Delivery())
        attrs = kv_to_dict(keep.request.resource_spans[0].scope_spans[0].spans[0].attributes)
        assert attrs.get("k") == after, (action, key, value, before, attrs)


def check_sending_queue_enabled(tmp_path, monkeypatch):
    """Without a queue the client's answer is the backend's: a 503 with Retry-After reaches the client."""
    for enabled, first_status in ((False, 503), (True, 200)):
        exporter = {"endpoint": None, "sending_queue": {"enabled": enabled}}
        if enabled:
            exporter["retry_on_failure"] = FAST
        with OtlpSink() as sink:
            exporter["endpoint"] = sink.endpoint
            with _gateway(_cfg({"otlphttp": exporter})) as gw:
                sink.fail_next(1, status=503, retry_after=3)
                r = _post(gw, _request("first").SerializeToString())
                assert r.status_code == first_status
                if not enabled:
                    assert r.headers["Retry-After"] == "3" and sink.bodies["traces"] == []
                assert _post(gw, _request("second").SerializeToString()).status_code == 200
                want = 2 if enabled else 1
                assert sink.wait_for(lambda want=want, sink=sink: len(sink.span_names()) == want)


def check_retry_enabled(tmp_path, monkeypatch):
    for enabled, delivered in ((False, False), (True, True)):
        with OtlpSink() as sink:
            exporter = _exporter("otlphttp", {"endpoint": sink.endpoint,
                                              "retry_on_failure": {**FAST, "enabled": enabled}})
            exporter.start()
            sink.fail_next(1)
            _enqueue(exporter)
            assert wait_for(lambda e=exporter, s=sink: bool(s.bodies["traces"]) or e.metrics.get("dropped") > 0)
            assert bool(sink.bodies["traces"]) is delivered
            assert (exporter.metrics.get("dropped", reason="retries_exhausted") == 1) is (not delivered)
            exporter.stop(1)


def check_backoff(tmp_path, monkeypatch):
    """initial_interval, multiplier, max_interval and randomization_factor shape the delays the worker waits."""
    retry = RetryOnFailure(initial_interval=1, multiplier=2, max_interval=5, randomization_factor=0)
    delays, interval = [], retry.initial_interval
    for _ in range(5):
        delay, interval = next_backoff(retry, interval, 0.5)
        delays.append(delay)
    assert delays == [1, 2, 4, 5, 5]
    jittered = RetryOnFailure(initial_interval=1, randomization_factor=0.5)
    assert [next_backoff(jittered, 2, r)[0] for r in (0, 0.5, 0.999999)] == pytest.approx([1, 2, 3], abs=1e-4)
    # ...and the worker waits them: a long initial interval means no second attempt yet
    with OtlpSink() as sink:
        exporter = _exporter("otlphttp", {"endpoint": sink.endpoint, "retry_on_failure": {"initial_interval": "60s",
                                                                                    "max_interval": "60s"}})
        exporter.start()
        sink.fail_next(1)
        _enqueue(exporter)
        assert sink.wait_for(lambda: len(sink.attempts) == 1)
        assert not sink.wait_for(lambda: len(sink.attempts) > 1, timeout=1.0)
        exporter.stop(0.2)


def check_max_elapsed_time(tmp_path, monkeypatch):
    down = ReservedPort()
    exporter = _exporter("otlphttp", {"endpoint": down.endpoint, "retry_on_failure": {
        "initial_interval": "20ms", "max_interval": "20ms", "max_elapsed_time": "200ms"}})
    exporter.start()
    _enqueue(exporter)
    assert wait_for(lambda: exporter.metrics.get("dropped", reason="retries_exhausted") == 1)
    never = _exporter("otlphttp", {"endpoint": down.endpoint, "retry_on_failure": {
        "initial_interval": "20ms", "max_interval": "20ms", "max_elapsed_time": 0}})
    never.start()
    _enqueue(never)
    assert wait_for(lambda: never.metrics.get("retried") >= 20)
    assert never.metrics.get("dropped") == 0
    exporter.stop(0.1)
    never.stop(0.1)
    down.release()


def check_otlp_endpoint(tmp_path, monkeypatch):
    with OtlpSink() as sink:
        assert _send(_exporter("otlp", {"endpoint": sink.grpc_endpoint, "insecure": True})).ok
        assert sink.span_names() == ["op"]


def check_otlp_insecure(tmp_path, monkeypatch):
    with OtlpSink() as sink:
        for settings in ({"insecure": True}, {"tls": {"insecure": True}}):
            assert _send(_exporter("otlp", {"endpoint": sink.grpc_endpoint, **settings})).ok
        result = _send(_exporter("otlp", {"endpoint": sink.grpc_endpoint, "timeout": "2s"}))  # TLS to a plain port
        assert not result.ok and len(sink.bodies["traces"]) == 2


def check_headers(tmp_path, monkeypatch):
    with OtlpSink() as sink:
        assert _send(_exporter("otlp", {"endpoint": sink.grpc_endpoint, "insecure": True,
                                        "headers": {"X-Tenant": "acme"}})).ok
        assert _send(_exporter("otlphttp", {"endpoint": sink.endpoint, "headers": {"X-Tenant": "globex"}})).ok
        assert [h.get("x-tenant") for h in sink.headers] == ["acme", "globex"]


def check_otlp_compression(tmp_path, monkeypatch):
    """A backend that refuses gzip: compression none gets through, gzip does not."""
    server = grpc.server(futures.ThreadPoolExecutor(2), options=[("grpc.compression_enabled_algorithms_bitset", 1)])
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(
        "opentelemetry.proto.collector.trace.v1.TraceService", {"Export": grpc.unary_unary_rpc_method_handler(
            lambda data, ctx: b"", request_deserializer=None, response_serializer=None)}),))
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        endpoint = f"127.0.0.1:{port}"
        assert _send(_exporter("otlp", {"endpoint": endpoint, "insecure": True, "compression": "none"})).ok
        assert not _send(_exporter("otlp", {"endpoint": endpoint, "insecure": True, "compression": "gzip"})).ok
    finally:
        server.stop(0)


def check_otlphttp_compression(tmp_path, monkeypatch):
    with OtlpSink() as sink:
        for compression in ("gzip", "none"):
            assert _send(_exporter("otlphttp", {"endpoint": sink.endpoint, "compression": compression})).ok
        assert [h.get("content-encoding") for h in sink.headers] == ["gzip", None]
        assert sink.span_names() == ["op", "op"]


def check_timeout(tmp_path, monkeypatch):
    with SilentPort() as silent:
        for type_, endpoint in (("otlp", f"127.0.0.1:{silent.port}"), ("otlphttp", silent.endpoint)):
            plain = {"insecure": True} if type_ == "otlp" else {}
            assert not _send(_exporter(type_, {"endpoint": endpoint, "timeout": "300ms", **plain})).ok
            assert _still_running_after(_exporter(type_, {"endpoint": endpoint, "timeout": "60s", **plain}), 1.5)


def _signal_endpoint(signal: str) -> Callable:
    def check(tmp_path, monkeypatch):
        down = ReservedPort()
        with OtlpSink() as sink:
            exporter = _exporter("otlphttp", {"endpoint": down.endpoint,
                                              f"{signal}_endpoint": f"{sink.endpoint}/elsewhere/{signal}"})
            payload = _request().SerializeToString() if signal == "traces" else b""
            assert exporter.send(signal, payload).ok
            assert [h for h in sink.headers] and len(sink.bodies[signal]) == 1
            other = "logs" if signal != "logs" else "traces"
            assert not exporter.send(other, b"").ok  # the others still go to the (unreachable) base endpoint
        down.release()

    return check


def check_file_path(tmp_path, monkeypatch):
    path = tmp_path / "deep" / "dir" / "out.jsonl"
    assert _exporter("file", {"path": str(path)}).send("traces", _request("to-file").SerializeToString()).ok
    assert '"name":"to-file"' in path.read_text()


def check_debug_verbosity(tmp_path, monkeypatch):
    outputs = {}
    for verbosity in ("basic", "normal", "detailed"):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            assert _exporter("debug", {"verbosity": verbosity}).send("traces", _request("shown").SerializeToString()).ok
        outputs[verbosity] = out.getvalue()
    assert "1 record(s)" in outputs["basic"] and "shown" not in outputs["basic"]
    assert "span 'shown'" in outputs["normal"]
    assert '"name": "shown"' in outputs["detailed"]


def check_log_level(tmp_path, monkeypatch):
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    logger = logging.getLogger("otel_privacy.gateway")
    handler = Keep(level=logging.DEBUG)
    logger.addHandler(handler)
    try:
        for level, listening in (("error", False), ("info", True)):
            records.clear()
            with OtlpSink() as sink, _gateway(_cfg({"otlphttp": {"endpoint": sink.endpoint}},
                                                   telemetry={"log_level": level})):
                pass
            assert any("listening" in r.getMessage() for r in records) is listening
    finally:
        logger.removeHandler(handler)


def check_usage_events(tmp_path, monkeypatch):
    monkeypatch.delenv("DO_NOT_TRACK", raising=False)
    monkeypatch.delenv("OTEL_PRIVACY_USAGE_ENABLED", raising=False)
    for enabled in (False, True):
        with OtlpSink() as sink:
            cfg = _cfg({"otlphttp": {"endpoint": sink.endpoint}}, telemetry={"usage_events": enabled})
            cfg["service"]["pipelines"]["logs"] = cfg["service"]["pipelines"]["traces"]
            with _gateway(cfg):
                pass
            assert bool(sink.bodies["logs"]) is enabled


#: schema field pattern -> a check run here, or "module::test" that proves it elsewhere
CHECKS: dict[str, Callable | str] = {
    "receivers.otlp.protocols.grpc.endpoint": check_grpc_endpoint,
    "receivers.otlp.protocols.http.endpoint": check_http_endpoint,
    "receivers.otlp.max_request_bytes": check_max_request_bytes,
    "receivers.otlp.max_decompressed_bytes": check_max_decompressed_bytes,
    "receivers.otlp.max_concurrent_requests":
        "test_gateway_reliability::test_past_the_concurrency_limit_both_protocols_push_back_with_a_retry_delay",
    "receivers.otlp.auth.bearer_tokens": "test_gateway_reliability::test_auth_scheme_is_case_insensitive_on_both_protocols",
    "receivers.otlp.auth.bearer_tokens_file": check_bearer_tokens_file,
    "receivers.otlp.auth.bearer_tokens_env": "test_gateway::test_bearer_tokens",
    "receivers.otlp.tls.*": "test_gateway_tls::test_receivers_require_a_client_certificate",
    "processors.memory_limiter.limit_mib": "test_gateway_reliability::test_memory_limit_reserves_before_it_accepts",
    "processors.memory_limiter.retry_after": check_memory_limiter_retry_after,
    "processors.privacy.policy":
        "test_gateway_pipelines::test_two_trace_pipelines_two_receivers_each_output_matches_its_own_policy",
    "processors.batch.send_batch_size": "test_gateway_pipelines::test_each_pipeline_batches_with_its_own_settings",
    "processors.batch.timeout": check_batch_timeout,
    "processors.filter.drop.*": "test_gateway_pipelines::test_filter_processor_drops_matching_records_in_its_pipeline_only",
    "processors.attributes.actions.*": check_attributes_actions,
    "exporters.*.sending_queue.enabled": check_sending_queue_enabled,
    "exporters.*.sending_queue.queue_size": "test_gateway::test_full_queue_pushes_back_with_429_and_retry_after",
    "exporters.*.sending_queue.storage":
        "test_gateway_process::test_sigkill_with_persistent_queue_delivers_every_accepted_span",
    "exporters.*.sending_queue.on_full": "test_gateway_components::test_on_full_drop_accepts_and_counts_the_drop",
    "exporters.*.retry_on_failure.enabled": check_retry_enabled,
    "exporters.*.retry_on_failure.initial_interval": check_backoff,
    "exporters.*.retry_on_failure.max_interval": check_backoff,
    "exporters.*.retry_on_failure.multiplier": check_backoff,
    "exporters.*.retry_on_failure.randomization_factor": check_backoff,
    "exporters.*.retry_on_failure.max_elapsed_time": check_max_elapsed_time,
    "exporters.otlp.endpoint": check_otlp_endpoint,
    "exporters.otlp.insecure": check_otlp_insecure,
    "exporters.otlp.tls.insecure": check_otlp_insecure,
    "exporters.otlp.ca_file": "test_gateway_tls::test_exporter_tls_trust_settings",
    "exporters.otlp.tls.insecure_skip_verify": "test_gateway_tls::test_grpc_exporter_refuses_skip_verify_it_cannot_do",
    "exporters.*.tls.ca_file": "test_gateway_tls::test_exporters_speak_mtls_to_a_tls_backend",
    "exporters.*.tls.cert_file": "test_gateway_tls::test_exporters_speak_mtls_to_a_tls_backend",
    "exporters.*.tls.key_file": "test_gateway_tls::test_exporters_speak_mtls_to_a_tls_backend",
    "exporters.*.headers": check_headers,
    "exporters.otlp.compression": check_otlp_compression,
    "exporters.*.timeout": check_timeout,
    "exporters.otlphttp.endpoint": "test_gateway::test_retry_after_is_respected",
    "exporters.otlphttp.tls.insecure": "test_gateway_schema::test_options_that_cannot_work_are_refused",
    "exporters.otlphttp.tls.insecure_skip_verify": "test_gateway_tls::test_exporter_tls_trust_settings",
    "exporters.otlphttp.traces_endpoint": _signal_endpoint("traces"),
    "exporters.otlphttp.logs_endpoint": _signal_endpoint("logs"),
    "exporters.otlphttp.metrics_endpoint": _signal_endpoint("metrics"),
    "exporters.otlphttp.compression": check_otlphttp_compression,
    "exporters.file.path": check_file_path,
    "exporters.file.rotate_bytes": "test_gateway_components::test_file_exporter_rotates_and_every_line_is_otlp_json",
    "exporters.file.backups": "test_gateway_components::test_file_exporter_rotates_and_every_line_is_otlp_json",
    "exporters.debug.verbosity": check_debug_verbosity,
    "service.pipelines.*":
        "test_gateway_pipelines::test_two_trace_pipelines_two_receivers_each_output_matches_its_own_policy",
    "service.telemetry.metrics_address": "test_gateway_components::test_telemetry_port_and_self_metrics_as_otlp",
    "service.telemetry.self_metrics_interval": "test_gateway_components::test_telemetry_port_and_self_metrics_as_otlp",
    "service.telemetry.log_level": check_log_level,
    "service.telemetry.usage_events": check_usage_events,
}


def test_every_option_has_a_behaviour_check():
    fields = schema_fields()
    assert len(fields) > 60  # the walk really reaches the nested options
    unchecked = [f for f in fields if not any(fnmatch.fnmatchcase(f, p) for p in CHECKS)]
    assert unchecked == [], f"options without a behaviour check (add one to CHECKS): {unchecked}"
    stale = [p for p in CHECKS if not any(fnmatch.fnmatchcase(f, p) for f in fields)]
    assert stale == [], f"checks for options that no longer exist: {stale}"
    for pattern, check in CHECKS.items():
        if isinstance(check, str):
            module, _, name = check.partition("::")
            assert callable(getattr(importlib.import_module(module), name, None)), f"{pattern}: {check} is missing"


RUN_HERE = sorted({check for check in CHECKS.values() if callable(check)}, key=lambda c: c.__name__)


@pytest.mark.parametrize("check", RUN_HERE, ids=[getattr(c, "__name__", "?") for c in RUN_HERE])
def test_option_changes_behaviour(check, tmp_path, monkeypatch):
    check(tmp_path, monkeypatch)


# -- options that are not implemented, or cannot work, are refused with file, line and field ------------

MINIMAL = {
    "receivers": {"otlp": {"protocols": {"grpc": {}, "http": {}}, "auth": {"bearer_tokens": ["t"]},
                           "tls": {"cert_file": "server.crt", "key_file": "server.key"}}},
    "processors": {"memory_limiter": {}, "privacy": {}, "batch": {}, "filter": {"drop": [{"attribute": "a"}]},
                   "attributes": {"actions": [{"key": "k", "action": "delete"}]}},
    "exporters": {"otlp": {"endpoint": "backend:4317", "tls": {}, "sending_queue": {}, "retry_on_failure": {}},
                  "otlphttp": {"endpoint": "https://backend:4318", "tls": {}},
                  "file": {"path": "out.jsonl"}, "debug": {}},
}


def _full_config() -> dict:
    import copy

    cfg = copy.deepcopy(MINIMAL)
    cfg["service"] = {"pipelines": {"traces": {k: list(cfg[k]) for k in ("receivers", "processors", "exporters")}},
                      "telemetry": {}}
    return cfg


def _places() -> Iterator[tuple[tuple, type[BaseModel]]]:
    """Every (path in the full config, model validating it), nested ones included."""
    cfg = _full_config()

    def walk(model: type[BaseModel], data: dict, path: tuple) -> Iterator[tuple[tuple, type[BaseModel]]]:
        yield path, model
        for name, field in model.model_fields.items():
            value = data.get(name)
            for sub in _models(field.annotation):
                if isinstance(value, dict) and name != "pipelines":
                    yield from walk(sub, value, (*path, name))
                elif isinstance(value, dict):
                    yield from walk(sub, value["traces"], (*path, name, "traces"))
                elif isinstance(value, list) and value and isinstance(value[0], dict):
                    yield from walk(sub, value[0], (*path, name, 0))

    for kind, components in MINIMAL.items():
        for cid in components:
            yield from walk(FACTORIES[kind][cid].config, cfg[kind][cid], (kind, cid))
    yield from walk(ServiceConfig, cfg["service"], ("service",))


def _set(cfg: dict, path: tuple, key: str) -> dict:
    node = cfg
    for part in path:
        node = node[part]
    node[key] = 1
    return cfg


def _refused_at(tmp_path: Path, cfg: dict, key: str) -> str:
    path = tmp_path / "gw.yaml"
    path.write_text(yaml.safe_dump(cfg, sort_keys=False))
    with pytest.raises(GatewayConfigError) as exc:
        load_config(path)
    message = str(exc.value)
    m = re.search(rf"gw\.yaml:(\d+): (\S*{re.escape(key)}): (.*)", message)
    assert m, message
    line = path.read_text().splitlines()[int(m.group(1)) - 1]
    assert re.match(rf"\s*(- )?{re.escape(key)}:", line), (line, message)  # the line of the option itself
    return m.group(2) + ": " + m.group(3)


PLACES = list(_places())


def test_the_full_config_is_valid(tmp_path):
    path = tmp_path / "gw.yaml"
    path.write_text(yaml.safe_dump(_full_config()))
    assert set(load_config(path).exporters) == set(MINIMAL["exporters"])
    assert len(PLACES) > 20


@pytest.mark.parametrize("path, model", PLACES, ids=[".".join(map(str, p)) for p, _ in PLACES])
def test_unknown_and_unsupported_options_are_refused_where_they_are(tmp_path, path, model):
    dotted = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")
    found = _refused_at(tmp_path, _set(_full_config(), path, "bogus_option"), "bogus_option")
    assert found == f"{dotted}.bogus_option: unknown field", found
    for key, why in getattr(model, "unsupported", {}).items():
        found = _refused_at(tmp_path, _set(_full_config(), path, key), key)
        assert f"not supported by the otel-privacy gateway ({why})" in found, found


@pytest.mark.parametrize("where, settings, message", [
    pytest.param(("exporters", "otlphttp"), {"endpoint": "http://backend:4318", "tls": {"insecure": True}},
                 "tls.insecure is for gRPC", id="otlphttp-tls-insecure"),
    pytest.param(("exporters", "otlphttp"), {"endpoint": "http://backend:4318", "tls": {"ca_file": "ca.crt"}},
                 "tls.ca_file: needs an https:// endpoint", id="otlphttp-tls-on-plain-http"),
    pytest.param(("exporters", "otlp"), {"endpoint": "backend:4317", "insecure": True, "tls": {"ca_file": "c"}},
                 "has no effect on a plaintext", id="otlp-insecure-with-ca"),
    pytest.param(("exporters", "otlphttp"), {"endpoint": "https://b", "sending_queue": {"enabled": False,
                                                                                       "queue_size": 5}},
                 "sending_queue.queue_size: has no effect with sending_queue.enabled: false", id="queue-off-size"),
    pytest.param(("exporters", "otlphttp"), {"endpoint": "https://b", "sending_queue": {"enabled": False},
                                             "retry_on_failure": {"enabled": True}},
                 "retry_on_failure: has no effect", id="queue-off-retry"),
    pytest.param(("exporters", "debug"), {"retry_on_failure": {"enabled": True}},
                 "retry_on_failure: unknown field", id="debug-cannot-fail"),
    pytest.param(("receivers", "otlp"), {"protocols": {}}, "enable grpc and/or http", id="no-protocol"),
    pytest.param(("service", "telemetry"), {"metrics_address": "nowhere"}, "expected host:port",
                 id="metrics-address-checked-at-validation"),
])
def test_options_that_cannot_work_are_refused(tmp_path, where, settings, message):
    cfg = _full_config()
    cfg[where[0]][where[1]] = settings
    path = tmp_path / "gw.yaml"
    path.write_text(yaml.safe_dump(cfg, sort_keys=False))
    with pytest.raises(GatewayConfigError, match=re.escape(message)) as exc:
        load_config(path)
    assert re.search(r"gw\.yaml:\d+: " + re.escape(".".join(where)), str(exc.value)), str(exc.value)


@pytest.mark.parametrize("change, message", [
    pytest.param(lambda c: c["processors"].update({"batch/unused": {}}), "processors.batch/unused: defined but not "
                 "used by any pipeline", id="unused-component"),
    pytest.param(lambda c: c["service"]["pipelines"]["traces"]["exporters"].append("otlphttp/nope"),
                 "service.pipelines.traces.exporters[4]: 'otlphttp/nope' is not defined", id="undefined-reference"),
    pytest.param(lambda c: c["service"]["pipelines"].update({"spans": c["service"]["pipelines"]["traces"]}),
                 "a pipeline id is traces, logs or metrics", id="bad-pipeline-id"),
    pytest.param(lambda c: c["service"]["pipelines"]["traces"]["processors"].append("batch"),
                 "'batch' is listed twice", id="processor-twice"),
    pytest.param(lambda c: c.update({"extensions": {"health_check": {}}}), "extensions: not supported", id="ext"),
    pytest.param(lambda c: c["exporters"].update({"kafka": {}}), "unknown type 'kafka'", id="unknown-type"),
    pytest.param(lambda c: c["exporters"]["otlp"].update({"sending_queue": {"storage": "q"}})
                 or c["exporters"]["otlphttp"].update({"sending_queue": {"storage": "q"}}),
                 "each persistent queue needs its own directory", id="shared-storage"),
])
def test_wiring_mistakes_are_refused(tmp_path, change, message):
    cfg = _full_config()
    change(cfg)
    path = tmp_path / "gw.yaml"
    path.write_text(yaml.safe_dump(cfg, sort_keys=False))
    with pytest.raises(GatewayConfigError, match=re.escape(message)):
        load_config(path)
