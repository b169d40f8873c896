"""Typed errors of the Belgian CSV source: each names the field and the offending value (never a secret)."""

from __future__ import annotations


class BelgianError(ValueError):
    """Base of every Belgian-source error; str() is the one line shown to the user."""


class BelgianCsvError(BelgianError):
    """A cell of the CSV export is unusable; the whole file is refused (nothing is landed)."""

    def __init__(self, field: str, value: object, line: int, reason: str) -> None:
        self.field, self.value, self.line, self.reason = field, value, line, reason
        super().__init__(f"line {line}: invalid {field} {value!r}: {reason}")


class BelgianImportError(BelgianError):
    """The file is well-formed but does not fit the registry (unknown building, unregistered meter)."""

    def __init__(self, field: str, value: object, reason: str) -> None:
        self.field, self.value, self.reason = field, value, reason
        super().__init__(f"invalid {field} {value!r}: {reason}")


class BelgianPayloadError(BelgianError):
    """A landed be-csv-v1 payload does not have the shape this module writes."""

    def __init__(self, field: str, value: object, reason: str) -> None:
        self.field, self.value, self.reason = field, value, reason
        super().__init__(f"invalid be-csv payload {field} {str(value)[:80]!r}: {reason}")
