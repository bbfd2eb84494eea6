"""The OTLP privacy gateway: receivers (gRPC 4317, HTTP 4318) → privacy → queues → exporters."""

from .config import GatewayConfig, GatewayConfigError, default_config, load_config
from .server import Gateway

__all__ = ["Gateway", "GatewayConfig", "GatewayConfigError", "load_config", "default_config"]
