"""Benign look-alikes and utility values: what must come out of every door unchanged.

Look-alikes resemble secrets but are not (UUIDs, trace ids, timestamps, versions, commit hashes,
pod names, durations, ports, order numbers that fail the Luhn check, digests); utility values are
what engineers need (token counts as numbers, methods, status codes, hosts and paths, tables and
operations, frame names). Each kind's ``keeps`` must be found in the exported record, ``typed``
attributes must come out with the same type and value.
"""

from __future__ import annotations

import base64
import json
import random
from collections.abc import Callable

from .samples import HEX, Kind, Sample, iso_ts, rand, uuid

#: Encodings a benign value goes through (those that redact every value by design — URL query values,
#: ORM parameters, form fields — are left out: losing a benign value there is the policy, not a bug).
BENIGN_ENCODINGS = frozenset({"kv", "bare", "plain", "percent", "json_ascii", "json_doc", "escaped_json",
                              "nested_json", "repr_dict", "repr_tuple", "kwargs_repr",
                              # structures under a key that means nothing: only the detectors read the value
                              "pairs_neutral", "xml_neutral", "validation_neutral"})


def _lookalike(make_value: Callable[[random.Random], str], words: tuple[str, ...], key: str) -> Callable:
    def make(rng: random.Random) -> Sample:
        value = make_value(rng)
        return Sample("", key, value, f"{rng.choice(words)} {value}", keeps=(value,))
    return make


def _semver(r: random.Random) -> str:
    core = f"{r.randint(0, 30)}.{r.randint(0, 99)}.{r.randint(0, 999)}"
    return r.choice((core, f"v{core}", f"{core}-rc.{r.randint(1, 9)}", f"{core}+build.{r.randint(1, 9999)}"))


def _luhn_failing_order(r: random.Random) -> str:
    """A card-shaped number (IIN, length, grouping) whose Luhn sum fails."""
    from .catalogue import card_digits, card_groups

    while True:
        digits = card_digits(r, r.choice(("visa", "mastercard", "amex", "discover")))
        digits = digits[:-1] + str((int(digits[-1]) + r.randint(1, 9)) % 10)  # any other last digit fails Luhn
        if len(digits) <= 16:
            return r.choice(("", " ", "-")).join(card_groups(digits))


def _long_order(r: random.Random) -> str:
    """19 digits in groups that fail the Luhn check as a whole, while their first 16 digits pass it."""
    from .catalogue import card_digits, card_groups, luhn_complete

    head = card_digits(r, r.choice(("visa", "mastercard", "discover")))[:15]
    digits = luhn_complete(head)
    while True:
        tail = rand(r, 3, "0123456789")
        if luhn_complete((digits + tail)[:-1]) != digits + tail:
            return r.choice((" ", "-")).join(card_groups(digits + tail))


def _hex_id(n: int) -> Callable[[random.Random], str]:
    """A hex id with at least one letter (an all-digit one that passes Luhn is a card number as far as
    anyone can tell — about 3 in 100,000 span ids)."""
    def make(r: random.Random) -> str:
        while True:
            h = rand(r, n, HEX)
            if any(c in "abcdef" for c in h):
                return h
    return make


def _duration(r: random.Random) -> str:
    return r.choice((f"{r.randint(1, 999)}ms", f"{r.uniform(0, 99):.3f}s", f"PT{r.randint(1, 9)}H{r.randint(1, 59)}M",
                     f"00:{r.randint(0, 59):02d}:{r.randint(0, 59):02d}.{r.randint(0, 999):03d}"))


def _pod(r: random.Random) -> str:
    return f"{r.choice(('checkout', 'cart', 'api-gateway', 'worker'))}-{rand(r, 10, 'bcdfghjklmnpqrstvwxz2456789')}-" \
           f"{rand(r, 5, 'bcdfghjklmnpqrstvwxz2456789')}"


