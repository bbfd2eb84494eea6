"""The cases, one module per library family; importing this package registers them all."""

from . import databases, debug_logs, diagnostics, errors, grpc_calls, http_clients, http_servers, logs  # noqa: F401
