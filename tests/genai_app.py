"""An LLM app for the GenAI tests: the real ``openai`` client, a real instrumentation, exported through configure().

    python genai_app.py --instrumentation openai-v2|openai-v2-latest|openinference --openai-url URL \\
        --run off=http://127.0.0.1:4318 --run default=http://127.0.0.1:4319 ...

Each ``--run POLICY=ENDPOINT`` holds the conversation once more, in the same process (imports are most of an app
run's cost), exported through its own ``configure()`` with that policy (a preset name or a JSON policy) to that
endpoint; the instrumentation is attached to each run's providers and removed after it.

One conversation exercises every content carrier: a system prompt and a user message full of planted personal
data and secrets, a tool call whose arguments hold a password, the tool's answer (a JSON document with a card
number), a streamed answer, a streamed tool call, and embeddings. The instrumentation's content capture is
switched on by the environment, as a user would (``OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT``).
"""

from __future__ import annotations

import argparse
import json
import os

# Every value a test follows to the wire. Categories say what must find it:
#   detectors  — the free-text detectors of the default preset
#   key        — its key in a structure (tool-call arguments), read as words
#   identity   — the OpenAI ``user=`` parameter: pseudonymised
#   recognizer — no pattern finds it: the policy's recogniser hook (names, postal addresses)
PLANTED: dict[str, tuple[str, str]] = {
    "email in the user message": ("detectors", "alice.planted@example.com"),
    "JWT in the system prompt": ("detectors", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJwbGFudGVkLTc3In0.c2lnLXBsYW50ZWQtNzc"),
    "GitHub token in the system prompt": ("detectors", "ghp_Pl4ntedT0kenAbCdEfGhIjKlMnOpQrStUv12"),
    "card in the tool's answer": ("detectors", "4539148803436467"),
    "e-mail in tool arguments": ("detectors", "bob.okafor@example.org"),
    "password in tool arguments": ("key", "Hunter2-planted-pw"),
    "OpenAI user id": ("identity", "customer-planted-8841"),
    "name in the user message": ("recognizer", "Priya Raman"),
    "name in the answer": ("recognizer", "Jane Doe"),
    "street address in the system prompt": ("recognizer", "742 Evergreen Terrace"),
    "phone in the answer": ("detectors", "+1 415 555 0134"),
    "OpenAI key in the system prompt": ("detectors", "sk-proj-Pl4nted9xQ2mV7kR4tW8yZ1bN6cF3hJ5dL0sA2gE7uI9oP4"),
}
MODEL = "gpt-4o-mini"
EMBEDDING_MODEL = "text-embedding-3-small"
TOOL = "lookup_customer"
REPLY = f"Sure {PLANTED['name in the answer'][1]}, I will call {PLANTED['phone in the answer'][1]} today."
TOOL_ARGUMENTS = {"email": PLANTED["e-mail in tool arguments"][1], "password": PLANTED["password in tool arguments"][1],
                  "limit": 3}
SYSTEM = (f"You are a support agent. Internal key {PLANTED['OpenAI key in the system prompt'][1]}, "
          f"token {PLANTED['GitHub token in the system prompt'][1]}, session "
          f"{PLANTED['JWT in the system prompt'][1]}. Ship to {PLANTED['street address in the system prompt'][1]}.")
USER = (f"I am {PLANTED['name in the user message'][1]}, write to {PLANTED['email in the user message'][1]} "
        "about my order.")
TOOL_ANSWER = json.dumps({"customer": PLANTED["name in the answer"][1], "card": PLANTED["card in the tool's answer"][1],
                          "orders": 2})
TOOLS = [{"type": "function", "function": {
    "name": TOOL, "description": "Find a customer by e-mail",
    "parameters": {"type": "object", "properties": {"email": {"type": "string"}, "password": {"type": "string"},
                                                    "limit": {"type": "integer"}}, "required": ["email"]}}}]
CONTENT_ENV = {
    "openai-v2": {"OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT": "true"},
    "openai-v2-latest": {"OTEL_SEMCONV_STABILITY_OPT_IN": "gen_ai_latest_experimental",
                         "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT": "span_and_event"},
    "openinference": {},
}


def converse(client) -> None:
    """The scripted conversation: chat, tool call, tool answer, streamed answer, streamed tool call, embeddings."""
    messages = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": USER}]
    user = PLANTED["OpenAI user id"][1]
    client.chat.completions.create(model=MODEL, messages=messages, user=user, temperature=0.2, max_tokens=200)
    first = client.chat.completions.create(model=MODEL, messages=messages, tools=TOOLS, user=user)
    call = first.choices[0].message.tool_calls[0]
    messages += [{"role": "assistant", "tool_calls": [call.model_dump(exclude_none=True)]},
                 {"role": "tool", "tool_call_id": call.id, "content": TOOL_ANSWER}]
    client.chat.completions.create(model=MODEL, messages=messages, tools=TOOLS, user=user)
    for _ in client.chat.completions.create(model=MODEL, messages=messages[:2], stream=True,
                                            stream_options={"include_usage": True}):
        pass
    for _ in client.chat.completions.create(model=MODEL, messages=messages[:2], tools=TOOLS, stream=True,
                                            stream_options={"include_usage": True}):
        pass
    client.embeddings.create(model=EMBEDDING_MODEL, input=[USER, "order status"])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--instrumentation", required=True, choices=sorted(CONTENT_ENV))
    parser.add_argument("--run", required=True, action="append", metavar="POLICY=ENDPOINT",
                        help="a preset name or a JSON policy, and the OTLP/HTTP endpoint of that run")
    parser.add_argument("--openai-url", required=True)
    args = parser.parse_args()
    os.environ.update(CONTENT_ENV[args.instrumentation])

    import openai

    from otel_privacy import configure

    if args.instrumentation == "openinference":
        from openinference.instrumentation.openai import OpenAIInstrumentor
    else:
        from opentelemetry.instrumentation.openai_v2 import OpenAIInstrumentor
    for run in args.run:
        policy, _, endpoint = run.rpartition("=")
        providers = configure(json.loads(policy) if policy.startswith("{") else policy, service_name="genai-app",
                              endpoint=endpoint, capture_logging=False, metric_export_interval_ms=3_600_000)
        instrumentor = OpenAIInstrumentor()
        instrumentor.instrument(tracer_provider=providers.tracer_provider, logger_provider=providers.logger_provider,
                                meter_provider=providers.meter_provider)
        try:
            converse(openai.OpenAI(base_url=args.openai_url, api_key="sk-test-not-a-real-key", max_retries=0))
        finally:
            instrumentor.uninstrument()
            providers.shutdown()


if __name__ == "__main__":
    main()
