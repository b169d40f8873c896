"""PostgreSQL's binary format for the values reading_days holds, built with numpy instead of per-element adapters.

The same bytes serve twice: as fields of a binary COPY, and (for arrays) as what the server's `array_send`
returns, so a stored day and a computed one compare by a digest without loading the stored arrays.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from datetime import date
from typing import Final

import numpy as np

COPY_HEADER: Final = b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0)
COPY_TRAILER: Final = struct.pack(">h", -1)
INT4: Final = 23
INT8: Final = 20
TEXT: Final = 25
_POSTGRES_EPOCH: Final = date(2000, 1, 1).toordinal()


def _array_header(oid: int, count: int) -> bytes:
    if count == 0:
        return struct.pack(">iii", 0, 0, oid)
    return struct.pack(">iiiii", 1, 0, oid, count, 1)  # one dimension, no NULL, lower bound 1


def int_elements(values: np.ndarray, oid: int) -> bytes:
    """The elements part of an int4[]/int8[] (length-prefixed big-endian values), for any number of values at once:
    slices of it at multiples of 8 (int4) or 12 (int8) bytes are the elements of sub-arrays."""
    width = 4 if oid == INT4 else 8
    out = np.empty((len(values), 4 + width), dtype=np.uint8)
    out[:, :4] = np.frombuffer(struct.pack(">i", width), dtype=np.uint8)
    out[:, 4:] = np.ascontiguousarray(values, dtype=f">i{width}").view(np.uint8).reshape(-1, width)
    return out.tobytes()


def int_array(elements: bytes | memoryview, oid: int) -> bytes:
    """A whole int4[]/int8[] from its elements part (see int_elements)."""
    size = 8 if oid == INT4 else 12
    return _array_header(oid, len(elements) // size) + bytes(elements)


def text_array(values: Sequence[str]) -> bytes:
    parts = [_array_header(TEXT, len(values))]
    for value in values:
        data = value.encode()
        parts.append(struct.pack(">i", len(data)) + data)
    return b"".join(parts)


def int8(value: int) -> bytes:
    return struct.pack(">q", value)


def text(value: str) -> bytes:
    return value.encode()


def pg_date(value: date) -> bytes:
    return struct.pack(">i", value.toordinal() - _POSTGRES_EPOCH)


def copy_tuple(fields: Sequence[bytes]) -> bytes:
    """One tuple of a binary COPY stream (no NULL fields)."""
    parts = [struct.pack(">h", len(fields))]
    for field in fields:
        parts.append(struct.pack(">i", len(field)))
        parts.append(field)
    return b"".join(parts)