def _genai_id(r: random.Random) -> str:
    """Response, message, tool-call and run ids of LLM APIs: random-looking, but identifiers, not credentials."""
    from .samples import ALNUM

    return r.choice((f"chatcmpl-{rand(r, 29, ALNUM)}", f"call_{rand(r, 24, ALNUM)}", f"msg_01{rand(r, 22, ALNUM)}",
                     f"toolu_01{rand(r, 22, ALNUM)}", f"resp_{rand(r, 48, HEX)}", f"run_{rand(r, 24, ALNUM)}",
                     f"asst_{rand(r, 24, ALNUM)}"))


def _model(r: random.Random) -> str:
    return r.choice(("gpt-4o-2024-08-06", "gpt-4o-mini", "claude-3-5-sonnet-20241022", "text-embedding-3-small",
                     "meta-llama/Llama-3.1-8B-Instruct", "gemini-1.5-pro-002", "o1-preview-2024-09-12"))


def _isbn(r: random.Random) -> str:
    body = "978" + rand(r, 9, "0123456789")
    check = (10 - sum(int(c) * (3 if i % 2 else 1) for i, c in enumerate(body)) % 10) % 10
    d = body + str(check)
    return f"{d[:3]}-{d[3]}-{d[4:6]}-{d[6:12]}-{d[12]}"


def _date(r: random.Random) -> str:
    y, m, d = r.randint(2019, 2026), r.randint(1, 12), r.randint(1, 28)
    return r.choice((f"{d:02d}.{m:02d}.{y}", f"{y}/{m:02d}/{d:02d}", f"{y}{m:02d}{d:02d}T{r.randint(0, 23):02d}0000Z",
                     f"{d:02d}/{m:02d}/{y} {r.randint(0, 23):02d}:{r.randint(0, 59):02d}",
                     f"Tue, {d:02d} May {y} 12:00:00 GMT"))


def _ticket(r: random.Random) -> str:
    return r.choice((f"{r.randint(2019, 2026)}-{r.randint(1, 12):02d}{r.randint(1, 28):02d}-{r.randint(1000, 9999)}",
                     f"INC{r.randint(0, 9999999):07d}", f"PO-{r.randint(100000, 999999)}-{r.randint(10, 99)}",
                     f"#{r.randint(10000, 99999)}"))


def _arn(r: random.Random) -> str:
    return (f"arn:aws:{r.choice(('lambda', 'sqs', 'dynamodb'))}:{r.choice(('eu-west-1', 'us-east-1'))}:"
            f"{rand(r, 12, '0123456789')}:{r.choice(('function:checkout', 'orders-queue', 'table/orders'))}")


def _phone_context(r: random.Random) -> str:
    """Numbers next to phone words that are no phone numbers: durations, versions, dates, ids, port lists, counts
    (what a phone detector keyed on context words must leave alone)."""
    return r.choice((f"call took {r.randint(100, 99999)} ms", f"phone app {_semver(r)}",
                     f"mobile release {r.randint(2019, 2026)}-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}",
                     f"sms batch {uuid(r)}", f"tel. ports {r.choice(('8080,8443,9090', '5060-5061', '5060 5061 5062'))}",
                     f"call at {iso_ts(r)}", f"phone calls today: {r.randint(1000, 99999999)}",
                     f"mobile build 10.0.{r.randint(10000, 22999)}.{r.randint(256, 9999)}"))


