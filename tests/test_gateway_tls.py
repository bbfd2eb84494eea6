"""TLS and mTLS on real sockets: the receivers (HTTP and gRPC) and the exporters (otlphttp and otlp).

Certificates come from the ``openssl`` command line: a throwaway CA, a server certificate for
127.0.0.1/localhost and a client certificate, all signed by that CA. A gateway chain
(plain → gateway A → TLS+mTLS → gateway B → sink) proves both the client and the server sides.
"""

from __future__ import annotations

import shutil
import ssl
import subprocess
from pathlib import Path

import grpc
import pytest
import requests

from leak_corpus import Corpus, build_requests
from otel_privacy.gateway import Gateway, GatewayConfigError, load_config
from otlp_sink import OtlpSink

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")

TRACE_EXPORT = "/opentelemetry.proto.collector.trace.v1.TraceService/Export"


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="module")
def pki(tmp_path_factory) -> dict[str, str]:
    d = tmp_path_factory.mktemp("pki")
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "2",
             "-subj", "/CN=otel-privacy test CA", cwd=d)
    (d / "server.ext").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n")
    (d / "client.ext").write_text("extendedKeyUsage=clientAuth\n")
    for name in ("server", "client"):
        _openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}.key", "-out", f"{name}.csr",
                 "-subj", f"/CN={name}", cwd=d)
        _openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
                 "-out", f"{name}.crt", "-days", "2", "-extfile", f"{name}.ext", cwd=d)
    return {k: str(d / k) for k in ("ca.crt", "server.crt", "server.key", "client.crt", "client.key")}


def _body(corpus: Corpus | None = None) -> bytes:
    return build_requests(corpus or Corpus())["traces"].SerializeToString()


def _pipelines(exporters: list[str], processors: list[str]) -> dict:
    pipe = {"receivers": ["otlp"], "processors": processors, "exporters": exporters}
    return {"pipelines": {"traces": pipe}}


def _mtls_gateway(pki: dict[str, str], sink: OtlpSink) -> Gateway:
    return Gateway(load_config({
        "receivers": {"otlp": {
            "protocols": {"grpc": {"endpoint": "127.0.0.1:0"}, "http": {"endpoint": "127.0.0.1:0"}},
            "tls": {"cert_file": pki["server.crt"], "key_file": pki["server.key"], "client_ca_file": pki["ca.crt"]},
        }},
        "processors": {"privacy": {"policy": "default"}},
        "exporters": {"otlphttp": {"endpoint": sink.endpoint, "compression": "none",
                                   "retry_on_failure": {"initial_interval": "50ms"}}},
        "service": _pipelines(["otlphttp"], ["privacy"]),
    })).start()


def test_receivers_require_a_client_certificate(pki):
    with OtlpSink() as sink:
        gw = _mtls_gateway(pki, sink)
        try:
            url = f"https://127.0.0.1:{gw.http_port}/v1/traces"
            headers = {"Content-Type": "application/x-protobuf"}
            r = requests.post(url, data=_body(), headers=headers, verify=pki["ca.crt"],
                              cert=(pki["client.crt"], pki["client.key"]), timeout=10)
            assert r.status_code == 200, r.text
            # TLS without a client cert is refused (TLS 1.3 reports it after the handshake: SSLError or reset)
            with pytest.raises(requests.exceptions.ConnectionError):
                requests.post(url, data=_body(), headers=headers, verify=pki["ca.crt"], timeout=10)
            with pytest.raises(requests.exceptions.ConnectionError):  # plaintext on the TLS port
                requests.post(url.replace("https", "http"), data=_body(), headers=headers, timeout=10)

            ca = Path(pki["ca.crt"]).read_bytes()
            good = grpc.ssl_channel_credentials(ca, Path(pki["client.key"]).read_bytes(),
                                                Path(pki["client.crt"]).read_bytes())
            with grpc.secure_channel(f"127.0.0.1:{gw.grpc_port}", good) as ch:
                assert ch.unary_unary(TRACE_EXPORT, None, None)(_body(), timeout=10) == b""
            with grpc.secure_channel(f"127.0.0.1:{gw.grpc_port}", grpc.ssl_channel_credentials(ca)) as ch:
                with pytest.raises(grpc.RpcError) as exc:
                    ch.unary_unary(TRACE_EXPORT, None, None)(_body(), timeout=10)
                assert exc.value.code() == grpc.StatusCode.UNAVAILABLE
            assert sink.wait_for(lambda: len(sink.bodies["traces"]) >= 2, timeout=10)
        finally:
            gw.stop(5)


