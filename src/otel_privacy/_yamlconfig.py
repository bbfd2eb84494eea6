"""YAML config files with line numbers, and validation errors that name file, line and field.

Shared by the privacy policy and the gateway config, so both point at mistakes the same way:
``gateway.yaml:12: exporters.otlphttp.compresion: unknown field``.

YAML 1.1 (what PyYAML reads) turns ``off``, ``no``, ``on`` and ``yes`` into booleans. Where a
field holds a *name* (a preset such as ``extends: off``), the caller lists its path in
``names`` and the text is kept as written; everywhere else booleans stay booleans, so a switch
like ``usage: {enabled: off}`` still means false.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import yaml
from pydantic import ValidationError

__all__ = ["Lines", "load_yaml", "line_for", "format_loc", "validation_messages"]

_BOOL_TAG = "tag:yaml.org,2002:bool"
_STR_TAG = "tag:yaml.org,2002:str"
Lines = dict[tuple, int]


def load_yaml(text: str, source: str, error: type[Exception], *,
              names: Iterable[tuple[str, ...]] = ()) -> tuple[Any, Lines]:
    """Parse ``text`` once; return the data and a map from each path to its 1-based line.

    ``names`` are paths (``"*"`` matches any key) whose scalars are read as written, never as
    YAML 1.1 booleans. Malformed YAML raises ``error`` naming ``source`` and the line.
    """
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, {}
        _names_as_text(node, (), tuple(names))
        data = loader.construct_document(node)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise error(f"{source}{where}: malformed YAML: {problem}") from None
    finally:
        loader.dispose()
    return data, _line_index(node)


def _matches(pattern: tuple[str, ...], path: tuple) -> bool:
    return len(pattern) == len(path) and all(p == "*" or p == k for p, k in zip(pattern, path))


def _names_as_text(node: yaml.Node, path: tuple, names: tuple[tuple[str, ...], ...]) -> None:
    if isinstance(node, yaml.ScalarNode):
        if node.tag == _BOOL_TAG and any(_matches(p, path) for p in names):
            node.tag = _STR_TAG
    elif isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            _names_as_text(value, path + (key.value,), names)


def _line_index(node: yaml.Node) -> Lines:
    """Map each path in the YAML document to the 1-based line where it starts (a key's own line)."""
    index: Lines = {}

    def walk(n: yaml.Node, path: tuple) -> None:
        index.setdefault(path, n.start_mark.line + 1)
        if isinstance(n, yaml.MappingNode):
            for k, v in n.value:
                index[path + (k.value,)] = k.start_mark.line + 1
                walk(v, path + (k.value,))
        elif isinstance(n, yaml.SequenceNode):
            for i, v in enumerate(n.value):
                walk(v, path + (i,))

    walk(node, ())
    return index


def _path_only(loc: Iterable[Any]) -> tuple:
    # pydantic adds tags such as "function-after[...]" or "literal[...]" for validators and unions
    return tuple(p for p in loc if isinstance(p, int) or not str(p).startswith(("function-", "literal[")))


def line_for(lines: Lines | None, loc: Iterable[Any]) -> int | None:
    """The line of ``loc`` or of its nearest parent present in the file (``None`` without lines)."""
    if not lines:
        return None
    path = _path_only(loc)
    while path:
        if path in lines:
            return lines[path]
        path = path[:-1]
    return lines.get(())


def format_loc(loc: Iterable[Any]) -> str:
    """``("rules", 2, "match")`` → ``rules[2].match``."""
    out = ""
    for item in _path_only(loc):
        out += f"[{item}]" if isinstance(item, int) else ("." if out else "") + str(item)
    return out or "<root>"


def validation_messages(exc: ValidationError, source: str, lines: Lines | None, prefix: tuple = (),
                        unknown: Callable[[tuple], str | None] | None = None) -> list[str]:
    """One ``file:line: field.path: message`` per error (``prefix`` is prepended to every path).

    ``unknown(loc)`` may say more than "unknown field" about an option the model does not have.
    """
    parts = []
    for err in exc.errors():
        loc = (*prefix, *err["loc"])
        line = line_for(lines, loc)
        where = f"{source}:{line}" if line else source
        if err["type"] == "extra_forbidden":
            msg = (unknown(tuple(err["loc"])) if unknown else None) or "unknown field"
        else:
            msg = err["msg"].removeprefix("Value error, ")
        parts.append(f"{where}: {format_loc(loc)}: {msg}")
    return parts
