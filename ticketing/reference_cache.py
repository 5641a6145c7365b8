"""A short-lived cache of reference look-ups (unit codes, category codes) on the intake hot path.

Only found values are cached, and only for a few seconds: a newly created unit or category is
visible at once, and a deactivated one is refused again within TTL_S. Intake checks these on every
ticket, and on PostgreSQL each look-up is a network round trip.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import TypeVar

T = TypeVar("T")
TTL_S = 10.0
MAX_ENTRIES = 10_000


class ReferenceCache:
    def __init__(self, ttl_s: float = TTL_S) -> None:
        self.ttl_s = ttl_s
        self._entries: dict[Hashable, tuple[float, object]] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable, load: Callable[[], T | None]) -> T | None:
        now = time.monotonic()
        with self._lock:
            entry = self._entries.get(key)
        if entry is not None and entry[0] > now:
            return entry[1]  # type: ignore[return-value]
        value = load()
        if value is not None:
            with self._lock:
                if len(self._entries) >= MAX_ENTRIES:
                    self._entries.clear()
                self._entries[key] = (now + self.ttl_s, value)
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
