"""The exporters' sending queue: bounded, optionally persistent on disk.

A queue item is one redacted export request, already serialized. With ``storage`` set, every item
is written (temp file, fsync, rename) before the receiver answers, and deleted only after the
backend accepted it: a crash or ``SIGKILL`` loses nothing that was acknowledged, and a restart
resends what was pending (at-least-once).

Admission reserves a slot before the request is accepted (:meth:`SendingQueue.reserve`), so
concurrent requests cannot all be promised the last free slot.
"""

from __future__ import annotations

import collections
import itertools
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

__all__ = ["QueueItem", "SendingQueue"]


@dataclass
class QueueItem:
    signal: str
    payload: bytes
    records: int
    path: Path | None = None
    enqueued: float = 0.0


class SendingQueue:
    """A bounded FIFO of :class:`QueueItem`, mirrored to ``storage`` when given."""

    def __init__(self, capacity: int, storage: str | None = None) -> None:
        self.capacity = capacity
        self._items: collections.deque[QueueItem] = collections.deque()
        self._cond = threading.Condition()
        self._bytes = 0
        self._reserved = 0
        self._seq = itertools.count()
        self.storage = Path(storage) if storage else None
        if self.storage is not None:
            self.storage.mkdir(parents=True, exist_ok=True)
            self._load()

    def _load(self) -> None:
        assert self.storage is not None
        for path in sorted(self.storage.glob("*.pb")):
            signal = path.suffixes[-2].lstrip(".") if len(path.suffixes) >= 2 else ""
            if signal not in ("traces", "logs", "metrics"):
                continue
            payload = path.read_bytes()
            records = int(path.name.split("-")[2].split(".")[0]) if path.name.count("-") >= 2 else 0
            self._items.append(QueueItem(signal, payload, records, path, time.monotonic()))
            self._bytes += len(payload)
        for tmp in self.storage.glob("*.tmp"):  # a crash mid-write: never acknowledged
            tmp.unlink(missing_ok=True)

    def __len__(self) -> int:
        return len(self._items)

    @property
    def bytes(self) -> int:
        """Bytes held: waiting, and the one being sent."""
        return self._bytes

    def records(self) -> int:
        """Records waiting (for counting what a shutdown drops)."""
        with self._cond:
            return sum(i.records for i in self._items)

    def full(self) -> bool:
        return len(self._items) + self._reserved >= self.capacity

    def reserve(self) -> bool:
        """Promise one slot to a request being admitted; False when none is left."""
        with self._cond:
            if len(self._items) + self._reserved >= self.capacity:
                return False
            self._reserved += 1
            return True

    def unreserve(self) -> None:
        with self._cond:
            self._reserved -= 1

    def put(self, signal: str, payload: bytes, records: int, *, reserved: bool = False) -> None:
        """Append (and persist first, when configured), using a slot taken with :meth:`reserve` if ``reserved``."""
        path = None
        if self.storage is not None:
            name = f"{time.time_ns():020d}-{next(self._seq):08d}-{records}.{signal}.pb"
            path = self.storage / name
            tmp = path.with_suffix(".tmp")
            with open(tmp, "wb") as fh:
                fh.write(payload)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        with self._cond:
            if reserved:
                self._reserved -= 1
            self._items.append(QueueItem(signal, payload, records, path, time.monotonic()))
            self._bytes += len(payload)
            self._cond.notify()

    def take(self, stop: threading.Event) -> QueueItem | None:
        """The oldest item, waiting for one; ``None`` once ``stop`` is set and the queue is empty."""
        with self._cond:
            while not self._items:
                if stop.is_set():
                    return None
                self._cond.wait(0.1)
            return self._items.popleft()  # its bytes count until done(): it is still held while being sent

    def requeue_front(self, item: QueueItem) -> None:
        """Put a taken item back at the head (an export that must be retried after a restart)."""
        with self._cond:
            self._items.appendleft(item)
            self._cond.notify()

    def done(self, item: QueueItem) -> None:
        """A taken item is finished with (delivered or dropped): its bytes and its file go."""
        if item.path is not None:
            item.path.unlink(missing_ok=True)
        with self._cond:
            self._bytes -= len(item.payload)