LOOKALIKES: dict[str, tuple[Callable[[random.Random], str], tuple[str, ...]]] = {
    "uuid": (uuid, ("order", "request_id", "correlation")),
    "trace_id": (_hex_id(32), ("trace_id=", "trace", "parent")),
    "span_id": (_hex_id(16), ("span_id=", "span")),
    "timestamp": (lambda r: r.choice((iso_ts(r), iso_ts(r).replace("T", " ")[:19] + f",{r.randint(0, 999):03d}",
                                      str(r.randint(1_600_000_000_000, 1_800_000_000_000)))), ("at", "since", "ts=")),
    "semver": (_semver, ("version", "release", "upgraded to")),
    "git_sha": (lambda r: _hex_id(r.choice((7, 12, 40)))(r), ("commit", "rev", "built from")),
    "k8s_pod": (_pod, ("pod", "k8s.pod.name=", "restarted")),
    "duration": (_duration, ("took", "timeout after", "elapsed")),
    "ports": (lambda r: r.choice((str(r.randint(1024, 65535)), "80,443,8443", f"{r.randint(3000, 9999)}-{r.randint(10000, 20000)}")),
              ("port", "listening on", "ports")),
    "order_number": (_luhn_failing_order, ("order", "ref", "invoice no.")),
    "order_number_long": (_long_order, ("order", "ref", "invoice no.")),
    "digest": (lambda r: "sha256-" + base64.b64encode(bytes(r.randrange(256) for _ in range(32))).decode(),
               ("integrity", "image digest", "etag")),
    "windows_build": (lambda r: f"10.0.{r.randint(10000, 22999)}.{r.randint(256, 9999)}", ("os build", "version")),
    "genai_id": (_genai_id, ("gen_ai.response.id=", "tool_call_id", "response", "run")),
    "model": (_model, ("model", "gen_ai.request.model=", "using")),
    "container_id": (_hex_id(64), ("container", "container.id=", "sha256:")),
    "isbn": (_isbn, ("ISBN", "isbn:", "book")),
    "date": (_date, ("on", "date", "Last-Modified:")),
    "ticket": (_ticket, ("ticket", "order", "case")),
    "arn": (_arn, ("invoked", "resource", "cloud.resource_id=")),
    "phone_context": (_phone_context, ("stats:", "metrics", "note")),
}

#: OpenTelemetry GenAI semantic conventions (kept by the default preset's rules)
GENAI_COUNT_KEYS = ("gen_ai.usage.input_tokens", "gen_ai.usage.output_tokens", "gen_ai.request.max_tokens")
#: OpenInference and everyday spellings: counts all the same (#15 §2)
OTHER_COUNT_KEYS = ("llm.token_count.prompt", "llm.token_count.completion", "llm.token_count.total", "prompt_tokens",
                    "completion_tokens", "max_tokens", "tokens_used")
TOP_LEVEL = frozenset({"span_attr", "log_attr", "log_extra"})


def token_count(keys: tuple[str, ...]) -> Callable:
    def make(rng: random.Random) -> Sample:
        key, value = rng.choice(keys), rng.randint(1, 200_000)
        return Sample("", key, value, keeps=(), typed=((key, value),))
    return make


def counts_in_text(rng: random.Random) -> Sample:
    text = rng.choice((f"prompt_tokens={rng.randint(1, 9999)} completion_tokens={rng.randint(1, 9999)}",
                       f"token_type=Bearer expires_in={rng.choice((3600, 7200, 86400))}",
                       f"max_tokens: {rng.randint(16, 8192)}", f"tokens_used={rng.randint(1, 99999)}"))
    return Sample("", "app.detail", text, text, keeps=(text,))


def genai_metadata(rng: random.Random) -> Sample:
    """What a GenAI span must keep: model, ids, finish reasons, token counts and the token type, request
    parameters as JSON (OpenTelemetry GenAI conventions and OpenInference)."""
    params = json.dumps({"model": _model(rng), "temperature": round(rng.uniform(0, 1), 2),
                         "max_tokens": rng.randint(16, 4096), "top_p": 1})
    typed = (("gen_ai.request.model", _model(rng)), ("gen_ai.response.id", f"chatcmpl-{rand(rng, 29, HEX + 'XYZ')}"),
             ("gen_ai.operation.name", "chat"), ("gen_ai.token.type", rng.choice(("input", "output"))),
             ("gen_ai.usage.input_tokens", rng.randint(1, 9999)), ("llm.token_count.total", rng.randint(1, 9999)))
    return Sample("", "llm.invocation_parameters", params, keeps=(), extras=typed,
                  typed=(("llm.invocation_parameters", params), *typed))


def http_semantics(rng: random.Random) -> Sample:
    method = rng.choice(("GET", "POST", "PUT", "DELETE", "PATCH"))
    status = rng.choice((200, 201, 204, 301, 404, 429, 500, 503))
    host = rng.choice(("shop.example", "api.example.com", "orders.internal"))
    path = f"/api/{rng.choice(('orders', 'carts', 'users'))}"
    key = rng.choice(("url.full", "http.url"))
    return Sample("", key, f"https://{host}{path}?page=2&sort=asc", keeps=(host, path),
                  extras=(("http.request.method", method), ("http.response.status_code", status)),
                  typed=(("http.request.method", method), ("http.response.status_code", status)))


