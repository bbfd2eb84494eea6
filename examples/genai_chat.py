"""One LLM call, before → after: the real ``openai`` client, the official OpenTelemetry instrumentation, configure().

    python examples/genai_chat.py                                   # a local OpenAI-compatible stand-in answers
    OPENAI_BASE_URL=https://… OPENAI_API_KEY=sk-… python examples/genai_chat.py   # or a real endpoint

Needs ``pip install openai opentelemetry-instrumentation-openai-v2`` (the project's dev extra has them).
Message capture is switched on the way a user would (the latest GenAI conventions, content on spans and
events); the chat span's conversation is printed as the instrumentation wrote it, as the ``default`` policy
exports it (content redacted) and as ``strict`` would (content dropped, metadata kept). With
``OTEL_EXPORTER_OTLP_ENDPOINT`` set, the redacted spans are exported there too.
"""

from __future__ import annotations

import contextlib
import json
import os

os.environ.setdefault("OTEL_SEMCONV_STABILITY_OPT_IN", "gen_ai_latest_experimental")
os.environ.setdefault("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", "span_and_event")
if not os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"):  # nowhere to send: print only
    for signal in ("TRACES", "LOGS", "METRICS"):
        os.environ.setdefault(f"OTEL_{signal}_EXPORTER", "none")

import openai  # noqa: E402
from opentelemetry.instrumentation.openai_v2 import OpenAIInstrumentor  # noqa: E402
from opentelemetry.sdk.trace.export import SimpleSpanProcessor  # noqa: E402
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter  # noqa: E402

from otel_privacy import Redactor, configure  # noqa: E402
from otel_privacy.demo_genai import OpenAIServer  # noqa: E402

SYSTEM = "You are a support agent for ACME. Escalations go to ops-lead@acme.example."
USER = "Hi, I'm Dana. My card 4539 1488 0343 6467 was charged twice, reach me at dana.k@example.com."
REPLY = "Sorry Dana! I refunded the duplicate charge on card 4539 1488 0343 6467; a receipt goes to dana.k@example.com."
SHOWN = ("gen_ai.request.model", "gen_ai.operation.name", "gen_ai.response.finish_reasons", "gen_ai.usage.input_tokens",
         "gen_ai.usage.output_tokens", "gen_ai.input.messages", "gen_ai.output.messages")


def main() -> None:
    before = InMemorySpanExporter()  # what the instrumentation produced, for this printout only
    after = InMemorySpanExporter()  # behind the policy, like every exporter configure() builds
    providers = configure("default", service_name="genai-chat", span_exporters=[after], metrics_enabled=False)
    providers.tracer_provider.add_span_processor(SimpleSpanProcessor(before))
    OpenAIInstrumentor().instrument(tracer_provider=providers.tracer_provider,
                                    logger_provider=providers.logger_provider)
    with contextlib.ExitStack() as stack:
        base_url = os.environ.get("OPENAI_BASE_URL")
        if not base_url:
            base_url = stack.enter_context(OpenAIServer(reply=REPLY)).base_url
        client = openai.OpenAI(base_url=base_url, api_key=os.environ.get("OPENAI_API_KEY", "sk-local-stand-in"))
        client.chat.completions.create(model=os.environ.get("OPENAI_MODEL", "gpt-4o-mini"), user="customer-8841",
                                       messages=[{"role": "system", "content": SYSTEM},
                                                 {"role": "user", "content": USER}])
        providers.force_flush()
    raw = next(s for s in before.get_finished_spans() if s.name.startswith("chat"))
    exported = next(s for s in after.get_finished_spans() if s.name.startswith("chat"))
    strict = Redactor("strict").redact_span(raw.name, raw.attributes)
    for title, attributes in (("as the instrumentation wrote it", raw.attributes),
                              ("exported under `default` (genai.content: redact)", exported.attributes),
                              ("under `strict` (genai.content: drop)", strict.attributes)):
        print(f"\n== {raw.name}: {title}")
        for key in SHOWN:
            if key in attributes:
                value = attributes[key]
                print(f"  {key} = {json.dumps(json.loads(value)) if key.endswith('messages') else value!r}")
    providers.shutdown()


if __name__ == "__main__":
    main()
