"""Optional parts of the install: a clear message when a command needs an extra that is not installed.

``pip install otel-privacy`` is the engine and the SDK door; ``otel-privacy[gateway]`` adds the
gateway's server stack, ``otel-privacy[cli]`` the terminal output of ``scan``, ``inspect`` and ``demo``.
"""

from __future__ import annotations

import importlib.util

__all__ = ["MissingExtra", "require"]


class MissingExtra(ImportError):
    """A command needs an extra that is not installed; the message says what to install."""


def require(extra: str, *modules: str) -> None:
    """Raise :class:`MissingExtra` unless every module of ``extra`` can be imported."""
    missing = []
    for name in modules:
        try:
            found = importlib.util.find_spec(name) is not None
        except (ImportError, ValueError, AttributeError):  # a parent package missing, or a module set to None
            found = False
        if not found:
            missing.append(name)
    if missing:
        raise MissingExtra(f"needs the {extra!r} extra ({', '.join(missing)} not installed): "
                           f"pip install 'otel-privacy[{extra}]'")
