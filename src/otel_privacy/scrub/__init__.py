"""Pure scrubbing functions: no OpenTelemetry imports, no I/O, each fast on its own.

The :class:`~otel_privacy.redactor.Redactor` compiles a policy into chains of these. Modules:
``sql`` (tokenizer-based SQL obfuscation + summary), ``nosql`` (MongoDB, Redis, Elasticsearch),
``url`` (userinfo, query values, path templating), ``text`` (secret and PII detectors),
``identity`` (keyed pseudonyms) and ``ip`` (address truncation).
"""
