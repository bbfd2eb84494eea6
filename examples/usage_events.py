"""Product usage events from your own app: started/completed pairs, alerts, opt-out, show what is sent.

    OTEL_PRIVACY_USAGE_ENDPOINT=http://localhost:4318 python examples/usage_events.py
    DO_NOT_TRACK=1 python examples/usage_events.py        # nothing is built, queued or sent
    OTEL_PRIVACY_USAGE_DEBUG=1 python examples/usage_events.py   # echo every event to stdout
"""

from __future__ import annotations

import json
import os
import sys

from otel_privacy import UsageReporter


def main() -> int:
    reporter = UsageReporter("backup-tool", "2.4.0", endpoint=os.environ.get("OTEL_PRIVACY_USAGE_ENDPOINT"))
    print("enabled:", reporter.enabled, "-", reporter.disabled_reason() or "no opt-out switch set")
    print("would send on start/stop:", json.dumps(reporter.preview(), indent=2))
    reporter.started({"workers": 4, "storage": "s3"})
    with reporter.track("backup", {"project_id": "acme-prod", "tables": 12}):  # project_id is hashed
        pass
    reporter.alert("warning", "slow disk on /dev/sda1")
    reporter.stopped()
    print("stats:", dict(reporter.stats))
    return 0


if __name__ == "__main__":
    sys.exit(main())
