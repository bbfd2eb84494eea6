"""Pipelines as the Collector has them, on real sockets: processor chains with per-instance state.

A processor chain must behave as its processors one after the other, whatever the others did or
saw before: no state (caches included) is shared between two processors or two pipelines.
"""

from __future__ import annotations

import pytest
import requests
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import KeyValue

from otel_privacy.gateway import Gateway, load_config
from otel_privacy.otlp import kv_to_dict, py_to_any
from otlp_sink import OtlpSink

PROTO = {"Content-Type": "application/x-protobuf"}
FAST_RETRY = {"initial_interval": "30ms", "max_interval": "100ms", "max_elapsed_time": "20s"}
OWNER = "owner.canary@example.org"


def _trace_request(name: str, **resource: str) -> ExportTraceServiceRequest:
    req = ExportTraceServiceRequest()
    rs = req.resource_spans.add()
    for k, v in {"service.name": "chain-svc", **resource}.items():
        rs.resource.attributes.append(KeyValue(key=k, value=py_to_any(v)))
    span = rs.scope_spans.add().spans.add(name=name, trace_id=b"\x01" * 16, span_id=b"\x02" * 8)
    span.attributes.append(KeyValue(key="note", value=py_to_any("plain")))
    return req


def _exported_resources(sink: OtlpSink) -> list[dict]:
    return [kv_to_dict(rs.resource.attributes) for r in sink.requests("traces") for rs in r.resource_spans]


@pytest.mark.parametrize("passthrough", [
    pytest.param({"rules": [{"match": "deployment.owner", "action": "keep"}]}, id="first-keeps-the-key"),
    pytest.param("off", id="first-is-preset-off"),
])
def test_a_processor_after_a_passthrough_still_applies_its_rules_to_the_resource(passthrough):
    """Fail-open regression: the second processor's rule must apply on every request, the first included."""
    with OtlpSink() as sink:
        cfg = {
            "receivers": {"otlp": {"protocols": {"http": {"endpoint": "127.0.0.1:0"}}}},
            "processors": {
                "privacy/passthrough": {"policy": passthrough},
                "privacy/drop_owner": {"policy": {"rules": [{"match": "deployment.owner", "action": "drop"}]}},
            },
            "exporters": {"otlphttp": {"endpoint": sink.endpoint, "retry_on_failure": FAST_RETRY}},
            "service": {"pipelines": {"traces": {"receivers": ["otlp"],
                                                 "processors": ["privacy/passthrough", "privacy/drop_owner"],
                                                 "exporters": ["otlphttp"]}}},
        }
        with Gateway(load_config(cfg)) as gw:
            for i in range(3):
                body = _trace_request(f"op-{i}", **{"deployment.owner": OWNER}).SerializeToString()
                r = requests.post(f"http://127.0.0.1:{gw.http_port}/v1/traces", data=body, headers=PROTO, timeout=10)
                assert r.status_code == 200
            assert sink.wait_for(lambda: len(_exported_resources(sink)) >= 3)
        resources = _exported_resources(sink)
        assert all("deployment.owner" not in res for res in resources), resources
        assert all(res["service.name"] == "chain-svc" for res in resources)
        assert OWNER.encode() not in sink.raw()


# -- Collector-style multi-pipeline configs, end to end -------------------------------------------

def _span_table(requests_: list) -> dict[str, dict]:
    """Spans by name: their attributes plus the resource's (prefixed ``resource.``)."""
    out = {}
    for request in requests_:
        for rs in request.resource_spans:
            resource = {f"resource.{k}": v for k, v in kv_to_dict(rs.resource.attributes).items()}
            for ss in rs.scope_spans:
                for span in ss.spans:
                    out[span.name] = {**kv_to_dict(span.attributes), **resource}
    return out


def _spans(sink: OtlpSink) -> dict[str, dict]:
    return _span_table(sink.requests("traces"))


def _expected(policy: str | dict, raw_spans: list) -> dict[str, dict]:
    """What one policy makes of the raw spans: the engine applied to the same OTLP the SDK sends."""
    from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans

    from otel_privacy import Redactor
    from otel_privacy.otlp import redact_request

    request = encode_spans(raw_spans)
    redact_request(Redactor(policy), request)
    return _span_table([request])


