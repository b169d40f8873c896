"""PostgreSQL's binary format for the values reading_days holds, built with numpy instead of per-element adapters.

The same bytes serve twice: as fields of a binary COPY, and (for arrays) as what the server's `array_send`
returns, so a stored day and a computed one compare by a digest without loading the stored arrays.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from datetime import date
from functools import lru_cache
from typing import Final

import numpy as np

COPY_HEADER: Final = b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0)
COPY_TRAILER: Final = struct.pack(">h", -1)
INT4: Final = 23
INT8: Final = 20
TEXT: Final = 25
_POSTGRES_EPOCH: Final = date(2000, 1, 1).toordinal()


_I2: Final = struct.Struct(">h")
_I4: Final = struct.Struct(">i")


@lru_cache(maxsize=4096)
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
    if len(values) == 1:
        return _one_text(values[0])
    parts = [_array_header(TEXT, len(values))]
    for value in values:
        data = value.encode()
        parts.append(_I4.pack(len(data)) + data)
    return b"".join(parts)


@lru_cache(maxsize=1024)
def _one_text(value: str) -> bytes:
    """The usual case: one quality or source for a whole day (a handful of distinct values)."""
    data = value.encode()
    return _array_header(TEXT, 1) + _I4.pack(len(data)) + data


_I8: Final = struct.Struct(">q")


def int8(value: int) -> bytes:
    return _I8.pack(value)


def text(value: str) -> bytes:
    return value.encode()


def pg_date(value: date) -> bytes:
    return _I4.pack(value.toordinal() - _POSTGRES_EPOCH)


def copy_tuple(fields: Sequence[bytes]) -> bytes:
    """One tuple of a binary COPY stream (no NULL fields)."""
    parts = [_I2.pack(len(fields))]
    for field in fields:
        parts.append(_I4.pack(len(field)))
        parts.append(field)
    return b"".join(parts)


@lru_cache(maxsize=1024)
def _day_tuple_layout(metric_len: int, count: int, quality_len: int, source_len: int) -> struct.Struct:
    return struct.Struct(
        f">h iq i{metric_len}s ii iiiiii{8 * count}s iiiiii{8 * count}s iiiiii{12 * count}s "
        f"i{quality_len}s i{source_len}s"
    )


def day_tuple(
    meter_pk: int,
    metric: str,
    day: date,
    offsets: bytes,
    lengths: bytes,
    energies: bytes,
    quality: bytes,
    source: bytes,
) -> tuple[bytes, int]:
    """A reading_days tuple of a binary COPY in one struct.pack: (meter_pk, metric, day, int4[] offsets, int4[]
    lengths, int8[] energies, text[] quality, text[] source), from the elements parts (int_elements) and the whole
    text arrays. Returns the bytes and where the length-prefixed array fields start (what the digest covers)."""
    count = len(offsets) // 8
    name = _utf8(metric)
    layout = _day_tuple_layout(len(name), count, len(quality), len(source))
    int4_size, int8_size = 20 + 8 * count, 20 + 12 * count
    data = layout.pack(
        8, 8, meter_pk, len(name), name, 4, day.toordinal() - _POSTGRES_EPOCH,
        int4_size, 1, 0, INT4, count, 1, offsets,
        int4_size, 1, 0, INT4, count, 1, lengths,
        int8_size, 1, 0, INT8, count, 1, energies,
        len(quality), quality, len(source), source,
    )  # fmt: skip
    return data, 2 + 12 + 4 + len(name) + 8


@lru_cache(maxsize=64)
def _utf8(value: str) -> bytes:
    return value.encode()
