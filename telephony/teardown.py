"""The teardown rules of telephony-notes §6 in one place (every pjsua2 object goes through here).

- P2: a Python-subclassed `AudioMediaPort` is destroyed C++-first (`__swig_destroy__`), which waits
  for an in-flight clock-thread callback, before its last Python reference goes.
- P3: the `Call` object is dropped inside its own DISCONNECTED callback, never later, because pjsua
  reuses call ids and a late `~Call()` hangs up the next call with the same id.
- P5: at shutdown every pjsua2 object is dropped and collected before `libDestroy()`.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Callable, Iterator
from typing import Any, Generic, TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")


def destroy_port(port: Any, destroy: Callable[[Any], None] | None = None) -> None:
    """Run the C++ destructor of a Python-subclassed media port now (P2); safe to call twice."""
    if port is None:
        return
    if destroy is None:
        import pjsua2 as pj

        destroy = pj.AudioMediaPort.__swig_destroy__
    if getattr(port, "thisown", False):
        destroy(port)
        port.thisown = False


class Registry(Generic[T]):
    """The only strong references to live call legs, keyed by our own leg id (pjsua ids are reused)."""

    def __init__(self) -> None:
        self._items: dict[str, T] = {}

    def add(self, key: str, item: T) -> None:
        if key in self._items:
            raise KeyError(f"leg {key} already registered")
        self._items[key] = item

    def get(self, key: str) -> T | None:
        return self._items.get(key)

    def drop(self, key: str) -> T | None:
        """Call this inside the leg's DISCONNECTED callback (P3)."""
        return self._items.pop(key, None)

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._items))

    def clear(self) -> list[T]:
        items = list(self._items.values())
        self._items.clear()
        return items


def guarded(name: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Catch everything a SWIG director callback raises (P5: an escaped traceback pins objects until
    exit, and pjsua2 then aborts in `libDestroy`)."""

    def wrap(function: Callable[..., None]) -> Callable[..., None]:
        def run(*args: Any) -> None:
            try:
                function(*args)
            except Exception:
                log.exception("pjsua2 callback %s failed", name)

        run.__name__ = function.__name__
        return run

    return wrap


def shutdown_endpoint(
    endpoint: Any, legs: Registry[Any], poll: Callable[[int], None], extra: list[Any]
) -> None:
    """Hang up, let BYEs go out, drop every pjsua2 object, collect, then destroy the library (P5)."""
    try:
        endpoint.hangupAllCalls()
    except Exception:
        log.exception("hangupAllCalls failed")
    for _ in range(50):  # ~0.5 s for the BYEs and the DISCONNECTED callbacks
        poll(10)
        if not len(legs):
            break
    for leg in legs.clear():
        close = getattr(leg, "release_media", None)
        if close is not None:
            close()
    extra.clear()
    gc.collect()
    endpoint.libDestroy()