def _emit(exporter, raw, name: str, resource: dict) -> None:
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor

    tp = TracerProvider(resource=Resource.create(resource))
    tp.add_span_processor(SimpleSpanProcessor(raw))
    tp.add_span_processor(SimpleSpanProcessor(exporter))
    with tp.get_tracer("pipelines.test").start_as_current_span(name) as span:
        span.set_attribute("http.request.method", "GET")
        span.set_attribute("url.full", f"https://shop.example/orders?email={OWNER}")
        span.set_attribute("app.team", "payments")
        span.set_attribute("user.email", OWNER)
    tp.shutdown()


def test_two_trace_pipelines_two_receivers_each_output_matches_its_own_policy(tmp_path):
    """The Collector's documentation style: named pipelines of one signal with their own receivers,
    processor chains (in different orders) and exporters, fed by real OTLP clients."""
    from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter as GrpcSpanExporter
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter as HttpSpanExporter
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    strict_ish = {"extends": "strict", "rules": [{"match": "app.team", "action": "keep"}]}
    audit = tmp_path / "vendor-audit.jsonl"
    with OtlpSink() as internal, OtlpSink() as vendor:
        text = f"""
receivers:
  otlp/internal:
    protocols:
      grpc: {{endpoint: 127.0.0.1:0}}
      http: {{endpoint: 127.0.0.1:0}}
  otlp/public:
    protocols:
      http: {{endpoint: 127.0.0.1:0}}
processors:
  memory_limiter: {{limit_mib: 64}}
  privacy/internal: {{policy: default}}
  privacy/vendor:
    policy: {{extends: strict, rules: [{{match: app.team, action: keep}}]}}
  batch: {{timeout: 50ms}}
exporters:
  otlphttp/internal:
    endpoint: {internal.endpoint}
    retry_on_failure: {{initial_interval: 50ms}}
  otlp/vendor:
    endpoint: {vendor.grpc_endpoint}
    insecure: true
    retry_on_failure: {{initial_interval: 50ms}}
  file/audit: {{path: {audit}}}
service:
  pipelines:
    traces/internal:
      receivers: [otlp/internal]
      processors: [memory_limiter, privacy/internal, batch]
      exporters: [otlphttp/internal]
    traces/vendor:
      receivers: [otlp/internal, otlp/public]
      processors: [memory_limiter, batch, privacy/vendor]
      exporters: [otlp/vendor, file/audit]
"""
        path = tmp_path / "gw.yaml"
        path.write_text(text)
        with Gateway(load_config(path)) as gw:
            inside, public = gw.receivers["otlp/internal"], gw.receivers["otlp/public"]
            assert inside.grpc_port and inside.http_port and public.http_port  # every listed receiver is up
            raw = [InMemorySpanExporter(), InMemorySpanExporter()]  # what the app produced, per client
            _emit(GrpcSpanExporter(endpoint=f"127.0.0.1:{inside.grpc_port}", insecure=True), raw[0], "from-inside",
                  {"service.name": "inside-svc", "host.name": "build-7"})
            _emit(HttpSpanExporter(endpoint=f"http://127.0.0.1:{public.http_port}/v1/traces"), raw[1], "from-public",
                  {"service.name": "public-svc", "host.name": "edge-3"})
            assert internal.wait_for(lambda: "from-inside" in _spans(internal))
            assert vendor.wait_for(lambda: {"from-inside", "from-public"} <= set(_spans(vendor)))
            assert vendor.wait_for(lambda: audit.exists() and audit.read_text().count("\n") >= 2)
        raw_spans = [s for r in raw for s in r.get_finished_spans()]
        got_internal, got_vendor = _spans(internal), _spans(vendor)
        assert set(got_internal) == {"from-inside"}  # otlp/public does not feed traces/internal
        assert got_internal == {k: v for k, v in _expected("default", raw_spans).items() if k == "from-inside"}
        assert got_vendor == _expected(strict_ish, raw_spans)
        # the policies really differ where it shows: strict drops the host name, default keeps it
        assert got_internal["from-inside"]["resource.host.name"] == "build-7"
        assert "resource.host.name" not in got_vendor["from-inside"]
        assert got_vendor["from-public"]["app.team"] == "payments"
        for body in internal.raw(), vendor.raw(), audit.read_bytes():
            assert OWNER.encode() not in body


