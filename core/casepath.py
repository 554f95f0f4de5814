"""Read and write case fields by dotted path (``"patient.name"``, ``"risk.R5.note"``).

The wizard binds each widget to one path, and findings point at fields by the same paths, so
a finding can be shown beside — and jump to — the widget it concerns.  Missing dictionary
entries (a risk point not yet answered, a measure not yet touched) are created on write.
"""

from __future__ import annotations

import typing
from typing import Any

from pydantic import BaseModel


class CasePathError(LookupError):
    pass


def _split(path: str) -> list[str]:
    if not path:
        raise CasePathError("empty path")
    return path.split(".")


def _dict_value_type(model: BaseModel, field: str) -> Any:
    annotation = type(model).model_fields[field].annotation
    args = typing.get_args(annotation)
    return args[1] if len(args) == 2 else None


def _child(container: Any, key: str, *, create: bool, parent: Any = None,
           parent_key: str = "") -> Any:
    if isinstance(container, BaseModel):
        if key not in type(container).model_fields:
            raise CasePathError(key)
        return getattr(container, key)
    if isinstance(container, dict):
        if key not in container:
            if not create:
                return None
            value_type = _dict_value_type(parent, parent_key) if parent is not None else None
            if isinstance(value_type, type) and issubclass(value_type, BaseModel):
                container[key] = value_type()
            else:
                return None
        return container[key]
    if isinstance(container, list):
        try:
            return container[int(key)]
        except (ValueError, IndexError):
            raise CasePathError(key) from None
    raise CasePathError(key)


def get_value(root: BaseModel, path: str) -> Any:
    """The value at ``path``; None for a dict entry that does not exist yet."""
    node: Any = root
    parent: Any = None
    parent_key = ""
    for key in _split(path):
        if node is None:
            return None
        node, parent, parent_key = (
            _child(node, key, create=False, parent=parent, parent_key=parent_key), node, key
        )
    return node


def set_value(root: BaseModel, path: str, value: Any) -> None:
    """Assign ``value`` at ``path`` (validated by the model; raises pydantic's error if wrong)."""
    keys = _split(path)
    node: Any = root
    parent: Any = None
    parent_key = ""
    for key in keys[:-1]:
        child = _child(node, key, create=True, parent=parent, parent_key=parent_key)
        if child is None:
            raise CasePathError(path)
        node, parent, parent_key = child, node, key
    last = keys[-1]
    if isinstance(node, BaseModel):
        if last not in type(node).model_fields:
            raise CasePathError(path)
        setattr(node, last, value)
    elif isinstance(node, dict):
        node[last] = value
    elif isinstance(node, list):
        try:
            node[int(last)] = value
        except (ValueError, IndexError):
            raise CasePathError(path) from None
    else:
        raise CasePathError(path)


