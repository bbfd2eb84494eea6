"""Product usage events: anonymous instance id, started/completed pairs, opt-out, show what is sent."""

from .reporter import UsageReporter, usage_disabled_reason

__all__ = ["UsageReporter", "usage_disabled_reason"]
