"""What every CLI command shares: a DB connection and turning typed errors into one clear line."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import click
import psycopg

from linky_pipeline.lib.domain.identifiers import InvalidValueError
from linky_pipeline.lib.domain.registry import RegistryError
from linky_pipeline.lib.store.db import DatabaseNotConfiguredError, connect


class BadInputError(click.ClickException):
    """A value the user typed does not fit (an unknown building…): one `Error: …` line, exit code 2."""

    exit_code = 2


@contextlib.contextmanager
def warehouse() -> Iterator[psycopg.Connection]:
    """A connection for one command; user errors become `Error: …` and exit code 2, nothing half-written."""
    try:
        conn = connect()
    except DatabaseNotConfiguredError as exc:
        raise click.UsageError(str(exc)) from None
    except psycopg.OperationalError as exc:
        raise click.ClickException(f"cannot connect to the warehouse: {str(exc).splitlines()[0]}") from None
    try:
        with conn:
            yield conn
    except (InvalidValueError, RegistryError) as exc:
        raise click.UsageError(str(exc)) from None
