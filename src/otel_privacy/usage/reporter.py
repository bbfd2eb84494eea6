"""Product usage events, in the style of well-behaved product telemetry.

``UsageReporter`` emits a small, fixed envelope (``proto/otel_privacy/usage/v1/usage.proto``) as
OpenTelemetry log events over OTLP/HTTP, under the same privacy policy as everything else:

* a random ``instance_id`` (UUID4) created on first use and stored in the config directory —
  never derived from the host, the user or the network;
* ``started`` / ``completed`` pairs for long-running work (``with reporter.track("backup"):``),
  the completed event repeating the started payload plus end state, duration and error class —
  no heartbeats; ``started()`` / ``stopped()`` for the process, ``alert(level, message)``;
* every value passes the Redactor; identifiers the caller passes (``*_id``, ``*name``,
  ``project``, …) are pseudonymised with the policy's keyed hash;
* opt-out by policy (``usage: {enabled: false}``), ``OTEL_PRIVACY_USAGE_ENABLED=false``, the
  standard ``DO_NOT_TRACK=1``, or a config file whose change takes effect without a restart;
  disabled means nothing is built, queued or sent;
* ``preview()`` / ``otel-privacy usage show`` return exactly the bodies that would be sent, and
  ``OTEL_PRIVACY_USAGE_DEBUG=1`` echoes each sent event to stdout;
* sending happens on a background thread with a bounded buffer; failures are counted, never raised.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import logging
import os
import platform
import queue
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from google.protobuf import json_format
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import KeyValue
from opentelemetry.proto.logs.v1.logs_pb2 import LogRecord

from .._version import __version__
from ..otlp import py_to_any
from ..policy import Policy
from ..redactor import Redactor
from .v1 import usage_pb2

__all__ = ["UsageReporter", "usage_disabled_reason"]

_log = logging.getLogger("otel_privacy.usage")
_FALSE = {"0", "false", "no", "off", "disabled"}
# Keys whose values identify something of the caller's (a project, a tenant, a user): hashed.
_IDENTIFIER_SUFFIXES = ("_id", ".id", "id", "name", "project", "tenant", "user", "email", "host", "account")
_STATES = {"success": usage_pb2.END_STATE_SUCCESS, "failed": usage_pb2.END_STATE_FAILED,
           "aborted": usage_pb2.END_STATE_ABORTED}


def _config_dir() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(base) / "otel-privacy"


def usage_disabled_reason(policy: Policy | None = None, config_file: str | Path | None = None) -> str | None:
    """Why usage events are off (``None`` when they are on). Checked at every event."""
    dnt = os.environ.get("DO_NOT_TRACK", "").strip().lower()
    if dnt and dnt not in _FALSE:
        return "DO_NOT_TRACK is set"
    if os.environ.get("OTEL_PRIVACY_USAGE_ENABLED", "").strip().lower() in _FALSE:
        return "OTEL_PRIVACY_USAGE_ENABLED=false"
    if policy is not None and policy.usage.get("enabled") is False:
        return f"policy {policy.name}: usage.enabled is false"
    if config_file is not None and _file_says_disabled(Path(config_file)):
        return f"{config_file}: usage.enabled is false"
    return None


_file_cache: dict[Path, tuple[float, bool]] = {}


def _file_says_disabled(path: Path) -> bool:
    """Read ``enabled`` (top level or under ``usage:``) from a YAML/JSON file, again when it changes."""
    try:
        mtime = path.stat().st_mtime_ns
    except OSError:
        return False
    hit = _file_cache.get(path)
    if hit is not None and hit[0] == mtime:
        return hit[1]
    import yaml

    try:
        data = yaml.safe_load(path.read_text()) or {}
    except (OSError, yaml.YAMLError):
        data = {}
    section = data.get("usage", data) if isinstance(data, dict) else {}
    disabled = isinstance(section, dict) and section.get("enabled") is False
    _file_cache[path] = (mtime, disabled)
    return disabled


class UsageReporter:
    """Emit product usage events; see the module docstring for what, when and how to turn it off."""

    def __init__(
        self,
        product: str,
        version: str,
        endpoint: str | None = None,
        policy: Policy | str | dict | None = None,
        *,
        instance_id_path: str | Path | None = None,
        config_file: str | Path | None = None,
        headers: Mapping[str, str] | None = None,
        exporter: Callable[[ExportLogsServiceRequest], Any] | None = None,
        max_buffer: int = 256,
        timeout: float = 5.0,
    ) -> None:
        self.product = product
        self.version = version
        self.policy = Policy.load(policy)
        self.redactor = Redactor(self.policy)
        settings = self.policy.usage
        self.endpoint = (endpoint or settings.get("endpoint") or os.environ.get("OTEL_PRIVACY_USAGE_ENDPOINT")
                         or None)
        self.instance_id_path = Path(instance_id_path or settings.get("instance_id_path")
                                     or _config_dir() / "instance_id")
        self.config_file = config_file or settings.get("config_file")
        self.headers = dict(headers or {})
        self.timeout = timeout
        self.stats: Counter[str] = Counter()
        self._exporter = exporter
        self._queue: queue.Queue[ExportLogsServiceRequest | None] = queue.Queue(maxsize=max_buffer)
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._instance_id: str | None = None
        self._started_at = time.monotonic()
        self._stopped = False
        self._session: Any = None

    # -- switches -------------------------------------------------------------------------
    def disabled_reason(self) -> str | None:
        return usage_disabled_reason(self.policy, self.config_file)

    @property
    def enabled(self) -> bool:
        return self.disabled_reason() is None

    @property
    def instance_id(self) -> str:
        """The random id of this installation, created (0600) on first use."""
        if self._instance_id is None:
            with self._lock:
                if self._instance_id is None:
                    self._instance_id = self._load_or_create_id()
        return self._instance_id

    def _load_or_create_id(self) -> str:
        path = self.instance_id_path
        with contextlib.suppress(OSError, ValueError):
            return str(uuid.UUID(path.read_text().strip()))
        new = str(uuid.uuid4())
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(new + "\n")
        except FileExistsError:  # another process won the race: use its id
            with contextlib.suppress(OSError, ValueError):
                return str(uuid.UUID(path.read_text().strip()))
        except OSError as exc:
            _log.debug("otel-privacy usage: cannot persist the instance id (%s); using a process-local one", exc)
        return new

    # -- events ---------------------------------------------------------------------------
    def build_event(self, event_type: str, data: Mapping[str, Any] | None = None, **fields: Any
                    ) -> usage_pb2.UsageEvent:
        """The redacted envelope for one event (what :meth:`emit` sends and :meth:`preview` shows)."""
        event = usage_pb2.UsageEvent(instance_id=self.instance_id, event_time_unix_nano=time.time_ns(),
                                     event_type=event_type, product=self.product, version=self.version)
        for key, value in (data or {}).items():
            event.event_data[str(key)] = self._redact_data(str(key), value)
        for name, value in fields.items():
            if name == "environment":
                event.environment.CopyFrom(value)
            elif value is not None:
                setattr(event, name, value)
        return event

    def _redact_data(self, key: str, value: Any) -> str:
        text = value if isinstance(value, str) else json.dumps(value, default=str) if isinstance(
            value, (dict, list, tuple)) else str(value)
        if key.lower().endswith(_IDENTIFIER_SUFFIXES) and not isinstance(value, (bool, int, float)):
            return self.redactor.pseudonymize(text)
        out = self.redactor.redact_value(key, text)
        return out if isinstance(out, str) else self.redactor.replacement

    @staticmethod
    def body(event: usage_pb2.UsageEvent) -> dict[str, Any]:
        """The JSON body of an event, as sent and as shown by ``otel-privacy usage show``."""
        return json_format.MessageToDict(event, preserving_proto_field_name=True)

    def emit(self, event_type: str, data: Mapping[str, Any] | None = None, **fields: Any) -> dict[str, Any] | None:
        """Build, redact and queue one event; returns its body, or ``None`` when disabled."""
        try:
            if not self.enabled:
                self.stats["disabled"] += 1
                return None
            event = self.build_event(event_type, data, **fields)
            body = self.body(event)
            self._enqueue(self._to_otlp(event, body))
            if os.environ.get("OTEL_PRIVACY_USAGE_DEBUG", "").strip().lower() not in ("", *_FALSE):
                print(json.dumps({"otel_privacy_usage_event": body}, sort_keys=True), flush=True)
            return body
        except Exception as exc:  # noqa: BLE001 - usage events must never hurt the app
            self.stats["errors"] += 1
            _log.debug("otel-privacy usage: event dropped: %r", exc)
            return None

    def environment(self) -> usage_pb2.Environment:
        try:
            import psutil

            memory = psutil.virtual_memory().total
        except Exception:  # noqa: BLE001
            memory = 0
        return usage_pb2.Environment(os=platform.system(), os_release=platform.release(),
                                     python_version=platform.python_version(), arch=platform.machine(),
                                     cpu_count=os.cpu_count() or 0, memory_total_bytes=memory)

    def started(self, config: Mapping[str, Any] | None = None) -> dict[str, Any] | None:
        """Process start: versions, environment summary and a config summary (values redacted)."""
        self._started_at = time.monotonic()
        data = {"otel_privacy_version": __version__, "policy": self.redactor.fingerprint, **(config or {})}
        body = self.emit("started", data, environment=self.environment())
        if body is not None:
            atexit.register(self.stopped)
        return body

    def stopped(self) -> dict[str, Any] | None:
        """Process end with uptime; flushes what is queued (bounded wait)."""
        if self._stopped:
            return None
        self._stopped = True
        body = self.emit("stopped", {"uptime_seconds": round(time.monotonic() - self._started_at, 3)})
        self.flush(self.timeout)
        return body

    def alert(self, level: str, message: str, data: Mapping[str, Any] | None = None) -> dict[str, Any] | None:
        return self.emit("alert", {"level": level, "message": message, **(data or {})})

    @contextlib.contextmanager
    def track(self, name: str, attrs: Mapping[str, Any] | None = None) -> Iterator[dict[str, Any]]:
        """``started`` now, ``completed`` at the end with success / failed / aborted, duration, error class."""
        work_id = str(uuid.uuid4())
        data = dict(attrs or {})
        self.emit("started", data, work_id=work_id, work_name=name)
        t0 = time.monotonic()
        state, error = "success", ""
        try:
            yield data
        except Exception as exc:
            state, error = "failed", type(exc).__name__
            raise
        except BaseException as exc:  # KeyboardInterrupt, SystemExit, cancelled generators
            state, error = "aborted", type(exc).__name__
            raise
        finally:
            self.emit("completed", data, work_id=work_id, work_name=name, end_state=_STATES[state],
                      duration_seconds=round(time.monotonic() - t0, 6), error_class=error)

    def preview(self, config: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        """Exactly the bodies a started/stopped pair would send now (nothing is sent)."""
        if not self.enabled:
            return []
        data = {"otel_privacy_version": __version__, "policy": self.redactor.fingerprint, **(config or {})}
        return [self.body(self.build_event("started", data, environment=self.environment())),
                self.body(self.build_event("stopped", {"uptime_seconds": 0.0}))]

    # -- transport ------------------------------------------------------------------------
    def _to_otlp(self, event: usage_pb2.UsageEvent, body: dict[str, Any]) -> ExportLogsServiceRequest:
        request = ExportLogsServiceRequest()
        rl = request.resource_logs.add()
        rl.resource.attributes.extend([KeyValue(key="service.name", value=py_to_any(self.product)),
                                       KeyValue(key="service.version", value=py_to_any(self.version))])
        sl = rl.scope_logs.add()
        sl.scope.name = "otel_privacy.usage"
        sl.scope.version = __version__
        name = f"otel_privacy.usage.{event.event_type}"
        record = LogRecord(time_unix_nano=event.event_time_unix_nano,
                           observed_time_unix_nano=event.event_time_unix_nano, severity_number=9,
                           severity_text="INFO", event_name=name)
        record.body.CopyFrom(py_to_any(body))
        record.attributes.extend([KeyValue(key="event.name", value=py_to_any(name)),
                                  KeyValue(key="otel_privacy.usage.instance_id", value=py_to_any(event.instance_id)),
                                  KeyValue(key="otel_privacy.usage.event_type", value=py_to_any(event.event_type))])
        sl.log_records.append(record)
        return request

    def _enqueue(self, request: ExportLogsServiceRequest) -> None:
        if self._exporter is None and not self.endpoint:
            self.stats["no_endpoint"] += 1  # nowhere to send: previews and debug echo still work
            return
        try:
            self._queue.put_nowait(request)
        except queue.Full:
            self.stats["dropped"] += 1
            return
        if self._thread is None:
            with self._lock:
                if self._thread is None:
                    self._thread = threading.Thread(target=self._run, name="otel-privacy-usage", daemon=True)
                    self._thread.start()

    def _run(self) -> None:
        while True:
            request = self._queue.get()
            try:
                if request is None:
                    return
                self._send(request)
                self.stats["sent"] += 1
            except Exception as exc:  # noqa: BLE001 - silent to the app, counted
                self.stats["failed"] += 1
                _log.debug("otel-privacy usage: send failed: %r", exc)
            finally:
                self._queue.task_done()

    def _send(self, request: ExportLogsServiceRequest) -> None:
        if self._exporter is not None:
            self._exporter(request)
            return
        import requests

        if self._session is None:
            self._session = requests.Session()
        url = self.endpoint.rstrip("/")
        if not url.endswith("/v1/logs"):
            url += "/v1/logs"
        resp = self._session.post(url, data=request.SerializeToString(), timeout=self.timeout,
                                  headers={"Content-Type": "application/x-protobuf", **self.headers})
        resp.raise_for_status()

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait (bounded) until queued events are sent; True when the buffer is empty."""
        end = time.monotonic() + timeout
        while self._queue.unfinished_tasks and time.monotonic() < end:
            time.sleep(0.01)
        return not self._queue.unfinished_tasks
