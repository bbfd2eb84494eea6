"""``python -m otel_privacy.gateway --config gateway.yaml`` (same as ``otel-privacy gateway``)."""

import sys

from .cli import main

sys.exit(main())
