"""Typed errors of the Belgian CSV source: each names the file, the line, the field and the offending value."""

from __future__ import annotations

MAX_SHOWN = 80  # a 150 000-character cell is named, not repeated


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= MAX_SHOWN else f"{text[: MAX_SHOWN - 3]}... ({len(str(value))} characters)"


class BelgianError(ValueError):
    """Base of every Belgian-source error; str() is the one line shown to the user."""


class BelgianImportError(BelgianError):
    """A file cannot be imported: unreadable, not CSV, or not fitting the registry (unknown building, meter)."""

    def __init__(self, field: str, value: object, reason: str, *, file: str | None = None, line: int | None = None):
        self.field, self.value, self.reason, self.file, self.line = field, value, reason, file, line
        super().__init__(self._text())

    def _text(self) -> str:
        where = ", ".join(
            p for p in (f"file {self.file}" if self.file else "", f"line {self.line}" if self.line else "") if p
        )
        return f"{where + ': ' if where else ''}invalid {self.field} {_shown(self.value)}: {self.reason}"

    def in_file(self, file: str) -> BelgianImportError:
        """The same error naming the file it was found in (parsers know lines, the importer knows the file)."""
        if self.file is None:
            self.file = file
            self.args = (self._text(),)
        return self


class BelgianCsvError(BelgianImportError):
    """A line or cell of the CSV export is unusable; the whole file is refused (nothing is landed)."""

    def __init__(self, field: str, value: object, line: int, reason: str, file: str | None = None) -> None:
        super().__init__(field, value, reason, file=file, line=line)


class BelgianPayloadError(BelgianError):
    """A landed be-csv-v1 payload does not have the shape this module writes."""

    def __init__(self, field: str, value: object, reason: str) -> None:
        self.field, self.value, self.reason = field, value, reason
        super().__init__(f"invalid be-csv payload {field} {str(value)[:80]!r}: {reason}")