def db_semantics(rng: random.Random) -> Sample:
    table = rng.choice(("orders", "customers", "line_items", "invoices"))
    op = rng.choice(("SELECT", "UPDATE", "DELETE"))
    stmt = {"SELECT": f"SELECT id, total FROM {table} WHERE id = 42",
            "UPDATE": f"UPDATE {table} SET status = 'x' WHERE id = 42", "DELETE": f"DELETE FROM {table} WHERE id = 42"}[op]
    return Sample("", "db.statement", stmt, keeps=(table, op),
                  extras=(("db.system", rng.choice(("postgresql", "mysql", "sqlite"))), ("server.address", "db.internal")),
                  typed=(("server.address", "db.internal"),))


def request_params(rng: random.Random) -> Sample:
    """A container named like a driver's parameters with no statement beside it: request or model params stay."""
    words = (f"{rng.choice(('red', 'blue', 'green'))}-shoes", f"size-{rng.randint(35, 47)}")
    value = rng.choice((list(words), {"q": words[0], "filter": words[1]}))
    return Sample("", rng.choice(("params", "arguments", "values")), value, keeps=words,
                  extras=(("http.route", "/search"), ("http.request.method", "GET")))


def frame_names(rng: random.Random) -> Sample:
    text = rng.choice(("inventory timeout after 3 retries", "upstream returned 503", "deadline exceeded"))
    return Sample("", "app.detail", text, text, keeps=("checkout_handler", text))


def _named(name: str, make: Callable) -> Callable:
    def named(rng: random.Random) -> Sample:
        import dataclasses

        return dataclasses.replace(make(rng), kind=name)
    return named


BENIGN_KINDS: dict[str, Kind] = {}
for _name, (_make, _words) in LOOKALIKES.items():
    BENIGN_KINDS[f"benign_{_name}"] = Kind(f"benign_{_name}", "default",
                                           _named(f"benign_{_name}", _lookalike(_make, _words, "app.detail")),
                                           benign=True, only=BENIGN_ENCODINGS)
for _k in (
    Kind("utility_genai_counts", "default", _named("utility_genai_counts", token_count(GENAI_COUNT_KEYS)),
         keyed=True, prose=False, benign=True, only=frozenset({"kv"}), carriers=TOP_LEVEL),
    Kind("utility_other_counts", "#15", _named("utility_other_counts", token_count(OTHER_COUNT_KEYS)),
         keyed=True, prose=False, benign=True, only=frozenset({"kv"}), carriers=TOP_LEVEL),
    Kind("utility_counts_in_text", "#15", _named("utility_counts_in_text", counts_in_text), benign=True,
         only=frozenset({"bare"}) | (BENIGN_ENCODINGS - {"kv", "repr_tuple"})),
    Kind("utility_genai", "#15", _named("utility_genai", genai_metadata), keyed=True, prose=False, benign=True,
         only=frozenset({"kv"}), carriers=TOP_LEVEL),
    Kind("utility_http", "default", _named("utility_http", http_semantics), keyed=True, prose=False, benign=True,
         only=frozenset({"kv"}), carriers=TOP_LEVEL - {"log_extra"}),
    Kind("utility_db", "default", _named("utility_db", db_semantics), keyed=True, prose=False, benign=True,
         only=frozenset({"kv"}), carriers=frozenset({"span_attr"})),
    Kind("utility_params", "#15", _named("utility_params", request_params), keyed=True, prose=False, benign=True,
         only=frozenset({"kv"}), carriers=TOP_LEVEL),
    Kind("utility_frames", "default", _named("utility_frames", frame_names), benign=True,
         only=frozenset({"bare"}), carriers=frozenset({"exception", "log_exception"})),
):
    BENIGN_KINDS[_k.name] = _k
