"""Copying audio in and out of pjsua2's SWIG `ByteVector` without iterating it element by element.

`bytes(frame.buf)` costs ~0.5 ms per 20 ms frame and starves the conference clock thread at a few
dozen calls (telephony-notes §4, P4). These read the libstdc++ `std::vector<uint8_t>` {begin, end}
pointers directly: a layout assumption checked by tests/telephony/test_framecopy.py.
"""

from __future__ import annotations

import ctypes
from typing import Any


def vec_bytes(vector: Any) -> bytes:
    begin, end = (ctypes.c_size_t * 2).from_address(int(vector.this))
    return ctypes.string_at(begin, end - begin)


def vec_set(vector: Any, data: bytes) -> None:
    vector.resize(len(data))
    if data:
        ctypes.memmove(ctypes.c_size_t.from_address(int(vector.this)).value, data, len(data))