@pytest.mark.parametrize("order, survives", [
    pytest.param(["attributes/tag", "privacy"], False, id="inserted-then-redacted"),
    pytest.param(["privacy", "attributes/tag"], True, id="redacted-then-inserted"),
])
def test_processors_run_in_the_listed_order(order, survives):
    with OtlpSink() as sink:
        cfg = {
            "receivers": {"otlp": {"protocols": {"http": {"endpoint": "127.0.0.1:0"}}}},
            "processors": {"privacy": {"policy": "default"},
                           "attributes/tag": {"actions": [{"key": "owner.note", "value": f"mail {OWNER}",
                                                           "action": "insert"}]}},
            "exporters": {"otlphttp": {"endpoint": sink.endpoint, "retry_on_failure": FAST_RETRY}},
            "service": {"pipelines": {"traces": {"receivers": ["otlp"], "processors": order,
                                                 "exporters": ["otlphttp"]}}},
        }
        with Gateway(load_config(cfg)) as gw:
            body = _trace_request("op").SerializeToString()
            assert requests.post(f"http://127.0.0.1:{gw.http_port}/v1/traces", data=body, headers=PROTO,
                                 timeout=10).status_code == 200
            assert sink.wait_for(lambda: sink.span_names() == ["op"])
        [attrs] = _spans(sink).values()
        assert (attrs["owner.note"] == f"mail {OWNER}") is survives
        assert attrs["owner.note"] in (f"mail {OWNER}", "mail REDACTED")


def test_one_processor_id_in_two_pipelines_is_two_instances():
    with OtlpSink() as sink:
        cfg = {
            "receivers": {"otlp": {"protocols": {"http": {"endpoint": "127.0.0.1:0"}}}},
            "processors": {"privacy": {"policy": "default"}},
            "exporters": {"otlphttp": {"endpoint": sink.endpoint}},
            "service": {"pipelines": {
                "traces": {"receivers": ["otlp"], "processors": ["privacy"], "exporters": ["otlphttp"]},
                "traces/copy": {"receivers": ["otlp"], "processors": ["privacy"], "exporters": ["otlphttp"]}}},
        }
        gw = Gateway(load_config(cfg))
        first, second = (p.processors[0] for p in gw.pipelines.values())
        assert first is not second and first.redactor is not second.redactor
        assert first._walker is not second._walker and first._walker._engine._cache is not second._walker._engine._cache
        assert gw.exporters["otlphttp"] is gw.pipelines["traces"].exporters[0] is gw.pipelines["traces/copy"].exporters[0]


def _with_and_without(processor: str, settings: dict, with_sink: OtlpSink, without_sink: OtlpSink) -> dict:
    """One receiver feeding two trace pipelines: `traces/with` runs ``processor``, `traces/without` nothing."""
    return {
        "receivers": {"otlp": {"protocols": {"http": {"endpoint": "127.0.0.1:0"}}}},
        "processors": {processor: settings},
        "exporters": {"otlphttp/with": {"endpoint": with_sink.endpoint},
                      "otlphttp/without": {"endpoint": without_sink.endpoint}},
        "service": {"pipelines": {
            "traces/with": {"receivers": ["otlp"], "processors": [processor], "exporters": ["otlphttp/with"]},
            "traces/without": {"receivers": ["otlp"], "exporters": ["otlphttp/without"]}}},
    }


def test_each_pipeline_batches_with_its_own_settings():
    """Two pipelines fed by one receiver: one merges three requests into one, the other sends each."""
    with OtlpSink() as merged, OtlpSink() as single:
        cfg = _with_and_without("batch/three", {"send_batch_size": 3, "timeout": "30s"}, merged, single)
        with Gateway(load_config(cfg)) as gw:
            import concurrent.futures

            url = f"http://127.0.0.1:{gw.http_port}/v1/traces"
            with concurrent.futures.ThreadPoolExecutor(3) as pool:  # the batch answers when it is full
                codes = list(pool.map(lambda i: requests.post(
                    url, data=_trace_request(f"op-{i}").SerializeToString(), headers=PROTO, timeout=20).status_code,
                    range(3)))
            assert codes == [200, 200, 200]
            assert merged.wait_for(lambda: len(merged.span_names()) == 3)
            assert single.wait_for(lambda: len(single.span_names()) == 3)
        assert len(merged.bodies["traces"]) == 1 and len(single.bodies["traces"]) == 3


