"""Writes tests/data/benign_telemetry.txt: 1,200 seeded lines of real-looking telemetry that hold no secret and
no personal data (UUIDs, trace and span ids, timestamps, versions, commit SHAs, k8s pod names, durations, ports,
order numbers that fail Luhn, base64 hashes, LLM token counts, stack frames, SQL with placeholders, ...).

    python tests/data/make_benign_telemetry.py > tests/data/benign_telemetry.txt

tests/test_detectors_benign.py requires every line to survive; benchmarks/bench_text.py prints the share altered.
"""

import base64
import datetime
import hashlib
import random
import uuid

from otel_privacy.scrub.text import luhn_valid

rnd = random.Random(20261130)


def hexs(n):
    return "".join(rnd.choice("0123456789abcdef") for _ in range(n))


def uid():
    return str(uuid.UUID(int=rnd.getrandbits(128), version=4))


def ts():
    d = datetime.datetime(2026, 11, 23, 6, 16, 55) + datetime.timedelta(
        seconds=rnd.randint(0, 10**6), microseconds=rnd.randint(0, 999999)
    )
    return d


def order():
    while True:
        n = str(rnd.randint(10**15, 10**16 - 1))
        if not luhn_valid(n):
            return n


def pod():
    return f"{rnd.choice(['orders', 'checkout', 'payments', 'api-gateway', 'worker', 'redis', 'postgres'])}-{hexs(9) if rnd.random() < 0.5 else hexs(10)}-{''.join(rnd.choice('bcdfghjklmnpqrstvwxz2456789') for _ in range(5))}"


def semver():
    return f"{rnd.randint(0, 9)}.{rnd.randint(0, 30)}.{rnd.randint(0, 40)}"


def b64hash():
    return base64.b64encode(hashlib.sha256(str(rnd.random()).encode()).digest()).decode()


