// Send spans through the OpenTelemetry JS SDK's own OTLP trace exporters.
// usage: node send.mjs <http|json|grpc> <endpoint> <count> <json-of-attributes>
//   http  -> @opentelemetry/exporter-trace-otlp-proto (OTLP/HTTP protobuf), endpoint = http://host:port/v1/traces
//   json  -> @opentelemetry/exporter-trace-otlp-http  (OTLP/HTTP JSON),     endpoint = http://host:port/v1/traces
//   grpc  -> @opentelemetry/exporter-trace-otlp-grpc  (OTLP/gRPC),          endpoint = http://host:port
import { resourceFromAttributes } from "@opentelemetry/resources";
import { SimpleSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";

const [mode, url, count, attrsJson] = process.argv.slice(2);
const modules = {
  http: "@opentelemetry/exporter-trace-otlp-proto",
  json: "@opentelemetry/exporter-trace-otlp-http",
  grpc: "@opentelemetry/exporter-trace-otlp-grpc",
};
const { OTLPTraceExporter } = await import(modules[mode]);
const exporter = new OTLPTraceExporter({ url });
const provider = new TracerProvider({
  resource: resourceFromAttributes({ "service.name": "js-client" }),
  spanProcessors: [new SimpleSpanProcessor({ exporter })],  // sdk-trace 3.x takes an options object
});
const tracer = provider.getTracer("otel-privacy-js-test");
const attrs = JSON.parse(attrsJson);
for (let i = 0; i < Number(count); i++) {
  const span = tracer.startSpan(`js span ${i}`, { attributes: { ...attrs, "app.index": i } });
  span.end();
}
await provider.forceFlush();
await provider.shutdown();
console.log(`sent ${count} span(s) via ${mode}`);