def test_filter_processor_drops_matching_records_in_its_pipeline_only():
    with OtlpSink() as filtered, OtlpSink() as everything:
        cfg = _with_and_without("filter/health", {"drop": [
            {"attribute": "http.route", "value": "/health"},
            {"resource_attribute": "service.name", "regex": "^canary-"}]}, filtered, everything)
        request = _trace_request("GET /orders")
        health = request.resource_spans[0].scope_spans[0].spans.add(name="GET /health")
        health.attributes.append(KeyValue(key="http.route", value=py_to_any("/health")))
        canary = _trace_request("canary-op", **{"service.name": "canary-7"})
        request.resource_spans.extend(canary.resource_spans)
        with Gateway(load_config(cfg)) as gw:
            assert requests.post(f"http://127.0.0.1:{gw.http_port}/v1/traces", data=request.SerializeToString(),
                                 headers=PROTO, timeout=10).status_code == 200
            assert everything.wait_for(lambda: len(everything.span_names()) == 3)
            assert filtered.wait_for(lambda: filtered.span_names() == ["GET /orders"])
            assert gw.metrics.get("filtered", pipeline="traces/with") == 2
        [req] = filtered.requests("traces")
        assert len(req.resource_spans) == 1  # the resource left without spans is gone too


def test_the_multi_pipeline_example_runs_as_documented(tmp_path, monkeypatch):
    """examples/gateway/gateway-pipelines.yaml, as shipped, with its endpoints pointed at real sinks."""
    from pathlib import Path

    from otlp_sink import free_port

    example = Path(__file__).resolve().parents[1] / "examples" / "gateway" / "gateway-pipelines.yaml"
    with OtlpSink() as internal, OtlpSink() as vendor:
        ports = {"CLUSTER_GRPC": free_port(), "CLUSTER_HTTP": free_port(), "EDGE_HTTP": free_port()}
        for var, port in ports.items():
            monkeypatch.setenv(var, f"127.0.0.1:{port}")
        monkeypatch.setenv("INTERNAL_ENDPOINT", internal.endpoint)
        monkeypatch.setenv("VENDOR_ENDPOINT", vendor.endpoint)
        monkeypatch.setenv("EDGE_TOKENS", "edge-token")
        monkeypatch.setenv("AUDIT_FILE", str(tmp_path / "vendor.jsonl"))
        with Gateway(load_config(example)) as gw:
            cluster = f"http://127.0.0.1:{ports['CLUSTER_HTTP']}/v1/traces"
            edge = f"http://127.0.0.1:{ports['EDGE_HTTP']}/v1/traces"
            request = _trace_request("GET /orders", **{"host.name": "node-1"})
            health = request.resource_spans[0].scope_spans[0].spans.add(name="GET /health")
            health.attributes.append(KeyValue(key="http.route", value=py_to_any("/health")))
            assert requests.post(cluster, data=request.SerializeToString(), headers=PROTO, timeout=10).status_code == 200
            edge_request = _trace_request("POST /signup").SerializeToString()
            assert requests.post(edge, data=edge_request, headers=PROTO, timeout=10).status_code == 401
            assert requests.post(edge, data=edge_request, headers={**PROTO, "Authorization": "Bearer edge-token"},
                                 timeout=10).status_code == 200
            assert internal.wait_for(lambda: internal.span_names() == ["GET /orders"])
            assert vendor.wait_for(lambda: sorted(vendor.span_names()) == ["GET /orders", "POST /signup"])
            assert gw.metrics.get("filtered") == 2  # the health span, once per trace pipeline
        [inside] = _exported_resources(internal)
        assert inside["host.name"] == "node-1"  # default policy keeps it
        for res in _exported_resources(vendor):  # strict drops it; the vendor pipeline adds the environment
            assert "host.name" not in res
        spans = _spans(vendor)
        assert all(a["deployment.environment.name"] == "production" for a in spans.values())
        assert (tmp_path / "vendor.jsonl").read_text().count("\n") >= 1