T = [
    lambda: (
        f"{ts().isoformat()}Z INFO  [{pod()}] request_id={uid()} trace_id={hexs(32)} span_id={hexs(16)} status=200 duration_ms={rnd.randint(1, 900)}"
    ),
    lambda: (
        f'lb-{rnd.randint(1, 9)}.internal - - [{ts():%d/%b/%Y:%H:%M:%S} +0000] "GET /api/v{rnd.randint(1, 3)}/orders/{{id}}/items HTTP/1.1" 200 {rnd.randint(100, 90000)} "-" "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{rnd.randint(100, 130)}.0.{rnd.randint(1000, 6000)}.{rnd.randint(10, 200)} Safari/537.36"'
    ),
    lambda: (
        f'{{"ts":"{ts().isoformat()}Z","level":"info","msg":"cache miss","key":"orders:{rnd.randint(1000, 99999)}","ttl":{rnd.randint(10, 3600)},"region":"eu-west-{rnd.randint(1, 3)}","trace_id":"{hexs(32)}"}}'
    ),
    lambda: (
        f"deployed {rnd.choice(['orders', 'payments', 'search'])} v{semver()} (commit {hexs(40)}) to {rnd.choice(['staging', 'production'])} in {rnd.randint(10, 400)}s"
    ),
    lambda: (
        f"gen_ai.usage.input_tokens={rnd.randint(10, 9000)} gen_ai.usage.output_tokens={rnd.randint(1, 4000)} model=gpt-4o-mini-2024-07-18 latency={rnd.randint(100, 9000)}ms"
    ),
    lambda: (
        f"prompt_tokens={rnd.randint(10, 9000)} completion_tokens={rnd.randint(1, 4000)} total_tokens={rnd.randint(10, 13000)} finish_reason=stop"
    ),
    lambda: f"llm.token_count.prompt: {rnd.randint(10, 9000)}, llm.token_count.completion: {rnd.randint(1, 999)}",
    lambda: f"order {order()} shipped to warehouse {rnd.randint(1, 40)} at {ts():%Y-%m-%d %H:%M:%S}",
    lambda: f"image sha256:{hexs(64)} pulled in {rnd.randint(1, 90)}.{rnd.randint(0, 9)}s",
    lambda: f'thumbnail etag="{b64hash()}" size={rnd.randint(1000, 900000)}',
    lambda: f"Pod {pod()} in namespace prod: Back-off restarting failed container (restarts: {rnd.randint(1, 30)})",
    lambda: f"listening on :{rnd.choice([8080, 8443, 4317, 4318, 9090, 3000, 5432])} and :{rnd.choice([8080, 9464])}",
    lambda: (
        f"ports {rnd.randint(1024, 9999)}, {rnd.randint(1024, 9999)}, {rnd.randint(1024, 9999)} open; pid {rnd.randint(100, 99999)}"
    ),
    lambda: (
        f"took {rnd.randint(0, 59)}m{rnd.randint(0, 59)}.{rnd.randint(100, 999)}s (p99 {rnd.randint(1, 999)}ms, p50 {rnd.randint(1, 99)}.{rnd.randint(0, 9)}ms)"
    ),
    lambda: (
        f'  File "/srv/app/{rnd.choice(["handlers", "models", "services"])}/{rnd.choice(["orders", "billing", "auth"])}.py", line {rnd.randint(1, 900)}, in {rnd.choice(["handle", "process_batch", "refresh_session", "validate_token"])}'
    ),
    lambda: (
        f"SELECT o.id, o.total FROM orders o JOIN users u ON u.id = o.user_id WHERE o.created_at > ? AND o.status IN (?, ?) LIMIT {rnd.randint(1, 500)}"
    ),
    lambda: (
        f"batch {rnd.randint(1, 999)} of {rnd.randint(1000, 2000)} processed: {rnd.randint(0, 5000)} rows in {rnd.randint(1, 900)}ms"
    ),
    lambda: f"retry attempt {rnd.randint(1, 5)} of 5 for job {uid()} after {rnd.choice([100, 200, 400, 800, 1600])}ms",
    lambda: (
        f"otel.scope.name=opentelemetry.instrumentation.flask otel.scope.version=0.{rnd.randint(40, 60)}b1 telemetry.sdk.version=1.{rnd.randint(20, 40)}.0"
    ),
    lambda: f'span {hexs(16)} parent {hexs(16)} trace {hexs(32)} kind=SERVER name="GET /health"',
    lambda: (
        f"Python {rnd.choice(['3.11.7', '3.12.4', '3.13.0'])}, psycopg {rnd.randint(3, 3)}.{rnd.randint(1, 2)}.{rnd.randint(0, 20)}, postgres 16.{rnd.randint(0, 4)}, go1.{rnd.randint(20, 23)}.{rnd.randint(0, 9)}"
    ),
    lambda: (
        f"GC gen{rnd.randint(0, 2)}: collected {rnd.randint(0, 9000)} objects, {rnd.randint(0, 99)} uncollectable, elapsed {rnd.random():.4f}s"
    ),
    lambda: (
        f"memory rss={rnd.randint(50, 900)}MiB heap={rnd.randint(10, 500)}MiB goroutines={rnd.randint(1, 5000)} fds={rnd.randint(10, 1000)}"
    ),
    lambda: (
        f"kafka consumer group orders-{rnd.randint(1, 9)} partition {rnd.randint(0, 63)} offset {rnd.randint(10**6, 10**12)} lag {rnd.randint(0, 9999)}"
    ),
    lambda: f"checksum crc32c={rnd.getrandbits(32):08x} md5={hexs(32)} bytes={rnd.randint(1, 10**9)}",
    lambda: (
        f"token bucket refill rate={rnd.randint(1, 100)}/s capacity={rnd.randint(10, 1000)} tokens_remaining={rnd.randint(0, 1000)}"
    ),
    lambda: f"session expired after {rnd.randint(1, 3600)}s idle; refreshing token (attempt {rnd.randint(1, 3)})",
    lambda: (
        f"password reset email queued (template v{rnd.randint(1, 9)}, locale {rnd.choice(['en-US', 'de-DE', 'fr-FR'])})"
    ),
    lambda: f"cron job nightly-report scheduled at 0 {rnd.randint(0, 23)} * * * next run {ts().isoformat()}",
    lambda: (
        f"WARN  [main] o.a.k.c.NetworkClient - Connection to node {rnd.randint(-1, 9)} ({pod()}.kafka.svc.cluster.local:9092) could not be established."
    ),
    lambda: (
        f"ETIMEDOUT after {rnd.randint(1000, 30000)}ms calling http://inventory.svc.cluster.local:{rnd.choice([80, 8080])}/v2/stock/{{sku}}"
    ),
    lambda: (
        f"feature_flag checkout_v{rnd.randint(2, 5)}=on rollout={rnd.randint(0, 100)}% bucket={rnd.randint(0, 9999)}"
    ),
    lambda: (
        f"build #{rnd.randint(100, 99999)} finished: {rnd.randint(0, 900)} passed, {rnd.randint(0, 5)} failed, {rnd.randint(0, 20)} skipped in {rnd.randint(1, 59)}m"
    ),
    lambda: (
        f"request {uid()} routed to upstream orders-{rnd.randint(0, 9)}.orders.svc:{rnd.choice([8080, 9000])} weight={rnd.randint(1, 100)}"
    ),
    lambda: f"instance i-{hexs(17)} in subnet-{hexs(17)} vpc-{hexs(17)} state=running",
    lambda: (
        f"ARN arn:aws:lambda:eu-west-1:{rnd.randint(10**11, 10**12 - 1)}:function:orders-{rnd.randint(1, 9)} invoked, billed {rnd.randint(1, 900)}ms"
    ),
    lambda: (
        f"s3://bucket-{hexs(8)}/exports/{ts():%Y/%m/%d}/part-{rnd.randint(0, 99999):05d}.parquet written ({rnd.randint(1, 999)} MB)"
    ),
    lambda: f"docker image registry.example.com/orders@sha256:{hexs(64)} tag {semver()}-{hexs(7)}",
    lambda: (
        f'Exception in thread "pool-{rnd.randint(1, 9)}-thread-{rnd.randint(1, 99)}" java.util.concurrent.TimeoutException: timed out after {rnd.randint(1, 60)} SECONDS'
    ),
    lambda: f"    at com.example.orders.OrderService.process(OrderService.java:{rnd.randint(10, 999)})",
    lambda: (
        f"node:internal/process/task_queues:{rnd.randint(50, 99)} Error: ECONNREFUSED localhost:{rnd.choice([5432, 6379, 27017])}"
    ),
    lambda: f"nginx: worker process {rnd.randint(1000, 99999)} exited on signal {rnd.choice([9, 11, 15])}",
    lambda: f"postgres[{rnd.randint(100, 99999)}]: duration: {rnd.random() * 1000:.3f} ms  statement: SELECT 1",
    lambda: (
        f"user agent okhttp/4.{rnd.randint(0, 12)}.{rnd.randint(0, 9)} app build {rnd.randint(1000, 9999)} os android {rnd.randint(9, 15)}"
    ),
    lambda: (
        f"rate limited: {rnd.randint(1, 999)} requests in {rnd.randint(1, 60)}s window, retry-after {rnd.randint(1, 120)}"
    ),
    lambda: f"idempotency key {uid()} reused; returning cached response",
    lambda: f"cache key {hexs(32)} evicted (lru, size {rnd.randint(1, 10000)})",
    lambda: (
        f"dns lookup api.example.com -> edge-{rnd.randint(1, 99)}.cdn.example.net in {rnd.randint(1, 300)}ms (ttl {rnd.randint(1, 3600)})"
    ),
    lambda: (
        f"tz offset +{rnd.randint(0, 12):02d}:00 at {ts().isoformat()}+0{rnd.randint(0, 9)}:00, elapsed +{rnd.randint(100, 99999)}ms"
    ),
    lambda: f"counter http.server.requests{{method=GET,route=/orders/{{id}},status=200}} = {rnd.randint(1, 10**9)}",
    lambda: (
        f"phone app crash-free sessions {rnd.randint(90, 99)}.{rnd.randint(0, 99)}% on build {rnd.randint(20260101, 20261231)}"
    ),
    lambda: f"mobile release {semver()} rollout {rnd.randint(1, 100)}% (build {rnd.randint(10000, 99999)})",
    lambda: (
        f"secret {rnd.choice(['db-credentials', 'tls-cert', 'api-keys'])} mounted at /var/run/secrets/app (version {rnd.randint(1, 40)})"
    ),
    lambda: (
        f"customer support ticket {rnd.choice(['opened', 'closed'])} in queue {rnd.choice(['billing', 'tech'])} after {rnd.randint(1, 99)} minutes"
    ),
    lambda: f"user agent string too long ({rnd.randint(300, 900)} chars), truncated",
    lambda: f"processing user {rnd.randint(1, 9)} of {rnd.randint(10, 20)} in batch",
    lambda: f"iban validation enabled for {rnd.randint(1, 80)} countries; card network list v{rnd.randint(1, 9)}",
    lambda: (
        f"grpc status=UNAVAILABLE code=14 after {rnd.randint(1, 30)}s, reconnecting to collector.observability.svc:4317"
    ),
]
if __name__ == "__main__":
    print("\n".join(rnd.choice(T)() for _ in range(1200)))
