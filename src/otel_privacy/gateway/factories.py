"""Every component type the gateway knows, by kind: the registry config validation and wiring use."""

from __future__ import annotations

from . import exporters, processors, receivers
from .components import Factory

__all__ = ["FACTORIES", "factory"]

FACTORIES: dict[str, dict[str, Factory]] = {
    "receivers": {f.type: f for f in receivers.FACTORIES},
    "processors": {f.type: f for f in processors.FACTORIES},
    "exporters": {f.type: f for f in exporters.FACTORIES},
}


def factory(kind: str, component_id: str) -> Factory:
    """The factory of ``component_id`` (``type`` or ``type/name``) under ``kind``."""
    return FACTORIES[kind][component_id.partition("/")[0]]
