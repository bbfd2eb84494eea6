"""A held-out-style corpus from real libraries: secrets planted where real applications put them.

The generative fuzzer (:mod:`leakfuzz`) plants secrets through the OpenTelemetry API by hand; this
corpus instead *runs* the libraries — HTTP clients and servers, database drivers and ORMs, logging
libraries, gRPC — through their official OpenTelemetry instrumentations, so what is checked is what
those instrumentations and libraries really emit (attribute keys, span names, error texts, reprs).

Modules: :mod:`.canaries` (the planted values), :mod:`.cases` (a case: library, secret, where it was
planted, what must survive), :mod:`.scenarios` (the cases, one module per library family),
:mod:`.servers` (the local servers the cases talk to), :mod:`.app` (the application process: the SDK
door), :mod:`.judge` (reading the doors' output) and :mod:`.known_gaps` (what still leaks, strictly).
"""