@pytest.mark.parametrize("exporter", ["otlphttp", "otlp"])
def test_exporters_speak_mtls_to_a_tls_backend(pki, exporter):
    """plain client → gateway A → (otlphttp or otlp over mTLS) → gateway B → sink."""
    with OtlpSink() as sink:
        b = _mtls_gateway(pki, sink)
        tls = {"ca_file": pki["ca.crt"], "cert_file": pki["client.crt"], "key_file": pki["client.key"]}
        endpoint = (f"https://127.0.0.1:{b.http_port}" if exporter == "otlphttp"
                    else f"127.0.0.1:{b.grpc_port}")
        a = Gateway(load_config({
            "receivers": {"otlp": {"protocols": {"http": {"endpoint": "127.0.0.1:0"}}}},
            "processors": {},
            "exporters": {exporter: {"endpoint": endpoint, "tls": tls,
                                     "retry_on_failure": {"initial_interval": "50ms", "max_elapsed_time": "5s"}}},
            "service": _pipelines([exporter], []),
        })).start()
        corpus = Corpus()
        try:
            r = requests.post(f"http://127.0.0.1:{a.http_port}/v1/traces", data=_body(corpus),
                              headers={"Content-Type": "application/x-protobuf"}, timeout=10)
            assert r.status_code == 200
            assert sink.wait_for(lambda: len(sink.bodies["traces"]) >= 1, timeout=15)
            assert a.metrics.get("exported", exporter=exporter, signal="traces") > 0
            # B's privacy processor ran on what A forwarded
            assert corpus.planted and corpus.leaks(sink.raw()) == []
        finally:
            a.stop(5)
            b.stop(5)


def test_exporter_without_the_ca_cannot_reach_the_backend(pki):
    with OtlpSink() as sink:
        b = _mtls_gateway(pki, sink)
        a = Gateway(load_config({
            "receivers": {"otlp": {"protocols": {"http": {"endpoint": "127.0.0.1:0"}}}},
            "processors": {},
            "exporters": {"otlphttp": {"endpoint": f"https://127.0.0.1:{b.http_port}",
                                       "retry_on_failure": {"initial_interval": "20ms", "max_interval": "50ms",
                                                            "max_elapsed_time": "300ms"}}},
            "service": _pipelines(["otlphttp"], []),
        })).start()
        try:
            requests.post(f"http://127.0.0.1:{a.http_port}/v1/traces", data=_body(),
                          headers={"Content-Type": "application/x-protobuf"}, timeout=10)
            assert sink.wait_for(lambda: a.metrics.get("dropped", exporter="otlphttp",
                                                       reason="retries_exhausted") > 0, timeout=10)
            assert sink.bodies["traces"] == []
        finally:
            a.stop(2)
            b.stop(2)
    assert ssl.OPENSSL_VERSION  # the runtime really has TLS


def _tls_gateway(pki: dict[str, str], sink: OtlpSink) -> Gateway:
    """TLS without client certificates (no client_ca_file)."""
    return Gateway(load_config({
        "receivers": {"otlp": {
            "protocols": {"grpc": {"endpoint": "127.0.0.1:0"}, "http": {"endpoint": "127.0.0.1:0"}},
            "tls": {"cert_file": pki["server.crt"], "key_file": pki["server.key"]},
        }},
        "exporters": {"otlphttp": {"endpoint": sink.endpoint, "compression": "none",
                                   "retry_on_failure": {"initial_interval": "50ms"}}},
        "service": _pipelines(["otlphttp"], []),
    })).start()


def test_grpc_exporter_refuses_skip_verify_it_cannot_do():
    with pytest.raises(GatewayConfigError, match=r"exporters.otlp: tls.insecure_skip_verify: grpcio cannot"):
        load_config({"receivers": {"otlp": {}}, "exporters": {"otlp": {"endpoint": "backend:4317",
                                                                       "tls": {"insecure_skip_verify": True}}},
                     "service": _pipelines(["otlp"], [])})


@pytest.mark.parametrize("exporter, tls", [
    pytest.param("otlphttp", {"insecure_skip_verify": True}, id="otlphttp-skip-verify"),
    pytest.param("otlp", "top-level-ca_file", id="otlp-top-level-ca_file"),
    pytest.param("otlphttp", {}, id="otlphttp-unverified-is-refused"),
])
def test_exporter_tls_trust_settings(pki, exporter, tls):
    """insecure_skip_verify trusts any certificate; the older top-level ca_file of `otlp` is tls.ca_file;
    with neither, a certificate from an unknown CA is refused (and the data is not delivered)."""
    with OtlpSink() as sink:
        b = _tls_gateway(pki, sink)
        endpoint = f"https://127.0.0.1:{b.http_port}" if exporter == "otlphttp" else f"127.0.0.1:{b.grpc_port}"
        settings = {"ca_file": pki["ca.crt"]} if tls == "top-level-ca_file" else {"tls": tls}
        a = Gateway(load_config({
            "receivers": {"otlp": {"protocols": {"http": {"endpoint": "127.0.0.1:0"}}}},
            "exporters": {exporter: {"endpoint": endpoint, **settings, "retry_on_failure": {
                "initial_interval": "20ms", "max_interval": "50ms", "max_elapsed_time": "1s"}}},
            "service": _pipelines([exporter], []),
        })).start()
        try:
            assert requests.post(f"http://127.0.0.1:{a.http_port}/v1/traces", data=_body(),
                                 headers={"Content-Type": "application/x-protobuf"}, timeout=10).status_code == 200
            if tls == {}:
                assert sink.wait_for(lambda: a.metrics.get("dropped", exporter=exporter) > 0, timeout=15)
                assert sink.bodies["traces"] == []
            else:
                assert sink.wait_for(lambda: len(sink.bodies["traces"]) == 1, timeout=15)
        finally:
            a.stop(2)
            b.stop(2)
