"""Extra erasure steps a feature registers for data the generic walk cannot see.

``gdpr_eraser_register(name, fn)`` from an ``AppConfig.ready()``; ``fn(contact_id) -> int``
runs inside the erasure's transaction and returns how many rows it changed (kept in the
erasure record's counts under ``name``).
"""

from __future__ import annotations

from collections.abc import Callable

_ERASERS: dict[str, Callable[[int], int]] = {}


def gdpr_eraser_register(name: str, fn: Callable[[int], int]) -> None:
    _ERASERS[name] = fn


def gdpr_erasers() -> dict[str, Callable[[int], int]]:
    return dict(_ERASERS)
