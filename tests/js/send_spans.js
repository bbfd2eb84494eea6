// Send spans with planted secrets to an OTLP/HTTP endpoint using the OpenTelemetry JS SDK.
// Usage: node send_spans.js http://127.0.0.1:4318/v1/traces
const { TracerProvider, SimpleSpanProcessor } = require("@opentelemetry/sdk-trace");
const { OTLPTraceExporter } = require("@opentelemetry/exporter-trace-otlp-proto");

async function main() {
  const exporter = new OTLPTraceExporter({ url: process.argv[2] });
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  const tracer = provider.getTracer("js-client");
  const span = tracer.startSpan("GET /users/123?email=js.user@example.com");
  span.setAttribute("http.request.method", "GET");
  span.setAttribute("url.full", "https://shop.example/users/123?token=js-secret-token-42");
  span.setAttribute("db.system", "mysql");
  span.setAttribute("db.statement", "SELECT * FROM users WHERE email = 'js.user@example.com'");
  span.setAttribute("app.note", "card 4111111111111111");
  span.end();
  await provider.forceFlush();
  await provider.shutdown();
  console.log("sent");
}
main().catch((e) => { console.error(e); process.exit(1); });
