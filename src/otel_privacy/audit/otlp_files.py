"""Read and write OTLP export requests in files: OTLP/JSON, JSON lines, and protobuf.

* ``.json``: one request object, or ``[...]`` a list of them;
* ``.jsonl`` / ``.ndjson`` / anything whose first line is a whole JSON object: one request per line —
  what the OpenTelemetry Collector's ``file`` exporter and our gateway's ``file`` exporter write;
* ``.pb`` / ``.binpb`` / anything else that is not JSON: one serialized request (the signal is
  read from the file name, ``--signal``, or inferred from the message's shape).

``-`` means stdin / stdout. Errors say which file and line.
"""

from __future__ import annotations

import gzip
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from google.protobuf.message import DecodeError, Message

from ..otlp_json import REQUEST_TYPES, OtlpJsonError, dumps, from_dict
from ..otlp_walk import iter_items

__all__ = ["OtlpFileError", "Batch", "read_requests", "write_requests", "detect_format", "parse_protobuf"]

FORMATS = ("json", "jsonl", "protobuf")


class OtlpFileError(ValueError):
    """A file that is not OTLP; the message names the file and, for JSON, the line."""


@dataclass
class Batch:
    """One export request read from ``source`` (file name and line, for messages)."""

    signal: str
    request: Message
    source: str


def _read_bytes(path: str) -> bytes:
    if path == "-":
        data = sys.stdin.buffer.read()
    else:
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise OtlpFileError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise OtlpFileError(f"{path}: broken gzip ({exc})") from None
    return data


def detect_format(path: str, data: bytes) -> str:
    name = path.lower().removesuffix(".gz")
    if name.endswith((".jsonl", ".ndjson")):
        return "jsonl"
    if name.endswith((".pb", ".binpb", ".protobuf")):
        return "protobuf"
    head = data.lstrip()[:1]
    if head == b"[":
        return "json"
    if head == b"{":
        first, _, rest = data.strip().partition(b"\n")
        if rest.strip():
            try:
                json.loads(first)
                return "jsonl"
            except ValueError:
                return "json"
        return "json"
    return "protobuf"


def _signal_from_name(path: str) -> str | None:
    name = Path(path).name.lower()
    for signal in REQUEST_TYPES:
        if signal in name or signal.rstrip("s") in name.split("."):
            return signal
    return None


def parse_protobuf(data: bytes, signal: str | None = None, source: str = "<bytes>") -> Batch:
    """Parse a serialized request; without ``signal``, pick the type whose shape fits."""
    candidates = [signal] if signal else ["traces", "metrics", "logs"]
    last: Exception | None = None
    for sig in candidates:
        message = REQUEST_TYPES[sig]()
        try:
            message.ParseFromString(data)
        except DecodeError as exc:
            last = exc
            continue
        if signal or _plausible(sig, message):
            return Batch(sig, message, source)
    raise OtlpFileError(f"{source}: not an OTLP protobuf request ({last or 'shape matches no signal'}); "
                        "pass --signal traces|logs|metrics if it is one")


def _plausible(signal: str, message: Message) -> bool:
    """Cheap shape checks that tell the three request types apart (they share field numbers)."""
    found = [item for _, _, item in iter_items(signal, message)]
    if signal == "traces":
        return bool(found) and all(len(s.trace_id) == 16 and len(s.span_id) == 8 for s in found)
    if signal == "metrics":
        return bool(found) and all(m.name and m.WhichOneof("data") for m in found)
    return bool(found)


def read_requests(path: str, *, fmt: str | None = None, signal: str | None = None) -> Iterator[Batch]:
    """Yield every export request in ``path`` (``-`` for stdin)."""
    data = _read_bytes(path)
    fmt = fmt or detect_format(path, data)
    if fmt == "protobuf":
        yield parse_protobuf(data, signal or _signal_from_name(path), path)
        return
    if fmt == "jsonl":
        for lineno, line in enumerate(data.splitlines(), 1):
            if line.strip():
                yield _from_json(line, signal, f"{path}:{lineno}")
        return
    try:
        obj = json.loads(data)
    except ValueError as exc:
        raise OtlpFileError(f"{path}: invalid JSON ({exc})") from None
    for i, item in enumerate(obj if isinstance(obj, list) else [obj]):
        yield _from_obj(item, signal, path if not isinstance(obj, list) else f"{path}[{i}]")


def _from_json(line: bytes, signal: str | None, source: str) -> Batch:
    try:
        obj = json.loads(line)
    except ValueError as exc:
        raise OtlpFileError(f"{source}: invalid JSON ({exc})") from None
    return _from_obj(obj, signal, source)


def _from_obj(obj: object, signal: str | None, source: str) -> Batch:
    if not isinstance(obj, dict):
        raise OtlpFileError(f"{source}: expected an OTLP request object")
    try:
        message = from_dict(signal, obj)
    except OtlpJsonError as exc:
        raise OtlpFileError(f"{source}: {exc}") from None
    sig = next(s for s, t in REQUEST_TYPES.items() if isinstance(message, t))
    return Batch(sig, message, source)


def write_requests(batches: list[Batch], path: str, fmt: str) -> None:
    """Write ``batches`` to ``path`` (``-`` for stdout) as json, jsonl or protobuf."""
    if fmt == "protobuf":
        if len(batches) != 1:
            raise OtlpFileError(f"{path}: protobuf output holds one request; got {len(batches)} (use jsonl)")
        payload = batches[0].request.SerializeToString()
    elif fmt == "jsonl":
        payload = b"".join(dumps(b.request) + b"\n" for b in batches)
    elif len(batches) == 1:
        payload = dumps(batches[0].request, indent=2) + b"\n"
    else:
        payload = b"[" + b",\n".join(dumps(b.request) for b in batches) + b"]\n"
    if path == "-":
        out: BinaryIO = sys.stdout.buffer
        out.write(payload)
        out.flush()
    else:
        Path(path).write_bytes(payload)
