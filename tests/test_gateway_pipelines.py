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
